"""The visit sheet: three pages for a 20-minute consultation, made by default.

Page 1, at a glance: the Option Grid of all seven options under names patients know, with one
denominator, and where to get the booklet. Page 2, for the patient: each option's status with the
reason that decided it, what is missing and what each answer would give ("what would change this",
computed by the engine), the questions that matter most for this profile, a short values exercise,
the SURE test and, when it applies, the warning signs of unproven clinics. Page 3, for the MS team:
the same in clinical words (clinical.py), the stamp and the numbered sources of all three pages.
Sources are numbered in the order these pages cite them.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from ..evaluation.assess import Assessment, OptionResult
from ..evaluation.changes import Answers, grouped
from ..pack.models import RulePack
from ..plumbing.i18n import _, current_language, ngettext, number, pgettext, word_list
from ..profile.model import Profile
from .clinical import ClinicalOption, SafetyView, clinical_options, clinical_profile, safety_view
from .drug import OwnDrugView, own_drug_view
from .fields import missing_text
from .grid import VISIT_QUESTIONS, Grid, GridCell, build_grids, missing_cell
from .parts import ChecklistView, SureView, checklist_view, sure_view
from .sources import RefView, SourceNumbering
from .text import SheetText
from .weigh import caution_values, cautions_text, value_words
from .words import first_sentence, lower_first, sentence

MAX_QUESTIONS = 4  # the issue allows eight; four keep pages 1 and 2 within 1,200 words
TRIAL_CELL_THERAPIES = ("msc", "msc_np", "nsc", "ipsc")
ANSWERS_PER_OPTION = 2  # answers shown on page 2 for one option; the MS team's page has them all
NAMED_MISSING = 3  # missing facts named for one option on page 2; the rest are counted


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FitLine(_Frozen):
    """An option's status and the one reason that decided it."""

    option: str
    status: str
    reason: str
    refs: list[RefView]


class ChangeView(_Frozen):
    """For an option that needs information: what is missing, the question that settles it, and
    what the answers would give."""

    option: str
    missing: str
    ask: list[str]
    answers: list[str]
    clinical: list[str]


class Block(_Frozen):
    """Large print: one option with every question of the grid in the grid's order, its fit answer
    carrying the reason that decided it (so page 2 need not list the fits again)."""

    name: str
    answers: list[tuple[str, GridCell]]


class ChildrenLine(_Frozen):
    """For someone who may want children: what one option means for having children later. Its sources are
    ids, not numbered citations: a source is numbered only when a page prints it (the next layout adds a row)."""

    option: str
    text: str
    sources: list[str]


class Visit(_Frozen):
    booklet_note: str
    booklet_note_short: str
    numbers_help: str
    grid_help: str
    order_help: str
    glossary: list[tuple[str, str]]
    decision: str
    fits: list[FitLine]
    own_drug: OwnDrugView | None  # page 2: what the patient's drug label says that concerns them; page 3: detail
    blocks: list[Block]
    changes: list[ChangeView]
    children: list[ChildrenLine]  # empty unless the patient plans children or is unsure
    questions: list[str]
    question_refs: list[RefView]
    values_help: str
    values: list[str]
    checklist: ChecklistView | None
    clinical_profile: str
    clinical_options: list[ClinicalOption]
    safety: SafetyView
    #: what page 3 left out to keep the sheet to three pages ("the booklet lists them"); empty when nothing was
    omitted: list[str] = []
    compact: bool = False  # the last step: page 1 set tighter (the same type size, less space between lines)
    #: page 3 lists each source in at most this many characters (0: in full; the booklet has them in full)
    compact_sources: int = 0
    answer_checks_on_page3: bool = False  # page 1 points to page 3's list of answers to check (the last step)
    inline_sources: bool = False
    values_only: bool = False  # page 3 gives each criterion's value for this patient, not its rule (the last step)  # page 3's sources run on as one paragraph (the last shortening step)


