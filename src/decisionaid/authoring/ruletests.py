"""Named rule test cases (rules/tests/<option>.yaml): running them, and measuring their coverage.

    option: ahsct
    cases:
      - name: core_indication_all_favourable
        description: "Relapsing MS, very active on ocrelizumab; young, short disease, low EDSS."
        profile: {age: 34, ms_type: RRMS, ...}      # a v1 profile, checked like any other
        expect:
          status: discuss                           # required
          met: [high_efficacy_breakthrough]         # criteria expected in each state
          not_met: [medical_reason_against]
          unknown: []
          shown: [higher_risk_group]                # benefit or risk statements expected to fire
          hidden: [fertility_women]                 # statements expected to stay silent

Coverage asks of the cases, option by option: is every decision row the first match of some case,
is every criterion seen met and not met (and unknown), and is every conditional statement seen
both fired and silent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..evaluation.assess import assess
from ..evaluation.engine import RuleEngine
from ..pack.catalogue import DrugCatalogue
from ..pack.models import OptionId, RulePack, State, Status
from ..plumbing.errors import Diagnostic, InputError, ProfileError, UserError
from ..plumbing.safeio import read_input
from ..plumbing.yamlpos import Document, ReadError, data_path, read_text
from ..profile.model import Profile
from ..profile.read import validate_profile

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,79}$")]
Ids = list[Annotated[str, Field(min_length=1)]]


class RuleTestError(UserError):
    """A rule test file failed to load or validate."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Expect(_Strict):
    status: Status
    met: Ids = []
    not_met: Ids = []
    unknown: Ids = []
    shown: Ids = []
    hidden: Ids = []


class Case(_Strict):
    name: Name
    description: Annotated[str, Field(min_length=1)]
    profile: dict[str, Any]
    expect: Expect


class CaseFile(_Strict):
    option: OptionId
    cases: Annotated[list[Case], Field(min_length=1)]


class RuleCase(_Strict):
    """One case as loaded: its option, the case as written, and its validated profile."""

    option: str
    case: Case
    file: str
    profile: Profile

    @property
    def id(self) -> str:
        return f"{self.option}::{self.case.name}"


class CaseResult(_Strict):
    option: str
    name: str
    passed: bool
    expected_status: Status
    actual_status: Status | None
    row: int | None  # index of the decision row that matched
    states: dict[str, State]
    shown: list[str]
    failures: list[str]

    def __str__(self) -> str:
        head = f"{'PASS' if self.passed else 'FAIL'} {self.option}::{self.name}"
        return "\n  ".join([head, *self.failures])


class OptionCoverage(_Strict):
    option: str
    rows_never_matched: list[str]
    never_met: list[str]
    never_not_met: list[str]
    never_unknown: list[str]
    never_shown: list[str]
    never_hidden: list[str]

    @property
    def complete(self) -> bool:
        """Every row matched, every criterion met and not met, every conditional statement fired and silent."""
        return not (self.rows_never_matched or self.never_met or self.never_not_met or self.never_shown or self.never_hidden)


class Coverage(_Strict):
    options: list[OptionCoverage]

    @property
    def complete(self) -> bool:
        return all(o.complete for o in self.options)

    def gaps(self) -> list[str]:
        """One line per gap, e.g. 'ahsct: criterion cis never seen not_met'."""
        lines = []
        for o in self.options:
            lines += [f"{o.option}: decision {row} never matched" for row in o.rows_never_matched]
            lines += [f"{o.option}: criterion {c} never seen {state}" for state, ids in
                      (("met", o.never_met), ("not_met", o.never_not_met)) for c in ids]
            lines += [f"{o.option}: statement {s} never seen {how}" for how, ids in
                      (("shown", o.never_shown), ("silent", o.never_hidden)) for s in ids]
        return lines


# ----------------------------------------------------------------------------- loading
def load_cases(rules_dir: str | Path) -> list[RuleCase]:
    """Every case of rules_dir/tests/*.yaml, in file order; raise RuleTestError listing every problem."""
    cases: list[RuleCase] = []
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    catalogue = _catalogue(Path(rules_dir) / "drugs.yaml")
    for path in sorted((Path(rules_dir) / "tests").glob("*.yaml")):
        name = str(path)
        try:
            doc = read_text(read_input(path, display=name)[0], name)
            parsed = CaseFile.model_validate(doc.data)
        except (InputError, ReadError) as exc:
            problems.extend(exc.diagnostics)
            continue
        except ValidationError as exc:
            problems.extend(doc.diagnostic(data_path(doc.data, e["loc"]), f"{'.'.join(map(str, e['loc']))}: {e['msg']}",
                                           "invalid-case") for e in exc.errors())
            continue
        if path.stem != parsed.option:
            problems.append(doc.diagnostic(("option",), f"cases for '{parsed.option}' must live in tests/{parsed.option}.yaml",
                                           "case-file-name"))
        for index, case in enumerate(parsed.cases):
            case_id = f"{parsed.option}::{case.name}"
            if case_id in seen:
                problems.append(doc.diagnostic(("cases", index, "name"), f"case '{case.name}' is defined twice", "duplicate-case"))
            seen.add(case_id)
            prefix = ("cases", index, "profile")
            positions = {p[len(prefix):]: at for p, at in doc.positions.items() if p[: len(prefix)] == prefix}
            try:
                profile = validate_profile(Document(case.profile, name, positions), catalogue)
            except ProfileError as exc:
                problems.extend(exc.diagnostics)
                continue
            cases.append(RuleCase(option=parsed.option, case=case, file=name, profile=profile))
    if problems:
        raise RuleTestError(problems)
    return cases


