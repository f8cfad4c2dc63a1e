#!/usr/bin/env bash
# Page 1 of two example sheets (and one in large print) as PNG under docs/, for the README.
#   usage: bash scripts/docs-images.sh   (needs .venv from scripts/setup.sh and poppler-utils)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
page1() {  # profile, output name, extra sheet options
  .venv/bin/decisionaid sheet "examples/$1.yaml" -o "$tmp/$2.pdf" --date 2026-11-22 "${@:3}" >/dev/null
  pdftoppm -r 110 -png -f 1 -l 1 -singlefile "$tmp/$2.pdf" "docs/sheet-page1-$2"
}
page1 rrms-breakthrough-high-efficacy rrms-breakthrough-high-efficacy
page1 spms-active spms-active
page1 spms-active spms-active-large-print --large-print
