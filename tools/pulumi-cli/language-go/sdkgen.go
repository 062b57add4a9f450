package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	codegen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// generatePackage writes a Go SDK for the package schema into dir (what `pulumi package add` and `pulumi package
// gen-sdk --language go` ask for), with its go.mod requiring the CLI's own Go SDK version (see pinPulumiSDK).
func generatePackage(req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	if len(req.GetExtraFiles()) > 0 {
		return nil, fmt.Errorf("extra files (overlays) are not supported for Go SDKs; got %d", len(req.GetExtraFiles()))
	}
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, fmt.Errorf("connecting to the engine's schema loader: %w", err)
	}
	defer loader.Close()

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("the package schema is not valid JSON: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, schema.NewCachedLoader(loader), schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, fmt.Errorf("binding the schema of package %s: %w", spec.Name, err)
	}
	response := &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}
	if diags.HasErrors() {
		return response, nil
	}
	files, err := codegen.GeneratePackage("pulumi-language-go", pkg, req.GetLocalDependencies())
	if err != nil {
		return nil, fmt.Errorf("generating the Go SDK of package %s: %w", pkg.Name, err)
	}
	if gomod, ok := files["go.mod"]; ok && version.Version != "" {
		if files["go.mod"], err = pinPulumiSDK(gomod, version.Version); err != nil {
			return nil, err
		}
	}
	if err := hostkit.WriteFiles(req.GetDirectory(), files); err != nil {
		return nil, err
	}
	return response, nil
}

// linkPackages adds a replace directive per generated SDK to the program's go.mod, pointing the SDK's module path
// at its folder, and returns the import lines for the user. The module path is the one the code generator used
// (the schema's Go language settings, else one derived from the package), so the two always agree.
func linkPackages(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, fmt.Errorf("connecting to the engine's schema loader: %w", err)
	}
	defer loader.Close()
	cached := schema.NewCachedLoader(loader)

	modules := map[string]string{}
	var imports strings.Builder
	for _, dep := range req.GetPackages() {
		if dep.GetPackage().GetName() == "pulumi" {
			modules[pulumiSDKModule] = dep.GetPath()
			continue
		}
		descriptor, err := packageDescriptor(dep.GetPackage())
		if err != nil {
			return nil, err
		}
		ref, err := schema.LoadPackageReferenceV2(ctx, cached, descriptor)
		if err != nil {
			return nil, fmt.Errorf("loading the schema of package %s: %w", descriptor.Name, err)
		}
		pkg, err := ref.Definition()
		if err != nil {
			return nil, fmt.Errorf("reading the schema of package %s: %w", descriptor.Name, err)
		}
		if err := pkg.ImportLanguages(map[string]schema.Language{"go": codegen.Importer}); err != nil {
			return nil, fmt.Errorf("reading the Go settings of package %s: %w", descriptor.Name, err)
		}
		modulePath := ""
		if info, ok := pkg.Language["go"].(codegen.GoPackageInfo); ok {
			modulePath = info.ModulePath
			if modulePath == "" && info.ImportBasePath != "" {
				modulePath = path.Dir(info.ImportBasePath)
			}
		}
		if modulePath == "" {
			modulePath = codegen.ExtractModulePath(pkg.Reference())
		}
		modules[modulePath] = dep.GetPath()
		fmt.Fprintf(&imports, "    %q\n", codegen.ExtractImportBasePath(pkg.Reference()))
	}

	goModPath := filepath.Join(req.GetInfo().GetProgramDirectory(), "go.mod")
	info, err := os.Stat(goModPath)
	if err != nil {
		return nil, fmt.Errorf("the program has no go.mod to link the SDK into (%w); run `go mod init <name>` in %s "+
			"first", err, req.GetInfo().GetProgramDirectory())
	}
	data, err := os.ReadFile(goModPath)
	if err != nil {
		return nil, err
	}
	linked, err := addReplaces(data, modules)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", goModPath, err)
	}
	if err := os.WriteFile(goModPath, linked, info.Mode().Perm()); err != nil {
		return nil, err
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can import the SDK in your Go code with:\n\n  import (\n" + imports.String() + "  )\n",
	}, nil
}

// packageDescriptor is the engine's description of a package as the schema loader takes it. A version that is not
// semver is left out (the loader then takes any), as Pulumi's host does.
func packageDescriptor(dep *pulumirpc.PackageDependency) (*schema.PackageDescriptor, error) {
	descriptor := &schema.PackageDescriptor{Name: dep.GetName(), DownloadURL: dep.GetServer()}
	if v, err := semver.ParseTolerant(dep.GetVersion()); err == nil {
		descriptor.Version = &v
	}
	if param := dep.GetParameterization(); param != nil {
		descriptor.Parameterization = &schema.ParameterizationDescriptor{Name: param.GetName(), Value: param.GetValue()}
		if param.GetVersion() != "" {
			v, err := semver.ParseTolerant(param.GetVersion())
			if err != nil {
				return nil, fmt.Errorf("package %s: parameterization version %q is not semver", dep.GetName(), param.GetVersion())
			}
			descriptor.Parameterization.Version = v
		}
	}
	return descriptor, nil
}
