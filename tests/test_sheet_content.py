"""What each part of the sheet holds: values and readiness, tailored questions and the clinic checklist,
the clinician page, sources with commercial ones flagged, and checked claims."""

from __future__ import annotations

import re

import pytest

from decisionaid.pipeline import assess_profile
from decisionaid.profile.read import load_profile
from decisionaid.sheet.fit import as_counted, figure, headline
from decisionaid.sheet.grid import NOT_LIKE_YOU
from decisionaid.sheet.text import sheet_text

from . import sheets
from .conftest import EXAMPLES, RULES


def _text(name):
    return " ".join(sheets.pages(name))


@pytest.mark.parametrize("name", sheets.NAMES)
def test_values_sure_role_and_notes_to_fill_in(name):
    text, model = _text(name), sheets.sheet(name)
    assert "Your values and your readiness" in text and "How much it matters (0 to 5 stars)" in text
    rated = [(v.option, v.kind, v.text) for v in model.booklet.values]
    expected = [(o.short_title, kind, statements[0].text) for o in model.booklet.options if o.status != "research_only"
                for kind, statements in (("Benefit", o.benefits), ("Harm", o.risks)) if statements]
    assert len(rated) == len(expected)  # each option's first benefit and first harm, in sheet order
    assert all(full.startswith(short) for (_, _, short), (_, _, full) in zip(rated, expected))
    assert [r[:2] for r in rated] == [e[:2] for e in expected]
    assert text.count(sheet_text().values_own) == 2  # and rows for what else matters to the patient
    for item in sheet_text().sure.items:  # SURE items word for word (Legare 2010)
        assert item.text in text
    assert "Before the visit" in text and "After the visit" in text
    assert "I prefer to share the decision with:" in text and "Your notes and questions" in text


@pytest.mark.parametrize("name", sheets.NAMES)
def test_questions_follow_the_statuses_and_the_clinic_checklist_cites_its_sources(name):
    text, model = _text(name), sheets.sheet(name)
    fixed = sheet_text()
    for option in model.booklet.options:
        template = fixed.status_questions.get(option.status)
        if template:
            assert sheets.fold(template.format(option=option.in_sentence)) in text
    assert model.booklet.checklist is not None  # cell therapies are on every sheet
    assert "Warning signs of unproven stem cell clinics" in text
    numbers = {r.number for item in model.booklet.checklist.items for r in item.refs}
    titles = {s.title for s in model.sources if s.number in numbers}
    assert {"Stem Cell Clinics: Questions to Ask", "Having HSCT outside the NHS"} <= titles


def test_clinic_abroad_gets_its_own_warning(make_profile):
    from decisionaid.pipeline import make_sheet

    def booklet(abroad):
        profile = make_profile(f"age: 40\nms_type: RRMS\nconsidering_clinic_abroad: '{abroad}'\n")
        return make_sheet(profile, sheet_date=sheets.DAY, document="booklet").booklet

    abroad, home = booklet("yes"), booklet("no")
    assert abroad.checklist.abroad and not home.checklist.abroad
    assert any(sheet_text().abroad_question in g.questions for g in abroad.questions)


@pytest.mark.parametrize("name", sheets.NAMES)
def test_clinician_page_comes_last_with_profile_criteria_missing_facts_and_stamp(name, pack):
    pages, model = sheets.pages(name), sheets.sheet(name)
    start = next(i for i, p in enumerate(pages) if "For the clinician" in p and "exactly as entered" in p)
    last = " ".join(pages[start:])
    for row in model.booklet.profile_entered:
        assert row.label in last
    for option in model.booklet.options:
        for c in option.criteria:
            assert sheets.fold(c.label)[:25] in last
    assert f"{pack.meta.name}" in last and pack.meta.version in last and str(pack.meta.reviewed) in last
    assert str(pack.meta.next_review) in last and model.profile_digest[:30] in last.replace(" ", "")
    assert model.pack_digest[:30] in last.replace(" ", "") and f"decisionaid {model.program_version}" in last
    assert "Clinician notes" in last and "Information that was missing" in last
    assert "Numbered sources" not in last  # the reference list comes before the clinician page


