"""From an Assessment to the Sheet model: everything the discussion sheet prints, in plain words.

The template receives this finished model and contains no rule logic. Options appear grouped by
status (in GROUP_ORDER) everywhere on the sheet; sources are numbered in order of first citation.
The sheet's fixed text (SURE, decision roles, clinic checklist) comes from sheettext.py.
"""

from __future__ import annotations

import datetime as dt

import yaml
from pydantic import BaseModel, ConfigDict

from . import __version__
from .assess import Assessment, OptionResult, StatementResult
from .facts import FIELDS
from .grid import Grid, build_grids, first_sentence
from .icons import IconArray, icon_array
from .profile import PROFILE_FIELDS, Profile
from .rulepack import Frequency, RulePack
from .sheettext import SheetText, sheet_text
from .sources import RefView, SourceNumbering, SourceView

STATUS_TEXT = {
    "discuss": "Worth discussing: fits the published criteria",
    "discuss_with_caution": "Worth discussing, with cautions",
    "trial_only": "Only inside a clinical trial",
    "unlikely_to_fit": "Unlikely to fit you now",
    "research_only": "Laboratory research only: not a treatment yet",
    "needs_information": "We need more information",
}
# How options are grouped and ordered on the sheet: by fit with the published criteria, shown as such.
GROUP_ORDER = ["discuss", "discuss_with_caution", "needs_information", "trial_only", "unlikely_to_fit", "research_only"]
CERTAINTY_TEXT = {
    "high": "High: we are very sure",
    "moderate": "Moderate: we are fairly sure",
    "low": "Low: we are not very sure",
    "very_low": "Very low: we are not sure at all",
    "none": "None: no studies in people",
}
STATE_TEXT = {"met": "yes", "not_met": "no", "unknown": "not known"}
QUOTE_CHECK = {
    "contradicted": "Published studies say otherwise",
    "partly_consistent": "Only partly right",
    "unverified": "We could not confirm this",
}
CELL_THERAPIES = ("ahsct", "msc", "msc_np", "nsc", "ipsc")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NumberView(_Frozen):
    """One natural frequency in both framings, who it is about and when, and its icon array."""

    count: int
    denominator: int
    outcome: str
    had: str
    did_not: str
    who: str
    when: str
    refs: list[RefView]
    icons: IconArray


class StatementView(_Frozen):
    text: str
    numbers: list[NumberView]
    certainty: str
    refs: list[RefView]


class ReasonView(_Frozen):
    state: str
    state_text: str
    label: str
    text: str
    threshold: str
    deciding: bool
    refs: list[RefView]


class StudyView(_Frozen):
    name: str
    design: str
    size: str
    follow_up: str
    result: str
    refs: list[RefView]


class OptionView(_Frozen):
    id: str
    title: str
    short_title: str
    in_sentence: str  # the option's name inside a sentence ("neural stem cell treatment")
    status: str
    status_text: str
    status_short: str
    reason: str
    summary: str
    what_it_is_like: list[str]
    availability: str
    certainty_level: str
    certainty: str
    maturity: str
    evidence_summary: str
    key_studies: list[StudyView]
    deciding: list[ReasonView]
    applies: list[ReasonView]
    not_shown: str  # how many checks came out as no (listed on the clinician page), or ""
    not_known: list[ReasonView]
    criteria: list[ReasonView]
    benefits: list[StatementView]
    risks: list[StatementView]
    refs: list[RefView]


class ValueItem(_Frozen):
    option: str
    kind: str
    text: str


class QuestionGroup(_Frozen):
    heading: str
    questions: list[str]
    refs: list[RefView]


class ChecklistItemView(_Frozen):
    text: str
    refs: list[RefView]


class ChecklistView(_Frozen):
    intro: str
    abroad: str
    items: list[ChecklistItemView]


class SureView(_Frozen):
    intro: str
    items: list[tuple[str, str]]
    scoring: str
    refs: list[RefView]


class CorrectionView(_Frozen):
    option: str
    quote: str
    source: RefView
    check: str
    comment: str
    refs: list[RefView]


class Row(_Frozen):
    label: str
    value: str


class Sheet(_Frozen):
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
    options: list[OptionView]
    missing: list[str]
    #: of the missing facts, those a FHIR record was read for and did not hold ("not found in the record")
    not_in_record: list[str] = []
    values_help: str
    values: list[ValueItem]
    values_own: str
    sure: SureView
    readiness: tuple[str, list[str]]
    roles: tuple[str, list[str]]
    support: list[str]
    next_steps: list[str]
    decision_tool_refs: list[RefView]
    questions: list[QuestionGroup]
    checklist: ChecklistView | None
    corrections: list[CorrectionView]
    sources: list[SourceView]
    reading_level: tuple[str, str]  # the text before and after the measured grade (render.GRADE_SLOT)
    alternatives: str
    profile_entered: list[Row]
    profile_not_given: list[str]
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
    remake_command: str


