"""The only module that knows durable-rules exists.

Each condition of the rule pack is compiled into durable-rules' declarative JSON form, and
durable-rules does the matching. Three-valued logic is kept by compiling every criterion twice:
a "met" rule (the condition provably true) and a "not met" rule (its negation pushed down to the
comparisons, each requiring its field to be present). Neither firing means *unknown*.

The workarounds for durable-rules 2.0.28 (see the engineering notes) are built in:
- every rule and fact carries a type tag, so no rule can match the engine's own state message
  (an endless loop otherwise);
- every ruleset has a catch-all sentinel rule, so deleting a state never segfaults;
- rulesets hold at most 100 rules (hangs and hard limits above 128 / 512 siblings);
- one session id per evaluation, deleted in `finally` (at most 1024 live ids);
- the Host's background timer threads are switched off and evaluations are serialised by a lock;
- only strictly typed facts go in (it compares text and numbers as text), and fired rule names
  are de-duplicated (an `$or` fires once per true branch);
- `assert_fact`, never `post` (an event fires only the first matching rule).
"""

from __future__ import annotations

import copy
import itertools
import threading
from dataclasses import dataclass
from typing import Any, Literal

import durable_rules_engine
from durable import engine as durable

from .errors import EngineError
from .facts import FIELDS, FactValue
from .rulepack import AllOf, AnyOf, Condition, Leaf, NotOf, RulePack

TYPE_TAG = {"t": "decisionaid_profile"}
SENTINEL = "sentinel"
RULES_PER_RULESET = 100

Kind = Literal["criterion", "benefits", "risks", "questions"]
Polarity = Literal["met", "not_met"]


@dataclass(frozen=True)
class RuleKey:
    """What a compiled rule stands for: option, kind of item, its id (or index), polarity."""

    option: str
    kind: Kind
    item: str
    polarity: Polarity


@dataclass(frozen=True)
class Fired:
    """The rules that fired for one profile."""

    keys: frozenset[RuleKey]

    def state(self, option: str, criterion: str) -> Literal["met", "not_met", "unknown"]:
        if RuleKey(option, "criterion", criterion, "met") in self.keys:
            return "met"
        if RuleKey(option, "criterion", criterion, "not_met") in self.keys:
            return "not_met"
        return "unknown"

    def shown(self, option: str, kind: Kind, item: str) -> bool:
        return RuleKey(option, kind, item, "met") in self.keys


# ----------------------------------------------------------------------------- compilation
_NEGATE = {"eq": "neq", "neq": "eq", "lt": "gte", "gte": "lt", "lte": "gt", "gt": "lte",
           "in": "not_in", "not_in": "in", "includes": "excludes", "excludes": "includes"}
