package main

import (
	"reflect"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestBuildProgramLaunchMapsTheRunRequestOntoCmdRun(t *testing.T) {
	req := &pulumirpc.RunRequest{
		MonitorAddress:   "127.0.0.1:1",
		Project:          "site",
		Stack:            "dev",
		Organization:     "acme",
		Pwd:              "/work/prog",
		DryRun:           true,
		Parallel:         4,
		Config:           map[string]string{"site:name": "world"},
		ConfigSecretKeys: []string{"site:token"},
		Args:             []string{"extra"},
		Info:             &pulumirpc.ProgramInfo{RootDirectory: "/work", ProgramDirectory: "/work/prog", EntryPoint: "."},
	}
	opts := runtimeOptions{TypeScript: true, TSConfigPath: "tsconfig.pulumi.json", NodeArgs: []string{"--no-warnings"}}

	launch, err := buildProgramLaunch(req, "/nm/@pulumi/pulumi/cmd/run/index.js", "127.0.0.1:2", "", opts)
	if err != nil {
		t.Fatal(err)
	}
	wantArgs := []string{
		"--no-warnings", "/nm/@pulumi/pulumi/cmd/run/index.js",
		"--monitor=127.0.0.1:1", "--engine=127.0.0.1:2", "--organization=acme", "--project=site", "--stack=dev",
		"--pwd=/work/prog", "--root-directory=/work", "--dry-run", "--parallel=4", ".", "extra",
	}
	if !reflect.DeepEqual(launch.Args, wantArgs) {
		t.Errorf("Args =\n%q\nwant\n%q", launch.Args, wantArgs)
	}
	wantEnv := []string{
		`PULUMI_CONFIG={"site:name":"world"}`,
		`PULUMI_CONFIG_SECRET_KEYS=["site:token"]`,
		"PULUMI_NODEJS_TYPESCRIPT=true",
		"PULUMI_NODEJS_TSCONFIG_PATH=tsconfig.pulumi.json",
	}
	if !reflect.DeepEqual(launch.Env, wantEnv) {
		t.Errorf("Env = %q, want %q", launch.Env, wantEnv)
	}
	if launch.Dir != "/work/prog" {
		t.Errorf("Dir = %q", launch.Dir)
	}
}

func TestBuildProgramLaunchSendsEmptyJSONForMissingConfig(t *testing.T) {
	launch, err := buildProgramLaunch(&pulumirpc.RunRequest{Program: "bin/index.js"}, "run.js", "", "", runtimeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantArgs := []string{"run.js", "bin/index.js"}
	if !reflect.DeepEqual(launch.Args, wantArgs) {
		t.Errorf("Args = %q, want %q", launch.Args, wantArgs)
	}
	wantEnv := []string{"PULUMI_CONFIG={}", "PULUMI_CONFIG_SECRET_KEYS=[]", "PULUMI_NODEJS_TYPESCRIPT=false"}
	if !reflect.DeepEqual(launch.Env, wantEnv) {
		t.Errorf("Env = %q, want %q", launch.Env, wantEnv)
	}
}

func TestRunOutcome(t *testing.T) {
	if got := runOutcome(0); got.GetError() != "" || got.GetBail() {
		t.Errorf("exit 0: %v", got)
	}
	if got := runOutcome(32); got.GetError() != "" || !got.GetBail() {
		t.Errorf("exit 32 must bail quietly: %v", got)
	}
	if got := runOutcome(1); got.GetError() != "Program exited with non-zero exit code: 1" || got.GetBail() {
		t.Errorf("exit 1: %v", got)
	}
}

func TestParseRuntimeOptions(t *testing.T) {
	defaults, err := parseRuntimeOptions(nil, nil)
	if err != nil || !defaults.TypeScript {
		t.Fatalf("TypeScript must default to true: %v %v", defaults, err)
	}
	info, err := structpb.NewStruct(map[string]any{"typescript": false, "nodeargs": "--a  --b"})
	if err != nil {
		t.Fatal(err)
	}
	// ProgramInfo.Options wins over the older command-line form.
	got, err := parseRuntimeOptions(info, map[string]string{"typescript": "true", "tsconfig": "x.json"})
	if err != nil {
		t.Fatal(err)
	}
	want := runtimeOptions{
		TypeScript: false, TSConfigPath: "x.json", NodeArgs: []string{"--a", "--b"}, PackageManager: autoPackageManager,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseRuntimeOptions(nil, map[string]string{"typescript": "maybe"}); err == nil {
		t.Error("expected an error for typescript=maybe")
	}
}
