"""The facts of one profile: every name of the vocabulary that the profile lets us know.

Derived facts are computed once, here, using the drug catalogue from the rule pack. A fact that
cannot be known is left out (never set to "no"), so conditions over it are *unknown*.
"""

from __future__ import annotations

from typing import Literal

from ..pack.catalogue import Drug, DrugCatalogue
from ..pack.vocabulary import (
    ACTIVITY_WINDOW_MONTHS,
    FAILURE_WINDOW_MONTHS,
    FIELDS,
    FULL_COURSE_MONTHS,
    FactValue,
)
from .model import Profile


def profile_facts(profile: Profile, catalogue: DrugCatalogue) -> dict[str, FactValue]:
    """Every fact of the vocabulary that this profile lets us know; unknown facts are absent."""
    facts: dict[str, FactValue] = {}
    for name in FIELDS:
        if "." not in name and name in Profile.model_fields:
            value = getattr(profile, name)
            if value is not None and value != "unknown":
                facts[name] = frozenset(value) if name == "comorbidities" else value
    mri = profile.mri_last_12_months
    if mri is not None:
        for sub in ("new_or_enlarging_t2_lesions", "gadolinium_enhancing_lesions"):
            if (count := getattr(mri, sub)) is not None:
                facts[f"mri_last_12_months.{sub}"] = count
    _set(facts, "mri_active_last_12_months", _any_positive(
        facts.get("mri_last_12_months.new_or_enlarging_t2_lesions"), facts.get("mri_last_12_months.gadolinium_enhancing_lesions")))
    _set(facts, "active_last_12_months", _any_positive(
        facts.get("relapses_last_12_months"), facts.get("mri_last_12_months.new_or_enlarging_t2_lesions"),
        facts.get("mri_last_12_months.gadolinium_enhancing_lesions")))
    _pregnancy(profile, facts)
    _derive_treatment(profile, catalogue, facts)
    return facts


#: questions about the current drug, which do not apply to someone who takes none
_CURRENT_DRUG_QUESTIONS = frozenset({"current_dmt_months", "activity_on_current_dmt", "jcv_antibody", "jcv_index"})
#: pregnancy questions, which do not apply to a man (a missing answer counts as "no" for him)
_PREGNANCY_QUESTIONS = frozenset({"pregnant", "breastfeeding", "pregnant_or_breastfeeding"})


def questions_that_do_not_apply(profile: Profile) -> frozenset[str]:
    """Profile fields never asked of this person, so never listed as missing nor offered as what
    would change: pregnancy for a man, the current drug's months and activity when no drug is taken."""
    skip: frozenset[str] = frozenset()
    if profile.sex == "male":
        skip |= _PREGNANCY_QUESTIONS
    if profile.current_dmt is not None and profile.current_dmt.strip().lower() == "none":
        skip |= _CURRENT_DRUG_QUESTIONS
    return skip


def _pregnancy(profile: Profile, facts: dict[str, FactValue]) -> None:
    """`pregnant` and `breastfeeding`, also from the older combined answer.

    The older `pregnant_or_breastfeeding: yes` says one of them without saying which, so both are
    set: every option then weighs it at least as strictly as pregnancy (the sheet says so). For a
    man a missing answer is "no": the questions do not apply to him, so they are neither missing
    nor deciding."""
    combined = profile.pregnant_or_breastfeeding
    if combined is not None:
        facts["pregnant"] = facts["breastfeeding"] = combined
    elif profile.sex == "male":
        facts.setdefault("pregnant", "no")
        facts.setdefault("breastfeeding", "no")


