"""Which numbers a sheet leads with, and how it puts a number from a small study.

Each number of the rule pack says whom it was counted in (its population, a condition the engine
evaluates for this profile: `applies_to_you` yes, no or unknown) and how many people (`people`).
A sheet leads with the numbers about people like the patient; where there are none it says so and
from whom the numbers come. A risk whose statement matters most for this patient (its
`matters_most_when` holds) comes first. Numbers the pack marks unconfirmed never lead.

A number is never scaled up past the people counted: when fewer people were studied than the row's
denominator, the sheet gives the count as counted ("3 of 55 people") and what the study can and
cannot rule out: for a zero count the rule of three (no events in n people leaves a risk of up to
about 3 in n possible, 95% confidence), otherwise the 95% Wilson score interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..evaluation.assess import Applies, NumberResult, StatementResult

#: numbers about people like the patient first, then those we cannot tell, then those about others
RANK: dict[Applies, int] = {"yes": 0, "unknown": 1, "no": 2}
Z95 = 1.96


@dataclass(frozen=True)
class Headline:
    """The statement a grid cell leads with, the numbers it shows, and whether they are about people like the patient."""

    statement: StatementResult
    numbers: list[NumberResult]
    applies: Applies


def headline(statements: list[StatementResult], *, matters_first: bool) -> Headline | None:
    """The statement to lead with: with `matters_first`, one that matters most for this patient (the one with
    the best-fitting numbers, else the first); otherwise the one whose confirmed numbers fit the patient best
    (authors list the main one first)."""
    if matters_first:
        matters = [s for s in statements if s.matters_most]
        if matters:
            return _best(matters) or Headline(matters[0], [], "unknown")
    return _best(statements)


def _best(statements: list[StatementResult]) -> Headline | None:
    leads = [lead for lead in map(_lead, statements) if lead is not None]
    return min(leads, key=lambda lead: RANK[lead.applies], default=None)


def _lead(statement: StatementResult) -> Headline | None:
    """A statement's confirmed numbers that fit the patient best (all of them when they fit equally)."""
    confirmed = [n for n in statement.numbers if n.confirmed]
    if not confirmed:
        return None
    best = min(RANK[n.applies_to_you] for n in confirmed)
    applies = next(a for a, rank in RANK.items() if rank == best)
    return Headline(statement, [n for n in confirmed if RANK[n.applies_to_you] == best], applies)


def small(number: NumberResult, denominator: int) -> bool:
    """Fewer people were counted than the denominator the number is shown in."""
    return number.people is not None and number.people < denominator


def as_counted(number: NumberResult, denominator: int) -> bool:
    """Shown as counted ('6 of 12 people'): none of a small group (a '0 in 1,000' from 133 people would claim
    more than was seen), or a study so small that the row's denominator would scale it up more than tenfold
    past the people counted ('5,000 in 10,000' from 12 people)."""
    if number.people is None or not small(number, denominator):
        return False
    return number.count == 0 or (number.denominator < denominator and number.people * 10 < denominator)


def figure(number: NumberResult, denominator: int) -> str:
    """The number as the sheet prints it: 'About 20 in 1,000', '0 in 1,000', or, from a study smaller than
    the denominator, the count as counted: '6 of 12 people', 'None of 133 people'."""
    if as_counted(number, denominator):
        if number.count == 0:
            return f"None of {number.people:,} people"
        return f"{max(1, number.events or 0):,} of {number.people:,} people"  # never 'none' for a count above 0
    count = number.count * (denominator // number.denominator)
    return f"0 in {denominator:,}" if count == 0 else f"About {count:,} in {denominator:,}"


def counted_in(number: NumberResult, denominator: int) -> str:
    """How many people a number came from, and what a study smaller than the denominator cannot rule out."""
    if number.people is None:
        return "Group size unknown."
    if number.count == 0:
        bound = f"up to about {rounded(3 / number.people * denominator):,} in {denominator:,} cannot be ruled out."
        return ("U" + bound[1:]) if as_counted(number, denominator) else f"None among {number.people:,} people; {bound}"
    if small(number, denominator):
        low, high = wilson(number.events or 0, number.people)
        told = "It" if as_counted(number, denominator) else f"{number.people:,} people:"
        return f"{told} could be {rounded(low * denominator):,} to {rounded(high * denominator):,} in {denominator:,}."
    return f"From {number.people:,} people."


def sizes(numbers: list[NumberResult]) -> str:
    """How many people several studies of one outcome counted (their spread shows how unsure the number is)."""
    known = sorted({n.people for n in numbers if n.people is not None})
    if not known:
        return "Group sizes unknown."
    span = f"{known[0]:,}" if len(known) == 1 else f"{known[0]:,} to {known[-1]:,}"
    return f"Studies of {span} people{'; not all say' if len(known) < len(numbers) else ''}."


def wilson(events: int, people: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion (good for small groups and counts near 0 or n)."""
    p = events / people
    centre = (p + Z95**2 / (2 * people)) / (1 + Z95**2 / people)
    half = Z95 * math.sqrt(p * (1 - p) / people + Z95**2 / (4 * people**2)) / (1 + Z95**2 / people)
    return max(0.0, centre - half), min(1.0, centre + half)


def rounded(value: float) -> int:
    """A bound for the sheet: whole people, two significant figures (an interval is never more exact than that)."""
    if value < 1:
        return 1 if value > 0 else 0
    digits = max(0, int(math.floor(math.log10(value))) - 1)
    return int(round(value / 10**digits) * 10**digits)


def counted_whom(numbers: list[NumberResult]) -> str:
    """Whom numbers not about people like the patient were counted in, in a few words: '55 people with
    relapsing MS ...' (the text before any bracket of the population, with the group size when it names
    people), or, for numbers from several groups (a risk by JC virus status and time), 'other groups'."""
    groups = {n.population.split(" (")[0] for n in numbers}
    if len(groups) > 1:
        return "They come from other groups."
    who, people = groups.pop(), numbers[0].people
    return f"They come from {people:,} {who}." if people is not None and who.startswith("people ") else f"They come from {who}."
