package main

import (
	"context"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// pythonLanguageHost answers GetPluginInfo and GeneratePackage (what `pulumi package gen-sdk --language python`
// uses). The RPCs that run or install a Python program answer with notRunnable; the rest are Unimplemented
// through hostkit.Lifecycle.
type pythonLanguageHost struct {
	*hostkit.Lifecycle // Operations, Cancel, Handshake, the engine address; Unimplemented for the rest
}

func newPythonLanguageHost(lifetime context.Context, args hostkit.HostArgs) *pythonLanguageHost {
	return &pythonLanguageHost{Lifecycle: hostkit.NewLifecycle(lifetime, args.EngineAddress)}
}

// notRunnable is the answer to every request that needs a Python interpreter and Pulumi's Python SDK.
func notRunnable(what string) error {
	return status.Errorf(codes.Unimplemented, "%s: this build of pulumi-language-python (pulumi-wfp-assets, "+
		"tools/pulumi-cli/language-python) only generates Python SDKs (`pulumi package gen-sdk --language python`); "+
		"running Python programs is not supported by this build. Use a stock Pulumi installation, whose Python "+
		"language host runs them", what)
}

func (h *pythonLanguageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

func (h *pythonLanguageHost) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return generatePackage(req)
}

func (h *pythonLanguageHost) Run(context.Context, *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return nil, notRunnable("running a Python program")
}

func (h *pythonLanguageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return nil, notRunnable("listing a Python program's packages")
}

func (h *pythonLanguageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return nil, notRunnable("listing a Python program's plugins")
}

func (h *pythonLanguageHost) InstallDependencies(
	*pulumirpc.InstallDependenciesRequest, grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return notRunnable("installing a Python program's dependencies")
}

func (h *pythonLanguageHost) RunPlugin(*pulumirpc.RunPluginRequest, grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	return notRunnable("running a plugin written in Python")
}

func (h *pythonLanguageHost) Link(context.Context, *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return nil, notRunnable("linking an SDK into a Python program (`pulumi package add`)")
}
