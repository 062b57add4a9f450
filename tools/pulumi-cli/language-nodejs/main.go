// Command pulumi-language-nodejs is pulumi-wfp-assets' own Node.js language host for the Pulumi engine.
//
// The upstream host lives in a Go module that the Go module proxy does not serve, so this project ships a
// small replacement that covers what preview/up/refresh/destroy need for a Node.js/TypeScript program: it
// launches @pulumi/pulumi's cmd/run with the settings the engine sends.
package main

import (
	"context"
	"fmt"
	"os"

	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// hostArgs is the plugin command line (internal/hostkit parses it).
type hostArgs = hostkit.HostArgs

var debugf = hostkit.Debugf

func main() {
	err := hostkit.Main("pulumi-language-nodejs", os.Args[1:], func(lifetime context.Context, args hostArgs) hostkit.Host {
		return newNodeLanguageHost(lifetime, args)
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}
