package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// packageJSON is the part of a package.json that says whether the package is a Pulumi resource SDK.
type packageJSON struct {
	Name    string            `json:"name"`
	Version string            `json:"version"`
	Pulumi  pulumiPackageInfo `json:"pulumi"`
}

// pulumiPackageInfo is package.json's "pulumi" section (plugin.PulumiPluginJSON in Pulumi's Go SDK).
type pulumiPackageInfo struct {
	Resource                  bool                     `json:"resource"`
	Name                      string                   `json:"name"`
	Version                   string                   `json:"version"`
	Server                    string                   `json:"server"`
	Parameterization          *packageParameterization `json:"parameterization"`
	ExtensionParameterization *packageParameterization `json:"extensionParameterization"`
}

type packageParameterization struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Value   []byte `json:"value"` // base64 in JSON
}

func (p *packageParameterization) key() string {
	if p == nil {
		return ""
	}
	return p.Name + "@" + p.Version + ":" + string(p.Value)
}

func (p *packageParameterization) toRPC() *pulumirpc.PackageParameterization {
	if p == nil {
		return nil
	}
	return &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
}

// packageScan is the result of scanning a program directory for the Pulumi packages it has installed.
type packageScan struct {
	Packages []*pulumirpc.PackageDependency
	// SDKVersions maps each @pulumi/pulumi package.json found to its version.
	SDKVersions map[string]string
	// Problems are package.json files that could not be read or understood; they are skipped, as Pulumi's
	// host skips them, so one odd package does not stop a deployment.
	Problems []error
}

// scanRequiredPackages finds the resource packages a program may use the way Pulumi's host does
// (getPackagesFromDir in sdk/nodejs/cmd/pulumi-language-nodejs/main.go): it walks programDir and every
// directory below it, following symlinks (each real directory once, so link cycles end), skipping nested
// policy packs, and reads every package.json that lies below a node_modules directory. A package counts
// when its "pulumi" section has "resource": true. Only node_modules inside programDir are seen: a program
// that resolves its packages from a parent directory's node_modules reports none.
func scanRequiredPackages(programDir string) packageScan {
	scan := packageScan{SDKVersions: map[string]string{}}
	walker := packageWalker{scan: &scan, visited: map[string]bool{}, seen: map[string]bool{}}
	walker.walk(programDir, false)
	return scan
}

type packageWalker struct {
	scan    *packageScan
	visited map[string]bool // real directories already walked
	seen    map[string]bool // packages already reported (the same SDK linked twice is reported once)
}

func (w *packageWalker) walk(dir string, inNodeModules bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		w.problem(fmt.Errorf("resolving %s: %w", dir, err))
		return
	}
	if w.visited[dir] {
		return
	}
	w.visited[dir] = true

	entries, err := os.ReadDir(dir)
	if err != nil {
		w.problem(fmt.Errorf("reading %s: %w", dir, err))
		return
	}
	childrenInNodeModules := inNodeModules || filepath.Base(dir) == "node_modules"
	for _, entry := range entries {
		path := filepath.Join(dir, entry.Name())
		isDirectory := entry.IsDir()
		if entry.Type()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(path)
			if err != nil {
				w.problem(fmt.Errorf("resolving the link %s: %w", path, err))
				continue
			}
			path = target
			isDirectory = isDir(target)
		}
		switch {
		case isDirectory && isPolicyPack(path):
			// A policy pack's packages are the policy pack's, not the program's.
		case isDirectory:
			w.walk(path, childrenInNodeModules)
		case inNodeModules && entry.Name() == "package.json":
			w.readPackage(path)
		}
	}
}

func (w *packageWalker) readPackage(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		w.problem(fmt.Errorf("reading %s: %w", path, err))
		return
	}
	var info packageJSON
	if err := json.Unmarshal(data, &info); err != nil {
		w.problem(fmt.Errorf("parsing %s: %w", path, err))
		return
	}
	if info.Name == "@pulumi/pulumi" {
		w.scan.SDKVersions[path] = info.Version
	}
	dependency, err := resourcePackage(info)
	if err != nil {
		w.problem(fmt.Errorf("%s: %w", path, err))
		return
	}
	if dependency == nil {
		return
	}
	key := strings.Join([]string{dependency.Name, dependency.Version, dependency.Server,
		info.Pulumi.Parameterization.key(), info.Pulumi.ExtensionParameterization.key()}, "\x00")
	if w.seen[key] {
		return
	}
	w.seen[key] = true
	w.scan.Packages = append(w.scan.Packages, dependency)
}

