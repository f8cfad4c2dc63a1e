"""Properties that hold for every valid profile, whatever rules ship (hypothesis, deterministic).

- every option is always present, with a status from the list;
- unknown is never "no": a criterion whose facts are all missing is unknown, and a criterion
  that is met or not met stays so when more of the profile is filled in;
- aHSCT never becomes more favourable when a comorbidity is added, or the person is older or
  more disabled (the order of favour is STATUS_ORDER below);
- differential: the durable-rules engine gives exactly the states of a plain-Python reading of
  the same conditions (tests/oracle.py), for the shipped pack and for random conditions.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decisionaid.evaluation.assess import assess
from decisionaid.evaluation.engine import RuleEngine
from decisionaid.pack.conditions import RuleKey, compile_condition
from decisionaid.pack.models import OPTION_IDS, STATUSES, AllOf, AnyOf, Leaf, NotOf, iter_leaves
from decisionaid.pack.vocabulary import COMORBIDITIES, FIELDS
from decisionaid.profile.facts import profile_facts
from decisionaid.profile.model import Profile

from . import oracle
from .generate import EDSS_STEPS, WALKING, profiles, random_profile

#: Most to least favourable. `needs_information` sits between the statuses that offer something
#: (discuss, discuss_with_caution, trial_only) and those that do not: a missing fact can still
#: turn into a fit, a clear "does not fit" cannot. `research_only` is last: nothing is offered
#: to patients at all.
STATUS_ORDER = ["discuss", "discuss_with_caution", "trial_only", "needs_information", "unlikely_to_fit", "research_only"]
assert sorted(STATUS_ORDER) == sorted(STATUSES)

CI = settings(max_examples=150, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def favour(status: str) -> int:
    """Smaller is more favourable."""
    return STATUS_ORDER.index(status)


@pytest.fixture(scope="module")
def valid_profiles(pack):
    return profiles(pack.catalogue)


def validated(data: dict[str, Any], pack) -> Profile:
    return Profile.model_validate(data, context={"catalogue": pack.catalogue})


# ----------------------------------------------------------------------------- every option, every time
def test_every_option_always_has_a_listed_status(pack, engine):
    @CI
    @given(profiles(pack.catalogue))
    def check(data):
        result = assess(validated(data, pack), pack, engine)
        assert [o.id for o in result.options] == list(OPTION_IDS)
        for option in result.options:
            assert option.status in STATUSES
            assert {c.state for c in option.criteria} <= {"met", "not_met", "unknown"}

    check()


# ----------------------------------------------------------------------------- unknown is not no
def test_a_criterion_over_missing_facts_only_is_unknown(pack, engine):
    @CI
    @given(profiles(pack.catalogue))
    def check(data):
        profile = validated(data, pack)
        facts = profile_facts(profile, pack.catalogue)
        fired = engine.evaluate(facts)
        for option in pack.options.values():
            for criterion in option.criteria:
                if not any(leaf.field in facts for leaf in iter_leaves(criterion.when)):
                    assert fired.state(option.id, criterion.id) == "unknown", (option.id, criterion.id)

    check()


def test_filling_in_a_field_never_changes_a_known_criterion(pack, engine):
    """met and not_met are proofs from the known facts: more facts may settle an unknown, never flip a state."""
    optional = [f for f in Profile.model_fields if f not in ("name", "age", "ms_type")]

    @CI
    @given(profiles(pack.catalogue), profiles(pack.catalogue), st.lists(st.sampled_from(optional), unique=True, min_size=1))
    def check(partial, full, fields):
        more = dict(partial)
        for field in fields:
            if field not in partial and field in full:
                more[field] = full[field]
        if more == partial or not _consistent(more, pack):
            return
        before = engine.evaluate(profile_facts(validated(partial, pack), pack.catalogue))
        after = engine.evaluate(profile_facts(validated(more, pack), pack.catalogue))
        for option in pack.options.values():
            for criterion in option.criteria:
                was = before.state(option.id, criterion.id)
                if was != "unknown":
                    assert after.state(option.id, criterion.id) == was, (option.id, criterion.id, partial, more)

    check()


def _consistent(data: dict[str, Any], pack) -> bool:
    """Whether the profile validates: fields taken from two profiles can contradict each other."""
    try:
        validated(data, pack)
    except ValueError:
        return False
    return True


# ----------------------------------------------------------------------------- aHSCT never more favourable
def _ahsct(data: dict[str, Any], pack, engine) -> str:
    return assess(validated(data, pack), pack, engine).option("ahsct").status


def test_adding_a_comorbidity_never_makes_ahsct_more_favourable(pack, engine):
    @CI
    @given(profiles(pack.catalogue), st.sampled_from(COMORBIDITIES))
    def check(data, extra):
        known = data.get("comorbidities")
        if known is None or extra in known:
            data = {**data, "comorbidities": [c for c in (known or []) if c != extra]}
        worse = {**data, "comorbidities": [*data["comorbidities"], extra]}
        before, after = _ahsct(data, pack, engine), _ahsct(worse, pack, engine)
        assert favour(after) >= favour(before), (before, after, data, extra)

    check()


def test_being_older_never_makes_ahsct_more_favourable(pack, engine):
    """Adults only: under 18, reaching the centres' lower age limit rightly opens aHSCT (see docs/benchmarks.md)."""

    @CI
    @given(profiles(pack.catalogue, adult=True), st.integers(1, 40))
    def check(data, years):
        older = {**data, "age": min(100, data["age"] + years)}
        before, after = _ahsct(data, pack, engine), _ahsct(older, pack, engine)
        assert favour(after) >= favour(before), (before, after, data, older["age"])

    check()


