"""The v1 patient profile: its model, and loading it from YAML, JSON or standard input.

A missing field means *unknown*, never *no*. Every problem in a profile is reported at once, one
line each, naming the field (and its line in a YAML file), with "did you mean" hints for unknown
keys and unknown drug names.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.functional_validators import AfterValidator

from .errors import Diagnostic, InputError, ProfileError
from .safeio import read_input
from .yamlpos import MAX_BYTES, Document, ReadError, data_path, read_text

YesNo = Literal["yes", "no"]
YesNoUnsure = Literal["yes", "no", "unsure"]
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
        raise ValueError(f"unknown drug '{value}'" + (f" (did you mean {hint}?)" if hint else ""))
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
    pregnant_or_breastfeeding: YesNo | None = None
    plans_children: YesNoUnsure | None = None
    open_to_clinical_trials: YesNoUnsure | None = None
    considering_clinic_abroad: YesNo | None = None
    #: v1.1: a relapse or new MRI lesions after the first 6 months on the current drug (read, as
    #: guidelines judge breakthrough, for the last 12 months)
    activity_on_current_dmt: Literal["yes", "no", "unknown"] | None = None
    #: fields a FHIR record was read for and did not hold (the sheet lists them as not found there)
    _not_in_record: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("edss")
    @classmethod
    def _half_steps(cls, value: float | None) -> float | None:
        if value is not None and (value * 2) != int(value * 2):
            raise ValueError("EDSS goes in steps of 0.5 (for example 3.5 or 4.0)")
        return value

    @field_validator("years_since_first_symptoms", "edss")
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


def load_profile(source: str, catalogue: Any, *, on: dt.date | None = None, rules_dir: Any = None) -> Profile:
    """Read a profile from a .yaml/.yml/.json file path, or from standard input when `source` is '-'.

    A FHIR Bundle is read as the patient's record as of `on` (default today) with the FHIR map of
    `rules_dir` (default: the shipped rules).
    """
    try:
        text, name = read_input(source, cap=MAX_BYTES)
    except InputError as exc:
        raise ProfileError(exc.diagnostics) from None
    return parse_profile(text, name, catalogue, as_json=name.lower().endswith(".json"), on=on, rules_dir=rules_dir)


def parse_profile(text: str, name: str, catalogue: Any, *, as_json: bool = False, on: dt.date | None = None,
                  rules_dir: Any = None) -> Profile:
    """Parse and validate profile text; raises ProfileError listing every problem."""
    try:
        doc = read_text(text, name, as_json=as_json)
    except ReadError as exc:
        raise ProfileError(exc.diagnostics) from None
    return validate_profile(doc, catalogue, on=on, rules_dir=rules_dir)


def validate_profile(doc: Document, catalogue: Any, *, on: dt.date | None = None, rules_dir: Any = None) -> Profile:
    """Validate already-parsed data (from a file or the web form) against the profile model."""
    if isinstance(doc.data, dict) and "resourceType" in doc.data:  # a FHIR record instead of a profile
        # imported only then: fhir.resources would cost every profile's start-up time
        from .fhir import profile_from_record

        return profile_from_record(doc.data, doc.file, catalogue, on=on, rules_dir=rules_dir)
    if not isinstance(doc.data, dict):
        raise ProfileError([doc.diagnostic((), "a profile must be a mapping of field: value", "not-a-mapping")])
    try:
        return Profile.model_validate(doc.data, context={"catalogue": catalogue})
    except ValidationError as exc:
        errors = exc.errors()
        shown = [_diagnostic(doc, error) for error in errors[:MAX_REPORTED]]
        if len(errors) > MAX_REPORTED:  # a pasted or generated file can hold thousands of mistakes
            shown.append(Diagnostic(doc.file, None, None, f"... and {len(errors) - MAX_REPORTED} more problems",
                                    "too-many-problems"))
        raise ProfileError(shown) from None


def _diagnostic(doc: Document, error: Any) -> Diagnostic:
    loc = data_path(doc.data, error["loc"])
    field = ".".join(str(p) for p in loc) or "profile"
    kind = error["type"]
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        message = f"unknown field '{field}'" + (f" (did you mean '{_join(loc[:-1], hint[0])}'?)" if hint else "")
        return doc.diagnostic(loc, message, "unknown-field")
    if kind == "missing":
        return doc.diagnostic(loc[:-1], f"'{field}' is required", "missing-field")
    return doc.diagnostic(loc, f"{field}: {_plain(error)}", "invalid-value")


def _plain(error: Any) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    shown = json.dumps(value, default=str)[:60] if not isinstance(value, dict | list) else type(value).__name__
    if kind == "literal_error":
        return f"{shown} is not allowed; use one of {ctx.get('expected', '')}"
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return f"{shown} is not a whole number"
    if kind in ("float_type", "float_parsing"):
        return f"{shown} is not a number"
    if kind in ("string_type",):
        return f"{shown} is not text"
    if kind in ("list_type",):
        return f"{shown} is not a list"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{shown} is not a mapping of field: value"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = {"greater_than_equal": "at least", "less_than_equal": "at most",
                 "greater_than": "more than", "less_than": "less than"}[kind]
        limit = next(iter(ctx.values()), "")
        return f"{shown} is out of range; it must be {bound} {limit}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])


def _known_keys(parent: tuple[Any, ...]) -> list[str]:
    model: Any = Profile
    for part in parent:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[str(part)].annotation
        model = next((a for a in _flatten(annotation) if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if model is None:
            return []
    return list(model.model_fields)


def _flatten(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", None)
    if not args:
        return [annotation]
    return [leaf for arg in args for leaf in _flatten(arg)]


def _join(parent: tuple[Any, ...], key: str) -> str:
    return ".".join([*(str(p) for p in parent), key])
