"""Page 3 of the visit sheet in the MS team's words: the profile as a clinician writes it; each option's
status, then every criterion that decided it or made it cautious, for or against it (a word and a
symbol, never a bare "met"), with its threshold and the patient's value; the contraindications present
apart from the cautions."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..evaluation.assess import CriterionResult, OptionResult
from ..pack.models import Condition, RulePack
from ..profile.model import Profile
from .sources import RefView, SourceNumbering
from .weigh import CONDITION_WORDS, SEX_WORDS, STOP_WORDS, WALKING_WORDS, cautions, leaves, patient_words, sides
from .words import join_words, lower_first

STATUS_WORDS = {
    "discuss": "fits the published criteria",
    "discuss_with_caution": "fits, with cautions",
    "trial_only": "trial only",
    "unlikely_to_fit": "unlikely to fit",
    "research_only": "laboratory research only",
    "needs_information": "needs information",
}
#: how a criterion weighs, in a symbol and a word (never a bare "met" or "not met")
SIDE_MARK = {"for": ("\u2713", "For"), "against": ("\u2717", "Against"), "unknown": ("?", "Not known")}
#: sources cited per criterion line on page 3 (its key ones, listed first in the rules); the booklet cites all
KEY_SOURCES = 2
#: earlier drugs named in the profile line; the rest are counted (the booklet lists them all)
NAMED_PRIOR = 6
#: a criterion over more comparisons than this is a grouped list (health reasons trials exclude): its line
#: names only what applies to this patient, never the whole list
GROUPED = 3
#: health reasons named per option under "Contraindications present"
NAMED_HEALTH = 4


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CriterionLine(_Frozen):
    mark: str  # a symbol: for, against, not known
    side: str  # the same in a word
    text: str  # the threshold and who sets it, or the criterion's name when it has no threshold
    value: str  # the patient's own value behind it ("age 48"), or "" when it adds nothing
    refs: list[RefView]


class ClinicalOption(_Frozen):
    name: str
    status: str
    criteria: list[CriterionLine]


def clinical_profile(profile: Profile, pack: RulePack) -> str:
    """'34-year-old woman. RRMS, 6 years, EDSS 3.5, walks unaided; 2 relapses and 4 new T2 / 2 Gd+ lesions
    in 12 months; natalizumab 18 months; dimethyl fumarate 20 months, stopped: not effective.'"""
    who = f"{profile.age}-year-old {SEX_WORDS.get(profile.sex or '', 'person') if profile.sex in ('female', 'male') else 'person'}"
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
    priors = profile.prior_dmts or []
    for prior in priors[:NAMED_PRIOR]:
        months = f" {prior.months} months" if prior.months is not None else ""
        why = STOP_WORDS[prior.stopped_because] if prior.stopped_because else "reason not known"
        items.append(f"{_generic(prior.drug, pack)}{months}, stopped: {why}")
    if len(priors) > NAMED_PRIOR:
        items.append(f"and {len(priors) - NAMED_PRIOR} earlier drugs, listed in the booklet")
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
    if profile.jcv_antibody:
        items.append(f"JC virus antibody {profile.jcv_antibody}")
    if profile.jcv_index is not None:
        items.append(f"JC virus index {profile.jcv_index:g}")
    answers = {"yes": "yes", "no": "no", "unsure": "unsure", None: "not known"}
    for label, value in (*pregnancy,
                         ("plans children", profile.plans_children), ("open to trials", profile.open_to_clinical_trials),
                         ("considering a clinic abroad", profile.considering_clinic_abroad)):
        if value is not None or profile.sex != "male" or label not in ("pregnant", "breastfeeding"):
            items.append(f"{label}: {answers[value]}")
    return "; ".join(items)


def _condition(name: str) -> str:
    return CONDITION_WORDS.get(name, name.replace("_", " "))


