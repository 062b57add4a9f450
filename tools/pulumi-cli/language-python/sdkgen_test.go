package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noPackages is a schema loader for schemas that reference no other package.
type noPackages struct{}

var errNoPackages = errors.New("this test's schemas reference no other package")

func (noPackages) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoPackages
}
func (noPackages) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoPackages
}
func (noPackages) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoPackages
}
func (noPackages) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoPackages
}

const componentSchema = `{
  "name": "wfp-assets", "version": "0.3.0",
  "resources": {
    "wfp-assets:index:Site": {
      "isComponent": true,
      "inputProperties": {"scriptName": {"type": "string", "description": "The Worker script."}},
      "requiredInputs": ["scriptName"],
      "properties": {"url": {"type": "string"}},
      "required": ["url"]
    }
  }
}`

func TestGenerateFilesWritesAComponentModule(t *testing.T) {
	files, diagnostics, err := generateFiles([]byte(componentSchema), nil, noPackages{})
	if err != nil || len(diagnostics) != 0 {
		t.Fatalf("generateFiles: %v, diagnostics %v", err, diagnostics)
	}
	site, ok := files["pulumi_wfp_assets/site.py"]
	if !ok {
		t.Fatalf("no pulumi_wfp_assets/site.py among %d files", len(files))
	}
	for _, want := range []string{"class SiteArgs:", "class Site(pulumi.ComponentResource):", "script_name: pulumi.Input[_builtins.str]", "The Worker script."} {
		if !strings.Contains(string(site), want) {
			t.Errorf("site.py lacks %q:\n%s", want, site)
		}
	}
}

func TestGenerateFilesReportsSchemaErrors(t *testing.T) {
	if _, _, err := generateFiles([]byte("{"), nil, noPackages{}); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("invalid JSON: %v", err)
	}
	broken := `{"name": "x", "resources": {"x:index:A": {"isComponent": true, "properties": {"p": {"type": "nosuch"}}}}}`
	files, diagnostics, err := generateFiles([]byte(broken), nil, noPackages{})
	if err != nil || files != nil || len(diagnostics) == 0 {
		t.Errorf("an unknown type: files %v, diagnostics %v, err %v", files != nil, diagnostics, err)
	}
}
