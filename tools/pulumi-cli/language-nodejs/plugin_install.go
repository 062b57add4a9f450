package main

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
)

// missingPluginDependencies lists the package.json dependencies of a plugin folder that its own node_modules lacks.
// `pulumi package add <folder>` and `pulumi install` ask the host to install a local plugin's dependencies every
// time; a plugin folder whose node_modules already holds every dependency (a component package built with `npm ci
// && npm run build`, as its README says) is left as it is, so adding it needs no registry and cannot rewrite a
// working install (Pulumi's own host runs the package manager regardless).
func missingPluginDependencies(pluginDir string) ([]string, error) {
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := readManifest(filepath.Join(pluginDir, "package.json"), &manifest); err != nil {
		return nil, err
	}
	missing := []string{}
	for name := range manifest.Dependencies {
		_, err := os.Stat(filepath.Join(pluginDir, "node_modules", filepath.FromSlash(name), "package.json"))
		if errors.Is(err, os.ErrNotExist) {
			missing = append(missing, name)
		} else if err != nil {
			return nil, err
		}
	}
	sort.Strings(missing)
	return missing, nil
}
