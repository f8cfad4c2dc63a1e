"""The visit sheet as real PDFs: three pages (at most ten in large print), at most 1,200 words on
pages 1 and 2, page 1 the Option Grid of all seven options, page 2 for the patient, page 3 for the
MS team; the IPDAS qualifying criteria on the visit sheet alone. Visit sheets render in about a
third of a second, so every example is checked; each is made once per session (tests/sheets.py)."""

from __future__ import annotations

import io
import re

import pdfplumber
import pytest

from decisionaid.pack.vocabulary import FIELDS
from decisionaid.plumbing.readability import MAX_GRADE, sheet_grade, word_count
from decisionaid.profile.model import PROFILE_FIELDS
from decisionaid.sheet.grid import VISIT_QUESTIONS
from decisionaid.sheet.text import sheet_text

from . import sheets

NAMES = sheets.NAMES
visit = sheets.visit
LARGE = [NAMES[0], "spms-active"]
CITATION = re.compile(r"\[([\d, :a-z]+)\]")
MAX_WORDS = 1200


def _words(text: str) -> int:
    """Words a reader reads: citation marks such as [4, 12] are left out."""
    return word_count(CITATION.sub("", text))


@pytest.mark.parametrize("name", NAMES)
def test_three_pages_and_at_most_1200_words_on_pages_1_and_2(name):
    pages = visit.pages(name)
    assert len(pages) == 3, [p[:60] for p in pages]
    assert _words(pages[0]) + _words(pages[1]) <= MAX_WORDS
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of 3" in text and f"made {sheets.DAY}" in text  # trust marks on every page


@pytest.mark.parametrize("name", NAMES)
def test_page_1_is_the_grid_of_all_seven_options_in_readable_type_with_one_denominator_per_row(name, pack):
    page1, model = visit.pages(name)[0], visit.sheet(name)
    names = {c.id: c.short_title for c in model.grids[0].columns}
    assert list(names) == list(pack.options)  # the one fixed order, never by status
    for option_id in pack.options:
        assert sheets.fold(names[option_id]) in page1, option_id
    rows = {r.key: r for r in model.grids[0].rows}
    assert list(rows) == [k for k, _ in VISIT_QUESTIONS if k in rows]  # the children row only when asked
    for row in rows.values():
        assert row.question in page1
    for row in (rows["works"], rows["risks"]):  # one denominator per row, in its question and every cell
        for cell in row.cells:
            found = set(re.findall(r"\d[\d,]* (?:to \d[\d,]* )?in (\d[\d,]*)", f"{cell.lead} {cell.text}"))
            assert found <= {f"{row.denominator:,}"}, (row.key, cell)
    denominators = set(re.findall(r"\d[\d,]* (?:to \d[\d,]* )?in (\d[\d,]*)", page1)) | set(
        re.findall(r"out of (\d[\d,]*)", page1))
    assert denominators <= {f"{rows['works'].denominator:,}", f"{rows['risks'].denominator:,}"}
    assert "booklet" in page1  # where the details are
    fit = next(r for r in model.grids[0].rows if r.key == "fit")
    for result, cell in zip(model.grids[0].columns, fit.cells):
        if cell.lead.startswith(sheet_text().status_short["needs_information"]):
            assert cell.text.startswith("Missing: ") and sheets.fold(cell.text) in page1, result.id
    with pdfplumber.open(io.BytesIO(visit.pdf(name))) as pdf:
        chars = pdf.pages[0].chars
    assert min(c["size"] for c in chars) >= 9 - 0.05
    assert not [c for c in chars if "Condensed" in c["fontname"]]


@pytest.mark.parametrize("name", NAMES)
def test_page_2_gives_each_deciding_reason_and_what_would_change_each_open_status(name):
    page2, model = visit.pages(name)[1], visit.sheet(name)
    for fit in model.visit.fits:
        assert sheets.fold(f"{fit.option}: {fit.status}.") in page2
        assert sheets.fold(fit.reason)[:50] in page2
    needing = [r for r in model.visit.fits if r.status == sheet_text().status_short["needs_information"]]
    assert len(model.visit.changes) == len(needing)
    for change in model.visit.changes:
        assert sheets.fold(f"{change.option}. Missing: {change.missing}")[:60] in page2
        for line in change.answers:
            assert sheets.fold(line) in page2
    assert "The SURE test" in page2 and "What matters to you" in page2 and "Questions to ask" in page2
    assert 1 <= len(model.visit.questions) <= 8
    for question in model.visit.questions:
        assert sheets.fold(question)[:40] in page2
    booklet = sheets.sheet(name).booklet  # the model only: what the profile says, no rendering
    abroad = bool(booklet.checklist and booklet.checklist.abroad)
    trial_only = any(o.status == "trial_only" for o in booklet.options if o.id in ("msc", "msc_np", "nsc", "ipsc"))
    assert ("Warning signs of unproven stem cell clinics" in page2) == (abroad or trial_only)


