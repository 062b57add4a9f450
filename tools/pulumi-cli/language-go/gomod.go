package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/mod/modfile"
)

// pulumiSDKModule is the Go SDK's module path.
const pulumiSDKModule = "github.com/pulumi/pulumi/sdk/v3"

// findGoMod returns the go.mod that governs dir: dir's own, else the nearest one above it (a program in a
// subfolder of its module), as the go command finds it.
func findGoMod(dir string) (string, error) {
	for current := dir; ; current = filepath.Dir(current) {
		candidate := filepath.Join(current, "go.mod")
		if info, err := os.Stat(candidate); err == nil && !info.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(current) == current {
			return "", fmt.Errorf("there is no go.mod in %s or above it; a Go program is a Go module: run "+
				"`go mod init <name>` in the program's folder", dir)
		}
	}
}

func readGoMod(path string) (*modfile.File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	parsed, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid go.mod: %w", path, err)
	}
	return parsed, nil
}

// programDependencies lists go.mod's requirements (the direct ones unless transitive) for `pulumi about`. A module
// replaced by a local folder has no version of its own, so none is reported for it.
func programDependencies(gomod *modfile.File, transitive bool) []*pulumirpc.DependencyInfo {
	local := map[string]bool{}
	for _, replace := range gomod.Replace {
		if replace.New.Version == "" {
			local[replace.Old.Path] = true
		}
	}
	deps := []*pulumirpc.DependencyInfo{}
	for _, require := range gomod.Require {
		if require.Indirect && !transitive {
			continue
		}
		version := require.Mod.Version
		if local[require.Mod.Path] {
			version = ""
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: require.Mod.Path, Version: version})
	}
	return deps
}

// pinPulumiSDK makes a generated SDK's go.mod require the Go SDK at version (the CLI's own). The code generator
// writes a fixed older version there, and Go's minimal version selection would then need that version's go.mod
// too: one more module version to download, which an offline build (a module cache filled once) does not have.
func pinPulumiSDK(data []byte, version string) ([]byte, error) {
	gomod, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		return nil, fmt.Errorf("the generated go.mod is not valid: %w", err)
	}
	for _, require := range gomod.Require {
		if require.Mod.Path == pulumiSDKModule {
			if err := gomod.AddRequire(pulumiSDKModule, version); err != nil {
				return nil, err
			}
			return gomod.Format()
		}
	}
	return data, nil
}

// addReplaces points each module path at a folder with a replace directive in the program's go.mod (what `pulumi
// package add` records for a generated SDK). Relative folders get the "./" that go.mod requires of local paths.
func addReplaces(data []byte, modules map[string]string) ([]byte, error) {
	gomod, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		return nil, fmt.Errorf("the program's go.mod is not valid: %w", err)
	}
	for module, folder := range modules {
		if module == "" {
			return nil, errors.New("a linked package has no Go module path")
		}
		if !filepath.IsAbs(folder) && !strings.HasPrefix(folder, "./") && !strings.HasPrefix(folder, "../") {
			folder = "./" + folder
		}
		if err := gomod.AddReplace(module, "", filepath.ToSlash(folder), ""); err != nil {
			return nil, fmt.Errorf("adding a replace of %s by %s: %w", module, folder, err)
		}
	}
	return gomod.Format()
}
