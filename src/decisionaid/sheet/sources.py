"""Numbered references for the sheet: the rule pack's sources and the sheet's own, numbered in
order of first citation, with their kind in words and commercial sources flagged."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from ..pack.models import RulePack
from .text import SheetSource

KIND_TEXT = {
    "guideline": "guideline",
    "peer_reviewed_trial": "published study",
    "peer_reviewed_review": "published review",
    "registry_cohort": "registry or cohort study",
    "trial_registry": "trial registration",
    "nonprofit": "nonprofit organisation",
    "research_summary": "plain-language research summary",
    "news": "news or secondary summary",
    "patient_blog": "patient blog",
    "commercial_clinic": "commercial: a clinic that sells treatment",
    "decision_tool": "decision-support tool",
    "regulator": "medicines regulator",
    "drug_label": "drug label (product information)",
}


#: characters of a source in the visit sheet's shortest list
BRIEF = 70


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RefView(_Frozen):
    """A citation mark: the reference number, and whether that source sells treatment."""

    number: int
    commercial: bool


class SourceView(_Frozen):
    number: int
    id: str
    title: str
    citation: str
    kind: str
    commercial: bool
    url: str
    note: str

    @property
    def short(self) -> str:
        """For a short list: the citation when it names authors or a body and a year, else the title too."""
        if len(self.citation) >= 15 and re.search(r"\b(19|20)\d\d\b", self.citation):
            return self.citation
        return f"{self.title}. {self.citation}" if self.citation else self.title


    def brief(self, characters: int = BRIEF) -> str:
        """For a list that must fit a page: the short form cut to about `characters` (the booklet has it in full)."""
        short = self.short
        return short if len(short) <= characters else short[:characters].rsplit(" ", 1)[0] + " …"


class SourceNumbering:
    """Numbers sources in order of first citation, so reference [1] is the first one cited."""

    def __init__(self, pack: RulePack, sheet_sources: list[SheetSource]) -> None:
        self.pack = pack
        self.sheet_sources = {s.id: s for s in sheet_sources}
        self.numbers: dict[str, int] = {}

    def ref(self, source_id: str) -> RefView:
        number = self.numbers.setdefault(source_id, len(self.numbers) + 1)
        source = self.pack.sources.get(source_id)
        return RefView(number=number, commercial=bool(source and source.commercial))

    def refs(self, source_ids: list[str]) -> list[RefView]:
        """Citation marks for `source_ids` in number order; ids unknown to both lists are skipped."""
        known = [s for s in dict.fromkeys(source_ids) if s in self.pack.sources or s in self.sheet_sources]
        return sorted((self.ref(s) for s in known), key=lambda r: r.number)

    def views(self) -> list[SourceView]:
        views = []
        for source_id, number in self.numbers.items():
            if source_id in self.pack.sources:
                s = self.pack.sources[source_id]
                views.append(SourceView(number=number, id=s.id, title=s.title, citation=s.citation, kind=KIND_TEXT[s.kind],
                                        commercial=s.commercial, url=s.url, note=s.note))
            else:
                t = self.sheet_sources[source_id]
                views.append(SourceView(number=number, id=t.id, title=t.title, citation=t.citation,
                                        kind=KIND_TEXT.get(t.kind, t.kind), commercial=False, url=t.url, note=""))
        return views
