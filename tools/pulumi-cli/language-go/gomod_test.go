package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

func TestFindGoModLooksUpwards(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "cmd", "prog")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/m\n"), 0o644)
	got, err := findGoMod(sub)
	if err != nil || got != filepath.Join(root, "go.mod") {
		t.Errorf("findGoMod = %q, %v", got, err)
	}
}

func TestPinPulumiSDKRequiresTheCLIVersion(t *testing.T) {
	generated := "module example.com/pulumi-wfp-assets/sdk/go\n\ngo 1.25\n\nrequire github.com/pulumi/pulumi/sdk/v3 v3.256.0\n"
	out, err := pinPulumiSDK([]byte(generated), "v3.259.0")
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := modfile.Parse("go.mod", out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.Require) != 1 || parsed.Require[0].Mod.Version != "v3.259.0" {
		t.Errorf("go.mod after pinning:\n%s", out)
	}
	if parsed.Module.Mod.Path != "example.com/pulumi-wfp-assets/sdk/go" {
		t.Errorf("module line changed:\n%s", out)
	}
}

func TestPinPulumiSDKLeavesOtherModulesAlone(t *testing.T) {
	generated := "module example.com/x\n\ngo 1.25\n"
	out, err := pinPulumiSDK([]byte(generated), "v3.259.0")
	if err != nil || string(out) != generated {
		t.Errorf("got %q, %v", out, err)
	}
}

func TestAddReplacesPointsModulesAtLocalFolders(t *testing.T) {
	program := "module example.com/prog\n\ngo 1.25\n\nrequire github.com/pulumi/pulumi/sdk/v3 v3.259.0\n"
	out, err := addReplaces([]byte(program), map[string]string{"example.com/pulumi-wfp-assets/sdk/go": "sdks/wfp-assets/go"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "replace example.com/pulumi-wfp-assets/sdk/go => ./sdks/wfp-assets/go\n") {
		t.Errorf("go.mod:\n%s", out)
	}
	// Linking again (a second `pulumi package add`) keeps one replace.
	again, err := addReplaces(out, map[string]string{"example.com/pulumi-wfp-assets/sdk/go": "./sdks/wfp-assets/go"})
	if err != nil || strings.Count(string(again), "replace ") != 1 {
		t.Errorf("go.mod after a second link (%v):\n%s", err, again)
	}
}

func TestAddReplacesRejectsAnInvalidGoMod(t *testing.T) {
	if _, err := addReplaces([]byte("this is not go.mod"), map[string]string{"a.b/c": "x"}); err == nil {
		t.Error("expected an error")
	}
}

func TestProgramDependenciesListsDirectRequirementsWithoutLocalVersions(t *testing.T) {
	gomod, err := modfile.Parse("go.mod", []byte(`module example.com/prog

go 1.25

require (
	example.com/pulumi-wfp-assets/sdk/go v0.0.0-00010101000000-000000000000
	github.com/pulumi/pulumi/sdk/v3 v3.259.0
	github.com/blang/semver v3.5.1+incompatible // indirect
)

replace example.com/pulumi-wfp-assets/sdk/go => ./sdks/wfp-assets/go
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	direct := programDependencies(gomod, false)
	if len(direct) != 2 || direct[0].GetVersion() != "" || direct[1].GetName() != "github.com/pulumi/pulumi/sdk/v3" ||
		direct[1].GetVersion() != "v3.259.0" {
		t.Errorf("direct: %v", direct)
	}
	if all := programDependencies(gomod, true); len(all) != 3 {
		t.Errorf("transitive: %v", all)
	}
}
