package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/structpb"
)

// fakePackageManager is an executable named like a package manager, alone on PATH, that records where it ran
// and with which arguments, prints one line to stdout and one to stderr, and exits with exitCode.
type fakePackageManager struct {
	log string // the record: the working directory, then one argument per line
}

func installFakePackageManager(t *testing.T, name string, exitCode int, extra string) fakePackageManager {
	t.Helper()
	bin := t.TempDir()
	fake := fakePackageManager{log: filepath.Join(t.TempDir(), "calls.log")}
	// Shell builtins only: PATH holds nothing but this directory.
	script := "#!/bin/sh\n" +
		"{ pwd -P; for arg in \"$@\"; do printf '%s\\n' \"$arg\"; done; } > '" + fake.log + "'\n" +
		"echo \"" + name + " says hello on stdout\"\n" +
		"echo \"" + name + " says hello on stderr\" >&2\n" +
		extra +
		"exit " + strconv.Itoa(exitCode) + "\n"
	if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("PULUMI_PREFER_YARN", "")
	return fake
}

// calls returns the recorded working directory and arguments.
func (f fakePackageManager) calls(t *testing.T) (string, []string) {
	t.Helper()
	data, err := os.ReadFile(f.log)
	if err != nil {
		t.Fatalf("the package manager did not run: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	return lines[0], lines[1:]
}

func TestInstallDependenciesRunsTheLockfilesPackageManagerInTheProgramDirectory(t *testing.T) {
	fake := installFakePackageManager(t, "npm", 0, "")
	program := tempTree(t, map[string]string{"package.json": "{}", "package-lock.json": "{}", "node_modules/.keep": ""})
	var stdout, stderr bytes.Buffer

	err := installDependencies(t.Context(), program, runtimeOptions{PackageManager: autoPackageManager}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	dir, args := fake.calls(t)
	if dir != program || !reflect.DeepEqual(args, []string{"install", "--loglevel=error"}) {
		t.Errorf("ran npm %q in %s, want `npm install --loglevel=error` in %s", args, dir, program)
	}
	for _, want := range []string{
		"Installing dependencies...",
		"Running `npm install --loglevel=error` in " + program + " (npm: found " + filepath.Join(program, "package-lock.json") + ")",
		"npm says hello on stdout",
		"Finished installing dependencies",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout %q lacks %q", stdout.String(), want)
		}
	}
	if stderr.String() != "npm says hello on stderr\n" {
		t.Errorf("stderr = %q", stderr.String())
	}
}

func TestInstallDependenciesUsesTheOptionsPackageManagerAndProduction(t *testing.T) {
	fake := installFakePackageManager(t, "yarn", 0, "")
	program := tempTree(t, map[string]string{"package.json": "{}", "package-lock.json": "{}", "node_modules/.keep": ""})
	opts := runtimeOptions{PackageManager: yarnPackageManager, Production: true}

	if err := installDependencies(t.Context(), program, opts, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if dir, args := fake.calls(t); dir != program || !reflect.DeepEqual(args, []string{"install", "--production"}) {
		t.Errorf("ran yarn %q in %s", args, dir)
	}
}

func TestInstallDependenciesRunsAtTheWorkspaceRoot(t *testing.T) {
	fake := installFakePackageManager(t, "pnpm", 0, "")
	root := tempTree(t, map[string]string{
		"package.json":            `{"private": true}`,
		"pnpm-workspace.yaml":     "packages: ['stacks/*']\n",
		"pnpm-lock.yaml":          "",
		"node_modules/.keep":      "",
		"stacks/dev/package.json": "{}",
	})
	requireNothingAbove(t, root, workspaceMarkers...)
	var stdout bytes.Buffer

	err := installDependencies(t.Context(), filepath.Join(root, "stacks", "dev"), runtimeOptions{}, &stdout, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if dir, args := fake.calls(t); dir != root || !reflect.DeepEqual(args, []string{"install", "--use-stderr"}) {
		t.Errorf("ran pnpm %q in %s, want it at the workspace root %s", args, dir, root)
	}
	if !strings.Contains(stdout.String(), "Detected workspace root at "+root) {
		t.Errorf("stdout %q does not mention the workspace root", stdout.String())
	}
}

func TestInstallDependenciesFailsWhenThePackageManagerIsMissing(t *testing.T) {
	installFakePackageManager(t, "npm", 0, "") // on PATH, but the lockfile asks for pnpm
	program := tempTree(t, map[string]string{"package.json": "{}", "pnpm-lock.yaml": ""})

	err := installDependencies(t.Context(), program, runtimeOptions{}, &bytes.Buffer{}, &bytes.Buffer{})
	var missing *missingPackageManagerError
	if !errors.As(err, &missing) {
		t.Fatalf("error = %v, want a missingPackageManagerError", err)
	}
	for _, want := range []string{
		"could not find `pnpm` on PATH",
		"found " + filepath.Join(program, "pnpm-lock.yaml"),
		"install pnpm (`npm install --global pnpm`, or `corepack enable pnpm`)",
		"packagemanager runtime option",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestInstallDependenciesReportsTheCommandAndExitStatusOfAFailure(t *testing.T) {
	installFakePackageManager(t, "npm", 3, "")
	program := tempTree(t, map[string]string{"package.json": "{}", "package-lock.json": "{}", "node_modules/.keep": ""})
	var stdout, stderr bytes.Buffer

	err := installDependencies(t.Context(), program, runtimeOptions{}, &stdout, &stderr)
	var failure *installError
	if !errors.As(err, &failure) || failure.ExitCode != 3 {
		t.Fatalf("error = %v, want an installError with exit status 3", err)
	}
	want := "`npm install --loglevel=error` in " + program + " failed with exit status 3"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
	if !strings.Contains(stderr.String(), "npm says hello on stderr") || strings.Contains(stdout.String(), "Finished") {
		t.Errorf("the failing run's output must still be streamed, without a success line: %q / %q", stdout.String(), stderr.String())
	}
}

func TestInstallDependenciesFailsWithoutNodeModulesAfterSuccess(t *testing.T) {
	installFakePackageManager(t, "npm", 0, "")
	program := tempTree(t, map[string]string{"package.json": "{}", "package-lock.json": "{}"})
	requireNothingAbove(t, program, "node_modules")

	err := installDependencies(t.Context(), program, runtimeOptions{}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "reported success, but there is no node_modules directory") {
		t.Errorf("error = %v", err)
	}
}

func TestInstallDependenciesInterruptsThePackageManagerWhenCancelled(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("this test needs `sleep`: %v", err)
	}
	installFakePackageManager(t, "npm", 0, "exec '"+sleep+"' 30\n")
	program := tempTree(t, map[string]string{"package.json": "{}", "package-lock.json": "{}", "node_modules/.keep": ""})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)

	err = installDependencies(ctx, program, runtimeOptions{}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "`npm install --loglevel=error` in "+program+" was interrupted") {
		t.Errorf("error = %v", err)
	}
}

// installStream records what the host sends on an InstallDependencies stream.
type installStream struct {
	grpc.ServerStream // unused methods panic (nil)
	ctx               context.Context
	stdout, stderr    bytes.Buffer
}

func (s *installStream) Context() context.Context { return s.ctx }

func (s *installStream) Send(resp *pulumirpc.InstallDependenciesResponse) error {
	s.stdout.Write(resp.GetStdout())
	s.stderr.Write(resp.GetStderr())
	return nil
}

func TestInstallDependenciesRPCStreamsOutputAndReturnsFailures(t *testing.T) {
	fake := installFakePackageManager(t, "bun", 0, "")
	program := tempTree(t, map[string]string{"package.json": "{}", "bun.lock": "", "node_modules/.keep": ""})
	host := newNodeLanguageHost(t.Context(), hostArgs{Flags: map[string]string{}})
	options, err := structpb.NewStruct(map[string]any{"typescript": true})
	if err != nil {
		t.Fatal(err)
	}
	req := &pulumirpc.InstallDependenciesRequest{
		Info: &pulumirpc.ProgramInfo{RootDirectory: program, ProgramDirectory: program, EntryPoint: ".", Options: options},
	}
	stream := &installStream{ctx: t.Context()}

	if err := host.InstallDependencies(req, stream); err != nil {
		t.Fatal(err)
	}
	if dir, args := fake.calls(t); dir != program || !reflect.DeepEqual(args, []string{"install"}) {
		t.Errorf("ran bun %q in %s", args, dir)
	}
	if !strings.Contains(stream.stdout.String(), "bun says hello on stdout") ||
		stream.stderr.String() != "bun says hello on stderr\n" {
		t.Errorf("streamed stdout %q, stderr %q", stream.stdout.String(), stream.stderr.String())
	}

	// A missing package manager and a bad runtime option both fail the RPC.
	for packageManager, want := range map[string]string{
		"pnpm":  "could not find `pnpm` on PATH",
		"cargo": `Pulumi.yaml runtime option packagemanager: must be one of auto, npm, yarn, pnpm or bun, got "cargo"`,
	} {
		req.Info.Options, err = structpb.NewStruct(map[string]any{"packagemanager": packageManager})
		if err != nil {
			t.Fatal(err)
		}
		err = host.InstallDependencies(req, &installStream{ctx: t.Context()})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("packagemanager %s: error = %v, want %q", packageManager, err, want)
		}
	}
}
