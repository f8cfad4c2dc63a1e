"""Valid v1 profiles at random: plain `random` (benchmarks, load tests) and hypothesis (property tests).

Both produce the JSON-ready dict a profile file would hold. Any optional field may be left out
(unknown), so every mix of known and unknown facts is reached.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from decisionaid.pack.catalogue import DrugCatalogue
from decisionaid.pack.vocabulary import COMORBIDITIES
from decisionaid.profile.model import Profile

SEXES = ["female", "male", "other", "undisclosed"]
MS_TYPES = ["CIS", "RRMS", "SPMS", "PPMS", "unknown"]
WALKING = ["unaided", "one_aid", "two_aids", "wheelchair"]
JCV = ["positive", "negative", "unknown"]
STOP_REASONS = ["not_effective", "side_effects", "safety_risk", "pregnancy", "other"]
YES_NO = ["yes", "no"]
YES_NO_UNSURE = ["yes", "no", "unsure"]
WORSENING = ["yes", "no", "unknown"]
EDSS_STEPS = [step / 2 for step in range(21)]


def drug_names(catalogue: DrugCatalogue) -> list[str]:
    """Generic and brand names, as patients write them."""
    return sorted({name for d in catalogue.drugs for name in (d.generic, *d.brands)})


# ----------------------------------------------------------------------------- plain random
def random_profile(rnd: random.Random, catalogue: DrugCatalogue, known: float = 0.75) -> dict[str, Any]:
    """One valid profile; each optional field is given with probability `known`."""
    drugs = drug_names(catalogue)

    def maybe() -> bool:
        return rnd.random() < known

    data: dict[str, Any] = {"age": rnd.randint(10, 100), "ms_type": rnd.choice(MS_TYPES)}
    if maybe():
        data["sex"] = rnd.choice(SEXES)
    if maybe():
        data["years_since_first_symptoms"] = rnd.choice([rnd.randint(0, 40), round(rnd.uniform(0, 40), 1)])
    if maybe():
        data["edss"] = rnd.choice(EDSS_STEPS)
    if maybe():
        data["walking"] = rnd.choice(WALKING)
    r12 = rnd.randint(0, 4)
    if maybe():
        data["relapses_last_12_months"] = r12
    if maybe():
        data["relapses_last_24_months"] = r12 + rnd.randint(0, 3)
    if maybe():
        mri = {}
        if maybe():
            mri["new_or_enlarging_t2_lesions"] = rnd.choice([0, 0, 1, 2, 3, 5, 12])
        if maybe():
            mri["gadolinium_enhancing_lesions"] = rnd.choice([0, 0, 1, 2, 4])
        data["mri_last_12_months"] = mri
    if maybe():
        data["disability_worsening_last_12_months"] = rnd.choice(WORSENING)
    if maybe():
        data["current_dmt"] = "none" if rnd.random() < 0.25 else rnd.choice(drugs)
    if maybe():
        data["current_dmt_months"] = rnd.choice([0, 3, 6, 9, 12, 18, 36, 100])
    if maybe():
        priors = []
        for _ in range(rnd.choice([0, 0, 1, 1, 2, 3])):
            entry: dict[str, Any] = {"drug": rnd.choice(drugs)}
            if maybe():
                entry["months"] = rnd.choice([1, 4, 6, 12, 30])
            if maybe():
                entry["stopped_because"] = rnd.choice(STOP_REASONS)
            priors.append(entry)
        data["prior_dmts"] = priors
    if maybe():
        data["comorbidities"] = rnd.sample(COMORBIDITIES, rnd.choice([0, 0, 0, 1, 1, 2, 3]))
    if maybe():  # profile v1.2 asks them apart; the older combined answer is still read
        if rnd.random() < 0.25:
            data["pregnant_or_breastfeeding"] = rnd.choice(YES_NO)
        else:
            for key in ("pregnant", "breastfeeding"):
                if maybe():
                    data[key] = rnd.choice(YES_NO)
    if maybe():
        data["jcv_antibody"] = rnd.choice(JCV)
    if maybe():
        data["jcv_index"] = rnd.choice([0.1, 0.9, 1.5, 1.8, 3])
    if maybe():
        data["plans_children"] = rnd.choice(YES_NO_UNSURE)
    if maybe():
        data["open_to_clinical_trials"] = rnd.choice(YES_NO_UNSURE)
    if maybe():
        data["considering_clinic_abroad"] = rnd.choice(YES_NO)
    if maybe():
        _stated_activity(data, rnd.choice(WORSENING), catalogue)
    return data


def _stated_activity(data: dict[str, Any], value: str, catalogue: DrugCatalogue) -> None:
    """Add `activity_on_current_dmt` when that answer agrees with the rest (the profile refuses it otherwise)."""
    try:
        Profile.model_validate({**data, "activity_on_current_dmt": value}, context={"catalogue": catalogue})
    except ValueError:
        return
    data["activity_on_current_dmt"] = value


# ----------------------------------------------------------------------------- hypothesis
def _optional(data: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        data[key] = value


@st.composite
def profiles(draw: st.DrawFn, catalogue: DrugCatalogue, adult: bool = False) -> dict[str, Any]:
    """A valid profile; hypothesis shrinks towards young, unknown-everything profiles."""
    drugs = drug_names(catalogue)

    def opt(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(st.one_of(st.none(), strategy))

    data: dict[str, Any] = {
        "age": draw(st.integers(18 if adult else 10, 100)),
        "ms_type": draw(st.sampled_from(MS_TYPES)),
    }
    _optional(data, "sex", opt(st.sampled_from(SEXES)))
    _optional(data, "years_since_first_symptoms",
              opt(st.one_of(st.integers(0, 60), st.floats(0, 60, allow_nan=False, allow_infinity=False))))
    _optional(data, "edss", opt(st.sampled_from(EDSS_STEPS)))
    _optional(data, "walking", opt(st.sampled_from(WALKING)))
    r12 = opt(st.integers(0, 6))
    _optional(data, "relapses_last_12_months", r12)
    _optional(data, "relapses_last_24_months", opt(st.integers(r12 or 0, (r12 or 0) + 6)))
    mri = opt(st.fixed_dictionaries({}, optional={
        "new_or_enlarging_t2_lesions": st.integers(0, 20),
        "gadolinium_enhancing_lesions": st.integers(0, 10),
    }))
    _optional(data, "mri_last_12_months", mri)
    _optional(data, "disability_worsening_last_12_months", opt(st.sampled_from(WORSENING)))
    _optional(data, "current_dmt", opt(st.one_of(st.just("none"), st.sampled_from(drugs))))
    _optional(data, "current_dmt_months", opt(st.integers(0, 240)))
    prior = st.fixed_dictionaries({"drug": st.sampled_from(drugs)}, optional={
        "months": st.integers(0, 120), "stopped_because": st.sampled_from(STOP_REASONS)})
    _optional(data, "prior_dmts", opt(st.lists(prior, max_size=4)))
    _optional(data, "comorbidities", opt(st.lists(st.sampled_from(COMORBIDITIES), unique=True, max_size=5)))
    if draw(st.booleans()):  # profile v1.2 asks them apart; the older combined answer is still read
        _optional(data, "pregnant", opt(st.sampled_from(YES_NO)))
        _optional(data, "breastfeeding", opt(st.sampled_from(YES_NO)))
    else:
        _optional(data, "pregnant_or_breastfeeding", opt(st.sampled_from(YES_NO)))
    _optional(data, "jcv_antibody", opt(st.sampled_from(JCV)))
    _optional(data, "jcv_index", opt(st.sampled_from([0, 0.4, 0.9, 1.5, 1.6, 4.0])))
    _optional(data, "plans_children", opt(st.sampled_from(YES_NO_UNSURE)))
    _optional(data, "open_to_clinical_trials", opt(st.sampled_from(YES_NO_UNSURE)))
    _optional(data, "considering_clinic_abroad", opt(st.sampled_from(YES_NO)))
    if (stated := opt(st.sampled_from(WORSENING))) is not None:
        _stated_activity(data, stated, catalogue)
    return data
