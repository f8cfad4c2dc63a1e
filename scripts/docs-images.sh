#!/usr/bin/env bash
# Pages of example sheets as PNG under docs/, for the README: page 1 and page 3 of the visit sheet for
# two examples, page 1 of one in large print, and page 1 of the booklet (the same examples); and the
# booklet's length over the examples, for the form and the README (scripts/document_lengths.py).
#   usage: bash scripts/docs-images.sh   (needs .venv from scripts/setup.sh and poppler-utils)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
page() {  # profile, output name, page number, extra sheet options
  .venv/bin/decisionaid sheet "examples/$1.yaml" -o "$tmp/$2.pdf" --date 2026-11-22 "${@:4}" >/dev/null 2>&1
  pdftoppm -r 110 -png -f "$3" -l "$3" -singlefile "$tmp/$2.pdf" "docs/$2-page$3"
}
for example in rrms-breakthrough-high-efficacy spms-active; do
  page "$example" "visit-$example" 1
  page "$example" "visit-$example" 3
done
page spms-active visit-spms-active-large-print 1 --large-print
# the booklet's page 1 (the file names these pictures had before the visit sheet)
page rrms-breakthrough-high-efficacy booklet 1 --booklet && mv docs/booklet-page1.png docs/sheet-page1-rrms-breakthrough-high-efficacy.png
page spms-active booklet 1 --booklet && mv docs/booklet-page1.png docs/sheet-page1-spms-active.png
page spms-active booklet 1 --booklet --large-print && mv docs/booklet-page1.png docs/sheet-page1-spms-active-large-print.png
.venv/bin/python scripts/document_lengths.py