def _derive_treatment(profile: Profile, catalogue: DrugCatalogue, facts: dict[str, FactValue]) -> None:
    current = _current_drug(profile, catalogue)  # False = "none", None = unknown
    priors = None if profile.prior_dmts is None else [(catalogue.resolve(p.drug), p) for p in profile.prior_dmts]
    if current is not None:
        facts["current_dmt_tier"] = "none" if current is False else current.tier
        facts["current_dmt_group"] = "none" if current is False else current.group
    if current is False and priors == []:
        facts["treatment_naive"] = True
    elif current not in (None, False) or priors:
        facts["treatment_naive"] = False

    taken: list[Drug | None] = ([] if current in (None, False) else [current]) + [d for d, _ in priors or []]
    if current is not None and priors is not None:
        facts["drug_groups_taken"] = frozenset(d.group for d in taken if d is not None)
    _set(facts, "ever_high_efficacy_dmt", _kleene_any(
        [d is not None and d.tier == "high" for d in taken], complete=current is not None and priors is not None))
    _set(facts, "prior_cytotoxic_treatment", _kleene_any(
        [d is not None and d.cytotoxic for d in taken], complete=current is not None and priors is not None))

    # Did each drug fail to control MS after a full course? True / False / None (unknown)
    failures: list[tuple[Drug, bool | None]] = []
    if current not in (None, False):
        stated = profile.activity_on_current_dmt
        failures.append((current, stated == "yes" if stated in ("yes", "no")
                         else _current_failed(profile.current_dmt_months, facts.get("active_last_12_months"))))
    recent = _prior_recent(current, profile.current_dmt_months, facts.get("active_last_12_months"))
    for drug, entry in priors or []:
        if drug is not None:
            failed = _prior_failed(entry.months, entry.stopped_because)
            # a high-efficacy drug that failed counts whenever it failed (ECTRIMS-EBMT: after at least one
            # high-efficacy drug failed); only a lower-efficacy failure must be recent
            failures.append((drug, failed if drug.tier == "high" else _kleene_and(failed, recent)))
    complete = current is not None and priors is not None
    _set(facts, "high_efficacy_breakthrough",
         _kleene_any([f for d, f in failures if d.tier == "high"], complete))
    _set(facts, "lower_efficacy_breakthrough",
         _kleene_any([f for d, f in failures if d.tier != "high"], complete))
    for tier in ("low", "moderate", "high"):
        outcomes = [f for d, f in failures if d.tier == tier]
        if complete and None not in outcomes:
            facts[f"failed_dmts_{tier}"] = len({d.id for d, f in failures if d.tier == tier and f})

    if priors is not None:
        stopped = [
            None if entry.stopped_because is None else entry.stopped_because in ("side_effects", "safety_risk")
            for drug, entry in priors
            if drug is not None and drug.tier == "high"
        ]
        _set(facts, "high_efficacy_dmt_stopped_for_safety", _kleene_any(stopped, complete=True))


def _current_drug(profile: Profile, catalogue: DrugCatalogue) -> Drug | Literal[False] | None:
    if profile.current_dmt is None:
        return None
    if profile.current_dmt.strip().lower() == "none":
        return False
    return catalogue.resolve(profile.current_dmt)


def _current_failed(months: int | None, active: FactValue | None) -> bool | None:
    if active is False:
        return False
    if months is not None and months < FULL_COURSE_MONTHS:
        return False  # too early to judge the drug
    if active is True and months is not None and months >= ACTIVITY_WINDOW_MONTHS:
        return True
    return None  # on the drug for 6-12 months, or months or activity unknown: timing cannot be told


def _prior_failed(months: int | None, stopped_because: str | None) -> bool | None:
    if stopped_because is None:
        return None
    if stopped_because != "not_effective":
        return False
    if months is None:
        return None
    return months >= FULL_COURSE_MONTHS


def _prior_recent(current: Drug | Literal[False] | None, current_months: int | None,
                  active: FactValue | None) -> bool | None:
    """Whether an earlier drug ended recently enough for its failure to count (FAILURE_WINDOW_MONTHS).

    On a drug now: the earlier ones ended when it started, `current_months` ago. On no drug now: a
    failure still counts while MS stays active (in the last 12 months), as nothing has replaced it."""
    if current is None:
        return None
    if current is False:
        return None if active is None else bool(active)
    return None if current_months is None else current_months <= FAILURE_WINDOW_MONTHS


def _kleene_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _any_positive(*counts: FactValue | None) -> bool | None:
    if any(isinstance(c, int) and c > 0 for c in counts):
        return True
    if all(c is not None for c in counts):
        return False
    return None


def _kleene_any(values: list[bool | None], complete: bool) -> bool | None:
    """True if any is True; False if all are False and nothing is missing; otherwise unknown."""
    if True in values:
        return True
    if complete and None not in values:
        return False
    return None


def _set(facts: dict[str, FactValue], name: str, value: bool | None) -> None:
    if value is not None:
        facts[name] = value
