"""The models of a rule pack: the YAML that rule authors edit.

    rules/
      pack.yaml          name, version, review dates, authors, reviewers, funding, changelog
      sources.yaml       every source the rules cite, with its kind
      drugs.yaml         the drug catalogue (see catalogue.py)
      options/<id>.yaml  one file per option: description, criteria, decision table,
                         benefits, risks, evidence, questions, seed quotes

Conditions use a closed vocabulary (facts.FIELDS) and are combined with all / any / not.
The models check shape and types; meaning (known fields, sources, quotes) is checked by loader.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictBool, StrictFloat, StrictInt, StrictStr, Tag

from .catalogue import DrugCatalogue

OPTION_IDS = ("no_change", "he_dmt", "ahsct", "msc", "msc_np", "nsc", "ipsc")
OptionId = Literal["no_change", "he_dmt", "ahsct", "msc", "msc_np", "nsc", "ipsc"]
Status = Literal["discuss", "discuss_with_caution", "trial_only", "unlikely_to_fit", "research_only", "needs_information"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
State = Literal["met", "not_met", "unknown"]
Certainty = Literal["high", "moderate", "low", "very_low", "none"]
SourceKind = Literal[
    "guideline",
    "peer_reviewed_trial",
    "peer_reviewed_review",
    "registry_cohort",
    "trial_registry",
    "nonprofit",
    "research_summary",
    "news",
    "patient_blog",
    "commercial_clinic",
]
Op = Literal["eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in", "includes", "excludes"]
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
SourceId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Text = Annotated[str, Field(min_length=1)]
Sources = Annotated[list[SourceId], Field(min_length=1)]
Scalar = Union[StrictBool, StrictInt, StrictFloat, StrictStr]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# ----------------------------------------------------------------------------- conditions
class Leaf(_Strict):
    """`{field: edss, op: lte, value: 5.5}`: one test of one fact."""

    field: Annotated[str, Field(min_length=1)]
    op: Op
    value: Scalar | Annotated[list[Union[StrictInt, StrictFloat, StrictStr]], Field(min_length=1)]


class AllOf(_Strict):
    all: Annotated[list[Condition], Field(min_length=1)]


class AnyOf(_Strict):
    any: Annotated[list[Condition], Field(min_length=1)]


class NotOf(_Strict):
    not_: Annotated[Condition, Field(alias="not")]
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


def _condition_kind(value: Any) -> str:
    if isinstance(value, BaseModel):
        return {Leaf: "leaf", AllOf: "all", AnyOf: "any", NotOf: "not"}[type(value)]
    if isinstance(value, dict):
        for key in ("all", "any", "not"):
            if key in value:
                return key
    return "leaf"


Condition = Annotated[
    Union[Annotated[Leaf, Tag("leaf")], Annotated[AllOf, Tag("all")], Annotated[AnyOf, Tag("any")], Annotated[NotOf, Tag("not")]],
    Discriminator(_condition_kind),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


def iter_leaves(condition: Condition) -> Iterator[Leaf]:
    """Every comparison inside a condition."""
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, NotOf):
        yield from iter_leaves(condition.not_)
    else:
        for child in condition.all if isinstance(condition, AllOf) else condition.any:
            yield from iter_leaves(child)


# ----------------------------------------------------------------------------- sourced content
class Quote(_Strict):
    """A verbatim quote from a seed document, with what published evidence says about it."""

    source: SourceId
    text: Text
    assessment: Literal["consistent", "partly_consistent", "unverified", "contradicted"]
    comment: Text
    better_sources: list[SourceId] = []


class Frequency(_Strict):
    """A natural frequency: `count` of `denominator` people in `population` had `outcome` in `time_frame`."""

    count: Annotated[int, Field(ge=0)]
    denominator: Literal[10, 100, 1000, 10000]
    outcome: Text
    time_frame: Text
    population: Text
    sources: Sources


class Statement(_Strict):
    """A benefit or a risk: shown when its condition is met (always, without a condition)."""

    id: Id
    when: Condition | None = None
    text: Text
    numbers: list[Frequency] = []
    certainty: Certainty | None = None
    sources: Sources
    quotes: list[Quote] = []


class Criterion(_Strict):
    id: Id
    label: Text
    when: Condition
    threshold: str = ""
    met: Text
    not_met: Text
    unknown: Text
    sources: Sources
    quotes: list[Quote] = []


class DecisionRow(_Strict):
    """Criterion states → status. An empty `when` matches every profile (the catch-all)."""

    when: dict[Id, State | Annotated[list[State], Field(min_length=1)]] = {}
    status: Status
    reason: str = ""


class DecisionTable(_Strict):
    hit_policy: Literal["first", "unique"] = "first"
    rows: Annotated[list[DecisionRow], Field(min_length=1)]


class Question(_Strict):
    text: Text
    when: Condition | None = None


class Study(_Strict):
    name: Text
    design: Text
    size: Annotated[int, Field(ge=1)] | None = None
    follow_up: Text
    result: Text
    sources: Sources


class Evidence(_Strict):
    certainty: Certainty
    maturity: Text
    summary: Text
    key_studies: list[Study] = []
    sources: Sources


class Option(_Strict):
    id: OptionId
    title: Text
    short_title: Text
    summary: Text
    what_it_is_like: Annotated[list[Text], Field(min_length=1)]
    availability: Text
    evidence: Evidence
    criteria: list[Criterion] = []
    decision: DecisionTable
    benefits: list[Statement] = []
    risks: list[Statement] = []
    questions: list[Question] = []
    quotes: list[Quote] = []


# ----------------------------------------------------------------------------- pack files
class Change(_Strict):
    version: Text
    date: dt.date
    changes: Annotated[list[Text], Field(min_length=1)]


class PackMeta(_Strict):
    name: Text
    title: Text
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    reviewed: dt.date
    next_review: dt.date
    authors: Annotated[list[Text], Field(min_length=1)]
    reviewers: Annotated[list[Text], Field(min_length=1)]
    funding: Text
    conflicts_of_interest: Text
    update_policy: Text
    seeds: str = "../seeds"
    changelog: Annotated[list[Change], Field(min_length=1)]


class Source(_Strict):
    id: SourceId
    title: Text
    citation: str = ""
    year: int | None = None
    kind: SourceKind
    url: str = ""
    other_urls: list[str] = []
    doi: str = ""
    note: str = ""
    seed: str = ""

    @property
    def commercial(self) -> bool:
        return self.kind == "commercial_clinic"


class SourcesFile(_Strict):
    sources: Annotated[list[Source], Field(min_length=1)]


class RulePack(BaseModel):
    """A loaded, checked rule pack. Built by loader.load_rule_pack, never by hand."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    meta: PackMeta
    sources: dict[str, Source]
    catalogue: DrugCatalogue
    options: dict[str, Option]  # in OPTION_IDS order
    digest: str
    seeds_dir: str
