package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

// installError reports a package manager run that did not succeed, with the command and where it ran, so
// the user can run it by hand to see more.
type installError struct {
	Command  string // e.g. "npm install --loglevel=error"
	Dir      string
	ExitCode int    // -1 when the process did not exit on its own
	Signal   string // set when a signal ended it
}

func (e *installError) Error() string {
	if e.Signal != "" {
		return fmt.Sprintf("`%s` in %s was stopped by signal %s", e.Command, e.Dir, e.Signal)
	}
	return fmt.Sprintf("`%s` in %s failed with exit status %d; its output is above, fix what it reports and "+
		"run `pulumi install` again", e.Command, e.Dir, e.ExitCode)
}

// installPlan is what installDependencies will run.
type installPlan struct {
	Choice      packageManagerChoice
	Executable  string // absolute path of the package manager
	Args        []string
	Dir         string // the workspace root, else the program directory
	InWorkspace bool
}

func (p installPlan) command() string {
	return strings.Join(append([]string{string(p.Choice.Manager)}, p.Args...), " ")
}

// planInstall decides where and with which package manager the program's dependencies are installed.
func planInstall(programDir string, opts runtimeOptions) (installPlan, error) {
	dir := programDir
	root, err := findWorkspaceRoot(programDir)
	if err != nil {
		return installPlan{}, fmt.Errorf("looking for the workspace that %s belongs to: %w", programDir, err)
	}
	if root != "" {
		dir = root
	}
	choice, err := choosePackageManager(opts.PackageManager, dir, preferYarnFromEnv())
	if err != nil {
		return installPlan{}, err
	}
	executable, err := findPackageManager(choice)
	if err != nil {
		return installPlan{}, err
	}
	return installPlan{
		Choice:      choice,
		Executable:  executable,
		Args:        installArgs(choice.Manager, opts.Production),
		Dir:         dir,
		InWorkspace: root != "",
	}, nil
}

// installDependencies runs the project's package manager for the program in programDir, streaming its
// output to stdout/stderr. A cancelled ctx interrupts it (SIGINT, then SIGKILL after hostkit.InterruptGrace).
func installDependencies(ctx context.Context, programDir string, opts runtimeOptions, stdout, stderr io.Writer) error {
	plan, err := planInstall(programDir, opts)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, "Installing dependencies...\n\n")
	if plan.InWorkspace {
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", plan.Dir)
	}
	fmt.Fprintf(stdout, "Running `%s` in %s (%s: %s)\n", plan.command(), plan.Dir, plan.Choice.Manager, plan.Choice.Reason)
	debugf("InstallDependencies: %s %s (cwd %s)", plan.Executable, strings.Join(plan.Args, " "), plan.Dir)

	cmd := exec.CommandContext(ctx, plan.Executable, plan.Args...)
	cmd.Dir = plan.Dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = hostkit.InterruptGrace
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("`%s` in %s was interrupted: %w", plan.command(), plan.Dir, context.Cause(ctx))
		}
		return describeInstallFailure(plan, err)
	}

	// Pulumi's host checks this too (Install in sdk/nodejs/npm/manager.go): the program cannot load its packages
	// without a node_modules, whatever the package manager said.
	if !hasNodeModules(plan.Dir) {
		return fmt.Errorf("`%s` in %s reported success, but there is no node_modules directory there or in a "+
			"parent directory, so the program could not load its packages; install them with a package manager "+
			"that creates node_modules", plan.command(), plan.Dir)
	}
	fmt.Fprint(stdout, "Finished installing dependencies\n\n")
	return nil
}

func describeInstallFailure(plan installPlan, err error) error {
	failure := &installError{Command: plan.command(), Dir: plan.Dir, ExitCode: -1}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return fmt.Errorf("could not run `%s` in %s: %w", failure.Command, failure.Dir, err)
	}
	failure.ExitCode = exitErr.ExitCode()
	if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		failure.Signal = status.Signal().String()
	}
	return failure
}

func hasNodeModules(dir string) bool {
	for current := dir; ; current = filepath.Dir(current) {
		if isDir(filepath.Join(current, "node_modules")) {
			return true
		}
		if filepath.Dir(current) == current {
			return false
		}
	}
}
