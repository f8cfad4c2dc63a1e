"""The visit sheet kept to its pages: three in normal print (pages 1 and 2 within 1,200 words), at
most ten in large print.

Some profiles bring more than three pages hold (fifty earlier drugs, many unknown facts, every
health condition). The sheet is then shortened step by step, each step keeping what the visit needs
most and saying what it left to the booklet, until the pages fit (render.py lays it out after each
step; most sheets fit at step 0 and are laid out once). The steps only shorten lists and merge lines;
they never change a status, a number or a font size.
"""

from __future__ import annotations

import re

from ..plumbing.i18n import _, ngettext, number
from .clinical import ClinicalOption, CriterionLine
from .grid import Grid
from .model import Sheet
from .sources import BRIEF
from .visit import ChangeView, Visit

#: pages each visit sheet may have: normal print, large print
MAX_PAGES = {False: 3, True: 10}
#: words on pages 1 and 2 of the normal print, for a 20-minute consultation, per language (Spanish and
#: German say the same in more words)
MAX_WORDS: dict[str, int] = {"en": 1200, "es": 1450, "de": 1500}
STEPS = 6
NAME_CHARACTERS = 40
NAMED_MISSING = 8
CHECKLIST_ITEMS = 2


def shortened(sheet: Sheet, step: int, page3: bool = True) -> Sheet:
    """The visit sheet after `step` shortening steps (0: as built); other documents are returned as they are.
    Without `page3` only pages 1 and 2 are shortened (their words were too many, the pages fitted)."""
    visit = sheet.visit
    if visit is None or step == 0:
        return sheet
    omitted: list[str] = []
    update: dict[str, object] = {}
    options = [_merged(o) for o in visit.clinical_options] if page3 else visit.clinical_options  # step 1
    if step >= 2:  # page 2 and 3: the first answers and checklist items, three questions
        update["changes"] = [_fewer_answers(c, page3) for c in visit.changes]
        update["questions"] = visit.questions[:3]
        if visit.checklist is not None and len(visit.checklist.items) > CHECKLIST_ITEMS:
            rest = len(visit.checklist.items) - CHECKLIST_ITEMS
            update["checklist"] = visit.checklist.model_copy(update={
                "items": visit.checklist.items[:CHECKLIST_ITEMS],
                # TRANSLATORS: opens the visit sheet's shortened list of warning signs of unproven clinics
                "intro": ngettext("The booklet lists {count} more warning sign than these.",
                                  "The booklet lists {count} more warning signs than these.",
                                  rest).format(count=number(rest)) + " " + visit.checklist.intro})
    if step >= 3:  # page 1: the short note about the booklet
        update["booklet_note"] = visit.booklet_note_short
    if step >= 3 and page3:  # page 3: the criteria for each option are counted, the ones against it kept
        dropped = sum(1 for o in options for c in o.criteria if c.weighs == "for")
        options = [o.model_copy(update={"criteria": [c for c in o.criteria if c.weighs != "for"]}) for o in options]
        if dropped:
            omitted.append(ngettext("The criteria that count for each option ({count} line) are listed in the booklet.",
                                    "The criteria that count for each option ({count} lines) are listed in the booklet.",
                                    dropped).format(count=number(dropped)))
    if step >= 4:  # page 2: each option's reason in its first sentence; the own drug's first note
        update["fits"] = [f.model_copy(update={"reason": _first_sentence(f.reason)}) for f in visit.fits]
        if visit.own_drug is not None:
            update["own_drug"] = visit.own_drug.model_copy(update={
                "notes": visit.own_drug.notes[:1],
                "for_ms_team": visit.own_drug.for_ms_team[:1] if page3 else visit.own_drug.for_ms_team})
    if step >= 5:  # page 1 set tighter: the same type size, less space between lines
        update["compact"] = True
    if step >= 5:  # page 2: what would change each undecided option is left to page 3, which gives one answer
        update["changes"] = [c.model_copy(update={"answers": [], "ask": [],
                                                  "clinical": c.clinical[:1] if page3 else c.clinical})
                             for c in visit.changes]
    if step >= 6:  # page 1: the answers to check are listed on page 3 only
        update["answer_checks_on_page3"] = True
    if step >= 6 and page3:  # page 3: the patient's value behind each criterion; the booklet gives the rules
        update["values_only"] = True
        omitted.append(_("The rule behind each criterion is in the booklet."))
    update["clinical_options"] = options
    update["omitted"] = [*visit.omitted, *omitted]
    if page3:
        update["compact_sources"] = BRIEF if step < 5 else BRIEF // 2 if step < 6 else BRIEF // 3
        update["inline_sources"] = step >= 5  # one paragraph, not a line each
    sheet_update: dict[str, object] = {"visit": Visit.model_validate({**visit.model_dump(), **update})}
    # page 1: the type of MS in its first sentence (then alone: page 3 has the rest), and each answer
    # about children in its first clause
    sheet_update["condition"] = [_first_sentence(sheet.condition[0]), *(sheet.condition[1:] if step < 3 else [])]
    if len(sheet.patient_name) > NAME_CHARACTERS:  # a very long name would push the grid off page 1
        sheet_update["patient_name"] = sheet.patient_name[:NAME_CHARACTERS] + " …"
    if step >= 4 and page3 and len(sheet.missing) > NAMED_MISSING:  # page 3: the first missing facts, the rest counted
        rest = len(sheet.missing) - NAMED_MISSING
        # TRANSLATORS: the last line of page 3's list of missing facts, when it is cut short
        sheet_update["missing"] = [*sheet.missing[:NAMED_MISSING], ngettext(
            "and {count} more, listed in the booklet", "and {count} more, listed in the booklet", rest).format(
            count=number(rest))]
    if step >= 2:  # and later the time in hospital in its first sentence
        grid = sheet.grids[0]
        cut = {"children": _first_clause, "hospital": _first_sentence if step >= 4 else str}
        rows = [r.model_copy(update={"cells": [c.model_copy(update={"text": cut[r.key](c.text)}) for c in r.cells]})
                if r.key in cut else r for r in grid.rows]
        sheet_update["grids"] = [grid.model_copy(update={"rows": rows}), *sheet.grids[1:]]
    if step >= 6:  # page 1, last (longer languages): the numbers' cells in two sentences; the booklet has the rest
        sheet_update["grids"] = [_numbers_in_brief(g) for g in sheet_update["grids"]]  # type: ignore[attr-defined]
    data = sheet.model_copy(update=sheet_update).model_dump()
    # a source no line cites any more leaves the list, and the rest are numbered again in citation order
    cited = _cited(data)
    numbers = {s.number: new for new, s in enumerate((s for s in sheet.sources if s.number in cited), start=1)}
    data["sources"] = [s for s in data["sources"] if s["number"] in cited]
    return Sheet.model_validate(_renumbered(data, numbers))


