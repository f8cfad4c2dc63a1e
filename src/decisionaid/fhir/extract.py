"""A profile from what a FHIR record says, and nothing more.

Each profile field is read from the resources the map names; each value keeps where it came from
(resource, element, JSON path) so the written profile can say so. Whatever the record does not
hold stays unknown and is listed as not found. Entered-in-error and refuted resources are left out;
codes the map does not know are listed as ignored. Entries that contradict each other (two MS
types on the same day, two current drugs) are reported as problems, never settled by a guess.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..pack.catalogue import DrugCatalogue
from ..pack.vocabulary import COMORBIDITIES, FULL_COURSE_MONTHS
from ..plumbing.errors import Diagnostic, ProfileError
from ..profile.model import Profile
from .bundle import Entry, problem, read_bundle
from .dates import Span, age_on, months_before, span, whole_months
from .mapping import OUT_OF_SCOPE, Concept, FhirMap

#: profile fields a record can hold; the others (walking, MRI counts, wishes) are for the patient
RECORD_FIELDS = ("name", "age", "sex", "ms_type", "years_since_first_symptoms", "edss", "relapses_last_12_months",
                 "relapses_last_24_months", "current_dmt", "current_dmt_months", "prior_dmts", "comorbidities",
                 "pregnant", "breastfeeding", "activity_on_current_dmt")
ACTIVE = {"active", "recurrence", "relapse"}
_IGNORED_VERIFICATION = {"refuted": "refuted", "entered-in-error": "entered in error"}
_FINAL = {"final", "amended", "corrected"}


@dataclass(frozen=True)
class Source:
    """Where one value came from."""

    resource: str  # Condition/c1
    element: str  # Condition.onsetDateTime
    path: str  # entry[2].resource

    def __str__(self) -> str:
        return f"{self.resource} {self.element} ({self.path})"


@dataclass(frozen=True)
class RecordReading:
    """The profile a record gives, where each field came from, and what the record did not hold."""

    profile: Profile
    on: dt.date
    sources: dict[str, tuple[Source, ...]]
    not_found: tuple[str, ...]
    notes: tuple[Diagnostic, ...]  # warnings: ignored codes and resources, history


@dataclass
class _Found:
    value: Any
    sources: list[Source]


@dataclass
class _Reading:
    file: str
    fhir_map: FhirMap
    catalogue: DrugCatalogue
    on: dt.date
    entries: list[Entry]
    fields: dict[str, _Found] = field(default_factory=dict)
    notes: list[Diagnostic] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    def note(self, entry: Entry, message: str, code: str = "ignored") -> None:
        self.notes.append(Diagnostic(self.file, None, None, f"{entry.path}: {entry.label} {message}", code, "warning"))

    def conflict(self, what: str, entries: list[Entry], detail: str) -> None:
        where = ", ".join(e.path for e in entries)
        self.problems.append(problem(self.file, entries[0].path, f"conflicting {what} in the record ({detail}; "
                                     f"see {where}): correct the record; nothing is guessed", "conflict"))

    def set(self, name: str, value: Any, *sources: Source) -> None:
        self.fields[name] = _Found(value, list(sources))


def read_record(data: Any, file: str, catalogue: DrugCatalogue, fhir_map: FhirMap, on: dt.date) -> RecordReading:
    """Read a FHIR Bundle into a profile as of `on`; raises ProfileError listing every problem."""
    reading = _Reading(file, fhir_map, catalogue, on, read_bundle(data, file))
    _patient(reading)
    conditions = _coded(reading, "Condition", "code")
    observations = _observations(reading)
    _ms_type(reading, conditions)
    _relapses(reading, conditions, observations)
    _edss(reading, observations)
    _pregnancy(reading, observations)
    _comorbidities(reading, conditions)
    _drugs(reading)
    if reading.problems:
        raise ProfileError(reading.problems)
    data_out = _profile_data(reading)
    try:
        profile = Profile.model_validate(data_out, context={"catalogue": catalogue})
    except ValidationError as exc:
        raise ProfileError([problem(file, _source_path(reading, e["loc"]), f"{'.'.join(map(str, e['loc']))}: "
                                    f"{e['msg']}", "invalid-value") for e in exc.errors()]) from None
    sources = {name: tuple(found.sources) for name, found in reading.fields.items()}
    not_found = tuple(f for f in RECORD_FIELDS if f not in reading.fields)
    return RecordReading(profile, on, sources, not_found, tuple(reading.notes))


# ----------------------------------------------------------------------------- the patient
def _patient(reading: _Reading) -> Entry:
    patients = [e for e in reading.entries if e.kind == "Patient"]
    if len(patients) != 1:
        detail = "the record has no Patient" if not patients else "the record has more than one Patient"
        raise ProfileError([problem(reading.file, patients[1].path if len(patients) > 1 else "entry",
                                    detail + "; a record is one patient's", "patient-count")])
    entry = patients[0]
    refs = {f"Patient/{entry.resource.id}", entry.full_url}
    for other in reading.entries:
        subject = getattr(other.resource, "subject", None)
        if subject is not None and subject.reference and subject.reference not in refs:
            reading.problems.append(problem(reading.file, f"{other.path}.subject", f"refers to "
                                            f"{subject.reference!r}, not the record's patient", "other-patient"))
    patient = entry.resource
    if patient.name:
        name = next((n for n in patient.name if n.use in ("official", "usual")), patient.name[0])
        text = name.text or " ".join([*(name.given or []), name.family or ""]).strip()
        if text:
            reading.set("name", text, Source(entry.label, "Patient.name", f"{entry.path}.name"))
    born = span(patient.birthDate)
    if born is None:
        reading.problems.append(problem(reading.file, f"{entry.path}.birthDate", "not found in the record; the "
                                        "age is required: record the date of birth", "no-birth-date"))
    else:
        young, old = age_on(born, reading.on)
        if young != old:
            reading.problems.append(problem(reading.file, f"{entry.path}.birthDate", f"{patient.birthDate} gives an "
                                            f"age of {young} or {old} on {reading.on}: record the full date of "
                                            "birth", "partial-birth-date"))
        elif young < 0:
            reading.problems.append(problem(reading.file, f"{entry.path}.birthDate", f"{patient.birthDate} is after "
                                            f"{reading.on}", "birth-date-in-future"))
        else:
            reading.set("age", young, Source(entry.label, f"Patient.birthDate {born[0]} at {reading.on}",
                                             f"{entry.path}.birthDate"))
    if patient.gender in ("female", "male", "other"):
        reading.set("sex", patient.gender, Source(entry.label, "Patient.gender", f"{entry.path}.gender"))
    return entry


# ----------------------------------------------------------------------------- coded resources
@dataclass(frozen=True)
class _Coded:
    entry: Entry
    concept: Concept
    status: str  # Condition: its clinical status; Observation: its status


def _concepts(reading: _Reading, entry: Entry, concept_element: str, codeable: Any, where: str) -> list[Concept]:
    if codeable is None:
        return []
    table = reading.fhir_map.lookup(concept_element)
    found: list[Concept] = []
    for coding in codeable.coding or []:
        concept = table.get((coding.system or "", coding.code or ""))
        if concept is not None and concept not in found:
            found.append(concept)
    if not found:
        shown = "; ".join(f"{c.system} {c.code}" for c in codeable.coding or []) or (codeable.text or "no coding")
        reading.note(entry, f"{where}: code not in the map, ignored ({shown[:120]})")
    return found


def _one(reading: _Reading, entry: Entry, concepts: list[Concept]) -> Concept | None:
    """The one concept a resource's codings mean: a specific MS type wins over plain MS."""
    if len(concepts) > 1:
        specific = [c for c in concepts if not (c.field == "ms_type" and c.value == "unknown")]
        concepts = specific if len({(c.field, c.value) for c in specific}) == 1 else concepts
    if len({(c.field, c.value) for c in concepts}) > 1:
        reading.conflict("codes", [entry], "its codings mean " + " and ".join(f"{c.field} {c.value}" for c in concepts))
        return None
    return concepts[0] if concepts else None


