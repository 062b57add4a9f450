package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// packageVersions maps each reported package to its version (the engine's view: name → version).
func packageVersions(packages []*pulumirpc.PackageDependency) map[string]string {
	versions := map[string]string{}
	for _, pkg := range packages {
		versions[pkg.GetName()] = pkg.GetVersion()
	}
	return versions
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestScanRequiredPackagesReportsResourcePackagesInNodeModules(t *testing.T) {
	program := tempTree(t, map[string]string{
		"package.json": `{"name": "prog", "version": "1.0.0", "pulumi": {"resource": true}}`, // not in node_modules
		"node_modules/@pulumi/cloudflare/package.json": `{"name": "@pulumi/cloudflare", "version": "6.22.1",
			"pulumi": {"resource": true, "name": "cloudflare", "version": "6.22.1"}}`,
		"node_modules/@pulumi/random/package.json": `{"name": "@pulumi/random", "version": "4.18.0", "pulumi": {"resource": true}}`,
		"node_modules/@pulumi/query/package.json":  `{"name": "@pulumi/query", "version": "v0.3.0"}`,
		"node_modules/@pulumi/pulumi/package.json": `{"name": "@pulumi/pulumi", "version": "3.259.0",
			"pulumi": {"comment": "Do not remove. Marks this as as a deployment-time-only package"}}`,
		"node_modules/@pulumi/off/package.json": `{"name": "@pulumi/off", "version": "1.0.0", "pulumi": {"resource": false}}`,
		"node_modules/acme-sdk/package.json": `{"name": "acme-sdk", "version": "2.0.0",
			"pulumi": {"resource": true, "name": "acme", "version": "v2.1.0", "server": "https://plugins.acme.test"}}`,
		"node_modules/nested/node_modules/@pulumi/tls/package.json": `{"name": "@pulumi/tls", "version": "5.0.0", "pulumi": {"resource": true}}`,
		"src/lib/node_modules/@pulumi/std/package.json":             `{"name": "@pulumi/std", "version": "1.7.0", "pulumi": {"resource": true}}`,
	})

	scan := scanRequiredPackages(program)

	want := map[string]string{
		"cloudflare": "v6.22.1", "random": "v4.18.0", "acme": "v2.1.0", "tls": "v5.0.0", "std": "v1.7.0",
	}
	if got := packageVersions(scan.Packages); !reflect.DeepEqual(got, want) {
		t.Errorf("packages = %v, want %v", got, want)
	}
	for _, pkg := range scan.Packages {
		if pkg.GetKind() != "resource" {
			t.Errorf("%s: kind %q", pkg.GetName(), pkg.GetKind())
		}
		wantServer := ""
		if pkg.GetName() == "acme" {
			wantServer = "https://plugins.acme.test"
		}
		if pkg.GetServer() != wantServer {
			t.Errorf("%s: server %q, want %q", pkg.GetName(), pkg.GetServer(), wantServer)
		}
	}
	sdk := filepath.Join(program, "node_modules", "@pulumi", "pulumi", "package.json")
	if !reflect.DeepEqual(scan.SDKVersions, map[string]string{sdk: "3.259.0"}) {
		t.Errorf("SDKVersions = %v", scan.SDKVersions)
	}
	if len(scan.Problems) != 0 {
		t.Errorf("problems: %v", scan.Problems)
	}
}

func TestScanRequiredPackagesSkipsPackagesItCannotUnderstand(t *testing.T) {
	program := tempTree(t, map[string]string{
		"node_modules/@pulumi/ok/package.json":        `{"name": "@pulumi/ok", "version": "1.0.0", "pulumi": {"resource": true}}`,
		"node_modules/broken/package.json":            `{`,
		"node_modules/third-party/package.json":       `{"name": "third-party", "version": "1.0.0", "pulumi": {"resource": true}}`,
		"node_modules/@pulumi/noversion/package.json": `{"name": "@pulumi/noversion", "pulumi": {"resource": true}}`,
	})

	scan := scanRequiredPackages(program)

	if got := packageVersions(scan.Packages); !reflect.DeepEqual(got, map[string]string{"ok": "v1.0.0"}) {
		t.Errorf("packages = %v", got)
	}
	problems := fmt.Sprint(scan.Problems)
	for _, want := range []string{
		filepath.Join(program, "node_modules", "@pulumi", "noversion", "package.json") +
			`: a Pulumi resource package needs a "version"`,
		"parsing " + filepath.Join(program, "node_modules", "broken", "package.json"),
		filepath.Join(program, "node_modules", "third-party", "package.json") +
			`: the third-party Pulumi package "third-party" must name its plugin`,
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems %s lack %q", problems, want)
		}
	}
	if len(scan.Problems) != 3 {
		t.Errorf("problems = %v, want 3", scan.Problems)
	}
}

