#!/usr/bin/env bash
# Builds the Pulumi CLI (pinned to the @pulumi/pulumi version in package.json), this project's Node.js and Go
# language hosts, its Python host (SDK generation only) and Pulumi's YAML language host (github.com/pulumi/pulumi-yaml,
# pinned below) from Go modules into a cache outside the repository, and puts the dynamic-provider shim beside them.
# It also fetches what a Go program needs (the Go SDK at the pinned version and its module graph) into the cache's
# module cache and compiles it once, so Go programs then build offline and quickly (see go_program below).
# Idempotent: it rebuilds only when a stamp over the inputs changes.
#
#   bash scripts/build-pulumi-cli.sh        # progress on stderr, the bin dir on stdout
#
# Cache root: $PULUMI_WFP_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wfp-assets. It holds the Go module
# and build caches too (GOMODCACHE/GOCACHE), so the build never touches the user's own Go caches.
set -euo pipefail

readonly MIN_GO_VERSION="1.25.11" # the `go` line of pulumi's pkg/v3 and sdk/v3 go.mod files at 3.259.0
# The YAML language host, for YAML programs that use the component package (packages/pulumi-wfp-assets-components).
# Built from its own module with its own dependencies (it requires pulumi pkg v3.206.0, whose API differs from the
# CLI's), so it cannot share tools/pulumi-cli/go.mod; it talks to the engine only over gRPC. The module proxy lists
# v1.11.1 and v1.25.0 (`go list -m -versions github.com/pulumi/pulumi-yaml`).
readonly PULUMI_YAML_VERSION="v1.25.0"