def _coded(reading: _Reading, kind: str, element: str) -> list[_Coded]:
    found = []
    for entry in (e for e in reading.entries if e.kind == kind):
        resource = entry.resource
        verification = _code_of(resource.verificationStatus)
        if verification in _IGNORED_VERIFICATION:
            reading.note(entry, f"is {_IGNORED_VERIFICATION[verification]}: ignored")
            continue
        concept = _one(reading, entry, _concepts(reading, entry, "Condition.code", resource.code, element))
        if concept is None:
            continue
        status = _code_of(resource.clinicalStatus) or ""
        if not status and concept.field != "relapses_last_12_months":
            reading.note(entry, "has no clinicalStatus: ignored")
            continue
        found.append(_Coded(entry, concept, status))
    return found


def _observations(reading: _Reading) -> list[_Coded]:
    found = []
    for entry in (e for e in reading.entries if e.kind == "Observation"):
        status = entry.resource.status
        if status not in _FINAL:
            reading.note(entry, f"has status {status}: ignored")
            continue
        concept = _one(reading, entry, _concepts(reading, entry, "Observation.code", entry.resource.code, "code"))
        if concept is not None:
            found.append(_Coded(entry, concept, status))
    return found


def _code_of(codeable: Any) -> str | None:
    if codeable is None:
        return None
    return next((c.code for c in codeable.coding or [] if c.code), None)


