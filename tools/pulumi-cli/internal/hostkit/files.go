package hostkit

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFiles writes generated files (slash-separated paths relative to dir) under dir, creating folders as needed:
// what a language host's GeneratePackage does with the code generator's output.
func WriteFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		target := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(target), err)
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", target, err)
		}
	}
	return nil
}
