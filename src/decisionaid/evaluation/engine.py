"""The only module that knows durable-rules exists.

Each condition of the rule pack is compiled into durable-rules' declarative JSON form
(pack/conditions.py), and durable-rules does the matching, here.

The engine drives durable-rules' C extension (`durable_rules_engine`) directly, without the
Python `durable.engine.Host`: per fired rule the Host builds a Python closure, runs a callback,
serialises the session state back to JSON and re-asserts it; here a fired rule costs one C call
and reading its name. That is about 8x faster, and it removes two traps by construction: there
are no Host timer threads to race with, and no Python actions whose exceptions durable-rules
would swallow.

The workarounds for durable-rules 2.0.28 (see the engineering notes) are built in:
- every rule and fact carries a type tag, so no rule can match the engine's own state message
  (an endless loop otherwise);
- every ruleset has a catch-all sentinel rule, so deleting a state never segfaults;
- rulesets hold at most 100 rules (hangs and hard limits above 128 / 512 siblings), and fewer
  when needed to keep matching within durable-rules' fixed stack of 64 alpha nodes: a fact that
  matches more nodes at once fails with error 303, so each ruleset's worst case is computed from
  a model of the network durable-rules builds (`_plan_rulesets`);
- one session id per evaluation, deleted in `finally` (at most 1024 live ids);
- evaluations are serialised by a lock (the C code holds the GIL anyway);
- only strictly typed facts go in (it compares text and numbers as text), numbers are written
  without exponents (its JSON parser rejects `1e-05`), and fired rule names are de-duplicated
  (an `$or` fires once per true branch);
- `assert_fact`, never `post` (an event fires only the first matching rule);
- C rulesets are never freed by durable-rules itself: `close()` frees them.
"""


from __future__ import annotations

import itertools
import json
import math
import threading
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

import durable_rules_engine  # type: ignore[import-not-found]  # no type information

from ..pack.conditions import (
    MAX_SAFE_NUMBER,
    SENTINEL,
    TYPE_TAG,
    Kind,
    RuleKey,
    alternatives,
    compile_pack,
    plan_rulesets,
    tagged,
)
from ..pack.models import RulePack
from ..pack.vocabulary import FIELDS, FactValue
from ..plumbing.errors import EngineError


@dataclass(frozen=True)
class Fired:
    """The rules that fired for one profile."""

    keys: frozenset[RuleKey]

    def state(self, option: str, criterion: str) -> Literal["met", "not_met", "unknown"]:
        return self._states.get((option, criterion), "unknown")

    def shown(self, option: str, kind: Kind, item: str) -> bool:
        return (option, kind, item) in self._shown

    def applies(self, option: str, item: str) -> Literal["yes", "no", "unknown"]:
        """Whether a number's population (`number_key`) includes this patient: its condition met, not met, or neither."""
        polarity = self._populations.get((option, item))
        return "yes" if polarity == "met" else "no" if polarity == "not_met" else "unknown"

    # Looked up about a hundred times per assessment: index the keys once (not part of equality).
    @cached_property
    def _states(self) -> dict[tuple[str, str], Literal["met", "not_met"]]:
        states: dict[tuple[str, str], Literal["met", "not_met"]] = {}
        for key in sorted((k for k in self.keys if k.kind == "criterion"), key=lambda k: k.polarity != "not_met"):
            states[(key.option, key.item)] = key.polarity  # "met" wins if both fired (never happens)
        return states

    @cached_property
    def _populations(self) -> dict[tuple[str, str], Literal["met", "not_met"]]:
        return {(k.option, k.item): k.polarity for k in self.keys if k.kind == "population"}

    @cached_property
    def _shown(self) -> frozenset[tuple[str, str, str]]:
        return frozenset((k.option, k.kind, k.item) for k in self.keys if k.polarity == "met")


