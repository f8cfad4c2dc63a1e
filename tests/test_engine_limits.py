"""durable-rules' hard limits, and how the engine keeps every rule pack inside them.

durable-rules matches a fact with a fixed stack of 64 alpha nodes: a fact that matches more
nodes at once fails with error 303, so a large or "wide" rule pack would fail in clinic for the
profiles that match the most. The engine splits rules into rulesets by a worst-case model of
that stack. Its C JSON parser also rejects numbers written with exponents (`1e-05`).
Few engines are built here on purpose: durable-rules leaks C memory per engine unless closed.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from decisionaid.evaluation.engine import RuleEngine
from decisionaid.pack.conditions import (
    STACK_BUDGET,
    RuleKey,
    _Alpha,
    compile_condition,
    compile_pack,
    engine_fits,
)
from decisionaid.pack.models import AllOf, AnyOf, Leaf, NotOf
from decisionaid.plumbing.errors import EngineError


def key(name: str, polarity: str = "met") -> RuleKey:
    return RuleKey("limits", "criterion", name, polarity)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def wide_engine():
    """90 thresholds on one field: all 90 match age 10, far more than 64 nodes at once."""
    rules = [(key(f"under_{k}"), compile_condition(Leaf(field="age", op="lt", value=k))) for k in range(11, 101)]
    engine = RuleEngine.from_rules(rules)
    yield engine
    engine.close()


def test_a_fact_matching_more_than_64_nodes_is_split_not_failed(wide_engine):
    assert len(wide_engine.ruleset_sizes) > 1
    fired = wide_engine.evaluate({"age": 10})
    assert all(fired.state("limits", f"under_{k}") == "met" for k in range(11, 101))
    fired = wide_engine.evaluate({"age": 60})
    assert [k for k in range(11, 101) if fired.state("limits", f"under_{k}") == "met"] == list(range(61, 101))


def test_the_shipped_pack_fits_the_matching_stack(pack, engine):
    for conditions in _rulesets(compile_pack(pack), engine):
        tag = _Alpha()
        for condition in conditions:
            tag.add(condition)
        assert tag.stack_bound({}) <= STACK_BUDGET


def _rulesets(compiled, engine):
    conditions = [engine._poster.rename(c) for _, c in compiled]
    unique = list({repr(c): c for c in conditions}.values())
    start = 0
    for size in engine.ruleset_sizes:
        yield unique[start : start + size]
        start += size


def test_one_rule_too_wide_for_durable_rules_is_refused_at_build_time():
    inner = AnyOf(any=[Leaf(field="age", op="lt", value=k) for k in range(11, 101)])
    too_wide = AllOf(all=[Leaf(field="ms_type", op="eq", value="RRMS"), inner])  # an `$or` inside: not split
    with pytest.raises(EngineError, match="too wide"):
        RuleEngine.from_rules([(key("too_wide"), compile_condition(too_wide))])


def _shapes(width: int) -> dict[str, Any]:
    leaves = [Leaf(field="age", op="eq", value=10 + k) if k % 2 else Leaf(field="edss", op="gte", value=k % 20 / 2)
              for k in range(width)]
    return {"any": AnyOf(any=leaves), "all": AllOf(all=leaves),
            "all of any": AllOf(all=[Leaf(field="ms_type", op="eq", value="RRMS"), AnyOf(any=leaves)]),
            "any of all": AnyOf(any=[AllOf(all=leaves[i:i + 2]) for i in range(0, width, 2)]),
            "not any": NotOf(not_=AnyOf(any=leaves)), "in": Leaf(field="age", op="in", value=list(range(width)))}


@pytest.mark.parametrize("width", [13, 14, 40, 150, 600])
def test_what_the_limit_check_accepts_builds_and_evaluates_and_what_it_refuses_does_not(width):
    """Issue 13: `any:` over 14-150 leaves passed the check and failed in durable-rules (error 113);
    200-600 leaves ended in RecursionError. The check and the engine must agree, shape by shape."""
    for name, condition in _shapes(width).items():
        compiled = [compile_condition(condition, negate) for negate in (False, True)]
        accepted = all(engine_fits(c) for c in compiled)
        rules = [(key(name, polarity), c) for polarity, c in zip(("met", "not_met"), compiled, strict=True)]
        if accepted:
            engine = RuleEngine.from_rules(rules)
            try:
                engine.evaluate({"age": 11, "edss": 9.5, "ms_type": "RRMS"})
            finally:
                engine.close()
        else:
            with pytest.raises(EngineError, match="too wide"):
                RuleEngine.from_rules(rules)
        assert accepted or name in ("all of any", "any of all", "in") or width > 400, (name, width)


def test_equal_tests_of_one_field_exclude_each_other_so_a_long_list_needs_no_split():
    many = Leaf(field="current_dmt_months", op="in", value=list(range(300)))
    engine = RuleEngine.from_rules([(key("many"), compile_condition(many)),
                                    (key("many", "not_met"), compile_condition(many, negate=True))])
    try:
        assert engine.ruleset_sizes == [2]
        assert engine.evaluate({"current_dmt_months": 299}).state("limits", "many") == "met"
        assert engine.evaluate({"current_dmt_months": 300}).state("limits", "many") == "not_met"
    finally:
        engine.close()


@pytest.fixture(scope="module")
def number_engine():
    rules = []
    for name, leaf in [("tiny", Leaf(field="years_since_first_symptoms", op="gt", value=0)),
                       ("tiny_rule", Leaf(field="years_since_first_symptoms", op="lt", value=1e-05)),
                       ("under_ten", Leaf(field="years_since_first_symptoms", op="lt", value=10))]:
        rules += [(key(name), compile_condition(leaf)), (key(name, "not_met"), compile_condition(leaf, negate=True))]
    engine = RuleEngine.from_rules(rules)
    yield engine
    engine.close()


@pytest.mark.parametrize("years", [1e-05, 1e-20, 3e-07, 0.0001, 5.5, 0.0])
def test_numbers_that_python_writes_with_an_exponent_are_read_exactly(number_engine, years):
    fired = number_engine.evaluate({"years_since_first_symptoms": years})
    expect = {"tiny": years > 0, "tiny_rule": years < 1e-05, "under_ten": years < 10}
    for name, value in expect.items():
        assert fired.state("limits", name) == ("met" if value else "not_met"), name


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e300, 2**80])
def test_a_number_durable_rules_cannot_read_is_an_engine_error_and_harms_nothing(number_engine, bad):
    with pytest.raises(EngineError, match="cannot be given"):
        number_engine.evaluate({"years_since_first_symptoms": bad})
    assert number_engine.evaluate({"years_since_first_symptoms": 2.0}).state("limits", "under_ten") == "met"


def test_a_closed_engine_refuses_to_evaluate():
    engine = RuleEngine.from_rules([(key("x"), compile_condition(Leaf(field="age", op="lt", value=5)))])
    engine.close()
    engine.close()  # twice is harmless
    with pytest.raises(EngineError, match="closed"):
        engine.evaluate({"age": 3})


def test_identical_conditions_are_matched_once_but_reported_for_every_key():
    same = compile_condition(Leaf(field="edss", op="gte", value=7.0))
    engine = RuleEngine.from_rules([(key("a"), same), (key("b"), same), (key("c"), dict(same))])
    try:
        assert engine.ruleset_sizes == [1] and engine.rule_count == 3
        fired = engine.evaluate({"edss": 8.0})
        assert {k.item for k in fired.keys} == {"a", "b", "c"}
    finally:
        engine.close()
