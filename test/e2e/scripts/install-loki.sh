#!/usr/bin/env bash
# Builds Grafana Loki (single binary) from its module source on the Go module proxy.
# `go install github.com/grafana/loki/v3/cmd/loki@VERSION` refuses because Loki's go.mod has replace
# directives; building inside the module's own source directory honours them. One of them points
# github.com/grafana/loki/pkg/push at ./pkg/push, a nested module that the module zip leaves out,
# so we download that module at the version Loki's go.mod requires and put it where the replace
# expects it. Idempotent; prints the binary's path on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_lock loki

loki_version=v3.7.8
bin="$E2E_CACHE/bin/loki-$loki_version"

if [ ! -x "$bin" ]; then
  src_ro=$(go mod download -json "github.com/grafana/loki/v3@$loki_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  push_version=$(awk '$1 == "github.com/grafana/loki/pkg/push" && $2 ~ /^v/ { print $2; exit }' "$src_ro/go.mod")
  push_ro=$(go mod download -json "github.com/grafana/loki/pkg/push@$push_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  work="$E2E_CACHE/loki-src/$loki_version"
  rm -rf "$work"
  mkdir -p "$(dirname "$work")"
  cp -r "$src_ro" "$work"
  chmod -R u+w "$work"
  mkdir -p "$work/pkg/push"
  cp -r "$push_ro/." "$work/pkg/push/"
  chmod -R u+w "$work/pkg/push"
  e2e_log "building loki $loki_version (pkg/push $push_version) in $work"
  (cd "$work" && CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=readonly" \
    go build -trimpath -tags netgo \
    -ldflags "-s -w -X github.com/grafana/loki/v3/pkg/util/build.Version=$loki_version" -o "$bin.tmp" ./cmd/loki) >"$work.build.log" 2>&1 || {
    tail -50 "$work.build.log" >&2
    exit 1
  }
  mv "$bin.tmp" "$bin"
  rm -rf "$work"
fi
echo "$bin"
