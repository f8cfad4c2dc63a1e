"""Page 1: an Option-Grid-style table, options as columns (grouped by status), patients' questions as rows.

Numbers in the grid share one denominator (the largest one shown) so options can be compared; a count
is only ever scaled up by a whole factor, never rounded. In large print the grid is cut into tables
of two options each, with the same rows, so 16 pt text still fits the page width.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from .sources import RefView

if TYPE_CHECKING:
    from .sheet import NumberView, OptionView, StatementView
    from .sheettext import SheetText

QUESTIONS = (
    ("what", "What is it?"),
    ("fit", "Does it fit me, and why?"),
    ("works", "How well does it work? (out of {denominator})"),
    ("risks", "What are the main risks, in numbers? (out of {denominator})"),
    ("like", "What is it like to go through?"),
    ("where", "Where is it available?"),
    ("evidence", "How strong is the evidence?"),
)
LARGE_PRINT_COLUMNS = 2
CERTAINTY_LEAD = {
    "high": "High certainty.",
    "moderate": "Moderate certainty.",
    "low": "Low certainty.",
    "very_low": "Very low certainty.",
    "none": "No studies in people.",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GridCell(_Frozen):
    lead: str
    text: str
    refs: list[RefView]


class GridRow(_Frozen):
    key: str
    question: str
    cells: list[GridCell]


class GridGroup(_Frozen):
    label: str
    span: int


class GridColumn(_Frozen):
    id: str
    short_title: str


class Grid(_Frozen):
    groups: list[GridGroup]
    columns: list[GridColumn]
    rows: list[GridRow]
    denominator: int


def build_grids(options: list[OptionView], text: SheetText, *, large_print: bool) -> list[Grid]:
    """The grid as one table (normal print) or as tables of two options each (large print)."""
    headlines = [n for o in options for n in _headline(o.benefits) + _headline(o.risks)]
    denominator = max((n.denominator for n in headlines), default=100)
    size = LARGE_PRINT_COLUMNS if large_print else len(options)
    return [_grid(options[i:i + size], denominator) for i in range(0, len(options), size)]


def _grid(options: list[OptionView], denominator: int) -> Grid:
    groups: list[GridGroup] = []
    for option in options:
        if groups and groups[-1].label == option.status_short:
            groups[-1] = GridGroup(label=option.status_short, span=groups[-1].span + 1)
        else:
            groups.append(GridGroup(label=option.status_short, span=1))
    rows = [GridRow(key=key, question=question.format(denominator=f"{denominator:,}"),
                    cells=[_cell(key, o, denominator) for o in options])
            for key, question in QUESTIONS]
    return Grid(groups=groups, columns=[GridColumn(id=o.id, short_title=o.short_title) for o in options], rows=rows,
                denominator=denominator)


def _cell(key: str, option: OptionView, denominator: int) -> GridCell:
    if key == "what":
        return GridCell(lead="", text=option.title, refs=[])
    if key == "fit":
        return GridCell(lead=option.status_short + ".", text=option.reason, refs=[])
    if key in ("works", "risks"):
        statements = option.benefits if key == "works" else option.risks
        numbers = _headline(statements)
        if numbers:
            return _numbers_cell(numbers, denominator)
        if statements:
            return GridCell(lead="No numbers yet.", text=first_sentence(statements[0].text), refs=statements[0].refs)
        return GridCell(lead="None listed.", text="", refs=[])
    if key == "like":
        return GridCell(lead="", text=option.what_it_is_like[0], refs=[])
    if key == "where":
        return GridCell(lead="", text=first_sentence(option.availability), refs=[])
    return GridCell(lead=CERTAINTY_LEAD[option.certainty_level], text=first_sentence(option.maturity, clause=True),
                    refs=[])


def first_sentence(text: str, *, clause: bool = False) -> str:
    """The first sentence (or clause, up to a semicolon), ending in a full stop: the grid gives the
    gist, the option's page the rest."""
    match = re.match(r"(.+?[.!?;])(\s|$)" if clause else r"(.+?[.!?])(\s|$)", text.strip())
    sentence = (match.group(1) if match else text.strip()).rstrip(";")
    return sentence if sentence[-1] in ".!?" else sentence + "."


def _headline(statements: list[StatementView]) -> list[NumberView]:
    """The numbers of the first statement that has any: rule authors list the main one first."""
    return next((list(s.numbers) for s in statements if s.numbers), [])


def _numbers_cell(numbers: list[NumberView], denominator: int) -> GridCell:
    """One figure; the range where several studies of one outcome disagree (never just the first
    study's); or, for a comparison such as a trial's two arms, both sides."""
    first = numbers[0]
    same = [n for n in numbers if n.outcome == first.outcome]
    counts = sorted({n.count * (denominator // n.denominator) for n in same})
    out_of = f"in {denominator:,}"
    if len(counts) > 1:
        return GridCell(lead=f"About {counts[0]:,} to {counts[-1]:,} {out_of}",
                        text=f"people {first.outcome}, in different studies or at different times.", refs=_union(same))
    if len(numbers) > 1:
        other = numbers[1]
        return GridCell(lead=f"About {counts[0]:,} {out_of}",
                        text=f"people {first.outcome}. About {other.count * (denominator // other.denominator):,} "
                             f"{out_of} {other.outcome}. {first.when}", refs=_union(numbers[:2]))
    return GridCell(lead=f"About {counts[0]:,} {out_of}", text=f"people {first.outcome}. {first.when}", refs=first.refs)


def _union(numbers: list[NumberView]) -> list[RefView]:
    """The citation marks of several numbers, each once, in number order."""
    return sorted({r.number: r for n in numbers for r in n.refs}.values(), key=lambda r: r.number)
