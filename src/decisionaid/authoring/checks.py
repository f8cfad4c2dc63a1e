"""`rules check`: every problem in a rules folder, at once, each at file:line:col.

Stages, in the order a rule author meets them:

1. YAML hygiene, structure and types, references and seed quotes: loader.read_rule_pack;
2. decision tables: a final catch-all row (loader), rows that can never match and overlaps the
   hit policy forbids (tables.py);
3. balance and numbers: every option has a benefit and a harm; numbers in patient text come as
   natural frequencies with a denominator and a time frame, never as percentages, "1 in X" or
   relative risk alone;
4. limits of the engine: durable-rules hangs or fails when one rule is too wide (engineering
   notes §1.7); the loader asks the engine's own model of those limits about every condition, so
   that `sheet --rules` refuses what `rules check` refuses;
5. readability (warning): patient text above reading grade 8;
6. currency: a pack past its next-review date (warning; an error with `strict`);
7. the FHIR map (fhir-map.yaml, when the folder has one): its shape, fields and values the profile
   knows, every drug of drugs.yaml mapped, no code mapped twice (fhir/mapping.py);
8. translations (warning; an error with `strict`): for every language `pack.yaml` ships, its
   catalogue against the English as extracted now: missing, fuzzy and obsolete entries,
   placeholders that differ, a `.mo` not compiled from its `.po` (catalogues.py).

A warning on a line that carries `# noqa: CODE` (or a bare `# noqa`) is not reported; errors
cannot be silenced.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..fhir.mapping import map_path, read_fhir_map
from ..pack.loader import PackReading, read_rule_pack
from ..pack.models import STATEMENT_KINDS, Option, RulePack
from ..pack.tables import analyse_table
from ..plumbing.errors import Diagnostic, UserError
from ..plumbing.readability import (
    FORMULA,
    MAX_GRADE,
    PASSAGE_WORDS,
    as_sentence,
    reading_grade,
    word_count,
)
from ..plumbing.safeio import read_input
from ..plumbing.yamlpos import read_text
from .catalogues import extracted
from .catalogues import problems as catalogue_problems
from .readability import patient_texts, quotes_with_paths

_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s*(?:%|percent\b|per cent\b)", re.IGNORECASE)
_FREQUENCY = re.compile(r"\b\d[\d,]*(?:\.\d+)?\s+(?:in|out of)\s+(\d[\d,]*)\b")
_TIME = re.compile(r"\b(?:years?|months?|weeks?|days?|hours?|within|after|during|follow-up|lifetime|lifelong)\b",
                   re.IGNORECASE)
_RELATIVE = re.compile(r"\b(?:\d+(?:\.\d+)?\s*times\s+(?:more|less|as|higher|lower)|twice as|half as|halve[sd]?|"
                       r"double[sd]?|triple[sd]?|\d+\s*-?\s*fold|by (?:about |around )?(?:half|a third|one third|"
                       r"two thirds|a quarter|\d+(?:\.\d+)?\s*%))", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_NOQA = re.compile(r"#\s*noqa\b(?::\s*(?P<codes>[\w-]+(?:\s*,\s*[\w-]+)*))?", re.IGNORECASE)
_DENOMINATORS = {"10", "100", "1000", "10000"}


@dataclass(frozen=True)
class CheckResult:
    """What `rules check` found: the pack (None when it has errors) and every diagnostic, sorted."""

    root: Path
    pack: RulePack | None
    diagnostics: list[Diagnostic]
    files: int

    @property
    def errors(self) -> int:
        return sum(d.level == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.level == "warning" for d in self.diagnostics)


Report = Callable[..., None]


def check_rules(rules_dir: str | Path | None = None, *, today: dt.date | None = None, strict: bool = False) -> CheckResult:
    """Check a rules folder in stages and return every problem found.

    `today` is the date the review check compares with (default: today). With `strict`, warnings
    become errors.
    """
    reading = read_rule_pack(rules_dir)
    found = list(reading.diagnostics)

    silenced = _Silencer(reading)

    def report(path: Path, at: tuple[str | int, ...], message: str, code: str, level: str = "error") -> None:
        doc = reading.documents.get(path)
        if doc is not None:
            found.append(doc.diagnostic(at, message, code, level))

    failed = {d.file for d in reading.diagnostics if d.level == "error"}
    for path, option in reading.options.items():
        if reading.documents[path].file not in failed:  # over broken conditions these would only echo the errors
            _check_table(report, path, option, reading)
        _check_balance(report, path, option)
        _check_numbers(report, path, option)
        _check_populations(report, path, option)
        _check_reading(report, path, option, functools.partial(silenced.at, path, code="reading-grade"))
    if reading.catalogue is not None:
        _check_label_reading(report, reading)
    if reading.meta is not None:
        _check_review(report, reading, today or dt.date.today())
    found += _case_problems(reading)
    found += _map_problems(reading)
    found += _translation_problems(reading)
    found = [d for d in found if not silenced(d)]
    if strict:
        found = [replace(d, level="error") for d in found]
    found = sorted(set(found), key=lambda d: (d.file, d.line or 0, d.column or 0, d.code, d.message))
    case_files = len(list((reading.root / "tests").glob("*.yaml")))
    map_files = int(map_path(reading.root).is_file())
    return CheckResult(reading.root, reading.pack, found, len(reading.documents) + case_files + map_files)


def _translation_problems(reading: PackReading) -> list[Diagnostic]:
    if reading.meta is None or not reading.meta.translations or any(d.level == "error" for d in reading.diagnostics):
        return []  # over a pack that does not read, the catalogue's view of it would only echo its errors
    english = extracted(reading.root)
    return [replace(d, level="warning") for language in reading.meta.translations
            for d in catalogue_problems(reading.root, language, english=english)]


def _map_problems(reading: PackReading) -> list[Diagnostic]:
    """The FHIR map is optional in a rules folder; when present it is checked like the rules."""
    if not map_path(reading.root).is_file():
        return []
    return read_fhir_map(reading.root, reading.catalogue)[1]


def _case_problems(reading: PackReading) -> list[Diagnostic]:
    """Problems in the test-case files: their shape, unknown fields or drugs in their profiles, and
    expectations that name criteria or statements their option does not have."""
    from .ruletests import load_cases

    try:
        cases = load_cases(reading.root)
    except UserError as exc:
        return list(exc.diagnostics)
    options = {o.id: o for o in reading.options.values()}
    problems = []
    for file in sorted({case.file for case in cases}):
        doc = read_text(read_input(file)[0], file)  # loaded a moment ago by load_cases
        option = options.get(doc.data["option"])
        if option is None:
            continue
        known = {"criterion": [c.id for c in option.criteria],
                 "statement": [s.id for s in (*option.benefits, *option.risks, *option.having_children)]}
        for index, case in enumerate(doc.data["cases"]):
            for key, kind in (("met", "criterion"), ("not_met", "criterion"), ("unknown", "criterion"),
                              ("shown", "statement"), ("hidden", "statement")):
                for position, name in enumerate(case["expect"].get(key, [])):
                    if name not in known[kind]:
                        hint = difflib.get_close_matches(name, known[kind], n=1)
                        problems.append(doc.diagnostic(
                            ("cases", index, "expect", key, position),
                            f"option '{option.id}' has no {kind} '{name}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""),
                            f"unknown-{kind}"))
    return problems


# ----------------------------------------------------------------------------- tables
def _check_table(report: Report, path: Path, option: Option, reading: PackReading) -> None:
    doc = reading.documents[path]
    lines = {i: doc.where(("decision", "rows", i))[0] for i in range(len(option.decision.rows))}
    for problem in analyse_table(option.criteria, option.decision.rows, option.decision.hit_policy, lines):
        report(path, ("decision", "rows", problem.row), problem.message, problem.code)


# ----------------------------------------------------------------------------- balance and numbers
def _check_balance(report: Report, path: Path, option: Option) -> None:
    for kind, code, what in (("benefits", "missing-benefit", "a benefit"), ("risks", "missing-harm", "a harm (risk)")):
        if not getattr(option, kind):
            at = (kind,) if kind in option.model_fields_set else ("id",)
            report(path, at, f"option '{option.id}' has no {kind}: every option needs at least {what}, "
                   "so that the sheet shows both sides", code)


def _check_populations(report: Report, path: Path, option: Option) -> None:
    """Every number says whom it was counted in: how many people (`people`, or null with a note why) and
    who they were, as a condition (`population_when`), so the sheet can tell numbers about people like
    the patient from the rest."""
    for kind in STATEMENT_KINDS:
        for i, statement in enumerate(getattr(option, kind)):
            for n, number in enumerate(statement.numbers):
                at = (kind, i, "numbers", n)
                if "people" not in number.model_fields_set:
                    report(path, at, "this number does not say how many people it describes: add 'people' (the arm "
                           "or group), or 'people: null' with a 'people_note' when the source does not say",
                           "number-without-people", "warning")
                elif number.people is None and not number.people_note:
                    report(path, (*at, "people"), "'people: null' needs a 'people_note' saying why the source gives "
                           "no group size", "people-without-note", "warning")
                if number.population_when is None:
                    report(path, at, "this number does not say whom it was counted in as a condition: add "
                           "'population_when' (the study's population, e.g. {field: ms_type, op: eq, value: RRMS})",
                           "number-without-population", "warning")


def _check_numbers(report: Report, path: Path, option: Option) -> None:
    quoted = {at: quote.text for at, quote in quotes_with_paths(option)}
    for at, text in patient_texts(option):
        if "numbers" in at:
            continue  # structured numbers: their denominator and time frame are required fields
        allowed = quoted.get(at[:-1], "") if at[-1] == "comment" else ""
        for sentence in _SENTENCE.split(text):
            for match in _PERCENT.finditer(sentence):
                if match.group() not in allowed:  # a comment may repeat the percentage it discusses
                    report(path, at, f"'{match.group()}' is a percentage: write it as a natural frequency with a "
                           "denominator and a time frame, e.g. 'about 3 in 100 people within 5 years'",
                           "number-without-denominator", "warning")
            frequencies = list(_FREQUENCY.finditer(sentence))
            for match in frequencies:
                if match.group(1).replace(",", "") not in _DENOMINATORS:
                    report(path, at, f"'{match.group()}': use one of the denominators 10, 100, 1,000 or 10,000, "
                           "the same one for numbers that are compared", "number-odd-denominator", "warning")
            if frequencies and not _TIME.search(sentence):
                report(path, at, f"'{frequencies[0].group()}' has no time frame: say over what time "
                       "(e.g. 'within 2 years', 'in the weeks after treatment')", "number-without-time-frame", "warning")
            relative = _RELATIVE.search(sentence)
            if relative and not frequencies:
                report(path, at, f"'{relative.group()}' is a relative change on its own: give the numbers for "
                       "each group as natural frequencies ('5 in 100 against 10 in 100')", "relative-risk-only",
                       "warning")


# ----------------------------------------------------------------------------- readability
def _check_reading(report: Report, path: Path, option: Option, silenced: Callable[[tuple[str | int, ...]], bool]) -> None:
    texts = [(at, text) for at, text in patient_texts(option) if not silenced(at)]
    for at, text in texts:
        if word_count(text) >= PASSAGE_WORDS and (grade := round(reading_grade(text), 1)) > MAX_GRADE:
            report(path, at, f"reading grade {grade:.1f} ({FORMULA}) is above {MAX_GRADE:g}: use shorter "
                   "sentences and everyday words", "reading-grade", "warning")
    pooled = " ".join(as_sentence(text) for _, text in texts)
    if (grade := round(reading_grade(pooled), 1)) > MAX_GRADE:
        report(path, ("id",), f"the patient text of option '{option.id}' reads at grade {grade:.1f} ({FORMULA}), "
               f"above {MAX_GRADE:g}", "reading-grade", "warning")


#: the passages of a drug's label entry that the patient reads (for_ms_team is for clinicians)
LABEL_PATIENT_TEXT = ("pregnancy", "breastfeeding", "before_pregnancy", "when_active", "while_on_it")


def _check_label_reading(report: Report, reading: PackReading) -> None:
    """The label passages the sheet shows a patient about their own drug, graded like option text."""
    assert reading.catalogue is not None
    for i, drug in enumerate(reading.catalogue.drugs):
        for key in LABEL_PATIENT_TEXT if drug.label else ():
            text = getattr(drug.label, key)
            if text and word_count(text) >= PASSAGE_WORDS and (grade := round(reading_grade(text), 1)) > MAX_GRADE:
                report(reading.root / "drugs.yaml", ("drugs", i, "label", key), f"reading grade {grade:.1f} "
                       f"({FORMULA}) is above {MAX_GRADE:g}: use shorter sentences and everyday words",
                       "reading-grade", "warning")


# ----------------------------------------------------------------------------- currency
def _check_review(report: Report, reading: PackReading, today: dt.date) -> None:
    meta, path = reading.meta, reading.root / "pack.yaml"
    assert meta is not None
    if meta.next_review <= meta.reviewed:
        report(path, ("next_review",), f"next_review ({meta.next_review}) must come after reviewed ({meta.reviewed})",
               "review-dates")
    elif meta.next_review < today:
        report(path, ("next_review",), f"the rule pack was due for review on {meta.next_review} "
               f"({(today - meta.next_review).days} days ago): review the content, then update "
               "'reviewed' and 'next_review'", "review-overdue", "warning")
    if meta.reviewed > today:
        report(path, ("reviewed",), f"reviewed ({meta.reviewed}) is in the future", "review-dates", "warning")
    if meta.changelog[0].version != meta.version:
        report(path, ("changelog", 0, "version"), f"the newest changelog entry is for {meta.changelog[0].version}, "
               f"but the pack is version {meta.version}", "changelog-version", "warning")


class _Silencer:
    """Warnings on lines that say `# noqa` or `# noqa: CODE[, CODE]` are not reported."""

    def __init__(self, reading: PackReading) -> None:
        self.reading = reading
        self.paths = {doc.file: path for path, doc in reading.documents.items()}
        self.lines: dict[str, list[str]] = {}

    def __call__(self, diagnostic: Diagnostic) -> bool:
        if diagnostic.level != "warning" or diagnostic.line is None or diagnostic.file not in self.paths:
            return False
        return self._line_says(diagnostic.file, diagnostic.line, diagnostic.code)

    def at(self, path: Path, at: tuple[str | int, ...], code: str) -> bool:
        doc = self.reading.documents[path]
        line, _ = doc.where(at)
        return line is not None and self._line_says(doc.file, line, code)

    def _line_says(self, file: str, line: int, code: str) -> bool:
        if file not in self.lines:
            self.lines[file] = self.reading.texts[self.paths[file]].splitlines()
        text = self.lines[file][line - 1] if line <= len(self.lines[file]) else ""
        noqa = _NOQA.search(text)
        return bool(noqa) and (noqa.group("codes") is None  # type: ignore[union-attr]
                               or code in {c.strip().lower() for c in noqa.group("codes").split(",")})  # type: ignore[union-attr]
