"""Profiles written as FHIR R4 Bundles with fhir.resources, for the examples in examples/fhir/ and
the round-trip property test.

`record_for` returns the Bundle and the profile that the record can say: fields that a record
never holds (walking, MRI counts, the patient's wishes), and values that a record cannot state
(no current drug, no comorbidities, why a drug was stopped), are left out of it. Relapses get an
anchor relapse at least 30 months back, before the current drug, so that zero counts can be stated; breakthrough on the current drug
then follows from the dates, as the reader derives it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from decisionaid.fhir.dates import months_before
from decisionaid.fhir.mapping import FhirMap
from decisionaid.pack.catalogue import DrugCatalogue
from decisionaid.pack.vocabulary import COMORBIDITIES, FULL_COURSE_MONTHS

PATIENT = "Patient/p1"


class _Codes:
    def __init__(self, fhir_map: FhirMap) -> None:
        self.map = fhir_map

    def coding(self, field: str, value: str, system: str | None = None) -> dict[str, Any]:
        concept = next(c for c in self.map.concepts if c.field == field and c.value == value)
        code = next(c for c in concept.codes if system is None or c.system == system)
        return {"system": self.map.systems[code.system], "code": code.code, "display": code.display}


def _condition(ident: str, coding: dict[str, Any], status: str, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": ident, "subject": {"reference": PATIENT},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": status}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                               "code": "confirmed"}]},
            "code": {"coding": [coding]}, **extra}


def _observation(ident: str, coding: dict[str, Any], day: dt.date, **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": ident, "status": "final", "subject": {"reference": PATIENT},
            "code": {"coding": [coding]}, "effectiveDateTime": day.isoformat(), **value}


def _statement(ident: str, coding: dict[str, Any], status: str, start: dt.date | None,
               end: dt.date | None) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "MedicationStatement", "id": ident, "status": status,
                                "subject": {"reference": PATIENT}, "medicationCodeableConcept": {"coding": [coding]}}
    if start is not None:
        resource["effectivePeriod"] = {"start": start.isoformat(), **({"end": end.isoformat()} if end else {})}
    return resource


def record_for(profile: dict[str, Any], on: dt.date, catalogue: DrugCatalogue, fhir_map: FhirMap,
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The profile as a collection Bundle (JSON data), and the profile that Bundle states."""
    codes = _Codes(fhir_map)
    said: dict[str, Any] = {"age": profile["age"]}
    patient: dict[str, Any] = {"resourceType": "Patient", "id": "p1",
                               "birthDate": (months_before(on, 12 * profile["age"]) - dt.timedelta(days=10)).isoformat()}
    if name := profile.get("name"):
        patient["name"] = [{"use": "official", "text": name}]
        said["name"] = name
    if profile.get("sex") in ("female", "male", "other"):
        patient["gender"] = said["sex"] = profile["sex"]
    resources: list[dict[str, Any]] = [patient]

    ms = _condition("ms", codes.coding("ms_type", profile["ms_type"], "snomed"), "active",
                    recordedDate=(on - dt.timedelta(days=30)).isoformat())
    said["ms_type"] = profile["ms_type"]
    if (years := profile.get("years_since_first_symptoms")) is not None:
        onset = on - dt.timedelta(days=round(years * 365.25))
        ms["onsetDateTime"] = onset.isoformat()
        said["years_since_first_symptoms"] = round((on - onset).days / 365.25, 1)
    resources.append(ms)

    if (edss := profile.get("edss")) is not None:
        resources.append(_observation("edss", codes.coding("edss", "score"), on - dt.timedelta(days=20),
                                      valueQuantity={"value": edss}))
        said["edss"] = float(edss)

    relapse_days = _relapses(profile, on, said)  # the anchor relapse comes before the current drug
    relapse = codes.coding("relapses_last_12_months", "relapse")
    resources += [_condition(f"relapse{i}", relapse, "resolved", onsetDateTime=day.isoformat())
                  for i, day in enumerate(relapse_days)]

    current = profile.get("current_dmt")
    drug = catalogue.resolve(current) if current else None
    if drug is not None:
        months = profile.get("current_dmt_months")
        start = months_before(on, months) if months is not None else None
        resources.append(_statement("dmt", codes.coding("current_dmt", drug.id, "rxnorm"), "active", start, None))
        said["current_dmt"] = drug.generic
        if start is not None:
            said["current_dmt_months"] = months
            if any(months_before(start, -FULL_COURSE_MONTHS) <= day for day in relapse_days):
                said["activity_on_current_dmt"] = "yes"
    priors = []
    for i, entry in enumerate(profile.get("prior_dmts") or []):
        prior = catalogue.resolve(entry["drug"])
        end = months_before(on, 60 + 3 * i) if entry.get("months") is not None else None
        start = months_before(end, entry["months"]) if end is not None else None
        resources.append(_statement(f"prior{i}", codes.coding("current_dmt", prior.id, "atc"), "completed", start, end))
        priors.append((start or dt.date.max, i, {"drug": prior.generic, **({"months": entry["months"]} if end else {})}))
    if priors:  # the reader lists earlier drugs by start date, undated ones last
        said["prior_dmts"] = [item for *_, item in sorted(priors, key=lambda p: p[:2])]

    if comorbidities := profile.get("comorbidities"):
        for name in comorbidities:
            value, status = ("cancer_active_or_recent", "resolved") if name == "cancer_history" else (name, "active")
            resources.append(_condition("c-" + name.replace("_", "-"), codes.coding("comorbidities", value, "snomed"), status))
        said["comorbidities"] = [c for c in COMORBIDITIES if c in comorbidities]

    day = on - dt.timedelta(days=10)
    statuses = {"pregnant": "pregnancy_status", "breastfeeding": "lactation_status"}
    for field, kind in statuses.items():
        # the older combined answer becomes both statuses; "no" to breastfeeding is coded with the
        # HL7 v2 N, which the map lists once (under pregnant) for both questions
        answer = profile.get(field, profile.get("pregnant_or_breastfeeding"))
        if answer is not None:
            coding = (codes.coding("pregnant", "no", "v2-0136") if (field, answer) == ("breastfeeding", "no")
                      else codes.coding(field, answer))
            resources.append(_observation(field[:4], codes.coding(field, kind), day,
                                          valueCodeableConcept={"coding": [coding]}))
            said[field] = answer

    bundle = Bundle.model_validate({"resourceType": "Bundle", "type": "collection",
                                    "entry": [{"fullUrl": f"urn:uuid:entry-{i}", "resource": r}
                                              for i, r in enumerate(resources)]})
    return json.loads(bundle.model_dump_json()), said


