"""Which criteria count for an option and which against it, and the patient's own values behind them.

One mechanism, the option's own decision table (evaluation/status.py): a criterion that was met or not
met counts *against* the option when the other answer would give it a better status, and *for* it when
the other answer would give a worse one. Where cautions come together (none alone decides), those of
an option that fits with cautions are what is present that the nearest plain fit must not have. For an option that fits with cautions, the criteria against
it are its cautions, named on page 1 in a few words ("age 48, heart disease") and on page 3 with their
thresholds; for one unlikely to fit, they are what ruled it out. A criterion's words give the patient's
own values, and of a grouped list (the health reasons trials exclude) only the ones this patient has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..evaluation.assess import CriterionResult, OptionResult
from ..evaluation.status import decide
from ..pack.models import AllOf, AnyOf, Condition, DecisionRow, Leaf, NotOf, RulePack
from ..pack.vocabulary import FIELDS, FactValue
from ..plumbing.i18n import N_, _, ngettext, number, word_list
from ..profile.facts import profile_facts
from ..profile.model import Profile
from .text import sheet_text
from .words import lower_first

Side = Literal["for", "against", "unknown"]
#: statuses from best to worst for the patient: what "a better status" means
STATUS_RANK = ("discuss", "discuss_with_caution", "trial_only", "needs_information", "unlikely_to_fit", "research_only")
FLIP = {"met": "not_met", "not_met": "met"}
RULED_OUT = ("unlikely_to_fit", "research_only")
# profile values in clinical words, in English (marked for the catalogue; `_()` where they are used)
SEX_WORDS = {"female": N_("woman"), "male": N_("man"), "other": N_("sex: other"), "undisclosed": N_("sex not said")}
WALKING_WORDS = {"unaided": N_("walks unaided"), "one_aid": N_("walks with one aid"), "two_aids": N_("walks with two aids"),
                 "wheelchair": N_("uses a wheelchair")}
CONDITION_WORDS = {"heart_disease": N_("heart disease"), "lung_disease": N_("lung disease"),
                   "kidney_disease": N_("kidney disease"), "liver_disease": N_("liver disease"),
                   "cirrhosis": N_("cirrhosis"), "active_infection": N_("active infection"),
                   "hiv": N_("HIV"), "hepatitis_b": N_("hepatitis B"), "hepatitis_c": N_("hepatitis C"),
                   "cancer_active_or_recent": N_("active or recent cancer"), "cancer_history": N_("past cancer"),
                   "thyroid_disease": N_("thyroid disease"), "other_autoimmune_disease": N_("another autoimmune disease")}
STOP_WORDS = {"not_effective": N_("not effective"), "side_effects": N_("side effects"), "safety_risk": N_("safety risk"),
              "pregnancy": N_("pregnancy"), "other": N_("other reason")}
PROFILE_FIELDS = ("age", "sex", "ms_type", "years_since_first_symptoms", "edss", "walking", "relapses_last_12_months",
                  "relapses_last_24_months", "mri_last_12_months.new_or_enlarging_t2_lesions",
                  "mri_last_12_months.gadolinium_enhancing_lesions", "disability_worsening_last_12_months",
                  "current_dmt_months", "pregnant", "breastfeeding", "pregnant_or_breastfeeding", "plans_children",
                  "open_to_clinical_trials", "considering_clinic_abroad", "activity_on_current_dmt", "jcv_antibody",
                  "jcv_index")
#: health conditions named for one criterion; the rest are counted
NAMED_CONDITIONS = 3
#: at most this many cautions are named in a page-1 cell; the rest are counted
NAMED_CAUTIONS = 2


def leaves(condition: Condition) -> list[Leaf]:
    """The comparisons of a condition, in order."""
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, AllOf):
        return [leaf for part in condition.all for leaf in leaves(part)]
    if isinstance(condition, AnyOf):
        return [leaf for part in condition.any for leaf in leaves(part)]
    if isinstance(condition, NotOf):
        return leaves(condition.not_)
    return []


def sides(result: OptionResult, pack: RulePack) -> dict[str, Side]:
    """Each criterion that decided the option or made it cautious, and how it weighs: for, against, or
    unknown (a deciding criterion whose fact is missing)."""
    rows = pack.options[result.id].decision.rows
    states = {c.id: c.state for c in result.criteria}
    rank = STATUS_RANK.index(result.status)
    out: dict[str, Side] = {}
    for criterion in result.criteria:
        if criterion.state == "unknown":
            if criterion.id in result.deciding_criteria:
                out[criterion.id] = "unknown"
            continue
        other = STATUS_RANK.index(decide(rows, {**states, criterion.id: FLIP[criterion.state]}).status)
        if other < rank:
            out[criterion.id] = "against"
        elif other > rank:
            out[criterion.id] = "for"
        elif criterion.id in result.deciding_criteria:  # one of several reasons: it weighs as the row decided
            out[criterion.id] = "against" if result.status in RULED_OUT else "for"
    if result.status == "discuss_with_caution":  # what is present that the nearest plain fit must not have
        best = _nearest(rows, states, "discuss")
        for cid in best.when if best else {}:
            if states.get(cid) == "met" and not _accepts(best, cid, "met"):
                out[cid] = "against"
        if "against" not in out.values():  # no plain fit near: what decided it that no plain fit speaks of
            plain = {cid for r in rows if r.status == "discuss" for cid in r.when}
            for cid in result.deciding_criteria:
                if states.get(cid) == "met" and cid not in plain:
                    out[cid] = "against"
    return out


def _accepts(row: DecisionRow, criterion: str, state: str) -> bool:
    wanted = row.when[criterion]
    return state in (wanted if isinstance(wanted, list) else [wanted])


def _nearest(rows: list[DecisionRow], states: dict[str, str], status: str) -> DecisionRow | None:
    """The row with `status` that this patient's criterion states are nearest to (fewest that differ)."""
    candidates = [r for r in rows if r.status == status and r.when]
    return min(candidates, key=lambda r: sum(not _accepts(r, c, states.get(c, "unknown")) for c in r.when),
               default=None)


