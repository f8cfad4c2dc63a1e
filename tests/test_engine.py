"""The durable-rules adapter: three-valued criteria, isolation, and each documented trap."""

from __future__ import annotations

import threading

import pytest

from decisionaid.evaluation.assess import assess
from decisionaid.evaluation.engine import RuleEngine, to_fact
from decisionaid.pack.conditions import RuleKey, compile_condition
from decisionaid.pack.models import AllOf, AnyOf, Leaf, NotOf
from decisionaid.profile.facts import profile_facts

from .conftest import EXAMPLES


def key(name: str, polarity: str = "met") -> RuleKey:
    return RuleKey("test", "criterion", name, polarity)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def trap_engine():
    """One small engine over hand-written conditions that hit durable-rules' known traps."""
    edss_lt_9 = Leaf(field="edss", op="lt", value=9)
    either = AnyOf(any=[Leaf(field="edss", op="gte", value=6.0), Leaf(field="walking", op="eq", value="wheelchair")])
    rules = [
        (key("edss_lt_9"), compile_condition(edss_lt_9)),
        (key("edss_lt_9", "not_met"), compile_condition(edss_lt_9, negate=True)),
        (key("either"), compile_condition(either)),
        (key("either", "not_met"), compile_condition(either, negate=True)),
        (key("not_heart"), compile_condition(NotOf(not_=Leaf(field="comorbidities", op="includes", value="heart_disease")))),
        (key("only_absence"), {"$nex": {"edss": 1}}),  # would loop forever without the type tag
    ]
    return RuleEngine.from_rules(rules)


def test_numbers_compare_as_numbers_not_text(trap_engine):
    assert trap_engine.evaluate({"edss": 10.0}).state("test", "edss_lt_9") == "not_met"  # "10" < "9" as text
    assert trap_engine.evaluate({"edss": 8.5}).state("test", "edss_lt_9") == "met"


def test_missing_field_is_unknown_never_not_met(trap_engine):
    fired = trap_engine.evaluate({})
    assert fired.state("test", "edss_lt_9") == "unknown"
    assert fired.state("test", "either") == "unknown"


def test_three_valued_any(trap_engine):
    assert trap_engine.evaluate({"edss": 7.0}).state("test", "either") == "met"  # one met branch is enough
    assert trap_engine.evaluate({"edss": 3.0}).state("test", "either") == "unknown"  # walking unknown
    assert trap_engine.evaluate({"edss": 3.0, "walking": "unaided"}).state("test", "either") == "not_met"


def test_or_branches_fire_once(trap_engine):
    fired = trap_engine.evaluate({"edss": 7.0, "walking": "wheelchair"})
    assert fired.state("test", "either") == "met"


def test_set_membership_and_not(trap_engine):
    from decisionaid.pack.vocabulary import FIELDS

    assert FIELDS["comorbidities"].kind == "set"
    assert trap_engine.evaluate({"comorbidities": frozenset()}).shown("test", "criterion", "not_heart")
    assert not trap_engine.evaluate({"comorbidities": frozenset({"heart_disease"})}).shown("test", "criterion", "not_heart")
    assert not trap_engine.evaluate({}).shown("test", "criterion", "not_heart")


def test_absence_only_rule_returns_and_a_profile_matching_nothing_survives(trap_engine):
    assert trap_engine.evaluate({}).shown("test", "criterion", "only_absence")
    for _ in range(50):  # without the sentinel rule, deleting an unmatched state can segfault
        assert not trap_engine.evaluate({"edss": 5.0, "walking": "unaided"}).shown("test", "criterion", "only_absence")


def test_de_morgan_negation_of_all():
    condition = AllOf(all=[Leaf(field="age", op="lt", value=45), Leaf(field="edss", op="lte", value=5.5)])
    negated = compile_condition(condition, negate=True)
    assert list(negated) == ["$or"]
    assert negated["$or"][0]["$and"][1] == {"$gte": {"age": 45}}


def test_facts_are_nested_and_typed():
    fact = to_fact({"mri_last_12_months.gadolinium_enhancing_lesions": 2, "comorbidities": frozenset({"hiv"})})
    assert fact["mri_last_12_months"] == {"gadolinium_enhancing_lesions": 2}
    assert fact["comorbidities"]["hiv"] is True and fact["comorbidities"]["cirrhosis"] is False


def profiles(make_profile):
    return [make_profile(path.read_text(), path.name) for path in EXAMPLES]


def test_concurrent_evaluations_match_sequential(make_profile, pack, engine):
    people = profiles(make_profile)
    expected = [assess(p, pack, engine) for p in people]
    mismatches: list[str] = []

    def worker(offset: int) -> None:
        for round_ in range(40):
            index = (offset + round_) % len(people)
            if assess(people[index], pack, engine) != expected[index]:
                mismatches.append(f"{offset}:{round_}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == []


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        import os

        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_memory_stays_flat_over_many_evaluations(make_profile, pack, engine):
    facts = [profile_facts(p, pack.catalogue) for p in profiles(make_profile)]
    for f in facts * 50:  # warm up
        engine.evaluate(f)
    before = rss_kib()
    for f in facts * 500:  # 4,000 evaluations; more than 1024 live sessions would raise MemoryError
        engine.evaluate(f)
    assert rss_kib() - before < 4 * 1024


def test_engine_reports_a_rejected_ruleset():
    from decisionaid.plumbing.errors import EngineError

    with pytest.raises(EngineError, match="rejected"):
        RuleEngine.from_rules([(key("bad"), {"$foo": {"x": 1}})])


def test_an_error_inside_an_action_is_not_swallowed():
    """durable-rules swallows exceptions raised in actions; the adapter must surface them."""
    from decisionaid.plumbing.errors import EngineError

    class Exploding(dict):
        def __getitem__(self, sid):
            raise RuntimeError("boom")

    engine = RuleEngine.from_rules([(key("edss_lt_9"), compile_condition(Leaf(field="edss", op="lt", value=9)))])
    assert engine.evaluate({"edss": 3.0}).state("test", "edss_lt_9") == "met"
    engine._fired = Exploding()
    with pytest.raises(EngineError, match="boom"):
        engine.evaluate({"edss": 3.0})