def _condition_date(resource: Any) -> tuple[Span | None, str]:
    if resource.onsetDateTime is not None:
        return span(resource.onsetDateTime), "onsetDateTime"
    if resource.onsetPeriod is not None and resource.onsetPeriod.start is not None:
        return span(resource.onsetPeriod.start), "onsetPeriod.start"
    return None, "onset"


def _observation_date(resource: Any) -> tuple[Span | None, str]:
    if resource.effectiveDateTime is not None:
        return span(resource.effectiveDateTime), "effectiveDateTime"
    if resource.effectivePeriod is not None and resource.effectivePeriod.start is not None:
        return span(resource.effectivePeriod.start), "effectivePeriod.start"
    if resource.effectiveInstant is not None:
        return span(resource.effectiveInstant), "effectiveInstant"
    return None, "effective[x]"


# ----------------------------------------------------------------------------- MS type, onset
def _ms_type(reading: _Reading, conditions: list[_Coded]) -> None:
    for item in conditions:
        if item.concept.field == OUT_OF_SCOPE and item.status in ACTIVE:
            reading.problems.append(problem(reading.file, f"{item.entry.path}.code", f"the record has an active "
                                            f"{item.concept.value} diagnosis: this decision aid is for MS only, and "
                                            "its options do not apply", "not-ms"))
    ms = [c for c in conditions if c.concept.field == "ms_type"]
    current = [c for c in ms if c.status in ACTIVE | {"remission"}]  # MS in remission keeps its type
    if current:
        dated = [(_diagnosis_day(c.entry.resource), c) for c in current]
        known = [(day, c) for day, c in dated if day is not None]
        if known:
            latest = max(day for day, _ in known)
            chosen = [c for day, c in dated if day is None or day == latest]
        else:
            chosen = current
        values = {c.concept.value for c in chosen}
        if len(values) > 1:
            reading.conflict("MS types", [c.entry for c in chosen], "most recent active diagnoses: " +
                             " and ".join(sorted(values)))
        else:
            pick = chosen[0]
            reading.set("ms_type", pick.concept.value, Source(pick.entry.label, "Condition.code", f"{pick.entry.path}.code"))
    onsets = []
    for item in ms:
        days, element = _condition_date(item.entry.resource)
        if days is not None:
            onsets.append((days, element, item.entry))
    if onsets:
        days, element, entry = min(onsets, key=lambda o: o[0][0])
        if days[0] != days[1]:
            reading.note(entry, f"Condition.{element} is not a full date: years since first symptoms not worked out",
                         "partial-date")
        elif days[0] <= reading.on:
            years = round((reading.on - days[0]).days / 365.25, 1)
            reading.set("years_since_first_symptoms", years,
                        Source(entry.label, f"Condition.{element} {days[0]} (first MS onset) at {reading.on}",
                               f"{entry.path}.{element}"))


def _diagnosis_day(resource: Any) -> dt.date | None:
    recorded = span(resource.recordedDate)
    onset, _ = _condition_date(resource)
    chosen = recorded or onset
    return chosen[1] if chosen else None


