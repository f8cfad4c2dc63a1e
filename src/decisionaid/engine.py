"""The only module that knows durable-rules exists.

Each condition of the rule pack is compiled into durable-rules' declarative JSON form, and
durable-rules does the matching. Three-valued logic is kept by compiling every criterion twice:
a "met" rule (the condition provably true) and a "not met" rule (its negation pushed down to the
comparisons, each requiring its field to be present). Neither firing means *unknown*.

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

from .errors import EngineError
from .facts import FIELDS, FactValue
from .rulepack import AllOf, AnyOf, Condition, Leaf, NotOf, RulePack

TYPE_TAG = {"t": "decisionaid_profile"}
SENTINEL = "sentinel"
RULES_PER_RULESET = 100
#: durable-rules matches with a fixed stack of 64 alpha nodes (MAX_STACK_SIZE); keep a margin.
STACK_BUDGET = 56
#: a node may have at most 512 hashed children (more hangs create_ruleset) and 128 listed ones.
MAX_CHILDREN, MAX_LISTED = 400, 120
#: a rule's `$and`/`$or` take two slots each of MAX_SEQUENCE_EXPRESSIONS (32); the 32nd fails (error 113).
MAX_EXPRESSIONS = 31
#: numbers beyond this are not exact in durable-rules' C parser (and no profile field gets near).
MAX_SAFE_NUMBER = 2**53

Kind = Literal["criterion", "benefits", "risks", "questions", "safety"]
#: the "option" of the pack-wide rules (the safety facts of rules/safety.yaml)
PACK = "pack"
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
        return self._states.get((option, criterion), "unknown")

    def shown(self, option: str, kind: Kind, item: str) -> bool:
        return (option, kind, item) in self._shown

    # Looked up about a hundred times per assessment: index the keys once (not part of equality).
    @cached_property
    def _states(self) -> dict[tuple[str, str], Literal["met", "not_met"]]:
        states: dict[tuple[str, str], Literal["met", "not_met"]] = {}
        for key in sorted((k for k in self.keys if k.kind == "criterion"), key=lambda k: k.polarity != "not_met"):
            states[(key.option, key.item)] = key.polarity  # "met" wins if both fired (never happens)
        return states

    @cached_property
    def _shown(self) -> frozenset[tuple[str, str, str]]:
        return frozenset((k.option, k.kind, k.item) for k in self.keys if k.polarity == "met")


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
        return _joined("$and" if conjunction else "$or", [compile_condition(c, negate) for c in children])
    assert isinstance(condition, Leaf)
    op = _NEGATE[condition.op] if negate else condition.op
    return _compile_leaf(condition.field, op, condition.value)


def _joined(key: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """`$and` (or `$or`) of the parts, an inner `$and` in an `$and` merged into it: the same rule,
    but durable-rules spends two of its 31 expression slots per rule on every `$and` and `$or`."""
    flat: list[dict[str, Any]] = []
    for part in parts:
        flat.extend(part[key] if next(iter(part)) == key else [part])
    return {key: flat}


def alternatives(condition: dict[str, Any]) -> list[dict[str, Any]]:
    """The durable-rules rules that together match `condition`: one per alternative of a top-level
    `$or`, which fire for the same key (an `any:` of 150 leaves is 150 small rules, not one too wide)."""
    return list(condition["$or"]) if next(iter(condition)) == "$or" else [condition]


def engine_fits(condition: dict[str, Any]) -> bool:
    """Whether a compiled condition fits durable-rules, as the engine will register it."""
    return all(fits([rule]) for rule in alternatives(condition))


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
                key = RuleKey(option.id, "criterion", criterion.id, polarity)
                rules.append((key, compile_condition(criterion.when, negate=polarity == "not_met")))
        for kind in ("benefits", "risks"):
            for statement in getattr(option, kind):
                if statement.when is not None:
                    rules.append((RuleKey(option.id, kind, statement.id, "met"), compile_condition(statement.when)))
        for index, question in enumerate(option.questions):
            if question.when is not None:
                rules.append((RuleKey(option.id, "questions", str(index), "met"), compile_condition(question.when)))
    for fact in pack.safety:
        rules.append((RuleKey(PACK, "safety", fact.id, "met"), compile_condition(fact.when)))
    return rules


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
            for chunk in _plan_rulesets(conditions):
                ruleset: dict[str, Any] = {f"r{i}": {"all": [{"m": _tagged(conditions[i])}]} for i in chunk}
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


def _tagged(condition: dict[str, Any]) -> dict[str, Any]:
    """The rule as registered: the type tag first, so no rule can match the engine's own state message."""
    return _joined("$and", [TYPE_TAG, condition])


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


