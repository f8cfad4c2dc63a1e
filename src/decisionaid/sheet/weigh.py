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

import re
from typing import Literal

from ..evaluation.assess import CriterionResult, OptionResult
from ..evaluation.status import decide
from ..pack.models import AllOf, AnyOf, Condition, DecisionRow, Leaf, NotOf, RulePack
from ..pack.vocabulary import FIELDS, FactValue
from ..profile.facts import profile_facts
from ..profile.model import Profile
from .text import sheet_text
from .words import join_words, lower_first

Side = Literal["for", "against", "unknown"]
#: statuses from best to worst for the patient: what "a better status" means
STATUS_RANK = ("discuss", "discuss_with_caution", "trial_only", "needs_information", "unlikely_to_fit", "research_only")
FLIP = {"met": "not_met", "not_met": "met"}
RULED_OUT = ("unlikely_to_fit", "research_only")
SEX_WORDS = {"female": "woman", "male": "man", "other": "sex: other", "undisclosed": "sex not said"}
WALKING_WORDS = {"unaided": "walks unaided", "one_aid": "walks with one aid", "two_aids": "walks with two aids",
                 "wheelchair": "uses a wheelchair"}
CONDITION_WORDS = {"heart_disease": "heart disease", "lung_disease": "lung disease", "kidney_disease": "kidney disease",
                   "liver_disease": "liver disease", "cirrhosis": "cirrhosis", "active_infection": "active infection",
                   "hiv": "HIV", "hepatitis_b": "hepatitis B", "hepatitis_c": "hepatitis C",
                   "cancer_active_or_recent": "active or recent cancer", "cancer_history": "past cancer",
                   "thyroid_disease": "thyroid disease", "other_autoimmune_disease": "another autoimmune disease"}
STOP_WORDS = {"not_effective": "not effective", "side_effects": "side effects", "safety_risk": "safety risk",
              "pregnancy": "pregnancy", "other": "other reason"}
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


def cautions(result: OptionResult, pack: RulePack, profile: Profile) -> list[str]:
    """An option's cautions in a few words ('age 48', 'heart disease'), only for one that fits with cautions."""
    if result.status != "discuss_with_caution":
        return []
    weighed = sides(result, pack)
    against = [c for c in result.criteria if weighed.get(c.id) == "against"]
    named = [patient_words(c, pack, profile) for c in against]
    if not named:  # cautious because facts are missing: the ones the nearest plain fit needs
        states = {c.id: c.state for c in result.criteria}
        best = _nearest(pack.options[result.id].decision.rows, states, "discuss")
        named = [f"not known: {lower_first(c.label)}" for c in result.criteria
                 if best is not None and c.id in best.when and c.state == "unknown"]
    return list(dict.fromkeys(w for w in named if w))


def cautions_text(words: list[str]) -> str:
    """'Cautions: age 48, heart disease.' with at most NAMED_CAUTIONS named (page 3 names them all)."""
    if not words:
        return ""
    parts = [part for w in words for part in re.split(r", | and (?=\S)", w)]  # one list of the patient's values
    parts = list(dict.fromkeys(p for p in parts if p and not re.fullmatch(r"\d+ more( conditions)?", p)))
    shown = parts[:NAMED_CAUTIONS] + ([f"{len(parts) - NAMED_CAUTIONS} more"] if len(parts) > NAMED_CAUTIONS else [])
    return f"{'Caution' if len(parts) == 1 else 'Cautions'}: {join_words(shown)}."


def patient_words(criterion: CriterionResult, pack: RulePack, profile: Profile) -> str:
    """The patient's own values behind a criterion, in clinical words ('age 48', 'EDSS 6.5', 'heart disease'):
    the comparisons that hold when it is met, those that fail when it is not; for a derived fact (such as
    activity on a strong drug) its name when met, and its value for this patient when not."""
    condition = _criterion_condition(criterion.id, pack)
    met = criterion.state == "met"
    derived = lower_first(criterion.label) if met else f"{lower_first(criterion.label)}: no"
    facts: dict[str, FactValue] | None = None
    words: list[str] = []
    for leaf in leaves(condition) if condition is not None else []:
        holds = leaf_holds(leaf, profile)
        if holds is not None and holds != met:
            continue
        word = field_words(leaf, profile)
        if word is None and met:
            return derived
        if word is None:  # a derived fact that did not hold: what it is for this patient
            facts = facts if facts is not None else profile_facts(profile, pack.catalogue)
            word = derived_words(leaf.field, facts.get(leaf.field))
        words.append(word)
    words = list(dict.fromkeys(w for w in words if w))
    if len(words) > NAMED_CONDITIONS + 1:  # a grouped list: the first few the patient has, the rest counted
        words = [*words[:NAMED_CONDITIONS], f"{len(words) - NAMED_CONDITIONS} more"]
    return join_words(words) if words else derived


