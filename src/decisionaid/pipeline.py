"""The short orchestration that the CLI, the web form and the batch share: a profile to its
assessment, its sheet model, and the sheet's HTML or PDF, with the pack and engine built once
per rules folder (evaluation/packs.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from .evaluation.assess import Assessment, assess
from .evaluation.packs import rule_pack_and_engine
from .profile.model import Profile
from .sheet import Document, Sheet, build_sheet, render_html, render_pdf, render_screen


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


def sheet_screen(profile: Profile, *, sheet_date: dt.date, large_print: bool = False,
                 carried: Sequence[tuple[str, str]] = (), rules_dir: str | Path | None = None) -> str:
    """The visit sheet as a page on screen; `carried` are the answers its buttons post again."""
    return render_screen(make_sheet(profile, sheet_date=sheet_date, large_print=large_print, rules_dir=rules_dir),
                         carried)