func (w *packageWalker) problem(err error) {
	w.scan.Problems = append(w.scan.Problems, err)
}

// resourcePackage returns the package a package.json declares, or nil when it is not a resource SDK.
// The plugin name is pulumi.name, else the package name without its @pulumi/ scope (other scopes must set
// pulumi.name); the version is pulumi.version, else the package version, with a leading "v".
func resourcePackage(info packageJSON) (*pulumirpc.PackageDependency, error) {
	if !info.Pulumi.Resource {
		return nil, nil
	}
	name := info.Pulumi.Name
	if name == "" {
		switch {
		case strings.HasPrefix(info.Name, "@pulumi/"):
			name = strings.TrimPrefix(info.Name, "@pulumi/")
		case info.Name == "":
			return nil, errors.New(`a Pulumi resource package needs a "name"`)
		default:
			return nil, fmt.Errorf(`the third-party Pulumi package %q must name its plugin in "pulumi": {"name": …}`,
				info.Name)
		}
	}
	version := info.Pulumi.Version
	if version == "" {
		version = info.Version
	}
	if version == "" {
		return nil, errors.New(`a Pulumi resource package needs a "version"`)
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	return &pulumirpc.PackageDependency{
		Name:             name,
		Kind:             "resource",
		Version:          version,
		Server:           info.Pulumi.Server,
		Parameterization: info.Pulumi.Parameterization.toRPC(),
		Extension:        info.Pulumi.ExtensionParameterization.toRPC(),
	}, nil
}

// isPolicyPack reports whether dir holds a PulumiPolicy.{json,yaml,yml} (workspace.DetectPolicyPackPathAt).
func isPolicyPack(dir string) bool {
	for _, ext := range []string{".json", ".yaml", ".yml"} {
		if isFile(filepath.Join(dir, "PulumiPolicy"+ext)) {
			return true
		}
	}
	return false
}

// incompatibleSDKWarning describes two @pulumi/pulumi copies whose versions cannot work together (they
// register resources with separate runtimes), or returns "" when all copies are compatible. Pulumi's host
// prints the same warning (compatibleVersions in its main.go); same-major copies pass.
func incompatibleSDKWarning(versions map[string]string) string {
	paths := make([]string, 0, len(versions))
	for path := range versions {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	if len(paths) < 2 {
		return ""
	}
	first := paths[0]
	for _, path := range paths[1:] {
		if reason := sdkVersionConflict(versions[first], versions[path]); reason != "" {
			return fmt.Sprintf("Found incompatible versions of @pulumi/pulumi. %s\n"+
				"  Version %s referenced at %s\n  Version %s referenced at %s\n",
				reason, versions[first], first, versions[path], path)
		}
	}
	return ""
}

// sdkVersionConflict returns why SDK versions a and b are incompatible, or "": from 3.x on the majors must be
// equal; 1.x and 2.x mix; 0.x versions must share the minor, except that 0.17 mixes with 1.x.
func sdkVersionConflict(a, b string) string {
	aMajor, aMinor, okA := majorMinor(a)
	bMajor, bMinor, okB := majorMinor(b)
	switch {
	case !okA || !okB:
		return "" // unparsable versions are not judged (Pulumi's host skips them too)
	case aMajor > 2 || bMajor > 2:
		if aMajor != bMajor {
			return "Differing major versions are not supported."
		}
	case aMajor == 0 && bMajor == 0:
		if aMinor != bMinor {
			return "Differing major or minor versions are not supported."
		}
	case aMajor >= 1 && bMajor >= 1:
	case aMajor == 1 && bMinor == 17, bMajor == 1 && aMinor == 17:
	default:
		return "Differing major or minor versions are not supported."
	}
	return ""
}

func majorMinor(version string) (int, int, bool) {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, errMajor := strconv.Atoi(parts[0])
	minor, errMinor := strconv.Atoi(parts[1])
	return major, minor, errMajor == nil && errMinor == nil
}