def clinical_options(results: list[OptionResult], pack: RulePack, profile: Profile, names: dict[str, str],
                     numbering: SourceNumbering) -> list[ClinicalOption]:
    """Each option's status, then every criterion that decided it or made it cautious, for or against,
    with its threshold and the patient's value."""
    out = []
    for result in results:
        weighed = sides(result, pack)
        if not weighed:  # a catch-all: the unknown criteria it needed
            weighed = {c.id: "unknown" for c in result.criteria if c.state == "unknown"}
        order = {"against": 0, "unknown": 1, "for": 2}
        shown = sorted((c for c in result.criteria if c.id in weighed), key=lambda c: order[weighed[c.id]])
        lines = [_line(c, weighed[c.id], pack, profile, numbering) for c in shown if weighed[c.id] != "unknown"]
        unknown = [c for c in shown if weighed[c.id] == "unknown"]
        if unknown:  # one line: their names say what is missing, and "Missing facts" names the answers
            mark, word = SIDE_MARK["unknown"]
            lines.append(CriterionLine(mark=mark, side=word, text="; ".join(lower_first(c.label) for c in unknown),
                                       value="", refs=numbering.refs(list(dict.fromkeys(c.sources[0] for c in unknown)))))
        out.append(ClinicalOption(name=names[result.id], status=STATUS_WORDS[result.status], criteria=lines))
    return out


def _line(criterion: CriterionResult, side: str, pack: RulePack, profile: Profile,
          numbering: SourceNumbering) -> CriterionLine:
    mark, word = SIDE_MARK[side]
    condition = _condition_of(criterion.id, pack)
    grouped = len(leaves(condition)) > GROUPED
    value = "" if side == "unknown" else patient_words(criterion, pack, profile)
    if grouped and not value:
        value = "none of them" if criterion.state == "not_met" else ""
    text = criterion.label if grouped or not criterion.threshold else criterion.threshold
    if value and value.lower() == lower_first(text).lower():
        value = ""
    return CriterionLine(mark=mark, side=word, text=text, value=value,
                         refs=numbering.refs(criterion.sources[:KEY_SOURCES]))


SAFETY_FIELDS = {"comorbidities", "pregnant", "breastfeeding", "pregnant_or_breastfeeding"}


class SafetyView(_Frozen):
    """Page 3's safety part: contraindications (they made an option unlikely to fit) apart from cautions."""

    contraindications: list[str]
    cautions: list[str]
    not_known: str


def safety_view(profile: Profile, results: list[OptionResult], pack: RulePack, names: dict[str, str]) -> SafetyView:
    """Per option, the health facts that made it unlikely to fit, and the cautions of each option that fits
    with cautions, in the patient's own values; then the safety facts the profile does not give."""
    contra: list[str] = []
    for result in results:
        if result.status != "unlikely_to_fit":
            continue
        weighed = sides(result, pack)
        health = [patient_words(c, pack, profile) for c in result.criteria if weighed.get(c.id) == "against"
                  and {leaf.field for leaf in leaves(_condition_of(c.id, pack))} & SAFETY_FIELDS]
        if health := [w for w in dict.fromkeys(health) if w]:
            contra.append(f"{names[result.id]}: {join_words(_few(health))}.")
    caution_lines = [f"{names[r.id]}: {join_words(words)}." for r in results if (words := cautions(r, pack, profile))]
    unknown = [what for what, value in (("other health conditions", profile.comorbidities),
                                        ("plans for children", profile.plans_children)) if value is None]
    if profile.pregnant_or_breastfeeding is None and profile.sex != "male":  # the questions do not apply to a man
        unknown[:0] = [what for what, value in (("pregnancy", profile.pregnant), ("breastfeeding", profile.breastfeeding))
                       if value is None]
    return SafetyView(contraindications=contra, cautions=caution_lines,
                      not_known=f"Not known: {join_words(unknown)}." if unknown else "")


def _few(words: list[str]) -> list[str]:
    """At most NAMED_HEALTH reasons named; the profile line above lists them all."""
    return words if len(words) <= NAMED_HEALTH else [*words[:NAMED_HEALTH], f"{len(words) - NAMED_HEALTH} more"]


def _condition_of(criterion_id: str, pack: RulePack) -> Condition:
    return next(c.when for o in pack.options.values() for c in o.criteria if c.id == criterion_id)
