package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// goOptions are the `runtime.options` of a Go project's Pulumi.yaml that this host reads (the same names as
// Pulumi's own Go host).
type goOptions struct {
	// Binary is a prebuilt program to run instead of building one: a path (relative to the project folder) or a
	// name looked up on PATH.
	Binary string
	// BuildTarget is where `go build` writes the program (relative to the project folder), kept between runs: the go
	// command then skips the link when nothing changed, which saves seconds on every preview and update.
	BuildTarget string
}

func parseGoOptions(rootDir string, options map[string]any) (goOptions, error) {
	var parsed goOptions
	for name, value := range options {
		text, ok := value.(string)
		switch {
		case name != "binary" && name != "buildTarget":
			continue // options of other tools; Pulumi's host ignores them too
		case !ok || text == "":
			return goOptions{}, fmt.Errorf("runtime option %q in Pulumi.yaml must be a non-empty string, got %v", name, value)
		case name == "binary":
			parsed.Binary = text
		default:
			parsed.BuildTarget = text
		}
	}
	if parsed.Binary != "" && parsed.BuildTarget != "" {
		return goOptions{}, errors.New("Pulumi.yaml sets both runtime options binary (a prebuilt program) and " +
			"buildTarget (where to build it); keep one")
	}
	if parsed.BuildTarget != "" && !filepath.IsAbs(parsed.BuildTarget) {
		parsed.BuildTarget = filepath.Join(rootDir, parsed.BuildTarget)
	}
	if strings.ContainsRune(parsed.Binary, filepath.Separator) && !filepath.IsAbs(parsed.Binary) {
		parsed.Binary = filepath.Join(rootDir, parsed.Binary)
	}
	return parsed, nil
}
