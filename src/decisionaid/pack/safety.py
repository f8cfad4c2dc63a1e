"""Safety coverage: which criteria of an option weigh each safety-relevant fact of rules/safety.yaml.

Pregnancy, infection, cancer, organ disease and age must be weighed by every option, or the
option must say why they do not concern it (`not_relevant`, with a reason and a source). The
loader refuses a pack where an option does neither, so a new option gets the check for free.

A criterion weighs a fact when the option's decision table reads the criterion and its condition
compares the fact's field: a set field (comorbidities) with the fact's value; a yes/no or other
enumerated field with any value; a number field (age) with a limit inside the fact's band.
"""

from __future__ import annotations

from .models import Leaf, NotRelevant, Option, SafetyFact, iter_leaves
from .vocabulary import FIELDS


def weighing_criteria(option: Option, fact: SafetyFact) -> list[str]:
    """The ids of the criteria, read by the decision table, that weigh `fact`."""
    read = {name for row in option.decision.rows for name in row.when}
    return [c.id for c in option.criteria
            if c.id in read and any(_weighs(leaf, fact) for leaf in iter_leaves(c.when))]


def declared(option: Option, fact: SafetyFact) -> NotRelevant | None:
    return next((n for n in option.not_relevant if fact.id in n.facts), None)


def _weighs(leaf: Leaf, fact: SafetyFact) -> bool:
    want = fact.when
    if leaf.field != want.field:
        return False
    values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
    kind = FIELDS[want.field].kind
    if kind == "set":
        return want.value in values
    if kind in ("int", "number"):
        low, high = fact.band or (want.value, want.value)
        return any(not isinstance(v, bool | str) and low <= v <= high for v in values)  # type: ignore[operator]
    return True
