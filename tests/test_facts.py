"""Derived facts: computed once, from the drug catalogue, three-valued (absent when unknown)."""

from __future__ import annotations

from decisionaid.facts import profile_facts

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
    assert facts(make_profile, pack, active + "current_dmt_months: 14\n")["high_efficacy_breakthrough"] is True
    # 6-12 months on the drug: the relapses may have come before it, so it cannot be told
    assert "high_efficacy_breakthrough" not in facts(make_profile, pack, active + "current_dmt_months: 8\n")
    assert facts(make_profile, pack, active + "current_dmt_months: 3\n")["high_efficacy_breakthrough"] is False


def test_breakthrough_from_history(make_profile, pack):
    history = ("current_dmt: none\nprior_dmts:\n  - {drug: natalizumab, months: 12, stopped_because: not_effective}\n"
               "  - {drug: Aubagio, months: 24, stopped_because: not_effective}\n")
    f = facts(make_profile, pack, history)
    assert f["high_efficacy_breakthrough"] is True and f["lower_efficacy_breakthrough"] is True
    assert (f["failed_dmts_high"], f["failed_dmts_moderate"], f["failed_dmts_low"]) == (1, 0, 1)
    assert f["treatment_naive"] is False and f["ever_high_efficacy_dmt"] is True


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
