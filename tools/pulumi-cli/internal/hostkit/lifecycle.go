package hostkit

import (
	"context"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Lifecycle is the state every host shares: the engine's address (from the command line or Handshake) and the
// context that calls in flight are cancelled with. Hosts embed it for Operations, Cancel and Handshake, and for
// the Unimplemented answers of the RPCs they leave out (embedded here, so Cancel and Handshake win over them).
type Lifecycle struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	lifetime context.Context // ends when the host is told to exit

	mu            sync.Mutex
	engineAddress string
	opsCtx        context.Context // calls in flight derive from it; Cancel ends it
	cancelOps     context.CancelFunc
}

// NewLifecycle starts with the engine address of the command line; lifetime ends on shutdown signals.
func NewLifecycle(lifetime context.Context, engineAddress string) *Lifecycle {
	l := &Lifecycle{lifetime: lifetime, engineAddress: engineAddress}
	l.opsCtx, l.cancelOps = context.WithCancel(lifetime)
	return l
}

// Operations is the context that in-flight calls are cancelled with (see cancelWith).
func (l *Lifecycle) Operations() context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.opsCtx
}

// Cancel aborts the calls in flight (a running program is interrupted). The engine calls it when it
// closes the host; calls made afterwards start on a fresh context, so a reused host keeps working.
func (l *Lifecycle) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cancelOps()
	l.opsCtx, l.cancelOps = context.WithCancel(l.lifetime)
	return &emptypb.Empty{}, nil
}

// EngineAddress is the engine's gRPC address as last told.
func (l *Lifecycle) EngineAddress() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.engineAddress
}

// Handshake records the engine address of engines that send it this way.
func (l *Lifecycle) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if address := req.GetEngineAddress(); address != "" {
		l.mu.Lock()
		l.engineAddress = address
		l.mu.Unlock()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}
