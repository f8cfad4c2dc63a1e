"""FHIR records in: the example Bundles, random profiles through a Bundle and back, the 12- and
24-month windows at their edges, the bad-record corpus through the CLI, and the map's checks."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings

from decisionaid.evaluation.assess import assess
from decisionaid.fhir import read_record
from decisionaid.fhir.dates import months_before
from decisionaid.fhir.mapping import load_fhir_map, read_fhir_map
from decisionaid.plumbing.errors import ProfileError
from decisionaid.profile.model import Profile

from .conftest import ROOT, RULES
from .fhir_records import EXAMPLE_DAY, EXAMPLES, example_records, record_for
from .generate import profiles
from .helpers import run_cli

ON = dt.date(2026, 3, 31)  # a month end: calendar months are clamped to shorter months


@pytest.fixture(scope="module")
def fhir_map(pack):
    return load_fhir_map(RULES, pack.catalogue)


@pytest.fixture(scope="module")
def examples():
    return example_records()


def _assessment(profile: dict[str, Any], pack, engine) -> dict[str, Any]:
    result = assess(Profile.model_validate(profile, context={"catalogue": pack.catalogue}), pack, engine)
    return result.model_dump(mode="json")


# ----------------------------------------------------------------------------- examples/fhir/
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_bundle_is_fresh_and_valid(name, examples):
    path = ROOT / "examples" / "fhir" / f"{name}.json"
    assert path.read_text(encoding="utf-8") == examples[name][0], "stale; run: python -m tests.fhir_records"
    bundle = Bundle.model_validate_json(path.read_text(encoding="utf-8"))
    assert bundle.type == "collection" and bundle.entry


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_bundle_through_from_fhir_gives_the_examples_assessment(name, examples, pack, engine, tmp_path):
    """The written profile (each field commented with its source) assesses as the YAML example does,
    restricted to what a record can hold."""
    out = tmp_path / "profile.yaml"
    done = run_cli("profile", "from-fhir", str(ROOT / "examples" / "fhir" / f"{name}.json"), "-o", str(out),
                   "--date", EXAMPLE_DAY.isoformat())
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    written = yaml.safe_load(text)
    said = examples[name][1]
    assert written == said
    for line in text.splitlines():
        if line and not line.startswith(("#", " ")) and not line.startswith("prior_dmts:"):
            assert "  # " in line and "entry[" in line, line  # each field names the resource it came from
    assert _assessment(written, pack, engine) == _assessment(said, pack, engine)
    original = yaml.safe_load((ROOT / "examples" / f"{name}.yaml").read_text(encoding="utf-8"))
    restricted = {k: v for k, v in original.items() if k in said}
    assert {o["id"]: o["status"] for o in _assessment(said, pack, engine)["options"]} == \
           {o["id"]: o["status"] for o in _assessment({**restricted, **said}, pack, engine)["options"]}


def test_assess_reads_a_bundle_directly():
    done = run_cli("assess", str(ROOT / "examples" / "fhir" / "spms-active.json"), "--format", "json",
                   "--date", EXAMPLE_DAY.isoformat())
    assert done.returncode == 0, done.stderr
    assert {o["id"] for o in json.loads(done.stdout)["options"]} >= {"ahsct", "he_dmt"}


# ----------------------------------------------------------------------------- round trip
def test_random_profiles_survive_a_bundle(pack, engine, fhir_map):
    """A random valid profile, written as a Bundle and read back, states what the record can hold
    and assesses the same."""

    @settings(max_examples=40, deadline=None)
    @given(profiles(pack.catalogue))
    def round_trip(profile: dict[str, Any]) -> None:
        if (years := profile.get("years_since_first_symptoms")) is not None:
            profile["years_since_first_symptoms"] = round(years, 1)  # a record holds a day, not a fraction
        bundle, said = record_for(profile, ON, pack.catalogue, fhir_map)
        reading = read_record(bundle, "record.json", pack.catalogue, fhir_map, ON)
        assert reading.profile.entered_fields() == said
        assert _assessment(reading.profile.entered_fields(), pack, engine) == _assessment(said, pack, engine)

    round_trip()


# ----------------------------------------------------------------------------- windows
def _record_with_relapses(days: list[Any], fhir_map, pack, start: dt.date | None = None) -> dict[str, Any]:
    profile = {"age": 40, "ms_type": "RRMS"}
    if start is not None:
        profile.update(current_dmt="natalizumab", current_dmt_months=0)
    bundle, _ = record_for(profile, ON, pack.catalogue, fhir_map)
    template = {"resourceType": "Condition", "subject": {"reference": "Patient/p1"},
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "192929006"}]}}
    for i, day in enumerate(days):
        bundle["entry"].append({"resource": {**copy.deepcopy(template), "id": f"r{i}",
                                             "onsetDateTime": day if isinstance(day, str) else day.isoformat()}})
    if start is not None:
        statement = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement")
        statement["effectivePeriod"] = {"start": start.isoformat()}
    return bundle


@pytest.mark.parametrize(("day", "r12", "r24"), [
    (months_before(ON, 12), 1, 1),  # exactly 12 months back: inside both windows
    (months_before(ON, 12) - dt.timedelta(days=1), 0, 1),
    (months_before(ON, 24), 0, 1),
    (months_before(ON, 24) - dt.timedelta(days=1), 0, 0),
    (ON, 1, 1),
    (ON + dt.timedelta(days=1), None, None),  # after the sheet date: not counted, and nothing else is known
])
def test_relapse_windows_at_their_edges(day, r12, r24, fhir_map, pack):
    reading = read_record(_record_with_relapses([day], fhir_map, pack), "r.json", pack.catalogue, fhir_map, ON)
    assert (reading.profile.relapses_last_12_months, reading.profile.relapses_last_24_months) == (r12, r24)
    assert months_before(ON, 12) == dt.date(2025, 3, 31) and months_before(dt.date(2026, 2, 28), -1) == dt.date(2026, 3, 28)


def test_a_partial_date_across_a_window_edge_leaves_counts_unknown(fhir_map, pack):
    edge = months_before(ON, 12)
    reading = read_record(_record_with_relapses([f"{edge:%Y-%m}"], fhir_map, pack), "r.json", pack.catalogue,
                          fhir_map, ON)
    assert reading.profile.relapses_last_12_months is None
    assert "relapses_last_12_months" in reading.not_found
    assert any("may or may not fall" in n.message for n in reading.notes)


@pytest.mark.parametrize(("offset", "expected"), [(0, "yes"), (-1, None)])
def test_breakthrough_is_a_relapse_after_six_months_on_the_drug(offset, expected, fhir_map, pack):
    start = months_before(ON, 10)
    relapse = months_before(start, -6) + dt.timedelta(days=offset)
    reading = read_record(_record_with_relapses([relapse], fhir_map, pack, start=start), "r.json", pack.catalogue,
                          fhir_map, ON)
    assert reading.profile.current_dmt_months == 10
    assert reading.profile.activity_on_current_dmt == expected


def test_age_from_birth_date_at_the_sheet_date(fhir_map, pack):
    bundle, _ = record_for({"age": 40, "ms_type": "RRMS"}, ON, pack.catalogue, fhir_map)
    bundle["entry"][0]["resource"]["birthDate"] = "1986-03-31"
    assert read_record(bundle, "r.json", pack.catalogue, fhir_map, ON).profile.age == 40
    assert read_record(bundle, "r.json", pack.catalogue, fhir_map, ON - dt.timedelta(days=1)).profile.age == 39


# ----------------------------------------------------------------------------- the bad-record corpus
def _base(fhir_map, pack) -> dict[str, Any]:
    return record_for({"age": 40, "ms_type": "RRMS", "edss": 3.0}, ON, pack.catalogue, fhir_map)[0]


def _condition(code: str, system: str = "http://snomed.info/sct", **extra: Any) -> dict[str, Any]:
    return {"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p1"},
                         "clinicalStatus": {"coding": [{"code": "active"}]},
                         "code": {"coding": [{"system": system, "code": code}]}, **extra}}


def corpus(fhir_map, pack) -> dict[str, tuple[Any, int, list[str]]]:
    """name -> (file content, exit code of `profile from-fhir`, text its stderr must hold)."""
    base = _base(fhir_map, pack)
    cases: dict[str, tuple[Any, int, list[str]]] = {
        "not-fhir": ({"age": 40, "ms_type": "RRMS"}, 2, ["not a FHIR resource"]),
        "not-json": ("{not json", 2, ["invalid JSON"]),
        "not-a-bundle": ({"resourceType": "Patient", "id": "p1"}, 2, ["must be a Bundle"]),
    }
    invalid = copy.deepcopy(base)
    invalid["entry"][1]["resource"]["code"]["coding"][0]["code"] = 426373005
    invalid["entry"][0]["resource"]["birthDate"] = "1986-02-31"
    invalid["entry"].append({"resource": {"resourceType": "Encounter", "status": "finished"}})
    invalid["entry"].append({"resource": {"resourceType": "Spaceship"}})
    cases["invalid-resources"] = (invalid, 2, [
        "entry[1].resource.code.coding[0].code: ", "entry[0].resource.birthDate: ",
        "entry[3].resource.resourceType: Encounter resources are not read here", ("entry[4].resource.resourceType: 'Spaceship' "
        "is not a FHIR resource type")])
    error = copy.deepcopy(base)
    error["entry"].append(_condition("425500002", verificationStatus={"coding": [{"code": "entered-in-error"}]},
                                     recordedDate=ON.isoformat()))
    cases["entered-in-error"] = (error, 0, ["is entered in error: ignored"])
    conflict = copy.deepcopy(base)
    conflict["entry"].append(_condition("425500002", recordedDate=conflict["entry"][1]["resource"]["recordedDate"]))
    cases["conflicting-ms-types"] = (conflict, 2, ["conflicting MS types in the record", "RRMS and SPMS"])
    unknown = copy.deepcopy(base)
    unknown["entry"].append(_condition("1234567", system="http://example.org/local-codes"))
    cases["unknown-codes"] = (unknown, 0, ["code not in the map, ignored (http://example.org/local-codes 1234567)"])
    nmosd = copy.deepcopy(base)
    nmosd["entry"].append(_condition("G36.0", system="http://hl7.org/fhir/sid/icd-10"))
    cases["nmosd"] = (nmosd, 2, ["active NMOSD diagnosis", "for MS only"])
    other = copy.deepcopy(base)
    other["entry"][2]["resource"]["subject"] = {"reference": "Patient/someone-else"}
    cases["another-patient"] = (other, 2, ["entry[2].resource.subject: refers to 'Patient/someone-else'"])
    return cases


CORPUS = ("not-fhir", "not-json", "not-a-bundle", "invalid-resources", "entered-in-error", "conflicting-ms-types",
          "unknown-codes", "nmosd", "another-patient")


@pytest.mark.parametrize("name", CORPUS)
def test_bad_records_through_the_cli(name, fhir_map, pack, tmp_path):
    content, code, fragments = corpus(fhir_map, pack)[name]
    path = tmp_path / f"{name}.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    done = run_cli("profile", "from-fhir", str(path), "--date", ON.isoformat())
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, (fragment, done.stderr)
    if code == 2:
        assert all(line.startswith(str(path)) and ": error: " in line for line in done.stderr.splitlines())
    else:
        assert yaml.safe_load(done.stdout)["ms_type"] == "RRMS"


def test_the_cli_reports_a_bundle_given_as_a_profile_the_same_way(fhir_map, pack, tmp_path):
    content, _, fragments = corpus(fhir_map, pack)["conflicting-ms-types"]
    path = tmp_path / "record.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    done = run_cli("assess", str(path), "--date", ON.isoformat())
    assert done.returncode == 2 and fragments[0] in done.stderr and "Traceback" not in done.stderr


def test_record_problems_raise_profile_errors_in_the_library(fhir_map, pack):
    content, _, _ = corpus(fhir_map, pack)["nmosd"]
    with pytest.raises(ProfileError) as caught:
        read_record(content, "r.json", pack.catalogue, fhir_map, ON)
    assert caught.value.diagnostics[0].code == "not-ms"


def test_what_the_record_does_not_hold_is_not_found_not_guessed(fhir_map, pack):
    reading = read_record(_base(fhir_map, pack), "r.json", pack.catalogue, fhir_map, ON)
    assert {"current_dmt", "prior_dmts", "comorbidities", "pregnant", "breastfeeding",
            "relapses_last_12_months"} <= set(reading.not_found)
    assert reading.profile.comorbidities is None and reading.profile.current_dmt is None


# ----------------------------------------------------------------------------- the map
def test_the_shipped_map_covers_every_drug_and_is_clean(pack, fhir_map):
    assert {c.value for c in fhir_map.concepts if c.field == "current_dmt"} == {d.id for d in pack.catalogue.drugs}
    systems = {(c.value, code.system) for c in fhir_map.concepts if c.field == "current_dmt" for code in c.codes}
    assert all((d.id, "rxnorm") in systems and (d.id, "atc") in systems for d in pack.catalogue.drugs)
    assert read_fhir_map(RULES, pack.catalogue)[1] == []


def test_rules_check_reports_map_problems(tmp_path, pack):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    shutil.copytree(RULES.parent / "seeds", tmp_path / "seeds")
    text = (rules / "fhir-map.yaml").read_text(encoding="utf-8")
    text = text.replace("  - field: current_dmt\n    value: cyclophosphamide", "  - field: curent_dmt\n    value: x", 1)
    text = text.replace('code: "363346000"', 'code: "56265001"')
    (rules / "fhir-map.yaml").write_text(text, encoding="utf-8")
    done = run_cli("rules", "check", str(rules))
    assert done.returncode == 1
    lines = [line for line in done.stdout.splitlines() if "fhir-map.yaml:" in line]
    codes = sorted(line.rsplit("(", 1)[1].rstrip(")") for line in lines)
    assert codes == ["drug-not-mapped", "duplicate-code", "unknown-field"], lines
    assert all(Path(line.split(":")[0]).name == "fhir-map.yaml" and line.split(":")[1].isdigit() for line in lines)


def test_the_sheet_lists_what_was_not_found_in_the_record_apart_from_what_was_not_answered(tmp_path):
    record = str(ROOT / "examples" / "fhir" / "rrms-much-unknown.json")
    booklet, visit = tmp_path / "booklet.html", tmp_path / "visit.html"
    for target, extra in ((booklet, ["--booklet"]), (visit, [])):
        done = run_cli("sheet", record, "--html", str(target), "--date", EXAMPLE_DAY.isoformat(), *extra)
        assert done.returncode == 0, done.stderr
    text = booklet.read_text(encoding="utf-8")
    patient_part = text.split("Facts this sheet did not have", 1)[1].split("<h2", 1)[0]
    assert "Not found in your health record:" in patient_part and "Not answered:" in patient_part
    assert "EDSS" in patient_part.split("Not answered:")[0]  # EDSS is a record's to hold
    clinician = text.split("Information that was missing", 1)[1].split("</p>", 1)[0]
    assert "Not found in the record:" in clinician and "Not answered:" in clinician
    page3 = visit.read_text(encoding="utf-8").split("<h3>Missing facts</h3>", 1)[1].split("</p>", 1)[0]
    assert "Not found in the record:" in page3 and "EDSS" in page3.split("Not answered:")[0]
