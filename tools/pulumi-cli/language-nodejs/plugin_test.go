package main

import (
	"reflect"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestBuildPluginLaunchRunsThePluginFolderFromTheEnginesFolder(t *testing.T) {
	req := &pulumirpc.RunPluginRequest{
		Pwd:  "/work/consumer",
		Args: []string{"-v=9", "127.0.0.1:4321"},
		Env:  []string{"PATH=/bin", "CLOUDFLARE_API_TOKEN=t"},
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: "/pkgs/components", EntryPoint: "."},
		Kind: "resource",
	}
	launch, err := buildPluginLaunch(req, "/pkgs/components/node_modules/@pulumi/pulumi/cmd/run-plugin/index.js",
		runtimeOptions{TypeScript: false, NodeArgs: []string{"--max-old-space-size=512"}})
	if err != nil {
		t.Fatal(err)
	}
	wantArgs := []string{"--max-old-space-size=512", "/pkgs/components/node_modules/@pulumi/pulumi/cmd/run-plugin/index.js",
		"/pkgs/components", "-v=9", "127.0.0.1:4321"}
	if !reflect.DeepEqual(launch.Args, wantArgs) {
		t.Errorf("args = %q, want %q", launch.Args, wantArgs)
	}
	wantEnv := []string{"PATH=/bin", "CLOUDFLARE_API_TOKEN=t", "PULUMI_NODEJS_TYPESCRIPT=false"}
	if !reflect.DeepEqual(launch.Env, wantEnv) {
		t.Errorf("env = %q, want %q", launch.Env, wantEnv)
	}
	if launch.Dir != "/work/consumer" {
		t.Errorf("dir = %q, want the engine's working directory", launch.Dir)
	}
}

func TestBuildPluginLaunchFallsBackToThePluginFolderAndPassesTSConfig(t *testing.T) {
	req := &pulumirpc.RunPluginRequest{Info: &pulumirpc.ProgramInfo{ProgramDirectory: "/pkgs/components"}}
	launch, err := buildPluginLaunch(req, "run-plugin.js", runtimeOptions{TypeScript: true, TSConfigPath: "tsconfig.plugin.json"})
	if err != nil {
		t.Fatal(err)
	}
	if launch.Dir != "/pkgs/components" {
		t.Errorf("dir = %q, want the plugin folder", launch.Dir)
	}
	wantEnv := []string{"PULUMI_NODEJS_TYPESCRIPT=true", "PULUMI_NODEJS_TSCONFIG_PATH=tsconfig.plugin.json"}
	if !reflect.DeepEqual(launch.Env, wantEnv) {
		t.Errorf("env = %q, want %q", launch.Env, wantEnv)
	}
}

func TestBuildPluginLaunchRefusesPolicyPacksAndMissingFolders(t *testing.T) {
	for name, req := range map[string]*pulumirpc.RunPluginRequest{
		"analyzer":  {Kind: "analyzer", Info: &pulumirpc.ProgramInfo{ProgramDirectory: "/p"}},
		"no folder": {Kind: "resource", Info: &pulumirpc.ProgramInfo{}},
	} {
		if _, err := buildPluginLaunch(req, "run-plugin.js", runtimeOptions{}); err == nil {
			t.Errorf("%s: expected an error", name)
		}
	}
}
