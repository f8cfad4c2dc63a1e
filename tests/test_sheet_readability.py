"""Plain language: the patient-facing text of every example sheet reads at grade 8 or lower.

Graded with decisionaid.plumbing.readability (Flesch-Kincaid, as `rules check` grades the rule text; textstat
0.7.13 needs a network download of the CMU dictionary). Left out: what the HTML marks
data-plain-language="exempt" (the clinician page, the reference list, citation marks, verbatim
quotes from other web pages). Each block of 20 words or more is graded on its own, and each section
on all of its text; a failure names the worst sentences."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from decisionaid.plumbing.readability import (
    MAX_GRADE,
    PASSAGE_WORDS,
    as_sentence,
    reading_grade,
    sheet_grade,
    word_count,
)
from decisionaid.sheet.text import sheet_text

from . import sheets


def _grade_report(blocks: list[tuple[str, str]]) -> list[tuple[float, str]]:
    problems = []
    sections: dict[str, list[str]] = defaultdict(list)
    for section, text in blocks:
        sections[section].append(as_sentence(text))
        if word_count(text) >= PASSAGE_WORDS and reading_grade(as_sentence(text)) > MAX_GRADE:
            problems.append((reading_grade(as_sentence(text)), text))
    for section, texts in sections.items():
        grade = reading_grade(" ".join(texts))
        if grade > MAX_GRADE:
            problems.append((grade, f"the whole '{section}' part"))
    return sorted(problems, reverse=True)


@pytest.mark.parametrize("name", sheets.NAMES)
def test_patient_pages_read_at_grade_8_or_lower(name):
    blocks = sheets.patient_blocks(sheets.html(name))
    assert sum(word_count(t) for _, t in blocks) > 2000  # the patient pages are all there
    assert not any(t.startswith("For the clinician") for _, t in blocks)
    problems = _grade_report(blocks)
    assert not problems, "above grade 8, worst first:\n" + "\n".join(f"grade {g:.1f}: {t}" for g, t in problems[:10])


def test_the_sheets_own_fixed_text_reads_at_grade_8_or_lower():
    text = sheet_text()
    passages = [*text.condition.values(), text.decision, text.not_advice, text.grid_help, text.numbers_help,
                text.values_help, text.sure.intro, text.sure.scoring, text.clinic_checklist.intro,
                text.clinic_checklist.abroad, text.about.reading_level, text.about.alternatives,
                *text.status_questions.values(), *text.general_questions, *(i.text for i in text.clinic_checklist.items)]
    problems = _grade_report([("fixed", p) for p in passages])
    assert not problems, "\n".join(f"grade {g:.1f}: {t}" for g, t in problems)


@pytest.mark.parametrize("name", sheets.NAMES[:3])
def test_the_sheet_prints_the_reading_grade_measured_on_its_own_text(name):
    match = re.search(r"school grade (\d+\.\d) \(Flesch-Kincaid\)", " ".join(sheets.pages(name)))
    assert match, "no measured reading grade on the sheet"
    printed = float(match.group(1))
    assert abs(printed - sheet_grade(sheets.html(name))) <= 0.1  # re-measured here on the same HTML
    assert 0 < printed <= MAX_GRADE
