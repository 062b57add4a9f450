package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// nodeLanguageHost serves the LanguageRuntime RPCs the engine uses for preview/up/refresh/destroy of a
// Node.js program, `pulumi install`, and RunPlugin (plugin.go) for plugins written in Node.js such as the component
// package. Methods not overridden here answer Unimplemented; the engine only uses them for `pulumi new`, `convert`,
// generating Node.js SDKs and policy packs, which this project does not use.
type nodeLanguageHost struct {
	*hostkit.Lifecycle // Operations, Cancel, Handshake, the engine address; Unimplemented for the rest

	tracing     string
	flagOptions map[string]string
}

func newNodeLanguageHost(lifetime context.Context, args hostArgs) *nodeLanguageHost {
	return &nodeLanguageHost{
		Lifecycle:   hostkit.NewLifecycle(lifetime, args.EngineAddress),
		tracing:     args.Tracing,
		flagOptions: args.Flags,
	}
}

func (h *nodeLanguageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

// GetRequiredPackages reports the resource packages installed in the program's node_modules (see
// scanRequiredPackages), so the engine can say which provider plugin is missing before the program needs it.
// Unreadable package.json files are skipped and only logged, as Pulumi's host does.
func (h *nodeLanguageHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	scan := h.scanPackages(req.GetInfo())
	return &pulumirpc.GetRequiredPackagesResponse{Packages: scan.Packages}, nil
}

// GetRequiredPlugins answers engines older than GetRequiredPackages with the same scan. (Pulumi's own host
// answers Unimplemented here; the engine this project builds asks GetRequiredPackages first.)
func (h *nodeLanguageHost) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	scan := h.scanPackages(req.GetInfo())
	plugins := make([]*pulumirpc.PluginDependency, 0, len(scan.Packages))
	for _, pkg := range scan.Packages {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: pkg.GetName(), Kind: pkg.GetKind(), Version: pkg.GetVersion(), Server: pkg.GetServer(),
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *nodeLanguageHost) scanPackages(info *pulumirpc.ProgramInfo) packageScan {
	scan := scanRequiredPackages(info.GetProgramDirectory())
	for _, problem := range scan.Problems {
		debugf("GetRequiredPackages: skipped: %v", problem)
	}
	for _, pkg := range scan.Packages {
		debugf("GetRequiredPackages: %s %s", pkg.GetName(), pkg.GetVersion())
	}
	// Pulumi's host writes this to stderr, which the engine shows to the user.
	if warning := incompatibleSDKWarning(scan.SDKVersions); warning != "" {
		fmt.Fprint(os.Stderr, warning)
	}
	return scan
}

// Run executes the program with @pulumi/pulumi's own launcher (cmd/run) resolved from the program directory,
// so the SDK version that registers resources is the one the program imports.
func (h *nodeLanguageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := parseRuntimeOptions(req.GetInfo().GetOptions(), h.flagOptions)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	node, err := findNode()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	runScript, err := resolveModule(ctx, node, programDir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	launch, err := buildProgramLaunch(req, runScript, h.EngineAddress(), h.tracing, opts)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	debugf("Run: node %s (cwd %s)", strings.Join(launch.Args, " "), launch.Dir)

	exitCode, err := runNode(ctx, node, launch)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return runOutcome(exitCode), nil
}

func (h *nodeLanguageHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := findNode()
	if err != nil {
		return nil, err
	}
	nodeVersion, err := nodeEval(ctx, node, ".", "console.log(process.version)")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: node, Version: strings.TrimPrefix(nodeVersion, "v")}, nil
}

// GetProgramDependencies reports only @pulumi/pulumi (what `pulumi about` shows); listing the whole npm tree
// is not needed by any command this project runs.
func (h *nodeLanguageHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	node, err := findNode()
	if err != nil {
		return nil, err
	}
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	sdkVersion, err := nodeEval(ctx, node, dir, `console.log(require("@pulumi/pulumi/package.json").version)`)
	if err != nil {
		return &pulumirpc.GetProgramDependenciesResponse{}, nil //nolint:nilerr // no SDK installed: no dependencies
	}
	return &pulumirpc.GetProgramDependenciesResponse{
		Dependencies: []*pulumirpc.DependencyInfo{{Name: "@pulumi/pulumi", Version: sdkVersion}},
	}, nil
}

// InstallDependencies runs the project's package manager (see installDependencies), streaming its output to
// the engine. A failure, including a package manager missing from PATH, fails `pulumi install`. A plugin folder that
// already has its dependencies is left alone (see missingPluginDependencies).
func (h *nodeLanguageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	stop := context.AfterFunc(h.Operations(), cancel)
	defer stop()

	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(
		&hostkit.SerializedInstallStream{ServerStreamingServer: stream}, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	if req.GetUseLanguageVersionTools() {
		fmt.Fprintln(stderr, "pulumi-language-nodejs (pulumi-wfp-assets): --use-language-version-tools is not "+
			"supported; using the node and package manager found on PATH")
	}
	opts, err := parseRuntimeOptions(req.GetInfo().GetOptions(), h.flagOptions)
	if err != nil {
		return err
	}
	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetDirectory() // engines before ProgramInfo sent only this
	}
	if programDir == "" {
		return errors.New("the engine sent no program directory to install dependencies in")
	}
	if req.GetIsPlugin() {
		missing, err := missingPluginDependencies(programDir)
		if err == nil && len(missing) == 0 {
			fmt.Fprintf(stdout, "The plugin's node_modules in %s has every dependency of its package.json; not "+
				"reinstalling (delete node_modules to install afresh)\n", programDir)
			return closer.Close()
		}
		debugf("InstallDependencies: plugin %s: missing %v (%v); installing", programDir, missing, err)
	}
	if err := installDependencies(ctx, programDir, opts, stdout, stderr); err != nil {
		return err
	}
	// With a terminal, Close waits until everything written to it has been sent.
	return closer.Close()
}
