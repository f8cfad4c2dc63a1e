"""Conditions compiled into durable-rules' declarative JSON, and whether they fit the engine.

Three-valued logic is kept by compiling every criterion twice: a "met" rule (the condition provably
true) and a "not met" rule (its negation pushed down to the comparisons, each requiring its field to
be present). Neither firing means *unknown*. The rule loader uses `engine_fits` to refuse, with
file:line:col, a condition durable-rules could not hold; the engine (evaluation/engine.py) registers
what `compile_pack` gives, split into rulesets by `plan_rulesets`.

durable-rules' limits are modelled here, never hit (see the engineering notes): rulesets of at most
100 rules, a matching stack of 64 alpha nodes, at most 512 hashed and 128 listed children per node,
31 expression slots per rule, and numbers exact only up to 2**53. This module is plain Python: the
C extension loads only with the engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from .models import STATEMENT_KINDS, AllOf, AnyOf, Condition, Leaf, NotOf, RulePack

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

Kind = Literal["criterion", "benefits", "risks", "having_children", "questions", "safety", "population", "matters_most"]
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
        for kind in STATEMENT_KINDS:
            for statement in getattr(option, kind):
                if statement.when is not None:
                    rules.append((RuleKey(option.id, kind, statement.id, "met"), compile_condition(statement.when)))
                if statement.matters_most_when is not None:
                    key = RuleKey(option.id, "matters_most", statement_key(kind, statement.id), "met")
                    rules.append((key, compile_condition(statement.matters_most_when)))
                # a number's population, three-valued like a criterion: includes the patient, does not, or unknown
                for index, number in enumerate(statement.numbers):
                    if number.population_when is not None:
                        for polarity in ("met", "not_met"):
                            key = RuleKey(option.id, "population", number_key(kind, statement.id, index), polarity)
                            rules.append((key, compile_condition(number.population_when, negate=polarity == "not_met")))
        for index, question in enumerate(option.questions):
            if question.when is not None:
                rules.append((RuleKey(option.id, "questions", str(index), "met"), compile_condition(question.when)))
    for fact in pack.safety:
        rules.append((RuleKey(PACK, "safety", fact.id, "met"), compile_condition(fact.when)))
    return rules


def statement_key(kind: str, statement: str) -> str:
    """The item of a statement's `matters_most` rule: `risks.fertility`."""
    return f"{kind}.{statement}"


def number_key(kind: str, statement: str, index: int) -> str:
    """The item of a number's population rules: `benefits.less_disability_worsening.0`."""
    return f"{kind}.{statement}.{index}"


def tagged(condition: dict[str, Any]) -> dict[str, Any]:
    """The rule as registered: the type tag first, so no rule can match the engine's own state message."""
    return _joined("$and", [TYPE_TAG, condition])


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
    if any(_expressions(tagged(condition)) > MAX_EXPRESSIONS for condition in conditions):
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


def plan_rulesets(conditions: list[dict[str, Any]]) -> list[list[int]]:
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
