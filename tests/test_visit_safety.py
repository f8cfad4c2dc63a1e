"""The visit sheet reads correctly for a pregnant patient, a patient with an active infection and a
patient with progressive MS and a single new lesion (issue 11): real PDFs, their text checked page by page."""

from __future__ import annotations

import io

import pypdf
import pytest

from decisionaid.pipeline import sheet_pdf
from decisionaid.plumbing.readability import fold

from . import sheets

COMMON = ("years_since_first_symptoms: 3\nedss: 2.0\nwalking: unaided\nrelapses_last_12_months: 2\n"
          "relapses_last_24_months: 2\nmri_last_12_months: {new_or_enlarging_t2_lesions: 2, gadolinium_enhancing_lesions: 1}\n"
          "disability_worsening_last_12_months: 'no'\nprior_dmts: []\nconsidering_clinic_abroad: 'no'\n")
PROFILES = {
    "pregnant": "age: 31\nsex: female\nms_type: RRMS\ncurrent_dmt: none\ncomorbidities: []\n"
                "pregnant: 'yes'\nbreastfeeding: 'no'\nplans_children: 'yes'\n" + COMMON,
    "breastfeeding": "age: 31\nsex: female\nms_type: RRMS\ncurrent_dmt: none\ncomorbidities: []\n"
                     "pregnant: 'no'\nbreastfeeding: 'yes'\nplans_children: 'no'\n" + COMMON,
    "teriflunomide_baby": "age: 29\nsex: female\nms_type: RRMS\ncurrent_dmt: Aubagio\ncurrent_dmt_months: 24\n"
                          "comorbidities: []\npregnant: 'no'\nbreastfeeding: 'no'\nplans_children: 'yes'\n"
                          "activity_on_current_dmt: 'yes'\n" + COMMON,
    "old_combined": "age: 31\nsex: female\nms_type: RRMS\ncurrent_dmt: none\ncomorbidities: []\n"
                    "pregnant_or_breastfeeding: 'yes'\nplans_children: 'yes'\n" + COMMON,
    "infection": "age: 38\nsex: male\nms_type: RRMS\ncurrent_dmt: Tecfidera\ncurrent_dmt_months: 20\n"
                 "activity_on_current_dmt: 'yes'\ncomorbidities: [active_infection]\nplans_children: 'no'\n" + COMMON,
    "spms_one_lesion": "age: 52\nsex: female\nms_type: SPMS\nyears_since_first_symptoms: 14\nedss: 6.0\n"
                       "relapses_last_12_months: 0\nmri_last_12_months: {new_or_enlarging_t2_lesions: 1, "
                       "gadolinium_enhancing_lesions: 0}\ndisability_worsening_last_12_months: 'yes'\ncurrent_dmt: none\n"
                       "prior_dmts: []\ncomorbidities: []\npregnant_or_breastfeeding: 'no'\nplans_children: 'no'\n",
}


@pytest.fixture(scope="module")
def pages(make_profile):
    cache: dict[str, list[str]] = {}

    def read(name: str) -> list[str]:
        if name not in cache:
            data = sheet_pdf(make_profile(PROFILES[name]), sheet_date=sheets.DAY)
            cache[name] = [fold(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]
        return cache[name]

    return read


def test_a_pregnant_patient_reads_pregnancy_as_the_reason(pages):
    grid, for_you, clinical = pages("pregnant")
    assert "A stronger MS drug: Unlikely to fit now. You are pregnant." in for_you
    assert "Stem cell transplant (aHSCT): Unlikely to fit now. You are pregnant or breastfeeding." in for_you
    assert "usual next step" not in " ".join((grid, for_you))
    assert "Which drugs can I use if I am pregnant, breastfeeding or planning a baby?" in for_you
    assert "Present: pregnant and plans for children" in clinical
    assert "Continuing a strong drug in pregnancy, natalizumab: EU SmPC 4.6: if pregnancy occurs, discontinuation " \
        "should be considered" in clinical  # and continuing in highly active MS is named as practice, not label
    assert "is expert practice, not label text" in clinical


def test_a_breastfeeding_mother_with_relapses_reads_which_strong_drug_her_labels_allow(pages):
    grid, for_you, clinical = pages("breastfeeding")
    assert "A stronger MS drug: Worth discussing, with cautions. Your MS has been active, and you are breastfeeding." \
        in for_you
    assert "ocrelizumab (since 2024) and ublituximab" in for_you
    assert "Stem cell transplant (aHSCT): Unlikely to fit now. You are pregnant or breastfeeding." in for_you
    assert "Present: breastfeeding." in clinical


def test_the_older_combined_answer_is_weighed_as_pregnancy(pages):
    grid, for_you, clinical = pages("old_combined")
    assert "A stronger MS drug: Unlikely to fit now. You are pregnant." in for_you
    assert "Present: pregnant, breastfeeding" in clinical


def test_a_patient_with_an_active_infection_reads_the_infection_as_the_reason(pages):
    grid, for_you, clinical = pages("infection")
    assert "A stronger MS drug: Unlikely to fit now. You have an active infection." in for_you
    assert "These drugs are not started until it has cleared." in for_you
    assert "aHSCT is not done then" in for_you
    assert "usual next step" not in for_you
    assert "Present: active infection" in clinical


def test_progressive_ms_with_one_new_lesion_is_not_an_ahsct_fit(pages):
    grid, for_you, clinical = pages("spms_one_lesion")
    assert "Stem cell transplant (aHSCT): Unlikely to fit now. In progressive MS, guidelines only think of it with " \
           "clear signs of inflammation." in for_you
    assert "Not met: clear inflammatory activity in progressive MS" in clinical


def test_a_woman_on_teriflunomide_who_wants_a_baby_reads_her_own_drug_and_its_elimination(pages):
    grid, for_you, clinical = pages("teriflunomide_baby")
    assert "Your MS drug: teriflunomide Teriflunomide can stay in the blood for up to about 2 years" in for_you
    assert "It can be removed faster with a washout" in for_you
    assert "such as cladribine and fingolimod" not in for_you  # the old general warning named other drugs
    assert "teriflunomide: Accelerated elimination: cholestyramine 8 g" in clinical
