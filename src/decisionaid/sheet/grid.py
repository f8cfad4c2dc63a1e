"""Page 1: an Option-Grid-style table, options as columns in the one fixed order (standard care, aHSCT,
the cell therapies, laboratory research; never by status), patients' questions as rows.

Built straight from the assessment and the rule pack, so both documents can use it. The numbers of
a row share one denominator (the largest one shown in it) so options can be compared; a count is
only ever scaled up by a whole factor, never rounded, and never past the people counted (fit.py).
Each cell leads with the numbers about people like the patient, and the risks row with the risk
that matters most for them. The booklet's large print cuts the grid into
tables of two options each; the visit sheet's large print prints it one option per block.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..evaluation.assess import NumberResult, OptionResult
from ..pack.models import RulePack
from ..plumbing.i18n import N_, _, ngettext, number, word_list
from .fields import missing_text
from .fit import Headline, as_counted, counted_in, counted_whom, figure, headline, sizes, small
from .sources import RefView, SourceNumbering
from .text import SheetText
from .words import first_sentence, sentence

#: a row's key and its question, in English (marked for the catalogue; `_()` where a row is made);
#: {denominator} is the row's one denominator: "out of 1,000"
Questions = tuple[tuple[str, str], ...]
QUESTIONS: Questions = (
    ("what", N_("What is it?")),
    ("fit", N_("Does it fit me, and why?")),
    ("works", N_("How well does it work? (out of {denominator})")),
    ("risks", N_("What are the main risks, in numbers? (out of {denominator})")),
    ("like", N_("What is it like to go through?")),
    ("where", N_("Where is it available?")),
    ("evidence", N_("How strong is the evidence?")),
)
#: the visit sheet's shorter grid: the column heads name the options, page 2 says why each fits or not,
#: and the booklet has where each is available
VISIT_QUESTIONS: Questions = (
    ("fit", N_("Does it fit me?")),
    ("works", N_("How well does it work? (out of {denominator})")),
    ("risks", N_("What are the main risks? (out of {denominator})")),
    ("hospital", N_("Time in hospital, and to recover")),
    ("children", N_("Having children later")),
)  # how sure we are stands under each option's name
#: how sure the evidence is, in English (`_()` where used)
CERTAINTY_LEAD = {
    "high": N_("High certainty."),
    "moderate": N_("Moderate certainty."),
    "low": N_("Low certainty."),
    "very_low": N_("Very low certainty."),
    "none": N_("No studies in people."),
}
NOT_LIKE_YOU = N_("No numbers from people like you.")
#: at most this many missing facts are named in a "needs information" cell; the rest are counted
NAMED_MISSING = 2
Fit = Literal["reason", "missing"]
Evidence = Literal["stage", "certainty"]  # the evidence row: certainty and stage (booklet), or certainty only


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GridCell(_Frozen):
    lead: str
    text: str
    refs: list[RefView]


class GridRow(_Frozen):
    key: str
    question: str
    denominator: int | None  # the numbers row's one denominator ("out of 1,000"); None for rows without numbers
    cells: list[GridCell]


class GridGroup(_Frozen):
    label: str
    span: int


class GridColumn(_Frozen):
    id: str
    short_title: str
    certainty: str = ""  # "Moderate certainty.": the visit sheet gives it under the option's name


class Grid(_Frozen):
    groups: list[GridGroup]
    columns: list[GridColumn]
    rows: list[GridRow]


def build_grids(results: list[OptionResult], pack: RulePack, numbering: SourceNumbering, text: SheetText, *,
                names: dict[str, str], fit: Fit = "reason", columns: int | None = None,
                questions: Questions = QUESTIONS, evidence: Evidence = "stage",
                given: dict[tuple[str, str], GridCell] | None = None) -> list[Grid]:
    """The grid as one table, or as tables of `columns` options each; `names` heads the columns, and
    the fit row gives the status with its reason, or (`missing`) names what a needs-information option lacks;
    the evidence row gives the certainty with the stage of research, or the certainty alone. `given` holds
    cells the document made itself, by (row key, option id); a row of the document's own (not in QUESTIONS)
    is shown only when `given` has cells for it."""
    leads = {r.id: {"works": headline(r.benefits, matters_first=False), "risks": headline(r.risks, matters_first=True)}
             for r in results}
    denominators = {key: max((n.denominator for r in results if (lead := leads[r.id][key]) for n in lead.numbers),
                             default=100) for key in ("works", "risks")}
    size = columns or len(results)
    own = {key for key, _ in QUESTIONS}
    keys = {key for key, _ in given or {}}
    questions = tuple((key, q) for key, q in questions if key in own or key in keys)
    return [_grid(results[i:i + size], pack, numbering, text, names, (fit, evidence), denominators, leads, questions,
                  given or {})
            for i in range(0, len(results), size)]


def _grid(results: list[OptionResult], pack: RulePack, numbering: SourceNumbering, text: SheetText,
          names: dict[str, str], style: tuple[Fit, Evidence], denominators: dict[str, int],
          leads: dict[str, dict[str, Headline | None]], questions: Questions,
          given: dict[tuple[str, str], GridCell]) -> Grid:
    groups: list[GridGroup] = []
    for result in results:
        label = text.option_groups[result.id]
        if groups and groups[-1].label == label:
            groups[-1] = GridGroup(label=label, span=groups[-1].span + 1)
        else:
            groups.append(GridGroup(label=label, span=1))
    rows = [GridRow(key=key, question=_(question).format(denominator=number(denominators.get(key, 100))),
                    denominator=denominators.get(key),
                    cells=[given.get((key, r.id)) or _cell(key, r, pack, numbering, text, style, denominators, leads[r.id])
                           for r in results])
            for key, question in questions]
    return Grid(groups=groups, columns=[GridColumn(id=r.id, short_title=names[r.id],
                                                   certainty=_(CERTAINTY_LEAD[r.evidence.certainty])) for r in results],
                rows=rows)


def _cell(key: str, result: OptionResult, pack: RulePack, numbering: SourceNumbering, text: SheetText,
          style: tuple[Fit, Evidence], denominators: dict[str, int], leads: dict[str, Headline | None]) -> GridCell:
    option = pack.options[result.id]
    fit, evidence = style
    if key == "what":
        return GridCell(lead="", text=result.title, refs=[])
    if key == "fit":
        if fit == "missing":
            return GridCell(lead=text.status_short[result.status] + ".", text=missing_cell(result), refs=[])
        return GridCell(lead=text.status_short[result.status] + ".", text=result.reason, refs=[])
    if key in ("works", "risks"):
        statements = result.benefits if key == "works" else result.risks
        lead = leads[key]
        if lead is not None and lead.numbers:
            return _numbers_cell(lead, denominators[key], numbering)
        if lead is not None:  # the risk that matters most for this patient has no number
            return GridCell(lead=_("Most important for you:"), text=first_sentence(lead.statement.text),
                            refs=numbering.refs(lead.statement.sources))
        if statements:
            return GridCell(lead=_("No numbers yet."), text=first_sentence(statements[0].text),
                            refs=numbering.refs(statements[0].sources))
        return GridCell(lead=_("None listed."), text="", refs=[])
    if key == "like":
        like = option.what_it_is_like[0]
        return GridCell(lead="", text=like if evidence == "stage" else first_sentence(like),
                        refs=numbering.refs(option.what_it_is_like_sources))
    if key == "where":
        return GridCell(lead="", text=first_sentence(option.availability), refs=[])
    stage = first_sentence(result.evidence.maturity, clause=True) if evidence == "stage" else ""
    return GridCell(lead=_(CERTAINTY_LEAD[result.evidence.certainty]), text=stage, refs=[])


def missing_cell(result: OptionResult) -> str:
    """What a needs-information option lacks: the facts that would decide it, else the facts its unknown
    criteria need (the first few named, the rest counted)."""
    if result.status != "needs_information":
        return ""
    deciding = list(dict.fromkeys(c.field for c in result.what_would_change))
    facts = [missing_text(f) for f in (deciding or result.missing_information)]
    if not facts:
        return ""
    rest = len(facts) - NAMED_MISSING
    # TRANSLATORS: the last item of a list of missing facts: "Missing: age, EDSS score and 3 more."
    named = facts[:NAMED_MISSING] + ([ngettext("{count} more", "{count} more", rest).format(count=number(rest))]
                                     if rest > 0 else [])
    # TRANSLATORS: {facts} lists the facts about the patient the sheet does not know: "Missing: age and EDSS score."
    return _("Missing: {facts}.").format(facts=word_list(named))


def _numbers_cell(lead: Headline, denominator: int, numbering: SourceNumbering) -> GridCell:
    """One figure; the range where several studies of one outcome disagree (never just the first
    study's); or, for a comparison such as a trial's two arms, both sides. Each says how many people
    it came from, and whether they were people like this patient."""
    numbers = lead.numbers
    first = numbers[0]
    if lead.applies == "no":  # say so, and from whom the numbers come; the booklet has them
        return GridCell(lead=_(NOT_LIKE_YOU), text=counted_whom(numbers),
                        refs=_union(numbers, numbering))
    same = [n for n in numbers if n.outcome == first.outcome]
    scaled_small = any(as_counted(n, denominator) for n in same)
    counts = sorted({n.count * (denominator // n.denominator) for n in same})
    if len(counts) > 1 and not scaled_small:
        # TRANSLATORS: a cell's lead when studies disagree: "About 20 to 40 in 1,000"; its text goes on with "people ..."
        span = _("About {low} to {high} in {denominator}").format(low=number(counts[0]), high=number(counts[-1]),
                                                                  denominator=number(denominator))
        # TRANSLATORS: goes on from "About 20 to 40 in 1,000": {outcome} is what the people had ("had a relapse")
        spread = _("people {outcome}, in different studies or times.").format(outcome=first.outcome)
        return GridCell(lead=span, text=f"{spread} {sizes(same)}",
                        refs=_union(same, numbering))
    if len(numbers) > 1 and numbers[1].outcome != first.outcome:
        other = numbers[1]
        return GridCell(lead=figure(first, denominator),
                        text=_join(_outcome(first, denominator),
                                   # TRANSLATORS: a compared number and its outcome: "About 5 in 1,000 had a relapse."
                                   _("{figure} {outcome}.").format(figure=figure(other, denominator),
                                                                   outcome=other.outcome),
                                   sentence(first.time_frame), _counted_both(first, other, denominator)),
                        refs=_union(numbers[:2], numbering))
    return GridCell(lead=figure(first, denominator),
                    text=_join(_outcome(first, denominator), sentence(first.time_frame),
                               counted_in(first, denominator)),
                    refs=numbering.refs(first.sources))


def _outcome(frequency: NumberResult, denominator: int) -> str:
    """What the people of a figure had: 'people had a relapse.' after 'About 20 in 1,000'; 'had a relapse.'
    after '6 of 12 people'."""
    if as_counted(frequency, denominator):
        return f"{frequency.outcome}."
    # TRANSLATORS: goes on from a cell's lead "About 20 in 1,000": {outcome} is what they had ("had a relapse")
    return _("people {outcome}.").format(outcome=frequency.outcome)


def _counted_both(first: NumberResult, other: NumberResult, denominator: int) -> str:
    """How many people two compared numbers came from: once when both groups are the same size."""
    if first.people is not None and first.people == other.people:
        people = {"people": number(first.people)}
        if small(first, denominator):
            return ngettext("Only {people} people per group.", "Only {people} people per group.",
                            first.people).format(**people)
        return ngettext("{people} people per group.", "{people} people per group.", first.people).format(**people)
    return " ".join(dict.fromkeys(counted_in(n, denominator) for n in (first, other)))


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _union(numbers: list[NumberResult], numbering: SourceNumbering) -> list[RefView]:
    """The citation marks of several numbers, each once, in number order."""
    return numbering.refs([s for n in numbers for s in n.sources])
