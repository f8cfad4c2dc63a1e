"""The one Sheet model, and its builder: everything a document prints for an assessment, in plain words.

Both documents are built from it: the three-page visit sheet (visit.py) and the full booklet
(booklet.py). What they share is here: the condition and the decision, the Option Grid, the SURE
test, the trust marks and the reproducibility stamp. Each document numbers its sources in the order
it cites them, so the visit sheet lists only the sources of its own three pages. Templates receive
the finished model and contain no rule logic.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..plumbing.i18n import PACK, SOURCE_LANGUAGE, Language, catalogue_date
from .. import __version__
from ..evaluation.assess import Assessment
from ..pack.models import RulePack
from ..plumbing.i18n import _, ngettext, number, word_list
from ..profile.model import Profile
from .booklet import Booklet, build_booklet
from .fields import missing_text
from .grid import Grid
from .parts import SureView
from .sources import RefView, SourceNumbering, SourceView
from .text import SheetText, sheet_text
from .visit import Visit, build_visit

Document = Literal["visit", "booklet"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sheet(_Frozen):
    document: Document
    title: str
    description: str
    sheet_date: dt.date
    large_print: bool
    patient_name: str
    condition: list[str]
    condition_refs: list[RefView]
    decision: str
    not_advice: str
    grid_help: str
    grid_numbers: str
    numbers_help: str
    grids: list[Grid]
    missing: list[str]  # not answered
    #: of the missing facts, those a FHIR record was read for and did not hold ("not found in the record")
    not_in_record: list[str] = []
    sure: SureView
    sources: list[SourceView]
    reading_level: tuple[str, str]  # the text before and after the measured grade (render.GRADE_SLOT)
    alternatives: str
    pack_name: str
    pack_title: str
    pack_version: str
    reviewed: dt.date
    next_review: dt.date
    stale: bool
    funding: str
    conflicts_of_interest: str
    update_policy: str
    authors: list[str]
    reviewers: list[str]
    review_statement: str  # whether MS clinicians outside the team reviewed the content, in plain words
    language: Language  # the language it speaks; its templates render in it (render.py)
    translation_statement: str  # whether a clinician who speaks the language reviewed the translation ("" in English)
    catalogue_date: str  # the date of the pack's catalogue in this language ("" in English): the stamp gives it
    answer_checks: list[str]  # answers that seldom go together (consistency warnings): to check, no status changed
    profile_digest: str
    pack_digest: str
    program_version: str
    remake_command: str
    booklet: Booklet | None  # the booklet's own parts (document "booklet")
    visit: Visit | None  # the visit sheet's own parts (document "visit")


def build_sheet(assessment: Assessment, pack: RulePack, profile: Profile, *, sheet_date: dt.date,
                large_print: bool = False, document: Document = "visit") -> Sheet:
    """Everything `document` prints for this assessment, its sources numbered in the order it cites them."""
    text = sheet_text()
    numbering = SourceNumbering(pack, text.sources)
    condition_refs = numbering.refs(text.condition_sources)
    results = list(assessment.options)  # the pack's one fixed order, never by status (sheet-text.yaml: order_help)
    if document == "booklet":
        grids, sure, booklet = build_booklet(results, assessment, pack, profile, numbering, text, large_print)
        visit = None
    else:
        grids, sure, visit = build_visit(results, assessment, pack, profile, numbering, text)
        booklet = None
    meta = pack.meta
    gaps = set(profile.not_in_record)  # fields a FHIR record was read for and did not hold
    flags = (("" if document == "visit" else " --booklet") + (" --large-print" if large_print else "")
             + ("" if pack.language == SOURCE_LANGUAGE else f" --lang {pack.language}"))
    return Sheet(
        document=document,
        title=text.visit_title if document == "visit" else text.booklet_title,
        description=text.description,
        sheet_date=sheet_date,
        large_print=large_print,
        patient_name=profile.name or "",
        condition=_condition(profile, text),
        condition_refs=condition_refs,
        decision=text.decision,
        not_advice=text.not_advice,
        grid_help=text.grid_help,
        grid_numbers=text.grid_numbers,
        numbers_help=text.numbers_help,
        grids=grids,
        missing=[missing_text(f) for f in assessment.missing_information if f.split(".")[0] not in gaps],
        not_in_record=[missing_text(f) for f in assessment.missing_information if f.split(".")[0] in gaps],
        sure=sure,
        sources=numbering.views(),
        reading_level=tuple(text.about.reading_level.split("{grade}", 1)),
        alternatives=text.about.alternatives,
        pack_name=meta.name,
        pack_title=meta.title,
        pack_version=meta.version,
        reviewed=meta.reviewed,
        next_review=meta.next_review,
        stale=sheet_date > meta.next_review,
        funding=meta.funding,
        conflicts_of_interest=meta.conflicts_of_interest,
        update_policy=meta.update_policy,
        authors=list(meta.authors),
        reviewers=list(meta.reviewers),
        review_statement=meta.review_statement,
        language=pack.language,
        translation_statement=meta.translation_statement(pack.language),
        catalogue_date=catalogue_date(Path(pack.rules_dir), pack.language, PACK),
        answer_checks=[w.text for w in assessment.consistency_warnings],
        profile_digest=assessment.profile_digest,
        pack_digest=assessment.rule_pack_digest,
        program_version=__version__,
        remake_command=f"decisionaid sheet PROFILE --date {sheet_date.isoformat()}{flags}",
        booklet=booklet,
        visit=visit,
    )


def _condition(profile: Profile, text: SheetText) -> list[str]:
    """The condition in plain words: the type of MS, then what the profile says about recent activity."""
    lines = [text.condition[profile.ms_type]]
    facts = []
    if profile.relapses_last_12_months is not None:
        n = profile.relapses_last_12_months
        facts.append(ngettext("{count} relapse in the last 12 months", "{count} relapses in the last 12 months",
                              n).format(count=number(n)))
    mri = profile.mri_last_12_months
    if mri is not None and mri.new_or_enlarging_t2_lesions is not None:
        n = mri.new_or_enlarging_t2_lesions
        # TRANSLATORS: follows "relapses in the last 12 months" in "You told us you had ..."
        facts.append(ngettext("{count} new or larger MRI lesion in that time",
                              "{count} new or larger MRI lesions in that time", n).format(count=number(n)))
    if facts:
        # TRANSLATORS: {facts} is the relapses, the new MRI lesions, or both
        lines.append(_("You told us you had {facts}.").format(facts=word_list(facts)))
    if profile.current_dmt is not None:
        drug = profile.current_dmt
        lines.append(_("You take no MS drug now.") if drug.strip().lower() == "none"
                     else _("Your MS drug now is {drug}.").format(drug=drug))
    return lines



