#!/usr/bin/env bash
# Set everything up and make the example visit sheet: example-sheet.pdf
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh .
.venv/bin/decisionaid sheet examples/rrms-breakthrough-high-efficacy.yaml -o example-sheet.pdf
echo "Open example-sheet.pdf to see the visit sheet."
