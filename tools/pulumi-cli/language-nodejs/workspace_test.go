package main

import (
	"path/filepath"
	"strings"
	"testing"
)

var workspaceMarkers = []string{"package.json", "package.yaml", "pnpm-workspace.yaml"}

func TestFindWorkspaceRoot(t *testing.T) {
	for _, tc := range []struct {
		name     string
		files    map[string]string
		program  string
		wantRoot string // relative to the tree; "-" for none
	}{
		{"npm workspaces", map[string]string{
			"package.json":                `{"workspaces": ["packages/*"]}`,
			"packages/infra/package.json": `{}`,
		}, "packages/infra", "."},
		{"yarn's object form", map[string]string{
			"package.json":            `{"workspaces": {"packages": ["stacks/*"], "nohoist": []}}`,
			"stacks/dev/package.json": `{}`,
		}, "stacks/dev", "."},
		{"pnpm-workspace.yaml", map[string]string{
			"package.json":          `{}`,
			"pnpm-workspace.yaml":   "packages:\n  - 'apps/*'\n",
			"apps/web/package.json": `{}`,
		}, "apps/web", "."},
		{"a program below its package.json", map[string]string{
			"package.json":       `{"workspaces": ["infra"]}`,
			"infra/package.json": `{}`,
			"infra/src/index.ts": ``,
		}, "infra/src", "."},
		{"not a member", map[string]string{
			"package.json":       `{"workspaces": ["apps/*"]}`,
			"infra/package.json": `{}`,
		}, "infra", "-"},
		{"the workspace root itself", map[string]string{
			"package.json":          `{"workspaces": ["apps/*"]}`,
			"apps/web/package.json": `{}`,
		}, ".", "-"},
		{"no workspace", map[string]string{"package.json": `{"name": "site"}`}, ".", "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tempTree(t, tc.files)
			requireNothingAbove(t, root, workspaceMarkers...)
			got, err := findWorkspaceRoot(filepath.Join(root, tc.program))
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			if tc.wantRoot != "-" {
				want = filepath.Join(root, tc.wantRoot)
			}
			if got != want {
				t.Errorf("findWorkspaceRoot = %q, want %q", got, want)
			}
		})
	}
}

func TestFindWorkspaceRootNamesAnInvalidManifest(t *testing.T) {
	root := tempTree(t, map[string]string{
		"package.json":       `{"workspaces": `,
		"infra/package.json": `{}`,
	})
	_, err := findWorkspaceRoot(filepath.Join(root, "infra"))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(root, "package.json")+" is not valid") {
		t.Errorf("error = %v, want one naming %s", err, filepath.Join(root, "package.json"))
	}
}
