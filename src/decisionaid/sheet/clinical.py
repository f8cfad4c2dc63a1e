"""Page 3 of the visit sheet in the MS team's words: the profile as a clinician writes it; each option's
status, then every criterion that decided it or made it cautious, for or against it (a word and a
symbol, never a bare "met"), with its threshold and the patient's value; the contraindications present
apart from the cautions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..evaluation.assess import CriterionResult, OptionResult
from ..pack.models import Condition, RulePack
from ..plumbing.i18n import N_, _, ngettext, number, word_list
from ..profile.model import Profile
from .sources import RefView, SourceNumbering
from .weigh import CONDITION_WORDS, STOP_WORDS, WALKING_WORDS, cautions, leaves, patient_words, sides
from .words import lower_first

STATUS_WORDS = {
    "discuss": N_("fits the published criteria"),
    "discuss_with_caution": N_("fits, with cautions"),
    "trial_only": N_("trial only"),
    "unlikely_to_fit": N_("unlikely to fit"),
    "research_only": N_("laboratory research only"),
    "needs_information": N_("needs information"),
}
#: how a criterion weighs, in a symbol and a word (never a bare "met" or "not met")
SIDE_MARK = {"for": ("\u2713", N_("For")), "against": ("\u2717", N_("Against")), "unknown": ("?", N_("Not known"))}
#: sources cited per criterion line on page 3 (its key ones, listed first in the rules); the booklet cites all
KEY_SOURCES = 2
#: earlier drugs named in the profile line; the rest are counted (the booklet lists them all)
NAMED_PRIOR = 6
#: a criterion over more comparisons than this is a grouped list (health reasons trials exclude): its line
#: names only what applies to this patient, never the whole list
GROUPED = 3
#: health reasons named per option under "Contraindications present"
NAMED_HEALTH = 4
#: the patient in the profile line's first words, by sex (anyone else: a person)
AGED = {"female": N_("{age}-year-old woman"), "male": N_("{age}-year-old man")}
AGED_PERSON = N_("{age}-year-old person")
#: the types of MS as a clinician abbreviates them (the abbreviations differ by language)
MS_TYPE_WORDS = {"CIS": N_("CIS"), "RRMS": N_("RRMS"), "SPMS": N_("SPMS"), "PPMS": N_("PPMS")}
DISABILITY_WORDS = {"yes": N_("disability worse"), "no": N_("disability not worse")}
ACTIVE_ON_DRUG = {"yes": N_("{treatment}, active after 6 months on it"),
                  "no": N_("{treatment}, not active after 6 months on it")}
JCV_WORDS = {"positive": N_("JC virus antibody positive"), "negative": N_("JC virus antibody negative"),
             "unknown": N_("JC virus antibody unknown")}
ANSWER_WORDS = {"yes": N_("yes"), "no": N_("no"), "unsure": N_("unsure"), None: N_("not known")}
#: the profile's yes/no questions, as page 3 lists them
QUESTION_WORDS = {
    "pregnant_or_breastfeeding": N_("pregnant or breastfeeding (older question)"),
    "pregnant": N_("pregnant"),
    "breastfeeding": N_("breastfeeding"),
    "plans_children": N_("plans children"),
    "open_to_clinical_trials": N_("open to trials"),
    "considering_clinic_abroad": N_("considering a clinic abroad"),
}
#: the safety facts a profile may leave out, as "Not known: ..." names them
UNKNOWN_SAFETY_WORDS = {"comorbidities": N_("other health conditions"), "plans_children": N_("plans for children"),
                        "pregnant": N_("pregnancy"), "breastfeeding": N_("breastfeeding")}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CriterionLine(_Frozen):
    mark: str  # a symbol: for, against, not known
    side: str  # the same in a word, in the document's language
    weighs: Literal["for", "against", "unknown"]  # the same as data, whatever the language
    text: str  # the threshold and who sets it, or the criterion's name when it has no threshold
    value: str  # the patient's own value behind it ("age 48"), or "" when it adds nothing
    refs: list[RefView]


class ClinicalOption(_Frozen):
    name: str
    status: str
    criteria: list[CriterionLine]


def clinical_profile(profile: Profile, pack: RulePack) -> str:
    """'34-year-old woman. RRMS, 6 years since first symptoms, EDSS 3.5, walks unaided. 2 relapses and
    4 new T2 / 2 Gd+ lesions in 12 months; disability worse. Natalizumab 18 months; dimethyl fumarate
    20 months, stopped: not effective. ...'"""
    who = _(AGED.get(profile.sex or "", AGED_PERSON)).format(age=number(profile.age))
    disease: list[str] = [_(MS_TYPE_WORDS[profile.ms_type]) if profile.ms_type in MS_TYPE_WORDS
                          else _("MS type not known")]
    years = profile.years_since_first_symptoms
    disease.append(ngettext("{years} year since first symptoms", "{years} years since first symptoms",
                            _plural_count(years)).format(years=number(years))
                   if years is not None else _("duration not known"))
    disease.append(_("EDSS {score}").format(score=number(profile.edss)) if profile.edss is not None
                   else _("EDSS not known"))
    if profile.walking:
        disease.append(_(WALKING_WORDS[profile.walking]))
    parts = [who, ", ".join(disease), _activity(profile), _treatment(profile, pack), _others(profile)]
    return ". ".join(p[0].upper() + p[1:] for p in parts if p) + "."