# ----------------------------------------------------------------------------- relapses, EDSS, pregnancy
def _relapses(reading: _Reading, conditions: list[_Coded], observations: list[_Coded]) -> None:
    events = [(c.entry, _condition_date(c.entry.resource)) for c in conditions if c.concept.field == "relapses_last_12_months"]
    events += [(o.entry, _observation_date(o.entry.resource)) for o in observations
               if o.concept.field == "relapses_last_12_months"]
    if not events:
        return
    since = {12: months_before(reading.on, 12), 24: months_before(reading.on, 24)}
    counted: dict[int, list[Source]] = {12: [], 24: []}
    dated: list[tuple[dt.date, Source]] = []
    for entry, (when, element) in events:
        if when is None:
            reading.note(entry, "is a relapse without a date: relapse counts cannot be worked out", "undated-relapse")
            return
        if when[0] > reading.on:
            reading.note(entry, f"is a relapse dated after {reading.on}: not counted")
            continue
        source = Source(entry.label, f"{entry.kind}.{element} {when[0]}", f"{entry.path}.{element}")
        for months in (12, 24):
            inside, outside = when[0] >= since[months], when[1] < since[months]
            if not inside and not outside:
                reading.note(entry, f"is a relapse dated only as {when[0]:%Y-%m}: it may or may not fall in the last "
                             f"{months} months, so relapse counts cannot be worked out", "partial-date")
                return
            if inside:
                counted[months].append(source)
        dated.append((when[0], source))
    if not dated:
        return
    everything = [source for _, source in dated]  # a zero count rests on the relapses the record does hold
    for months in (12, 24):
        reading.set(f"relapses_last_{months}_months", len(counted[months]), *(counted[months] or everything))
    reading.fields["_relapses"] = _Found(dated, everything)


def _latest(reading: _Reading, items: list[_Coded], what: str) -> tuple[_Coded, Span, str] | None:
    dated = []
    for item in items:
        when, element = _observation_date(item.entry.resource)
        if when is None:
            reading.note(item.entry, f"is {what} without a date: not used", "undated")
        else:
            dated.append((when[1], item, when, element))
    if not dated:
        return None
    latest = max(d for d, *_ in dated)
    newest = [(item, when, element) for d, item, when, element in dated if d == latest]
    if len({_value_key(item) for item, _, _ in newest}) > 1:
        reading.conflict(what, [item.entry for item, _, _ in newest], f"different values on {latest}")
        return None
    return newest[0]


def _value_key(item: _Coded) -> object:
    resource = item.entry.resource
    if resource.valueQuantity is not None:
        return resource.valueQuantity.value
    if resource.valueInteger is not None:
        return resource.valueInteger
    if resource.valueCodeableConcept is not None:
        return tuple(sorted((c.system, c.code) for c in resource.valueCodeableConcept.coding or []))
    return None


def _edss(reading: _Reading, observations: list[_Coded]) -> None:
    latest = _latest(reading, [o for o in observations if o.concept.field == "edss"], "EDSS scores")
    if latest is None:
        return
    item, when, element = latest
    resource, path = item.entry.resource, item.entry.path
    value = resource.valueQuantity.value if resource.valueQuantity is not None else resource.valueInteger
    if value is None:
        reading.problems.append(problem(reading.file, f"{path}.value[x]", "an EDSS Observation needs valueQuantity "
                                        "or valueInteger", "edss-value"))
        return
    score = float(value)
    if not 0 <= score <= 10 or score * 2 != int(score * 2):
        reading.problems.append(problem(reading.file, f"{path}.value[x]", f"EDSS {value} is not 0 to 10 in steps of "
                                        "0.5", "edss-value"))
        return
    reading.set("edss", score, Source(item.entry.label, f"Observation.value[x], {element} {when[1]} (latest EDSS)",
                                      f"{path}.value[x]"))


#: yes/no tables whose answers mean the same for a pregnancy and a breastfeeding status
_YES_NO_SYSTEMS = ("v2-0136",)


