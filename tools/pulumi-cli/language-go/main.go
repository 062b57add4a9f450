// Command pulumi-language-go is pulumi-wfp-assets' own Go language host for the Pulumi engine.
//
// Pulumi's Go host (module github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3) is not served by the Go module
// proxy this project builds from, so this is a small replacement covering what a Go program that consumes the
// component package needs: preview/up/refresh/destroy (the program is built with `go build` and run with the
// engine's addresses in the environment, as sdk/go/pulumi/run.go reads them), `pulumi install`, `pulumi about`,
// and `pulumi package add` (the SDK is generated with pkg/v3/codegen/go and linked with a go.mod replace).
package main

import (
	"context"
	"fmt"
	"os"

	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

func main() {
	err := hostkit.Main("pulumi-language-go", os.Args[1:], func(lifetime context.Context, args hostkit.HostArgs) hostkit.Host {
		return newGoLanguageHost(lifetime, args)
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-go: %v\n", err)
		os.Exit(1)
	}
}