def _numbers_in_brief(grid: Grid) -> Grid:
    rows = [r.model_copy(update={"cells": [c.model_copy(update={"text": _sentences(c.text, 2)}) for c in r.cells]})
            if r.key in ("works", "risks") else r for r in grid.rows]
    return grid.model_copy(update={"rows": rows})


def _sentences(text: str, count: int) -> str:
    return " ".join(re.split(r"(?<=[.!?])\s+", text.strip())[:count])


def _renumbered(data: object, numbers: dict[int, int]) -> object:
    """A dumped model with every citation mark and source renumbered."""
    if isinstance(data, dict):
        keys = set(data)
        if "number" in data and (keys == {"number", "commercial"} or "citation" in keys):
            return {**data, "number": numbers[int(data["number"])]}
        return {key: _renumbered(value, numbers) for key, value in data.items()}
    if isinstance(data, list):
        return [_renumbered(value, numbers) for value in data]
    if isinstance(data, tuple):
        return tuple(_renumbered(value, numbers) for value in data)
    return data


def _cited(data: object) -> set[int]:
    """The numbers of every citation mark (RefView) in a dumped model."""
    if isinstance(data, dict):
        if set(data) == {"number", "commercial"}:
            return {int(data["number"])}
        return {n for value in data.values() for n in _cited(value)}
    if isinstance(data, list | tuple):
        return {n for value in data for n in _cited(value)}
    return set()


def _merged(option: ClinicalOption) -> ClinicalOption:
    """The criteria that count for the option on one line (the ones against it and the unknown ones stay apart)."""
    for_it = [c for c in option.criteria if c.weighs == "for"]
    if len(for_it) < 2:
        return option
    line = CriterionLine(mark=for_it[0].mark, side=for_it[0].side, weighs="for", text="; ".join(dict.fromkeys(c.value or c.text for c in for_it)), value="",
                         refs=list({r.number: r for c in for_it for r in c.refs}.values()))
    return option.model_copy(update={"criteria": [c for c in option.criteria if c.weighs != "for"] + [line]})


def _fewer_answers(change: ChangeView, page3: bool) -> ChangeView:
    return change.model_copy(update={"answers": change.answers[:1],
                                     "clinical": change.clinical[:3] if page3 else change.clinical})


def _condition_words() -> set[str]:
    # TRANSLATORS: the words, in lower case and separated by spaces, that open a leading condition ("If you may want a
    # baby, ..."): when cut short, a sentence that starts with one keeps its words after the comma
    return set(_("if when while after before unless for").split())


def _first_sentence(text: str) -> str:
    head, dot, _rest = text.partition(". ")
    return head + "." if dot else text


def _first_clause(text: str) -> str:
    """The main clause before a comma ('The chemotherapy can leave you unable to have children'); a leading
    condition ('If you may want a baby, ...') is no clause on its own, so that text stays whole."""
    head, comma, _rest = text.partition(", ")
    conditional = head.split(" ", 1)[0].lower() in _condition_words()
    return head + "." if comma and len(head) > 20 and not conditional else text