def derived_words(fact: str, value: FactValue | None) -> str:
    """A derived fact's value for this patient in clinical words ('no breakthrough on a high-efficacy drug',
    'high-efficacy drugs that failed: 0'); 'not known: ...' when the profile does not tell."""
    words = sheet_text().visit
    if value is None:
        return words.derived_unknown.format(fact=FIELDS[fact].description)
    forms = words.derived_facts[fact]
    if isinstance(value, bool):
        return forms["yes" if value else "no"]
    items = sorted(value) if isinstance(value, frozenset) else [value]
    names = [words.fact_values.get(str(v), str(v)) for v in items]
    shown = join_words(names) if names else words.fact_values["none"]
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
    field = leaf.field
    if field == "comorbidities":
        wanted = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        present = [CONDITION_WORDS.get(str(c), str(c)) for c in (profile.comorbidities or []) if c in wanted]
        if len(present) > NAMED_CONDITIONS:  # the profile line lists them all
            present = [*present[:NAMED_CONDITIONS], f"{len(present) - NAMED_CONDITIONS} more conditions"]
        return join_words(present) if present else ""
    if field not in PROFILE_FIELDS:
        return None
    value = _value(profile, field)
    return "" if value is None else value_words(field, value)


def value_words(field: str, value: object) -> str:
    """A profile field's value in clinical words: 'age 48', 'uses a wheelchair', 'HIV', 'no comorbidities'."""
    if field == "comorbidities":
        items = value if isinstance(value, list) else [value]
        return join_words([CONDITION_WORDS.get(str(c), str(c)) for c in items]) if items else "no comorbidities"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if field == "age":
        return f"age {value}"
    if field == "edss":
        return f"EDSS {value}"
    if field == "years_since_first_symptoms":
        return f"{value} year{'' if value == 1 else 's'} since first symptoms"
    if field == "walking":
        return WALKING_WORDS[str(value)]
    if field == "sex":
        return SEX_WORDS.get(str(value), "")
    if field == "ms_type":
        return "MS type not known" if value == "unknown" else str(value)
    if field == "relapses_last_12_months":
        return f"{value} relapse{'' if value == 1 else 's'} in 12 months"
    if field == "relapses_last_24_months":
        return f"{value} relapse{'' if value == 1 else 's'} in 24 months"
    if field.endswith("new_or_enlarging_t2_lesions"):
        return f"{value} new T2 lesion{'' if value == 1 else 's'}"
    if field.endswith("gadolinium_enhancing_lesions"):
        return f"{value} Gd+ lesion{'' if value == 1 else 's'}"
    if field == "disability_worsening_last_12_months":
        return {"yes": "disability worse", "no": "disability not worse"}.get(str(value), "")
    yes_words = {"pregnant": "pregnant", "breastfeeding": "breastfeeding",
                 "pregnant_or_breastfeeding": "pregnant or breastfeeding",
                 "considering_clinic_abroad": "considering a clinic abroad",
                 "activity_on_current_dmt": "active on the current drug"}
    if field in yes_words:
        return yes_words[field] if value == "yes" else f"not {yes_words[field]}"
    if field == "plans_children":
        return {"yes": "plans children", "unsure": "unsure about children", "no": "no plans for children"}[str(value)]
    if field == "open_to_clinical_trials":
        return {"yes": "open to trials", "unsure": "unsure about trials", "no": "not open to trials"}[str(value)]
    if field == "jcv_antibody":
        return f"JC virus antibody {value}"
    if field == "jcv_index":
        return f"JC virus index {value}"
    if field == "current_dmt_months":
        return f"{value} months on the current drug"
    if field == "current_dmt":
        return "no current drug" if value == "none" else f"on {value}"
    if field == "prior_dmts":
        return "no earlier drugs" if value == [] else "earlier drugs"
    if field.startswith("prior_dmts.") and field.endswith(".months"):
        return f"earlier drug taken {value} months"
    if field.startswith("prior_dmts.") and field.endswith(".stopped_because"):
        return "earlier drug stopped: " + STOP_WORDS.get(str(value), str(value))
    return str(value).replace("_", " ")


def _value(profile: Profile, field: str) -> object:
    head, _, tail = field.partition(".")
    value = getattr(profile, head, None)
    if tail and value is not None:
        value = getattr(value, tail, None)
    return value
