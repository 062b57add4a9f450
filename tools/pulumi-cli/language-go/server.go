package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// goLanguageHost serves the LanguageRuntime RPCs the engine uses for a Go program. Methods not overridden here
// answer Unimplemented; the engine uses them for `pulumi new`, `convert`, plugins written in Go and policy packs,
// which this project does not need.
type goLanguageHost struct {
	*hostkit.Lifecycle // Operations, Cancel, Handshake, the engine address; Unimplemented for the rest
}

func newGoLanguageHost(lifetime context.Context, args hostkit.HostArgs) *goLanguageHost {
	return &goLanguageHost{Lifecycle: hostkit.NewLifecycle(lifetime, args.EngineAddress)}
}

func (h *goLanguageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

// programDir is where the program's main package is (the engine sends it; older engines only the working folder).
func programDir(info *pulumirpc.ProgramInfo, pwd string) string {
	if dir := info.GetProgramDirectory(); dir != "" {
		return dir
	}
	return pwd
}

// GetRequiredPackages reports the Pulumi resource packages among the program's Go modules (see requiredPackages).
func (h *goLanguageHost) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	packages, err := requiredPackages(ctx, programDir(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

// GetRequiredPlugins answers engines older than GetRequiredPackages with the same list.
func (h *goLanguageHost) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	packages, err := requiredPackages(ctx, programDir(req.GetInfo(), req.GetPwd()))
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(packages))
	for _, pkg := range packages {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: pkg.GetName(), Kind: pkg.GetKind(), Version: pkg.GetVersion(), Server: pkg.GetServer(),
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// Run builds the program with `go build` (or takes the prebuilt `binary` of the runtime options) and runs it with the
// engine's settings in its environment (programEnv).
// Build failures and a failing program are reported in the response, which the engine shows to the user.
func (h *goLanguageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	env, err := programEnv(os.Environ(), req, h.EngineAddress())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	dir := programDir(req.GetInfo(), req.GetPwd())
	rootDir := req.GetInfo().GetRootDirectory()
	if rootDir == "" {
		rootDir = dir
	}
	opts, err := parseGoOptions(rootDir, req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	program := opts.Binary
	if program != "" {
		if program, err = exec.LookPath(program); err != nil {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("the runtime option binary names %s, which is not an "+
				"executable (%v); build the program there or remove the option", opts.Binary, err)}, nil
		}
	} else {
		goBin, err := findGo()
		if err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
		hostkit.Debugf("Run: go build in %s", dir)
		if program, err = buildProgram(ctx, goBin, dir, opts.BuildTarget, os.Stdout, os.Stderr); err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
		if opts.BuildTarget == "" {
			defer os.Remove(program)
		}
	}
	pwd := req.GetPwd()
	if pwd == "" {
		pwd = dir
	}
	hostkit.Debugf("Run: %s (cwd %s)", program, pwd)
	status, err := hostkit.RunCommand(ctx, program, nil, pwd, env, os.Stdout, os.Stderr)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return runOutcome(status), nil
}

// InstallDependencies runs `go mod tidy` in the program's module (what `pulumi install` and `pulumi package add`
// ask for), streaming its output to the engine.
func (h *goLanguageHost) InstallDependencies(
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

	dir := programDir(req.GetInfo(), req.GetDirectory())
	if dir == "" {
		return errors.New("the engine sent no program directory to install dependencies in")
	}
	goMod, err := findGoMod(dir)
	if err != nil {
		return err
	}
	goBin, err := findGo()
	if err != nil {
		return err
	}
	moduleDir := filepath.Dir(goMod)
	fmt.Fprintf(stdout, "Installing dependencies...\n\nRunning `go mod tidy` in %s\n", moduleDir)
	status, err := hostkit.RunCommand(ctx, goBin, []string{"mod", "tidy"}, moduleDir, os.Environ(), stdout, stderr)
	if err == nil && status != 0 {
		err = fmt.Errorf("`go mod tidy` in %s failed with exit status %d; its output is above, fix what it reports "+
			"and run `pulumi install` again", moduleDir, status)
	}
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

// About reports the go command and its version (`pulumi about`).
func (h *goLanguageHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	goBin, err := findGo()
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, goBin, "env", "GOVERSION").Output()
	if err != nil {
		return nil, fmt.Errorf("`%s env GOVERSION` failed: %w", goBin, err)
	}
	return &pulumirpc.AboutResponse{Executable: goBin, Version: strings.TrimPrefix(strings.TrimSpace(string(out)), "go")}, nil
}

// GetProgramDependencies lists the program's go.mod requirements (see programDependencies).
func (h *goLanguageHost) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	goModPath, err := findGoMod(programDir(req.GetInfo(), req.GetPwd()))
	if err != nil {
		return nil, err
	}
	gomod, err := readGoMod(goModPath)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetProgramDependenciesResponse{
		Dependencies: programDependencies(gomod, req.GetTransitiveDependencies()),
	}, nil
}

func (h *goLanguageHost) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return generatePackage(req)
}

func (h *goLanguageHost) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return linkPackages(ctx, req)
}