_DURABLE_OP = {"neq": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def compile_condition(condition: Condition, negate: bool = False) -> dict[str, Any]:
    """durable-rules JSON that matches when `condition` is provably true (or provably false)."""
    if isinstance(condition, NotOf):
        return compile_condition(condition.not_, not negate)
    if isinstance(condition, AllOf | AnyOf):
        children = condition.all if isinstance(condition, AllOf) else condition.any
        conjunction = isinstance(condition, AllOf) != negate  # De Morgan
        return {"$and" if conjunction else "$or": [compile_condition(c, negate) for c in children]}
    assert isinstance(condition, Leaf)
    op = _NEGATE[condition.op] if negate else condition.op
    return _compile_leaf(condition.field, op, condition.value)


def _compile_leaf(field: str, op: str, value: Any) -> dict[str, Any]:
    if op in ("includes", "excludes"):
        return {f"{field}.{value}": op == "includes"}
    present = {"$ex": {field: 1}}
    if op == "in":
        return {"$and": [present, {"$or": [{field: v} for v in value]}]}
    if op == "not_in":
        return {"$and": [present, *({"$neq": {field: v}} for v in value)]}
    test = {field: value} if op == "eq" else {_DURABLE_OP[op]: {field: value}}
    return {"$and": [present, test]}


def compile_pack(pack: RulePack) -> list[tuple[RuleKey, dict[str, Any]]]:
    """Every rule of the pack, with what it stands for."""
    rules: list[tuple[RuleKey, dict[str, Any]]] = []
    for option in pack.options.values():
        for criterion in option.criteria:
            for polarity in ("met", "not_met"):
                key = RuleKey(option.id, "criterion", criterion.id, polarity)  # type: ignore[arg-type]
                rules.append((key, compile_condition(criterion.when, negate=polarity == "not_met")))
        for kind in ("benefits", "risks"):
            for statement in getattr(option, kind):
                if statement.when is not None:
                    rules.append((RuleKey(option.id, kind, statement.id, "met"), compile_condition(statement.when)))
        for index, question in enumerate(option.questions):
            if question.when is not None:
                rules.append((RuleKey(option.id, "questions", str(index), "met"), compile_condition(question.when)))
    return rules


def to_fact(facts: dict[str, FactValue]) -> dict[str, Any]:
    """The durable-rules fact for a profile: nested objects for dotted names, sets as flags."""
    fact: dict[str, Any] = dict(TYPE_TAG)
    for name, value in facts.items():
        if isinstance(value, frozenset):
            value = {item: item in value for item in FIELDS[name].values}
        target = fact
        *parents, leaf = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return fact


# ----------------------------------------------------------------------------- evaluation
class RuleEngine:
    """One per rule pack and process. Thread-safe; evaluations are serialised (the C code holds the GIL)."""

    def __init__(self, pack: RulePack) -> None:
        self._build(compile_pack(pack))

    @classmethod
    def from_rules(cls, rules: list[tuple[RuleKey, dict[str, Any]]]) -> RuleEngine:
        """An engine over already compiled durable-rules conditions (for tests and benchmarks)."""
        engine = cls.__new__(cls)
        engine._build(rules)
        return engine

    def _build(self, compiled: list[tuple[RuleKey, dict[str, Any]]]) -> None:
        self._keys: dict[str, RuleKey] = {}
        rulesets: dict[str, dict[str, Any]] = {}
        for start in range(0, len(compiled), RULES_PER_RULESET):
            ruleset: dict[str, Any] = {}
            for number, (key, condition) in enumerate(compiled[start : start + RULES_PER_RULESET], start):
                name = f"r{number}"
                self._keys[name] = key
                ruleset[name] = {"all": [{"m": {"$and": [TYPE_TAG, condition]}}], "run": name}
            ruleset[SENTINEL] = {"all": [{"m": TYPE_TAG}], "run": SENTINEL}
            rulesets[f"rs{start // RULES_PER_RULESET}"] = ruleset
        self._ruleset_names = list(rulesets)
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._fired: dict[str, list[str]] = {}
        self._action_errors: list[str] = []
        self._host = _QuietHost(self._record)
        try:
            self._host.set_rulesets(copy.deepcopy(rulesets))  # it deletes 'run' from the dicts it is given
        except (durable_rules_engine.error, Exception) as exc:  # noqa: BLE001 - durable raises bare Exception
            raise EngineError(f"durable-rules rejected the compiled rule pack: {exc}") from exc

    @property
    def rule_count(self) -> int:
        return len(self._keys)

    def evaluate(self, facts: dict[str, FactValue]) -> Fired:
        """The rules that fire for one profile's facts. Nothing carries over between calls."""
        fact = to_fact(facts)
        with self._lock:
            sid = str(next(self._sids))
            fact["sid"] = sid
            self._fired[sid] = []
            try:
                for ruleset in self._ruleset_names:
                    try:
                        self._host.assert_fact(ruleset, fact)
                    finally:
                        _delete_state(self._host, ruleset, sid)
                if self._action_errors:
                    errors, self._action_errors = self._action_errors, []
                    raise EngineError("a rule action failed: " + "; ".join(errors))
            except EngineError:
                raise
            except durable.MessageNotHandledException as exc:
                raise EngineError(f"no rule handled the profile (the sentinel rule is missing): {exc.message}") from exc
            except durable_rules_engine.error as exc:
                raise EngineError(f"durable-rules failed while evaluating a profile: {exc}") from exc
            except MemoryError as exc:
                raise EngineError("durable-rules ran out of session slots (more than 1024 live evaluations)") from exc
            finally:
                names = self._fired.pop(sid, [])
        return Fired(frozenset(self._keys[name] for name in set(names)))

    def _record(self, context: Any, name: str) -> None:
        # durable-rules swallows exceptions raised in actions, so catch and report them ourselves
        try:
            self._fired[context.s.sid].append(name)
        except Exception as exc:  # noqa: BLE001
            self._action_errors.append(f"rule {name}: {exc!r}")


class _QuietHost(durable.Host):  # type: ignore[misc]
    """A Host without background timer threads, whose actions only record the rule's name."""

    def __init__(self, record: Any) -> None:
        self._record = record
        super().__init__()

    def _run(self) -> None:  # the stock Host re-arms timer threads here; they race with callers
        pass

    def get_action(self, action_name: str) -> Any:
        if action_name == SENTINEL:
            return _ignore
        record = self._record

        def action(context: Any) -> None:
            record(context, action_name)

        return action


def _ignore(context: Any) -> None:
    return None


def _delete_state(host: durable.Host, ruleset: str, sid: str) -> None:
    try:
        host.delete_state(ruleset, sid)
    except durable_rules_engine.error:
        pass  # 309: no state was created (the fact was rejected before matching)
