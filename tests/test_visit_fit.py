"""Every visit sheet keeps to its pages, whatever the profile: exactly three pages in normal print and
at most ten in large print, for generated profiles (hypothesis) and the model's extremes (fifty
earlier drugs, the longest name, every health condition, everything unknown but age and type). The
PDFs are opened: the option order is fixed, page 3 marks each criterion for or against in words, and
no raw field name or value reaches the page. A visit sheet costs about 0.4 s, so the examples are few."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decisionaid.pack.vocabulary import COMORBIDITIES
from decisionaid.pipeline import make_sheet
from decisionaid.profile.model import Profile
from decisionaid.sheet import render_pdf

from .conftest import RULES
from .generate import MS_TYPES, drug_names, profiles

DAY = dt.date(2026, 11, 22)
ORDER = ["Keep your current plan", "MS drug", "Stem cell transplant", "Stem cells from bone marrow", "Nerve support cells",
         "Neural stem cells", "Reprogrammed cells"]
#: words a profile file uses that a reader should never see
RAW = re.compile(r"\b([Ww]alking:? wheelchair|one_aid|two_aids|hiv\b|heart_disease|cancer_active_or_recent|not_effective|"
                 r"side_effects|plans_children|or less years|Met:|Not met:)")


def _pages(pack, data: dict, large_print: bool = False) -> list[str]:
    profile = Profile.model_validate(data, context={"catalogue": pack.catalogue})
    sheet = make_sheet(profile, sheet_date=DAY, large_print=large_print, rules_dir=RULES)
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(render_pdf(sheet))).pages]


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
        _check(_pages(pack, data, large_print), large_print)


def test_fifty_earlier_drugs_are_counted_and_left_to_the_booklet(pack):
    pages = _pages(pack, _extremes(pack)[0])
    assert "and 44 earlier drugs, listed in the booklet" in pages[2].replace("\n", " ")


def test_every_generated_profile_keeps_to_three_pages_and_ten_in_large_print(pack):
    """Few examples (each visit sheet is about 0.4 s); the extremes above carry the worst cases."""

    @settings(max_examples=12, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(profiles(pack.catalogue), st.booleans())
    def check(data, large_print):
        _check(_pages(pack, data, large_print), large_print)

    check()