def _pregnancy(reading: _Reading, observations: list[_Coded]) -> None:
    """`pregnant` from the latest recent pregnancy status, `breastfeeding` from the latest breastfeeding
    status; an answer coded for the other question (e.g. "Mother currently breast-feeding" as a
    pregnancy status) is not read."""
    answers = reading.fhir_map.lookup("valueCodeableConcept")
    generic = {reading.fhir_map.systems.get(s, s) for s in _YES_NO_SYSTEMS}
    oldest = reading.on - dt.timedelta(days=reading.fhir_map.recent_days)
    for field, kind, what in (("pregnant", "pregnancy_status", "pregnancy status"),
                              ("breastfeeding", "lactation_status", "breastfeeding status")):
        latest = _latest(reading, [o for o in observations if o.concept.value == kind], what)
        if latest is None:
            continue
        item, when, _ = latest
        if when[1] < oldest or when[0] > reading.on:
            reading.note(item.entry, f"is a {what} from {when[1]}, not within {reading.fhir_map.recent_days} days "
                         f"of {reading.on}: not used", "not-current")
            continue
        value = item.entry.resource.valueCodeableConcept
        keys = [(c.system or "", c.code or "") for c in (value.coding if value else None) or []]
        meant = {answers[k].value for k in keys if k in answers and (answers[k].field == field or k[0] in generic)}
        if len(meant) != 1:
            reading.note(item.entry, f"has a {what} value not in the map: not used")
            continue
        reading.set(field, meant.pop(), Source(item.entry.label, f"Observation.valueCodeableConcept ({what}, {when[1]})",
                                               f"{item.entry.path}.valueCodeableConcept"))


# ----------------------------------------------------------------------------- comorbidities
def _comorbidities(reading: _Reading, conditions: list[_Coded]) -> None:
    found: dict[str, list[Source]] = defaultdict(list)
    for item in (c for c in conditions if c.concept.field == "comorbidities"):
        label = Source(item.entry.label, f"Condition.code ({item.status})", f"{item.entry.path}.code")
        if item.status in ACTIVE:
            found[item.concept.value].append(label)
        elif item.concept.when_resolved is not None:
            found[item.concept.when_resolved].append(label)
        else:
            reading.note(item.entry, f"is {item.concept.value} with status {item.status}: history, not current",
                         "history")
    if found:
        order = [c for c in COMORBIDITIES if c in found]
        reading.set("comorbidities", order, *(s for name in order for s in found[name]))


# ----------------------------------------------------------------------------- drugs
@dataclass(frozen=True)
class _Course:
    entry: Entry
    drug: str  # drug id
    start: Span | None
    end: Span | None
    current: bool
    stopped_because: str | None
    element: str


def _drugs(reading: _Reading) -> None:
    courses = [c for e in reading.entries if e.kind in ("MedicationStatement", "MedicationRequest")
               if (c := _course(reading, e)) is not None]
    current = [c for c in courses if c.current]
    drugs = {c.drug for c in current}
    if len(drugs) > 1:
        reading.conflict("current MS drugs", [c.entry for c in current], "active at once: " + " and ".join(sorted(drugs)))
        return
    by_id = {d.id: d for d in reading.catalogue.drugs}
    if current:
        course = min(current, key=lambda c: c.start[0] if c.start else dt.date.max)
        drug = by_id[course.drug]
        reading.set("current_dmt", drug.generic, Source(course.entry.label, course.element.split(" ")[0] + " (active)",
                                                       course.entry.path))
        if course.start is not None and course.start[0] == course.start[1]:
            start = course.start[0]
            reading.set("current_dmt_months", whole_months(start, reading.on),
                        Source(course.entry.label, f"{course.element} start {start} to {reading.on}", course.entry.path))
            full_course = months_before(start, -FULL_COURSE_MONTHS)  # activity before this is too early to judge
            relapses = reading.fields.get("_relapses")
            later = [source for day, source in (relapses.value if relapses else []) if full_course <= day]
            if later:  # a relapse after the first months on the drug; no relapse proves nothing (MRI)
                reading.set("activity_on_current_dmt", "yes", *later,
                            Source(course.entry.label, f"{course.element} start {start}", course.entry.path))
    priors = sorted((c for c in courses if not c.current), key=lambda c: (c.start[0] if c.start else dt.date.max,
                                                                         c.entry.index))
    if priors:
        entries, sources = [], []
        for course in priors:
            item: dict[str, Any] = {"drug": by_id[course.drug].generic}
            sources.append(Source(course.entry.label, course.element.split(" ")[0], course.entry.path))
            if course.start and course.end and course.start[0] == course.start[1] and course.end[0] == course.end[1]:
                item["months"] = whole_months(course.start[0], course.end[0])
            if course.stopped_because is not None:
                item["stopped_because"] = course.stopped_because
            entries.append(item)
        reading.set("prior_dmts", entries, *sources)


