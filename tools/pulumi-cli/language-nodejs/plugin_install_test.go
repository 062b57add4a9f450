package main

import (
	"reflect"
	"testing"
)

func TestMissingPluginDependenciesListsWhatNodeModulesLacks(t *testing.T) {
	dir := tempTree(t, map[string]string{
		"package.json": `{"dependencies": {"@pulumi/pulumi": "3.259.0", "pulumi-wfp-assets": "file:../..", "typescript": "5.9.3"}}`,
		"node_modules/@pulumi/pulumi/package.json": `{"name": "@pulumi/pulumi"}`,
		"node_modules/typescript/package.json":     `{"name": "typescript"}`,
	})
	missing, err := missingPluginDependencies(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(missing, []string{"pulumi-wfp-assets"}) {
		t.Errorf("missing = %v", missing)
	}
	writeTree(t, dir, map[string]string{"node_modules/pulumi-wfp-assets/package.json": `{"name": "pulumi-wfp-assets"}`})
	if missing, err := missingPluginDependencies(dir); err != nil || len(missing) != 0 {
		t.Errorf("after installing: %v, %v", missing, err)
	}
}

func TestMissingPluginDependenciesNeedsAPackageJSON(t *testing.T) {
	if _, err := missingPluginDependencies(tempTree(t, nil)); err == nil {
		t.Error("expected an error for a plugin folder without package.json")
	}
}
