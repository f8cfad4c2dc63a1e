"""The status decision: the first row of an option's decision table whose criterion states match.

The assessment and "what would change" both decide statuses here, so the two can never disagree.
"""

from __future__ import annotations

from ..pack.models import DecisionRow, Option, State, Status
from .engine import Fired


def decide(rows: list[DecisionRow], states: dict[str, State]) -> DecisionRow:
    """The first row of a decision table whose criterion states all match."""
    for row in rows:
        if all(states[c] in (want if isinstance(want, list) else [want]) for c, want in row.when.items()):
            return row
    raise AssertionError("the loader guarantees a final catch-all row")


def status_of(option: Option, fired: Fired) -> Status:
    return decide(option.decision.rows, {c.id: fired.state(option.id, c.id) for c in option.criteria}).status
