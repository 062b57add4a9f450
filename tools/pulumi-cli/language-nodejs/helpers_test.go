package main

import (
	"os"
	"path/filepath"
	"testing"
)

// writeTree creates files (slash-separated paths relative to root, parents created) with the given contents.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tempTree is a fresh directory holding files (see writeTree). Its real path is returned, so it compares equal
// to what a child process reports with `pwd -P`.
func tempTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, root, files)
	return root
}

// requireNothingAbove fails the test when a directory above dir holds one of names: the code under test looks
// upwards (lockfiles, manifests, node_modules), so a stray file in, say, /tmp would change its answer.
func requireNothingAbove(t *testing.T, dir string, names ...string) {
	t.Helper()
	for current := filepath.Dir(dir); ; current = filepath.Dir(current) {
		for _, name := range names {
			if _, err := os.Stat(filepath.Join(current, name)); err == nil {
				t.Fatalf("%s exists above the test's temp dir and would change the result; remove it or set TMPDIR",
					filepath.Join(current, name))
			}
		}
		if filepath.Dir(current) == current {
			return
		}
	}
}
