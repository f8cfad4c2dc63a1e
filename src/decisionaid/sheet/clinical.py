"""Page 3 of the visit sheet in the MS team's words: the profile as a clinician writes it, each
option's deciding criteria with their thresholds, and the contraindications present."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..evaluation.assess import Assessment, OptionResult
from ..pack.models import RulePack
from ..profile.model import Profile
from .sources import RefView, SourceNumbering
from .words import join_words, lower_first

STATUS_WORDS = {
    "discuss": "fits the published criteria",
    "discuss_with_caution": "fits, with cautions",
    "trial_only": "trial only",
    "unlikely_to_fit": "unlikely to fit",
    "research_only": "laboratory research only",
    "needs_information": "needs information",
}
STATE_MARK = {"met": "met", "not_met": "not met", "unknown": "unknown"}
#: sources cited per criterion line on page 3 (its key ones, listed first in the rules); the booklet cites all
KEY_SOURCES = 2
SEX_WORDS = {"female": "woman", "male": "man"}
WALKING_WORDS = {"unaided": "walks unaided", "one_aid": "walks with one aid", "two_aids": "walks with two aids",
                 "wheelchair": "uses a wheelchair"}
STOP_WORDS = {"not_effective": "not effective", "side_effects": "side effects", "safety_risk": "safety risk",
              "pregnancy": "pregnancy", "other": "other reason"}
CONDITION_WORDS = {"active_infection": "active infection", "hiv": "HIV", "hepatitis_b": "hepatitis B",
                   "hepatitis_c": "hepatitis C", "cancer_active_or_recent": "active or recent cancer",
                   "cancer_history": "past cancer", "other_autoimmune_disease": "other autoimmune disease"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CriterionLine(_Frozen):
    state: str
    text: str  # the threshold and who sets it, or the criterion's name when it has no threshold
    refs: list[RefView]


class ClinicalOption(_Frozen):
    name: str
    status: str
    criteria: list[CriterionLine]


def clinical_profile(profile: Profile, pack: RulePack) -> str:
    """'34-year-old woman. RRMS, 6 years, EDSS 3.5, walks unaided; 2 relapses and 4 new T2 / 2 Gd+ lesions
    in 12 months; natalizumab 18 months; dimethyl fumarate 20 months, stopped: not effective.'"""
    who = f"{profile.age}-year-old {SEX_WORDS.get(profile.sex or '', 'person')}"
    disease: list[str] = [profile.ms_type if profile.ms_type != "unknown" else "MS type not known"]
    years = profile.years_since_first_symptoms
    disease.append(f"{years:g} years since first symptoms" if years is not None else "duration not known")
    disease.append(f"EDSS {profile.edss:g}" if profile.edss is not None else "EDSS not known")
    if profile.walking:
        disease.append(WALKING_WORDS[profile.walking])
    activity = []
    r12 = profile.relapses_last_12_months
    activity.append(f"{r12} relapse{'s' if r12 != 1 else ''}" if r12 is not None else "relapses not known")
    if profile.relapses_last_24_months is not None:
        activity[-1] += f" ({profile.relapses_last_24_months} in 24 months)"
    mri = profile.mri_last_12_months
    t2 = "?" if mri is None or mri.new_or_enlarging_t2_lesions is None else str(mri.new_or_enlarging_t2_lesions)
    gd = "?" if mri is None or mri.gadolinium_enhancing_lesions is None else str(mri.gadolinium_enhancing_lesions)
    activity.append(f"{t2} new T2 / {gd} Gd+ lesions in 12 months" if mri else "MRI not known")
    worse = {"yes": "disability worse", "no": "disability not worse"}.get(profile.disability_worsening_last_12_months or "",
                                                                           "disability change not known")
    parts = [who, ", ".join(disease), " and ".join(activity) + f"; {worse}", _treatment(profile, pack)]
    parts.append(_others(profile))
    return ". ".join(p[0].upper() + p[1:] for p in parts if p) + "."


def _generic(name: str, pack: RulePack) -> str:
    drug = pack.catalogue.resolve(name)
    return drug.generic if drug else name