def _plural_count(value: float) -> int:
    """The count that picks a plural form: a fraction takes the plural in the shipped languages (1.5 years)."""
    return int(value) if value == int(value) else 2


def _activity(profile: Profile) -> str:
    """'2 relapses (3 in 24 months) and 4 new T2 / 2 Gd+ lesions in 12 months; disability worse'."""
    r12, r24 = profile.relapses_last_12_months, profile.relapses_last_24_months
    if r12 is None:
        relapses = (_("relapses not known ({count_24} in 24 months)").format(count_24=number(r24)) if r24 is not None
                    else _("relapses not known"))
    elif r24 is not None:
        relapses = ngettext("{count} relapse ({count_24} in 24 months)", "{count} relapses ({count_24} in 24 months)",
                            r12).format(count=number(r12), count_24=number(r24))
    else:
        relapses = ngettext("{count} relapse", "{count} relapses", r12).format(count=number(r12))
    mri = profile.mri_last_12_months
    if mri:
        t2, gd = mri.new_or_enlarging_t2_lesions, mri.gadolinium_enhancing_lesions
        # TRANSLATORS: MRI lesion counts; a count not given is "?"
        lesions = _("{t2} new T2 / {gd} Gd+ lesions in 12 months").format(
            t2="?" if t2 is None else number(t2), gd="?" if gd is None else number(gd))
    else:
        lesions = _("MRI not known")
    disability = profile.disability_worsening_last_12_months or ""
    worse = _(DISABILITY_WORDS[disability]) if disability in DISABILITY_WORDS else _("disability change not known")
    # TRANSLATORS: relapses, MRI lesions and disability change, on the MS team's page
    return _("{relapses} and {lesions}; {disability}").format(relapses=relapses, lesions=lesions, disability=worse)


def _generic(name: str, pack: RulePack) -> str:
    drug = pack.catalogue.resolve(name)
    return drug.generic if drug else name


def _months_on(drug: str, months: int | None) -> str:
    """'natalizumab 18 months', or the drug alone when the months are not given."""
    if months is None:
        return drug
    # TRANSLATORS: a drug and how long the patient took it
    return ngettext("{drug} {count} month", "{drug} {count} months", months).format(drug=drug, count=number(months))


def _treatment(profile: Profile, pack: RulePack) -> str:
    items: list[str] = []
    if profile.current_dmt is None:
        items.append(_("current DMT not known"))
    elif profile.current_dmt.strip().lower() == "none":
        items.append(_("no current DMT"))
    else:
        drug = _generic(profile.current_dmt, pack)
        treatment = (_months_on(drug, profile.current_dmt_months) if profile.current_dmt_months is not None
                     else _("{drug}, months not known").format(drug=drug))
        active = profile.activity_on_current_dmt or ""
        items.append(_(ACTIVE_ON_DRUG[active]).format(treatment=treatment) if active in ACTIVE_ON_DRUG else treatment)
    if profile.prior_dmts is None:
        items.append(_("earlier DMTs not known"))
    priors = profile.prior_dmts or []
    for prior in priors[:NAMED_PRIOR]:
        why = _(STOP_WORDS[prior.stopped_because]) if prior.stopped_because else _("reason not known")
        # TRANSLATORS: an earlier drug (with how long it was taken) and why it was stopped
        items.append(_("{treatment}, stopped: {reason}").format(
            treatment=_months_on(_generic(prior.drug, pack), prior.months), reason=why))
    if len(priors) > NAMED_PRIOR:
        more = len(priors) - NAMED_PRIOR
        items.append(ngettext("and {count} earlier drug, listed in the booklet",
                              "and {count} earlier drugs, listed in the booklet", more).format(count=number(more)))
    if profile.prior_dmts == []:
        items.append(_("no earlier DMTs"))
    return "; ".join(items)


