#!/usr/bin/env bash
# Installs and builds every e2e backend up front, printing how long each took; CI runs this before
# the e2e suite so that build time is not charged to a test hook. Each step is idempotent and cached
# under ${OTEL_LOGKIT_CACHE:-$HOME/.cache/otel-logkit}/e2e, so a second run takes seconds.
# Usage: bash test/e2e/install.sh [collector|opensearch|loki|s3|kafka|collector-kafka|chromium|python-otel ...]   (default: all)
# chromium is Debian's package, for the HTML view's browser test in `npm test`; s3 is versitygw;
# python-otel is the OpenTelemetry Python SDK (PyPI, in a venv), a sender for the collector's fidelity test.
set -euo pipefail
scripts="$(cd "$(dirname "$0")" && pwd)/scripts"
source "$scripts/lib.sh"

backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(collector opensearch loki s3 kafka collector-kafka chromium python-otel)

total_start=$SECONDS
for backend in "${backends[@]}"; do
  start=$SECONDS
  result=$(bash "$scripts/install-$backend.sh")
  e2e_log "$backend ready in $((SECONDS - start)) s: $result"
done
e2e_log "all backends ready in $((SECONDS - total_start)) s (cache $E2E_CACHE)"
