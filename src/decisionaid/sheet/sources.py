"""Numbered references for the sheet: the rule pack's sources and the sheet's own, numbered in
order of first citation, with their kind in words and commercial sources flagged."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from ..pack.models import RulePack
from ..plumbing.i18n import N_, SOURCE_LANGUAGE, _, current_language
from .text import SheetSource

KIND_TEXT = {
    "guideline": N_("guideline"),
    "peer_reviewed_trial": N_("published study"),
    "peer_reviewed_review": N_("published review"),
    "registry_cohort": N_("registry or cohort study"),
    "trial_registry": N_("trial registration"),
    "nonprofit": N_("nonprofit organisation"),
    "research_summary": N_("plain-language research summary"),
    "news": N_("news or secondary summary"),
    "patient_blog": N_("patient blog"),
    "commercial_clinic": N_("commercial: a clinic that sells treatment"),
    "decision_tool": N_("decision-support tool"),
    "regulator": N_("medicines regulator"),
    "drug_label": N_("drug label (product information)"),
}
#: a source's title is kept in its own language; a document in another language says which, so a reader
#: knows before following it (a source is in English unless it says otherwise)
IN_LANGUAGE = {"en": N_("{title} (in English)"), "es": N_("{title} (in Spanish)"), "de": N_("{title} (in German)")}


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
    title: str  # in the source's own language, marked with it when the document speaks another
    own_title: str  # the title alone, unmarked
    language_mark: str = ""  # the mark alone ("(in English)"), which a shortened list keeps
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
        if len(short) <= characters:
            return short
        if not (self.language_mark and self.title in short):
            return _cut(short, characters)
        return f"{_cut(short.replace(self.title, self.own_title, 1), characters)} {self.language_mark}"


def _cut(text: str, characters: int) -> str:
    return text[:characters].rsplit(" ", 1)[0] + " …"


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

    def language_mark(self, source_id: str) -> str:
        """'(in English)' when the source is in another language than the document, else ''."""
        source = self.pack.sources.get(source_id) or self.sheet_sources.get(source_id)
        return _titled("", _language(source))[1] if source is not None else ""

    def views(self) -> list[SourceView]:
        views = []
        for source_id, number in self.numbers.items():
            if source_id in self.pack.sources:
                s = self.pack.sources[source_id]
                title, mark = _titled(s.title, _language(s))
                views.append(SourceView(number=number, id=s.id, title=title, own_title=s.title, language_mark=mark,
                                        citation=s.citation, kind=_(KIND_TEXT[s.kind]), commercial=s.commercial,
                                        url=s.url, note=s.note))
            else:
                t = self.sheet_sources[source_id]
                title, mark = _titled(t.title, _language(t))
                kind = _(KIND_TEXT[t.kind]) if t.kind in KIND_TEXT else t.kind
                views.append(SourceView(number=number, id=t.id, title=title, own_title=t.title, language_mark=mark,
                                        citation=t.citation, kind=kind, commercial=False, url=t.url, note=""))
        return views


def _language(source: object) -> str:
    """The language a source is written in: English, unless the source names another."""
    return str(getattr(source, "language", "") or SOURCE_LANGUAGE)


def _titled(title: str, language: str) -> tuple[str, str]:
    """The title, marked with its language when the document speaks another one, and the mark alone."""
    if language == current_language() or language not in IN_LANGUAGE:
        return title, ""
    marked = _(IN_LANGUAGE[language]).format(title=title)
    return marked, marked.replace(title, "", 1).strip()
