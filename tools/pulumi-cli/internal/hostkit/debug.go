package hostkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"google.golang.org/grpc"
)

// debugTarget turns on one line per RPC (and a few lifecycle lines). PULUMI_WFP_LANGHOST_DEBUG=1 writes them
// to stderr, which the engine shows in the CLI output; an absolute path appends them to that file instead
// (exact, one line per call, with the host's name and process id to tell host processes apart).
var debugTarget = os.Getenv("PULUMI_WFP_LANGHOST_DEBUG")

// hostName prefixes debug lines; SetName sets it once at start-up.
var hostName = "pulumi-language-host"

// SetName names the host in debug lines (e.g. "pulumi-language-go").
func SetName(name string) { hostName = name }

// Debugf writes one debug line when PULUMI_WFP_LANGHOST_DEBUG asks for them.
func Debugf(format string, args ...any) {
	line := fmt.Sprintf("[%s %d] "+format+"\n", append([]any{hostName, os.Getpid()}, args...)...)
	switch {
	case debugTarget == "1":
		fmt.Fprint(os.Stderr, line)
	case filepath.IsAbs(debugTarget):
		file, err := os.OpenFile(debugTarget, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return
		}
		defer file.Close()
		_, _ = file.WriteString(line)
	}
}

func logUnaryCall(
	ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler,
) (any, error) {
	Debugf("rpc %s", info.FullMethod)
	resp, err := handler(ctx, req)
	if err != nil {
		Debugf("rpc %s failed: %v", info.FullMethod, err)
	}
	return resp, err
}

func logStreamCall(
	srv any, stream grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler,
) error {
	Debugf("rpc %s (stream)", info.FullMethod)
	return handler(srv, stream)
}

// cancelWith ties each call's context to operations(), which Cancel and shutdown signals end, so a running
// program is interrupted instead of keeping the engine (or GracefulStop) waiting.
func cancelWith(operations func() context.Context) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(operations(), cancel)
		defer stop()
		return handler(ctx, req)
	}
}
