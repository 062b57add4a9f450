package hostkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// InterruptGrace is how long a cancelled program or tool gets between SIGINT and SIGKILL; the engine gives plugins
// the same 5 s before killing them (Plugin.Kill in sdk/go/common/resource/plugin/plugin.go).
const InterruptGrace = 5 * time.Second

// RunCommand runs name with its output wired to stdout/stderr; a cancelled ctx interrupts it (SIGINT, so it can
// flush, then SIGKILL after InterruptGrace). It returns the exit status; err is only set when the command could not
// run to an exit.
func RunCommand(ctx context.Context, name string, args []string, dir string, env []string, stdout, stderr io.Writer) (int, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = InterruptGrace
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() >= 0:
		return exitErr.ExitCode(), nil
	case errors.As(err, &exitErr):
		return 0, fmt.Errorf("%s was stopped by a signal (%v)", filepath.Base(name), exitErr.ProcessState)
	default:
		return 0, fmt.Errorf("could not run %s: %w", name, err)
	}
}
