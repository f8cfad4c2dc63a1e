"""Derived facts: computed once, from the drug catalogue, three-valued (absent when unknown)."""

from __future__ import annotations

import pytest

from decisionaid.profile.facts import profile_facts

BASE = "age: 35\nms_type: RRMS\n"


def facts(make_profile, pack, extra):
    return profile_facts(make_profile(BASE + extra), pack.catalogue)


def test_activity(make_profile, pack):
    assert facts(make_profile, pack, "relapses_last_12_months: 1\n")["active_last_12_months"] is True
    assert "active_last_12_months" not in facts(make_profile, pack, "relapses_last_12_months: 0\n")
    quiet = "relapses_last_12_months: 0\nmri_last_12_months: {new_or_enlarging_t2_lesions: 0, gadolinium_enhancing_lesions: 0}\n"
    assert facts(make_profile, pack, quiet)["active_last_12_months"] is False


def test_high_efficacy_breakthrough_on_current_drug(make_profile, pack):
    active = "relapses_last_12_months: 2\nprior_dmts: []\ncurrent_dmt: Ocrevus\n"
    assert facts(make_profile, pack, active + "current_dmt_months: 20\n")["high_efficacy_breakthrough"] is True
    # 6-18 months on the drug: the relapses may have come in its first 6 months, so it cannot be told...
    assert "high_efficacy_breakthrough" not in facts(make_profile, pack, active + "current_dmt_months: 14\n")
    assert facts(make_profile, pack, active + "current_dmt_months: 3\n")["high_efficacy_breakthrough"] is False


def test_stated_activity_on_the_current_drug_decides_breakthrough(make_profile, pack):
    """...unless the patient says whether MS was active after the first 6 months (profile v1.1)."""
    active = "relapses_last_12_months: 2\nprior_dmts: []\ncurrent_dmt: Tysabri\ncurrent_dmt_months: 10\n"
    assert facts(make_profile, pack, active + "activity_on_current_dmt: 'yes'\n")["high_efficacy_breakthrough"] is True
    assert facts(make_profile, pack, active + "activity_on_current_dmt: 'no'\n")["high_efficacy_breakthrough"] is False
    assert "high_efficacy_breakthrough" not in facts(make_profile, pack, active + "activity_on_current_dmt: unknown\n")


def test_stated_activity_must_agree_with_the_rest(make_profile):
    import pytest

    from decisionaid.plumbing.errors import ProfileError

    for text, complaint in [
        ("current_dmt: none\nactivity_on_current_dmt: 'yes'\n", "you take no MS drug now"),
        ("current_dmt: Tysabri\ncurrent_dmt_months: 4\nactivity_on_current_dmt: 'yes'\n", "first 6 months"),
        ("current_dmt: Tysabri\nrelapses_last_12_months: 0\n"
         "mri_last_12_months: {new_or_enlarging_t2_lesions: 0, gadolinium_enhancing_lesions: 0}\n"
         "activity_on_current_dmt: 'yes'\n", "no relapses and no new MRI lesions"),
        ("current_dmt: Tysabri\ncurrent_dmt_months: 30\nrelapses_last_12_months: 1\nactivity_on_current_dmt: 'no'\n",
         "does not fit the relapses"),
    ]:
        with pytest.raises(ProfileError, match=complaint):
            make_profile(BASE + text)


def test_breakthrough_from_history(make_profile, pack):
    history = ("current_dmt: none\nprior_dmts:\n  - {drug: natalizumab, months: 12, stopped_because: not_effective}\n"
               "  - {drug: Aubagio, months: 24, stopped_because: not_effective}\n")
    f = facts(make_profile, pack, history + "relapses_last_12_months: 1\n")
    assert f["high_efficacy_breakthrough"] is True and f["lower_efficacy_breakthrough"] is True
    assert (f["failed_dmts_high"], f["failed_dmts_moderate"], f["failed_dmts_low"]) == (1, 0, 1)
    assert f["treatment_naive"] is False and f["ever_high_efficacy_dmt"] is True
    # on no drug now, a lower-efficacy failure counts while MS stays active; its timing is unknown otherwise.
    # A high-efficacy drug that failed counts whenever it failed.
    quiet = "relapses_last_12_months: 0\nmri_last_12_months: {new_or_enlarging_t2_lesions: 0, gadolinium_enhancing_lesions: 0}\n"
    assert facts(make_profile, pack, history + quiet)["lower_efficacy_breakthrough"] is False
    assert facts(make_profile, pack, history + quiet)["high_efficacy_breakthrough"] is True
    assert "lower_efficacy_breakthrough" not in facts(make_profile, pack, history)


