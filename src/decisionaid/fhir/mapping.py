"""The FHIR map (rules/fhir-map.yaml): which codes in a record mean which profile facts.

The map is data that rule authors keep beside the drug catalogue, checked by `rules check` like
the rules: every concept names a profile field (and a value that field allows), every drug of
rules/drugs.yaml has codes, no code means two things, and every code says where it was checked.

Codes follow their terminology's hierarchy, without a terminology server:
- the systems named in `by_prefix` (ICD-10, ICD-10-CM) match by prefix (`G35` covers `G35.A`,
  `G35.B1`) or by a range of 3-character categories (`E00-E07`, compared as text, so `I30-I5A`
  holds `I5A`); the longest match wins (a range counts as 3 characters), so `G35.A` (RRMS) wins
  over `G35` (type unknown). Two patterns of one system that could match a code at the same length
  are an error: nothing would decide between them.
- other codes (SNOMED CT) match exactly, and a code may list the `descendants` that matter, each
  with its own source: a hand-made list, because no SNOMED release is available here.
- a code marked `status: unconfirmed` is kept for review but never used: a record that carries it
  lists it as ignored, like any code the map does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

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


Status = Literal["checked", "unconfirmed"]


class Descendant(_Strict):
    """A SNOMED CT concept below a mapped one that means the same profile fact."""

    code: Annotated[str, Field(min_length=1, max_length=64)]
    display: Annotated[str, Field(min_length=1)]
    checked: Annotated[str, Field(min_length=10, description="the public source this code was checked against")]
    status: Status = Field("checked", description="unconfirmed: kept for review, never used")


class Code(_Strict):
    system: Annotated[str, Field(min_length=1, description="a key of `systems`")]
    code: Annotated[str, Field(min_length=1, max_length=64, description=(
        "the code; in a `by_prefix` system a prefix (G35) or a range of 3-character categories (E00-E07)"))]
    display: Annotated[str, Field(min_length=1)]
    checked: Annotated[str, Field(min_length=10, description="the public source this code was checked against")]
    status: Status = Field("checked", description="unconfirmed: kept for review, never used")
    descendants: list[Descendant] = Field(default_factory=list, description=(
        "the concepts below this one that matter, hand-made from the named sources (exact codes only)"))


class Concept(_Strict):
    field: Annotated[str, Field(description="the profile field this concept informs (or not_ms)")]
    value: Annotated[str, Field(min_length=1)]
    element: Element
    when_resolved: str | None = Field(None, description="comorbidities: the value a resolved condition means")
    codes: Annotated[list[Code], Field(min_length=1)]


_CATEGORY = r"[A-Z][0-9][0-9A-Z]"
_PREFIX = re.compile(rf"^{_CATEGORY}(\.[0-9A-Z]{{1,4}})?$")
_RANGE = re.compile(rf"^({_CATEGORY})-({_CATEGORY})$")


@dataclass(frozen=True)
class Pattern:
    """An ICD code or range as the map gives it: `G35.A` (a prefix) or `E00-E07` (3-character categories)."""

    low: str  # without the dot
    high: str | None  # the range's last category; None for a prefix

    @property
    def length(self) -> int:
        """How specific a match is: the prefix's characters, 3 for a range."""
        return 3 if self.high is not None else len(self.low)

    def matches(self, code: str) -> bool:
        if self.high is None:
            return code.startswith(self.low)
        return len(code) >= 3 and self.low <= code[:3] <= self.high

    def overlaps(self, other: Pattern) -> bool:
        """Whether some code is matched by both at the same length (which the longest match cannot settle)."""
        if self.length != other.length:
            return False
        low, high = self.low[:3], self.high or self.low[:3]
        other_low, other_high = other.low[:3], other.high or other.low[:3]
        if self.high is None and other.high is None:
            return self.low == other.low
        return low <= other_high and other_low <= high


def parse_pattern(text: str) -> Pattern | None:
    if (found := _RANGE.match(text)) is not None:
        return Pattern(found[1], found[2]) if found[1] <= found[2] else None
    if _PREFIX.match(text):
        return Pattern(text.replace(".", ""), None)
    return None


def normal_icd(code: str) -> str:
    """`g35.a ` -> `G35A`: how a record's ICD code is compared with the map's patterns."""
    return code.strip().upper().replace(".", "")


