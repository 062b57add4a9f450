package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// interruptGrace is how long a cancelled node program gets between SIGINT and SIGKILL; the engine gives
// plugins the same 5 s before killing them (Plugin.Kill in sdk/go/common/resource/plugin/plugin.go).
const interruptGrace = 5 * time.Second

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
	cmd := exec.CommandContext(ctx, node, launch.Args...)
	cmd.Dir = launch.Dir
	cmd.Env = append(os.Environ(), launch.Env...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = interruptGrace

	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() >= 0:
		return exitErr.ExitCode(), nil
	case errors.As(err, &exitErr):
		return 0, fmt.Errorf("node was stopped by a signal (%v)", exitErr.ProcessState)
	default:
		return 0, fmt.Errorf("could not run %s: %w", node, err)
	}
}
