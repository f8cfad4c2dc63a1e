"""The v1 profile contract: loading, validation and the one-line errors people see."""

from __future__ import annotations

import pytest

from decisionaid.plumbing.errors import ProfileError
from decisionaid.profile.facts import profile_facts
from decisionaid.profile.read import load_profile

from .conftest import EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_loads(path, pack):
    profile = load_profile(str(path), pack.catalogue)
    assert profile.age >= 10


def problems(make_profile, text, name="p.yaml"):
    with pytest.raises(ProfileError) as caught:
        make_profile(text, name)
    return [str(d) for d in caught.value.diagnostics]


def test_yes_and_no_stay_words_not_booleans(make_profile):
    profile = make_profile("age: 30\nms_type: RRMS\npregnant_or_breastfeeding: no\nplans_children: yes\n")
    assert profile.pregnant_or_breastfeeding == "no"
    assert profile.plans_children == "yes"


def test_unknown_key_names_the_line_and_suggests(make_profile):
    lines = problems(make_profile, "age: 30\nms_type: RRMS\nedds: 3.5\n")
    assert lines == ["p.yaml:3:1: error: unknown field 'edds' (did you mean 'edss'?) (unknown-field)"]


def test_nested_unknown_key_suggests_the_nested_name(make_profile):
    lines = problems(make_profile, "age: 30\nms_type: RRMS\nmri_last_12_months:\n  gd_lesions: 1\n")
    assert len(lines) == 1 and "p.yaml:4:3" in lines[0] and "unknown field 'mri_last_12_months.gd_lesions'" in lines[0]


def test_unknown_drug_gets_suggestions(make_profile):
    lines = problems(make_profile, "age: 30\nms_type: RRMS\ncurrent_dmt: Tysabr\n")
    assert "unknown drug 'Tysabr'" in lines[0] and "Tysabri" in lines[0] and lines[0].startswith("p.yaml:3:")


def test_brand_and_generic_names_resolve_case_insensitively(make_profile, pack):
    profile = make_profile("age: 30\nms_type: RRMS\ncurrent_dmt: tysabri\nprior_dmts: [{drug: COPAXONE}]\n")
    facts = profile_facts(profile, pack.catalogue)
    assert facts["current_dmt_tier"] == "high"


def test_every_problem_is_reported_at_once(make_profile):
    lines = problems(make_profile, "age: 300\nms_type: RMS\nedss: 3.3\nwalking: fast\nsmoker: yes\n")
    assert len(lines) == 5
    assert any("age" in line and "at most 100" in line for line in lines)
    assert any("ms_type" in line and "RRMS" in line for line in lines)
    assert any("steps of 0.5" in line for line in lines)


def test_missing_required_field(make_profile):
    assert problems(make_profile, "ms_type: RRMS\n") == ["p.yaml: error: 'age' is required (missing-field)"]


def test_duplicate_keys_are_an_error(make_profile):
    lines = problems(make_profile, "age: 30\nms_type: RRMS\nage: 31\n")
    assert lines == ["p.yaml:3:1: error: duplicate key 'age' (first at line 1) (duplicate-key)"]


def test_broken_yaml_names_the_line(make_profile):
    lines = problems(make_profile, "age: 30\nms_type: [RRMS\n")
    assert len(lines) == 1 and lines[0].startswith("p.yaml:3:") and "yaml-syntax" in lines[0]


def test_aliases_are_refused(make_profile):
    lines = problems(make_profile, "age: &a 30\nms_type: RRMS\nrelapses_last_12_months: *a\n")
    assert "aliases" in lines[0]


def test_wrong_types_are_not_coerced(make_profile):
    lines = problems(make_profile, 'age: "30"\nms_type: RRMS\nrelapses_last_12_months: true\n')
    assert len(lines) == 2 and all("not a whole number" in line for line in lines)


def test_relapses_24_must_cover_12(make_profile):
    lines = problems(make_profile, "age: 30\nms_type: RRMS\nrelapses_last_12_months: 3\nrelapses_last_24_months: 1\n")
    assert "at least relapses_last_12_months" in lines[0]


def test_json_profiles_and_duplicate_keys(make_profile):
    profile = make_profile('{"age": 40, "ms_type": "SPMS", "edss": 6.5}', "p.json")
    assert profile.edss == 6.5
    lines = problems(make_profile, '{"age": 40, "age": 41, "ms_type": "SPMS"}', "p.json")
    assert "duplicate key 'age'" in lines[0]


def test_missing_file(pack):
    with pytest.raises(ProfileError) as caught:
        load_profile("/nonexistent/profile.yaml", pack.catalogue)
    assert str(caught.value) == "/nonexistent/profile.yaml: error: no such file (not-found)"


def test_unknown_is_absent_not_no(make_profile, pack):
    profile = make_profile("age: 30\nms_type: unknown\ndisability_worsening_last_12_months: unknown\n")
    facts = profile_facts(profile, pack.catalogue)
    assert "ms_type" not in facts and "disability_worsening_last_12_months" not in facts
    assert "comorbidities" not in facts and "treatment_naive" not in facts
    assert make_profile("age: 30\nms_type: RRMS\ncomorbidities: []\n").comorbidities == []


def test_profile_digest_ignores_layout(make_profile):
    a = make_profile("age: 30\nms_type: RRMS\nedss: 2.0\n")
    b = make_profile('{"edss": 2.0, "ms_type": "RRMS", "age": 30}', "b.json")
    assert a.digest() == b.digest() and a.digest().startswith("sha256:")


def test_minus_zero_is_read_as_zero(make_profile):
    """Issue 13: `edss: -0.0` was printed as "-0.0"."""
    profile = make_profile("age: 30\nms_type: RRMS\nedss: -0.0\nyears_since_first_symptoms: -0.0\n")
    assert str(profile.edss) == "0.0" and str(profile.years_since_first_symptoms) == "0.0"
    assert profile.digest() == make_profile("age: 30\nms_type: RRMS\nedss: 0\nyears_since_first_symptoms: 0.0\n").digest()


def test_the_older_pregnancy_question_and_a_new_one_together_are_refused(make_profile):
    lines = problems(make_profile, "age: 30\nms_type: RRMS\npregnant_or_breastfeeding: 'no'\nbreastfeeding: 'yes'\n")
    assert len(lines) == 1 and "pregnant_or_breastfeeding: give either this older question or 'pregnant' and " \
        "'breastfeeding', not both" in lines[0]


def test_jc_virus_answers_are_checked(make_profile):
    profile = make_profile("age: 30\nms_type: RRMS\njcv_antibody: positive\njcv_index: 1.8\n")
    assert (profile.jcv_antibody, profile.jcv_index) == ("positive", 1.8)
    assert "jcv_index" in problems(make_profile, "age: 30\nms_type: RRMS\njcv_index: -1\n")[0]
    assert "jcv_antibody" in problems(make_profile, "age: 30\nms_type: RRMS\njcv_antibody: maybe\n")[0]