def to_fact(facts: dict[str, FactValue]) -> dict[str, Any]:
    """The durable-rules fact for a profile: nested objects for dotted names, sets as flags."""
    fact: dict[str, Any] = dict(TYPE_TAG)
    for name, value in facts.items():
        posted: Any = {item: item in value for item in FIELDS[name].values} if isinstance(value, frozenset) else value
        target = fact
        *parents, leaf = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = posted
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
        self._handles: list[int] = []
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._fired: dict[str, list[str]] = {}
        self._rule_count = len(compiled)
        self._poster = _FactPoster([c for _, c in compiled])
        # Identical conditions (the same check in several options) become one durable-rules rule
        # standing for all their keys: fewer rules to match and fewer to fire.
        distinct: dict[str, int] = {}
        conditions: list[dict[str, Any]] = []
        keys: list[list[RuleKey]] = []
        for key, condition in compiled:
            for rule in alternatives(condition):
                posted = self._poster.rename(rule)
                number = distinct.setdefault(_encode(posted), len(conditions))  # repr() of a float is exact
                if number == len(conditions):
                    conditions.append(posted)
                    keys.append([])
                keys[number].append(key)
        # frozensets keep their members' hashes: a union of them re-hashes nothing
        self._keys = {f"r{number}": frozenset(group) for number, group in enumerate(keys)}
        self.ruleset_sizes: list[int] = []
        try:
            for chunk in plan_rulesets(conditions):
                ruleset: dict[str, Any] = {f"r{i}": {"all": [{"m": tagged(conditions[i])}]} for i in chunk}
                ruleset[SENTINEL] = {"all": [{"m": TYPE_TAG}]}
                name = f"decisionaid{len(self._handles)}"
                self._handles.append(durable_rules_engine.create_ruleset(name, _dumps(ruleset)))
                self.ruleset_sizes.append(len(chunk))
        except (durable_rules_engine.error, ValueError) as exc:
            self.close()
            raise EngineError(f"durable-rules rejected the compiled rule pack: {exc}") from exc

    @property
    def rule_count(self) -> int:
        return self._rule_count

    def evaluate(self, facts: dict[str, FactValue]) -> Fired:
        """The rules that fire for one profile's facts. Nothing carries over between calls."""
        with self._lock:
            handles = self._handles
            if not handles:
                raise EngineError("this rule engine has been closed")
            sid = str(next(self._sids))
            self._fired[sid] = []
            try:
                try:
                    text = self._poster.json(facts, sid)
                except ValueError as exc:
                    raise EngineError(f"the profile's facts cannot be given to durable-rules: {exc}") from exc
                names = self._fired[sid]
                for handle in handles:
                    _run_ruleset(handle, text, sid, names.append)
            except EngineError:
                raise
            except durable_rules_engine.error as exc:
                raise EngineError(f"durable-rules failed while evaluating a profile: {exc}") from exc
            except MemoryError as exc:
                raise EngineError("durable-rules ran out of session slots (more than 1024 live evaluations)") from exc
            except Exception as exc:
                raise EngineError(f"collecting the fired rules failed: {exc!r}") from exc
            finally:
                self._fired.pop(sid, None)
        fired = set(names)  # an `$or` fires once per true branch
        fired.discard(SENTINEL)
        keys = self._keys
        try:
            return Fired(frozenset().union(*[keys[name] for name in fired]))
        except KeyError as exc:
            raise EngineError(f"durable-rules fired an unknown rule {exc}") from None

    def close(self) -> None:
        """Free the C rulesets (durable-rules never does). The engine cannot evaluate afterwards."""
        with self._lock:
            handles, self._handles = self._handles, []
        for handle in handles:
            try:
                durable_rules_engine.delete_ruleset(handle)
            except durable_rules_engine.error:
                pass

    def __del__(self) -> None:
        try:
            if getattr(self, "_handles", None):
                self.close()
        except Exception:  # noqa: BLE001, S110 - never raise from a finaliser (e.g. at interpreter exit)
            pass


def _run_ruleset(handle: int, text: str, sid: str, record: Any,
                 _assert: Any = durable_rules_engine.assert_fact,
                 _start: Any = durable_rules_engine.start_action_for_state,
                 _next: Any = durable_rules_engine.complete_and_start_action) -> None:
    """Assert one fact into one ruleset, record every rule that fires, and delete the session."""
    try:
        code, state = _assert(handle, text)
        if code:
            raise EngineError("no rule handled the profile (the sentinel rule is missing)" if code == 1
                              else f"session {sid} was reused")
        action = _start(handle, state)
        message = action[1] if action else None
        try:
            while message:  # '{"r12":{"m":{...}}}': the fired rule's name is the first key
                record(message[2 : message.index('"', 2)])
                message = _next(handle, state)
        except BaseException:
            try:
                durable_rules_engine.abandon_action(handle, state)
            except durable_rules_engine.error:
                pass
            raise
    finally:
        try:
            durable_rules_engine.delete_state(handle, sid)
        except durable_rules_engine.error:
            pass  # 309: no state was created (the fact was rejected before matching)


