# Sourced by the Collector install scripts: builds one Collector distribution with the official
# builder, from the Go module proxy. Idempotent: the binary is cached under a name that includes the
# manifest's hash, so a second run does nothing.
# e2e_build_collector BUILDER_VERSION MANIFEST: prints the binary's path on stdout.
# The manifest's dist.name must be otelcol-logkit.
e2e_build_collector() {
  local builder_version=$1 manifest=$2
  local hash bin builder tmpbin work
  hash=$(sha256sum "$manifest" | cut -c1-12)
  bin="$E2E_CACHE/bin/otelcol-logkit-$builder_version-$hash"
  if [ ! -x "$bin" ]; then
    builder="$E2E_CACHE/bin/builder-$builder_version"
    if [ ! -x "$builder" ]; then
      e2e_log "installing collector builder $builder_version"
      tmpbin=$(mktemp -d)
      GOBIN="$tmpbin" go install "go.opentelemetry.io/collector/cmd/builder@$builder_version"
      mv "$tmpbin/builder" "$builder"
      rmdir "$tmpbin"
    fi
    work="$E2E_CACHE/collector-src/$hash"
    rm -rf "$work"
    mkdir -p "$work"
    e2e_log "building collector ($manifest) in $work"
    # The builder's `go mod tidy` also resolves the test imports of every component, and some of
    # those (contrib's otlpencodingextension, imported by fileexporter's tests) are not served by the
    # module proxy we can reach. `-e` in GOFLAGS reaches only the commands that know it (tidy), which
    # then records what it can; the build itself needs none of the missing modules.
    GOFLAGS="$GOFLAGS -e" "$builder" --config="$manifest" --output-path="$work" \
      --ldflags="-s -w" >"$work.build.log" 2>&1 || {
      tail -50 "$work.build.log" >&2
      return 1
    }
    mv "$work/otelcol-logkit" "$bin.tmp"
    mv "$bin.tmp" "$bin"
    rm -rf "$work"
  fi
  echo "$bin"
}