def _others(profile: Profile) -> str:
    items = []
    if profile.comorbidities is None:
        items.append(_("comorbidities not known"))
    elif profile.comorbidities:
        items.append(_("comorbidities: {conditions}").format(
            conditions=word_list([_condition(c) for c in profile.comorbidities])))
    else:
        items.append(_("comorbidities: none"))
    pregnancy: tuple[tuple[str, str | None], ...] = (
        (("pregnant_or_breastfeeding", profile.pregnant_or_breastfeeding),)
        if profile.pregnant_or_breastfeeding is not None
        else () if profile.sex == "male" and profile.pregnant is None and profile.breastfeeding is None
        else (("pregnant", profile.pregnant), ("breastfeeding", profile.breastfeeding)))
    if profile.jcv_antibody:
        items.append(_(JCV_WORDS[profile.jcv_antibody]))
    if profile.jcv_index is not None:
        items.append(_("JC virus index {index}").format(index=number(profile.jcv_index)))
    for question, value in (*pregnancy, ("plans_children", profile.plans_children),
                            ("open_to_clinical_trials", profile.open_to_clinical_trials),
                            ("considering_clinic_abroad", profile.considering_clinic_abroad)):
        if value is not None or profile.sex != "male" or question not in ("pregnant", "breastfeeding"):
            # TRANSLATORS: a question of the profile and its answer (yes, no, unsure, not known)
            items.append(_("{question}: {answer}").format(question=_(QUESTION_WORDS[question]),
                                                          answer=_(ANSWER_WORDS[value])))
    return "; ".join(items)


def _condition(name: str) -> str:
    return _(CONDITION_WORDS[name]) if name in CONDITION_WORDS else name.replace("_", " ")


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
            lines.append(CriterionLine(mark=mark, side=_(word), weighs="unknown", text="; ".join(lower_first(c.label) for c in unknown),
                                       value="", refs=numbering.refs(list(dict.fromkeys(c.sources[0] for c in unknown)))))
        out.append(ClinicalOption(name=names[result.id], status=_(STATUS_WORDS[result.status]), criteria=lines))
    return out


def _line(criterion: CriterionResult, side: str, pack: RulePack, profile: Profile,
          numbering: SourceNumbering) -> CriterionLine:
    mark, word = SIDE_MARK[side]
    condition = _condition_of(criterion.id, pack)
    grouped = len(leaves(condition)) > GROUPED
    value = "" if side == "unknown" else patient_words(criterion, pack, profile)
    if grouped and not value:
        value = _("none of them") if criterion.state == "not_met" else ""
    text = criterion.label if grouped or not criterion.threshold else criterion.threshold
    if value and value.lower() == lower_first(text).lower():
        value = ""
    return CriterionLine(mark=mark, side=_(word), weighs=side, text=text, value=value,  # type: ignore[arg-type]
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
            contra.append(_option_reasons(names[result.id], _few(health)))
    caution_lines = [_option_reasons(names[r.id], words) for r in results if (words := cautions(r, pack, profile))]
    unknown = [what for what, value in (("comorbidities", profile.comorbidities),
                                        ("plans_children", profile.plans_children)) if value is None]
    if profile.pregnant_or_breastfeeding is None and profile.sex != "male":  # the questions do not apply to a man
        unknown[:0] = [what for what, value in (("pregnant", profile.pregnant), ("breastfeeding", profile.breastfeeding))
                       if value is None]
    return SafetyView(contraindications=contra, cautions=caution_lines,
                      not_known=_("Not known: {facts}.").format(
                          facts=word_list([_(UNKNOWN_SAFETY_WORDS[what]) for what in unknown])) if unknown else "")


def _option_reasons(option: str, reasons: list[str]) -> str:
    # TRANSLATORS: an option's name, then the patient's health facts that count against it or call for caution
    return _("{option}: {reasons}.").format(option=option, reasons=word_list(reasons))


def _few(words: list[str]) -> list[str]:
    """At most NAMED_HEALTH reasons named; the profile line above lists them all."""
    if len(words) <= NAMED_HEALTH:
        return words
    # TRANSLATORS: how many more health reasons count against an option, after the first ones named
    return [*words[:NAMED_HEALTH], _("{count} more").format(count=number(len(words) - NAMED_HEALTH))]


def _condition_of(criterion_id: str, pack: RulePack) -> Condition:
    return next(c.when for o in pack.options.values() for c in o.criteria if c.id == criterion_id)
