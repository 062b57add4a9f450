#!/usr/bin/env bash
# Unit tests of the project's Go code (the Node.js and Go language hosts and what they share), with the same
# self-contained Go caches as scripts/build-pulumi-cli.sh, so they never touch the user's own Go caches.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache_root="${PULUMI_WFP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-wfp-assets}"
go_bin="$(command -v go || true)"
[[ -n "$go_bin" || ! -x /usr/local/go/bin/go ]] || go_bin=/usr/local/go/bin/go
[[ -n "$go_bin" ]] || { echo "go-test.sh: Go is needed for the language hosts' tests but 'go' is not on PATH" >&2; exit 1; }
# The build flags of scripts/build-pulumi-cli.sh (CGO_ENABLED=0, -trimpath, its tags), so the packages compiled here
# (the Go host pulls in pulumi's pkg/v3 code generator) are reused by the CLI build and the other way round.
export GOTOOLCHAIN=local GOMODCACHE="$cache_root/go/mod" GOCACHE="$cache_root/go/build" CGO_ENABLED=0 \
  GOFLAGS="-buildvcs=false -modcacherw -trimpath -tags=osusergo,grpcnotrace"
cd "$repo/tools/pulumi-cli"
"$go_bin" test ./...
