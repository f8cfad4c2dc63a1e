"""Where the shipped rule pack, templates and seed documents live.

An installed wheel carries them inside the package (decisionaid/_data/...); a source checkout
keeps them at the top of the repository. Either way the same names resolve.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # src/decisionaid, above plumbing/
_CHECKOUT = _PACKAGE.parent.parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _CHECKOUT / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"decisionaid is installed without its '{name}' folder")


def default_rules_dir() -> Path:
    return _find("rules")


def templates_dir() -> Path:
    return _find("templates")


def seeds_dir() -> Path:
    return _find("seeds")
