package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"pulumi-wfp-assets/tools/pulumi-cli/internal/hostkit"
)

func envMap(env []string) map[string]string {
	values := map[string]string{}
	for _, entry := range env {
		name, value, _ := strings.Cut(entry, "=")
		values[name] = value
	}
	return values
}

func TestProgramEnvCarriesWhatTheGoSDKReads(t *testing.T) {
	req := &pulumirpc.RunRequest{
		Project: "fleet", Stack: "dev", Organization: "org", MonitorAddress: "127.0.0.1:1111", DryRun: true, Parallel: 8,
		Config:           map[string]string{"fleet:accountId": "abc"},
		ConfigSecretKeys: []string{"wfp-assets:apiToken"},
		Info:             &pulumirpc.ProgramInfo{RootDirectory: "/work/project"},
	}
	env, err := programEnv([]string{"PATH=/bin"}, req, "127.0.0.1:2222")
	if err != nil {
		t.Fatal(err)
	}
	got := envMap(env)
	want := map[string]string{
		"PATH": "/bin", "PULUMI_PROJECT": "fleet", "PULUMI_STACK": "dev", "PULUMI_ORGANIZATION": "org",
		"PULUMI_MONITOR": "127.0.0.1:1111", "PULUMI_ENGINE": "127.0.0.1:2222", "PULUMI_DRY_RUN": "true",
		"PULUMI_PARALLEL": "8", "PULUMI_ROOT_DIRECTORY": "/work/project",
		"PULUMI_CONFIG": `{"fleet:accountId":"abc"}`, "PULUMI_CONFIG_SECRET_KEYS": `["wfp-assets:apiToken"]`,
	}
	for name, value := range want {
		if got[name] != value {
			t.Errorf("%s = %q, want %q", name, got[name], value)
		}
	}
	if len(got) != len(want) {
		t.Errorf("unexpected variables: %v", got)
	}
}

func TestProgramEnvLeavesOutEmptySettings(t *testing.T) {
	env, err := programEnv(nil, &pulumirpc.RunRequest{Project: "p"}, "")
	if err != nil {
		t.Fatal(err)
	}
	got := envMap(env)
	for _, name := range []string{"PULUMI_STACK", "PULUMI_ENGINE", "PULUMI_CONFIG", "PULUMI_MONITOR"} {
		if _, ok := got[name]; ok {
			t.Errorf("%s is set to %q; empty settings must be left out", name, got[name])
		}
	}
	// No secret keys is an empty list, which the SDK parses, not a missing variable.
	var keys []string
	if err := json.Unmarshal([]byte(got["PULUMI_CONFIG_SECRET_KEYS"]), &keys); err != nil || len(keys) != 0 {
		t.Errorf("PULUMI_CONFIG_SECRET_KEYS = %q", got["PULUMI_CONFIG_SECRET_KEYS"])
	}
}

func TestRunOutcome(t *testing.T) {
	if resp := runOutcome(0); resp.GetError() != "" || resp.GetBail() {
		t.Errorf("0: %v", resp)
	}
	if resp := runOutcome(exitStatusLoggedError); !resp.GetBail() || resp.GetError() != "" {
		t.Errorf("32 must bail quietly: %v", resp)
	}
	if resp := runOutcome(3); resp.GetError() != "program exited with non-zero exit code: 3" {
		t.Errorf("3: %v", resp)
	}
}

// A real `go build` and run of a standard-library program: the exit status reaches runOutcome, the environment
// reaches the program, and the built file is the caller's to remove.
func TestBuildProgramBuildsAndRunsTheMainPackage(t *testing.T) {
	goBin, err := findGo()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/prog\n\ngo 1.21\n",
		"main.go": "package main\n\nimport \"os\"\n\nfunc main() {\n\tif os.Getenv(\"PULUMI_STACK\") != \"dev\" {\n\t\tos.Exit(3)\n\t}\n\tos.Exit(32)\n}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	program, err := buildProgram(context.Background(), goBin, dir, "", io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(program)
	env, _ := programEnv(nil, &pulumirpc.RunRequest{Stack: "dev"}, "")
	status, err := hostkit.RunCommand(context.Background(), program, nil, dir, env, io.Discard, io.Discard)
	if err != nil || status != 32 {
		t.Errorf("status %d, err %v; want 32 (the program saw PULUMI_STACK)", status, err)
	}
	status, _ = hostkit.RunCommand(context.Background(), program, nil, dir, nil, io.Discard, io.Discard)
	if status != 3 {
		t.Errorf("status %d without PULUMI_STACK, want 3", status)
	}
}

func TestBuildProgramNamesAFolderWithoutGoFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := buildProgram(context.Background(), "go", dir, "", io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no .go file in "+dir) {
		t.Errorf("err = %v", err)
	}
}

func TestBuildProgramReportsACompileError(t *testing.T) {
	goBin, err := findGo()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/bad\n\ngo 1.21\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { undefinedThing() }\n"), 0o644)
	var stderr strings.Builder
	_, err = buildProgram(context.Background(), goBin, dir, "", io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "`go build` in "+dir+" failed") {
		t.Errorf("err = %v", err)
	}
	if !strings.Contains(stderr.String(), "undefinedThing") {
		t.Errorf("the compiler's message must reach the user, got %q", stderr.String())
	}
}

// With a buildTarget the program is built there and kept; a second build of unchanged sources keeps the file (the go
// command sees its build ID is current and skips the link), a changed source gives a new one.
func TestBuildProgramKeepsABuildTarget(t *testing.T) {
	goBin, err := findGo()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/kept\n\ngo 1.21\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	target := filepath.Join(dir, "bin", "program")
	built, err := buildProgram(context.Background(), goBin, dir, target, io.Discard, io.Discard)
	if err != nil || built != target {
		t.Fatalf("built %q, %v", built, err)
	}
	first, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := buildProgram(context.Background(), goBin, dir, target, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	second, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	// The go command touches an up-to-date target; a new link is renamed into place from its work folder (a new file).
	if !os.SameFile(first, second) {
		t.Error("an unchanged program was linked again")
	}
	_ = os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println() }\n"), 0o644)
	if _, err := buildProgram(context.Background(), goBin, dir, target, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if third, err := os.Stat(target); err != nil || os.SameFile(second, third) {
		t.Errorf("a changed program must be linked again (%v)", err)
	}
}
