#!/usr/bin/env bash
# Installs Debian's chromium for the HTML view's browser test (test/src/cli/view/html-in-chromium.test.ts,
# run by `npm test`), which drives it headless through puppeteer-core. Nothing is downloaded by npm: the
# browser is the system package. Idempotent (skipped when a chromium is on PATH); needs root, as CI is.
# Prints the binary's path on stdout.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
fi
command -v chromium