@pytest.mark.parametrize("name", NAMES)
def test_page_3_is_for_the_ms_team_in_clinical_words_with_the_stamp(name, pack):
    page3, model = visit.pages(name)[2], visit.sheet(name)
    assert page3.startswith("For your MS team") and "Profile:" in page3
    assert sheets.fold(model.visit.clinical_profile)[:80] in page3
    for option in model.visit.clinical_options:
        assert sheets.fold(f"{option.name}: {option.status}.") in page3
        for line in option.criteria:
            assert sheets.fold(line.text)[:30] in page3
    for heading in ("Contraindications present", "Missing facts", "About this sheet", "Reproducibility stamp", "Sources"):
        assert heading in page3
    squeezed = page3.replace(" ", "")
    assert model.profile_digest[:30] in squeezed and model.pack_digest[:30] in squeezed
    assert f"{pack.meta.name}" in page3 and f"next review {pack.meta.next_review}" in page3
    assert "Funding:" in page3 and "Conflicts of interest:" in page3 and "Updates:" in page3
    raw = [f for f in [*FIELDS, *PROFILE_FIELDS] if "_" in f and f in page3]
    assert not raw, raw  # no raw field names
    assert ".yaml" not in page3 and "rules/" not in page3 and "{" not in page3  # no file paths, no YAML


@pytest.mark.parametrize("name", NAMES)
def test_every_citation_on_the_three_pages_is_listed_and_every_listed_source_cited(name):
    text, model = " ".join(visit.pages(name)), visit.sheet(name)
    sources_at = text.index("Reproducibility stamp")
    cited = {int(n) for group in CITATION.findall(text[:sources_at]) for n in re.findall(r"\d+", group)}
    assert cited == {s.number for s in model.sources}
    assert [s.number for s in model.sources] == list(range(1, len(model.sources) + 1))
    assert len(model.sources) < len(sheets.sheet(name).sources)  # the booklet keeps the long list


@pytest.mark.parametrize("name", NAMES)
def test_ipdas_qualifying_criteria_hold_on_the_visit_sheet_alone(name, pack):
    """Q1 condition, Q2 decision, Q3 options, Q4 positive and Q5 negative features, Q6 what it is like."""
    page1, model = visit.pages(name)[0], visit.sheet(name)
    assert "Your condition" in page1 and sheets.fold(model.condition[0])[:60] in page1  # Q1
    assert "The decision" in page1 and "Should you keep your current MS treatment plan, or change it?" in page1  # Q2
    assert "This sheet does not tell you what to choose" in page1
    grid = model.grids[0]
    assert len(grid.columns) == len(pack.options)  # Q3
    for key in ("works", "risks", "hospital"):  # Q4, Q5, Q6 (time in hospital and recovery): one answer per option
        row = next(r for r in grid.rows if r.key == key)
        for column, cell in zip(grid.columns, row.cells):
            assert cell.lead or cell.text, (key, column.id)
            assert sheets.fold(f"{cell.lead} {cell.text}".strip())[:25] in page1, (key, column.id)


@pytest.mark.parametrize("name", NAMES[:4])
def test_patient_pages_read_at_grade_8_or_lower_and_the_sheet_says_so(name):
    html = visit.html(name)
    grade = sheet_grade(html)
    assert 0 < grade <= MAX_GRADE
    match = re.search(r"school grade (\d+\.\d) \(Flesch-Kincaid", visit.pages(name)[2])
    assert match and abs(float(match.group(1)) - grade) <= 0.1


@pytest.mark.parametrize("name", NAMES)
def test_large_print_is_at_most_ten_pages_with_no_near_empty_page(name):
    data = visit.pdf(name, True)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) <= 10
        footer = 30 * 72 / 25.4  # the bottom margin, where the footer is
        for number, page in enumerate(pdf.pages[:-1], start=1):  # the last page ends where the sheet ends
            lowest = max(c["bottom"] for c in page.chars if c["bottom"] < page.height - footer)
            assert lowest > page.height / 2, f"page {number} is less than half full"
        if name in LARGE:
            assert min(c["size"] for p in pdf.pages for c in p.chars) >= 16 - 0.05


@pytest.mark.parametrize("name", LARGE)
def test_large_print_keeps_the_options_comparable_one_block_each_same_questions_same_order(name):
    model, text = visit.sheet(name, True), " ".join(visit.pages(name, True))
    questions = [q for q, _ in model.visit.blocks[0].answers]
    at = 0
    for number, block in enumerate(model.visit.blocks, start=1):
        assert [q for q, _ in block.answers] == questions
        at = text.index(sheets.fold(f"{number}. {block.name}"), at)
        for question in questions:  # in this block, in the grid's order
            at = text.index(question, at)
    assert len(model.visit.blocks) == 7
