"""From an Assessment to the Sheet model: everything the discussion sheet prints, in plain words.

The template receives this finished model and contains no rule logic.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from . import __version__
from .assess import Assessment, OptionResult, StatementResult
from .facts import FIELDS
from .profile import Profile
from .rulepack import Frequency, RulePack

STATUS_TEXT = {
    "discuss": "Worth discussing: fits the published criteria",
    "discuss_with_caution": "Worth discussing, with cautions",
    "trial_only": "Only inside a clinical trial",
    "unlikely_to_fit": "Unlikely to fit you now",
    "research_only": "Laboratory research only: not a treatment yet",
    "needs_information": "We need more information",
}
STATUS_ORDER = list(STATUS_TEXT)
CERTAINTY_TEXT = {
    "high": "High: we are very sure",
    "moderate": "Moderate: we are fairly sure",
    "low": "Low: we are not very sure",
    "very_low": "Very low: we are not sure at all",
    "none": "None: no studies in people",
}
KIND_TEXT = {
    "guideline": "guideline",
    "peer_reviewed_trial": "published trial",
    "peer_reviewed_review": "published review",
    "registry_cohort": "registry or cohort study",
    "trial_registry": "trial registration",
    "nonprofit": "nonprofit organisation",
    "research_summary": "plain-language research summary",
    "news": "news or secondary summary",
    "patient_blog": "patient blog",
    "commercial_clinic": "COMMERCIAL: a clinic that sells treatment",
}
PROFILE_LABELS = {
    "name": "Name",
    "age": "Age",
    "sex": "Sex",
    "ms_type": "Type of MS",
    "years_since_first_symptoms": "Years since first symptoms",
    "edss": "EDSS score",
    "walking": "Walking",
    "relapses_last_12_months": "Relapses in the last 12 months",
    "relapses_last_24_months": "Relapses in the last 24 months",
    "mri_last_12_months.new_or_enlarging_t2_lesions": "New or larger T2 lesions on MRI (12 months)",
    "mri_last_12_months.gadolinium_enhancing_lesions": "Enhancing (gadolinium) lesions on MRI (12 months)",
    "disability_worsening_last_12_months": "Disability got worse in the last 12 months",
    "current_dmt": "Current MS drug",
    "current_dmt_months": "Months on the current drug",
    "prior_dmts": "Earlier MS drugs",
    "comorbidities": "Other health conditions",
    "pregnant_or_breastfeeding": "Pregnant or breastfeeding",
    "plans_children": "Plans to have children",
    "open_to_clinical_trials": "Open to clinical trials",
    "considering_clinic_abroad": "Considering a clinic abroad",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Row(_Frozen):
    label: str
    value: str


class NumberLine(_Frozen):
    """One natural frequency in both framings, with what it needs for an icon array."""

    count: int
    denominator: int
    had: str
    did_not: str
    context: str
    refs: list[int]


class StatementView(_Frozen):
    text: str
    numbers: list[NumberLine]
    certainty: str
    refs: list[int]


class ReasonView(_Frozen):
    state: str
    label: str
    text: str
    threshold: str
    refs: list[int]


class OptionView(_Frozen):
    id: str
    title: str
    short_title: str
    status: str
    status_text: str
    reason: str
    summary: str
    what_it_is_like: list[str]
    availability: str
    certainty: str
    maturity: str
    evidence_summary: str
    reasons_met: list[ReasonView]
    reasons_not_met: list[ReasonView]
    reasons_unknown: list[ReasonView]
    benefits: list[StatementView]
    risks: list[StatementView]
    questions: list[str]
    refs: list[int]


class SourceView(_Frozen):
    number: int
    id: str
    title: str
    citation: str
    kind: str
    commercial: bool
    url: str
    note: str


class CorrectionView(_Frozen):
    quote: str
    source_ref: int
    assessment: str
    comment: str
    refs: list[int]


class Sheet(_Frozen):
    title: str
    sheet_date: dt.date
    large_print: bool
    patient_name: str
    profile_rows: list[Row]
    missing: list[str]
    options: list[OptionView]
    sources: list[SourceView]
    corrections: list[CorrectionView]
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
    profile_digest: str
    pack_digest: str
    program_version: str


def build_sheet(assessment: Assessment, pack: RulePack, profile: Profile, *, sheet_date: dt.date, large_print: bool = False) -> Sheet:
    """Everything the sheet prints for this assessment, numbered sources included."""
    numbering = _SourceNumbering(pack)
    options = [_option_view(result, pack, numbering) for result in assessment.options]
    corrections = [
        CorrectionView(quote=q.text, source_ref=numbering.ref(q.source), assessment=q.assessment.replace("_", " "),
                       comment=q.comment, refs=numbering.refs(q.better_sources))
        for option in pack.options.values()
        for q in [*option.quotes, *(q for kind in ("criteria", "benefits", "risks") for item in getattr(option, kind) for q in item.quotes)]
        if q.assessment != "consistent"
    ]
    meta = pack.meta
    return Sheet(
        title="Your MS treatment options: a sheet to discuss with your MS team",
        sheet_date=sheet_date,
        large_print=large_print,
        patient_name=profile.name or "",
        profile_rows=_profile_rows(profile),
        missing=[_missing_text(field) for field in assessment.missing_information],
        options=options,
        sources=numbering.views(),
        corrections=corrections,
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
        profile_digest=assessment.profile_digest,
        pack_digest=assessment.rule_pack_digest,
        program_version=__version__,
    )


class _SourceNumbering:
    """Numbers sources in order of first citation, so reference [1] is the first one cited."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.numbers: dict[str, int] = {}

    def ref(self, source_id: str) -> int:
        return self.numbers.setdefault(source_id, len(self.numbers) + 1)

    def refs(self, source_ids: list[str]) -> list[int]:
        return sorted({self.ref(s) for s in source_ids})

    def views(self) -> list[SourceView]:
        views = []
        for source_id, number in self.numbers.items():
            s = self.pack.sources[source_id]
            views.append(SourceView(number=number, id=s.id, title=s.title, citation=s.citation, kind=KIND_TEXT[s.kind],
                                    commercial=s.commercial, url=s.url, note=s.note))
        return views


