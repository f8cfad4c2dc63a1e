"""Parts that both documents print: the SURE test and the warning signs of unproven clinics."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .sources import RefView, SourceNumbering
from .text import SheetText


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SureView(_Frozen):
    intro: str
    items: list[tuple[str, str]]
    scoring: str
    refs: list[RefView]


class ChecklistItemView(_Frozen):
    text: str
    refs: list[RefView]


class ChecklistView(_Frozen):
    intro: str
    abroad: str
    items: list[ChecklistItemView]


def sure_view(text: SheetText, numbering: SourceNumbering, *, short: bool = False) -> SureView:
    """The SURE test, its items word for word; `short`: the visit sheet's shorter scoring line."""
    return SureView(intro=text.sure.intro, items=[(i.letter, i.text) for i in text.sure.items],
                    scoring=text.visit.sure_scoring if short else text.sure.scoring, refs=numbering.refs(text.sure.sources))


def checklist_view(text: SheetText, numbering: SourceNumbering, *, abroad: bool, short: bool = False) -> ChecklistView:
    """The clinic warning signs; `short`: only those marked for the visit sheet, with its shorter intro."""
    checklist = text.clinic_checklist
    items = [i for i in checklist.items if i.visit or not short]
    return ChecklistView(
        intro=checklist.visit_intro if short else checklist.intro,
        abroad=(text.visit.abroad if short else checklist.abroad) if abroad else "",
        items=[ChecklistItemView(text=i.text, refs=numbering.refs(i.sources)) for i in items],
    )