def _catalogue(path: Path) -> DrugCatalogue | None:
    """The drug catalogue that case profiles name drugs from (None if it cannot be read: `rules check` says why)."""
    try:
        return DrugCatalogue.model_validate(read_text(read_input(path)[0], str(path)).data)
    except (InputError, ReadError, ValidationError):
        return None


# ----------------------------------------------------------------------------- running
def run_cases(pack: RulePack, engine: RuleEngine, cases: list[RuleCase]) -> list[CaseResult]:
    """Evaluate every case against the pack and compare with what it expects."""
    return [_run(pack, engine, case) for case in cases]


def _run(pack: RulePack, engine: RuleEngine, rule_case: RuleCase) -> CaseResult:
    case, expect = rule_case.case, rule_case.case.expect
    option = pack.options.get(rule_case.option)
    base = dict(option=rule_case.option, name=case.name, expected_status=expect.status)
    if option is None:
        return CaseResult(**base, passed=False, actual_status=None, row=None, states={}, shown=[],
                          failures=[f"the rule pack has no option '{rule_case.option}'"])
    result = assess(rule_case.profile, pack, engine).option(option.id)
    states: dict[str, State] = {c.id: c.state for c in result.criteria}
    shown = [s.id for s in [*result.benefits, *result.risks, *result.having_children]]
    row = matching_row(pack, option.id, states)
    statements = {s.id: s for s in [*option.benefits, *option.risks, *option.having_children]}
    failures = []
    if result.status != expect.status:
        failures.append(f"status: expected {expect.status}, got {result.status} (row {row}: {result.reason})")
    for want in ("met", "not_met", "unknown"):
        for criterion in getattr(expect, want):
            if criterion not in states:
                failures.append(f"{want}: '{criterion}' is not a criterion of {option.id}")
            elif states[criterion] != want:
                failures.append(f"{criterion}: expected {want}, got {states[criterion]}")
    for statement in expect.shown:
        if statement not in statements:
            failures.append(f"shown: '{statement}' is not a statement of {option.id}")
        elif statement not in shown:
            failures.append(f"{statement}: expected to be shown, but it stayed silent")
    for statement in expect.hidden:
        if statement not in statements:
            failures.append(f"hidden: '{statement}' is not a statement of {option.id}")
        elif statements[statement].when is None:
            failures.append(f"{statement}: has no condition, so it is always shown")
        elif statement in shown:
            failures.append(f"{statement}: expected to stay silent, but it was shown")
    return CaseResult(**base, passed=not failures, actual_status=result.status, row=row, states=states, shown=shown,
                      failures=failures)


def matching_row(pack: RulePack, option_id: str, states: dict[str, State]) -> int:
    """The index of the first decision row of the option that these criterion states match."""
    for index, row in enumerate(pack.options[option_id].decision.rows):
        if all(states[c] in (want if isinstance(want, list) else [want]) for c, want in row.when.items()):
            return index
    raise AssertionError("the loader guarantees a final catch-all row")


# ----------------------------------------------------------------------------- coverage
def coverage(pack: RulePack, engine: RuleEngine, cases: list[RuleCase]) -> Coverage:
    """What the cases never exercise, option by option."""
    results = [r for r in run_cases(pack, engine, cases) if r.actual_status is not None]
    report = []
    for option in pack.options.values():
        mine = [r for r in results if r.option == option.id]
        rows = {r.row for r in mine}
        seen = {state: {c for r in mine for c, s in r.states.items() if s == state} for state in ("met", "not_met", "unknown")}
        conditional = [s.id for s in [*option.benefits, *option.risks, *option.having_children] if s.when is not None]
        fired = {s for r in mine for s in r.shown}
        report.append(OptionCoverage(
            option=option.id,
            rows_never_matched=[f"row {i} ({row.status}: {_when(row.when)})" for i, row in enumerate(option.decision.rows)
                                if i not in rows],
            never_met=[c.id for c in option.criteria if c.id not in seen["met"]],
            never_not_met=[c.id for c in option.criteria if c.id not in seen["not_met"]],
            never_unknown=[c.id for c in option.criteria if c.id not in seen["unknown"]],
            never_shown=[s for s in conditional if s not in fired],
            never_hidden=[s for s in conditional if all(s in r.shown for r in mine)],
        ))
    return Coverage(options=report)


def _when(when: dict[str, Any]) -> str:
    return ", ".join(f"{c}={'|'.join(w) if isinstance(w, list) else w}" for c, w in when.items()) or "catch-all"