# ----------------------------------------------------------------------------- splitting into rulesets
class _Alpha:
    """A node of the alpha network as durable-rules' createAlpha/findAlpha build it (rete.c)."""

    __slots__ = ("hashed", "ident", "listed")

    def __init__(self, ident: tuple[str, str, str] | None = None) -> None:
        self.ident = ident
        self.hashed: dict[tuple[str, str, str], _Alpha] = {}  # (operator, property, value) -> shared child
        self.listed: list[_Alpha] = []  # `$nex` children and the fresh "forward" node of each `$or`

    def add(self, condition: dict[str, Any]) -> _Alpha:
        """Add a condition below this node; return the node its rule's action hangs from."""
        (key, value), = condition.items()
        if key == "$and":
            node = self
            for child in value:
                node = node.add(child)
            return node
        if key == "$or":
            forward = _Alpha()  # never shared: each `$or` gets its own
            for child in value:
                self.add(child).listed.append(forward)
            return forward
        if key.startswith("$") and isinstance(value, dict) and len(value) == 1:
            (path, operand), = value.items()
            op = "$eq" if key == "$eq" else key
        else:
            path, operand, op = key, value, "$eq"
        ident = (op, path, json.dumps(operand, sort_keys=True))
        if op == "$nex":
            for child in self.listed:
                if child.ident == ident:
                    return child
            child = _Alpha(ident)
            self.listed.append(child)
            return child
        return self.hashed.setdefault(ident, _Alpha())

    def stack_bound(self, memo: dict[int, int]) -> int:
        """The most stack entries matching below this node can need (every child assumed to match,
        except that equality tests of one property against different values of one type exclude
        each other). Iterative: a `not_in` of thousands of values is a chain that deep."""
        stack: list[tuple[_Alpha, bool]] = [(self, False)]
        while stack:  # depth first, each node computed once all its children are
            node, expanded = stack.pop()
            if id(node) in memo:
                continue
            if expanded:
                memo[id(node)] = node._bound(memo)
                continue
            stack.append((node, True))
            stack.extend((child, False) for child in node.children() if id(child) not in memo)
        return memo[id(self)]

    def _bound(self, memo: dict[int, int]) -> int:
        equalities: dict[str, list[str]] = {}
        pushed = len(self.listed)
        for op, path, operand in self.hashed:
            if op == "$eq":
                equalities.setdefault(path, []).append(_json_type(operand))
            else:
                pushed += 1
        for types in equalities.values():
            pushed += 1 if len(set(types)) == 1 else len(types)
        deepest = max((memo[id(child)] for child in self.children()), default=0)
        return max(pushed, pushed - 1 + deepest)

    def children(self) -> tuple[_Alpha, ...]:
        return (*self.hashed.values(), *self.listed)

    def too_many_children(self, seen: set[int]) -> bool:
        return any(len(node.hashed) > MAX_CHILDREN or len(node.listed) > MAX_LISTED for node in self._below(seen))

    def _below(self, seen: set[int] | None = None) -> list[_Alpha]:
        """This node and every node below it, each once."""
        seen = set() if seen is None else seen
        order: list[_Alpha] = []
        stack = [self]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            order.append(node)
            stack.extend(node.children())
        return order


def _json_type(operand: str) -> str:
    return "string" if operand.startswith('"') else "bool" if operand in ("true", "false") else "number"


def fits(conditions: list[dict[str, Any]]) -> bool:
    """Whether these compiled conditions fit in one durable-rules ruleset (its stack, children and
    per-rule expression limits)."""
    if any(_expressions(_tagged(condition)) > MAX_EXPRESSIONS for condition in conditions):
        return False
    tag = _Alpha()
    for condition in conditions:
        tag.add(condition)
    return tag.stack_bound({}) <= STACK_BUDGET and not tag.too_many_children(set())


def _expressions(condition: dict[str, Any]) -> int:
    """The expression slots a rule takes: durable-rules records two (begin and end) per `$and` and
    `$or` in a fixed array of 32 per rule, and fails with error 113 when it fills (rete.c)."""
    count, stack = 0, [condition]
    while stack:
        (key, value), = stack.pop().items()
        if key in ("$and", "$or"):
            count += 2
            stack.extend(value)
    return count


def _plan_rulesets(conditions: list[dict[str, Any]]) -> list[list[int]]:
    """Split the rules, in order, into rulesets that durable-rules can build and match safely."""
    chunks: list[list[int]] = []
    start = 0
    while start < len(conditions):
        end = min(len(conditions), start + RULES_PER_RULESET)
        if not fits(conditions[start:end]):
            low, high = start + 1, end  # the longest prefix that fits (fitting is monotone)
            while low < high:
                middle = (low + high + 1) // 2
                if fits(conditions[start:middle]):
                    low = middle
                else:
                    high = middle - 1
            end = low
            if not fits(conditions[start:end]):
                raise ValueError(f"rule r{start} alone is too wide for durable-rules' matching stack")
        chunks.append(list(range(start, end)))
        start = end
    return chunks
