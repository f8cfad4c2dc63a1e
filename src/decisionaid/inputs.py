"""What a person gives us about a patient: a profile, or a FHIR record read into one.

This is the one place that tells the two apart (a FHIR resource has a `resourceType`), above both
the profile stage and the clinic stage, so that reading a profile never imports FHIR.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .plumbing.yamlpos import Document
from .profile.model import Profile
from .profile.read import read_document, validate_profile


def load_patient(source: str, catalogue: Any, *, on: dt.date | None = None,
                 rules_dir: str | Path | None = None) -> Profile:
    """A profile file, or a FHIR record read as of `on` (default today) with the FHIR map of
    `rules_dir` (default: the shipped rules); `source` '-' is standard input."""
    return patient_from(read_document(source), catalogue, on=on, rules_dir=rules_dir)


def patient_from(doc: Document, catalogue: Any, *, on: dt.date | None = None,
                 rules_dir: str | Path | None = None) -> Profile:
    """Already-parsed data (a file, a request body) as a profile; raises ProfileError."""
    if isinstance(doc.data, dict) and "resourceType" in doc.data:
        # imported only for a record: fhir.resources would cost every profile's start-up time
        from .fhir import profile_from_record

        return profile_from_record(doc.data, doc.file, catalogue, on=on, rules_dir=rules_dir)
    return validate_profile(doc, catalogue)