@dataclass(frozen=True)
class Values:
    """The patient's values behind a criterion, in clinical words: one group per comparison (the values it names,
    and how many more it only counts: 'heart disease, HIV, hepatitis B and 2 more conditions'), and how many
    more comparisons are only counted."""

    groups: tuple[tuple[tuple[str, ...], int], ...] = ()
    more: int = 0

    @classmethod
    def one(cls, words: str) -> Values:
        return cls((((words,), 0),) if words else ())

    @property
    def named(self) -> list[str]:
        return [w for names, _more in self.groups for w in names]


def cautions(result: OptionResult, pack: RulePack, profile: Profile) -> list[str]:
    """An option's cautions in a few words ('age 48', 'heart disease'), only for one that fits with cautions."""
    return list(dict.fromkeys(w for w in (_phrase(values) for values in _cautions(result, pack, profile)) if w))


def caution_values(result: OptionResult, pack: RulePack, profile: Profile) -> list[str]:
    """An option's cautions as one list of the patient's values ('age 48', 'heart disease', 'HIV'), each once;
    the values a criterion only counts ('3 more conditions') are left out."""
    return list(dict.fromkeys(v for values in _cautions(result, pack, profile) for v in values.named if v))


def _cautions(result: OptionResult, pack: RulePack, profile: Profile) -> list[Values]:
    if result.status != "discuss_with_caution":
        return []
    weighed = sides(result, pack)
    against = [c for c in result.criteria if weighed.get(c.id) == "against"]
    named = [patient_values(c, pack, profile) for c in against]
    if not named:  # cautious because facts are missing: the ones the nearest plain fit needs
        states = {c.id: c.state for c in result.criteria}
        best = _nearest(pack.options[result.id].decision.rows, states, "discuss")
        # TRANSLATORS: a caution that a fact is missing: "not known: EDSS score"
        named = [Values.one(_("not known: {fact}").format(fact=lower_first(c.label))) for c in result.criteria
                 if best is not None and c.id in best.when and c.state == "unknown"]
    return named


def cautions_text(values: list[str]) -> str:
    """'Cautions: age 48, heart disease.' with at most NAMED_CAUTIONS of the values named (page 3 names them all)."""
    if not values:
        return ""
    rest = len(values) - NAMED_CAUTIONS
    # TRANSLATORS: the last item of a list of cautions: "Cautions: age 48, heart disease and 2 more."
    shown = values[:NAMED_CAUTIONS] + ([ngettext("{count} more", "{count} more", rest).format(count=number(rest))]
                                       if rest > 0 else [])
    # TRANSLATORS: {cautions} lists what makes an option need care for this patient: "Cautions: age 48 and heart disease."
    return ngettext("Caution: {cautions}.", "Cautions: {cautions}.", len(values)).format(cautions=word_list(shown))


def _phrase(values: Values) -> str:
    """The patient's values behind a criterion as one phrase: 'age 48 and heart disease, HIV and 2 more conditions'."""
    # TRANSLATORS: the last item of a list of the patient's values: "age 48, EDSS 6.5, HIV and 2 more"
    counted = [ngettext("{count} more", "{count} more", values.more).format(count=number(values.more))] if values.more else []
    return word_list([_group_phrase(names, more) for names, more in values.groups] + counted)


