"""From a profile and a rule pack to an Assessment: every option with its status and reasons.

The engine says which criteria are met, not met or unknown and which statements fire; the
decision table of each option turns criterion states into one status (first matching row wins).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..pack.conditions import PACK, number_key, statement_key
from ..pack.models import STATEMENT_KINDS, Certainty, Frequency, Option, RulePack, Statement, Status, iter_leaves
from ..pack.vocabulary import FIELDS
from ..profile.facts import profile_facts, questions_that_do_not_apply
from ..profile.model import PROFILE_FIELDS, Profile
from .changes import Change, what_would_change
from .consistency import ConsistencyWarning, consistency_warnings
from .drug_notes import ContinueInPregnancy, CurrentDrug, continuing_in_pregnancy, current_drug_notes
from .engine import Fired, RuleEngine
from .status import decide

StateName = Literal["met", "not_met", "unknown"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReviewInfo(_Frozen):
    reviewer: str
    role: str
    date: dt.date


class PackInfo(_Frozen):
    name: str
    version: str
    reviewed: dt.date
    next_review: dt.date
    #: who outside the team reviewed the content clinically, and when (empty: no one yet)
    clinical_review: list[ReviewInfo] = []
    #: the same in one plain sentence, as every document prints it
    review_statement: str = ""


class EvidenceInfo(_Frozen):
    certainty: Certainty
    maturity: str


class CriterionResult(_Frozen):
    id: str
    label: str
    state: StateName
    text: str
    threshold: str
    sources: list[str]


Applies = Literal["yes", "no", "unknown"]


class NumberResult(_Frozen):
    """A natural frequency, with how many people it came from and whether they were people like this patient."""

    count: int
    denominator: int
    outcome: str
    time_frame: str
    population: str
    people: int | None  # the arm or group counted; None where the source does not say
    people_note: str
    applies_to_you: Applies  # the population's condition for this profile: met, not met, or a deciding fact missing
    confirmed: bool  # False: only in a report the team could not check against the study
    sources: list[str]

    @property
    def events(self) -> int | None:
        """About how many of the `people` counted had the outcome."""
        return None if self.people is None else round(self.count * self.people / self.denominator)


class StatementResult(_Frozen):
    id: str
    text: str
    numbers: list[NumberResult]
    matters_most: bool  # its `matters_most_when` holds for this profile: it leads the main risks
    certainty: Certainty | None
    sources: list[str]


class OptionResult(_Frozen):
    id: str
    title: str
    status: Status
    reason: str
    deciding_criteria: list[str]
    evidence: EvidenceInfo
    criteria: list[CriterionResult]
    benefits: list[StatementResult]
    risks: list[StatementResult]
    having_children: list[StatementResult]  # what the option means for having children later, when that was asked
    questions: list[str]
    sources: list[str]
    missing_information: list[str]  # what this option's unknown criteria needed, as in Assessment
    what_would_change: list[Change]  # for an option that needs information: single answers that decide it


class SafetyResult(_Frozen):
    id: str
    label: str


class Assessment(_Frozen):
    rule_pack: PackInfo
    rule_pack_digest: str
    profile_digest: str
    missing_information: list[str]
    safety_facts_present: list[SafetyResult]  # the facts of rules/safety.yaml that this profile has
    #: answers that seldom go together, to check; they never change a status
    consistency_warnings: list[ConsistencyWarning] = []
    options: list[OptionResult]
    #: the patient's own drug: the passages of its labels that concern this profile (None: no known drug)
    current_drug: CurrentDrug | None = None
    #: for a pregnant patient's MS team: strong drugs whose label allows continuing in pregnancy
    continue_in_pregnancy: list[ContinueInPregnancy] = []

    def option(self, option_id: str) -> OptionResult:
        return next(o for o in self.options if o.id == option_id)


def assess(profile: Profile, pack: RulePack, engine: RuleEngine) -> Assessment:
    """Evaluate one profile against every option of the rule pack."""
    facts = profile_facts(profile, pack.catalogue)
    fired = engine.evaluate(facts)
    entered = profile.entered_fields()
    skip = questions_that_do_not_apply(profile)
    missing = {o.id: _missing(o, fired, set(facts), entered) - skip for o in pack.options.values()}
    options = [_option_result(option, fired, missing[option.id]) for option in pack.options.values()]
    changes = what_would_change(profile, pack, engine, [o.id for o in options if o.status == "needs_information"])
    options = [o.model_copy(update={"what_would_change": changes[o.id]}) if o.id in changes else o for o in options]
    meta = pack.meta
    return Assessment(
        rule_pack=PackInfo(name=meta.name, version=meta.version, reviewed=meta.reviewed, next_review=meta.next_review,
                           clinical_review=[ReviewInfo(reviewer=r.reviewer, role=r.role, date=r.date)
                                            for r in meta.clinical_review],
                           review_statement=meta.review_statement),
        rule_pack_digest=pack.digest,
        profile_digest=profile.digest(),
        missing_information=_in_contract_order(set().union(*missing.values())),
        safety_facts_present=[SafetyResult(id=f.id, label=f.label) for f in pack.safety
                              if fired.shown(PACK, "safety", f.id)],
        consistency_warnings=consistency_warnings(profile),
        options=options,
        current_drug=current_drug_notes(profile, facts, pack.catalogue),
        continue_in_pregnancy=continuing_in_pregnancy(facts, pack.catalogue),
    )


def _option_result(option: Option, fired: Fired, missing: set[str]) -> OptionResult:
    states = {c.id: fired.state(option.id, c.id) for c in option.criteria}
    row = decide(option.decision.rows, states)
    criteria = [
        CriterionResult(
            id=c.id, label=c.label, state=states[c.id], text=getattr(c, states[c.id]),
            threshold=c.threshold, sources=list(c.sources),
        )
        for c in option.criteria
    ]
    benefits, risks, children = ([_statement(option.id, kind, s, fired) for s in getattr(option, kind)
                                  if s.when is None or fired.shown(option.id, kind, s.id)] for kind in STATEMENT_KINDS)
    questions = [q.text for i, q in enumerate(option.questions) if q.when is None or fired.shown(option.id, "questions", str(i))]
    used = [*option.evidence.sources, *(s for c in criteria for s in c.sources),
            *(s for st in benefits + risks + children for s in st.sources)]
    return OptionResult(
        id=option.id,
        title=option.title,
        status=row.status,
        reason=row.reason,
        deciding_criteria=list(row.when),
        evidence=EvidenceInfo(certainty=option.evidence.certainty, maturity=option.evidence.maturity),
        criteria=criteria,
        benefits=benefits,
        risks=risks,
        having_children=children,
        questions=questions,
        sources=list(dict.fromkeys(used)),
        missing_information=_in_contract_order(missing),
        what_would_change=[],
    )


def _statement(option: str, kind: str, statement: Statement, fired: Fired) -> StatementResult:
    numbers = [_number(n, fired.applies(option, number_key(kind, statement.id, i)) if n.population_when else "unknown")
               for i, n in enumerate(statement.numbers)]
    matters = statement.matters_most_when is not None and fired.shown(option, "matters_most", statement_key(kind, statement.id))
    return StatementResult(id=statement.id, text=statement.text, numbers=numbers, matters_most=matters,
                           certainty=statement.certainty, sources=list(statement.sources))


def _number(number: Frequency, applies: Applies) -> NumberResult:
    return NumberResult(count=number.count, denominator=number.denominator, outcome=number.outcome,
                        time_frame=number.time_frame, population=number.population, people=number.people,
                        people_note=number.people_note, applies_to_you=applies, confirmed=number.confirmed,
                        sources=list(number.sources))


def _missing(option: Option, fired: Fired, known_facts: set[str], entered: dict[str, object]) -> set[str]:
    """Profile fields that were not given and that an unknown criterion of `option` needed; and
    derived facts that stayed unknown although their inputs were given."""
    needed: set[str] = set()
    for criterion in option.criteria:
        if fired.state(option.id, criterion.id) != "unknown":
            continue
        for leaf in iter_leaves(criterion.when):
            if leaf.field in known_facts:
                continue
            spec = FIELDS[leaf.field]
            absent = [f for f in spec.inputs if not _given(entered, f)]
            needed.update(absent or ([leaf.field] if spec.derived else []))
            if spec.derived and "prior_dmts" in spec.inputs:
                needed.update(_incomplete_prior_dmts(entered))
    return needed


def _in_contract_order(fields: set[str]) -> list[str]:
    order = [*PROFILE_FIELDS, *(f for f in FIELDS if f not in PROFILE_FIELDS)]
    return sorted(fields, key=lambda f: (_rank(order, f), f))


def _given(entered: dict[str, object], field: str) -> bool:
    value: object = entered
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return value != "unknown"


def _incomplete_prior_dmts(entered: dict[str, object]) -> list[str]:
    priors = entered.get("prior_dmts")
    if not isinstance(priors, list):
        return []
    return [f"prior_dmts.{i}.{key}" for i, p in enumerate(priors) for key in ("months", "stopped_because") if key not in p]


def _rank(order: list[str], field: str) -> int:
    head = field.split(".")[0]
    for index, name in enumerate(order):
        if name == field or name == head:
            return index
    return len(order)
