"""Each option as the booklet prints it: status and reasons, benefits and harms with their numbers
and icon arrays, what it is like, where it is available, and the evidence."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..evaluation.assess import NumberResult, OptionResult, StatementResult
from ..pack.models import RulePack
from .fit import counted_in
from .icons import IconArray, icon_array
from .sources import RefView, SourceNumbering
from .text import SheetText
from .words import natural_frequency, sentence

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
CELL_THERAPIES = ("ahsct", "msc", "msc_np", "nsc", "ipsc")
LIKE_YOU = {"yes": "These people were like you in the ways the study chose them.",
            "no": "These people were not like you: the number may not hold for you.",
            "unknown": ""}
NOT_CONFIRMED = "We could not confirm this number in the study itself."


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
    counted: str  # how many people it came from, what a small study cannot rule out, and if they were like you
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
    having_children: list[StatementView]  # shown to people who plan children or are unsure
    refs: list[RefView]


def option_view(result: OptionResult, pack: RulePack, numbering: SourceNumbering, text: SheetText,
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
        in_sentence=option.name_in_sentence,
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
        having_children=[_statement_view(s, certainty, numbering, large_print) for s in result.having_children],
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


def _number_view(number: NumberResult, numbering: SourceNumbering, large_print: bool) -> NumberView:
    rest = number.denominator - number.count
    alt = (f"Picture of {number.denominator:,} people as squares. {number.count:,} filled squares are people who "
           f"{number.outcome}. {rest:,} empty squares are people who did not.")
    return NumberView(
        count=number.count,
        denominator=number.denominator,
        outcome=number.outcome,
        had=f"{_about(number.count)}{natural_frequency(number.count, number.denominator)} people {number.outcome}.",
        did_not=f"{_about(rest)}{natural_frequency(rest, number.denominator)} people did not.",
        who=sentence(number.population),
        when=sentence(number.time_frame),
        counted=" ".join(filter(None, [counted_in(number, number.denominator), LIKE_YOU[number.applies_to_you],
                                       "" if number.confirmed else NOT_CONFIRMED])),
        refs=numbering.refs(number.sources),
        icons=icon_array(number.count, number.denominator, alt=alt, large_print=large_print),
    )


def _about(count: int) -> str:
    """'About 2 in 1,000', but a plain '0 in 1,000': there is nothing approximate about none."""
    return "About " if count else ""