// The e2e projects' layout: node_modules entries are symlinks into another node_modules, and one entry links
// back to a directory that contains the project's own tree.
func TestScanRequiredPackagesFollowsSymlinksOnceAndSurvivesCycles(t *testing.T) {
	shared := tempTree(t, map[string]string{
		"node_modules/@pulumi/cloudflare/package.json": `{"name": "@pulumi/cloudflare", "version": "6.22.1", "pulumi": {"resource": true}}`,
		"node_modules/@pulumi/pulumi/package.json":     `{"name": "@pulumi/pulumi", "version": "3.259.0"}`,
	})
	program := tempTree(t, map[string]string{"package.json": `{}`})
	symlink(t, filepath.Join(shared, "node_modules", "@pulumi"), filepath.Join(program, "node_modules", "@pulumi"))
	symlink(t, filepath.Join(shared, "node_modules", "@pulumi", "cloudflare"), filepath.Join(program, "node_modules", "cf-again"))
	symlink(t, shared, filepath.Join(program, "node_modules", "the-repo")) // like node_modules/pulumi-wfp-assets → repo
	symlink(t, program, filepath.Join(program, "node_modules", "loop"))
	symlink(t, filepath.Join(program, "missing"), filepath.Join(program, "node_modules", "dangling"))

	scan := scanRequiredPackages(program)

	if len(scan.Packages) != 1 || scan.Packages[0].GetName() != "cloudflare" || scan.Packages[0].GetVersion() != "v6.22.1" {
		t.Errorf("packages = %v, want cloudflare v6.22.1 once", scan.Packages)
	}
	if len(scan.Problems) != 1 || !strings.Contains(scan.Problems[0].Error(), "resolving the link") {
		t.Errorf("problems = %v, want only the dangling link", scan.Problems)
	}
}

func TestScanRequiredPackagesSkipsNestedPolicyPacks(t *testing.T) {
	program := tempTree(t, map[string]string{
		"node_modules/@pulumi/foo/package.json":        `{"name": "@pulumi/foo", "version": "1.2.3", "pulumi": {"resource": true}}`,
		"policy/PulumiPolicy.yaml":                     "runtime: nodejs\n",
		"policy/node_modules/@pulumi/baz/package.json": `{"name": "@pulumi/baz", "version": "7.8.9", "pulumi": {"resource": true}}`,
	})
	if got := packageVersions(scanRequiredPackages(program).Packages); !reflect.DeepEqual(got, map[string]string{"foo": "v1.2.3"}) {
		t.Errorf("packages = %v", got)
	}
}

// The repository's demo: the program directory has no node_modules of its own and resolves its packages from a
// parent's; Pulumi's host reports nothing then, and so does this one.
func TestScanRequiredPackagesIgnoresParentNodeModules(t *testing.T) {
	repo := tempTree(t, map[string]string{
		"node_modules/@pulumi/cloudflare/package.json": `{"name": "@pulumi/cloudflare", "version": "6.22.1", "pulumi": {"resource": true}}`,
		"examples/demo/package.json":                   `{}`,
	})
	if scan := scanRequiredPackages(filepath.Join(repo, "examples", "demo")); len(scan.Packages) != 0 {
		t.Errorf("packages = %v, want none", scan.Packages)
	}
}

