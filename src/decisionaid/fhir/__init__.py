"""The clinic: FHIR R4 records read into a profile, and the CDS Hooks service. Uses plumbing/,
pack/, profile/ and evaluation/; the web server passes the CDS service its render jobs.

    mapping.py   the map (rules/fhir-map.yaml): its model, codes by hierarchy, loading and checks
    bundle.py    a Bundle's shape and resources validated, problems at their JSON paths
    dates.py     FHIR dates, partial ones as ranges; calendar months
    extract.py   record -> profile + provenance, nothing guessed
    write.py     the profile as YAML, each field commented with its source
    cds.py           the CDS Hooks service: discovery, the patient-view hook, its cards, feedback
    fetch.py         the service's record: the prefetch completed and paged from the FHIR server
    cds_config.py    its configuration (`serve --cds-hooks CONFIG`), checked at start
    cds_auth.py      the EHR's JWTs checked, each refusal with a reason code
    cds_keys.py      the issuers' public keys, from JWK Set files or URLs
    cds_replay.py    the `jti`s already seen, in the process or shared in Redis
    cds_feedback.py  what clinicians did with the cards, counted and not kept
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..pack.catalogue import DrugCatalogue
from ..profile.model import Profile
from .extract import RECORD_FIELDS, RecordReading, read_record
from .mapping import load_fhir_map

__all__ = ["RECORD_FIELDS", "RecordReading", "is_record", "profile_from_record", "read_record", "read_record_file",
           "reading_of"]


def is_record(data: Any) -> bool:
    """A FHIR resource (recognised by its resourceType) rather than a profile (inputs.py tests the same)."""
    return isinstance(data, dict) and "resourceType" in data


def reading_of(data: Any, file: str, catalogue: DrugCatalogue, *, on: dt.date | None = None,
               rules_dir: str | Path | None = None) -> RecordReading:
    """Read a record with the map of `rules_dir` (default: the shipped rules) as of `on` (default today)."""
    return read_record(data, file, catalogue, load_fhir_map(rules_dir, catalogue), on or dt.date.today())


def read_record_file(source: str, catalogue: DrugCatalogue, *, on: dt.date | None = None,
                     rules_dir: str | Path | None = None) -> RecordReading:
    """Read a record from a JSON file (or standard input, '-'), with the profile file's size and depth limits."""
    from ..plumbing.errors import ProfileError
    from ..profile.read import read_document

    doc = read_document(source)
    if not is_record(doc.data):
        raise ProfileError.single(source, "this is not a FHIR resource (no resourceType)", "not-fhir")
    return reading_of(doc.data, source, catalogue, on=on, rules_dir=rules_dir)


def profile_from_record(data: Any, file: str, catalogue: DrugCatalogue, *, on: dt.date | None = None,
                        rules_dir: str | Path | None = None) -> Profile:
    """The profile a record gives, remembering which record fields it did not find (for the sheet)."""
    reading = reading_of(data, file, catalogue, on=on, rules_dir=rules_dir)
    return reading.profile.with_record_gaps(reading.not_found)
