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
from ..plumbing.i18n import _, ngettext, number, pgettext

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


def small(frequency: NumberResult, denominator: int) -> bool:
    """Fewer people were counted than the denominator the number is shown in."""
    return frequency.people is not None and frequency.people < denominator


def as_counted(frequency: NumberResult, denominator: int) -> bool:
    """Shown as counted ('6 of 12 people'): none of a small group (a '0 in 1,000' from 133 people would claim
    more than was seen), or a study so small that the row's denominator would scale it up more than tenfold
    past the people counted ('5,000 in 10,000' from 12 people)."""
    if frequency.people is None or not small(frequency, denominator):
        return False
    return frequency.count == 0 or (frequency.denominator < denominator and frequency.people * 10 < denominator)


def figure(frequency: NumberResult, denominator: int) -> str:
    """The number as the sheet prints it: 'About 20 in 1,000', '0 in 1,000', or, from a study smaller than
    the denominator, the count as counted: '6 of 12 people', 'None of 133 people'."""
    if as_counted(frequency, denominator):
        people = frequency.people or 0
        if frequency.count == 0:
            return ngettext("None of {people} people", "None of {people} people", people).format(people=number(people))
        events = max(1, frequency.events or 0)  # never 'none' for a count above 0
        # TRANSLATORS: how many of a small group had an outcome, as counted: "6 of 12 people"
        return ngettext("{events} of {people} people", "{events} of {people} people", people).format(
            events=number(events), people=number(people))
    count = frequency.count * (denominator // frequency.denominator)
    if count == 0:
        # TRANSLATORS: a natural frequency of none: "0 in 1,000" (people follow in the next words)
        return _("0 in {denominator}").format(denominator=number(denominator))
    # TRANSLATORS: a natural frequency: "About 20 in 1,000" (people and what they had follow in the next words)
    return _("About {count} in {denominator}").format(count=number(count), denominator=number(denominator))


def counted_in(frequency: NumberResult, denominator: int) -> str:
    """How many people a number came from, and what a study smaller than the denominator cannot rule out."""
    if frequency.people is None:
        return _("Group size unknown.")
    people = frequency.people
    if frequency.count == 0:
        bound = {"bound": number(rounded(3 / people * denominator)), "denominator": number(denominator)}
        if as_counted(frequency, denominator):
            # TRANSLATORS: after "None of 133 people": what a study that saw no one affected cannot rule out
            return _("Up to about {bound} in {denominator} cannot be ruled out.").format(**bound)
        return ngettext("None among {people} people; up to about {bound} in {denominator} cannot be ruled out.",
                        "None among {people} people; up to about {bound} in {denominator} cannot be ruled out.",
                        people).format(people=number(people), **bound)
    if small(frequency, denominator):
        low, high = wilson(frequency.events or 0, people)
        span = {"low": number(rounded(low * denominator)), "high": number(rounded(high * denominator)),
                "denominator": number(denominator)}
        if as_counted(frequency, denominator):
            # TRANSLATORS: after "6 of 12 people": the 95% range the true number could be in
            return _("It could be {low} to {high} in {denominator}.").format(**span)
        # TRANSLATORS: the group a number came from, and the 95% range the true number could be in
        return ngettext("{people} people: could be {low} to {high} in {denominator}.",
                        "{people} people: could be {low} to {high} in {denominator}.",
                        people).format(people=number(people), **span)
    return ngettext("From {people} people.", "From {people} people.", people).format(people=number(people))


def sizes(numbers: list[NumberResult]) -> str:
    """How many people several studies of one outcome counted (their spread shows how unsure the number is)."""
    known = sorted({n.people for n in numbers if n.people is not None})
    if not known:
        return _("Group sizes unknown.")
    some_unsaid = len(known) < len(numbers)
    if len(known) == 1:
        if some_unsaid:
            return ngettext("Studies of {people} people; not all say.", "Studies of {people} people; not all say.",
                            known[0]).format(people=number(known[0]))
        return ngettext("Studies of {people} people.", "Studies of {people} people.",
                        known[0]).format(people=number(known[0]))
    span = {"low": number(known[0]), "high": number(known[-1])}
    if some_unsaid:
        # TRANSLATORS: how many people several studies counted, when some studies do not say
        return _("Studies of {low} to {high} people; not all say.").format(**span)
    return _("Studies of {low} to {high} people.").format(**span)


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
        return _("They come from other groups.")
    who, people = groups.pop(), numbers[0].people
    if people is not None and names_people(who):
        # TRANSLATORS: {who} is a population that starts with your word for people, e.g. "people with
        # relapsing MS treated in Sweden"; {people} is how many were counted: "They come from 55 people with ..."
        return _("They come from {people} {who}.").format(people=number(people), who=who)
    # TRANSLATORS: {who} is a population, e.g. "women treated with aHSCT for MS in Italy"
    return _("They come from {who}.").format(who=who)


def _people_word() -> str:
    # TRANSLATORS: the word that opens a population naming people ("people with relapsing MS ..."); the sheet
    # puts the group size before such a population ("55 people with ..."). It must be the word the translated
    # populations of the rule pack begin with.
    return pgettext("population", "people")


def names_people(population: str) -> bool:
    """Whether a population names people, so that their number can go before it ('55 people with ...'). The
    translated word for people decides, not the English one."""
    return population.startswith(_people_word() + " ")

