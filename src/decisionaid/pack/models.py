"""The models of a rule pack: the YAML that rule authors edit.

    rules/
      pack.yaml          name, version, review dates, authors, reviewers, funding, changelog
      sources.yaml       every source the rules cite, with its kind
      drugs.yaml         the drug catalogue (see catalogue.py)
      safety.yaml        the safety-relevant facts that every option must weigh (see safety.py)
      options/<id>.yaml  one file per option: description, criteria, decision table,
                         benefits, risks, evidence, questions, seed quotes

Conditions use a closed vocabulary (facts.FIELDS) and are combined with all / any / not.
The models check shape and types; meaning (known fields, sources, quotes) is checked by loader.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic.json_schema import SkipJsonSchema
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
)

from ..plumbing.i18n import SOURCE_LANGUAGE, Language, N_, _, long_date
from .catalogue import DrugCatalogue

#: the lists of an option that hold statements (sourced text with numbers), in the order the sheet shows them
STATEMENT_KINDS = ("benefits", "risks", "having_children")
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
    "drug_label",
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

    field: Annotated[str, Field(min_length=1, description="A profile field or derived fact (see `decisionaid schema`).")]
    op: Annotated[Op, Field(description="Comparison; which ones apply depends on the field's type.")]
    value: Annotated[
        Scalar | Annotated[list[StrictInt | StrictFloat | StrictStr], Field(min_length=1)],
        Field(description="What the field is compared with; a list for `in` and `not_in`."),
    ]


class AllOf(_Strict):
    """Met when every condition is met (not met when one is not met)."""

    all: Annotated[list[Condition], Field(min_length=1)]


class AnyOf(_Strict):
    """Met when one condition is met (not met when every one is not met)."""

    any: Annotated[list[Condition], Field(min_length=1)]


class NotOf(_Strict):
    """Met when the condition is not met; unknown stays unknown."""

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
    Annotated[Leaf, Tag("leaf")] | Annotated[AllOf, Tag("all")] | Annotated[AnyOf, Tag("any")] | Annotated[NotOf, Tag("not")],
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
    said: ClassVar[tuple[str, ...]] = ("comment",)  # what a patient reads: translated (pack/said.py)
    said_beside: ClassVar[dict[str, str]] = {"text": "translation"}  # the quote keeps its words; its translation goes beside

    source: Annotated[SourceId, Field(description="A source with a `seed` file in sources.yaml.")]
    text: Annotated[Text, Field(description="Word for word from the seed (spaces and line breaks may differ).")]
    assessment: Annotated[Literal["consistent", "partly_consistent", "unverified", "contradicted"],
                          Field(description="How the claim compares with published evidence.")]
    comment: Annotated[Text, Field(description="What the evidence says, for the patient (shown on the sheet).")]
    better_sources: Annotated[list[SourceId], Field(description="Sources that back the comment.")] = []
    translation: SkipJsonSchema[str] = ""  # filled from the catalogue in another language (pack/said.py), never written


class Frequency(_Strict):
    """A natural frequency: `count` of `denominator` people in `population` had `outcome` in `time_frame`."""
    said: ClassVar[tuple[str, ...]] = ("outcome", "time_frame", "population", "people_note")  # what a patient reads: translated (pack/said.py)

    count: Annotated[int, Field(ge=0, description="How many people out of `denominator`.")]
    denominator: Annotated[Literal[10, 100, 1000, 10000],
                           Field(description="Use the same one for numbers that are compared.")]
    outcome: Annotated[Text, Field(description="What happened to them, e.g. 'died from the treatment'.")]
    time_frame: Annotated[Text, Field(description="Over what time, e.g. 'within 100 days'.")]
    population: Annotated[Text, Field(description="Who the number is about (the reference class), in words.")]
    population_when: Annotated[Condition | None, Field(
        description="The same population as a condition over the profile: who the study counted. The sheet "
        "leads with numbers whose population includes the patient (`applies_to_you`). Required by `rules check`.")] = None
    people: Annotated[Annotated[int, Field(ge=1)] | None, Field(
        description="How many people the number describes (the arm or group); null only where the source does "
        "not say, with `people_note` saying why. Required by `rules check`.")] = None
    people_note: Annotated[str, Field(description="Where `people` comes from, or why the source does not give it.")] = ""
    confirmed: Annotated[bool, Field(
        description="false when the number could not be checked against the study itself (e.g. it is only in a "
        "news report): the visit sheet never prints it on its first two pages.")] = True
    sources: Sources


class Statement(_Strict):
    """A benefit or a risk: shown when its condition is met (always, without a condition)."""
    said: ClassVar[tuple[str, ...]] = ("text",)  # what a patient reads: translated (pack/said.py)

    id: Id
    when: Annotated[Condition | None, Field(description="Shown only when this condition is met; always without it.")] = None
    text: Annotated[Text, Field(description="Plain words for the patient (reading grade 8 or lower).")]
    numbers: Annotated[list[Frequency], Field(description="Natural frequencies behind the text.")] = []
    matters_most_when: Annotated[Condition | None, Field(
        description="When this statement matters most for the patient (a risk: it leads the sheet's 'main risks' "
        "cell when this condition is met).")] = None
    certainty: Certainty | None = None
    sources: Sources
    quotes: list[Quote] = []


class Criterion(_Strict):
    """A test of the profile with three outcomes: met, not met, or unknown (a fact is missing)."""
    said: ClassVar[tuple[str, ...]] = ("label", "threshold", "met", "not_met", "unknown")  # what a patient reads: translated (pack/said.py)

    id: Id
    label: Annotated[Text, Field(description="A short name, shown on the clinician page.")]
    when: Annotated[Condition, Field(description="Met when this condition is provably true; not met when provably false.")]
    threshold: Annotated[str, Field(description="The threshold and who sets it, for clinicians.")] = ""
    met: Annotated[Text, Field(description="What the sheet says when the criterion is met.")]
    not_met: Annotated[Text, Field(description="What the sheet says when it is not met.")]
    unknown: Annotated[Text, Field(description="What the sheet says when a fact it needs is missing.")]
    sources: Sources
    quotes: list[Quote] = []


class DecisionRow(_Strict):
    """Criterion states → status. An empty `when` matches every profile (the catch-all)."""
    said: ClassVar[tuple[str, ...]] = ("reason",)  # what a patient reads: translated (pack/said.py)

    when: Annotated[dict[Id, State | Annotated[list[State], Field(min_length=1)]],
                    Field(description="Criterion id → the state (or states) this row needs.")] = {}
    status: Status
    reason: Annotated[str, Field(description="Why, in plain words; shown with the status.")] = ""


class DecisionTable(_Strict):
    """Rows are tried in order; the last row must be a catch-all (no `when`)."""

    hit_policy: Annotated[Literal["first", "unique"], Field(
        description="first: the first matching row wins, later rows may overlap earlier ones; "
        "unique: at most one row before the catch-all may match any profile.")] = "first"
    rows: Annotated[list[DecisionRow], Field(min_length=1)]


class Question(_Strict):
    said: ClassVar[tuple[str, ...]] = ("text",)  # what a patient reads: translated (pack/said.py)
    text: Text
    when: Condition | None = None


class Study(_Strict):
    said: ClassVar[tuple[str, ...]] = ("design", "follow_up", "result")  # what a patient reads: translated (pack/said.py)
    name: Text
    design: Text
    size: Annotated[int, Field(ge=1)] | None = None
    follow_up: Text
    result: Text
    sources: Sources


class Evidence(_Strict):
    said: ClassVar[tuple[str, ...]] = ("maturity", "summary")  # what a patient reads: translated (pack/said.py)
    certainty: Certainty
    maturity: Text
    summary: Text
    key_studies: list[Study] = []
    sources: Sources


class NotRelevant(_Strict):
    """Safety facts that do not concern this option, with why and who says so."""

    facts: Annotated[list[Id], Field(min_length=1, description="Fact ids from rules/safety.yaml.")]
    reason: Annotated[Text, Field(description="Why this option need not weigh it (shown in docs/rules.md).")]
    sources: Sources


class Option(_Strict):
    """One treatment option: rules/options/<id>.yaml."""
    said: ClassVar[tuple[str, ...]] = ("title", "short_title", "in_sentence", "summary", "what_it_is_like", "availability")  # what a patient reads: translated (pack/said.py)

    id: OptionId
    title: Text
    short_title: Text
    in_sentence: Annotated[str, Field(description="How the sheet names the option inside a sentence, for example "
                                      "'neural stem cell treatment' (default: the short title).")] = ""
    summary: Text
    what_it_is_like: Annotated[list[Text], Field(min_length=1)]
    what_it_is_like_sources: Annotated[Sources, Field(description=(
        "Sources of 'what it is like' and of the visit sheet's row on time in hospital and recovery."))] = []
    availability: Text
    evidence: Evidence
    criteria: list[Criterion] = []
    decision: DecisionTable
    benefits: list[Statement] = []
    risks: list[Statement] = []
    having_children: Annotated[list[Statement], Field(
        description="What this option means for having children later: shown, with its `when`, to people who "
        "plan children or are unsure.")] = []
    questions: list[Question] = []
    quotes: list[Quote] = []
    not_relevant: Annotated[list[NotRelevant], Field(
        description="Safety facts of rules/safety.yaml that this option does not weigh, each with a reason and a source.")] = []

    @property
    def name_in_sentence(self) -> str:
        """The option inside a sentence ("Do you agree that neural stem cell treatment does not fit me?")."""
        return self.in_sentence or self.short_title


# ----------------------------------------------------------------------------- pack files
class Change(_Strict):
    version: Text
    date: dt.date
    changes: Annotated[list[Text], Field(min_length=1)]


class ClinicalReview(_Strict):
    """One review of the content by an MS clinician outside the team that wrote it."""

    reviewer: Annotated[Text, Field(description="Who reviewed it (name, or a description the reviewer agreed to).")]
    role: Annotated[Text, Field(description="Their role, for example 'MS neurologist, university hospital'.")]
    date: dt.date
    scope: Annotated[str, Field(description="What they reviewed (the whole pack, one option...).")] = ""


class Translation(_Strict):
    """One language's translation of the patient-facing text (its catalogues are in locale/<language>/)."""

    reviews: Annotated[list[ClinicalReview], Field(description=(
        "Reviews of the translation by an MS clinician who speaks the language, newest first; empty while there "
        "are none (every document in the language then says so)."))] = []