def test_more_disability_never_makes_ahsct_more_favourable(pack, engine):
    @CI
    @given(profiles(pack.catalogue), st.integers(1, 20), st.integers(1, 3))
    def check(data, edss_steps, walking_steps):
        worse = dict(data)
        if "edss" in data:
            worse["edss"] = EDSS_STEPS[min(20, EDSS_STEPS.index(data["edss"]) + edss_steps)]
        if "walking" in data:
            worse["walking"] = WALKING[min(3, WALKING.index(data["walking"]) + walking_steps)]
        before, after = _ahsct(data, pack, engine), _ahsct(worse, pack, engine)
        assert favour(after) >= favour(before), (before, after, data, worse)

    check()


def test_under_18_the_age_limit_is_the_one_intended_exception(pack, engine, make_profile):
    """The documented exception to "older is never more favourable": 17 → 18 may open aHSCT."""
    young = {"age": 17, "ms_type": "RRMS"}
    assert _ahsct(young, pack, engine) == "unlikely_to_fit"


# ----------------------------------------------------------------------------- differential: engine = oracle
def test_engine_agrees_with_a_plain_python_reading_of_the_shipped_pack(pack, engine):
    @settings(CI, max_examples=300)
    @given(profiles(pack.catalogue))
    def check(data):
        facts = profile_facts(validated(data, pack), pack.catalogue)
        assert oracle.read_engine(pack, engine.evaluate(facts)) == oracle.read_pack(pack, facts)

    check()


def test_applies_to_you_is_the_population_condition_evaluated_for_the_profile(pack, engine):
    """Each number's `applies_to_you` in the assessment (compiled, run by durable-rules) equals its
    population condition evaluated by the oracle: yes when met, no when not met, unknown otherwise;
    and a statement matters most exactly when its `matters_most_when` holds. Only shown statements
    reach the assessment, so the oracle's table is read for those."""
    @settings(CI, max_examples=200)
    @given(profiles(pack.catalogue))
    def check(data):
        profile = validated(data, pack)
        expected = oracle.number_fit(pack, profile_facts(profile, pack.catalogue))
        result = assess(profile, pack, engine)
        seen = 0
        for option in result.options:
            for kind in ("benefits", "risks", "having_children"):
                for statement in getattr(option, kind):
                    for index, number in enumerate(statement.numbers):
                        assert number.applies_to_you == expected[(option.id, kind, statement.id, index)]
                        seen += 1
                    if (option.id, kind, statement.id, -1) in expected:
                        assert statement.matters_most == (expected[(option.id, kind, statement.id, -1)] == "matters")
        assert seen  # every profile is shown some numbers (aHSCT's risks have no condition)

    check()


