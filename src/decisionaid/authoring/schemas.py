"""JSON Schemas of the files people edit, generated from the models, for editors and outside checks.

One schema per kind of file, so that an editor completes and checks exactly the keys that file
may have; `rules` combines the rule-file kinds into one. The condition vocabulary is added to the
generated schemas: an editor offers the profile fields and derived facts by name, and once a
field is chosen, only the operators and values its type allows.

    schema/profile.schema.json          examples/*.yaml, any profile
    schema/rules-option.schema.json     rules/options/*.yaml
    schema/rules-pack.schema.json       rules/pack.yaml
    schema/rules-sources.schema.json    rules/sources.yaml
    schema/rules-drugs.schema.json      rules/drugs.yaml
    schema/rules-safety.schema.json     rules/safety.yaml
    schema/rules-tests.schema.json      rules/tests/*.yaml (the named test cases; profiles as above)
    schema/rules-fhir-map.schema.json   rules/fhir-map.yaml (FHIR codes -> profile facts)
    schema/rules.schema.json            any of the five kinds of rule-pack file (tests aside)
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..pack.catalogue import DrugCatalogue
from ..pack.loader import OPS_BY_KIND
from ..pack.models import Option, PackMeta, SafetyFile, SourcesFile
from ..pack.vocabulary import FIELDS
from ..profile.model import Profile

DIALECT = "https://json-schema.org/draft/2020-12/schema"
RULE_FILES: dict[str, tuple[type[BaseModel], str]] = {
    "rules-option": (Option, "A treatment option: rules/options/<id>.yaml"),
    "rules-pack": (PackMeta, "The rule pack's identity and review dates: rules/pack.yaml"),
    "rules-sources": (SourcesFile, "Every source the rules may cite: rules/sources.yaml"),
    "rules-drugs": (DrugCatalogue, "The drug catalogue: rules/drugs.yaml"),
    "rules-safety": (SafetyFile, "The safety-relevant facts every option must weigh: rules/safety.yaml"),
}
NAMES = ("profile", "rules", *RULE_FILES, "rules-tests", "rules-fhir-map")


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema called `name` (one of NAMES)."""
    if name == "profile":
        return _finish(_profile(), "decisionaid patient profile (v1)", "profile")
    if name == "rules":
        return _combined()
    if name == "rules-tests":
        return _finish(_tests(), "Named test cases of one option: rules/tests/<option>.yaml", name)
    if name == "rules-fhir-map":
        from ..fhir.mapping import FhirMap

        return _finish(FhirMap.model_json_schema(), "Which FHIR codes mean which profile facts: rules/fhir-map.yaml",
                       name)
    model, title = RULE_FILES[name]
    generated = model.model_json_schema()
    _add_vocabulary(generated)
    return _finish(generated, title, name)


def schema_text(name: str) -> str:
    """The schema as the committed file holds it: two-space indent, final newline."""
    return json.dumps(schema(name), indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into `folder` (schema/ in the repository); return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in NAMES:
        path = folder / f"{name}.schema.json"
        text = schema_text(name)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _finish(generated: dict[str, Any], title: str, name: str) -> dict[str, Any]:
    return {"$schema": DIALECT, "$id": f"https://decisionaid.invalid/schema/{name}.schema.json", "title": title,
            **{k: v for k, v in generated.items() if k != "title"}}


def _combined() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    branches = []
    for model, title in RULE_FILES.values():
        generated = model.model_json_schema(ref_template="#/$defs/{model}")
        _add_vocabulary(generated)
        for key, value in generated.pop("$defs", {}).items():
            assert defs.get(key, value) == value, f"two rule-file models define {key} differently"
            defs[key] = value
        defs[model.__name__] = {**generated, "title": title}
        branches.append({"$ref": f"#/$defs/{model.__name__}"})
    return _finish({"anyOf": branches, "$defs": dict(sorted(defs.items()))},
                   "decisionaid rule-pack file (any kind)", "rules")


def _tests() -> dict[str, Any]:
    """The test-case file, with each case's profile checked as a profile."""
    from .ruletests import CaseFile

    generated = CaseFile.model_json_schema()
    profile = _profile()
    generated["$defs"].update(profile.pop("$defs", {}))
    generated["$defs"]["Profile"] = profile
    generated["$defs"]["Case"]["properties"]["profile"] = {"$ref": "#/$defs/Profile"}
    return generated


def _profile() -> dict[str, Any]:
    generated = Profile.model_json_schema()
    properties = generated["properties"]
    for name, spec in FIELDS.items():
        if name in properties and not spec.derived:
            properties[name].setdefault("description", spec.description)
    properties["edss"]["anyOf"][0]["multipleOf"] = 0.5
    properties["current_dmt"].setdefault(
        "description", "the current MS drug: a generic or brand name from rules/drugs.yaml, or 'none'")
    properties["pregnant_or_breastfeeding"].setdefault(
        "description", "older (v1) form of 'pregnant' and 'breastfeeding', still read: 'no' means both no, 'yes' "
        "one of them (weighed as pregnancy); never together with them")
    properties["jcv_index"].setdefault("description", "JC virus antibody index (0 or more)")
    return generated


def _add_vocabulary(generated: dict[str, Any]) -> None:
    """Offer the known fields in conditions, and tie operators and values to each field's type."""
    leaf = generated.get("$defs", {}).get("Leaf")
    if leaf is None:
        return
    leaf["properties"]["field"] = {
        **leaf["properties"]["field"],
        "enum": list(FIELDS),
        "markdownEnumDescriptions": [f"{spec.description} ({spec.kind})" for spec in FIELDS.values()],
    }
    rules = []
    for name, spec in FIELDS.items():
        ops = sorted(OPS_BY_KIND[spec.kind])
        one = _value_schema(spec.kind, spec.values)
        value: dict[str, Any] = one
        if {"in", "not_in"} & set(ops):
            many = {"type": "array", "minItems": 1, "items": one}
            value = {"anyOf": [one, many]}
        rules.append({
            "if": {"properties": {"field": {"const": name}}, "required": ["field"]},
            "then": {"properties": {"op": {"enum": ops}, "value": copy.deepcopy(value)}},
        })
    leaf["allOf"] = rules


def _value_schema(kind: str, values: tuple[str, ...]) -> dict[str, Any]:
    if kind == "int":
        return {"type": "integer"}
    if kind == "number":
        return {"type": "number"}
    if kind == "bool":
        return {"type": "boolean"}
    return {"type": "string", "enum": list(values)}