def build_sheet(assessment: Assessment, pack: RulePack, profile: Profile, *, sheet_date: dt.date,
                large_print: bool = False) -> Sheet:
    """Everything the sheet prints for this assessment, numbered sources included."""
    text = sheet_text()
    numbering = SourceNumbering(pack, text.sources)
    condition_refs = numbering.refs(text.condition_sources)
    results = sorted(assessment.options, key=lambda o: GROUP_ORDER.index(o.status))
    options = [_option_view(result, pack, numbering, text, large_print) for result in results]
    grids = build_grids(options, text, large_print=large_print)
    sure = SureView(intro=text.sure.intro, items=[(i.letter, i.text) for i in text.sure.items], scoring=text.sure.scoring,
                    refs=numbering.refs(text.sure.sources))
    decision_tool_refs = numbering.refs(text.decision_tool_sources)
    gaps = set(profile.not_in_record)
    in_record = [f for f in assessment.missing_information if f.split(".")[0] in gaps]
    missing = [_missing_text(field) for field in assessment.missing_information if field not in in_record]
    questions = _questions(options, results, missing + [_missing_text(f) for f in in_record], profile, text, numbering)
    checklist = _checklist(options, profile, text, numbering)
    corrections = _corrections(pack, options, numbering)
    meta = pack.meta
    entered = profile.entered_fields()
    return Sheet(
        title=text.title,
        description=text.description,
        sheet_date=sheet_date,
        large_print=large_print,
        patient_name=profile.name or "",
        condition=_condition(profile, text),
        condition_refs=condition_refs,
        decision=text.decision,
        not_advice=text.not_advice,
        grid_help=text.grid_help,
        grid_numbers=text.grid_numbers.format(denominator=f"{grids[0].denominator:,}"),
        numbers_help=text.numbers_help,
        grids=grids,
        options=options,
        missing=missing,
        not_in_record=[_missing_text(field) for field in in_record],
        values_help=text.values_help,
        values=[ValueItem(option=o.short_title, kind=kind, text=first_sentence(statements[0].text))
                for o in options if o.status != "research_only"
                for kind, statements in (("Benefit", o.benefits), ("Harm", o.risks)) if statements],
        values_own=text.values_own,
        sure=sure,
        readiness=(text.readiness.question, list(text.readiness.choices)),
        roles=(text.roles.question, list(text.roles.choices)),
        support=list(text.support),
        next_steps=list(text.next_steps),
        decision_tool_refs=decision_tool_refs,
        questions=questions,
        checklist=checklist,
        corrections=corrections,
        sources=numbering.views(),
        reading_level=tuple(text.about.reading_level.split("{grade}", 1)),
        alternatives=text.about.alternatives,
        profile_entered=[Row(label=k, value=_as_entered(v)) for k, v in entered.items()],
        profile_not_given=[f for f in PROFILE_FIELDS if f not in entered],
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
        remake_command=f"decisionaid sheet PROFILE --date {sheet_date.isoformat()}" + (" --large-print" if large_print else ""),
    )


def _option_view(result: OptionResult, pack: RulePack, numbering: SourceNumbering, text: SheetText,
                 large_print: bool) -> OptionView:
    option = pack.options[result.id]
    certainty = CERTAINTY_TEXT[result.evidence.certainty]
    refs = numbering.refs(option.evidence.sources)
    reasons = [
        ReasonView(state=c.state, state_text=STATE_TEXT[c.state], label=c.label, text=c.text, threshold=c.threshold,
                   deciding=c.id in result.deciding_criteria, refs=numbering.refs(c.sources))
        for c in result.criteria
    ]
    others = [r for r in reasons if not r.deciding]
    return OptionView(
        id=result.id,
        title=result.title,
        short_title=option.short_title,
        in_sentence=option.in_sentence or option.short_title,
        status=result.status,
        status_text=STATUS_TEXT[result.status],
        status_short=text.status_short[result.status],
        reason=result.reason,
        summary=option.summary,
        what_it_is_like=list(option.what_it_is_like),
        availability=option.availability,
        certainty_level=result.evidence.certainty,
        certainty=certainty,
        maturity=result.evidence.maturity,
        evidence_summary=option.evidence.summary,
        key_studies=[StudyView(name=s.name, design=s.design, size=f"{s.size:,} people" if s.size else "",
                               follow_up=s.follow_up, result=s.result, refs=numbering.refs(s.sources))
                     for s in option.evidence.key_studies],
        deciding=[r for r in reasons if r.deciding],
        applies=[r for r in others if r.state == "met"],
        not_shown=_not_shown(sum(r.state == "not_met" for r in others), text),
        not_known=[r for r in others if r.state == "unknown"],
        criteria=reasons,
        benefits=[_statement_view(s, certainty, numbering, large_print) for s in result.benefits],
        risks=[_statement_view(s, certainty, numbering, large_print) for s in result.risks],
        refs=refs,
    )


def _not_shown(count: int, text: SheetText) -> str:
    return text.more_criteria.format(count=count, s="" if count == 1 else "s") if count else ""