@pytest.mark.parametrize("name", sheets.NAMES)
def test_sources_are_numbered_with_kind_and_commercial_ones_flagged(name):
    text, model = _text(name), sheets.sheet(name)
    assert [s.number for s in model.sources] == list(range(1, len(model.sources) + 1))
    commercial = [s for s in model.sources if s.commercial]
    assert commercial and text.count("⚠ Commercial: sells treatment") == len(commercial)
    for c in model.booklet.corrections:
        assert c.check in text and sheets.fold(c.comment)[:40] in text
    assert any(c.check == "Published studies say otherwise" for c in model.booklet.corrections)


@pytest.mark.parametrize("name", sheets.NAMES)
def test_page_one_shows_the_range_where_studies_disagree_and_both_arms_of_a_comparison(name, pack):
    """The grid's number for an option comes from the statement whose numbers best fit the patient (the
    risk that matters most for them first); when several studies of one outcome disagree, page 1 shows
    the lowest to the highest, never just the first; where none was counted in people like the patient,
    it says so."""
    model, page1 = sheets.sheet(name), sheets.pages(name)[0]
    assessment = assess_profile(load_profile(str(next(p for p in EXAMPLES if p.stem == name)), pack.catalogue), RULES)
    results = {o.id: o for o in assessment.options}
    grid = model.grids[0]
    for row in (r for r in grid.rows if r.key in ("works", "risks")):
        for column, cell in zip(grid.columns, row.cells):
            result = results[column.id]
            lead = (headline(result.benefits, matters_first=False) if row.key == "works"
                    else headline(result.risks, matters_first=True))
            if lead is None or not lead.numbers:
                continue
            numbers, scale = lead.numbers, row.denominator
            same = [n for n in numbers if n.outcome == numbers[0].outcome]
            counts = {n.count * scale // n.denominator for n in same}
            if lead.applies == "no":
                assert cell.lead == NOT_LIKE_YOU, column.id
            elif len(counts) > 1 and not any(as_counted(n, scale) for n in same):
                assert cell.lead == f"About {min(counts):,} to {max(counts):,} in {scale:,}", column.id
            elif len(numbers) > 1 and numbers[1].outcome != numbers[0].outcome:
                assert f"{figure(numbers[1], scale)} {numbers[1].outcome}" in cell.text, column.id
            assert sheets.fold(cell.lead) in page1


def test_the_examples_reach_both_the_range_and_the_comparison():
    page1 = sheets.pages("rrms-breakthrough-high-efficacy")[0]
    assert "About 62 in 100 had worse disability after a change of drug" in page1  # MIST's 2 arms, out of 100
    assert "Only 55 people per group" in page1
    page1 = sheets.pages("ppms-not-active")[0]  # 4 studies disagree; relapsing-MS-only studies are left out
    assert ("About 14 to 28 in 1,000 people died from the treatment, in different studies or times. "
            "Studies of 210 to 764 people.") in page1


def test_status_questions_read_as_english_for_every_option(pack):
    """Templates such as "Do you agree that {option} does not fit me now?" get each option's name as it
    reads inside a sentence: no capitalised title mid-sentence ("that Neural stem cells does not...")."""
    templates = sheet_text().status_questions
    for option in pack.options.values():
        for template in templates.values():
            for sentence in re.split(r"(?<=[.?!])\s+", template.format(option=option.name_in_sentence)):
                for word in sentence.split()[1:]:
                    assert word == "I" or not word[0].isupper() or word[1:2].isupper(), (option.id, sentence)
    assert templates["unlikely_to_fit"].format(option=pack.options["nsc"].name_in_sentence) == (
        "Do you agree that neural stem cell treatment does not fit me now? Could that change?")
    assert templates["discuss"].format(option=pack.options["no_change"].name_in_sentence) == (
        "What would keeping my current plan mean for my daily life, my work and my family?")
