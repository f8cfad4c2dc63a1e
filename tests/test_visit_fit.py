"""Every visit sheet keeps to its pages, whatever the profile: exactly three pages in normal print and
at most ten in large print, for generated profiles (hypothesis) and the model's extremes (fifty
earlier drugs, the longest name, every health condition, everything unknown but age and type). The
PDFs are opened: the option order is fixed, page 3 marks each criterion for or against in words, and
no raw field name or value reaches the page. A visit sheet costs about 0.4 s, so the examples are few."""

from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decisionaid.pack.vocabulary import COMORBIDITIES, FIELDS
from decisionaid.pipeline import make_sheet
from decisionaid.profile.model import Profile
from decisionaid.sheet import render_pdf
from decisionaid.sheet.weigh import derived_words

from .conftest import RULES
from .generate import MS_TYPES, drug_names, profiles

DAY = dt.date(2026, 11, 22)
ORDER = ["Keep your current plan", "MS drug", "Stem cell transplant", "Stem cells from bone marrow", "Nerve support cells",
         "Neural stem cells", "Reprogrammed cells"]
#: words a profile file uses that a reader should never see
RAW = re.compile(r"\b([Ww]alking:? wheelchair|one_aid|two_aids|hiv\b|heart_disease|cancer_active_or_recent|not_effective|"
                 r"side_effects|plans_children|or less years|Met:|Not met:|\bnot: )")


def _pdf(pack, data: dict, large_print: bool = False) -> bytes:
    profile = Profile.model_validate(data, context={"catalogue": pack.catalogue})
    return render_pdf(make_sheet(profile, sheet_date=DAY, large_print=large_print, rules_dir=RULES))


def _pages(pack, data: dict, large_print: bool = False) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(_pdf(pack, data, large_print))).pages]


def near_empty_pages(pdf: bytes) -> list[int]:
    """Pages, but the last, whose text ends above half the page (the footer not counted): test_visit_sheet's rule."""
    footer = 30 * 72 / 25.4  # the bottom margin, where the footer is
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [number for number, page in enumerate(document.pages[:-1], start=1)
                if max((c["bottom"] for c in page.chars if c["bottom"] < page.height - footer), default=0) <= page.height / 2]


def _check_pdf(pdf: bytes, large_print: bool) -> None:
    _check([page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages], large_print)
    if large_print:
        assert near_empty_pages(pdf) == []


def _extremes(pack) -> list[dict]:
    drugs = drug_names(pack.catalogue)
    fifty = [{"drug": drugs[i % len(drugs)], "months": 12, "stopped_because": "side_effects"} for i in range(50)]
    everything = {"name": "N" * 200, "age": 48, "sex": "female", "ms_type": "RRMS", "years_since_first_symptoms": 12,
                  "edss": 2.0, "walking": "wheelchair", "relapses_last_12_months": 3, "relapses_last_24_months": 5,
                  "mri_last_12_months": {"new_or_enlarging_t2_lesions": 9, "gadolinium_enhancing_lesions": 4},
                  "disability_worsening_last_12_months": "yes", "current_dmt": "Tysabri", "current_dmt_months": 36,
                  "prior_dmts": fifty, "comorbidities": list(COMORBIDITIES), "pregnant": "no", "breastfeeding": "yes",
                  "jcv_antibody": "positive", "jcv_index": 1.8, "plans_children": "unsure",
                  "open_to_clinical_trials": "yes", "considering_clinic_abroad": "yes"}
    unknown = [{"age": 30, "ms_type": t} for t in MS_TYPES]
    return [everything, {**everything, "comorbidities": ["heart_disease"], "prior_dmts": fifty[:2]}, *unknown]


def _check(pages: list[str], large_print: bool) -> None:
    if large_print:
        assert 3 <= len(pages) <= 10, len(pages)
    else:
        assert len(pages) == 3, [p[:80] for p in pages]
    text = " ".join(pages)
    assert not RAW.search(text), RAW.search(text)
    if not large_print:
        first = pages[0].replace("\n", " ")
        head = first.find("Question")  # the grid's header row names the options
        found = [first.find(name, head) for name in ORDER]
        assert -1 not in found and found == sorted(found), found  # the one fixed order, never by status


