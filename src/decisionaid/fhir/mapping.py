"""The FHIR map (rules/fhir-map.yaml): which codes in a record mean which profile facts.

The map is data that rule authors keep beside the drug catalogue, checked by `rules check` like
the rules: every concept names a profile field (and a value that field allows), every drug of
rules/drugs.yaml has codes, no code means two things, and every code says where it was checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..pack.catalogue import DrugCatalogue
from ..pack.loader import Loading
from ..pack.vocabulary import COMORBIDITIES
from ..plumbing.errors import Diagnostic, RulePackError
from ..plumbing.resources import default_rules_dir
from ..plumbing.yamlpos import Document
from ..profile.model import PROFILE_FIELDS

MAP_FILE = "fhir-map.yaml"
Element = Literal[
    "Condition.code", "Observation.code", "Observation.valueCodeableConcept",
    "MedicationStatement.medication", "MedicationRequest.medication", "Medication.code",
    "MedicationStatement.statusReason", "MedicationRequest.statusReason",
]
#: the profile fields a concept may name, and the values each allows (None: any value is an error)
FIELD_VALUES: dict[str, tuple[str, ...] | None] = {
    "ms_type": ("CIS", "RRMS", "SPMS", "PPMS", "unknown"),
    "comorbidities": COMORBIDITIES,
    "current_dmt": None,  # value: a drug id of rules/drugs.yaml (checked against the catalogue)
    "prior_dmts.stopped_because": ("not_effective", "side_effects", "safety_risk", "pregnancy", "other"),
    "relapses_last_12_months": ("relapse",),
    "edss": ("score",),
    "pregnant": ("pregnancy_status", "yes", "no"),
    "breastfeeding": ("lactation_status", "yes", "no"),
}
#: a diagnosis that is not MS: a record that holds it as active is refused, never read as MS
OUT_OF_SCOPE = "not_ms"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Code(_Strict):
    system: Annotated[str, Field(min_length=1, description="a key of `systems`")]
    code: Annotated[str, Field(min_length=1, max_length=64)]
    display: Annotated[str, Field(min_length=1)]
    checked: Annotated[str, Field(min_length=10, description="the public source this code was checked against")]


class Concept(_Strict):
    field: Annotated[str, Field(description="the profile field this concept informs (or not_ms)")]
    value: Annotated[str, Field(min_length=1)]
    element: Element
    when_resolved: str | None = Field(None, description="comorbidities: the value a resolved condition means")
    codes: Annotated[list[Code], Field(min_length=1)]


class FhirMap(_Strict):
    """rules/fhir-map.yaml"""

    systems: Annotated[dict[str, str], Field(min_length=1, description="short name: FHIR system URI")]
    recent_days: Annotated[int, Field(ge=1, le=366, description=(
        "a pregnancy or lactation status counts as current for this many days after it was observed"))]
    concepts: Annotated[list[Concept], Field(min_length=1)]

    def lookup(self, element_kind: str) -> dict[tuple[str, str], Concept]:
        """(system URI, code) -> concept, for the concepts read from one kind of element."""
        found: dict[tuple[str, str], Concept] = {}
        for concept in self.concepts:
            if concept.element.split(".")[-1] == element_kind or concept.element == element_kind:
                for code in concept.codes:
                    found[(self.systems.get(code.system, code.system), code.code)] = concept
        return found


@dataclass(frozen=True)
class Coded:
    """Where one code sits in the map file, for diagnostics."""

    at: tuple[str | int, ...]
    concept: Concept
    code: Code


def _codes(fhir_map: FhirMap) -> Iterator[Coded]:
    for i, concept in enumerate(fhir_map.concepts):
        for j, code in enumerate(concept.codes):
            yield Coded(("concepts", i, "codes", j), concept, code)


def check_map(fhir_map: FhirMap, doc: Document, catalogue: DrugCatalogue | None) -> list[Diagnostic]:
    """Meaning checks: known fields and values, every drug covered, no code used twice, known systems."""
    problems: list[Diagnostic] = []
    for i, concept in enumerate(fhir_map.concepts):
        at = ("concepts", i)
        if concept.field == OUT_OF_SCOPE:
            continue
        if concept.field not in FIELD_VALUES:
            known = sorted(f for f in FIELD_VALUES if f.split(".")[0] in PROFILE_FIELDS)
            problems.append(doc.diagnostic((*at, "field"), f"'{concept.field}' is not a profile field the map can "
                                           f"fill; use one of {', '.join(known)} or {OUT_OF_SCOPE}", "unknown-field"))
            continue
        allowed = FIELD_VALUES[concept.field]
        if concept.field == "current_dmt":
            if catalogue is not None and concept.value not in {d.id for d in catalogue.drugs}:
                problems.append(doc.diagnostic((*at, "value"), f"'{concept.value}' is not a drug id of drugs.yaml",
                                               "unknown-drug"))
        elif allowed is not None and concept.value not in allowed:
            problems.append(doc.diagnostic((*at, "value"), f"'{concept.value}' is not a value of {concept.field}; "
                                           f"use one of {', '.join(allowed)}", "unknown-value"))
        if concept.when_resolved is not None and (concept.field != "comorbidities"
                                                  or concept.when_resolved not in COMORBIDITIES):
            problems.append(doc.diagnostic((*at, "when_resolved"), "when_resolved must name a comorbidity, on a "
                                           "comorbidities concept", "unknown-value"))
    if catalogue is not None:
        mapped = {c.value for c in fhir_map.concepts if c.field == "current_dmt"}
        for drug in catalogue.drugs:
            if drug.id not in mapped:
                problems.append(doc.diagnostic(("concepts",), f"drug '{drug.id}' of drugs.yaml has no codes in the "
                                               "map: add its RxNorm and ATC codes", "drug-not-mapped"))
    seen: dict[tuple[str, str], tuple[str | int, ...]] = {}
    for coded in _codes(fhir_map):
        key = (fhir_map.systems.get(coded.code.system, coded.code.system), coded.code.code)
        if coded.code.system not in fhir_map.systems:
            problems.append(doc.diagnostic((*coded.at, "system"), f"unknown system '{coded.code.system}'; add it "
                                           "to systems", "unknown-system"))
        if key in seen:
            line, _ = doc.where(seen[key])
            problems.append(doc.diagnostic((*coded.at, "code"), f"code {coded.code.system} {coded.code.code} is "
                                           f"already mapped (line {line})", "duplicate-code"))
        else:
            seen[key] = coded.at
    return problems


def map_path(rules_dir: Path) -> Path:
    return rules_dir / MAP_FILE


_maps: dict[Path, FhirMap] = {}


def read_fhir_map(root: Path, catalogue: DrugCatalogue | None) -> tuple[FhirMap | None, list[Diagnostic]]:
    """Read and check the map of a rules folder: the map (None when it has errors) and every problem."""
    loading = Loading(root)
    fhir_map = loading.model(map_path(root), FhirMap)
    doc = loading.docs.get(map_path(root))
    problems = list(loading.diagnostics)
    if fhir_map is not None and doc is not None:
        problems += check_map(fhir_map, doc, catalogue)
    errors = [d for d in problems if d.level == "error"]
    return (None if errors else fhir_map), problems


def load_fhir_map(rules_dir: str | Path | None, catalogue: DrugCatalogue) -> FhirMap:
    """The checked map of a rules folder, read once per process; raises RulePackError."""
    root = (Path(rules_dir) if rules_dir is not None else default_rules_dir()).resolve()
    if root not in _maps:
        fhir_map, problems = read_fhir_map(root, catalogue)
        if fhir_map is None:
            raise RulePackError([d for d in problems if d.level == "error"])
        _maps[root] = fhir_map
    return _maps[root]