# ----------------------------------------------------------------------------- facts as JSON
class _FactPoster:
    """Posts facts as flat JSON objects with short property names.

    Conditions are rewritten to the same names (`rename`): `mri_last_12_months.new_or_enlarging_t2_lesions`
    becomes a top-level `p7`, the flag `comorbidities.hiv` a top-level `p3`. A property that no
    rule reads is not posted at all: it cannot change what fires. durable-rules parses the fact,
    and copies it into every fired rule's message, so a short fact makes each of them cheaper.
    Conditions that use something this does not model are posted as `to_fact` builds them.
    """

    def __init__(self, conditions: list[dict[str, Any]]) -> None:
        paths = _referenced_paths(conditions)
        self._short: dict[str, str] | None = None
        self._plan: dict[str, str | tuple[tuple[str, str], ...]] = {}
        if paths is None:
            return
        self._short = {path: f"p{number}" for number, path in enumerate(sorted(paths))}
        for name, spec in FIELDS.items():
            if spec.kind == "set":
                flags = tuple((item, self._short[f"{name}.{item}"]) for item in spec.values if f"{name}.{item}" in paths)
                if flags:
                    self._plan[name] = flags
            elif name in paths:
                self._plan[name] = self._short[name]

    def rename(self, condition: dict[str, Any]) -> dict[str, Any]:
        """The condition over the posted (short) property names."""
        short = self._short
        if short is None:
            return condition
        (key, value), = condition.items()
        if key in ("$and", "$or"):
            return {key: [self.rename(child) for child in value]}
        if key in _COMPARISONS:
            (path, operand), = value.items()
            return {key: {short[path]: operand}}
        return {short[key]: value}

    def json(self, facts: dict[str, FactValue], sid: str) -> str:
        """The fact as durable-rules JSON text, with its session id."""
        if self._short is None:
            return _dumps({**to_fact(facts), "sid": sid})
        fact: dict[str, Any] = {**TYPE_TAG, "sid": sid}
        plain = True
        plan = self._plan
        for name, value in facts.items():
            short = plan.get(name)
            if short is None:
                continue
            if type(short) is tuple:
                for item, flag in short:
                    fact[flag] = item in value  # type: ignore[operator]
                continue
            if type(value) is float:
                plain = plain and (value == 0.0 or 1e-4 <= abs(value) < 1e15)
            elif type(value) is int:
                plain = plain and abs(value) <= MAX_SAFE_NUMBER
            fact[short] = value  # type: ignore[index]
        return _encode(fact) if plain else _dumps(fact)


_COMPARISONS = {"$ex", "$nex", "$eq", "$neq", "$lt", "$lte", "$gt", "$gte"}


def _referenced_paths(conditions: Any) -> set[str] | None:
    """Every property path the conditions read, or None when they use something not modelled here."""
    paths: set[str] = set()

    def walk(node: Any) -> bool:
        if not isinstance(node, dict) or len(node) != 1:
            return False
        (key, value), = node.items()
        if key in ("$and", "$or"):
            return isinstance(value, list) and all(walk(child) for child in value)
        if key in _COMPARISONS:
            if not isinstance(value, dict) or len(value) != 1:
                return False
            paths.update(value)
            return True
        if key.startswith("$"):
            return False
        paths.add(key)
        return True

    return paths if all(walk(c) for c in conditions) else None


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _dumps(value: Any) -> str:
    """JSON for durable-rules: numbers without exponents, which its parser does not read."""
    if _plain(value):
        return _encode(value)
    return _dumps_slow(value)


def _plain(value: Any) -> bool:
    """True when json.dumps writes every number of `value` in a form durable-rules reads exactly."""
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, float):
        return value == 0.0 or 1e-4 <= abs(value) < 1e15  # repr() uses an exponent outside [1e-4, 1e16)
    if isinstance(value, int):
        return abs(value) <= MAX_SAFE_NUMBER
    return True


def _dumps_slow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_dumps_slow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_dumps_slow(v) for v in value) + "]"
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_NUMBER:
            raise ValueError(f"number {value} is too large for durable-rules")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > MAX_SAFE_NUMBER:
            raise ValueError(f"number {value!r} cannot be given to durable-rules")
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
            if "." not in text:
                text += ".0"
        return text
    raise ValueError(f"{type(value).__name__} cannot be given to durable-rules")
