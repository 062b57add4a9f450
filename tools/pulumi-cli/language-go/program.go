package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// exitStatusLoggedError is the exit status of a Go program whose error the SDK already reported to the engine
// (pulumi.Run exits with it; sdk/go/common/constant): the engine then stops without printing another error.
const exitStatusLoggedError = 32

// findGo returns the `go` on the engine's PATH.
func findGo() (string, error) {
	path, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("could not find `go` on PATH; a Go program is built with the Go toolchain, " +
			"so install Go (the version the program's go.mod names or newer) and put its bin folder on PATH")
	}
	return path, nil
}

// programEnv is the environment a Go program reads its RunInfo from (getEnvInfo in sdk/go/pulumi/run.go): base
// (the host's own environment) plus one variable per setting the engine sent. Empty settings are left out, as the
// SDK treats a missing variable and an empty one alike.
func programEnv(base []string, req *pulumirpc.RunRequest, engineAddress string) ([]string, error) {
	env := append([]string{}, base...)
	add := func(name, value string) {
		if value != "" {
			env = append(env, name+"="+value)
		}
	}
	config := ""
	if values := req.GetConfig(); values != nil {
		encoded, err := json.Marshal(values)
		if err != nil {
			return nil, fmt.Errorf("encoding the stack config for the program: %w", err)
		}
		config = string(encoded)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	encodedKeys, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("encoding the secret config keys for the program: %w", err)
	}
	add(pulumi.EnvOrganization, req.GetOrganization())
	add(pulumi.EnvProject, req.GetProject())
	add(pulumi.EnvPulumiRootDirectory, req.GetInfo().GetRootDirectory())
	add(pulumi.EnvStack, req.GetStack())
	add(pulumi.EnvConfig, config)
	add(pulumi.EnvConfigSecretKeys, string(encodedKeys))
	add(pulumi.EnvDryRun, strconv.FormatBool(req.GetDryRun()))
	add(pulumi.EnvParallel, strconv.Itoa(int(req.GetParallel())))
	add(pulumi.EnvMonitor, req.GetMonitorAddress())
	add(pulumi.EnvEngine, engineAddress)
	return env, nil
}

// runOutcome turns the program's exit status into the RunResponse the engine expects: 0 is success, 32 means
// "already reported, stop quietly" (bail), anything else is an error message for the user.
func runOutcome(status int) *pulumirpc.RunResponse {
	switch status {
	case 0:
		return &pulumirpc.RunResponse{}
	case exitStatusLoggedError:
		return &pulumirpc.RunResponse{Bail: true}
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", status)}
	}
}

// buildProgram compiles the main package in programDir into target, or into a temporary executable when target is
// empty (the caller removes it), with the build output shown to the user. The go command's build cache makes every
// build after the first one quick; with a kept target it also skips the link when nothing changed.
func buildProgram(ctx context.Context, goBin, programDir, target string, stdout, stderr io.Writer) (string, error) {
	if matches, _ := filepath.Glob(filepath.Join(programDir, "*.go")); len(matches) == 0 {
		return "", fmt.Errorf("there is no .go file in %s to build; a Go program's main package must be in the "+
			"program directory (Pulumi.yaml's folder, or the `main` it names)", programDir)
	}
	temporary := target == ""
	if temporary {
		out, err := os.CreateTemp("", "pulumi-go-program-*")
		if err != nil {
			return "", fmt.Errorf("creating a file for the built program: %w", err)
		}
		_ = out.Close()
		target = out.Name()
	} else if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return "", fmt.Errorf("creating the folder of buildTarget %s: %w", target, err)
	}
	args := []string{"build", "-buildvcs=false", "-trimpath", "-ldflags", "-w -s", "-o", target, "."}
	status, err := hostkit.RunCommand(ctx, goBin, args, programDir, os.Environ(), stdout, stderr)
	if err == nil && status != 0 {
		err = fmt.Errorf("`go build` in %s failed with exit status %d; its output is above", programDir, status)
	}
	if err != nil {
		if temporary {
			_ = os.Remove(target)
		}
		return "", err
	}
	return target, nil
}
