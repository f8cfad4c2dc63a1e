"""The drugs' label entries (rules/drugs.yaml) and what the sheet says about the patient's own drug."""

from __future__ import annotations

from decisionaid.evaluation.assess import assess
from decisionaid.evaluation.drug_notes import breastfeeding_allowed

#: drugs whose labels are not encoded, on purpose: off-label in MS, chemotherapy, or fumarates whose own
#: labels were not read (the sheet says the label is not encoded and names the drug)
NOT_ENCODED = {"rituximab", "mitoxantrone", "cyclophosphamide", "diroximel_fumarate", "monomethyl_fumarate"}
ACTIVE_RRMS = ("age: 31\nsex: female\nms_type: RRMS\nyears_since_first_symptoms: 3\nedss: 2.0\nrelapses_last_12_months: 2\n"
               "relapses_last_24_months: 2\nmri_last_12_months: {new_or_enlarging_t2_lesions: 2, gadolinium_enhancing_lesions: 1}\n"
               "prior_dmts: []\ncomorbidities: []\n")


def test_every_licensed_drug_has_its_label_encoded(pack):
    assert {d.id for d in pack.catalogue.drugs if d.label is None} == NOT_ENCODED


def test_the_breastfeeding_reason_names_exactly_the_strong_drugs_a_label_allows(pack):
    """he_dmt's row for a breastfeeding mother names drugs in its text; drugs.yaml decides which."""
    allowed = breastfeeding_allowed(pack.catalogue)
    assert allowed == ["ocrelizumab", "ublituximab"]
    row = next(r for r in pack.options["he_dmt"].decision.rows if "breastfeeding" in r.when)
    high = [d.generic for d in pack.catalogue.drugs if d.tier == "high"]
    assert [d for d in high if d in row.reason] == allowed


def test_a_woman_on_teriflunomide_who_plans_a_baby_reads_her_own_drug_and_its_elimination(make_profile, pack, engine):
    profile = make_profile(ACTIVE_RRMS.replace("relapses_last_12_months: 2", "relapses_last_12_months: 0")
                           .replace("gadolinium_enhancing_lesions: 1", "gadolinium_enhancing_lesions: 0")
                           .replace("new_or_enlarging_t2_lesions: 2", "new_or_enlarging_t2_lesions: 0")
                           + "current_dmt: Aubagio\ncurrent_dmt_months: 24\npregnant: 'no'\nbreastfeeding: 'no'\n"
                           "plans_children: 'yes'\n")
    drug = assess(profile, pack, engine).current_drug
    assert drug is not None and drug.name == "teriflunomide"
    assert [n.topic for n in drug.notes] == ["before_pregnancy"]  # not pregnant, not breastfeeding, MS quiet
    assert "up to about 2 years" in drug.notes[0].text and "washout" in drug.notes[0].text
    assert [n.topic for n in drug.for_ms_team] == ["pregnancy"] and "cholestyramine" in drug.for_ms_team[0].text


def test_a_drug_without_an_encoded_label_says_so_and_names_the_drug(make_profile, pack, engine):
    profile = make_profile(ACTIVE_RRMS + "current_dmt: Vumerity\ncurrent_dmt_months: 24\npregnant: 'yes'\n"
                           "breastfeeding: 'no'\n")
    drug = assess(profile, pack, engine).current_drug
    assert drug is not None and len(drug.notes) == 1
    assert "We have not yet put the label of diroximel fumarate into this sheet" in drug.notes[0].text


def test_no_drug_notes_without_a_drug(make_profile, pack, engine):
    assert assess(make_profile(ACTIVE_RRMS + "current_dmt: none\n"), pack, engine).current_drug is None
