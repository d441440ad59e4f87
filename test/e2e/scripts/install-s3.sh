#!/usr/bin/env bash
# Builds versitygw (the Versity S3 Gateway, Apache-2.0), a real S3-compatible server, from the Go
# module proxy: `go install github.com/versity/versitygw/cmd/versitygw@VERSION`. Its posix backend
# serves a plain directory (one subdirectory per bucket), which is all the archive tests need.
# MinIO was the other candidate: its module has replace directives and a far larger build, and
# versitygw builds with plain `go install` in about 100 s on two cores. Idempotent; prints the binary's path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_lock s3

versitygw_version=v1.8.0
bin="$E2E_CACHE/bin/versitygw-$versitygw_version"

if [ ! -x "$bin" ]; then
  gobin="$E2E_CACHE/versitygw-build"
  rm -rf "$gobin"
  e2e_log "building versitygw $versitygw_version"
  CGO_ENABLED=0 GOBIN="$gobin" go install -trimpath -ldflags "-s -w" "github.com/versity/versitygw/cmd/versitygw@$versitygw_version" >"$gobin.build.log" 2>&1 || {
    tail -50 "$gobin.build.log" >&2
    exit 1
  }
  mv "$gobin/versitygw" "$bin"
  rm -rf "$gobin" "$gobin.build.log"
fi
echo "$bin"