fail() {
  echo "build-pulumi-cli: $*" >&2
  exit 1
}
say() { echo "build-pulumi-cli: $*" >&2; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script_path="$repo_root/scripts/$(basename "${BASH_SOURCE[0]}")"
module_dir="$repo_root/tools/pulumi-cli"
shim_source="$repo_root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"

# --- the pinned version: package.json is the single source, go.mod must agree ----------------------------
# The CLI is pinned to the SDK version the repository develops against (devDependencies; users bring their own
# @pulumi/pulumi within the peerDependencies range).
version="$(sed -n '/"devDependencies"/,/}/s/^ *"@pulumi\/pulumi": *"\([^"]*\)".*/\1/p' "$repo_root/package.json" | head -n 1)"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  fail "package.json must pin @pulumi/pulumi to an exact version (x.y.z), found '${version:-nothing}'"
for module in github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3; do
  required="$(awk -v m="$module" '$1 == m { print $2 } $1 == "require" && $2 == m { print $3 }' "$module_dir/go.mod" | head -n 1)"
  [[ "$required" == "v$version" ]] ||
    fail "tools/pulumi-cli/go.mod requires $module ${required:-(missing)} but package.json pins @pulumi/pulumi $version;" \
      "run: cd tools/pulumi-cli && go get $module@v$version && go mod tidy"
done
[[ -f "$shim_source" ]] || fail "$shim_source is missing; run npm install first"

# --- cache layout and stamp -------------------------------------------------------------------------------
cache_root="${PULUMI_WFP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wfp-assets}"
mkdir -p "$cache_root"

# Everything that changes the output: the version, the module files, the host's sources, the shim and this
# script (build flags). The Go version is left out on purpose, so a restored cache works without Go.
compute_stamp() {
  {
    echo "pulumi v$version"
    cd "$repo_root"
    find tools/pulumi-cli -type f \( -name '*.go' ! -name '*_test.go' -o -name go.mod -o -name go.sum \) | LC_ALL=C sort |
      while IFS= read -r file; do echo "== $file"; cat "$file"; done
    echo "== shim"; cat "$shim_source"
    echo "== script"; cat "$script_path"
  } | sha256sum | cut -d ' ' -f 1
}
stamp="$(compute_stamp)"
# One folder per stamp: two checkouts with different language-host sources (a worktree, another branch) each keep
# their own build instead of rebuilding over the other's binaries while its tests run.
install_dir="$cache_root/pulumi-v$version-${stamp:0:12}"
bin_dir="$install_dir/bin"

is_current() {
  [[ -f "$install_dir/stamp" && "$(cat "$install_dir/stamp")" == "$stamp" ]] &&
    [[ -x "$bin_dir/pulumi" && -x "$bin_dir/pulumi-language-nodejs" && -x "$bin_dir/pulumi-resource-pulumi-nodejs" ]] &&
    [[ -x "$bin_dir/pulumi-language-yaml" && -x "$bin_dir/pulumi-language-go" && -x "$bin_dir/pulumi-language-python" ]] &&
    [[ -f "$install_dir/go-program/go.sum" ]]
}

if is_current; then
  echo "$bin_dir"
  exit 0
fi

# Concurrent callers (parallel test files) wait here for one build instead of racing each other.
if command -v flock >/dev/null; then
  exec 9>"$cache_root/.build.lock"
  flock 9
fi
if is_current; then
  echo "$bin_dir"
  exit 0
fi

# --- go toolchain -----------------------------------------------------------------------------------------
go_bin="$(command -v go || true)"
if [[ -z "$go_bin" && -x /usr/local/go/bin/go ]]; then go_bin=/usr/local/go/bin/go; fi
[[ -n "$go_bin" ]] || fail "Go >= $MIN_GO_VERSION is needed to build the Pulumi CLI, but 'go' is not on PATH" \
  "(install it from the Go downloads page, or put an existing pulumi $version on PATH instead)"
# GOTOOLCHAIN=local: never let the go command download another toolchain behind our back.
export GOTOOLCHAIN=local
go_version="$("$go_bin" env GOVERSION)"
go_version="${go_version#go}"
lowest="$(printf '%s\n%s\n' "$MIN_GO_VERSION" "${go_version%%[-+ ]*}" | sort -V | head -n 1)"
[[ "$lowest" == "$MIN_GO_VERSION" ]] ||
  fail "Go $go_version at $go_bin is too old: building pulumi $version needs Go >= $MIN_GO_VERSION"

# --- build into a temp dir, then swap it in (a killed build never leaves a half-built CLI) -----------------
export GOMODCACHE="$cache_root/go/mod" GOCACHE="$cache_root/go/build"
# -modcacherw keeps the module cache deletable with plain rm -rf.
export GOFLAGS="-buildvcs=false -modcacherw" CGO_ENABLED=0
# Leftovers of builds killed with SIGKILL; safe to remove while we hold the lock.
rm -rf "$cache_root"/.pulumi-v*.build.* "$cache_root"/.pulumi-v*.old.*
build_dir="$(mktemp -d "$cache_root/.pulumi-v$version.build.XXXXXX")"
chmod 0755 "$build_dir"
trap 'rm -rf "$build_dir"' EXIT
# go's work dir inside build_dir, so a stopped build leaves no go-build* dir in /tmp.
export GOTMPDIR="$build_dir/go-tmp"
mkdir "$GOTMPDIR"

# Bash runs traps only after a foreground command ends, so builds run in the background and are waited
# for: an INT/TERM then stops the go command at once instead of after a multi-minute build.
build_pid=""
stop_build() {
  [[ -z "$build_pid" ]] || kill -TERM "$build_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  exit "$1"
}
trap 'stop_build 130' INT
trap 'stop_build 143' TERM
go_run() {
  local status=0
  "$go_bin" "$@" &
  build_pid=$!
  wait "$build_pid" || status=$?
  build_pid=""
  return "$status"
}
go_build() { go_run build "${build_flags[@]}" "$@"; }

# Release builds use the same tags and flags (pulumi's .goreleaser.yml); the version ldflag makes
# `pulumi version` report a semver, which the Automation API and plugin version checks parse.
build_flags=(-trimpath -tags osusergo,grpcnotrace
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version")

say "building pulumi v$version with Go $go_version into $install_dir (a cold build takes several minutes)"
started=$SECONDS
cd "$module_dir"
go_build -o "$build_dir/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
cli_seconds=$((SECONDS - started))
go_build -o "$build_dir/bin/pulumi-language-nodejs" ./language-nodejs
go_build -o "$build_dir/bin/pulumi-language-go" ./language-go
# Generates Python SDKs only (`pulumi package gen-sdk --language python`); it refuses to run Python programs.
go_build -o "$build_dir/bin/pulumi-language-python" ./language-python
host_seconds=$((SECONDS - started - cli_seconds))
# `go install module@version` builds with that module's own go.mod, outside tools/pulumi-cli (see PULUMI_YAML_VERSION).
cd "$build_dir"
GOBIN="$build_dir/bin" go_run install -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w" \
  "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION" ||
  fail "building github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION failed (see above);" \
    "YAML programs need it. If the Go module proxy refused the module, check GOPROXY and" \
    "\`go list -m -versions github.com/pulumi/pulumi-yaml\`"
yaml_seconds=$((SECONDS - started - cli_seconds - host_seconds))
# --- a Go program's modules: fetched and compiled now, so Go programs build offline and warm ----------------------
# go-program/ is the smallest Pulumi Go program: it imports what programs and generated SDKs import (pulumi, pulumix,
# config, the RPC types, semver). `go mod tidy` fetches the Go SDK at the pinned version and its module graph into the
# cache's GOMODCACHE and writes go.sum; a Go program of the same SDK version starts from that go.sum (the e2e test
# copies it) and builds with GOPROXY=off. The build compiles those packages into GOCACHE with the flags and the
# CGO_ENABLED=0 that pulumi-language-go's `go build` uses in the tests, so a program's first build is only its own
# packages and the link.
go_program="$build_dir/go-program"
mkdir "$go_program"
printf 'module pulumi-wfp-assets/go-program\n\ngo %s\n\nrequire github.com/pulumi/pulumi/sdk/v3 v%s\n' \
  "$MIN_GO_VERSION" "$version" >"$go_program/go.mod"
cat >"$go_program/main.go" <<'GO'
// The smallest Pulumi Go program, built once by scripts/build-pulumi-cli.sh to fill the Go caches.
package main

import (
	_ "github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumix"
	_ "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func main() { pulumi.Run(func(*pulumi.Context) error { return nil }) }
GO
cd "$go_program"
go_run mod tidy ||
  fail "fetching the Go SDK github.com/pulumi/pulumi/sdk/v3@v$version and its modules for Go programs failed (see above)"
go_run build -buildvcs=false -trimpath -ldflags "-w -s" -o "$build_dir/go-program.bin" . ||
  fail "compiling the smallest Go program against github.com/pulumi/pulumi/sdk/v3@v$version failed (see above)"
rm -f "$build_dir/go-program.bin"
go_seconds=$((SECONDS - started - cli_seconds - host_seconds - yaml_seconds))
cp "$shim_source" "$build_dir/bin/pulumi-resource-pulumi-nodejs"
chmod 0755 "$build_dir/bin/pulumi-resource-pulumi-nodejs"

reported="$("$build_dir/bin/pulumi" version)"
[[ "$reported" == "v$version" ]] || fail "the built pulumi reports '$reported', expected v$version"
echo "$stamp" >"$build_dir/stamp"
rm -rf "$GOTMPDIR"

old_dir=""
if [[ -e "$install_dir" ]]; then
  old_dir="$(mktemp -d "$cache_root/.pulumi-v$version.old.XXXXXX")"
  mv "$install_dir" "$old_dir/"
fi
mv "$build_dir" "$install_dir"
trap - EXIT
[[ -z "$old_dir" ]] || rm -rf "$old_dir"

say "built in $((SECONDS - started)) s (pulumi ${cli_seconds} s, language hosts ${host_seconds} s, YAML host ${yaml_seconds} s, Go program modules ${go_seconds} s); $(du -sh "$bin_dir" | cut -f 1) in $bin_dir"
echo "$bin_dir"
