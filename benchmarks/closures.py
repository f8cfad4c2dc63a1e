"""Evidence for "what would reach the engine target": the pack's conditions compiled once into
plain-Python closures with three-valued logic (no durable-rules, no JSON, no interpretation of
models per call). Benchmark-only; checked against the oracle on every profile it is timed on."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from decisionaid.pack.models import AllOf, AnyOf, Leaf, NotOf, RulePack

Truth = Callable[[dict[str, Any]], bool | None]
_MISSING = object()
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "neq": operator.ne, "lt": operator.lt, "lte": operator.le, "gt": operator.gt,
    "gte": operator.ge, "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b,
    "includes": lambda a, b: b in a, "excludes": lambda a, b: b not in a,
}


def compile_truth(condition: Any) -> Truth:
    if isinstance(condition, Leaf):
        field, test = condition.field, _OPS[condition.op]
        value = frozenset(condition.value) if condition.op in ("in", "not_in") else condition.value

        def leaf(facts: dict[str, Any]) -> bool | None:
            fact = facts.get(field, _MISSING)
            return None if fact is _MISSING else test(fact, value)

        return leaf
    if isinstance(condition, NotOf):
        inner = compile_truth(condition.not_)
        return lambda facts: None if (v := inner(facts)) is None else not v
    parts = [compile_truth(c) for c in (condition.all if isinstance(condition, AllOf) else condition.any)]
    if isinstance(condition, AllOf):
        def all_of(facts: dict[str, Any]) -> bool | None:
            unknown = False
            for part in parts:
                v = part(facts)
                if v is False:
                    return False
                unknown = unknown or v is None
            return None if unknown else True

        return all_of
    assert isinstance(condition, AnyOf)

    def any_of(facts: dict[str, Any]) -> bool | None:
        unknown = False
        for part in parts:
            v = part(facts)
            if v is True:
                return True
            unknown = unknown or v is None
        return None if unknown else False

    return any_of


def compile_pack(pack: RulePack) -> Callable[[dict[str, Any]], dict[tuple[str, str, str], str | bool]]:
    """facts -> the same table as tests/oracle.read_pack."""
    criteria, shown = [], []
    for option in pack.options.values():
        criteria += [((option.id, "criterion", c.id), compile_truth(c.when)) for c in option.criteria]
        for kind in ("benefits", "risks"):
            shown += [((option.id, kind, s.id), compile_truth(s.when)) for s in getattr(option, kind) if s.when]
        shown += [((option.id, "questions", str(i)), compile_truth(q.when)) for i, q in enumerate(option.questions)
                  if q.when]
    states = {None: "unknown", True: "met", False: "not_met"}

    def read(facts: dict[str, Any]) -> dict[tuple[str, str, str], str | bool]:
        table: dict[tuple[str, str, str], str | bool] = {key: states[truth(facts)] for key, truth in criteria}
        table.update((key, truth(facts) is True) for key, truth in shown)
        return table

    return read
