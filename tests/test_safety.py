"""Every option checks every safety fact (rules/safety.yaml): the pack cannot forget one, and no
option that weighs a fact present in a profile calls itself a plain fit ("worth discussing")."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given

from decisionaid.authoring.ruletests import load_cases
from decisionaid.evaluation.assess import assess
from decisionaid.pack.loader import load_rule_pack
from decisionaid.pack.safety import declared, weighing_criteria
from decisionaid.plumbing.errors import RulePackError
from decisionaid.profile.model import Profile

from .conftest import EXAMPLES, ROOT, RULES
from .generate import profiles
from .helpers import run_cli
from .test_properties import CI

#: the facts issue 11 names: pregnancy or breastfeeding (two facts since issue 18: labels weigh them
#: differently), plans for children, infections, cancer, organ disease, age under 18 and older ages
REQUIRED = {"pregnancy", "breastfeeding", "plans_children", "active_infection", "hiv", "hepatitis_b", "hepatitis_c",
            "cancer_active_or_recent", "cancer_history", "heart_disease", "lung_disease", "kidney_disease",
            "liver_disease", "cirrhosis", "under_18", "older_age"}


def test_the_shipped_pack_declares_every_required_safety_fact(pack):
    assert REQUIRED <= {fact.id for fact in pack.safety}


def test_every_option_weighs_every_fact_or_says_why(pack):
    for option in pack.options.values():
        for fact in pack.safety:
            excuse = declared(option, fact)
            assert weighing_criteria(option, fact) or (excuse and excuse.reason and excuse.sources), (option.id, fact.id)


@pytest.mark.parametrize(("field", "fact"), [("pregnant", "pregnancy"), ("breastfeeding", "breastfeeding")])
def test_a_pack_whose_option_forgets_pregnancy_cannot_be_used(tmp_path, field, fact):
    """The shipped pack with every pregnancy (or breastfeeding) test of he_dmt's criteria replaced by
    another test: refused by the loader, so `assess --rules` (like `sheet --rules`) stops with the
    positioned error, exit 2."""
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    he_dmt = tmp_path / "rules" / "options" / "he_dmt.yaml"
    pregnancy = f'{{field: {field}, op: eq, value: "yes"}}'
    text = he_dmt.read_text(encoding="utf-8")
    assert pregnancy in text
    he_dmt.write_text(text.replace(pregnancy, "{field: comorbidities, op: includes, value: active_infection}"),
                      encoding="utf-8")
    with pytest.raises(RulePackError, match=f"option 'he_dmt' does not weigh the safety fact '{fact}'"):
        load_rule_pack(tmp_path / "rules")
    example = ROOT / "examples" / "rrms-breakthrough-moderate.yaml"
    result = run_cli("assess", str(example), "--rules", str(tmp_path / "rules"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "he_dmt.yaml:" in result.stderr and "(safety-not-weighed)" in result.stderr


def _no_plain_fit_when_a_weighed_fact_is_present(profile: Profile, pack, engine) -> None:
    result = assess(profile, pack, engine)
    present = {fact.id for fact in result.safety_facts_present}
    for option in result.options:
        concerned = {f.id for f in pack.safety if declared(pack.options[option.id], f) is None}
        if present & concerned:
            assert option.status != "discuss", (option.id, sorted(present & concerned), option.reason)


@pytest.mark.parametrize("case", load_cases(RULES), ids=lambda c: c.id)
def test_no_rule_case_with_a_safety_fact_is_a_plain_fit(case, pack, engine):
    _no_plain_fit_when_a_weighed_fact_is_present(
        Profile.model_validate(case.profile, context={"catalogue": pack.catalogue}), pack, engine)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_no_example_with_a_safety_fact_is_a_plain_fit(path, pack, engine, make_profile):
    _no_plain_fit_when_a_weighed_fact_is_present(make_profile(path.read_text(encoding="utf-8"), path.name), pack, engine)


def test_no_random_profile_with_a_safety_fact_is_a_plain_fit(pack, engine):
    @CI
    @given(profiles(pack.catalogue))
    def check(data):
        _no_plain_fit_when_a_weighed_fact_is_present(
            Profile.model_validate(data, context={"catalogue": pack.catalogue}), pack, engine)

    check()


def test_the_facts_present_are_listed_in_the_assessment(pack, engine, make_profile):
    profile = make_profile("age: 60\nms_type: RRMS\nsex: female\npregnant_or_breastfeeding: 'yes'\n"
                           "comorbidities: [hiv, thyroid_disease]\n")
    present = [f.id for f in assess(profile, pack, engine).safety_facts_present]
    assert present == ["pregnancy", "breastfeeding", "hiv", "older_age"]  # the older answer: both
    assert assess(make_profile("age: 40\nms_type: RRMS\n"), pack, engine).safety_facts_present == []