#: what every document says while no MS clinician outside the team has reviewed the content
NOT_REVIEWED = N_("No MS doctor outside our team has checked this content yet.")
#: what every translated document says while no MS clinician who speaks its language has reviewed it
TRANSLATION_NOT_REVIEWED = N_("No MS doctor who speaks this language has checked this translation yet.")


class PackMeta(_Strict):
    """The rule pack's identity, review dates and governance: rules/pack.yaml."""
    said: ClassVar[tuple[str, ...]] = ("title", "funding", "conflicts_of_interest", "update_policy")  # what a patient reads: translated (pack/said.py)

    name: Text
    title: Text
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    reviewed: dt.date
    next_review: Annotated[dt.date, Field(description="After this date the sheet carries a warning and `rules check` warns.")]
    authors: Annotated[list[Text], Field(min_length=1)]
    reviewers: Annotated[list[Text], Field(min_length=1)]
    clinical_review: Annotated[list[ClinicalReview], Field(description=(
        "Reviews by MS clinicians outside the team, newest first; empty while there are none (every "
        "document then says so)."))] = []
    funding: Text
    conflicts_of_interest: Text
    update_policy: Text
    seeds: Annotated[str, Field(description="The folder of seed documents, relative to the rules folder.")] = "../seeds"
    changelog: Annotated[list[Change], Field(min_length=1)]
    translations: Annotated[dict[Language, Translation], Field(description=(
        "The languages this pack ships besides English, each with its reviews. A shipped language must be complete: "
        "`rules check --strict` compares its catalogues with the English."))] = {}

    @property
    def review_statement(self) -> str:
        """Whether MS clinicians outside the team reviewed the content, in one plain sentence or two."""
        return _reviewed(self.clinical_review, NOT_REVIEWED, N_("Checked by an MS doctor outside the team: {reviewer} "
                                                                "({role}), on {date}."))

    def translation_statement(self, language: str) -> str:
        """Whether an MS clinician who speaks `language` reviewed its translation ("" for English)."""
        if language == SOURCE_LANGUAGE:
            return ""
        translation = self.translations.get(language)  # type: ignore[call-overload]
        return _reviewed(translation.reviews if translation else [], TRANSLATION_NOT_REVIEWED,
                         N_("Translation checked by an MS doctor who speaks this language: {reviewer} ({role}), on {date}."))


