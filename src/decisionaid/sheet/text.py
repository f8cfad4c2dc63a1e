"""The sheet's fixed text (templates/sheet-text.yaml): what every sheet says, whatever the rules.

SURE items, decision roles, the clinic warning-sign checklist and its sources, the wording of the
condition and the decision. Rule content (criteria, benefits, risks, option questions) is not here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ..pack.said import translated
from ..plumbing.i18n import LANGUAGES, SOURCE_LANGUAGE, Language, _, current_language
from ..plumbing.resources import templates_dir

Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SureItem(_Strict):
    said: ClassVar[tuple[str, ...]] = ("letter", "text")
    letter: Text
    text: Text


class Sure(_Strict):
    said: ClassVar[tuple[str, ...]] = ("intro", "scoring")
    intro: Text
    items: Annotated[list[SureItem], Field(min_length=4, max_length=4)]
    scoring: Text
    sources: list[str]


class Choices(_Strict):
    said: ClassVar[tuple[str, ...]] = ("question", "choices")
    question: Text
    choices: list[Text]


class ChecklistItem(_Strict):
    said: ClassVar[tuple[str, ...]] = ("text",)
    text: Text
    sources: list[str]
    visit: bool = False  # also on the visit sheet's shorter list


class Checklist(_Strict):
    said: ClassVar[tuple[str, ...]] = ("intro", "visit_intro", "abroad")
    intro: Text
    visit_intro: Text
    abroad: Text
    items: list[ChecklistItem]


class FieldWords(_Strict):
    """How page 2 names a missing fact, the question that settles it, and how each answer reads."""

    said: ClassVar[tuple[str, ...]] = ("name", "ask", "answer")
    name: Text
    ask: Text
    answer: dict[str, Text]


class VisitText(_Strict):
    said: ClassVar[tuple[str, ...]] = ("booklet_note", "booklet_note_short", "numbers_help", "grid_help", "decision", "values_help", "abroad",
                                        "sure_scoring", "values", "conditions", "derived_facts", "derived_unknown",
                                        "fact_values")
    booklet_note: Text
    booklet_note_short: Text  # when page 1 must be shortened to fit
    numbers_help: Text
    grid_help: Text
    decision: Text
    values_help: Text
    abroad: Text
    sure_scoring: Text
    values: dict[str, Text]
    fields: dict[str, FieldWords]
    conditions: dict[str, Text]
    derived_facts: dict[str, dict[Literal["yes", "no", "value"], Text]]
    derived_unknown: Text
    fact_values: dict[str, Text]  # a derived fact's value where it is not plain words ('anti_cd20')


class About(_Strict):
    said: ClassVar[tuple[str, ...]] = ("reading_level", "alternatives")
    reading_level: Text
    alternatives: Text


class SheetSource(_Strict):
    id: Text
    title: Text
    citation: str = ""
    kind: Text
    url: str = ""


class SheetText(_Strict):
    said: ClassVar[tuple[str, ...]] = (
        "description", "condition", "decision", "not_advice", "grid_help", "numbers_help", "grid_numbers", "status_short",
        "grid_names", "grid_name_on_strong_drug", "option_groups", "order_help", "glossary", "hospital", "visit_title",
        "booklet_title", "status_questions", "general_questions", "missing_question", "abroad_question", "values_help",
        "values_own", "more_criteria", "support", "next_steps", "trial_result")
    description: Text
    condition: dict[str, Text]
    condition_sources: list[str]
    decision: Text
    not_advice: Text
    grid_help: Text
    numbers_help: Text
    grid_numbers: Text
    status_short: dict[str, Text]
    grid_names: dict[str, Text]
    grid_name_on_strong_drug: Text
    option_groups: dict[str, Text]
    order_help: Text
    glossary: list[tuple[Text, Text]]
    hospital: dict[str, Text]
    trial_result: dict[str, Text]  # by measure: relapses_a_year, people
    visit_title: Text
    booklet_title: Text
    status_questions: dict[str, Text]
    general_questions: list[Text]
    general_questions_sources: list[str]
    missing_question: Text
    abroad_question: Text
    values_help: Text
    values_own: Text
    more_criteria: Text
    sure: Sure
    readiness: Choices
    roles: Choices
    support: list[Text]
    next_steps: list[Text]
    decision_tool_sources: list[str]
    clinic_checklist: Checklist
    about: About
    visit: VisitText
    sources: list[SheetSource]


def sheet_text() -> SheetText:
    """The fixed text in the current language (plumbing/i18n.py); each field's `said` names what is translated."""
    return _sheet_text_in(current_language())


@lru_cache(maxsize=len(LANGUAGES))
def _sheet_text_in(language: Language) -> SheetText:
    english = _english_sheet_text()
    return english if language == SOURCE_LANGUAGE else translated(english, _)


@lru_cache(maxsize=1)
def _english_sheet_text() -> SheetText:
    """The fixed text as written, read once per process."""
    with open(templates_dir() / "sheet-text.yaml", encoding="utf-8") as handle:
        # libyaml's loader when there (about 10 ms less on a cold start); this file is our own, not user input
        return SheetText.model_validate(yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
