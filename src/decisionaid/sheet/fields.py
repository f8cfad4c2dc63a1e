"""Profile fields in words: the labels patients read, and what a missing fact is called."""

from __future__ import annotations

from ..pack.vocabulary import FIELDS
from ..plumbing.i18n import N_, _

#: in English, marked for the catalogue (`_()` where used)
PROFILE_LABELS = {
    "age": N_("Age"),
    "sex": N_("Sex"),
    "ms_type": N_("Type of MS"),
    "years_since_first_symptoms": N_("Years since first symptoms"),
    "edss": N_("EDSS score"),
    "walking": N_("Walking"),
    "relapses_last_12_months": N_("Relapses in the last 12 months"),
    "relapses_last_24_months": N_("Relapses in the last 24 months"),
    "mri_last_12_months.new_or_enlarging_t2_lesions": N_("New or larger T2 lesions on MRI (12 months)"),
    "mri_last_12_months.gadolinium_enhancing_lesions": N_("Enhancing (gadolinium) lesions on MRI (12 months)"),
    "disability_worsening_last_12_months": N_("Disability got worse in the last 12 months"),
    "current_dmt": N_("Current MS drug"),
    "current_dmt_months": N_("Months on the current drug"),
    "prior_dmts": N_("Earlier MS drugs"),
    "comorbidities": N_("Other health conditions"),
    "pregnant_or_breastfeeding": N_("Pregnant or breastfeeding"),
    "plans_children": N_("Plans to have children"),
    "open_to_clinical_trials": N_("Open to clinical trials"),
    "considering_clinic_abroad": N_("Considering a clinic abroad"),
    "activity_on_current_dmt": N_("MS active after 6 months on the current drug"),
    "pregnant": N_("Pregnant"),
    "breastfeeding": N_("Breastfeeding"),
    "jcv_antibody": N_("JC virus antibody test"),
    "jcv_index": N_("JC virus antibody index"),
}


def missing_text(field: str) -> str:
    """A missing profile field (or derived fact) as the sheet names it."""
    if field in PROFILE_LABELS:
        return _(PROFILE_LABELS[field])
    if field.startswith("prior_dmts."):
        _field, index, key = field.split(".")
        if key == "months":
            # TRANSLATORS: a missing fact about one of the patient's earlier drugs, numbered from 1
            return _("Earlier MS drug {number}: how many months you took it").format(number=int(index) + 1)
        return _("Earlier MS drug {number}: why you stopped it").format(number=int(index) + 1)
    spec = FIELDS.get(field)
    said = _(spec.description) if spec else field
    return said[0].upper() + said[1:] if spec else field
