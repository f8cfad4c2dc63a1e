#!/usr/bin/env bash
# Set everything up and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# chromium: the browser tests drive Debian's Chromium (Playwright cannot download its own here)
export DECISIONAID_EXTRA_APT="poppler-utils chromium ${DECISIONAID_EXTRA_APT:-}"
# npm: the browser tests check the pages with axe-core, from the npm registry, kept in .venv/node
command -v npm >/dev/null 2>&1 || export DECISIONAID_EXTRA_APT="npm ${DECISIONAID_EXTRA_APT}"
source scripts/setup.sh -e ".[test]"
AXE_VERSION=4.14.1
if ! grep -qs "\"version\": \"$AXE_VERSION\"" .venv/node/node_modules/axe-core/package.json; then
  npm install --prefix .venv/node --no-audit --no-fund --silent "axe-core@$AXE_VERSION" >/dev/null
fi
.venv/bin/python -m pytest "$@"
