"""The short orchestration that the CLI, the web form and the batch share.

One rule pack and one RuleEngine per rules folder and process: durable-rules never frees a
compiled ruleset, so engines are built once and reused.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from .assess import Assessment, assess
from .engine import RuleEngine
from .loader import load_rule_pack
from .profile import Profile
from .resources import default_rules_dir
from .rulepack import RulePack
from .sheet import Document, Sheet, build_sheet, render_html, render_pdf

_engines: dict[Path, tuple[RulePack, RuleEngine]] = {}
_lock = threading.Lock()


def rule_pack_and_engine(rules_dir: str | Path | None = None) -> tuple[RulePack, RuleEngine]:
    """The checked rule pack in `rules_dir` (default: the shipped one) and its engine, built once."""
    root = Path(rules_dir).resolve() if rules_dir is not None else default_rules_dir().resolve()
    with _lock:
        if root not in _engines:
            pack = load_rule_pack(root)
            _engines[root] = (pack, RuleEngine(pack))
        return _engines[root]


def assess_profile(profile: Profile, rules_dir: str | Path | None = None) -> Assessment:
    pack, engine = rule_pack_and_engine(rules_dir)
    return assess(profile, pack, engine)


def make_sheet(profile: Profile, *, sheet_date: dt.date, large_print: bool = False, document: Document = "visit",
               rules_dir: str | Path | None = None) -> Sheet:
    """The visit sheet (default) or the booklet for `profile`."""
    pack, engine = rule_pack_and_engine(rules_dir)
    return build_sheet(assess(profile, pack, engine), pack, profile, sheet_date=sheet_date, large_print=large_print,
                       document=document)


def sheet_pdf(profile: Profile, *, sheet_date: dt.date, large_print: bool = False, document: Document = "visit",
              rules_dir: str | Path | None = None) -> bytes:
    return render_pdf(make_sheet(profile, sheet_date=sheet_date, large_print=large_print, document=document,
                                 rules_dir=rules_dir))


def sheet_html(profile: Profile, *, sheet_date: dt.date, large_print: bool = False, document: Document = "visit",
               rules_dir: str | Path | None = None) -> str:
    return render_html(make_sheet(profile, sheet_date=sheet_date, large_print=large_print, document=document,
                                  rules_dir=rules_dir))
