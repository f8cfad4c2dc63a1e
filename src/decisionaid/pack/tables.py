"""Decision-table analysis: rows that can never match, and overlaps a `unique` hit policy forbids.

A row is a box in criterion-state space: for each criterion it names, the states it accepts
(every state for the criteria it does not name). Two things decide whether a row can match:

- **subsumption**: under the `first` hit policy a row is dead when the earlier rows together
  cover its box (computed exactly, by subtracting boxes);
- **meaning**: some combinations of states cannot happen at all, because the criteria test the
  same facts (`ms_type` cannot be both RRMS and SPMS; `age < 45` met implies `age < 50` met).
  Criteria that share a fact are grouped, and every combination of states each group can reach
  is found by trying one value per region between the thresholds the conditions use (plus
  "absent"). Facts are treated as independent of each other, so the analysis may miss a dead
  row whose cause is a link between two facts, but it never reports a live row as dead.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .models import AllOf, AnyOf, Condition, Criterion, DecisionRow, Leaf, NotOf, iter_leaves
from .vocabulary import FIELDS

STATES = ("met", "not_met", "unknown")
ALL_STATES = frozenset(STATES)
MAX_COMBINATIONS = 200_000  # per group of criteria; past this a group counts as "anything can happen"
MAX_PIECES = 20_000  # boxes kept while subtracting earlier rows; past this a row counts as reachable
MAX_PIECE_CHECKS = 2_000  # pieces tested per row while subtracting; past this the row counts as reachable
MAX_NAMED = 16  # covering rows pared down to the needed ones (quadratic); past this all are named
MAX_MOVES = 64  # steps of the local search for a profile that reaches a row
MAX_MOVE_OPTIONS = 5_000  # a group with more reachable state tuples is not moved by that search
_ABSENT = object()

Box = dict[str, frozenset[str]]  # criterion id -> accepted states; missing id = any state


@dataclass(frozen=True)
class RowProblem:
    """A finding about one row: its index, a code, and a message that names the rows involved."""

    row: int
    code: str
    message: str


def analyse_table(criteria: list[Criterion], rows: list[DecisionRow], hit_policy: str,
                  row_lines: Mapping[int, int | None]) -> list[RowProblem]:
    """Rows that can never match, and (hit policy `unique`) rows that overlap an earlier row.

    The final catch-all row is the default outcome: it may overlap anything. Rows that name an
    unknown criterion, and rows after a catch-all, are left to the loader, which reports them.
    """
    space = _StateSpace(criteria)
    known = {c.id for c in criteria}
    boxes: list[tuple[int, Box]] = []
    problems: list[RowProblem] = []
    for index, row in enumerate(rows):
        if not row.when:
            break  # the catch-all; anything after it is reported by the loader
        if not set(row.when) <= known:
            continue
        box = _box(row)
        conflict = space.conflict(box)
        if conflict is not None:
            problems.append(RowProblem(index, "unreachable-row", f"this row can never match: no profile has {conflict}"))
            continue
        covering = _covering(space, box, boxes) if hit_policy == "first" else None
        if covering is not None:
            lines = ", ".join(_where(j, row_lines) for j in covering[:MAX_NAMED]) + (
                f" and {len(covering) - MAX_NAMED} more" if len(covering) > MAX_NAMED else "")
            problems.append(RowProblem(index, "unreachable-row", "this row can never match: "
                                       + (f"the earlier row at {lines} matches every profile it matches" if len(covering) == 1
                                          else f"the earlier rows at {lines} together match every profile it matches")))
        elif hit_policy == "unique":
            for j, earlier in space.overlapping(box, boxes, lazily=True):  # the first overlap is enough
                both = _intersect(box, earlier)
                witness = space.witness(both)
                if witness is not None:
                    problems.append(RowProblem(index, "overlapping-rows",
                                               f"this row overlaps the row at {_where(j, row_lines)} (hit policy 'unique'): "
                                               f"a profile with {witness} matches both"))
                    break
        boxes.append((index, box))
    return problems


def _covering(space: _StateSpace, box: Box, earlier: list[tuple[int, Box]]) -> list[int] | None:
    """The earlier rows that together match every profile in `box` (a few of them, to name), or
    None when the row is reachable. Each step is about linear in the earlier rows, so a table of
    3,000 rows is checked in seconds: a quick witness settles most live rows; an earlier row that
    alone contains `box` settles most dead ones (a repeated row); only the rest are subtracted, and
    only the rows that took a part of `box` are kept and pared down."""
    if space.escapes(box, [b for _, b in earlier]):
        return None
    for j, other in earlier:
        if all(box.get(c, ALL_STATES) <= states for c, states in other.items()):
            return [j]
    used: list[tuple[int, Box]] = []
    left = [box]
    budget = [MAX_PIECE_CHECKS]
    for j, other in space.overlapping(box, earlier, lazily=True):
        after = _take(space, left, other, budget)
        if after is None:
            return None  # too many pieces to follow: counted as reachable, never reported wrongly
        if after != left:
            used.append((j, other))
        left = after
        if not left:
            break
    if left:
        return None
    return _needed(space, box, used) if len(used) <= MAX_NAMED else [j for j, _ in used]


def _take(space: _StateSpace, left: list[Box], other: Box, budget: list[int]) -> list[Box] | None:
    """The pieces of `left` outside `other`, those no profile can have dropped at once (or they
    would be split again by every later row); None past MAX_PIECES, or when the row's `budget` of
    piece checks is spent (so one row costs a bounded time, however many rows it takes to cover it)."""
    after: list[Box] = []
    for part in left:
        pieces = _subtract(part, other)
        if pieces == [part]:
            after.append(part)
            continue
        budget[0] -= len(pieces)
        after += [piece for piece in pieces if space.feasible(piece)]
        if len(after) > MAX_PIECES or budget[0] < 0:
            return None
    return after


def _needed(space: _StateSpace, box: Box, earlier: list[tuple[int, Box]]) -> list[int]:
    """A small set of earlier rows that still covers `box`: drop each row that is not needed."""
    kept = list(earlier)
    for candidate in sorted(earlier, key=lambda item: -item[0]):
        rest = [item for item in kept if item is not candidate]
        left: list[Box] | None = [box]
        budget = [MAX_PIECE_CHECKS]
        for _, other in rest:
            left = _take(space, left, other, budget) if left else left
            if left is None:
                break
        if left == []:
            kept = rest
    return [j for j, _ in kept]


def _where(index: int, row_lines: Mapping[int, int | None]) -> str:
    line = row_lines.get(index)
    return f"line {line}" if line else f"row {index + 1}"


def _box(row: DecisionRow) -> Box:
    return {c: frozenset(want if isinstance(want, list) else [want]) for c, want in row.when.items()}


def _intersect(a: Box, b: Box) -> Box:
    out = dict(a)
    for key, states in b.items():
        out[key] = out.get(key, ALL_STATES) & states
    return out


def _subtract(a: Box, b: Box) -> list[Box]:
    """a minus b, as disjoint boxes."""
    if any(not (a.get(k, ALL_STATES) & s) for k, s in b.items()):
        return [a]
    pieces: list[Box] = []
    current = dict(a)
    for key, states in b.items():
        mine = current.get(key, ALL_STATES)
        if mine - states:
            pieces.append({**current, key: mine - states})
        current[key] = mine & states
    return pieces


# ----------------------------------------------------------------------------- meaning
class _StateSpace:
    """Which combinations of criterion states some profile can produce."""

    def __init__(self, criteria: list[Criterion]) -> None:
        self.conditions = {c.id: c.when for c in criteria}
        fields = {c.id: {leaf.field for leaf in iter_leaves(c.when) if leaf.field in FIELDS} for c in criteria}
        self.groups: list[tuple[str, ...]] = _groups(fields)
        self.group_of = {c: g for g in self.groups for c in g}
        self.position = {c: i for g in self.groups for i, c in enumerate(g)}
        self._reachable: dict[tuple[str, ...], list[tuple[str, ...]] | None] = {}
        self._quiet: dict[str, str] | None = None

    def reachable(self, group: tuple[str, ...]) -> list[tuple[str, ...]] | None:
        """Every tuple of states the group's criteria can take together, fewest "met" first
        (None: too many to try)."""
        if group not in self._reachable:
            found = _enumerate(group, self.conditions)
            self._reachable[group] = None if found is None else sorted(found, key=lambda t: (t.count("met"), t))
        return self._reachable[group]

    def _demands(self, box: Box) -> dict[tuple[str, ...], list[tuple[int, frozenset[str]]]]:
        """The box's demands by group: (position in the group, accepted states)."""
        by_group: dict[tuple[str, ...], list[tuple[int, frozenset[str]]]] = {}
        for c, states in box.items():
            if c in self.group_of:
                by_group.setdefault(self.group_of[c], []).append((self.position[c], states))
        return by_group

    def _matches(self, box: Box) -> Iterator[tuple[tuple[str, ...], list[tuple[str, ...]] | None]]:
        for group, demands in self._demands(box).items():  # only the positions the box constrains are tested
            reachable = self.reachable(group)
            if reachable is None:
                yield group, None
                continue
            yield group, [t for t in reachable if all(t[i] in states for i, states in demands)]

    def overlapping(self, box: Box, earlier: list[tuple[int, Box]], lazily: bool = False) -> Iterable[tuple[int, Box]]:
        """The earlier rows that some profile in `box` also matches (one at a time when `lazily`)."""
        found = ((j, b) for j, b in earlier
                 if all(box.get(c, ALL_STATES) & s for c, s in b.items()) and self.feasible(_intersect(box, b)))
        return found if lazily else list(found)

    def escapes(self, box: Box, earlier: list[Box]) -> bool:
        """True when one profile's states in `box` lie in none of the earlier boxes (so the row is
        reachable), found without subtracting boxes. It starts where every group takes, among the
        states it can reach inside `box`, those with the fewest criteria met, which rows usually
        demand; while some earlier row still matches that point, it moves one criterion of that row
        out of the row's states (with the rest of its group kept reachable), choosing the move
        that leaves the fewest earlier rows matching: a short local search, each step touching only
        the rows that name the criteria it changed. False means "not shown this way", not "covered"."""
        quiet = self._quiet_point()
        if quiet is None:
            return False
        point: dict[str, str] = dict(quiet)
        choices: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for group, found in self._matches(box):
            if not found:
                return False
            choices[group] = found
            point.update(zip(group, found[0], strict=True))
        for c, states in box.items():
            if c not in self.group_of:
                point[c] = min(states)
        naming: dict[str, list[int]] = {}
        for index, other in enumerate(earlier):
            for c in other:
                naming.setdefault(c, []).append(index)

        def matches(index: int) -> bool:
            return all(point.get(c, "unknown") in states for c, states in earlier[index].items())

        inside = {index for index in range(len(earlier)) if matches(index)}
        for _ in range(MAX_MOVES):
            if not inside:
                return True
            row = earlier[min(inside)]
            best: tuple[int, dict[str, str], set[int]] | None = None
            for c, states in sorted(row.items()):
                for change in self._moves(c, states, box, point, choices):
                    affected = {index for changed in change for index in naming.get(changed, ())}
                    saved = {changed: point.get(changed, "unknown") for changed in change}
                    point.update(change)
                    delta = sum(map(matches, affected)) - len(affected & inside)
                    point.update(saved)
                    if best is None or delta < best[0]:
                        best = (delta, change, affected)
            if best is None:
                return False
            point.update(best[1])
            inside = (inside - best[2]) | {index for index in best[2] if matches(index)}
        return not inside

    def _moves(self, c: str, states: frozenset[str], box: Box, point: dict[str, str],
               choices: dict[tuple[str, ...], list[tuple[str, ...]]]) -> Iterator[dict[str, str]]:
        """Changes of the point that put criterion `c` outside `states` and stay inside `box` and
        reachable: for a grouped criterion, the nearest reachable states of its whole group."""
        group = self.group_of.get(c)
        if group is None:
            for state in sorted(box.get(c, ALL_STATES) - states):
                yield {c: state}
            return
        options = choices.get(group)
        if options is None:
            options = self.reachable(group) or []
        if len(options) > MAX_MOVE_OPTIONS:
            return
        position = self.position[c]
        current = tuple(point.get(member, "unknown") for member in group)
        candidates = [t for t in options if t[position] not in states]
        for chosen in sorted(candidates, key=lambda t: (sum(a != b for a, b in zip(t, current, strict=True)), t))[:3]:
            yield {member: state for member, state, was in zip(group, chosen, current, strict=True) if state != was}

    def _quiet_point(self) -> dict[str, str] | None:
        """Each group's reachable states with the fewest criteria met (computed once)."""
        if self._quiet is None:
            quiet: dict[str, str] = {}
            for group in self.groups:
                reachable = self.reachable(group)
                if not reachable:
                    return None
                quiet.update(zip(group, reachable[0], strict=True))
            self._quiet = quiet
        return self._quiet

    def feasible(self, box: Box) -> bool:
        """Whether some profile has states inside `box` (each group stops at its first fitting tuple)."""
        if any(not states for states in box.values()):
            return False
        for group, demands in self._demands(box).items():
            reachable = self.reachable(group)
            if reachable is not None and not any(all(t[i] in states for i, states in demands) for t in reachable):
                return False
        return True

    def witness(self, box: Box) -> str | None:
        """A readable combination of states inside `box` that some profile has, or None."""
        if not self.feasible(box):
            return None
        parts: list[str] = []
        for group, found in sorted(self._matches(box)):
            if found:
                chosen = sorted(found)[0]
                parts += [f"{c} {s}" for c, s in zip(group, chosen, strict=True) if c in box]
        parts += [f"{c} {sorted(s)[0]}" for c, s in sorted(box.items()) if c not in self.group_of]
        return ", ".join(sorted(set(parts))) or "any states"

    def conflict(self, box: Box) -> str | None:
        """When no profile fits `box`: the smallest set of its demands that cannot hold together."""
        if self.feasible(box):
            return None
        demands = sorted(box.items())
        for size in (1, 2, 3):
            for subset in itertools.combinations(demands, size):
                if not self.feasible(dict(subset)):
                    return " and ".join(f"{c} {'/'.join(sorted(s)) or 'in no state'}" for c, s in subset)
        return "this combination of criterion states"


