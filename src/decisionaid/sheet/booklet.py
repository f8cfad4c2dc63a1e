"""The booklet: the full reference document, made on request (`decisionaid sheet --booklet`).

Page 1 is the Option Grid; then each option in full (reasons, every benefit and harm with its
numbers and icon arrays), values and readiness, questions, the clinic checklist, checked claims,
about the sheet with the long list of sources, and the clinician pages with every criterion.
Sources are numbered in the order the booklet has always cited them: the options first.
"""

from __future__ import annotations

import yaml
from pydantic import BaseModel, ConfigDict

from ..evaluation.assess import Assessment, OptionResult
from ..pack.models import RulePack
from ..plumbing.i18n import N_, _
from ..profile.model import PROFILE_FIELDS, Profile
from .drug import OwnDrugView, own_drug_view
from .grid import Grid, build_grids
from .options import CELL_THERAPIES, OptionView, option_view
from .parts import ChecklistView, SureView, checklist_view, sure_view
from .sources import RefView, SourceNumbering
from .text import SheetText
from .words import first_sentence

QUOTE_CHECK = {
    "contradicted": N_("Published studies say otherwise"),
    "partly_consistent": N_("Only partly right"),
    "unverified": N_("We could not confirm this"),
}
#: the two kinds of statement the values table asks the reader to weigh
VALUE_KINDS = (N_("Benefit"), N_("Harm"))
LARGE_PRINT_COLUMNS = 2  # options per grid table in large print, so 16 pt text fits the page width


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ValueItem(_Frozen):
    option: str
    kind: str
    text: str


class QuestionGroup(_Frozen):
    heading: str
    questions: list[str]
    refs: list[RefView]


class CorrectionView(_Frozen):
    option: str
    quote: str  # word for word, in the seed's own language
    #: in a document in another language than the seed's: the quote's language ("(in English)") and its translation
    language_mark: str = ""
    translation: str = ""
    source: RefView
    check: str
    comment: str
    refs: list[RefView]


class Row(_Frozen):
    label: str
    value: str


class Booklet(_Frozen):
    options: list[OptionView]
    values_help: str
    values: list[ValueItem]
    values_own: str
    readiness: tuple[str, list[str]]
    roles: tuple[str, list[str]]
    support: list[str]
    next_steps: list[str]
    decision_tool_refs: list[RefView]
    questions: list[QuestionGroup]
    checklist: ChecklistView | None
    corrections: list[CorrectionView]
    profile_entered: list[Row]
    profile_not_given: list[str]
    own_drug: OwnDrugView | None = None  # what the patient's drug label says that concerns them


def build_booklet(results: list[OptionResult], assessment: Assessment, pack: RulePack, profile: Profile,
                  numbering: SourceNumbering, text: SheetText,
                  large_print: bool) -> tuple[list[Grid], SureView, Booklet]:
    """The booklet's grid, SURE test and own parts."""
    options = [option_view(result, pack, numbering, text, large_print) for result in results]
    grids = build_grids(results, pack, numbering, text, names={o.id: o.short_title for o in options},
                        columns=LARGE_PRINT_COLUMNS if large_print else None)
    sure = sure_view(text, numbering)
    decision_tool_refs = numbering.refs(text.decision_tool_sources)
    questions = _questions(options, results, bool(assessment.missing_information), profile, text, numbering)
    abroad = profile.considering_clinic_abroad == "yes"
    # Shown whenever a cell therapy is on the sheet (always, as every option is) or a clinic abroad is considered.
    checklist = (checklist_view(text, numbering, abroad=abroad)
                 if abroad or any(o.id in CELL_THERAPIES for o in options) else None)
    corrections = _corrections(pack, options, numbering)
    own_drug = own_drug_view(assessment, numbering)
    entered = profile.entered_fields()
    booklet = Booklet(
        options=options,
        values_help=text.values_help,
        values=[ValueItem(option=o.short_title, kind=_(kind), text=first_sentence(statements[0].text))
                for o in options if o.status != "research_only"
                for kind, statements in zip(VALUE_KINDS, (o.benefits, o.risks)) if statements],
        values_own=text.values_own,
        readiness=(text.readiness.question, list(text.readiness.choices)),
        roles=(text.roles.question, list(text.roles.choices)),
        support=list(text.support),
        next_steps=list(text.next_steps),
        decision_tool_refs=decision_tool_refs,
        questions=questions,
        checklist=checklist,
        corrections=corrections,
        profile_entered=[Row(label=k, value=_as_entered(v)) for k, v in entered.items()],
        profile_not_given=[f for f in PROFILE_FIELDS if f not in entered],
        own_drug=own_drug,
    )
    return grids, sure, booklet


def _questions(options: list[OptionView], results: list[OptionResult], missing: bool, profile: Profile,
               text: SheetText, numbering: SourceNumbering) -> list[QuestionGroup]:
    general = list(text.general_questions)
    if missing:
        general.append(text.missing_question)
    if profile.considering_clinic_abroad == "yes":
        general.append(text.abroad_question)
    groups = [QuestionGroup(heading=_("Questions about any option"), questions=general,
                            refs=numbering.refs(text.general_questions_sources))]
    for option, result in zip(options, results):
        asked = list(result.questions)
        template = text.status_questions.get(option.status)
        if template:
            asked.insert(0, template.format(option=option.in_sentence))
        if asked:
            # TRANSLATORS: the heading of the questions about one option, named by its short title
            groups.append(QuestionGroup(heading=_("About {option}").format(option=option.short_title),
                                        questions=asked, refs=[]))
    return groups


def _corrections(pack: RulePack, options: list[OptionView], numbering: SourceNumbering) -> list[CorrectionView]:
    """Seed claims that published evidence contradicts, only partly supports or cannot confirm."""
    out = []
    for view in options:
        option = pack.options[view.id]
        items = [option, *option.criteria, *option.benefits, *option.risks]
        for quote in (q for item in items for q in item.quotes):
            if quote.assessment == "consistent":
                continue
            mark = numbering.language_mark(quote.source)
            out.append(CorrectionView(option=view.short_title, quote=quote.text, language_mark=mark,
                                      translation=quote.translation if mark else "",
                                      source=numbering.refs([quote.source])[0],
                                      check=_(QUOTE_CHECK[quote.assessment]), comment=quote.comment,
                                      refs=numbering.refs(quote.better_sources)))
    return out


def _as_entered(value: object) -> str:
    if isinstance(value, (list, dict)):
        return str(yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True, width=10_000)).strip()
    return str(value)
