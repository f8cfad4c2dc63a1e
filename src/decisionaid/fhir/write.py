"""The profile a record gave, as YAML with a comment on each field naming where it came from."""

from __future__ import annotations

import json
import re
from typing import Any

from .extract import RECORD_FIELDS, RecordReading, Source

_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")  # a comment must stay on its line


def profile_yaml(reading: RecordReading, record: str, program: str) -> str:
    """The profile as a YAML file: a header (what was read, not found, ignored), then each field with its source."""
    from ..profile.model import PROFILE_FIELDS

    data = reading.profile.entered_fields()
    not_answered = [f for f in PROFILE_FIELDS if f not in RECORD_FIELDS and f not in data]
    lines = [
        f"# Profile read from the FHIR record {_clean(record)} as of {reading.on} by {program}.",
        "# Each field names the resource and element it came from. A field that is not here is unknown.",
        f"# Not found in the record: {', '.join(reading.not_found) or 'nothing'}.",
        f"# Not in a record (ask the patient): {', '.join(not_answered) or 'nothing'}.",
    ]
    lines += [f"# ignored: {_clean(note.message)}" for note in reading.notes]
    for name, value in data.items():
        sources = reading.sources.get(name, ())
        if name == "prior_dmts":
            lines.append("prior_dmts:")
            for item, source in zip(value, sources, strict=True):
                first = True
                for key, sub in item.items():
                    lead = "  - " if first else "    "
                    lines.append(f"{lead}{key}: {_scalar(sub)}" + (f"  # {_where(source)}" if first else ""))
                    first = False
        elif name == "mri_last_12_months":  # never from a record; kept for completeness
            lines.append(f"{name}: {_scalar(value)}")
        else:
            lines.append(f"{name}: {_scalar(value)}" + (f"  # {'; '.join(_where(s) for s in sources)}" if sources else ""))
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    """A YAML flow value; JSON is valid YAML and quotes every string (so 'no' stays text)."""
    return json.dumps(value, ensure_ascii=False)


def _where(source: Source) -> str:
    return _clean(str(source))


def _clean(text: str) -> str:
    return _UNSAFE.sub(" ", text)