def _group_phrase(names: tuple[str, ...], more: int) -> str:
    # TRANSLATORS: the last item of a list of health conditions: "heart disease, HIV, hepatitis B and 2 more conditions"
    counted = [ngettext("{count} more conditions", "{count} more conditions", more).format(count=number(more))] if more else []
    return word_list([*names, *counted])


def patient_words(criterion: CriterionResult, pack: RulePack, profile: Profile) -> str:
    """The patient's own values behind a criterion, in clinical words ('age 48', 'EDSS 6.5', 'heart disease'):
    the comparisons that hold when it is met, those that fail when it is not; for a derived fact (such as
    activity on a strong drug) its name when met, and its value for this patient when not."""
    return _phrase(patient_values(criterion, pack, profile))


def patient_values(criterion: CriterionResult, pack: RulePack, profile: Profile) -> Values:
    """`patient_words` before it is made one phrase."""
    condition = _criterion_condition(criterion.id, pack)
    met = criterion.state == "met"
    # TRANSLATORS: a criterion about a derived fact that does not hold: "breakthrough on a strong drug: no"
    derived = Values.one(lower_first(criterion.label) if met else _("{fact}: no").format(fact=lower_first(criterion.label)))
    facts: dict[str, FactValue] | None = None
    groups: dict[str, tuple[tuple[str, ...], int]] = {}  # by their phrase: each comparison's words once
    for leaf in leaves(condition) if condition is not None else []:
        holds = leaf_holds(leaf, profile)
        if holds is not None and holds != met:
            continue
        found = _leaf_values(leaf, profile)
        if found is None and met:
            return derived
        if found is None:  # a derived fact that did not hold: what it is for this patient
            facts = facts if facts is not None else profile_facts(profile, pack.catalogue)
            found = ((derived_words(leaf.field, facts.get(leaf.field)),), 0)
        if phrase := _group_phrase(*found):  # words that add nothing are left out
            groups.setdefault(phrase, found)
    if not groups:
        return derived
    kept = list(groups.values())
    if len(kept) > NAMED_CONDITIONS + 1:  # a grouped list: the first few the patient has, the rest counted
        return Values(tuple(kept[:NAMED_CONDITIONS]), more=len(kept) - NAMED_CONDITIONS)
    return Values(tuple(kept))


def derived_words(fact: str, value: FactValue | None) -> str:
    """A derived fact's value for this patient in clinical words ('no breakthrough on a high-efficacy drug',
    'high-efficacy drugs that failed: 0'); 'not known: ...' when the profile does not tell."""
    words = sheet_text().visit
    if value is None:
        return words.derived_unknown.format(fact=_(FIELDS[fact].description))
    forms = words.derived_facts[fact]
    if isinstance(value, bool):
        return forms["yes" if value else "no"]
    items = sorted(value) if isinstance(value, frozenset) else [value]
    names = [words.fact_values.get(str(v), str(v)) for v in items]
    shown = word_list(names) if names else words.fact_values["none"]
    return forms["value"].format(value=shown)


def leaf_holds(leaf: Leaf, profile: Profile) -> bool | None:
    """Whether one comparison holds for this patient; None when its field is missing or derived."""
    if leaf.field not in PROFILE_FIELDS and leaf.field != "comorbidities":
        return None
    value = _value(profile, leaf.field)
    if value is None:
        return None
    want = leaf.value
    try:
        if leaf.op == "eq":
            return bool(value == want)
        if leaf.op == "neq":
            return bool(value != want)
        if leaf.op in ("in", "not_in"):
            return (value in want) == (leaf.op == "in")  # type: ignore[operator]
        if leaf.op in ("includes", "excludes"):
            wanted = want if isinstance(want, list) else [want]
            return any(w in value for w in wanted) == (leaf.op == "includes")  # type: ignore[operator]
        compare = {"lt": lambda a, b: a < b, "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b,
                   "gte": lambda a, b: a >= b}[leaf.op]
        return bool(compare(value, want))
    except TypeError:
        return None


def _criterion_condition(criterion_id: str, pack: RulePack) -> Condition | None:
    for option in pack.options.values():
        for criterion in option.criteria:
            if criterion.id == criterion_id:
                return criterion.when
    return None


def field_words(leaf: Leaf, profile: Profile) -> str | None:
    """One field's value for this patient, in clinical words; '' when it adds nothing; None for a derived fact."""
    found = _leaf_values(leaf, profile)
    return None if found is None else _group_phrase(*found)


