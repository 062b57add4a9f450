#!/usr/bin/env bash
# Unit tests of the project's Go code (the Node.js language host), with the same self-contained Go caches
# as scripts/build-pulumi-cli.sh, so they never touch the user's own Go caches.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache_root="${PULUMI_WFP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wfp-assets}"
go_bin="$(command -v go || true)"
[[ -n "$go_bin" || ! -x /usr/local/go/bin/go ]] || go_bin=/usr/local/go/bin/go
[[ -n "$go_bin" ]] || { echo "go-test.sh: Go is needed for the language host's tests but 'go' is not on PATH" >&2; exit 1; }
export GOTOOLCHAIN=local GOMODCACHE="$cache_root/go/mod" GOCACHE="$cache_root/go/build" GOFLAGS="-buildvcs=false -modcacherw"
cd "$repo/tools/pulumi-cli"
"$go_bin" test ./...