def _statement_view(statement: StatementResult, option_certainty: str, numbering: SourceNumbering,
                    large_print: bool) -> StatementView:
    certainty = CERTAINTY_TEXT[statement.certainty] if statement.certainty else option_certainty
    return StatementView(
        text=statement.text,
        numbers=[_number_view(n, numbering, large_print) for n in statement.numbers],
        certainty=certainty,
        refs=numbering.refs(statement.sources),
    )


def natural_frequency(count: int, denominator: int) -> str:
    return f"{count:,} in {denominator:,}"


def _number_view(number: Frequency, numbering: SourceNumbering, large_print: bool) -> NumberView:
    rest = number.denominator - number.count
    alt = (f"Picture of {number.denominator:,} people as squares. {number.count:,} filled squares are people who "
           f"{number.outcome}. {rest:,} empty squares are people who did not.")
    return NumberView(
        count=number.count,
        denominator=number.denominator,
        outcome=number.outcome,
        had=f"About {natural_frequency(number.count, number.denominator)} people {number.outcome}.",
        did_not=f"About {natural_frequency(rest, number.denominator)} people did not.",
        who=_sentence(number.population),
        when=_sentence(number.time_frame),
        refs=numbering.refs(number.sources),
        icons=icon_array(number.count, number.denominator, alt=alt, large_print=large_print),
    )


def _questions(options: list[OptionView], results: list[OptionResult], missing: list[str], profile: Profile,
               text: SheetText, numbering: SourceNumbering) -> list[QuestionGroup]:
    general = list(text.general_questions)
    if missing:
        general.append(text.missing_question)
    if profile.considering_clinic_abroad == "yes":
        general.append(text.abroad_question)
    groups = [QuestionGroup(heading="Questions about any option", questions=general,
                            refs=numbering.refs(text.general_questions_sources))]
    for option, result in zip(options, results):
        asked = list(result.questions)
        template = text.status_questions.get(option.status)
        if template:
            asked.insert(0, template.format(option=option.in_sentence))
        if asked:
            groups.append(QuestionGroup(heading=f"About {option.short_title}", questions=asked, refs=[]))
    return groups


def _checklist(options: list[OptionView], profile: Profile, text: SheetText,
               numbering: SourceNumbering) -> ChecklistView | None:
    """Shown whenever a cell therapy is on the sheet (always, as every option is) or a clinic abroad is considered."""
    abroad = profile.considering_clinic_abroad == "yes"
    if not abroad and not any(o.id in CELL_THERAPIES for o in options):
        return None
    checklist = text.clinic_checklist
    return ChecklistView(
        intro=checklist.intro,
        abroad=checklist.abroad if abroad else "",
        items=[ChecklistItemView(text=i.text, refs=numbering.refs(i.sources)) for i in checklist.items],
    )


def _corrections(pack: RulePack, options: list[OptionView], numbering: SourceNumbering) -> list[CorrectionView]:
    """Seed claims that published evidence contradicts, only partly supports or cannot confirm."""
    out = []
    for view in options:
        option = pack.options[view.id]
        items = [option, *option.criteria, *option.benefits, *option.risks]
        for quote in (q for item in items for q in item.quotes):
            if quote.assessment == "consistent":
                continue
            out.append(CorrectionView(option=view.short_title, quote=quote.text, source=numbering.refs([quote.source])[0],
                                      check=QUOTE_CHECK[quote.assessment], comment=quote.comment,
                                      refs=numbering.refs(quote.better_sources)))
    return out


def _condition(profile: Profile, text: SheetText) -> list[str]:
    """The condition in plain words: the type of MS, then what the profile says about recent activity."""
    lines = [text.condition[profile.ms_type]]
    facts = []
    if profile.relapses_last_12_months is not None:
        n = profile.relapses_last_12_months
        facts.append(f"{n} relapse{'s' if n != 1 else ''} in the last 12 months")
    mri = profile.mri_last_12_months
    if mri is not None and mri.new_or_enlarging_t2_lesions is not None:
        n = mri.new_or_enlarging_t2_lesions
        facts.append(f"{n} new or larger MRI lesion{'s' if n != 1 else ''} in that time")
    if facts:
        lines.append("You told us you had " + " and ".join(facts) + ".")
    if profile.current_dmt is not None:
        drug = profile.current_dmt
        lines.append("You take no MS drug now." if drug.strip().lower() == "none" else f"Your MS drug now is {drug}.")
    return lines


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _as_entered(value: object) -> str:
    if isinstance(value, (list, dict)):
        return str(yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True, width=10_000)).strip()
    return str(value)


PROFILE_LABELS = {
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
    "activity_on_current_dmt": "MS active on the current drug, after its first 6 months",
}


def _missing_text(field: str) -> str:
    if field in PROFILE_LABELS:
        return PROFILE_LABELS[field]
    if field.startswith("prior_dmts."):
        _, index, key = field.split(".")
        return f"Earlier MS drug {int(index) + 1}: {'how many months you took it' if key == 'months' else 'why you stopped it'}"
    spec = FIELDS.get(field)
    return spec.description[0].upper() + spec.description[1:] if spec else field
