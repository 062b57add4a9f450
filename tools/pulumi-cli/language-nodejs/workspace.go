package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// findWorkspaceRoot returns the root of the npm/yarn/pnpm workspace that the package holding programDir
// belongs to, or "" when it belongs to none. Pulumi's host installs there instead of in the program directory
// (FindWorkspaceRoot in sdk/nodejs/npm/workspaces.go): a member's own install would leave a second lockfile.
//
// The package is the nearest directory with a package.json or package.yaml. Each directory from it upwards
// is a candidate root: its pnpm-workspace.yaml `packages` and its manifest's `workspaces` (an array, or
// yarn's {"packages": [...]}) are globs relative to it; the first candidate whose globs match the package
// directory is the root. Globs match like filepath.Match (Pulumi's host uses filepath.Glob, the same rules).
func findWorkspaceRoot(programDir string) (string, error) {
	manifest := nearestManifest(programDir)
	if manifest == "" {
		return "", nil
	}
	member := filepath.Dir(manifest)
	for current := member; ; current = filepath.Dir(current) {
		globs, err := workspaceGlobs(current)
		if err != nil {
			return "", err
		}
		for _, glob := range globs {
			if matched, _ := filepath.Match(filepath.Join(current, glob), member); matched {
				return current, nil
			}
		}
		if filepath.Dir(current) == current {
			return "", nil
		}
	}
}

// workspaceGlobs reads the workspace globs declared in dir, or none when dir declares no workspace.
func workspaceGlobs(dir string) ([]string, error) {
	var globs []string
	if pnpmFile := filepath.Join(dir, "pnpm-workspace.yaml"); isFile(pnpmFile) {
		var pnpm struct {
			Packages []string `yaml:"packages"`
		}
		if err := readManifest(pnpmFile, &pnpm); err != nil {
			return nil, err
		}
		globs = append(globs, pnpm.Packages...)
	}
	for _, name := range []string{"package.json", "package.yaml"} {
		path := filepath.Join(dir, name)
		if !isFile(path) {
			continue
		}
		var manifest struct {
			Workspaces workspaceList `json:"workspaces" yaml:"workspaces"`
		}
		if err := readManifest(path, &manifest); err != nil {
			return nil, err
		}
		return append(globs, manifest.Workspaces...), nil
	}
	return globs, nil
}

// workspaceList is `workspaces` in npm's form (an array of globs) or yarn classic's ({"packages": [...]}).
type workspaceList []string

func (w *workspaceList) UnmarshalJSON(data []byte) error {
	var globs []string
	if err := json.Unmarshal(data, &globs); err == nil {
		*w = globs
		return nil
	}
	var yarn struct {
		Packages []string `json:"packages"`
	}
	if err := json.Unmarshal(data, &yarn); err != nil {
		return fmt.Errorf(`"workspaces" must be an array of globs or {"packages": [globs]}: %w`, err)
	}
	*w = yarn.Packages
	return nil
}

func (w *workspaceList) UnmarshalYAML(node *yaml.Node) error {
	var globs []string
	if err := node.Decode(&globs); err == nil {
		*w = globs
		return nil
	}
	var yarn struct {
		Packages []string `yaml:"packages"`
	}
	if err := node.Decode(&yarn); err != nil {
		return fmt.Errorf(`"workspaces" must be a list of globs or {packages: [globs]}: %w`, err)
	}
	*w = yarn.Packages
	return nil
}

// readManifest decodes a JSON or (by extension) YAML file into out, naming the file on failure.
func readManifest(path string, out any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if filepath.Ext(path) == ".json" {
		err = json.Unmarshal(data, out)
	} else {
		err = yaml.Unmarshal(data, out)
	}
	if err != nil {
		return fmt.Errorf("%s is not valid (%w); fix it so the workspace root can be found", path, err)
	}
	return nil
}