def build_visit(results: list[OptionResult], assessment: Assessment, pack: RulePack, profile: Profile,
                numbering: SourceNumbering, text: SheetText) -> tuple[list[Grid], SureView, Visit]:
    """The visit sheet's grid, SURE test and own parts, numbered in the order the three pages cite them."""
    names = {r.id: text.grid_names.get(r.id, pack.options[r.id].short_title) for r in results}
    if _on_strong_drug(profile, pack):
        names["he_dmt"] = text.grid_name_on_strong_drug
    grids = build_grids(results, pack, numbering, text, names=names, fit="missing", questions=VISIT_QUESTIONS,
                        evidence="certainty", given=_own_cells(results, pack, profile, numbering, text))
    fits = [FitLine(option=names[r.id], status=text.status_short[r.status], reason=r.reason,
                    refs=numbering.refs([s for c in r.criteria if c.id in r.deciding_criteria for s in c.sources]))
            for r in results]
    own_drug = own_drug_view(assessment, numbering, short=True)
    changes = [_change_view(r, names[r.id], profile, pack, text) for r in results if r.status == "needs_information"]
    questions = _questions(results, names, profile, pack, text, bool(assessment.missing_information))
    general = any(q in text.general_questions for q in questions)
    question_refs = numbering.refs(text.general_questions_sources) if general else []
    sure = sure_view(text, numbering, short=True)
    abroad = profile.considering_clinic_abroad == "yes"
    trial_only = any(r.id in TRIAL_CELL_THERAPIES and r.status == "trial_only" for r in results)
    checklist = checklist_view(text, numbering, abroad=abroad, short=True) if abroad or trial_only else None
    visit = Visit(
        booklet_note=text.visit.booklet_note,
        booklet_note_short=text.visit.booklet_note_short,
        numbers_help=text.visit.numbers_help,
        grid_help=text.visit.grid_help,
        order_help=text.order_help,
        glossary=[tuple(item) for item in text.glossary],
        decision=text.visit.decision,
        fits=fits,
        own_drug=own_drug,
        blocks=_blocks(grids[0], fits),
        changes=changes,
        children=[ChildrenLine(option=names[r.id], text=s.text, sources=list(s.sources))
                  for r in results for s in r.having_children[:1]],
        questions=questions,
        question_refs=question_refs,
        values_help=text.visit.values_help,
        values=[text.visit.values[row.key] for row in grids[0].rows if row.key in text.visit.values],
        checklist=checklist,
        clinical_profile=clinical_profile(profile, pack),
        clinical_options=clinical_options(results, pack, profile, names, numbering),
        safety=safety_view(profile, results, pack, names),
    )
    return grids, sure, visit


def _on_strong_drug(profile: Profile, pack: RulePack) -> bool:
    drug = pack.catalogue.resolve(profile.current_dmt) if profile.current_dmt else None
    return drug is not None and drug.tier == "high"


def _own_cells(results: list[OptionResult], pack: RulePack, profile: Profile, numbering: SourceNumbering,
               text: SheetText) -> dict[tuple[str, str], GridCell]:
    """The visit sheet's own cells: each status with its cautions named, how well the patient's own drug
    works, time in hospital and recovery, and (for someone who may want children) what each option means
    for having children later."""
    cells: dict[tuple[str, str], GridCell] = {}
    for r in results:
        named = cautions_text(caution_values(r, pack, profile))
        cells["fit", r.id] = GridCell(lead=text.status_short[r.status] + ".",
                                      text=" ".join(filter(None, [named, missing_cell(r)])), refs=[])
        cells["hospital", r.id] = GridCell(lead="", text=text.hospital[r.id],
                                           refs=numbering.refs(pack.options[r.id].what_it_is_like_sources))
        if profile.plans_children in ("yes", "unsure"):
            said = r.having_children[:1]
            cells["children", r.id] = (GridCell(lead="", text=first_sentence(said[0].text), refs=numbering.refs(said[0].sources))
                                       if said else GridCell(lead="", text=_("Nothing known to change it."), refs=[]))
    drug = pack.catalogue.resolve(profile.current_dmt) if profile.current_dmt else None
    trial = drug.trial_result(profile.ms_type) if drug is not None else None
    if drug is not None and trial is not None:  # its pivotal trial, in relapses (or people) per 100
        # TRANSLATORS: a range of two numbers, as in "10 to 11 relapses"
        span = {key: pgettext("range", "{low} to {high}").format(low=number(values[0]), high=number(values[-1]))
                if len(values) > 1 else number(values[0])
                for key, values in (("on_drug", trial.on_drug), ("on_comparator", trial.on_comparator))}
        cells["works", "no_change"] = GridCell(
            lead=_("Your drug, {drug}:").format(drug=drug.generic), refs=numbering.refs(trial.sources),
            text=text.trial_result[trial.measure].format(trials=trial.trials, drug=drug.generic, outcome=trial.outcome,
                                                         over=trial.over, comparator=trial.comparator, **span))
    elif drug is not None:
        # the drug's own result against placebo where its note has one (a note that gives a percentage, which every
        # language writes with the same sign), else what its efficacy tier did in trials
        how_well = drug.note if "%" in drug.note else pack.catalogue.tiers[drug.tier]
        # TRANSLATORS: where a drug's description turns from what it does to its safety ("..., but their side
        # effects ..."): the sheet keeps the words before it. Keep the spaces and the comma as your text has them.
        how_well = how_well.split(pgettext("what a drug does, but its safety", ", but "))[0]  # its safety is in the risks row
        # TRANSLATORS: the lead of the "how well does it work" cell for the patient's own drug
        cells["works", "no_change"] = GridCell(lead=_("Your drug, {drug}:").format(drug=drug.generic), text=sentence(how_well),
                                               refs=numbering.refs(drug.sources))
    return cells


