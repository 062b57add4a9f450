// Command pulumi-language-python is pulumi-wfp-assets' own, SDK-generation-only Python language host.
//
// Pulumi's Python host (module github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) is not served by
// the Go module proxy this project builds from, and no Python package index is reachable here, so Python programs
// cannot be run or tested. What can be done without either is generating a Python SDK for the component package
// (`pulumi package gen-sdk <folder> --language python`): Pulumi's Python code generator is part of pkg/v3, which the
// CLI build already has. This host serves exactly that and refuses everything that would run Python.
package main

import (
	"context"
	"fmt"
	"os"

	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

func main() {
	err := hostkit.Main("pulumi-language-python", os.Args[1:], func(lifetime context.Context, args hostkit.HostArgs) hostkit.Host {
		return newPythonLanguageHost(lifetime, args)
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
}