def _reviewed(reviews: list[ClinicalReview], none: str, checked: str) -> str:
    if not reviews:
        return _(none)
    latest = reviews[0]
    said = _(checked).format(reviewer=latest.reviewer, role=latest.role, date=long_date(latest.date))
    return said + (" " + _("Scope: {scope}.").format(scope=latest.scope) if latest.scope else "")


class Source(_Strict):
    said: ClassVar[tuple[str, ...]] = ("note",)  # what a patient reads: translated (pack/said.py)
    id: SourceId
    title: Text
    citation: str = ""
    year: int | None = None
    kind: SourceKind
    url: str = ""
    other_urls: list[str] = []
    doi: str = ""
    note: str = ""
    seed: Annotated[str, Field(description="File name of the verbatim copy in the seeds folder, if any.")] = ""

    @property
    def commercial(self) -> bool:
        return self.kind == "commercial_clinic"


class SourcesFile(_Strict):
    """Every source the rules may cite: rules/sources.yaml."""

    sources: Annotated[list[Source], Field(min_length=1)]


class SafetyFact(_Strict):
    """A fact that can make an option unsafe or change how it is done: rules/safety.yaml.

    Every option must weigh it in a criterion that its decision table reads, or say under
    `not_relevant` why it does not concern it (checked by the loader)."""
    said: ClassVar[tuple[str, ...]] = ("label",)  # what a patient reads: translated (pack/said.py)

    id: Id
    label: Annotated[Text, Field(description="What the fact is, in a few words (the clinician page shows it).")]
    when: Annotated[Leaf, Field(description="The fact is present when this comparison holds.")]
    band: Annotated[list[StrictInt | StrictFloat] | None, Field(min_length=2, max_length=2,
        description="For a number field: a criterion weighs the fact when it compares the field with a limit "
        "in this range (inclusive). Without it, the limit must equal `when`'s value.")] = None
    sources: Sources


class SafetyFile(_Strict):
    """The safety-relevant facts that every option must weigh: rules/safety.yaml."""

    facts: list[SafetyFact]


class RulePack(BaseModel):
    """A loaded, checked rule pack. Built by loader.load_rule_pack, never by hand."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    meta: PackMeta
    sources: dict[str, Source]
    catalogue: DrugCatalogue
    options: dict[str, Option]  # in OPTION_IDS order
    safety: list[SafetyFact]
    digest: str
    seeds_dir: str
    rules_dir: str  # the folder it was read from, where its catalogues are (locale/)
    language: Language = SOURCE_LANGUAGE  # the language of its patient-facing text (pack/said.py)
