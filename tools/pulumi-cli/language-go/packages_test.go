package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

func TestPluginVersion(t *testing.T) {
	cases := []struct{ declared, module, want string }{
		{"0.3.0", "v0.0.0-00010101000000-000000000000", "0.3.0"}, // pulumi-plugin.json wins
		{"", "v6.83.4", "v6.83.4"},
		{"", "v1.29.1-0.20200403140640-efb5e2a48a86", "v1.29.0"}, // a commit after v1.29.0
	}
	for _, c := range cases {
		got, err := pluginVersion(c.declared, c.module)
		if err != nil || got != c.want {
			t.Errorf("pluginVersion(%q, %q) = %q, %v; want %q", c.declared, c.module, got, err, c.want)
		}
	}
	if _, err := pluginVersion("", "v0.0.0-00010101000000-000000000000"); err == nil {
		t.Error("a pseudo version with no tag before it stands for no release")
	}
}

func TestPackageOfReadsNameVersionAndServer(t *testing.T) {
	pkg, err := packageOf(listedModule{Path: "example.com/pulumi-wfp-assets/sdk/go", Version: "v0.0.0-00010101000000-000000000000"},
		&plugin.PulumiPluginJSON{Resource: true, Name: "wfp-assets", Version: "0.3.0"})
	if err != nil {
		t.Fatal(err)
	}
	if pkg.GetName() != "wfp-assets" || pkg.GetVersion() != "0.3.0" || pkg.GetKind() != "resource" {
		t.Errorf("package: %v", pkg)
	}
	derived, err := packageOf(listedModule{Path: "github.com/pulumi/pulumi-aws/sdk/v6", Version: "v6.83.4"},
		&plugin.PulumiPluginJSON{Resource: true})
	if err != nil || derived.GetName() != "aws" {
		t.Errorf("name from the module path: %v, %v", derived, err)
	}
	if _, err := packageOf(listedModule{Path: "example.com/lib"}, &plugin.PulumiPluginJSON{Resource: false}); err == nil {
		t.Error("a module whose pulumi-plugin.json is not a resource package is no package")
	}
}

func TestReadPluginJSONFindsTheFileWhereGeneratedSDKsPutIt(t *testing.T) {
	for _, place := range []string{"pulumi-plugin.json", "go/pulumi-plugin.json", "go/wfpassets/pulumi-plugin.json"} {
		dir := t.TempDir()
		target := filepath.Join(dir, filepath.FromSlash(place))
		_ = os.MkdirAll(filepath.Dir(target), 0o755)
		if err := os.WriteFile(target, []byte(`{"resource": true, "name": "wfp-assets", "version": "0.3.0"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readPluginJSON(dir)
		if err != nil || got == nil || got.Name != "wfp-assets" {
			t.Errorf("%s: %v, %v", place, got, err)
		}
	}
	if got, err := readPluginJSON(t.TempDir()); got != nil || err != nil {
		t.Errorf("a module without the file: %v, %v", got, err)
	}
}

// Offline, a requirement the module cache lacks is reported on its own, and the others are still found.
func TestListModulesReportsAMissingModuleWithoutFailing(t *testing.T) {
	goBin, err := findGo()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	sdk := filepath.Join(dir, "sdk")
	_ = os.MkdirAll(sdk, 0o755)
	_ = os.WriteFile(filepath.Join(sdk, "go.mod"), []byte("module example.com/sdk\n\ngo 1.21\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "go.mod"), []byte(`module example.com/prog

go 1.21

require (
	example.com/sdk v0.0.0-00010101000000-000000000000
	example.com/missing v1.0.0 // indirect
)

replace example.com/sdk => ./sdk
`), 0o644)
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=mod")
	modules, err := listModules(t.Context(), goBin, dir, []string{"example.com/sdk", "example.com/missing"})
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]listedModule{}
	for _, module := range modules {
		byPath[module.Path] = module
	}
	if got := byPath["example.com/sdk"].Dir; got != sdk {
		t.Errorf("the replaced module's Dir = %q, want %q", got, sdk)
	}
	if missing := byPath["example.com/missing"]; missing.Error == nil && missing.Dir != "" {
		t.Errorf("the missing module: %+v", missing)
	}
}