def _groups(fields: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Criteria joined when they test a common fact (connected components)."""
    parent = {c: c for c in fields}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    owner: dict[str, str] = {}
    for criterion, names in fields.items():
        for name in names:
            if name in owner:
                parent[find(criterion)] = find(owner[name])
            else:
                owner[name] = criterion
    groups: dict[str, list[str]] = {}
    for criterion in fields:
        groups.setdefault(find(criterion), []).append(criterion)
    return [tuple(sorted(g)) for g in groups.values()]


def _enumerate(group: tuple[str, ...], conditions: dict[str, Condition]) -> set[tuple[str, ...]] | None:
    """Every tuple of states the group's criteria can take together.

    A list field such as `comorbidities` is either absent (every test on it unknown) or present,
    and then each of its values is an independent yes/no: so the enumeration is split on
    presence, and criteria that test different values are enumerated apart (13 conditions would
    otherwise mean 8,192 combinations).
    """
    leaves = {c: [leaf for leaf in iter_leaves(conditions[c]) if leaf.field in FIELDS] for c in group}
    lists = sorted({leaf.field for c in group for leaf in leaves[c] if FIELDS[leaf.field].kind == "set"})
    found: set[tuple[str, ...]] = set()
    for presence in itertools.product((False, True), repeat=len(lists)):
        present = dict(zip(lists, presence, strict=True))
        uses = {c: {_variable(leaf) for leaf in leaves[c] if present.get(leaf.field, True)} for c in group}
        parts = []
        for part in _groups(uses):
            states = _enumerate_part(part, conditions, leaves, present)
            if states is None:
                return None
            parts.append((part, states))
        for combination in itertools.product(*(states for _, states in parts)):
            chosen = {c: state for (part, _), states in zip(parts, combination, strict=True)
                      for c, state in zip(part, states, strict=True)}
            found.add(tuple(chosen[c] for c in group))
            if len(found) > MAX_COMBINATIONS:
                return None
    return found


def _variable(leaf: Leaf) -> str:
    return f"{leaf.field}:{leaf.value}" if FIELDS[leaf.field].kind == "set" else leaf.field


def _enumerate_part(part: tuple[str, ...], conditions: dict[str, Condition], leaves: dict[str, list[Leaf]],
                    present: dict[str, bool]) -> set[tuple[str, ...]] | None:
    names = sorted({_variable(leaf) for c in part for leaf in leaves[c] if present.get(leaf.field, True)})
    domains = [[False, True] if ":" in name else _distinct(name, [leaf for c in part for leaf in leaves[c] if leaf.field == name])
               for name in names]
    if math.prod(len(d) for d in domains) > MAX_COMBINATIONS:
        return None
    tests = [_compile(conditions[c]) for c in part]
    found: set[tuple[str, ...]] = set()
    for values in itertools.product(*domains):
        facts: dict[str, Any] = {}
        for name, value in zip(names, values, strict=True):
            if ":" in name:
                field, item = name.split(":", 1)
                facts[field] = facts.get(field, frozenset()) | ({item} if value else set())
            else:
                facts[name] = value
        facts.update({field: frozenset() for field, given in present.items() if given and field not in facts})
        found.add(tuple([_STATE[test(facts)] for test in tests]))
    return found


def _distinct(name: str, leaves: list[Leaf]) -> list[Any]:
    """The field's values that some leaf tells apart: one value per distinct row of leaf outcomes."""
    tests = [_compile(leaf) for leaf in leaves]
    seen: dict[tuple[bool | None, ...], Any] = {}
    for value in _domain(name, leaves):
        facts = {} if value is _ABSENT else {name: value}
        seen.setdefault(tuple(test(facts) for test in tests), value)
    return list(seen.values())


def _domain(name: str, leaves: list[Leaf]) -> list[Any]:
    """One value per region that the leaves' thresholds cut the field into, plus "absent"."""
    spec = FIELDS[name]
    if spec.kind == "bool":
        return [_ABSENT, True, False]
    if spec.kind == "enum":
        return [_ABSENT, *spec.values]
    points = sorted({float(v) for leaf in leaves for v in (leaf.value if isinstance(leaf.value, list) else [leaf.value])
                     if isinstance(v, int | float) and not isinstance(v, bool)})
    if not points:
        return [_ABSENT, 0]
    if spec.kind == "int":
        values = {p + d for p in points for d in (-1, 0, 1)}
    else:
        values = {*points, points[0] - 1, points[-1] + 1, *((a + b) / 2 for a, b in itertools.pairwise(points))}
    return [_ABSENT, *sorted(values)]


_STATE = {True: "met", False: "not_met", None: "unknown"}
Test = Callable[[dict[str, Any]], "bool | None"]


def _compile(condition: Condition) -> Test:
    """A function giving the three-valued (Kleene) truth of a condition for some facts;
    an absent fact makes its comparisons unknown."""
    if isinstance(condition, NotOf):
        inner = _compile(condition.not_)

        def negation(facts: dict[str, Any]) -> bool | None:
            result = inner(facts)
            return None if result is None else not result

        return negation
    if isinstance(condition, AllOf | AnyOf):
        children = [_compile(c) for c in (condition.all if isinstance(condition, AllOf) else condition.any)]
        decisive = isinstance(condition, AnyOf)  # any: one True decides; all: one False decides

        def combination(facts: dict[str, Any]) -> bool | None:
            unknown = False
            for child in children:
                result = child(facts)
                if result is decisive:
                    return decisive
                unknown = unknown or result is None
            return None if unknown else not decisive

        return combination
    assert isinstance(condition, Leaf)
    name, compare, target = condition.field, _OPERATORS[condition.op], condition.value
    if condition.op in ("in", "not_in") and isinstance(target, list):
        target = frozenset(target)  # a list of 100,000 values is tested once per candidate value

    def comparison(facts: dict[str, Any]) -> bool | None:
        value = facts.get(name, _ABSENT)
        if value is _ABSENT:
            return None
        try:
            return bool(compare(value, target))
        except TypeError:  # a type error in the rule, reported by the loader
            return None

    return comparison


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "neq": operator.ne, "lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge,
    "in": lambda v, t: v in t, "not_in": lambda v, t: v not in t,
    "includes": lambda v, t: t in v, "excludes": lambda v, t: t not in v,
}
