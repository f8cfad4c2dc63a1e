#!/usr/bin/env bash
# Set up decisionaid on a fresh Debian machine: system libraries (installed only when missing),
# a virtual environment in .venv, and the package. Sourced by example.sh and test.sh.
#   usage: source scripts/setup.sh [pip install arguments, default "."]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need_apt=()
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# WeasyPrint needs Pango; harfbuzz-subset makes rendering about 1.9x faster; gcc builds durable-rules.
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gcc; do
  have_deb "$pkg" || need_apt+=("$pkg")
done
for pkg in ${DECISIONAID_EXTRA_APT:-}; do
  have_deb "$pkg" || need_apt+=("$pkg")
done

pick_python() {
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 12) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}
PYTHON=$(pick_python || true)
if [ -z "$PYTHON" ]; then
  need_apt+=(python3 python3-venv python3-dev)
elif ! "$PYTHON" -c 'import ensurepip, sysconfig, os; assert os.path.exists(sysconfig.get_paths()["include"] + "/Python.h")' 2>/dev/null; then
  need_apt+=(python3-venv python3-dev)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need_apt[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  PYTHON=$(pick_python) || { echo "setup: Python 3.11 or 3.12 is required" >&2; exit 1; }
fi

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 12) else 1)'; then
  rm -rf .venv
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
[ $# -gt 0 ] || set -- .
.venv/bin/python -m pip install -q "$@"
