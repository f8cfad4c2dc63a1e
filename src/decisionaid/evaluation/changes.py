"""What would change this: for an option that needs information, the single answers that would decide it.

The profile is evaluated again with one missing field set to each of its possible values, by the
same rule engine and decision tables, never by hand-written text. Possible values are: every value
of a choice; for a number, one value on each side of every threshold the rule pack compares it with
(and of the cut-offs its derived facts use, such as 6 months on a drug); for the list of other
health conditions, none or each one alone; for the current drug, none or one drug of each efficacy
tier; for earlier drugs, none. Only answers that move an option out of "needs information" are kept.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..pack.models import Option, RulePack, Status, iter_leaves
from ..pack.vocabulary import ACTIVITY_WINDOW_MONTHS, COMORBIDITIES, FIELDS, FULL_COURSE_MONTHS
from ..profile.facts import profile_facts, questions_that_do_not_apply
from ..profile.model import Profile
from .engine import RuleEngine
from .status import status_of

Value = str | int | float | list[str]
# (step, lowest, highest) of the numbers a profile may give; cut-offs that derived facts use besides.
NUMBERS: dict[str, tuple[float, float, float]] = {
    "edss": (0.5, 0, 10),
    "years_since_first_symptoms": (1, 0, 90),
    "relapses_last_12_months": (1, 0, 1000),
    "relapses_last_24_months": (1, 0, 1000),
    "mri_last_12_months.new_or_enlarging_t2_lesions": (1, 0, 1000),
    "mri_last_12_months.gadolinium_enhancing_lesions": (1, 0, 1000),
    "current_dmt_months": (1, 0, 1000),
}
DERIVED_CUTS = {"current_dmt_months": (FULL_COURSE_MONTHS, ACTIVITY_WINDOW_MONTHS), "prior_dmts.months": (FULL_COURSE_MONTHS,)}
CHOICES = {"disability_worsening_last_12_months": ("yes", "no"), "activity_on_current_dmt": ("yes", "no"),
           "ms_type": ("CIS", "RRMS", "SPMS", "PPMS"),
           "prior_dmts.stopped_because": ("not_effective", "side_effects", "safety_risk", "pregnancy", "other")}


class Answers(BaseModel):
    """Answers to one field that give the same status: the values, or for a number the range
    (`low` None: that value or less; `high` None: that value or more)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Status
    values: list[Value]
    low: float | None = None
    high: float | None = None


class Change(BaseModel):
    """Setting `field` to `value` (and nothing else) gives the option `status`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    value: Value
    status: Status


def what_would_change(profile: Profile, pack: RulePack, engine: RuleEngine,
                      needing: list[str]) -> dict[str, list[Change]]:
    """For each option id in `needing`, the answers that would decide it, field by field in contract order."""
    out: dict[str, list[Change]] = {option_id: [] for option_id in needing}
    if not needing:
        return out
    options = [pack.options[option_id] for option_id in needing]
    entered = profile.entered_fields()
    skip = questions_that_do_not_apply(profile)
    for field in (f for f in _open_fields(entered, options) if f not in skip):
        for value in _values(field, pack):
            candidate = _with(entered, field, value, pack)
            if candidate is None:
                continue
            fired = engine.evaluate(profile_facts(candidate, pack.catalogue))
            for option in options:
                status = status_of(option, fired)
                if status != "needs_information":
                    out[option.id].append(Change(field=field, value=value, status=status))
    return out


def grouped(field: str, changes: list[Change], pack: RulePack) -> list[Answers]:
    """The changes for one field, answers with the same status together. Numbers are grouped in runs
    over every value tried, so a range holds exactly the values between two thresholds."""
    found = {json_key(c.value): c.status for c in changes if c.field == field}
    tried = list(_values(field, pack))
    if not all(isinstance(v, int | float) for v in tried):
        out: dict[Status, list[Value]] = {}
        for value in tried:
            if (status := found.get(json_key(value))) is not None:
                out.setdefault(status, []).append(value)
        return [Answers(status=status, values=values) for status, values in out.items()]
    runs: list[tuple[Status | None, list[Value]]] = []
    for value in tried:
        status = found.get(json_key(value))
        if runs and runs[-1][0] == status:
            runs[-1][1].append(value)
        else:
            runs.append((status, [value]))
    return [Answers(status=status, values=values, low=None if i == 0 else float(values[0]),  # type: ignore[arg-type]
                    high=None if i == len(runs) - 1 else float(values[-1]))  # type: ignore[arg-type]
            for i, (status, values) in enumerate(runs) if status is not None]


def json_key(value: Value) -> str:
    return repr(value)


def _open_fields(entered: dict[str, Any], options: list[Option]) -> list[str]:
    """Profile fields not given (or given as unknown) that a criterion of these options reads."""
    read: set[str] = set()
    for option in options:
        for criterion in option.criteria:
            for leaf in iter_leaves(criterion.when):
                read.update(FIELDS[leaf.field].inputs if leaf.field in FIELDS else ())
    fields: list[str] = []
    for name in Profile.model_fields:
        if name in ("name", "age"):
            continue
        if name == "mri_last_12_months":
            mri = entered.get(name, {})
            fields += [f"{name}.{sub}" for sub in ("new_or_enlarging_t2_lesions", "gadolinium_enhancing_lesions")
                       if f"{name}.{sub}" in read and sub not in mri]
        elif name == "prior_dmts" and name in read and isinstance(entered.get(name), list):
            fields += [f"prior_dmts.{i}.{key}" for i, item in enumerate(entered[name])
                       for key in ("months", "stopped_because") if key not in item]
        elif name in read and entered.get(name, "unknown") == "unknown":
            fields.append(name)
    return fields


def _values(field: str, pack: RulePack) -> Iterator[Value]:
    generic = field if not field.startswith("prior_dmts.") else "prior_dmts." + field.rsplit(".", 1)[1]
    if generic in CHOICES:
        yield from CHOICES[generic]
    elif field in FIELDS and FIELDS[field].kind == "enum":
        yield from FIELDS[field].values
    elif field == "comorbidities":
        yield []
        yield from ([c] for c in COMORBIDITIES)
    elif field == "current_dmt":
        yield "none"
        for tier in ("low", "moderate", "high"):
            drug = next((d for d in pack.catalogue.drugs if d.tier == tier and not d.cytotoxic), None)
            if drug is not None:
                yield drug.generic
    elif field == "prior_dmts":
        yield []
    elif generic in NUMBERS or generic in DERIVED_CUTS:
        yield from _numbers(field, generic, pack)


def _numbers(field: str, generic: str, pack: RulePack) -> list[Value]:
    """One value each side of every threshold on the field, and the threshold itself."""
    step, low, high = NUMBERS.get(generic, (1, 0, 1000))
    points: set[float] = {low, low + step, *DERIVED_CUTS.get(generic, ())}
    for option in pack.options.values():
        for criterion in option.criteria:
            for leaf in iter_leaves(criterion.when):
                if leaf.field == field:
                    values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
                    points.update(float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool))
    samples = {p + d for p in points for d in (-step, 0, step)}
    whole = step == 1
    return [int(v) if whole else v for v in sorted(samples) if low <= v <= high]


def _with(entered: dict[str, Any], field: str, value: Value, pack: RulePack) -> Profile | None:
    """The profile with one field set; None when that makes it invalid (e.g. fewer relapses in 24 months than in 12)."""
    data = copy.deepcopy(entered)
    *parents, leaf = field.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
    target[leaf] = value
    try:
        return Profile.model_validate(data, context={"catalogue": pack.catalogue})
    except ValidationError:
        return None
