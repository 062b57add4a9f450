package main

import (
	"encoding/json"
	"fmt"
	"strconv"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// nodeJSProcessExitedAfterLoggingUserActionableMessage is the exit code @pulumi/pulumi's cmd/run uses when it
// has already shown the user why the program failed (cmd/run/index.js), so the host must not add a message.
const nodeJSProcessExitedAfterLoggingUserActionableMessage = 32

// programLaunch is one `node` invocation of @pulumi/pulumi's cmd/run for a RunRequest.
type programLaunch struct {
	Args []string // arguments after the node executable
	Env  []string // KEY=VALUE entries added to the host's environment
	Dir  string   // working directory
}

// buildProgramLaunch maps a RunRequest onto the flags and environment that cmd/run/index.js and
// runtime/settings.js read: flags for monitor/engine/project/stack/…, PULUMI_CONFIG and
// PULUMI_CONFIG_SECRET_KEYS as JSON, PULUMI_NODEJS_TYPESCRIPT / _TSCONFIG_PATH for ts-node.
func buildProgramLaunch(
	req *pulumirpc.RunRequest, runScript, engineAddress, tracing string, opts runtimeOptions,
) (programLaunch, error) {
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return programLaunch{}, fmt.Errorf("encoding stack config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return programLaunch{}, fmt.Errorf("encoding secret config keys: %w", err)
	}

	args := append([]string{}, opts.NodeArgs...)
	args = append(args, runScript)
	addFlag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name+"="+value)
		}
	}
	addFlag("monitor", req.GetMonitorAddress())
	addFlag("engine", engineAddress)
	addFlag("organization", req.GetOrganization())
	addFlag("project", req.GetProject())
	addFlag("stack", req.GetStack())
	addFlag("pwd", req.GetPwd())
	addFlag("root-directory", req.GetInfo().GetRootDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() != 0 {
		addFlag("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	addFlag("tracing", tracing)
	// The entry point comes after the flags (minimist stopEarly); "." means "the program directory", which
	// cmd/run resolves through package.json's exports/main.
	args = append(args, programEntryPoint(req))
	args = append(args, req.GetArgs()...)

	env := []string{
		"PULUMI_CONFIG=" + string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS=" + string(secretKeysJSON),
		"PULUMI_NODEJS_TYPESCRIPT=" + strconv.FormatBool(opts.TypeScript),
	}
	if opts.TSConfigPath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.TSConfigPath)
	}

	dir := req.GetPwd()
	if dir == "" {
		dir = req.GetInfo().GetProgramDirectory()
	}
	return programLaunch{Args: args, Env: env, Dir: dir}, nil
}

func programEntryPoint(req *pulumirpc.RunRequest) string {
	if entry := req.GetInfo().GetEntryPoint(); entry != "" {
		return entry
	}
	if program := req.GetProgram(); program != "" {
		return program
	}
	return "."
}

// runOutcome turns node's exit code into the RunResponse the engine expects: 0 is success, 32 means
// "already reported, stop quietly" (bail), anything else is an error message for the user.
func runOutcome(exitCode int) *pulumirpc.RunResponse {
	switch exitCode {
	case 0:
		return &pulumirpc.RunResponse{}
	case nodeJSProcessExitedAfterLoggingUserActionableMessage:
		return &pulumirpc.RunResponse{Bail: true}
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitCode)}
	}
}
