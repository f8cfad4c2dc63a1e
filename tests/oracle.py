"""A plain-Python reading of the rule pack: the oracle for the differential tests.

It reads the YAML conditions (the pydantic models, not the durable-rules JSON that engine.py
compiles them to) and evaluates them with Kleene's three-valued logic over the facts of one
profile (facts.profile_facts): a comparison over a missing fact is *unknown*; `all` is false if
any part is false, `any` is true if any part is true, `not` swaps true and false and keeps
unknown. It shares no code with engine.py, so agreeing with it checks the compilation to
durable-rules (negation pushed down, presence guards, flags for sets) and the way the engine is
driven (facts posted, fired rules collected).

The benchmarks use it too, as the baseline for the engine's speed.
"""

from __future__ import annotations

from typing import Any

from decisionaid.pack.models import AllOf, AnyOf, Leaf, NotOf, RulePack

Truth = bool | None  # None = unknown

_COMPARE = {
    "eq": lambda fact, value: fact == value,
    "neq": lambda fact, value: fact != value,
    "lt": lambda fact, value: fact < value,
    "lte": lambda fact, value: fact <= value,
    "gt": lambda fact, value: fact > value,
    "gte": lambda fact, value: fact >= value,
    "in": lambda fact, value: fact in value,
    "not_in": lambda fact, value: fact not in value,
    "includes": lambda fact, value: value in fact,
    "excludes": lambda fact, value: value not in fact,
}


def truth(condition: Any, facts: dict[str, Any]) -> Truth:
    """The three-valued truth of a rule-pack condition for these facts."""
    if isinstance(condition, Leaf):
        if condition.field not in facts:
            return None
        return bool(_COMPARE[condition.op](facts[condition.field], condition.value))
    if isinstance(condition, NotOf):
        inner = truth(condition.not_, facts)
        return None if inner is None else not inner
    if isinstance(condition, AllOf):
        parts = [truth(c, facts) for c in condition.all]
        return False if False in parts else None if None in parts else True
    if isinstance(condition, AnyOf):
        parts = [truth(c, facts) for c in condition.any]
        return True if True in parts else None if None in parts else False
    raise TypeError(f"not a condition: {condition!r}")


def state(condition: Any, facts: dict[str, Any]) -> str:
    value = truth(condition, facts)
    return "unknown" if value is None else "met" if value else "not_met"


def read_pack(pack: RulePack, facts: dict[str, Any]) -> dict[tuple[str, str, str], str | bool]:
    """Every criterion's state and whether each conditional statement or question is shown.

    Keys are (option, kind, item) with kind criterion/benefits/risks/questions, as in engine.RuleKey.
    """
    result: dict[tuple[str, str, str], str | bool] = {}
    for option in pack.options.values():
        for criterion in option.criteria:
            result[(option.id, "criterion", criterion.id)] = state(criterion.when, facts)
        for kind in ("benefits", "risks", "having_children"):
            for statement in getattr(option, kind):
                if statement.when is not None:
                    result[(option.id, kind, statement.id)] = truth(statement.when, facts) is True
        for index, question in enumerate(option.questions):
            if question.when is not None:
                result[(option.id, "questions", str(index))] = truth(question.when, facts) is True
    return result


APPLIES = {"met": "yes", "not_met": "no", "unknown": "unknown"}


def number_fit(pack: RulePack, facts: dict[str, Any]) -> dict[tuple[str, str, str, int], str]:
    """For every number with a population condition: whether its population includes this patient
    (yes / no / unknown, the condition's three-valued state); and for every statement with a
    `matters_most_when`, whether it matters most ("matters" / "")."""
    result: dict[tuple[str, str, str, int], str] = {}
    for option in pack.options.values():
        for kind in ("benefits", "risks", "having_children"):
            for statement in getattr(option, kind):
                for index, number in enumerate(statement.numbers):
                    if number.population_when is not None:
                        result[(option.id, kind, statement.id, index)] = APPLIES[state(number.population_when, facts)]
                if statement.matters_most_when is not None:
                    result[(option.id, kind, statement.id, -1)] = (
                        "matters" if truth(statement.matters_most_when, facts) is True else "")
    return result


def read_engine(pack: RulePack, fired: Any) -> dict[tuple[str, str, str], str | bool]:
    """The same table, from what the durable-rules engine fired."""
    result: dict[tuple[str, str, str], str | bool] = {}
    for option in pack.options.values():
        for criterion in option.criteria:
            result[(option.id, "criterion", criterion.id)] = fired.state(option.id, criterion.id)
        for kind in ("benefits", "risks", "having_children"):
            for statement in getattr(option, kind):
                if statement.when is not None:
                    result[(option.id, kind, statement.id)] = fired.shown(option.id, kind, statement.id)
        for index, question in enumerate(option.questions):
            if question.when is not None:
                result[(option.id, "questions", str(index))] = fired.shown(option.id, "questions", str(index))
    return result
