#!/usr/bin/env bash
# Set everything up and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export DECISIONAID_EXTRA_APT="poppler-utils ${DECISIONAID_EXTRA_APT:-}"
source scripts/setup.sh -e ".[test]"
.venv/bin/python -m pytest "$@"
