package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// findNode returns the `node` the engine's PATH points at; scripts/pulumi.mjs puts the project's Node first.
func findNode() (string, error) {
	path, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("could not find `node` on PATH; install Node.js or run the CLI through " +
			"`npm run pulumi -- <args>`, which puts the project's Node first on PATH")
	}
	return path, nil
}

// nodeEval runs a one-line script with `node -e` in dir and returns its trimmed stdout. Module resolution
// then starts at dir, exactly like the program's own `require` calls.
func nodeEval(ctx context.Context, node, dir, script string) (string, error) {
	cmd := exec.CommandContext(ctx, node, "-e", script)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		detail := strings.TrimSpace(stderr.String())
		if first, _, found := strings.Cut(detail, "\n"); found {
			detail = first
		}
		return "", fmt.Errorf("%w: %s", err, detail)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// resolveModule resolves a module specifier from dir the way the program would (node_modules lookup upwards,
// following symlinks).
func resolveModule(ctx context.Context, node, dir, specifier string) (string, error) {
	resolved, err := nodeEval(ctx, node, dir, fmt.Sprintf("console.log(require.resolve(%q))", specifier))
	if err != nil {
		return "", fmt.Errorf("could not resolve %s from %s (%v); install @pulumi/pulumi for the program "+
			"(npm install @pulumi/pulumi) or link a node_modules that contains it", specifier, dir, err)
	}
	return resolved, nil
}

// runNode runs node with the program's stdout/stderr wired to the host's, which the engine shows as program
// output. A cancelled ctx (engine shutdown or signal) interrupts node first so it can flush, then kills it.
// It returns node's exit code; err is only set when node could not run at all.
func runNode(ctx context.Context, node string, launch programLaunch) (int, error) {
	return hostkit.RunCommand(ctx, node, launch.Args, launch.Dir, append(os.Environ(), launch.Env...), os.Stdout, os.Stderr)
}
