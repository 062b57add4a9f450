package main

import (
	"context"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// nodeLanguageHost serves the LanguageRuntime RPCs the engine uses for preview/up/refresh/destroy of a
// Node.js program. Methods not overridden here answer Unimplemented, which the engine tolerates for the
// ones it treats as optional (Handshake, GetRequiredPackages fall back; the rest are only used by
// `pulumi new`, `convert`, `package`, policy packs and Node-based plugins, which this project does not use).
type nodeLanguageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	tracing     string
	flagOptions map[string]string
	lifetime    context.Context // ends when the host is told to exit

	mu            sync.Mutex
	engineAddress string
	opsCtx        context.Context // calls in flight derive from it; Cancel ends it
	cancelOps     context.CancelFunc
}

func newNodeLanguageHost(lifetime context.Context, args hostArgs) *nodeLanguageHost {
	h := &nodeLanguageHost{
		tracing:       args.Tracing,
		flagOptions:   args.Flags,
		lifetime:      lifetime,
		engineAddress: args.EngineAddress,
	}
	h.opsCtx, h.cancelOps = context.WithCancel(lifetime)
	return h
}

// operations is the context that in-flight calls are cancelled with (see cancelWith).
func (h *nodeLanguageHost) operations() context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.opsCtx
}

// Cancel aborts the calls in flight (a running program is interrupted). The engine calls it when it
// closes the host; calls made afterwards start on a fresh context, so a reused host keeps working.
func (h *nodeLanguageHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cancelOps()
	h.opsCtx, h.cancelOps = context.WithCancel(h.lifetime)
	return &emptypb.Empty{}, nil
}

func (h *nodeLanguageHost) currentEngineAddress() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

func (h *nodeLanguageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if address := req.GetEngineAddress(); address != "" {
		h.mu.Lock()
		h.engineAddress = address
		h.mu.Unlock()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeLanguageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

// GetRequiredPlugins and GetRequiredPackages report nothing: the programs this host runs only use dynamic
// resources, whose provider (pulumi-resource-pulumi-nodejs) is bundled next to the CLI. Reporting
// packages would make the engine try to download plugins.
func (h *nodeLanguageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *nodeLanguageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
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
	launch, err := buildProgramLaunch(req, runScript, h.currentEngineAddress(), h.tracing, opts)
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

// InstallDependencies installs nothing: this project installs packages with npm itself, and the host must
// never reach a package registry on its own (offline CI).
func (h *nodeLanguageHost) InstallDependencies(
	_ *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return stream.Send(&pulumirpc.InstallDependenciesResponse{
		Stdout: []byte("pulumi-language-nodejs (pulumi-wfp-assets): not installing anything; run `npm install` yourself\n"),
	})
}
