#!/usr/bin/env bash
# Installs the OpenTelemetry Python SDK and its OTLP exporters (HTTP and gRPC) from PyPI into a venv,
# a sender written by nobody here, for the collector's fidelity test
# (test/e2e/collector/python-fidelity.e2e.test.ts). Needs python3 with venv; about 15 s cold.
# Idempotent; prints the venv's python on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_lock python-otel

otel_version=1.45.2
venv="$E2E_CACHE/python-otel-$otel_version"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import opentelemetry.exporter.otlp.proto.grpc._log_exporter, opentelemetry.exporter.otlp.proto.http._log_exporter' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  e2e_timed "pip install opentelemetry-sdk $otel_version" "$venv/bin/pip" install -q --disable-pip-version-check \
    "opentelemetry-sdk==$otel_version" \
    "opentelemetry-exporter-otlp-proto-http==$otel_version" \
    "opentelemetry-exporter-otlp-proto-grpc==$otel_version" >&2
fi
echo "$venv/bin/python"
