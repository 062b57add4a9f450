package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/mod/module"
	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// listedModule is what `go list -m -json` prints per module (the fields used here).
type listedModule struct {
	Path    string
	Version string
	Dir     string // the module's folder: in the module cache, or the local folder of a replace
	Error   *struct{ Err string }
}

// listModules asks the go command where the modules are, in the program's module (so replaces apply).
func listModules(ctx context.Context, goBin, moduleDir string, paths []string) ([]listedModule, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	var stdout, stderr bytes.Buffer
	// -e: a module the go command cannot look up (offline, with GOPROXY=off, only the go.mod files of indirect
	// requirements may be in the module cache) is reported in its Error field instead of failing the whole list.
	args := append([]string{"list", "-m", "-e", "-json"}, paths...)
	// GOWORK=off: only this module's requirements, not those of a workspace around it.
	status, err := hostkit.RunCommand(ctx, goBin, args, moduleDir, append(os.Environ(), "GOWORK=off"), &stdout, &stderr)
	if err == nil && status != 0 {
		err = fmt.Errorf("`go list -m -e -json` in %s failed: %s", moduleDir, strings.TrimSpace(stderr.String()))
	}
	if err != nil {
		return nil, err
	}
	var modules []listedModule
	decoder := json.NewDecoder(&stdout)
	for {
		var module listedModule
		if err := decoder.Decode(&module); errors.Is(err, io.EOF) {
			return modules, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading `go list -m -json` output: %w", err)
		}
		modules = append(modules, module)
	}
}

// readPluginJSON finds a module's pulumi-plugin.json where generated SDKs put it: the module root, go/, or one
// folder below either. It returns nil when the module has none (it is not a Pulumi package).
func readPluginJSON(moduleDir string) (*plugin.PulumiPluginJSON, error) {
	candidates := []string{filepath.Join(moduleDir, "pulumi-plugin.json"), filepath.Join(moduleDir, "go", "pulumi-plugin.json")}
	for _, pattern := range []string{filepath.Join(moduleDir, "go", "*", "pulumi-plugin.json"), filepath.Join(moduleDir, "*", "pulumi-plugin.json")} {
		matches, _ := filepath.Glob(pattern)
		candidates = append(candidates, matches...)
	}
	for _, candidate := range candidates {
		found, err := plugin.LoadPulumiPluginJSON(candidate)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", candidate, err)
		}
		return found, nil
	}
	return nil, nil
}

// pluginVersion is the plugin version a module stands for: pulumi-plugin.json's, else the module's own. A pseudo
// version (a commit after a tag) stands for the release before it; one without any tag stands for none.
func pluginVersion(declared, moduleVersion string) (string, error) {
	version := declared
	if version == "" {
		version = moduleVersion
	}
	parsed, err := semver.ParseTolerant(version)
	if err != nil {
		return "", fmt.Errorf("%q is not a semantic version", version)
	}
	// Pseudo versions look like v1.29.1-0.20200403140640-efb5e2a48a86 (the patch is bumped past the last tag).
	if module.IsPseudoVersion("v" + strings.TrimPrefix(version, "v")) {
		if parsed.Major == 0 && parsed.Minor == 0 && parsed.Patch == 0 {
			return "", fmt.Errorf("%q is a commit with no release tag before it", version)
		}
		patch := parsed.Patch
		if patch > 0 {
			patch--
		}
		return fmt.Sprintf("v%d.%d.%d", parsed.Major, parsed.Minor, patch), nil
	}
	return version, nil
}

// packageOf is the resource package a module provides according to its pulumi-plugin.json.
func packageOf(listed listedModule, info *plugin.PulumiPluginJSON) (*pulumirpc.PackageDependency, error) {
	if info == nil || !info.Resource {
		return nil, errors.New("not a Pulumi resource package")
	}
	name := info.Name
	if name == "" {
		// github.com/pulumi/pulumi-aws/sdk/v6 => aws
		parts := strings.Split(listed.Path, "/")
		if len(parts) < 3 || !strings.Contains(parts[2], "-") {
			return nil, fmt.Errorf("pulumi-plugin.json names no plugin and the module path %s does not either", listed.Path)
		}
		name = strings.SplitN(parts[2], "-", 2)[1]
	}
	version, err := pluginVersion(info.Version, listed.Version)
	if err != nil {
		return nil, err
	}
	parameterization := func(p *plugin.PulumiParameterizationJSON) *pulumirpc.PackageParameterization {
		if p == nil {
			return nil
		}
		return &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
	}
	return &pulumirpc.PackageDependency{
		Name:             name,
		Version:          version,
		Kind:             "resource",
		Server:           info.Server,
		Parameterization: parameterization(info.Parameterization),
		Extension:        parameterization(info.ExtensionParameterization),
	}, nil
}

// requiredPackages lists the Pulumi resource packages among the program's go.mod requirements. Like Pulumi's own
// host it is lenient: a module without a usable pulumi-plugin.json is skipped (and logged), and a program that is
// not a Go module yet has none.
func requiredPackages(ctx context.Context, programDir string) ([]*pulumirpc.PackageDependency, error) {
	goModPath, err := findGoMod(programDir)
	if err != nil {
		hostkit.Debugf("GetRequiredPackages: %v", err)
		return nil, nil
	}
	gomod, err := readGoMod(goModPath)
	if err != nil {
		return nil, err
	}
	goBin, err := findGo()
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(gomod.Require))
	for _, require := range gomod.Require {
		paths = append(paths, require.Mod.Path)
	}
	modules, err := listModules(ctx, goBin, filepath.Dir(goModPath), paths)
	if err != nil {
		return nil, err
	}
	packages := []*pulumirpc.PackageDependency{}
	for _, module := range modules {
		if module.Error != nil || module.Dir == "" {
			hostkit.Debugf("GetRequiredPackages: %s is not in the module cache; skipped", module.Path)
			continue
		}
		info, err := readPluginJSON(module.Dir)
		if err == nil && info == nil {
			continue
		}
		var pkg *pulumirpc.PackageDependency
		if err == nil {
			pkg, err = packageOf(module, info)
		}
		if err != nil {
			hostkit.Debugf("GetRequiredPackages: skipped %s %s: %v", module.Path, module.Version, err)
			continue
		}
		hostkit.Debugf("GetRequiredPackages: %s %s", pkg.GetName(), pkg.GetVersion())
		packages = append(packages, pkg)
	}
	return packages, nil
}