def _treatment(profile: Profile, pack: RulePack) -> str:
    items: list[str] = []
    if profile.current_dmt is None:
        items.append("current DMT not known")
    elif profile.current_dmt.strip().lower() == "none":
        items.append("no current DMT")
    else:
        months = f" {profile.current_dmt_months} months" if profile.current_dmt_months is not None else ", months not known"
        active = {"yes": ", active after 6 months on it", "no": ", not active after 6 months on it"}.get(
            profile.activity_on_current_dmt or "", "")
        items.append(f"{_generic(profile.current_dmt, pack)}{months}{active}")
    if profile.prior_dmts is None:
        items.append("earlier DMTs not known")
    for prior in profile.prior_dmts or []:
        months = f" {prior.months} months" if prior.months is not None else ""
        why = STOP_WORDS[prior.stopped_because] if prior.stopped_because else "reason not known"
        items.append(f"{_generic(prior.drug, pack)}{months}, stopped: {why}")
    if profile.prior_dmts == []:
        items.append("no earlier DMTs")
    return "; ".join(items)


def _others(profile: Profile) -> str:
    items = []
    if profile.comorbidities is None:
        items.append("comorbidities not known")
    else:
        items.append("comorbidities: " + (join_words([_condition(c) for c in profile.comorbidities])
                                          if profile.comorbidities else "none"))
    pregnancy: tuple[tuple[str, str | None], ...] = (
        (("pregnant or breastfeeding (older question)", profile.pregnant_or_breastfeeding),)
        if profile.pregnant_or_breastfeeding is not None
        else () if profile.sex == "male" and profile.pregnant is None and profile.breastfeeding is None
        else (("pregnant", profile.pregnant), ("breastfeeding", profile.breastfeeding)))
    jcv = [f"JC virus antibody: {profile.jcv_antibody}"] if profile.jcv_antibody else []
    jcv += [f"JC virus index: {profile.jcv_index:g}"] if profile.jcv_index is not None else []
    items += jcv
    for label, value in (*pregnancy,
                         ("plans children", profile.plans_children), ("open to trials", profile.open_to_clinical_trials),
                         ("considering a clinic abroad", profile.considering_clinic_abroad)):
        items.append(f"{label}: {value or 'not known'}")
    return "; ".join(items)


def _condition(name: str) -> str:
    return CONDITION_WORDS.get(name, name.replace("_", " "))


def clinical_options(results: list[OptionResult], pack: RulePack, names: dict[str, str],
                     numbering: SourceNumbering) -> list[ClinicalOption]:
    """Each option's status and the criteria that decided it (or, for a catch-all, the unknown ones)."""
    out = []
    for result in results:
        deciding = [c for c in result.criteria if c.id in result.deciding_criteria]
        shown = deciding or [c for c in result.criteria if c.state == "unknown"]
        lines = [CriterionLine(state=STATE_MARK[c.state], text=c.threshold or c.label,
                               refs=numbering.refs(c.sources[:KEY_SOURCES])) for c in shown if c.state != "not_met"]
        ruled_out = [c for c in shown if c.state == "not_met"]  # one line: their names say enough
        if ruled_out:
            lines.append(CriterionLine(state=STATE_MARK["not_met"], text="; ".join(lower_first(c.label) for c in ruled_out),
                                       refs=numbering.refs([c.sources[0] for c in ruled_out])))
        out.append(ClinicalOption(name=names[result.id], status=STATUS_WORDS[result.status], criteria=lines))
    return out


def contraindications(assessment: Assessment, profile: Profile, results: list[OptionResult],
                      names: dict[str, str]) -> list[str]:
    """The safety facts of the rule pack present in the profile (or that they are not known), and for
    each option unlikely to fit the met criteria that made it so."""
    present = [lower_first(f.label) for f in assessment.safety_facts_present]
    unknown = [what for what, value in (("other health conditions", profile.comorbidities),
                                        ("plans for children", profile.plans_children)) if value is None]
    if profile.pregnant_or_breastfeeding is None and profile.sex != "male":  # the questions do not apply to a man
        unknown[:0] = [what for what, value in (("pregnancy", profile.pregnant), ("breastfeeding", profile.breastfeeding))
                       if value is None]
    lines = [f"Present: {join_words(present)}."] if present else []
    if unknown:
        lines.append(f"Not known: {join_words(unknown)}.")
    elif not present:
        lines.append("None of the safety facts the rules check: no infection, cancer, organ disease or pregnancy, "
                     "no plans for children, age 18 to 55.")
    for result in results:
        met = [c.label for c in result.criteria if c.id in result.deciding_criteria and c.state == "met"]
        if result.status == "unlikely_to_fit" and met:
            lines.append(f"{names[result.id]}: {join_words(met)}.")
    return lines
