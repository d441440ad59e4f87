#!/usr/bin/env bash
# Builds the e2e OpenTelemetry Collector (collector/builder.yaml) with the official builder, from the
# Go module proxy (see build-collector.sh). Prints the binary's path on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/build-collector.sh"
e2e_lock collector

e2e_build_collector v0.162.0 "$E2E_DIR/collector/builder.yaml"
