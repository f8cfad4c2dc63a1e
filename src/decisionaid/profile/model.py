"""The patient profile contract: its model and the checks of each field.

A missing field means *unknown*, never *no*. Unknown keys and unknown drug names are refused with
"did you mean" hints (profile/read.py reports them with their lines).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.functional_validators import AfterValidator

from ..pack.vocabulary import COMORBIDITIES, Comorbidity
from ..plumbing.i18n import _

YesNo = Literal["yes", "no"]
YesNoUnsure = Literal["yes", "no", "unsure"]
StopReason = Literal["not_effective", "side_effects", "safety_risk", "pregnancy", "other"]
NonNegativeInt = Annotated[int, Field(ge=0, le=1000)]
MAX_REPORTED = 50  # problems listed for one profile; the rest are counted
#: what a patient may not type into a text field: control characters (C0, DEL, C1) and line or
#: paragraph separators, and the bidi controls that could reverse or reorder the sheet's own text
#: around what they typed ("\u202eAlex")
_UNPRINTABLE = (
    (re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]"), "control"),
    (re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"), "writing-direction"),
)


def _plain_text(value: str) -> str:
    """Text that prints as typed: no control characters, no writing-direction controls."""
    for pattern, what in _UNPRINTABLE:
        if found := pattern.search(value):
            raise ValueError(f"{what} characters are not allowed (found U+{ord(found.group()):04X}); type plain text")
    return value


PLAIN_TEXT = AfterValidator(_plain_text)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _check_drug(value: str, info: ValidationInfo, allow_none: bool) -> str:
    catalogue = (info.context or {}).get("catalogue")
    if catalogue is None or (allow_none and value.strip().lower() == "none"):
        return value
    if catalogue.resolve(value) is None:
        hint = catalogue.suggest(value)
        # the form shows this in the page's language (the command line's is English)
        raise ValueError(_("unknown drug '{drug}' (did you mean {hint}?)").format(drug=value, hint=hint) if hint
                         else _("unknown drug '{drug}'").format(drug=value))
    return value


class PriorDmt(_Strict):
    drug: Annotated[str, Field(min_length=1, max_length=100), PLAIN_TEXT]
    months: NonNegativeInt | None = None
    stopped_because: StopReason | None = None

    @field_validator("drug")
    @classmethod
    def _known_drug(cls, value: str, info: ValidationInfo) -> str:
        return _check_drug(value, info, allow_none=False)


class MriLast12Months(_Strict):
    new_or_enlarging_t2_lesions: NonNegativeInt | None = None
    gadolinium_enhancing_lesions: NonNegativeInt | None = None


class Profile(_Strict):
    """One patient, as described by themselves or their neurologist."""

    name: Annotated[str, Field(max_length=200), PLAIN_TEXT] | None = None
    age: Annotated[int, Field(ge=10, le=100)]
    sex: Literal["female", "male", "other", "undisclosed"] | None = None
    ms_type: Literal["CIS", "RRMS", "SPMS", "PPMS", "unknown"]
    years_since_first_symptoms: Annotated[float, Field(ge=0, le=90)] | None = None
    edss: Annotated[float, Field(ge=0, le=10)] | None = None
    walking: Literal["unaided", "one_aid", "two_aids", "wheelchair"] | None = None
    relapses_last_12_months: NonNegativeInt | None = None
    relapses_last_24_months: NonNegativeInt | None = None
    mri_last_12_months: MriLast12Months | None = None
    disability_worsening_last_12_months: Literal["yes", "no", "unknown"] | None = None
    current_dmt: Annotated[str, Field(min_length=1, max_length=100), PLAIN_TEXT] | None = None
    current_dmt_months: NonNegativeInt | None = None
    prior_dmts: Annotated[list[PriorDmt], Field(max_length=50)] | None = None
    comorbidities: Annotated[list[Comorbidity], Field(max_length=len(COMORBIDITIES))] | None = None
    #: v1: one answer for both; v1.2 asks them apart (`pregnant`, `breastfeeding`), and the two
    #: forms may not be mixed (profile/facts.py reads the old one as both, weighed as pregnancy)
    pregnant_or_breastfeeding: YesNo | None = None
    plans_children: YesNoUnsure | None = None
    open_to_clinical_trials: YesNoUnsure | None = None
    considering_clinic_abroad: YesNo | None = None
    #: v1.1: a relapse or new MRI lesions after the first 6 months on the current drug (read, as
    #: guidelines judge breakthrough, for the last 12 months)
    activity_on_current_dmt: Literal["yes", "no", "unknown"] | None = None
    #: v1.2: labels treat pregnancy and breastfeeding differently (ocrelizumab may be used while
    #: breastfeeding, EU/UK SmPC 2024), so they are asked apart
    pregnant: YesNo | None = None
    breastfeeding: YesNo | None = None
    #: v1.2: JC virus antibody status and index, for natalizumab's PML risk
    jcv_antibody: Literal["positive", "negative", "unknown"] | None = None
    jcv_index: Annotated[float, Field(ge=0, le=100)] | None = None
    #: fields a FHIR record was read for and did not hold (the sheet lists them as not found there)
    _not_in_record: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("edss")
    @classmethod
    def _half_steps(cls, value: float | None) -> float | None:
        if value is not None and (value * 2) != int(value * 2):
            raise ValueError(_("EDSS goes in steps of 0.5 (for example 3.5 or 4.0)"))
        return value

    @field_validator("years_since_first_symptoms", "edss", "jcv_index")
    @classmethod
    def _no_negative_zero(cls, value: float | None) -> float | None:
        return None if value is None else value + 0.0  # -0.0 would print as "-0.0"

    @field_validator("current_dmt")
    @classmethod
    def _known_current_drug(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _check_drug(value, info, allow_none=True)

    @field_validator("comorbidities")
    @classmethod
    def _no_repeats(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("each comorbidity may be listed only once")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        r12, r24 = self.relapses_last_12_months, self.relapses_last_24_months
        if r12 is not None and r24 is not None and r24 < r12:
            raise ValueError("relapses_last_24_months must be at least relapses_last_12_months")
        if self.activity_on_current_dmt in ("yes", "no"):
            self._stated_activity_fits()
        if self.pregnant_or_breastfeeding is not None and (self.pregnant is not None or self.breastfeeding is not None):
            raise ValueError("pregnant_or_breastfeeding: give either this older question or 'pregnant' and "
                             "'breastfeeding', not both")
        return self

    def _stated_activity_fits(self) -> None:
        """`activity_on_current_dmt` must agree with the drug, its months and the last 12 months' activity."""
        said, months = self.activity_on_current_dmt, self.current_dmt_months
        if self.current_dmt is not None and self.current_dmt.strip().lower() == "none":
            raise ValueError("activity_on_current_dmt: you take no MS drug now, so leave this question out")
        if said == "yes" and months is not None and months < 6:
            raise ValueError("activity_on_current_dmt: 'yes' means activity after the first 6 months on the drug, "
                             f"but current_dmt_months is {months}")
        mri = self.mri_last_12_months
        counts = [self.relapses_last_12_months, *(
            (mri.new_or_enlarging_t2_lesions, mri.gadolinium_enhancing_lesions) if mri else (None, None))]
        if said == "yes" and all(c == 0 for c in counts):
            raise ValueError("activity_on_current_dmt: 'yes' does not fit no relapses and no new MRI lesions in the "
                             "last 12 months")
        if said == "no" and months is not None and months >= 18 and any(c for c in counts):
            raise ValueError("activity_on_current_dmt: 'no' does not fit the relapses or new lesions of the last 12 "
                             f"months, all after the first 6 of your {months} months on the drug")

    def digest(self) -> str:
        """A stable fingerprint of the profile as validated (key order and layout do not matter)."""
        canonical = json.dumps(self.model_dump(mode="json", exclude_none=True), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def not_in_record(self) -> tuple[str, ...]:
        return self._not_in_record

    def with_record_gaps(self, fields: tuple[str, ...] | list[str]) -> Profile:
        """This profile, remembering the fields its FHIR record did not hold."""
        copy = self.model_copy()
        copy._not_in_record = tuple(fields)
        return copy

    def entered_fields(self) -> dict[str, Any]:
        """The fields that were given, in contract order, as JSON-ready values."""
        return self.model_dump(mode="json", exclude_none=True)


PROFILE_FIELDS: tuple[str, ...] = tuple(Profile.model_fields)
