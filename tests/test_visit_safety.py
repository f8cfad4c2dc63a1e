"""The visit sheet reads correctly for a pregnant patient, a patient with an active infection and a
patient with progressive MS and a single new lesion (issue 11); for a breastfeeding mother, the older
combined pregnancy answer, a woman on teriflunomide who wants a baby, a natalizumab JC virus risk group,
contradictory answers and a man with SPMS on no drug (issue 18): real PDFs, their text checked page by page."""

from __future__ import annotations

import io

import pypdf
import pytest

from decisionaid.evaluation import assess as assess_module
from decisionaid.evaluation.assess import assess
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
    assert "Contraindications present A stronger MS drug: pregnant." in clinical  # apart from the cautions
    assert "✗ Against: pregnant; rule: pregnant" in clinical  # the patient's value, then the rule
    assert "Continuing a strong drug in pregnancy, natalizumab: EU SmPC 4.6: if pregnancy occurs, discontinuation " \
        "should be considered" in clinical  # and continuing in highly active MS is named as practice, not label
    assert "is expert practice, not label text" in clinical


def test_a_breastfeeding_mother_with_relapses_reads_which_strong_drug_her_labels_allow(pages):
    grid, for_you, clinical = pages("breastfeeding")
    assert "A stronger MS drug: Worth discussing, with cautions. Your MS has been active, and you are breastfeeding." \
        in for_you
    assert "ocrelizumab (since 2024) and ublituximab" in for_you
    assert "Stem cell transplant (aHSCT): Unlikely to fit now. You are pregnant or breastfeeding." in for_you
    assert "Stem cell transplant (aHSCT): breastfeeding." in clinical
    assert "Cautions: MS activity in the last 12 months and breastfeeding." in grid  # named on page 1


def test_the_older_combined_answer_is_weighed_as_pregnancy(pages):
    grid, for_you, clinical = pages("old_combined")
    assert "A stronger MS drug: Unlikely to fit now. You are pregnant." in for_you
    assert "A stronger MS drug: pregnant. Stem cell transplant (aHSCT): pregnant or breastfeeding." in clinical


def test_a_patient_with_an_active_infection_reads_the_infection_as_the_reason(pages):
    grid, for_you, clinical = pages("infection")
    assert "A stronger MS drug: Unlikely to fit now. You have an active infection." in for_you
    assert "These drugs are not started until it has cleared." in for_you
    assert "aHSCT is not done then" in for_you
    assert "usual next step" not in for_you
    assert "Contraindications present A stronger MS drug: active infection." in clinical


def test_progressive_ms_with_one_new_lesion_is_not_an_ahsct_fit(pages):
    grid, for_you, clinical = pages("spms_one_lesion")
    assert "Stem cell transplant (aHSCT): Unlikely to fit now. In progressive MS, guidelines only think of it with " \
           "clear signs of inflammation." in for_you
    assert "✗ Against: 0 relapses in 12 months, 0 Gd+ lesions and 1 new T2 lesion; rule: in 12 months" in clinical


def test_a_woman_on_teriflunomide_who_wants_a_baby_reads_her_own_drug_and_its_elimination(pages):
    grid, for_you, clinical = pages("teriflunomide_baby")
    assert "Your MS drug: teriflunomide Teriflunomide can stay in the blood for up to about 2 years" in for_you
    assert "It can be removed faster with a washout" in for_you
    assert "such as cladribine and fingolimod" not in for_you  # the old general warning named other drugs
    assert "teriflunomide: Accelerated elimination: cholestyramine 8 g" in clinical


NATALIZUMAB_36 = ("age: 36\nsex: female\nms_type: RRMS\nyears_since_first_symptoms: 8\nedss: 2.5\nwalking: unaided\n"
                  "relapses_last_12_months: 0\nrelapses_last_24_months: 0\n"
                  "mri_last_12_months: {new_or_enlarging_t2_lesions: 0, gadolinium_enhancing_lesions: 0}\n"
                  "disability_worsening_last_12_months: 'no'\ncurrent_dmt: Tysabri\ncurrent_dmt_months: 36\n"
                  "activity_on_current_dmt: 'no'\nprior_dmts: []\ncomorbidities: []\npregnant: 'no'\nbreastfeeding: 'no'\n"
                  "plans_children: 'no'\njcv_antibody: positive\njcv_index: 1.8\n")


