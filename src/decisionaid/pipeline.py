"""The short orchestration that the CLI, the web form and the batch share: a profile to its
assessment, its sheet model, and the sheet's HTML or PDF, with the pack and engine built once
per rules folder (evaluation/packs.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from .evaluation.assess import Assessment, assess
from .evaluation.packs import rule_pack_and_engine, rule_pack_in
from .plumbing.i18n import SOURCE_LANGUAGE, Language, speaking
from .profile.model import Profile
from .sheet import Document, Sheet, build_sheet, render_html, render_pdf, render_screen


def assess_profile(profile: Profile, rules_dir: str | Path | None = None, language: Language = SOURCE_LANGUAGE) -> Assessment:
    """The assessment; its texts in `language` (the JSON contract is always made in English)."""
    pack, engine = rule_pack_in(language, rules_dir)
    with speaking(language):
        return assess(profile, pack, engine)


def make_sheet(profile: Profile, *, sheet_date: dt.date, large_print: bool = False, document: Document = "visit",
               rules_dir: str | Path | None = None, language: Language = SOURCE_LANGUAGE) -> Sheet:
    """The visit sheet (default) or the booklet for `profile`, in `language`."""
    pack, engine = rule_pack_in(language, rules_dir)
    with speaking(language):
        return build_sheet(assess(profile, pack, engine), pack, profile, sheet_date=sheet_date, large_print=large_print,
                           document=document)


def sheet_pdf(profile: Profile, *, sheet_date: dt.date, large_print: bool = False, document: Document = "visit",
              rules_dir: str | Path | None = None, language: Language = SOURCE_LANGUAGE) -> bytes:
    return render_pdf(make_sheet(profile, sheet_date=sheet_date, large_print=large_print, document=document,
                                 rules_dir=rules_dir, language=language))


def sheet_html(profile: Profile, *, sheet_date: dt.date, large_print: bool = False, document: Document = "visit",
              rules_dir: str | Path | None = None, language: Language = SOURCE_LANGUAGE) -> str:
    return render_html(make_sheet(profile, sheet_date=sheet_date, large_print=large_print, document=document,
                                  rules_dir=rules_dir, language=language))


def sheet_screen(profile: Profile, *, sheet_date: dt.date, large_print: bool = False,
                 carried: Sequence[tuple[str, str]] = (), rules_dir: str | Path | None = None,
                 language: Language = SOURCE_LANGUAGE) -> str:
    """The visit sheet as a page on screen; `carried` are the answers its buttons post again."""
    return render_screen(make_sheet(profile, sheet_date=sheet_date, large_print=large_print, rules_dir=rules_dir,
                                    language=language), carried)
