"""The committed JSON Schemas match the models, and the files people edit satisfy them."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest

from decisionaid.authoring.schemas import NAMES, schema_text
from decisionaid.plumbing.yamlpos import read_text

from .conftest import ROOT

SCHEMA_DIR = ROOT / "schema"
REGENERATE = "decisionaid schema --write schema"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


@pytest.mark.parametrize("name", NAMES)
def test_committed_schema_is_up_to_date(name):
    path = SCHEMA_DIR / f"{name}.schema.json"
    assert path.is_file(), f"{path} is missing; run: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == schema_text(name), f"{path} is stale; run: {REGENERATE}"


def _edited_files() -> list[tuple[Path, str]]:
    files = [(ROOT / "rules" / f"{kind}.yaml", f"rules-{kind}") for kind in ("pack", "sources", "drugs", "safety")]
    files += [(path, "rules-option") for path in sorted((ROOT / "rules" / "options").glob("*.yaml"))]
    files += [(path, "rules-tests") for path in sorted((ROOT / "rules" / "tests").glob("*.yaml"))]
    files += [(path, "profile") for path in sorted((ROOT / "examples").glob("*.yaml"))]
    files += [(ROOT / "rules" / "fhir-map.yaml", "rules-fhir-map")]
    return files


def _json_ready(value: object) -> object:
    """What a YAML editor sees: dates are text."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v)))


@pytest.mark.parametrize(("path", "kind"), _edited_files(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_file_names_its_schema_and_satisfies_it(path, kind):
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    match = MODELINE.match(first)
    assert match, f"{path.relative_to(ROOT)} should start with '# yaml-language-server: $schema=...{kind}.schema.json'"
    assert (path.parent / match.group(1)).resolve() == (SCHEMA_DIR / f"{kind}.schema.json").resolve()
    schema = json.loads((SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))
    data = _json_ready(read_text(text, path.name).data)
    validator = jsonschema.Draft202012Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


def test_the_schema_knows_the_condition_vocabulary():
    """An editor flags an unknown field, an operator on the wrong type, and a wrong value."""
    option = json.loads(schema_text("rules-option"))
    leaf = jsonschema.Draft202012Validator({"$defs": option["$defs"], "$ref": "#/$defs/Leaf"})
    assert not list(leaf.iter_errors({"field": "ms_type", "op": "in", "value": ["RRMS", "SPMS"]}))
    assert not list(leaf.iter_errors({"field": "edss", "op": "lte", "value": 5.5}))
    for wrong in ({"field": "edds", "op": "lte", "value": 5.5}, {"field": "ms_type", "op": "lt", "value": "RRMS"},
                  {"field": "age", "op": "lt", "value": "45"}, {"field": "ms_type", "op": "eq", "value": "rrms"}):
        assert list(leaf.iter_errors(wrong)), wrong


def test_rules_schema_accepts_every_kind_of_rule_file():
    combined = jsonschema.Draft202012Validator(json.loads(schema_text("rules")))
    for path, kind in _edited_files():
        if kind not in ("profile", "rules-tests", "rules-fhir-map"):
            assert not list(combined.iter_errors(_json_ready(read_text(path.read_text(), path.name).data))), path
