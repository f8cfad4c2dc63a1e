"""The closed vocabulary that rule conditions may use.

Every name a condition can test is declared here with its type: the profile fields of the v1
contract and the facts derived from them (computed per profile in profile/facts.py). The profile
model takes its closed lists from here, so a field and the conditions over it cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .catalogue import GROUPS

Kind = Literal["int", "number", "enum", "bool", "set"]
Comorbidity = Literal[
    "heart_disease",
    "lung_disease",
    "kidney_disease",
    "liver_disease",
    "cirrhosis",
    "active_infection",
    "hiv",
    "hepatitis_b",
    "hepatitis_c",
    "cancer_active_or_recent",
    "cancer_history",
    "thyroid_disease",
    "other_autoimmune_disease",
]
COMORBIDITIES: tuple[str, ...] = Comorbidity.__args__  # type: ignore[attr-defined]

#: months on a drug before activity counts as a breakthrough (NMSS 2021; MSS-UK-EXPECT)
FULL_COURSE_MONTHS = 6
#: months on the current drug after which all activity "in the last 12 months" came after its
#: first FULL_COURSE_MONTHS (12 months of window plus the first 6 months on the drug)
ACTIVITY_WINDOW_MONTHS = 18
#: an earlier low- or moderate-efficacy drug's failure counts as breakthrough only if it ended within
#: this many months: guidelines judge escalation on activity in the last year (NICE TA127, CARE-MS II,
#: UK centres). A high-efficacy drug that failed counts whenever it failed (ECTRIMS-EBMT 2025: aHSCT
#: after at least one high-efficacy drug failed), so no window applies to it (profile/facts.py).
FAILURE_WINDOW_MONTHS = 12


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Kind
    description: str
    values: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()  # profile fields a derived fact is computed from

    @property
    def derived(self) -> bool:
        return self.inputs != (self.name,)


def _field(name: str, kind: Kind, description: str, values: tuple[str, ...] = (), inputs: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(name, kind, description, values, inputs or (name,))


_ACTIVITY_INPUTS = (
    "relapses_last_12_months",
    "mri_last_12_months.new_or_enlarging_t2_lesions",
    "mri_last_12_months.gadolinium_enhancing_lesions",
)
_DMT_INPUTS = ("current_dmt", "current_dmt_months", "activity_on_current_dmt", "prior_dmts", *_ACTIVITY_INPUTS)

# The descriptions are literal (the catalogue extracts `_field`'s third argument: scripts/catalogues.sh) and read
# in words by the sheets; "6 months" is FULL_COURSE_MONTHS (tests/test_catalogues.py checks).
FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in [
        _field("age", "int", "age in years"),
        _field("sex", "enum", "sex", ("female", "male", "other", "undisclosed")),
        _field("ms_type", "enum", "type of MS", ("CIS", "RRMS", "SPMS", "PPMS")),
        _field("years_since_first_symptoms", "number", "years since the first MS symptoms"),
        _field("edss", "number", "EDSS disability score (0 to 10)"),
        _field("walking", "enum", "walking", ("unaided", "one_aid", "two_aids", "wheelchair")),
        _field("relapses_last_12_months", "int", "relapses in the last 12 months"),
        _field("relapses_last_24_months", "int", "relapses in the last 24 months"),
        _field("mri_last_12_months.new_or_enlarging_t2_lesions", "int", "new or enlarging T2 lesions on MRI in the last 12 months"),
        _field("mri_last_12_months.gadolinium_enhancing_lesions", "int", "gadolinium-enhancing lesions on MRI in the last 12 months"),
        _field("disability_worsening_last_12_months", "enum", "disability got worse in the last 12 months", ("yes", "no")),
        _field("current_dmt_months", "int", "months on the current DMT"),
        _field("comorbidities", "set", "other health conditions", COMORBIDITIES),
        # v1.2: asked apart; the older `pregnant_or_breastfeeding` is read into both (profile/facts.py)
        _field("pregnant", "enum", "pregnant", ("yes", "no")),
        _field("breastfeeding", "enum", "breastfeeding", ("yes", "no")),
        _field("plans_children", "enum", "plans to have children", ("yes", "no", "unsure")),
        _field("open_to_clinical_trials", "enum", "open to joining a clinical trial", ("yes", "no", "unsure")),
        _field("considering_clinic_abroad", "enum", "considering a clinic abroad", ("yes", "no")),
        _field("activity_on_current_dmt", "enum",
               "a relapse or new MRI lesions in the last 12 months, after the first 6 months on the current drug", ("yes", "no")),
        _field("jcv_antibody", "enum", "JC virus antibody test result", ("positive", "negative")),
        _field("jcv_index", "number", "JC virus antibody index"),
        _field("active_last_12_months", "bool", "any relapse or new MRI activity in the last 12 months", inputs=_ACTIVITY_INPUTS),
        _field("mri_active_last_12_months", "bool", "new or enhancing MRI lesions in the last 12 months", inputs=_ACTIVITY_INPUTS[1:]),
        _field("current_dmt_tier", "enum", "efficacy tier of the current DMT", ("none", "low", "moderate", "high"), ("current_dmt",)),
        _field("current_dmt_group", "enum", "drug family of the current DMT", ("none", *GROUPS), ("current_dmt",)),
        _field("drug_groups_taken", "set", "drug families of the current and earlier DMTs", GROUPS,
               ("current_dmt", "prior_dmts")),
        _field("treatment_naive", "bool", "has never taken a DMT", inputs=("current_dmt", "prior_dmts")),
        _field("ever_high_efficacy_dmt", "bool", "has ever taken a high-efficacy DMT", inputs=("current_dmt", "prior_dmts")),
        _field("high_efficacy_breakthrough", "bool",
               "MS stayed active despite a high-efficacy DMT taken for 6 months or more", inputs=_DMT_INPUTS),
        _field("lower_efficacy_breakthrough", "bool",
               "MS stayed active despite a low- or moderate-efficacy DMT taken for 6 months or more",
               inputs=_DMT_INPUTS),
        _field("failed_dmts_low", "int", "low-efficacy DMTs that did not control MS", inputs=_DMT_INPUTS),
        _field("failed_dmts_moderate", "int", "moderate-efficacy DMTs that did not control MS", inputs=_DMT_INPUTS),
        _field("failed_dmts_high", "int", "high-efficacy DMTs that did not control MS", inputs=_DMT_INPUTS),
        _field("high_efficacy_dmt_stopped_for_safety", "bool",
               "a high-efficacy DMT was stopped because of side effects or a safety risk", inputs=("prior_dmts",)),
        _field("prior_cytotoxic_treatment", "bool", "has had a cytotoxic drug such as mitoxantrone or cyclophosphamide",
               inputs=("current_dmt", "prior_dmts")),
    ]
}

FactValue = int | float | str | bool | frozenset[str]