def test_applies_to_you_takes_all_three_values_over_the_generated_profiles(pack, engine):
    """The property above is not vacuous: yes, no and unknown all occur."""
    values = set()
    for seed in range(40):
        data = random_profile(random.Random(seed), pack.catalogue)
        for option in assess(validated(data, pack), pack, engine).options:
            values |= {n.applies_to_you for s in option.benefits + option.risks for n in s.numbers}
    assert values == {"yes", "no", "unknown"}


def _random_value(rnd: random.Random, name: str) -> Any:
    spec = FIELDS[name]
    if spec.kind == "int":
        return rnd.choice([0, 1, 2, 3, 5, 6, 12, 18, 45, 50, 65, rnd.randint(0, 100)])
    if spec.kind == "number":
        return rnd.choice([0, 0.5, 2.0, 3.5, 5.5, 6.0, 7.0, 10, 15, rnd.randint(0, 20) / 2])
    if spec.kind == "bool":
        return rnd.random() < 0.5
    if spec.kind == "set":
        return frozenset(rnd.sample(spec.values, rnd.randint(0, 3)))
    return rnd.choice(spec.values)


_OPS = {"int": ["eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in"], "number": ["eq", "neq", "lt", "lte", "gt", "gte"],
        "enum": ["eq", "neq", "in", "not_in"], "bool": ["eq"], "set": ["includes", "excludes"]}


def _random_condition(rnd: random.Random, depth: int = 0) -> Any:
    if depth < 3 and rnd.random() < 0.45:
        kind = rnd.choice(["all", "any", "not"])
        if kind == "not":
            return NotOf(not_=_random_condition(rnd, depth + 1))
        children = [_random_condition(rnd, depth + 1) for _ in range(rnd.randint(1, 3))]
        return AllOf(all=children) if kind == "all" else AnyOf(any=children)
    name = rnd.choice(sorted(FIELDS))
    spec = FIELDS[name]
    op = rnd.choice(_OPS[spec.kind])
    if op in ("in", "not_in"):
        values = sorted({_random_value(rnd, name) for _ in range(rnd.randint(1, 3))}, key=str)
        return Leaf(field=name, op=op, value=values)
    if spec.kind == "set":
        return Leaf(field=name, op=op, value=rnd.choice(spec.values))
    return Leaf(field=name, op=op, value=_random_value(rnd, name))


@pytest.fixture(scope="module")
def random_rules():
    """ONE engine over 80 random conditions (160 rules, several rulesets): never one per example."""
    rnd = random.Random(20261122)
    conditions = [_random_condition(rnd) for _ in range(80)]
    compiled = []
    for index, condition in enumerate(conditions):
        for polarity in ("met", "not_met"):
            key = RuleKey("random", "criterion", f"c{index}", polarity)  # type: ignore[arg-type]
            compiled.append((key, compile_condition(condition, negate=polarity == "not_met")))
    engine = RuleEngine.from_rules(compiled)
    yield conditions, engine
    engine.close()


def test_engine_agrees_with_a_plain_python_reading_of_random_conditions(random_rules):
    conditions, engine = random_rules
    rnd = random.Random(7)
    for _ in range(400):
        facts = {name: _random_value(rnd, name) for name in FIELDS if rnd.random() < 0.7}
        fired = engine.evaluate(facts)
        for index, condition in enumerate(conditions):
            assert fired.state("random", f"c{index}") == oracle.state(condition, facts), (index, condition, facts)
