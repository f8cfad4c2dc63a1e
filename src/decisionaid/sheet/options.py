"""Each option as the booklet prints it: status and reasons, benefits and harms with their numbers
and icon arrays, what it is like, where it is available, and the evidence."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..evaluation.assess import NumberResult, OptionResult, StatementResult
from ..pack.models import RulePack
from ..plumbing.i18n import N_, _, ngettext, number
from .fit import counted_in
from .icons import IconArray, icon_array
from .sources import RefView, SourceNumbering
from .text import SheetText
from .words import sentence

STATUS_TEXT = {
    "discuss": N_("Worth discussing: fits the published criteria"),
    "discuss_with_caution": N_("Worth discussing, with cautions"),
    "trial_only": N_("Only inside a clinical trial"),
    "unlikely_to_fit": N_("Unlikely to fit you now"),
    "research_only": N_("Laboratory research only: not a treatment yet"),
    "needs_information": N_("We need more information"),
}
# How options are grouped and ordered on the sheet: by fit with the published criteria, shown as such.
GROUP_ORDER = ["discuss", "discuss_with_caution", "needs_information", "trial_only", "unlikely_to_fit", "research_only"]
CERTAINTY_TEXT = {
    "high": N_("High: we are very sure"),
    "moderate": N_("Moderate: we are fairly sure"),
    "low": N_("Low: we are not very sure"),
    "very_low": N_("Very low: we are not sure at all"),
    "none": N_("None: no studies in people"),
}
STATE_TEXT = {"met": N_("yes"), "not_met": N_("no"), "unknown": N_("not known")}
CELL_THERAPIES = ("ahsct", "msc", "msc_np", "nsc", "ipsc")
LIKE_YOU = {"yes": N_("These people were like you in the ways the study chose them."),
            "no": N_("These people were not like you: the number may not hold for you."),
            "unknown": ""}
NOT_CONFIRMED = N_("We could not confirm this number in the study itself.")


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
    certainty = _(CERTAINTY_TEXT[result.evidence.certainty])
    refs = numbering.refs(option.evidence.sources)
    reasons = [
        ReasonView(state=c.state, state_text=_(STATE_TEXT[c.state]), label=c.label, text=c.text, threshold=c.threshold,
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
        status_text=_(STATUS_TEXT[result.status]),
        status_short=text.status_short[result.status],
        reason=result.reason,
        summary=option.summary,
        what_it_is_like=list(option.what_it_is_like),
        availability=option.availability,
        certainty_level=result.evidence.certainty,
        certainty=certainty,
        maturity=result.evidence.maturity,
        evidence_summary=option.evidence.summary,
        key_studies=[StudyView(name=s.name, design=s.design, size=_people(s.size) if s.size else "",
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
    certainty = _(CERTAINTY_TEXT[statement.certainty]) if statement.certainty else option_certainty
    return StatementView(
        text=statement.text,
        numbers=[_number_view(n, numbering, large_print) for n in statement.numbers],
        certainty=certainty,
        refs=numbering.refs(statement.sources),
    )


def _number_view(number_: NumberResult, numbering: SourceNumbering, large_print: bool) -> NumberView:
    count, denominator, outcome = number_.count, number_.denominator, number_.outcome
    rest = denominator - count
    # TRANSLATORS: the text read out for an icon array; {outcome} is what happened to people ("had a relapse")
    alt = _("Picture of {denominator} people as squares. {count} filled squares are people who {outcome}. "
            "{rest} empty squares are people who did not.").format(
        denominator=number(denominator), count=number(count), outcome=outcome, rest=number(rest))
    # "About 2 in 1,000", but a plain "0 in 1,000": there is nothing approximate about none
    had = (_("About {count} in {denominator} people {outcome}.") if count
           else _("{count} in {denominator} people {outcome}.")).format(
        count=number(count), denominator=number(denominator), outcome=outcome)
    did_not = (_("About {count} in {denominator} people did not.") if rest
               else _("{count} in {denominator} people did not.")).format(
        count=number(rest), denominator=number(denominator))
    return NumberView(
        count=count,
        denominator=denominator,
        outcome=outcome,
        had=had,
        did_not=did_not,
        who=sentence(number_.population),
        when=sentence(number_.time_frame),
        counted=" ".join(filter(None, [counted_in(number_, denominator), _(LIKE_YOU[number_.applies_to_you]),
                                       "" if number_.confirmed else _(NOT_CONFIRMED)])),
        refs=numbering.refs(number_.sources),
        icons=icon_array(count, denominator, alt=alt, large_print=large_print),
    )


def _people(size: int) -> str:
    return ngettext("{count} person", "{count} people", size).format(count=number(size))