def _option_view(result: OptionResult, pack: RulePack, numbering: _SourceNumbering) -> OptionView:
    option = pack.options[result.id]

    def reasons(state: str) -> list[ReasonView]:
        return [ReasonView(state=c.state, label=c.label, text=c.text, threshold=c.threshold, refs=numbering.refs(c.sources))
                for c in result.criteria if c.state == state]

    return OptionView(
        id=result.id,
        title=result.title,
        short_title=option.short_title,
        status=result.status,
        status_text=STATUS_TEXT[result.status],
        reason=result.reason,
        summary=option.summary,
        what_it_is_like=list(option.what_it_is_like),
        availability=option.availability,
        certainty=CERTAINTY_TEXT[result.evidence.certainty],
        maturity=result.evidence.maturity,
        evidence_summary=option.evidence.summary,
        reasons_met=reasons("met"),
        reasons_not_met=reasons("not_met"),
        reasons_unknown=reasons("unknown"),
        benefits=[_statement_view(s, numbering) for s in result.benefits],
        risks=[_statement_view(s, numbering) for s in result.risks],
        questions=list(result.questions),
        refs=numbering.refs(option.evidence.sources),
    )


def _statement_view(statement: StatementResult, numbering: _SourceNumbering) -> StatementView:
    return StatementView(
        text=statement.text,
        numbers=[_number_line(n, numbering) for n in statement.numbers],
        certainty=CERTAINTY_TEXT[statement.certainty] if statement.certainty else "",
        refs=numbering.refs(statement.sources),
    )


def natural_frequency(count: int, denominator: int) -> str:
    return f"{count:,} in {denominator:,}"


def _number_line(number: Frequency, numbering: _SourceNumbering) -> NumberLine:
    rest = number.denominator - number.count
    return NumberLine(
        count=number.count,
        denominator=number.denominator,
        had=f"About {natural_frequency(number.count, number.denominator)} {number.outcome}.",
        did_not=f"About {natural_frequency(rest, number.denominator)} did not.",
        context=f"Among {number.population}, {number.time_frame}.",
        refs=numbering.refs(number.sources),
    )


def _profile_rows(profile: Profile) -> list[Row]:
    entered = profile.entered_fields()
    rows = []
    for field, label in PROFILE_LABELS.items():
        if field == "name":
            continue
        head, _, sub = field.partition(".")
        value = entered.get(head)
        if sub:
            value = value.get(sub) if isinstance(value, dict) else None
        rows.append(Row(label=label, value=_show(value)))
    return rows


def _show(value: object) -> str:
    if value is None:
        return "Not given (unknown)"
    if isinstance(value, list):
        if not value:
            return "None"
        if all(isinstance(v, dict) for v in value):
            return "; ".join(
                ", ".join(filter(None, [str(v.get("drug")), f"{v['months']} months" if "months" in v else "",
                                        f"stopped: {str(v['stopped_because']).replace('_', ' ')}" if "stopped_because" in v else ""]))
                for v in value
            )
        return ", ".join(str(v).replace("_", " ") for v in value)
    return str(value).replace("_", " ")


def _missing_text(field: str) -> str:
    if field in PROFILE_LABELS:
        return PROFILE_LABELS[field]
    if field.startswith("prior_dmts."):
        _, index, key = field.split(".")
        return f"Earlier MS drug {int(index) + 1}: {'how many months you took it' if key == 'months' else 'why you stopped it'}"
    spec = FIELDS.get(field)
    return spec.description[0].upper() + spec.description[1:] if spec else field
