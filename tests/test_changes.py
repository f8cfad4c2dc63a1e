"""What would change this: every answer the engine names really gives the status it names.

For the examples and for generated profiles (hypothesis, deterministic): setting the named field
to the named value, and nothing else, and assessing again gives the named status; only options
that need information get answers, and every answer moves the option out of "needs information"."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings

from decisionaid.evaluation.assess import assess
from decisionaid.profile.model import Profile
from decisionaid.profile.read import load_profile

from .conftest import EXAMPLES
from .generate import profiles

CI = settings(max_examples=60, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _set(data: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    *parents, leaf = field.split(".")
    target: Any = changed
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
    target[leaf] = value
    return changed


def _check(profile: Profile, pack, engine) -> int:
    assessment = assess(profile, pack, engine)
    data = profile.entered_fields()
    checked = 0
    for option in assessment.options:
        if option.status != "needs_information":
            assert option.what_would_change == [], option.id
        for change in option.what_would_change:
            assert change.status != "needs_information"
            again = Profile.model_validate(_set(data, change.field, change.value), context={"catalogue": pack.catalogue})
            assert assess(again, pack, engine).option(option.id).status == change.status, (option.id, change)
            checked += 1
    return checked


def test_the_examples_answers_give_the_named_statuses(pack, engine):
    checked = sum(_check(load_profile(str(path), pack.catalogue), pack, engine) for path in EXAMPLES)
    assert checked >= 5  # the examples that need information have answers to check


def test_a_missing_activity_answer_is_named_with_what_each_answer_gives(pack, engine, make_profile):
    profile = make_profile("age: 34\nms_type: RRMS\nyears_since_first_symptoms: 6\nedss: 3.5\nwalking: unaided\n"
                           "relapses_last_12_months: 2\ncurrent_dmt: natalizumab\ncurrent_dmt_months: 9\n"
                           "prior_dmts: []\ncomorbidities: []\npregnant_or_breastfeeding: 'no'\nplans_children: 'no'\n")
    ahsct = assess(profile, pack, engine).option("ahsct")
    assert ahsct.status == "needs_information"
    answers = {c.value: c.status for c in ahsct.what_would_change if c.field == "activity_on_current_dmt"}
    assert answers and set(answers) <= {"yes", "no"}
    _check(profile, pack, engine)


def test_generated_profiles_answers_give_the_named_statuses(pack, engine):
    checked = []

    @CI
    @given(profiles(pack.catalogue))
    def check(data):
        checked.append(_check(Profile.model_validate(data, context={"catalogue": pack.catalogue}), pack, engine))

    check()
    assert sum(checked) >= 20  # many of the generated profiles need information


def test_the_assessment_json_carries_what_would_change(pack, engine):
    profile = load_profile(str(next(p for p in EXAMPLES if p.stem == "rrms-much-unknown")), pack.catalogue)
    options = assess(profile, pack, engine).model_dump(mode="json")["options"]
    assert all(isinstance(o["what_would_change"], list) for o in options)
    entries = [c for o in options for c in o["what_would_change"]]
    assert entries and all(set(c) == {"field", "value", "status"} for c in entries)