def _leaf_values(leaf: Leaf, profile: Profile) -> tuple[tuple[str, ...], int] | None:
    """`field_words` before it is made one phrase: the values named, and how many more are counted."""
    field = leaf.field
    if field == "comorbidities":
        wanted = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        present = [_(CONDITION_WORDS.get(str(c), str(c))) for c in (profile.comorbidities or []) if c in wanted]
        if len(present) > NAMED_CONDITIONS:  # the profile line lists them all
            return tuple(present[:NAMED_CONDITIONS]), len(present) - NAMED_CONDITIONS
        return tuple(present), 0
    if field not in PROFILE_FIELDS:
        return None
    value = _value(profile, field)
    words = "" if value is None else value_words(field, value)
    return ((words,) if words else ()), 0


def value_words(field: str, value: object) -> str:
    """A profile field's value in clinical words: 'age 48', 'uses a wheelchair', 'HIV', 'no comorbidities'."""
    if field == "comorbidities":
        items = value if isinstance(value, list) else [value]
        return word_list([_(CONDITION_WORDS.get(str(c), str(c))) for c in items]) if items else _("no comorbidities")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    shown = number(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
    count = value if isinstance(value, int) and not isinstance(value, bool) else 0
    if field == "age":
        return _("age {value}").format(value=shown)
    if field == "edss":
        return _("EDSS {value}").format(value=shown)
    if field == "years_since_first_symptoms":
        return ngettext("{value} year since first symptoms", "{value} years since first symptoms", count).format(value=shown)
    if field == "walking":
        return _(WALKING_WORDS[str(value)])
    if field == "sex":
        return _(SEX_WORDS[str(value)]) if str(value) in SEX_WORDS else ""
    if field == "ms_type":
        return _("MS type not known") if value == "unknown" else str(value)
    if field == "relapses_last_12_months":
        return ngettext("{value} relapse in 12 months", "{value} relapses in 12 months", count).format(value=shown)
    if field == "relapses_last_24_months":
        return ngettext("{value} relapse in 24 months", "{value} relapses in 24 months", count).format(value=shown)
    if field.endswith("new_or_enlarging_t2_lesions"):
        return ngettext("{value} new T2 lesion", "{value} new T2 lesions", count).format(value=shown)
    if field.endswith("gadolinium_enhancing_lesions"):
        # TRANSLATORS: lesions that take up gadolinium contrast on MRI
        return ngettext("{value} Gd+ lesion", "{value} Gd+ lesions", count).format(value=shown)
    if field == "disability_worsening_last_12_months":
        return {"yes": _("disability worse"), "no": _("disability not worse")}.get(str(value), "")
    yes_no = {"pregnant": (_("pregnant"), _("not pregnant")),
              "breastfeeding": (_("breastfeeding"), _("not breastfeeding")),
              "pregnant_or_breastfeeding": (_("pregnant or breastfeeding"), _("not pregnant or breastfeeding")),
              "considering_clinic_abroad": (_("considering a clinic abroad"), _("not considering a clinic abroad")),
              "activity_on_current_dmt": (_("active on the current drug"), _("not active on the current drug"))}
    if field in yes_no:
        return yes_no[field][0 if value == "yes" else 1]
    if field == "plans_children":
        return {"yes": _("plans children"), "unsure": _("unsure about children"),
                "no": _("no plans for children")}[str(value)]
    if field == "open_to_clinical_trials":
        return {"yes": _("open to trials"), "unsure": _("unsure about trials"), "no": _("not open to trials")}[str(value)]
    if field == "jcv_antibody":
        # TRANSLATORS: {value} is the test result as recorded: positive, negative or unknown
        return _("JC virus antibody {value}").format(value=_jcv_words(str(value)))
    if field == "jcv_index":
        return _("JC virus index {value}").format(value=shown)
    if field == "current_dmt_months":
        return ngettext("{value} months on the current drug", "{value} months on the current drug", count).format(value=shown)
    if field == "current_dmt":
        return _("no current drug") if value == "none" else _("on {drug}").format(drug=value)
    if field == "prior_dmts":
        return _("no earlier drugs") if value == [] else _("earlier drugs")
    if field.startswith("prior_dmts.") and field.endswith(".months"):
        return ngettext("earlier drug taken {value} months", "earlier drug taken {value} months", count).format(value=shown)
    if field.startswith("prior_dmts.") and field.endswith(".stopped_because"):
        # TRANSLATORS: why the patient stopped an earlier MS drug: "earlier drug stopped: side effects"
        return _("earlier drug stopped: {reason}").format(reason=_(STOP_WORDS[str(value)]) if str(value) in STOP_WORDS
                                                          else str(value))
    return str(value).replace("_", " ")


def _jcv_words(result: str) -> str:
    return {"positive": _("positive"), "negative": _("negative"), "unknown": _("unknown")}.get(result, result)


def _value(profile: Profile, field: str) -> object:
    head, _, tail = field.partition(".")
    value = getattr(profile, head, None)
    if tail and value is not None:
        value = getattr(value, tail, None)
    return value
