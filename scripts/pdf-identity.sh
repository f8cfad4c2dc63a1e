#!/usr/bin/env bash
# Render every example as a visit sheet and a booklet, normal and large print, with a fixed date,
# and print one SHA-256 line per PDF: run before and after a change that must not alter the PDFs,
# then diff the two outputs.   usage: bash scripts/pdf-identity.sh > before.txt
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for profile in examples/*.yaml examples/fhir/*.json; do
  [ -e "$profile" ] || continue
  name=$(basename "$profile")
  for kind in visit booklet; do
    for print in normal large; do
      args=(--date 2026-12-04)
      [ "$kind" = booklet ] && args+=(--booklet)
      [ "$print" = large ] && args+=(--large-print)
      pdf="$out/$name.$kind.$print.pdf"
      .venv/bin/decisionaid sheet "$profile" "${args[@]}" -o "$pdf" 2>/dev/null || echo "failed" > "$pdf"
      echo "$(sha256sum < "$pdf" | cut -c1-16)  $name $kind $print"
    done
  done
done
