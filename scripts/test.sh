#!/usr/bin/env bash
# Set everything up and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# chromium: the browser tests drive Debian's Chromium (Playwright cannot download its own here);
# redis-server: the CDS Hooks tests share one replay cache between two copies of the service
export DECISIONAID_EXTRA_APT="poppler-utils chromium redis-server ${DECISIONAID_EXTRA_APT:-}"
source scripts/setup.sh -e ".[test]"
.venv/bin/python -m pytest "$@"