func TestScanRequiredPackagesPassesParameterizations(t *testing.T) {
	program := tempTree(t, map[string]string{
		"node_modules/@acme/aws-ext/package.json": `{"name": "@acme/aws-ext", "version": "0.1.0", "pulumi": {
			"resource": true, "name": "terraform-provider", "version": "0.3.0",
			"parameterization": {"name": "aws-ext", "version": "0.1.0", "value": "aGVsbG8="}}}`,
	})
	scan := scanRequiredPackages(program)
	if len(scan.Packages) != 1 {
		t.Fatalf("packages = %v, problems = %v", scan.Packages, scan.Problems)
	}
	pkg := scan.Packages[0]
	param := pkg.GetParameterization()
	if pkg.GetName() != "terraform-provider" || pkg.GetVersion() != "v0.3.0" || param.GetName() != "aws-ext" ||
		param.GetVersion() != "0.1.0" || string(param.GetValue()) != "hello" || pkg.GetExtension() != nil {
		t.Errorf("package = %v", pkg)
	}
}

func TestIncompatibleSDKWarning(t *testing.T) {
	if got := incompatibleSDKWarning(map[string]string{"/a/package.json": "3.139.0", "/b/package.json": "3.259.0"}); got != "" {
		t.Errorf("two 3.x copies are compatible, got %q", got)
	}
	got := incompatibleSDKWarning(map[string]string{"/b/package.json": "2.25.0", "/a/package.json": "3.259.0"})
	want := "Found incompatible versions of @pulumi/pulumi. Differing major versions are not supported.\n" +
		"  Version 3.259.0 referenced at /a/package.json\n  Version 2.25.0 referenced at /b/package.json\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, tc := range []struct {
		a, b       string
		compatible bool
	}{
		{"1.5.0", "2.0.0", true}, {"0.17.3", "1.2.0", true}, {"0.16.0", "0.17.0", false}, {"0.16.0", "1.0.0", false},
		{"0.17.0", "2.0.0", false}, {"3.0.0", "4.0.0", false}, {"weird", "3.0.0", true},
	} {
		if got := sdkVersionConflict(tc.a, tc.b) == ""; got != tc.compatible {
			t.Errorf("%s vs %s: compatible = %v, want %v", tc.a, tc.b, got, tc.compatible)
		}
	}
}

func TestGetRequiredPackagesAndPluginsRPCs(t *testing.T) {
	program := tempTree(t, map[string]string{
		"node_modules/@pulumi/cloudflare/package.json": `{"name": "@pulumi/cloudflare", "version": "6.22.1",
			"pulumi": {"resource": true, "server": "https://plugins.example.test"}}`,
	})
	host := newNodeLanguageHost(t.Context(), hostArgs{Flags: map[string]string{}})
	info := &pulumirpc.ProgramInfo{RootDirectory: program, ProgramDirectory: program, EntryPoint: "."}

	packages, err := host.GetRequiredPackages(t.Context(), &pulumirpc.GetRequiredPackagesRequest{Info: info})
	if err != nil {
		t.Fatal(err)
	}
	if len(packages.GetPackages()) != 1 {
		t.Fatalf("packages = %v", packages.GetPackages())
	}
	if pkg := packages.GetPackages()[0]; pkg.GetName() != "cloudflare" || pkg.GetVersion() != "v6.22.1" ||
		pkg.GetKind() != "resource" || pkg.GetServer() != "https://plugins.example.test" {
		t.Errorf("package = %v", pkg)
	}

	plugins, err := host.GetRequiredPlugins(t.Context(), &pulumirpc.GetRequiredPluginsRequest{Info: info})
	if err != nil {
		t.Fatal(err)
	}
	want := []*pulumirpc.PluginDependency{{
		Name: "cloudflare", Kind: "resource", Version: "v6.22.1", Server: "https://plugins.example.test",
	}}
	if len(plugins.GetPlugins()) != 1 || plugins.GetPlugins()[0].String() != want[0].String() {
		t.Errorf("plugins = %v, want %v", plugins.GetPlugins(), want)
	}
}