def _blocks(grid: Grid, fits: list[FitLine]) -> list[Block]:
    blocks = []
    for i, (column, fit) in enumerate(zip(grid.columns, fits, strict=True)):
        answers = []
        for row in grid.rows:
            cell = row.cells[i]
            if row.key == "fit":
                cell = GridCell(lead=fit.status + ".", text=" ".join(filter(None, [fit.reason, cell.text])), refs=fit.refs)
            answers.append((row.question, cell))
        blocks.append(Block(name=column.short_title, answers=answers))
    return blocks


def _questions(results: list[OptionResult], names: dict[str, str], profile: Profile, pack: RulePack,
               text: SheetText, missing: bool) -> list[str]:
    """At most eight, the most particular to this profile first: the missing facts, a clinic abroad,
    each option that is open to this patient, the rules' questions for this profile, then general ones."""
    asked: list[str] = []
    if missing:
        asked.append(first_sentence(text.missing_question))  # its second sentence points at the booklet's list
    if profile.considering_clinic_abroad == "yes":
        asked.append(text.abroad_question)
    for r in results:
        template = text.status_questions.get(r.status)
        if template and r.status != "unlikely_to_fit":
            asked.append(template.format(option=pack.options[r.id].name_in_sentence))
    asked += [q.text for r in results for q in pack.options[r.id].questions if q.when is not None and q.text in r.questions]
    asked += list(text.general_questions)
    return list(dict.fromkeys(asked))[:MAX_QUESTIONS]


def _change_view(result: OptionResult, name: str, profile: Profile, pack: RulePack, text: SheetText) -> ChangeView:
    fields = list(dict.fromkeys(c.field for c in result.what_would_change))
    wording = text.visit.fields
    missing = [wording[_generic(f)].name if _generic(f) in wording else lower_first(missing_text(f))
               for f in (fields or result.missing_information)]
    rest = len(missing) - NAMED_MISSING
    # TRANSLATORS: the last item of a list of missing facts: "your age, your EDSS score and 2 more facts"
    named = missing[:NAMED_MISSING] + ([ngettext("{count} more facts", "{count} more facts", rest).format(count=number(rest))]
                                       if rest > 0 else [])
    answers: list[str] = []
    clinical: list[str] = []
    for field in fields:
        for group in grouped(field, result.what_would_change, pack):
            status = text.status_short[group.status]
            # TRANSLATORS: what an answer would give: "If your EDSS is 6 to 6.5: fits, with cautions." {answer} comes
            # from the sheet's text for each fact, {status} is an option's status
            answers.append(_("If {answer}: {status}.").format(
                answer=_singular(answer_words(field, group, profile, pack, text)), status=lower_first(status)))
            # TRANSLATORS: for the MS team: answers and the status they give: "EDSS 6 to 6.5: fits, with cautions"
            clinical.append(_("{answers}: {status}").format(answers=clinical_values(field, group), status=status.lower()))
    return ChangeView(
        option=name,
        missing=word_list(named),
        ask=[wording[_generic(f)].ask for f in fields if _generic(f) in wording][:1],
        answers=answers[:ANSWERS_PER_OPTION],
        clinical=clinical,
    )