class FhirMap(_Strict):
    """rules/fhir-map.yaml"""

    systems: Annotated[dict[str, str], Field(min_length=1, description="short name: FHIR system URI")]
    by_prefix: list[str] = Field(default_factory=list, description=(
        "systems (keys of `systems`) whose codes match by prefix or range, the longest match winning: ICD-10, ICD-10-CM"))
    recent_days: Annotated[int, Field(ge=1, le=366, description=(
        "a pregnancy or lactation status counts as current for this many days after it was observed"))]
    concepts: Annotated[list[Concept], Field(min_length=1)]
    _tables: dict[str, CodeTable] = PrivateAttr(default_factory=dict)  # built once per element kind

    def lookup(self, element_kind: str) -> CodeTable:
        """The codes of the concepts read from one kind of element (`code`, `valueCodeableConcept`, ...)."""
        if element_kind not in self._tables:
            self._tables[element_kind] = self._table(element_kind)
        return self._tables[element_kind]

    def _table(self, element_kind: str) -> CodeTable:
        exact: dict[tuple[str, str], Concept] = {}
        patterns: dict[str, list[tuple[Pattern, Concept]]] = {}
        prefixed = {self.systems.get(s, s) for s in self.by_prefix}
        for concept in self.concepts:
            if concept.element.split(".")[-1] != element_kind and concept.element != element_kind:
                continue
            for code in concept.codes:
                uri = self.systems.get(code.system, code.system)
                if code.status != "checked":
                    continue
                if uri in prefixed:
                    if (pattern := parse_pattern(code.code)) is not None:
                        patterns.setdefault(uri, []).append((pattern, concept))
                    continue
                exact[(uri, code.code)] = concept
                for below in code.descendants:
                    if below.status == "checked":
                        exact[(uri, below.code)] = concept
        return CodeTable(exact, patterns)


@dataclass(frozen=True)
class CodeTable:
    """(system URI, code) -> the concept it means, by exact code or by the longest ICD pattern."""

    exact: dict[tuple[str, str], Concept]
    patterns: dict[str, list[tuple[Pattern, Concept]]]

    def get(self, key: tuple[str, str]) -> Concept | None:
        system, code = key
        if system in self.patterns:
            wanted = normal_icd(code)
            hits = [(p.length, c) for p, c in self.patterns[system] if p.matches(wanted)]
            return max(hits, key=lambda hit: hit[0])[1] if hits else None
        return self.exact.get(key)

    def __contains__(self, key: tuple[str, str]) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: tuple[str, str]) -> Concept:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found


@dataclass(frozen=True)
class Coded:
    """Where one code sits in the map file, for diagnostics."""

    at: tuple[str | int, ...]
    concept: Concept
    system: str
    code: str


def _codes(fhir_map: FhirMap) -> Iterator[Coded]:
    for i, concept in enumerate(fhir_map.concepts):
        for j, code in enumerate(concept.codes):
            yield Coded(("concepts", i, "codes", j), concept, code.system, code.code)
            for k, below in enumerate(code.descendants):
                yield Coded(("concepts", i, "codes", j, "descendants", k), concept, code.system, below.code)


def _name(concept: Concept) -> str:
    return f"{concept.field} {concept.value}"


def check_map(fhir_map: FhirMap, doc: Document, catalogue: DrugCatalogue | None) -> list[Diagnostic]:
    """Meaning checks: known fields and values, every drug covered, no code in two concepts, no two
    ICD patterns that could match one code at the same length, known systems."""
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
    for j, system in enumerate(fhir_map.by_prefix):
        if system not in fhir_map.systems:
            problems.append(doc.diagnostic(("by_prefix", j), f"unknown system '{system}'; add it to systems",
                                           "unknown-system"))
    problems += _check_codes(fhir_map, doc)
    return problems


def _check_codes(fhir_map: FhirMap, doc: Document) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    seen: dict[tuple[str, str], Coded] = {}
    patterns: dict[str, list[tuple[Pattern, Coded]]] = {}
    for coded in _codes(fhir_map):
        system = coded.system
        if system not in fhir_map.systems:
            problems.append(doc.diagnostic((*coded.at, "system"), f"unknown system '{system}'; add it to systems",
                                           "unknown-system"))
        if system in fhir_map.by_prefix:
            if coded.at[-2] == "descendants":
                problems.append(doc.diagnostic(coded.at, f"{system} codes match by prefix; list the code or range "
                                               "itself, not descendants", "descendants-by-prefix"))
                continue
            pattern = parse_pattern(coded.code)
            if pattern is None:
                problems.append(doc.diagnostic((*coded.at, "code"), f"'{coded.code}' is not an ICD code (G35, G35.A) "
                                               "or a range of 3-character categories (E00-E07)", "bad-pattern"))
                continue
            for other_pattern, other in patterns.get(system, []):
                if pattern.overlaps(other_pattern):
                    line, _ = doc.where(other.at)
                    same = pattern == other_pattern
                    what = "is already mapped" if same else "overlaps"
                    problems.append(doc.diagnostic((*coded.at, "code"), f"{system} {coded.code} {what} {other.code} "
                                                   f"({_name(other.concept)}, line {line}) at the same length: the "
                                                   "longest match cannot choose between them",
                                                   "duplicate-code" if same else "overlapping-codes"))
                    break
            patterns.setdefault(system, []).append((pattern, coded))
            continue
        key = (system, coded.code)
        if key in seen:
            first = seen[key]
            line, _ = doc.where(first.at)
            where = "already mapped" if first.concept == coded.concept else f"already in {_name(first.concept)}"
            problems.append(doc.diagnostic((*coded.at, "code"), f"code {system} {coded.code} is {where} (line {line}): "
                                           "a code means one thing", "duplicate-code"))
        else:
            seen[key] = coded
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
