"""The patient's own drug on the sheet: its label passages that concern them (for the patient) and
the clinical detail (for the MS team), each with its numbered sources."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..evaluation.assess import Assessment
from ..plumbing.i18n import _
from .sources import RefView, SourceNumbering

#: sources cited per line (the label first): the visit sheet must keep to its three pages
KEY_SOURCES = 2
TEAM_SOURCES = 3
#: topics the visit sheet leaves to the booklet: they concern everyone on the drug, not this visit
BOOKLET_ONLY = ("while_on_it",)
#: the MS team's detail that the visit sheet's page 3 gives (pregnancy, breastfeeding, the wait); the booklet has all
TEAM_TOPICS = ("pregnancy",)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DrugLine(_Frozen):
    text: str
    refs: list[RefView]


class OwnDrugView(_Frozen):
    """'Your MS drug: teriflunomide': the label passages for the patient, and the MS team's lines."""

    name: str
    notes: list[DrugLine]
    for_ms_team: list[DrugLine]


def own_drug_view(assessment: Assessment, numbering: SourceNumbering, short: bool = False) -> OwnDrugView | None:
    """The patient's drug and what its labels say that concerns them; None when nothing does. `short`
    (the visit sheet, which must keep to its pages) leaves out what concerns everyone on the drug, and
    gives the MS team the label detail only on pregnancy, breastfeeding and the wait before a baby."""
    drug = assessment.current_drug
    notes = [] if drug is None else [DrugLine(text=n.text, refs=numbering.refs(drug.sources[:KEY_SOURCES]))
                                     for n in drug.notes if not (short and n.topic in BOOKLET_ONLY)]
    # TRANSLATORS: the patient's drug, then what its label says for the MS team
    team = [DrugLine(text=_("{drug}: {text}").format(drug=drug.name, text=n.text),
                     refs=numbering.refs(drug.sources[:TEAM_SOURCES]))
            for n in (drug.for_ms_team if drug else []) if not (short and n.topic not in TEAM_TOPICS)]
    team += [DrugLine(text=_("Continuing a strong drug in pregnancy, {drug}: {text}").format(drug=c.drug, text=c.text),
                      refs=numbering.refs(c.sources[:1] + [s for s in c.sources if "PREGNANCY" in s]))
             for c in assessment.continue_in_pregnancy]
    if not notes and not team:
        return None
    return OwnDrugView(name=drug.name if drug else "", notes=notes, for_ms_team=team)