def _course(reading: _Reading, entry: Entry) -> _Course | None:
    resource = entry.resource
    if resource.status == "entered-in-error":
        reading.note(entry, "is entered in error: ignored")
        return None
    concept = _one(reading, entry, _medication_concepts(reading, entry))
    if concept is None:
        return None
    if entry.kind == "MedicationStatement":
        period, element = _statement_period(resource)
    else:
        period, element = _request_period(resource)
    start = span(period[0]) if period else None
    end = span(period[1]) if period else None
    if resource.status == "active" and (end is None or end[1] >= reading.on):
        current = True
    elif resource.status in ("completed", "stopped") or (resource.status == "active" and end is not None):
        current = False
    else:
        reading.note(entry, f"has status {resource.status}: ignored")
        return None
    if start is not None and start[0] > reading.on:
        reading.note(entry, f"starts after {reading.on}: ignored")
        return None
    return _Course(entry, concept.value, start, end, current, _stop_reason(reading, resource),
                   f"{entry.kind}.{element}")


def _stop_reason(reading: _Reading, resource: Any) -> str | None:
    """Why a drug was stopped, when its statusReason carries a code of the map (a list on a
    MedicationStatement, one CodeableConcept on a MedicationRequest)."""
    reasons = reading.fhir_map.lookup("statusReason")
    given = resource.statusReason
    for reason in given if isinstance(given, list) else [given] if given else []:
        for coding in reason.coding or []:
            if (hit := reasons.get((coding.system or "", coding.code or ""))) is not None:
                return hit.value
    return None


def _medication_concepts(reading: _Reading, entry: Entry) -> list[Concept]:
    resource = entry.resource
    if resource.medicationCodeableConcept is not None:
        return _concepts(reading, entry, "MedicationStatement.medication", resource.medicationCodeableConcept,
                         "medicationCodeableConcept")
    reference = resource.medicationReference.reference if resource.medicationReference else None
    target = _resolve(reading, entry, reference)
    if target is None:
        reading.note(entry, f"names a medication that is not in the record ({reference!r}): ignored")
        return []
    return _concepts(reading, entry, "MedicationStatement.medication", target.code, "medicationReference -> "
                     "Medication.code")


def _resolve(reading: _Reading, entry: Entry, reference: str | None) -> Any:
    if not reference:
        return None
    if reference.startswith("#"):
        return next((c for c in entry.resource.contained or [] if c.id == reference[1:]
                     and c.get_resource_type() == "Medication"), None)
    for other in reading.entries:
        if other.kind == "Medication" and reference in (f"Medication/{other.resource.id}", other.full_url):
            return other.resource
    return None


def _statement_period(resource: Any) -> tuple[tuple[Any, Any] | None, str]:
    if resource.effectivePeriod is not None:
        return (resource.effectivePeriod.start, resource.effectivePeriod.end), "effectivePeriod"
    if resource.effectiveDateTime is not None:
        return (resource.effectiveDateTime, None), "effectiveDateTime"
    return None, "effective[x]"


def _request_period(resource: Any) -> tuple[tuple[Any, Any] | None, str]:
    for dosage in resource.dosageInstruction or []:
        bounds = dosage.timing.repeat.boundsPeriod if dosage.timing and dosage.timing.repeat else None
        if bounds is not None:
            return (bounds.start, bounds.end), "dosageInstruction.timing.repeat.boundsPeriod"
    if resource.authoredOn is not None:
        return (resource.authoredOn, None), "authoredOn"
    return None, "authoredOn"


# ----------------------------------------------------------------------------- the profile
def _profile_data(reading: _Reading) -> dict[str, Any]:
    data = {name: found.value for name, found in reading.fields.items() if not name.startswith("_")}
    data.setdefault("ms_type", "unknown")
    data.setdefault("age", 0)  # unreachable: a record without a birth date is refused above
    return data


def _source_path(reading: _Reading, loc: tuple[Any, ...]) -> str:
    found = reading.fields.get(str(loc[0])) if loc else None
    return found.sources[0].path if found and found.sources else ""
