package main

import (
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
)

func TestParseRuntimeOptionsReadsInstallOptionsAndQuotedNodeArgs(t *testing.T) {
	info, err := structpb.NewStruct(map[string]any{
		"packagemanager": "pnpm",
		"production":     true,
		"nodeargs":       `--max-old-space-size=4096 --require "a b.js"`,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseRuntimeOptions(info, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := runtimeOptions{
		TypeScript:     true,
		NodeArgs:       []string{"--max-old-space-size=4096", "--require", "a b.js"},
		PackageManager: pnpmPackageManager,
		Production:     true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseRuntimeOptionsDefaultsThePackageManagerToAuto(t *testing.T) {
	got, err := parseRuntimeOptions(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.PackageManager != autoPackageManager || got.Production {
		t.Errorf("got %+v, want packagemanager auto and production false", got)
	}
}

func TestParseRuntimeOptionsNamesTheBadOption(t *testing.T) {
	for _, tc := range []struct {
		options map[string]any
		want    string
	}{
		{map[string]any{"packagemanager": "cargo"},
			`Pulumi.yaml runtime option packagemanager: must be one of auto, npm, yarn, pnpm or bun, got "cargo"`},
		{map[string]any{"production": "sometimes"}, "Pulumi.yaml runtime option production: expected true or false"},
		{map[string]any{"nodeargs": `--require "a b.js`}, "Pulumi.yaml runtime option nodeargs: " +
			`"--require \"a b.js" has an unterminated double quote (opened at character 11)`},
	} {
		info, err := structpb.NewStruct(tc.options)
		if err != nil {
			t.Fatal(err)
		}
		_, err = parseRuntimeOptions(info, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("options %v: error = %v, want it to contain %q", tc.options, err, tc.want)
		}
	}
}
