package hostkit

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Host is a language runtime server whose in-flight calls end with the context Operations returns.
type Host interface {
	pulumirpc.LanguageRuntimeServer
	Operations() context.Context
}

// Main parses the plugin command line, serves the host that newHost makes on a free port (printed on stdout's first
// line, where the engine reads it) and returns when the engine closes the server or a signal arrives.
func Main(name string, argv []string, newHost func(lifetime context.Context, args HostArgs) Host) error {
	SetName(name)
	args, err := ParseArgs(argv)
	if err != nil {
		return err
	}
	Debugf("started with %q", argv)

	// The engine stops plugins with SIGINT (then SIGKILL after 5 s). Cancelling ctx interrupts a running
	// program and stops the server so no process outlives the engine.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	host := newHost(ctx, args)
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: []grpc.ServerOption{
			grpc.ChainUnaryInterceptor(logUnaryCall, cancelWith(host.Operations)),
			grpc.ChainStreamInterceptor(logStreamCall),
		},
	})
	if err != nil {
		return fmt.Errorf("could not start the gRPC server: %w", err)
	}

	fmt.Printf("%d\n", handle.Port)

	select {
	case err := <-handle.Done:
		return err
	case <-ctx.Done():
		Debugf("signal received, shutting down")
		close(cancel)
		return <-handle.Done
	}
}

// SerializedInstallStream lets a tool's stdout and stderr copiers (two goroutines in os/exec) share an
// InstallDependencies stream: grpc-go forbids calling Send from several goroutines at once.
type SerializedInstallStream struct {
	grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]
	mu sync.Mutex
}

func (s *SerializedInstallStream) Send(resp *pulumirpc.InstallDependenciesResponse) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ServerStreamingServer.Send(resp)
}
