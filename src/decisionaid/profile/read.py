"""Reading a profile from YAML, JSON or standard input, with every problem reported at once.

One line per problem, naming the field (and its line in a YAML file), with "did you mean" hints for
unknown keys. A FHIR record is not a profile: inputs.py, above this stage, recognises it.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from pydantic import BaseModel, ValidationError

from ..plumbing.errors import Diagnostic, InputError, ProfileError
from ..plumbing.safeio import read_input
from ..plumbing.yamlpos import MAX_BYTES, Document, ReadError, data_path, read_text
from .model import MAX_REPORTED, Profile


def load_profile(source: str, catalogue: Any) -> Profile:
    """Read a profile from a .yaml/.yml/.json file path, or from standard input when `source` is '-'."""
    return validate_profile(read_document(source), catalogue)


def read_document(source: str) -> Document:
    """The parsed text of a file path, or of standard input when `source` is '-' (JSON by its name);
    raises ProfileError when it cannot be read."""
    try:
        text, name = read_input(source, cap=MAX_BYTES)
        return read_text(text, name, as_json=name.lower().endswith(".json"))
    except (InputError, ReadError) as exc:
        raise ProfileError(exc.diagnostics) from None


def parse_profile(text: str, name: str, catalogue: Any, *, as_json: bool = False) -> Profile:
    """Parse and validate profile text; raises ProfileError listing every problem."""
    try:
        doc = read_text(text, name, as_json=as_json)
    except ReadError as exc:
        raise ProfileError(exc.diagnostics) from None
    return validate_profile(doc, catalogue)


def validate_profile(doc: Document, catalogue: Any) -> Profile:
    """Validate already-parsed data (from a file or the web form) against the profile model."""
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
