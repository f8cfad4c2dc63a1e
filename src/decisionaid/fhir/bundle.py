"""Reading a FHIR R4 Bundle: its shape, each resource validated by fhir.resources (R4B models read
R4 data), and every problem reported at once with its JSON path (`entry[3].resource.code: ...`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..plumbing.errors import Diagnostic, ProfileError
from ..plumbing.yamlpos import data_path

#: the resources a record is read from; anything else in a Bundle is refused (OperationOutcome aside)
KINDS = ("Patient", "Condition", "Observation", "MedicationStatement", "MedicationRequest", "Medication")
BUNDLE_TYPES = ("searchset", "collection", "transaction")
MAX_ENTRIES = 5000
MAX_REPORTED = 50


@dataclass(frozen=True)
class Entry:
    """One resource of the Bundle, validated, with where it sits."""

    index: int
    resource: Any  # a fhir.resources R4B model
    full_url: str | None

    @property
    def path(self) -> str:
        return f"entry[{self.index}].resource"

    @property
    def kind(self) -> str:
        return str(self.resource.get_resource_type())

    @property
    def label(self) -> str:
        """`Condition/c1`, or `Condition entry[2]` for a resource without an id."""
        return f"{self.kind}/{self.resource.id}" if self.resource.id else f"{self.kind} entry[{self.index}]"


def json_path(parts: tuple[Any, ...], prefix: str = "") -> str:
    """('code', 'coding', 0) -> 'code.coding[0]', after `prefix`."""
    text = prefix
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def problem(file: str, path: str, message: str, code: str) -> Diagnostic:
    return Diagnostic(file, None, None, f"{path}: {message}" if path else message, code)


def read_bundle(data: Any, file: str) -> list[Entry]:
    """The Bundle's resources, validated; raises ProfileError listing every problem."""
    from fhir.resources.R4B import get_fhir_model_class

    if not isinstance(data, dict) or "resourceType" not in data:
        raise ProfileError([problem(file, "", "this is not a FHIR resource (no resourceType)", "not-fhir")])
    if data["resourceType"] != "Bundle":
        raise ProfileError([problem(file, "resourceType", f"a FHIR record must be a Bundle (searchset, collection "
                                    f"or transaction), not {_shown(data['resourceType'])}", "not-a-bundle")])
    problems: list[Diagnostic] = []
    if data.get("type") not in BUNDLE_TYPES:
        problems.append(problem(file, "type", f"{_shown(data.get('type'))} is not a Bundle type read here; use one "
                                f"of {', '.join(BUNDLE_TYPES)}", "bundle-type"))
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise ProfileError([*problems, problem(file, "entry", "must be a list", "invalid-resource")])
    if len(entries) > MAX_ENTRIES:
        raise ProfileError([problem(file, "entry", f"has {len(entries)} entries; at most {MAX_ENTRIES} are read",
                                    "too-many-entries")])
    problems += _validate(get_fhir_model_class("Bundle"), {k: v for k, v in data.items() if k != "entry"}, "", file)
    found: list[Entry] = []
    for index, entry in enumerate(entries):
        at = f"entry[{index}]"
        if not isinstance(entry, dict):
            problems.append(problem(file, at, "must be an object", "invalid-resource"))
            continue
        problems += _validate(get_fhir_model_class("BundleEntry"), {k: v for k, v in entry.items() if k != "resource"},
                              at, file)
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            problems.append(problem(file, f"{at}.resource", "missing, or not an object", "invalid-resource"))
            continue
        kind = resource.get("resourceType")
        if kind == "OperationOutcome" and (entry.get("search") or {}).get("mode") == "outcome":
            continue  # a server's note about the search, not patient data
        if kind not in KINDS:
            problems.append(problem(file, f"{at}.resource.resourceType", _unexpected(kind), "unexpected-resource"))
            continue
        model = get_fhir_model_class(kind)
        before = len(problems)
        problems += _validate(model, resource, f"{at}.resource", file)
        if len(problems) == before:
            found.append(Entry(index, model.model_validate(resource), entry.get("fullUrl")))
        if len(problems) > MAX_REPORTED:
            break
    if problems:
        shown = problems[:MAX_REPORTED]
        if len(problems) > MAX_REPORTED:
            shown.append(problem(file, "", "... and more problems; fix these first", "too-many-problems"))
        raise ProfileError(shown)
    return found


def _validate(model: Any, data: dict[str, Any], at: str, file: str) -> list[Diagnostic]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [problem(file, json_path(data_path(data, e["loc"]), at), _message(e), "invalid-resource")
                for e in exc.errors()[:MAX_REPORTED]]
    except (ValueError, TypeError, KeyError) as exc:  # fhir.resources raises these for some malformed input
        return [problem(file, at, f"not a valid resource ({type(exc).__name__})", "invalid-resource")]
    return []


def _message(error: Any) -> str:
    kind = error["type"]
    loc = [p for p in error["loc"] if isinstance(p, str)]
    if kind == "extra_forbidden":
        return f"'{loc[-1] if loc else '?'}' is not an element of this resource"
    if kind == "missing":
        return f"'{loc[-1] if loc else '?'}' is required"
    return str(error["msg"])


def _unexpected(kind: object) -> str:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        get_fhir_model_class(str(kind))
    except (ValueError, KeyError, TypeError):
        return f"{_shown(kind)} is not a FHIR resource type"
    return f"{kind} resources are not read here; a record holds {', '.join(KINDS)}"


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    return text[:60]
