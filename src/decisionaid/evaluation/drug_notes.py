"""The patient's own drug: what its labels say that concerns this profile.

The passages come from rules/drugs.yaml (`label`), one per topic, shown only when the topic
concerns the patient: pregnancy when pregnant, breastfeeding when breastfeeding, the wait before
trying for a baby when children are planned (yes or unsure), what to check when MS is active on the
drug when it has been active in the last 12 months (and the patient did not say it was not active on
it), and the checks for everyone on it. A drug whose label is not encoded says so, rather than
falling back on a general text about other drugs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..pack.catalogue import Drug, DrugCatalogue
from ..pack.vocabulary import FactValue
from ..plumbing.i18n import N_, _, word_list
from ..profile.model import Profile

Topic = Literal["pregnancy", "breastfeeding", "before_pregnancy", "when_active", "while_on_it"]
#: what each topic is called where the label is missing
_TOPIC_WORDS = {"pregnancy": N_("pregnancy"), "breastfeeding": N_("breastfeeding"),
                "before_pregnancy": N_("the wait before trying for a baby"), "when_active": N_("what to check now")}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DrugNote(_Frozen):
    topic: Topic
    text: str


class TeamNote(_Frozen):
    """Clinical detail for the MS team, about pregnancy (and breastfeeding, the wait) or about activity."""

    topic: Literal["pregnancy", "when_active"]
    text: str


class CurrentDrug(_Frozen):
    """The current drug and the label passages that concern this patient."""

    id: str
    name: str
    notes: list[DrugNote]
    for_ms_team: list[TeamNote]
    sources: list[str]


class ContinueInPregnancy(_Frozen):
    """For a pregnant patient's MS team: a strong drug whose label (or practice beside it) allows continuing."""

    drug: str
    text: str
    sources: list[str]


def current_drug_notes(profile: Profile, facts: dict[str, FactValue], catalogue: DrugCatalogue) -> CurrentDrug | None:
    """The label passages about the patient's own drug that concern them; None without a known drug."""
    drug = catalogue.resolve(profile.current_dmt) if profile.current_dmt else None
    if drug is None:
        return None
    topics = _topics(profile, facts)
    label = drug.label
    if label is None:
        asked = [_(_TOPIC_WORDS[t]) for t in topics if t in _TOPIC_WORDS]
        # TRANSLATORS: {topics} lists what to ask about: pregnancy, breastfeeding, the wait before a baby, checks
        missing = _("We have not yet put the label of {drug} into this sheet. Ask your team about {topics} with "
                    "{drug}.")
        notes = [DrugNote(topic=t, text=missing.format(drug=drug.generic, topics=word_list(asked)))
                 for t in topics[:1] if asked]
        return CurrentDrug(id=drug.id, name=drug.generic, notes=notes, for_ms_team=[], sources=list(drug.sources))
    notes = [DrugNote(topic=t, text=text) for t in topics if (text := getattr(label, t))]
    team = []
    if label.for_ms_team and set(topics) & {"pregnancy", "breastfeeding", "before_pregnancy"}:
        team.append(TeamNote(topic="pregnancy", text=label.for_ms_team))
    if label.for_ms_team_when_active and "when_active" in topics:
        team.append(TeamNote(topic="when_active", text=label.for_ms_team_when_active))
    return CurrentDrug(id=drug.id, name=drug.generic, notes=notes, for_ms_team=team, sources=list(label.sources))


def continuing_in_pregnancy(facts: dict[str, FactValue], catalogue: DrugCatalogue) -> list[ContinueInPregnancy]:
    """For a pregnant patient: the high-efficacy drugs whose label allows continuing in pregnancy, and how."""
    if facts.get("pregnant") != "yes":
        return []
    return [ContinueInPregnancy(drug=d.generic, text=d.label.continue_in_pregnancy, sources=list(d.label.sources))
            for d in _labelled(catalogue) if d.tier == "high" and d.label and d.label.continue_in_pregnancy]


def breastfeeding_allowed(catalogue: DrugCatalogue, tier: str = "high") -> list[str]:
    """The drugs of a tier that an EU/UK or US label allows while breastfeeding, by generic name."""
    return [d.generic for d in _labelled(catalogue) if d.tier == tier and d.label and d.label.breastfeeding_allowed]


def _labelled(catalogue: DrugCatalogue) -> list[Drug]:
    return [d for d in catalogue.drugs if d.label is not None]


def _topics(profile: Profile, facts: dict[str, FactValue]) -> list[Topic]:
    topics: list[Topic] = []
    if facts.get("pregnant") == "yes":
        topics.append("pregnancy")
    if facts.get("breastfeeding") == "yes":
        topics.append("breastfeeding")
    if profile.plans_children in ("yes", "unsure"):
        topics.append("before_pregnancy")
    if facts.get("active_last_12_months") is True and profile.activity_on_current_dmt != "no":
        topics.append("when_active")
    topics.append("while_on_it")
    return topics