def test_a_failed_high_efficacy_drug_counts_whenever_it_failed(make_profile, pack):
    """Issue 18: natalizumab failed and was stopped 14 months ago; now active on ocrelizumab for 14 months
    (too soon to tell if the activity came after its first 6 months): still a high-efficacy failure."""
    history = ("prior_dmts: [{drug: Tysabri, months: 24, stopped_because: not_effective}]\ncurrent_dmt: Ocrevus\n"
               "current_dmt_months: 14\nrelapses_last_12_months: 2\n")
    f = facts(make_profile, pack, history)
    assert f["high_efficacy_breakthrough"] is True
    lower = "prior_dmts: [{drug: Rebif, months: 30, stopped_because: not_effective}]\ncurrent_dmt: Tecfidera\n"
    assert facts(make_profile, pack, lower + "current_dmt_months: 40\nrelapses_last_12_months: 0\n"
                 "mri_last_12_months: {new_or_enlarging_t2_lesions: 0, gadolinium_enhancing_lesions: 0}\n"
                 )["lower_efficacy_breakthrough"] is False  # a lower-efficacy failure keeps its window


def test_an_earlier_failure_counts_only_within_12_months(make_profile, pack):
    history = "prior_dmts: [{drug: Rebif, months: 30, stopped_because: not_effective}]\ncurrent_dmt: Tecfidera\n"
    assert facts(make_profile, pack, history + "current_dmt_months: 8\n")["lower_efficacy_breakthrough"] is True
    quiet = "relapses_last_12_months: 0\nmri_last_12_months: {new_or_enlarging_t2_lesions: 0, gadolinium_enhancing_lesions: 0}\n"
    assert facts(make_profile, pack, history + quiet + "current_dmt_months: 40\n")["lower_efficacy_breakthrough"] is False


def test_pregnancy_does_not_apply_to_a_man(make_profile, pack):
    man = facts(make_profile, pack, "sex: male\n")
    assert (man["pregnant"], man["breastfeeding"]) == ("no", "no")
    assert facts(make_profile, pack, "sex: male\npregnant: 'yes'\n")["pregnant"] == "yes"
    for sex in ("female", "other", "undisclosed"):
        assert not {"pregnant", "breastfeeding"} & set(facts(make_profile, pack, f"sex: {sex}\n"))


def test_pregnancy_and_breastfeeding_are_facts_apart(make_profile, pack):
    mother = facts(make_profile, pack, "sex: female\npregnant: 'no'\nbreastfeeding: 'yes'\n")
    assert (mother["pregnant"], mother["breastfeeding"]) == ("no", "yes")
    only_one = facts(make_profile, pack, "sex: female\npregnant: 'no'\n")
    assert only_one["pregnant"] == "no" and "breastfeeding" not in only_one  # unknown stays unknown


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_the_older_combined_answer_is_read_as_both(make_profile, pack, answer):
    """v1's `pregnant_or_breastfeeding: yes` does not say which: both are set, so every option weighs
    it at least as strictly as pregnancy; `no` means neither."""
    read = facts(make_profile, pack, f"sex: female\npregnant_or_breastfeeding: '{answer}'\n")
    assert (read["pregnant"], read["breastfeeding"]) == (answer, answer)


def test_drug_families(make_profile, pack):
    f = facts(make_profile, pack, "current_dmt: Kesimpta\nprior_dmts: [{drug: Lemtrada}]\n")
    assert f["current_dmt_group"] == "anti_cd20" and f["drug_groups_taken"] == {"anti_cd20", "alemtuzumab"}
    assert "drug_groups_taken" not in facts(make_profile, pack, "current_dmt: Kesimpta\n")


def test_unknown_stop_reason_keeps_breakthrough_unknown(make_profile, pack):
    f = facts(make_profile, pack, "current_dmt: none\nprior_dmts: [{drug: Lemtrada, months: 12}]\n")
    assert "high_efficacy_breakthrough" not in f and "failed_dmts_high" not in f
    assert f["ever_high_efficacy_dmt"] is True


def test_treatment_naive_and_safety_stops(make_profile, pack):
    assert facts(make_profile, pack, "current_dmt: none\nprior_dmts: []\n")["treatment_naive"] is True
    f = facts(make_profile, pack, "current_dmt: none\nprior_dmts: [{drug: Tysabri, months: 20, stopped_because: safety_risk}]\n")
    assert f["high_efficacy_dmt_stopped_for_safety"] is True and f["high_efficacy_breakthrough"] is False


def test_cytotoxic_flag_comes_from_the_catalogue(make_profile, pack):
    f = facts(make_profile, pack, "current_dmt: none\nprior_dmts: [{drug: mitoxantrone, months: 6, stopped_because: other}]\n")
    assert f["prior_cytotoxic_treatment"] is True
