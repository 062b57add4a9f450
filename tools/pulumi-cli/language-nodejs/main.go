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
	"os/signal"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

func main() {
	if err := serve(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func serve(argv []string) error {
	args, err := parseHostArgs(argv)
	if err != nil {
		return err
	}
	debugf("started with %q", argv)

	// The engine stops plugins with SIGINT (then SIGKILL after 5 s). Cancelling ctx interrupts a running
	// node program (see runNode) and stops the server so no process outlives the engine.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	host := newNodeLanguageHost(ctx, args)
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: []grpc.ServerOption{
			grpc.ChainUnaryInterceptor(logUnaryCall, cancelWith(host.operations)),
			grpc.ChainStreamInterceptor(logStreamCall),
		},
	})
	if err != nil {
		return fmt.Errorf("could not start the gRPC server: %w", err)
	}

	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	select {
	case err := <-handle.Done:
		return err
	case <-ctx.Done():
		debugf("signal received, shutting down")
		close(cancel)
		return <-handle.Done
	}
}
