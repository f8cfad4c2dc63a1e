"""The drug catalogue (rules/drugs.yaml): generic and brand names, efficacy tier, flags.

Which drugs count as high-efficacy is data that rule authors maintain, never a list in code.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

Tier = Literal["low", "moderate", "high"]
#: drug families, as the labels group them: risks, checks and washout times differ by family
Group = Literal["interferon", "glatiramer", "teriflunomide", "fumarate", "s1p_modulator", "natalizumab",
                "anti_cd20", "alemtuzumab", "cladribine", "chemotherapy"]
GROUPS: tuple[str, ...] = Group.__args__  # type: ignore[attr-defined]
Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DrugLabel(_Strict):
    """What the current EU/UK and US labels say, in plain words, for a patient who takes this drug.

    Where the labels differ, the text shows both and the stricter reading decides. Each passage is
    shown only when it concerns the patient (see evaluation/drug_notes.py)."""
    said: ClassVar[tuple[str, ...]] = ("pregnancy", "breastfeeding", "before_pregnancy", "when_active", "while_on_it", "for_ms_team", "for_ms_team_when_active", "continue_in_pregnancy")  # translated (pack/said.py)

    pregnancy: Annotated[str, Field(min_length=1, description="In pregnancy: shown when pregnant.")]
    breastfeeding: Annotated[str, Field(min_length=1, description="While breastfeeding: shown when breastfeeding.")]
    breastfeeding_allowed: Annotated[bool, Field(
        description="True when an EU/UK or US label allows use while breastfeeding (named on the sheet).")]
    before_pregnancy: Annotated[str, Field(min_length=1, description=(
        "The wait or elimination before trying for a baby: shown when pregnant or when children are planned "
        "(yes or unsure)."))]
    when_active: Annotated[str, Field(description="What to check when MS is active on the drug.")] = ""
    while_on_it: Annotated[str, Field(description="Checks and facts for everyone on the drug (shown always).")] = ""
    for_ms_team: Annotated[str, Field(description=(
        "Clinical detail for the MS team on pregnancy, breastfeeding and the wait before trying for a baby."))] = ""
    for_ms_team_when_active: Annotated[str, Field(description=(
        "Clinical detail for the MS team when MS is active on the drug."))] = ""
    continue_in_pregnancy: Annotated[str, Field(description=(
        "For the MS team of any pregnant patient: where this label (or practice beside it) allows "
        "continuing a strong drug in pregnancy, and on what terms."))] = ""
    sources: Annotated[list[str], Field(min_length=1)]


class TrialResult(_Strict):
    """How well the drug worked in its pivotal trial, against the trial's comparator, as natural frequencies
    per 100 people: relapses a year (`relapses_a_year`), or people who had an outcome (`people`). One value,
    or the lowest and highest where two trials of one design differ."""

    said: ClassVar[tuple[str, ...]] = ("trials", "outcome", "over", "comparator")  # translated (pack/said.py)
    trials: Annotated[str, Field(min_length=1, description="The trial named in a sentence: 'the AFFIRM trial'.")]
    measure: Literal["relapses_a_year", "people"]
    outcome: Annotated[str, Field(description="For `people`: what happened to them, e.g. 'had a relapse'.")] = ""
    over: Annotated[str, Field(description="For `people`: the time, e.g. 'over 2 years'.")] = ""
    on_drug: Annotated[list[int], Field(min_length=1, max_length=2)]
    comparator: Annotated[str, Field(min_length=1, description="What the drug was compared with, e.g. 'placebo'.")]
    on_comparator: Annotated[list[int], Field(min_length=1, max_length=2)]
    ms_types: Annotated[list[Literal["CIS", "RRMS", "SPMS", "PPMS", "unknown"]], Field(description=(
        "The MS types this result is shown for; empty: every type that no other result of the drug names."))] = []
    sources: Annotated[list[str], Field(min_length=1)]

    @model_validator(mode="after")
    def _people_need_outcome(self) -> TrialResult:
        if self.measure == "people" and not (self.outcome and self.over):
            raise ValueError("a 'people' trial result needs its outcome and over")
        return self


class Drug(_Strict):
    said: ClassVar[tuple[str, ...]] = ("generic", "note")  # translated (pack/said.py)
    id: Id
    generic: Annotated[str, Field(min_length=1)]
    brands: list[str] = []
    tier: Tier
    drug_class: Annotated[str, Field(alias="class")] = ""
    group: Group
    cytotoxic: bool = False
    sources: Annotated[list[str], Field(min_length=1)]
    note: str = ""
    label: Annotated[DrugLabel | None, Field(description=(
        "Pregnancy, breastfeeding, the wait before trying for a baby and the checks, from the current "
        "labels; without it the sheet says the label is not encoded."))] = None
    trial_results: Annotated[list[TrialResult], Field(description=(
        "The pivotal trials' results that 'Keep your current plan' shows; without them it shows the tier's sentence."))] = []

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    def trial_result(self, ms_type: str) -> TrialResult | None:
        """The pivotal trial result for a patient with this MS type: the one naming the type, else a general one."""
        named = [r for r in self.trial_results if ms_type in r.ms_types]
        return (named or [r for r in self.trial_results if not r.ms_types] or [None])[0]


class DrugCatalogue(_Strict):
    said: ClassVar[tuple[str, ...]] = ("tiers",)  # translated (pack/said.py)
    tiers: dict[Tier, str]
    drugs: Annotated[list[Drug], Field(min_length=1)]
    _by_name: dict[str, Drug] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _names_unique(self) -> DrugCatalogue:
        seen: dict[str, str] = {}
        for drug in self.drugs:
            for name in {drug.id, drug.generic, *drug.brands}:
                key = name.casefold()
                if key in seen and seen[key] != drug.id:
                    raise ValueError(f"the name '{name}' is used by both '{seen[key]}' and '{drug.id}'")
                seen[key] = drug.id
        return self

    def model_post_init(self, context: object, /) -> None:
        self._by_name = {name.casefold(): d for d in self.drugs for name in (d.id, d.generic, *d.brands)}

    def learn_names(self, names: Callable[[str], str]) -> None:
        """Also know each drug by `names(generic)`: its generic name in another language (a profile may say
        "teriflunomida"). A name another drug already has is not learnt."""
        for drug in self.drugs:
            self._by_name.setdefault(names(drug.generic).strip().casefold(), drug)

    def rebind(self) -> None:
        """After a translated copy (pack/said.py): every known name resolves to this copy's drug."""
        by_id = {drug.id: drug for drug in self.drugs}
        self._by_name = {name: by_id[drug.id] for name, drug in self._by_name.items()}
        self.learn_names(lambda generic: generic)

    def resolve(self, name: str) -> Drug | None:
        """The drug a generic or brand name refers to, case-insensitively."""
        return self._by_name.get(name.strip().casefold())

    def suggest(self, name: str) -> str | None:
        """A "did you mean" hint for an unknown drug name."""
        names = sorted({n for d in self.drugs for n in (d.generic, *d.brands)})
        lowered = {n.casefold(): n for n in names}
        close = difflib.get_close_matches(name.strip().casefold(), list(lowered), n=3, cutoff=0.6)
        return " or ".join(f"'{lowered[c]}'" for c in close) or None