@pytest.mark.parametrize("large_print", [False, True])
def test_the_extremes_keep_to_their_pages(pack, large_print):
    for data in _extremes(pack)[: None if not large_print else 2]:
        _check_pdf(_pdf(pack, data, large_print), large_print)


def test_fifty_earlier_drugs_are_counted_and_left_to_the_booklet(pack):
    pages = _pages(pack, _extremes(pack)[0])
    assert "and 44 earlier drugs, listed in the booklet" in pages[2].replace("\n", " ")


def test_every_generated_profile_keeps_to_three_pages_and_ten_in_large_print_without_a_near_empty_page(pack):
    """Few examples (each visit sheet is about 0.4 s); the extremes above carry the worst cases."""

    @settings(max_examples=12, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(profiles(pack.catalogue), st.booleans())
    def check(data, large_print):
        _check_pdf(_pdf(pack, data, large_print), large_print)

    check()


def test_generated_profiles_in_large_print_have_no_near_empty_page(pack):
    """A few more large-print sheets than the mixed test above draws (it draws about 4 in 12): large print is
    where a page can end near-empty, when a block does not fit the space left and moves on."""

    @settings(max_examples=4, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(profiles(pack.catalogue))
    def check(data):
        _check_pdf(_pdf(pack, data, True), True)

    check()


# ----------------------------------------------------------------------------- the examples, as printed
from . import sheets  # noqa: E402

STRONG = "rrms-breakthrough-high-efficacy"  # on natalizumab, active on it
TERMS = ("PML:", "EDSS:", "MRI lesion:", "Myelin:", "Placebo:")


def test_someone_on_a_strong_drug_is_offered_another_one_and_sees_how_well_their_own_works():
    page1 = sheets.visit.pages(STRONG)[0]
    assert "Another strong MS drug" in page1 and "A stronger MS drug" not in page1
    assert "Your drug, natalizumab:" in page1 and "No numbers yet. You avoid" not in page1
    assert "A stronger MS drug" in sheets.visit.pages("rrms-breakthrough-moderate")[0]


@pytest.mark.parametrize("name", sheets.NAMES)
def test_every_with_cautions_names_its_cautions_and_page_2_values_follow_page_1_rows(name):
    model = sheets.visit.sheet(name)
    fit = next(r for r in model.grids[0].rows if r.key == "fit")
    for column, cell in zip(model.grids[0].columns, fit.cells, strict=True):
        if "with cautions" in cell.lead:
            assert cell.text.startswith("Caution"), column.id  # "Cautions: age 48, heart disease."
    topics = {"works", "risks", "hospital", "children"}
    rows = [r.key for r in model.grids[0].rows if r.key in topics]
    assert len(model.visit.values) == len(rows) and "hospital" in rows
    assert ("children" in rows) == (model.visit.values[-1].startswith("Being able to have children"))
    page2 = sheets.visit.pages(name)[1]
    assert all(term in page2 for term in TERMS)  # the glossary of page 1's words


@pytest.mark.parametrize("name", [STRONG, "spms-edss-not-known"])
def test_page_3_reads_for_and_against_at_8_pt_or_more_and_the_stamp_stays_in_one_column(name):
    import pdfplumber

    page3 = sheets.visit.pages(name)[2]
    assert "\u2717 Against:" in page3 and " Met:" not in page3 and "Not met:" not in page3
    # the criteria for each option, or (where page 3 had to be shortened) where they are
    assert "\u2713 For:" in page3 or "The criteria that count for each option" in page3
    with pdfplumber.open(io.BytesIO(sheets.visit.pdf(name))) as pdf:
        page = pdf.pages[2]
        assert min(c["size"] for c in page.chars) >= 8 - 0.05
        stamp = [w for w in page.extract_words()
                 if w["text"] in ("Reproducibility", "Made") or w["text"].startswith("sha256:")]
        assert len(stamp) >= 4
        sides = {w["x0"] < page.width / 2 for w in stamp}
        assert len(sides) == 1, "the stamp is split across the columns"


def test_the_booklet_and_the_text_report_keep_the_same_fixed_order(pack):
    from decisionaid.textreport import assessment_text

    booklet = sheets.sheet(STRONG).booklet
    assert [o.id for o in booklet.options] == list(pack.options)
    assert [c.id for c in sheets.sheet(STRONG).grids[0].columns] == list(pack.options)
    model = sheets.visit.sheet(STRONG)
    assert [c.id for c in model.grids[0].columns] == list(pack.options)
    from decisionaid.pipeline import assess_profile
    from decisionaid.profile.read import load_profile

    from .conftest import EXAMPLES
    profile = load_profile(str(next(p for p in EXAMPLES if p.stem == STRONG)), pack.catalogue)
    text = assessment_text(assess_profile(profile, RULES))
    at = [text.index(pack.options[i].title) for i in pack.options]
    assert at == sorted(at)


# ----------------------------------------------------------------------------- the patient's own drug, the hospital row
def _column_text(pdf: bytes, head: str, next_head: str) -> str:
    """Page 1's words in one grid column: from the column whose header starts with `head` to the next one."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        words = document.pages[0].extract_words()
    left = next(w["x0"] for w in words if w["text"] == head)
    right = next(w["x0"] for w in words if w["text"] == next_head and w["x0"] > left)
    return " ".join(w["text"] for w in words if left - 1 <= w["x0"] < right - 1)


@pytest.mark.parametrize(("name", "expected"), [
    ("rrms-breakthrough-high-efficacy",
     "In the AFFIRM trial: about 22 relapses a year per 100 people on natalizumab, against 67 on placebo."),
    ("rrms-stable-high-efficacy",
     "In the OPERA I and II trials: about 16 relapses a year per 100 people on ocrelizumab, against 29 on interferon beta-1a."),
])
def test_keep_your_current_plan_shows_the_own_drugs_pivotal_trial_against_its_real_comparator(name, expected):
    cell = _column_text(sheets.visit.pdf(name), "Keep", "Another")
    assert "Your drug," in cell and expected in cell, cell
    assert "strongest medicines" not in cell  # not the tier sentence


def test_someone_with_ppms_on_ocrelizumab_sees_its_ppms_trial(pack):
    data = {"age": 45, "ms_type": "PPMS", "current_dmt": "Ocrevus", "current_dmt_months": 24}
    cell = _column_text(_pdf(pack, data), "Keep", "Another")
    assert ("In the ORATORIO trial: about 33 in 100 people on ocrelizumab had disability that got worse for at least "
            "12 weeks over at least 2 years, against 39 on placebo.") in cell, cell


def test_the_hospital_row_cites_its_sources_in_every_column():
    sheet = sheets.visit.sheet("spms-active")
    row = next(r for r in sheet.grids[0].rows if r.key == "hospital")
    assert all(cell.refs for cell in row.cells)
    page1 = sheets.visit.pages("spms-active")[0].replace("\n", " ")
    after = page1[page1.index("Time in hospital"):]
    assert re.search(r"None\. Nothing new to start\. \[\d+(, \d+)*\]|None\. \[\d+", after), after[:300]


@pytest.mark.parametrize("fact", sorted(f for f, spec in FIELDS.items() if spec.derived))
def test_every_derived_fact_reads_in_clinical_words_whatever_its_value(fact):
    kind = FIELDS[fact].kind
    values = {"bool": [True, False], "int": [0, 2], "enum": list(FIELDS[fact].values),
              "set": [frozenset(), frozenset(FIELDS[fact].values[:2])]}[kind] + [None]
    for value in values:
        words = derived_words(fact, value)
        assert words and not words.startswith("not:") and "_" not in words, (value, words)
