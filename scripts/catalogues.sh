#!/usr/bin/env bash
# The translation catalogues, with Babel: extract the English, update every language (a changed
# English sentence makes its translation fuzzy), compile .po to .mo. Run after changing any text a
# patient reads; `decisionaid rules check --strict` then lists what each language still needs.
#   usage: bash scripts/catalogues.sh [LANGUAGE...]   (default: every language with a catalogue)
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel=".venv/bin/pybabel"
languages=("$@")
if [ ${#languages[@]} -eq 0 ]; then
  languages=($(ls rules/locale templates/locale | grep -E '^[a-z]{2}$' | sort -u))
fi
options=(--no-wrap --sort-by-file --project=decisionaid --copyright-holder="decisionaid authors"
         --msgid-bugs-address="" --omit-header)

"$pybabel" -q extract -F rules/locale/babel.cfg -o rules/locale/pack.pot "${options[@]}" rules
"$pybabel" -q extract -F templates/locale/babel.cfg -o templates/locale/messages.pot "${options[@]}" \
  -k N_ -k ngettext:1,2 -k pgettext:1c,2 -k _field:3 --add-comments=TRANSLATORS: .

for language in "${languages[@]}"; do
  for pair in "rules/locale pack" "templates/locale messages"; do
    set -- $pair
    po="$1/$language/LC_MESSAGES/$2.po"
    if [ -f "$po" ]; then
      "$pybabel" -q update --no-wrap --ignore-pot-creation-date --ignore-obsolete -i "$1/$2.pot" -d "$1" -D "$2" -l "$language"
    else
      "$pybabel" -q init --no-wrap -i "$1/$2.pot" -d "$1" -D "$2" -l "$language"
    fi
    .venv/bin/python -m decisionaid.authoring.catalogues "$po"  # .po to .mo (pybabel compile's own checks
    # take the pack's "35% cut" for a placeholder; `rules check` compares placeholders instead)
  done
done
