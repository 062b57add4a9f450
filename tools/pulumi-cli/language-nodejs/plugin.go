package main

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// pluginLaunch is one `node` invocation of @pulumi/pulumi's cmd/run-plugin for a RunPluginRequest.
type pluginLaunch struct {
	Args []string // arguments after the node executable
	Env  []string // the whole environment (the engine sends its own, plus what the runtime options add)
	Dir  string   // working directory
}

// buildPluginLaunch maps a RunPluginRequest onto cmd/run-plugin the way Pulumi's own Node.js host does: the plugin
// folder (a package with PulumiPlugin.yaml, e.g. a component package) first, then the engine's plugin arguments
// (logging flags, then the engine address). The working directory is the engine's (the consumer's project folder),
// so relative paths a component receives resolve as they do in the consumer's program. Policy packs (kind
// "analyzer") are not supported by this host.
func buildPluginLaunch(req *pulumirpc.RunPluginRequest, runPluginScript string, opts runtimeOptions) (pluginLaunch, error) {
	if req.GetKind() == "analyzer" {
		return pluginLaunch{}, errors.New("policy packs are not supported by pulumi-wfp-assets' Node.js language host")
	}
	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		return pluginLaunch{}, errors.New("the engine sent no plugin directory to run")
	}
	args := append([]string{}, opts.NodeArgs...)
	args = append(args, runPluginScript, programDir)
	args = append(args, req.GetArgs()...)

	env := append([]string{}, req.GetEnv()...)
	// cmd/run-plugin registers ts-node when this is true, as cmd/run does for programs.
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.TypeScript))
	if opts.TSConfigPath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.TSConfigPath)
	}
	dir := req.GetPwd()
	if dir == "" {
		dir = programDir
	}
	return pluginLaunch{Args: args, Env: env, Dir: dir}, nil
}

// RunPlugin runs a plugin written in Node.js — a component package's provider, which the engine starts for
// `pulumi package add` and for programs that use the package — and streams its stdout (the port line first) and
// stderr to the engine. It returns when the plugin exits; the engine stops it by ending the call.
func (h *nodeLanguageHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	opts, err := parseRuntimeOptions(req.GetInfo().GetOptions(), h.flagOptions)
	if err != nil {
		return err
	}
	node, err := findNode()
	if err != nil {
		return err
	}
	runPluginScript, err := resolveModule(ctx, node, req.GetInfo().GetProgramDirectory(), "@pulumi/pulumi/cmd/run-plugin")
	if err != nil {
		return err
	}
	launch, err := buildPluginLaunch(req, runPluginScript, opts)
	if err != nil {
		return err
	}
	debugf("RunPlugin: node %v (cwd %s)", launch.Args, launch.Dir)

	cmd := exec.CommandContext(ctx, node, launch.Args...)
	cmd.Dir = launch.Dir
	cmd.Env = launch.Env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = hostkit.InterruptGrace
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("plugin %s exited: %v", req.GetInfo().GetProgramDirectory(), exitErr.ProcessState)
		}
		return fmt.Errorf("could not run the plugin %s with %s: %w", req.GetInfo().GetProgramDirectory(), node, err)
	}
	return closer.Close()
}
