package main

import (
	"encoding/json"
	"fmt"

	codegen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	codegenrpc "github.com/pulumi/pulumi/sdk/v3/proto/go/codegen"

	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// generatePackage writes a Python SDK for the package schema into the request's directory with pkg/v3's Python
// code generator, as Pulumi's own Python host does (what `pulumi package gen-sdk --language python` asks for).
// Schema errors are returned as diagnostics, which the CLI prints.
func generatePackage(req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, fmt.Errorf("connecting to the engine's schema loader: %w", err)
	}
	defer loader.Close()

	files, diagnostics, err := generateFiles([]byte(req.GetSchema()), req.GetExtraFiles(), schema.NewCachedLoader(loader))
	if err != nil {
		return nil, err
	}
	response := &pulumirpc.GeneratePackageResponse{Diagnostics: diagnostics}
	if files == nil {
		return response, nil // the schema has errors; the CLI prints the diagnostics
	}
	if err := hostkit.WriteFiles(req.GetDirectory(), files); err != nil {
		return nil, err
	}
	return response, nil
}

// generateFiles binds the JSON schema and returns the SDK's files by slash-separated path, and the binding's
// diagnostics; no files when the schema has errors. Extra files (the CLI's --overlays) are placed by the generator.
func generateFiles(
	schemaJSON []byte, extraFiles map[string][]byte, loader schema.ReferenceLoader,
) (map[string][]byte, []*codegenrpc.Diagnostic, error) {
	var spec schema.PackageSpec
	if err := json.Unmarshal(schemaJSON, &spec); err != nil {
		return nil, nil, fmt.Errorf("the package schema is not valid JSON: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, nil, fmt.Errorf("binding the schema of package %s: %w", spec.Name, err)
	}
	diagnostics := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return nil, diagnostics, nil
	}
	files, err := codegen.GeneratePackage("pulumi-language-python", pkg, extraFiles, loader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating the Python SDK of package %s: %w", pkg.Name, err)
	}
	return files, diagnostics, nil
}
