"""Profile fields in words: the labels patients read, and what a missing fact is called."""

from __future__ import annotations

from ..pack.vocabulary import FIELDS

PROFILE_LABELS = {
    "age": "Age",
    "sex": "Sex",
    "ms_type": "Type of MS",
    "years_since_first_symptoms": "Years since first symptoms",
    "edss": "EDSS score",
    "walking": "Walking",
    "relapses_last_12_months": "Relapses in the last 12 months",
    "relapses_last_24_months": "Relapses in the last 24 months",
    "mri_last_12_months.new_or_enlarging_t2_lesions": "New or larger T2 lesions on MRI (12 months)",
    "mri_last_12_months.gadolinium_enhancing_lesions": "Enhancing (gadolinium) lesions on MRI (12 months)",
    "disability_worsening_last_12_months": "Disability got worse in the last 12 months",
    "current_dmt": "Current MS drug",
    "current_dmt_months": "Months on the current drug",
    "prior_dmts": "Earlier MS drugs",
    "comorbidities": "Other health conditions",
    "pregnant_or_breastfeeding": "Pregnant or breastfeeding",
    "plans_children": "Plans to have children",
    "open_to_clinical_trials": "Open to clinical trials",
    "considering_clinic_abroad": "Considering a clinic abroad",
    "activity_on_current_dmt": "MS active after 6 months on the current drug",
    "pregnant": "Pregnant",
    "breastfeeding": "Breastfeeding",
    "jcv_antibody": "JC virus antibody test",
    "jcv_index": "JC virus antibody index",
}


def missing_text(field: str) -> str:
    """A missing profile field (or derived fact) as the sheet names it."""
    if field in PROFILE_LABELS:
        return PROFILE_LABELS[field]
    if field.startswith("prior_dmts."):
        _, index, key = field.split(".")
        return f"Earlier MS drug {int(index) + 1}: {'how many months you took it' if key == 'months' else 'why you stopped it'}"
    spec = FIELDS.get(field)
    return spec.description[0].upper() + spec.description[1:] if spec else field
