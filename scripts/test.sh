#!/usr/bin/env bash
# Set everything up and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# chromium: the browser tests drive Debian's Chromium (Playwright cannot download its own here)
export DECISIONAID_EXTRA_APT="poppler-utils chromium ${DECISIONAID_EXTRA_APT:-}"
source scripts/setup.sh -e ".[test]"
.venv/bin/python -m pytest "$@"