def _relapses(profile: dict[str, Any], on: dt.date, said: dict[str, Any]) -> list[dt.date]:
    r12, r24 = profile.get("relapses_last_12_months"), profile.get("relapses_last_24_months")
    if r12 is None and r24 is None:
        return []
    recent = r12 or 0
    older = (r24 if r24 is not None else recent) - recent
    said["relapses_last_12_months"], said["relapses_last_24_months"] = recent, recent + older
    before_current = (profile.get("current_dmt_months") or 0) + 1  # so that it is no activity on the drug
    return ([months_before(on, 1 + i % 10) for i in range(recent)]
            + [months_before(on, 13 + i % 10) for i in range(older)] + [months_before(on, max(30, before_current))])



# ----------------------------------------------------------------------------- examples/fhir/
EXAMPLE_DAY = dt.date(2026, 11, 22)  # the day the example records are read as of
EXAMPLES = ("cis-first-episode", "ppms-not-active", "rrms-breakthrough-high-efficacy", "rrms-much-unknown",
            "rrms-stable-high-efficacy", "spms-active")


def example_records() -> dict[str, tuple[str, dict[str, Any]]]:
    """examples/fhir/<name>.json as it should read, and the profile each states, from examples/<name>.yaml."""
    from pathlib import Path

    import yaml

    from decisionaid.fhir.mapping import load_fhir_map
    from decisionaid.pack.loader import load_rule_pack

    root = Path(__file__).resolve().parent.parent
    pack = load_rule_pack(root / "rules")
    fhir_map = load_fhir_map(root / "rules", pack.catalogue)
    made = {}
    for name in EXAMPLES:
        profile = yaml.safe_load((root / "examples" / f"{name}.yaml").read_text(encoding="utf-8"))
        bundle, said = record_for(profile, EXAMPLE_DAY, pack.catalogue, fhir_map)
        made[name] = (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", said)
    return made


if __name__ == "__main__":  # python -m tests.fhir_records: rewrite examples/fhir/
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "examples" / "fhir"
    folder.mkdir(exist_ok=True)
    for example, (text, _) in example_records().items():
        (folder / f"{example}.json").write_text(text, encoding="utf-8")
        print(f"wrote {folder / example}.json")