def _generic(field: str) -> str:
    return "prior_dmts." + field.rsplit(".", 1)[1] if field.startswith("prior_dmts.") else field


def _range(group: Answers) -> str:
    if group.low is None and group.high is None:
        # TRANSLATORS: a range of answers that is any number, as in "your EDSS is any number"
        return _("any number")
    if group.low is None:
        return _("up to {high}").format(high=number(group.high))
    if group.high is None:
        return _("{low} or more").format(low=number(group.low))
    if group.low == group.high:
        return number(group.low)
    return _("{low} to {high}").format(low=number(group.low), high=number(group.high))


def answer_words(field: str, group: Answers, profile: Profile, pack: RulePack, text: SheetText) -> str:
    """An answer (or several with the same result) as the patient reads it: 'your EDSS is 6 to 6.5'."""
    wording = text.visit.fields[_generic(field)].answer
    drug = _drug_for(field, profile, pack)
    values = group.values
    if all(isinstance(v, int | float) for v in values):
        return wording["range"].format(value=_range(group), drug=drug)
    if field == "comorbidities":
        named = [text.visit.conditions[v[0]] for v in values if isinstance(v, list) and v]
        parts = ([wording["none"]] if [] in values else []) + ([wording["some"].format(value=word_list(named, "or"))]
                                                              if named else [])
        return word_list(parts, "or")
    if field == "current_dmt":
        return word_list([wording["none"] if v == "none" else wording["drug"].format(
            value=v, tier=_tier(str(v), pack)) for v in values], "or")
    if field == "prior_dmts":
        return wording["none"]
    return word_list([wording[str(v)].format(drug=drug) for v in values], "or")


def _singular(words: str) -> str:
    """'up to 1 years' -> 'up to 1 year' (a range's one-sided bound of 1 reads as one). English only: the
    sheet's text gives each answer in one plural form, and other languages' plurals are not English's."""
    if current_language() != "en":
        return words
    return re.sub(r"(?<![\d.])(up to 1|1) (year|relapse|month|lesion|active lesion|new or bigger lesion)s\b", r"\1 \2", words)


def clinical_values(field: str, group: Answers) -> str:
    """Answers in the MS team's words: 'EDSS 6 to 6.5', 'no comorbidities', 'heart disease or HIV', 'uses a wheelchair'."""
    generic = _generic(field)
    if all(isinstance(v, int | float) for v in group.values):
        return f"{missing_text(generic)} {_range(group)}"
    words = [value_words(generic, v[0] if isinstance(v, list) and v else v) for v in group.values]
    return word_list(list(dict.fromkeys(words)), "or")


def _tier(drug: str, pack: RulePack) -> str:
    found = pack.catalogue.resolve(drug)
    return _tier_words()[found.tier] if found else ""


def _tier_words() -> dict[str, str]:
    """A drug's efficacy tier in words, for the sheet's "a {tier}-efficacy drug such as ..."."""
    # TRANSLATORS: a drug's efficacy tier, as in "a high-efficacy drug such as natalizumab"
    return {"low": pgettext("efficacy", "low"), "moderate": pgettext("efficacy", "moderate"),
            "high": pgettext("efficacy", "high")}


def _drug_for(field: str, profile: Profile, pack: RulePack) -> str:
    """The drug a field is about: an earlier one, or the current one, by its generic name."""
    name = ""
    if field.startswith("prior_dmts.") and profile.prior_dmts:
        name = profile.prior_dmts[int(field.split(".")[1])].drug
    elif profile.current_dmt:
        name = profile.current_dmt
    found = pack.catalogue.resolve(name) if name else None
    return found.generic if found else (name or _("your current drug"))