def test_natalizumab_with_a_high_jc_virus_index_after_36_months_names_her_pml_risk_group(make_profile, pack, engine):
    profile = make_profile(NATALIZUMAB_36)
    staying = assess(profile, pack, engine).option("no_change")
    groups = [r for r in staying.risks if r.id.startswith("pml_")]
    assert [r.id for r in groups] == ["pml_index_high_25_to_48"]
    assert groups[0].numbers[0].count == 88 and groups[0].numbers[0].denominator == 10000
    data = sheet_pdf(profile, sheet_date=sheets.DAY, document="booklet")
    text = fold(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages))
    assert "Your PML risk group: a positive JC virus test, an index above 1.5" in text
    assert "You have had natalizumab for 25 to 48 months" in text


def test_contradictory_answers_get_a_note_and_the_same_statuses(make_profile, pack, engine, monkeypatch):
    text = ("age: 30\nsex: female\nms_type: CIS\nyears_since_first_symptoms: 2\nedss: 2.0\nwalking: wheelchair\n"
            "relapses_last_12_months: 1\nrelapses_last_24_months: 3\ncurrent_dmt: none\nprior_dmts: []\ncomorbidities: []\n"
            "pregnant: 'no'\nbreastfeeding: 'no'\nplans_children: 'no'\n")
    profile = make_profile(text)
    noted = assess(profile, pack, engine)
    assert [w.fields for w in noted.consistency_warnings] == [["edss", "walking"], ["ms_type", "relapses_last_24_months"]]
    monkeypatch.setattr(assess_module, "consistency_warnings", lambda _: [])
    plain = assess(profile, pack, engine)
    assert plain.consistency_warnings == [] and plain.options == noted.options  # a note, never a status change
    monkeypatch.undo()
    pages = [fold(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(sheet_pdf(profile, sheet_date=sheets.DAY))).pages]
    assert len(pages) == 3
    assert "Please check these answers with your MS team." in pages[0]
    assert "(1) An EDSS of 2.0, and you use a wheelchair" in pages[0]
    assert "Answers to check" in pages[2] and "more than one episode usually means relapsing MS" in pages[2]


def test_a_man_with_spms_on_no_drug_is_not_asked_about_a_current_drug_or_pregnancy(make_profile, pack, engine):
    profile = make_profile("age: 50\nsex: male\nms_type: SPMS\ncurrent_dmt: none\n")
    assessment = assess(profile, pack, engine)
    never = {"pregnant", "breastfeeding", "pregnant_or_breastfeeding", "current_dmt_months", "activity_on_current_dmt"}
    assert not never & set(assessment.missing_information)
    assert not never & {c.field for o in assessment.options for c in o.what_would_change}
    pages = [fold(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(sheet_pdf(profile, sheet_date=sheets.DAY))).pages]
    team_page = next(i for i, page in enumerate(pages) if page.startswith("For your MS team"))
    for_you, clinical = " ".join(pages[1:team_page]), " ".join(pages[team_page:])  # this sparse profile runs long
    for asked in ("pregnan", "breastfeed", "my drug", "on my current drug", "months have i taken"):
        assert asked not in for_you.lower(), asked
    assert "pregnant: not known" not in clinical and "Months on the current drug" not in clinical
    assert "MS active after 6 months on the current drug" not in clinical


def test_every_document_says_no_ms_clinician_outside_the_team_reviewed_it(pages, make_profile, pack, engine):
    grid, _, _ = pages("pregnant")
    assert "No MS doctor outside our team has checked this content yet." in grid
    assessment = assess(make_profile("age: 40\nms_type: RRMS\n"), pack, engine)
    assert assessment.rule_pack.clinical_review == []
    assert assessment.rule_pack.review_statement == "No MS doctor outside our team has checked this content yet."
