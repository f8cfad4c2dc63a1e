"""The web form: its questions, and posted answers → profile data → a validated Profile.

Every question is named exactly as the profile field it fills (`mri_last_12_months.new_or_enlarging_t2_lesions`,
`prior_dmts.0.drug`, repeated `comorbidities`). An empty answer, or "I don't know", leaves the field
out, so it stays *unknown*. Everyday answers are understood: "45 years" is 45 when the question is
in years, and "nothing", "no" or "none at the moment" for the current medicine mean none. Otherwise
numbers are read strictly: "3,5" or "two" is a plain error beside the question, never a silent
guess. Validation is the profile model's own (`validate_profile`); its diagnostics are mapped back
onto the questions they belong to, a number out of range in the question's own words ("EDSS goes
from 0 to 10"). `answers_for` is the way back: a profile (a saved answers file) as form answers.
The questions' words are marked for translation (N_) and translated where shown; the messages are
made in the current language (plumbing/i18n.py `speaking`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from ..pack.vocabulary import COMORBIDITIES
from ..plumbing.errors import ProfileError
from ..plumbing.i18n import N_, _, writes_decimal_comma
from ..plumbing.yamlpos import Document, Path_
from ..profile.model import Profile
from ..profile.read import validate_profile

Kind = Literal["text", "integer", "decimal", "radio", "drug"]
MAX_PRIOR_DMTS = 50
PRIOR_DMT_ROWS = 1  # one "earlier medicine" block; "Add another medicine" adds more
# Every shipped language's words are understood in every language: a form in Spanish may get English.
_UNKNOWN_WORDS = {"", "?", "unknown", "i don't know", "i dont know", "don't know", "dont know", "not known",
                  "no sé", "no se", "no lo sé", "no lo se", "desconocido", "weiß nicht", "weiss nicht", "unbekannt"}
# What people write for "no MS medicine now" (compared without case and end punctuation).
_NONE_WORDS = {"none", "no", "nothing", "nil", "none at the moment", "none at present", "none right now",
               "none now", "nothing at the moment", "not at the moment", "no medicine", "not any", "not taking any",
               "ninguno", "ninguna", "nada", "ninguno ahora", "ningún medicamento", "keine", "keins", "nichts"}
# A unit after a number, by the unit the question asks in ("45 years", "18 months").
_UNIT_WORDS = {"years": ("years", "year", "yrs", "yr", "years old", "year old", "años", "año", "jahre", "jahr"),
               "months": ("months", "month", "mths", "mth", "mos", "mo", "meses", "mes", "monate", "monat")}


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    hint: str
    kind: Kind
    short: str  # how error messages refer to it ("your age"; in the error summary with a capital)
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    required: bool = False
    unknown: str = N_("I don't know")  # label of the answer that leaves the field unknown (radio)
    size: int = 6
    unit: str = ""  # the unit a number may be followed by: "years" or "months"
    example: str = ""  # a typical answer, for the message when a number cannot be read
    out_of_range: str = N_("Please write a number from {low} to {high}.")  # {low} and {high} from the profile model

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclass(frozen=True)
class Section:
    title: str
    intro: str
    questions: tuple[Question, ...]
    then: str = ""  # a block of the form that follows the questions in the same part ("prior_dmts")


# The form's words are marked with N_ where they are defined and translated where they are shown
# (form.html calls _() on every label, hint and choice), so the one table serves every language.
YES, NO, DONT_KNOW, NOT_SURE, SKIP = N_("Yes"), N_("No"), N_("I don't know"), N_("Not sure yet"), N_("Skip this question")

SECTIONS: tuple[Section, ...] = (
    Section(N_("About you"), "", (
        Question("name", N_("Your name (optional)"),
                 N_("Printed on the sheet, and in your saved answers if you save them. It is not kept on our server."),
                 "text", short=N_("your name"), size=30),
        Question("age", N_("How old are you?"), N_("In whole years, for example 42."), "integer", short=N_("your age"),
                 required=True, unit="years", example="42", out_of_range=N_("This sheet is for ages {low} to {high}.")),
        Question("sex", N_("Your sex"), N_("Some treatments have different risks in pregnancy, so this can matter."),
                 "radio", short=N_("your sex"),
                 choices=(("female", N_("Female")), ("male", N_("Male")), ("other", N_("Other")),
                          ("undisclosed", N_("I would rather not say"))), unknown=SKIP),
    )),
    Section(N_("Your MS"), "", (
        Question("ms_type", N_("Which type of MS do you have?"),
                 N_("Your MS team will have told you, and it is in your clinic letters. "
                    "CIS is a first attack that may or may not become MS. "
                    "RRMS (relapsing-remitting) comes in attacks, with recovery in between. "
                    "SPMS (secondary progressive) started as RRMS and now slowly gets worse. "
                    "PPMS (primary progressive) got slowly worse from the start."),
                 "radio", short=N_("the type of MS"), required=True,
                 choices=(("CIS", N_("CIS: a first attack (clinically isolated syndrome)")),
                          ("RRMS", N_("RRMS: relapsing-remitting MS")),
                          ("SPMS", N_("SPMS: secondary progressive MS")),
                          ("PPMS", N_("PPMS: primary progressive MS")),
                          ("unknown", DONT_KNOW)), unknown=""),
        Question("years_since_first_symptoms", N_("How many years ago did your first MS symptoms start?"),
                 N_("A rough number is fine. You can use a dot for part of a year, like 2.5. "
                    "Leave it empty if you don't know."), "decimal", short=N_("years since the first symptoms"),
                 unit="years"),
        Question("edss", N_("What is your EDSS score?"),
                 N_("EDSS is a score from 0 to 10 that neurologists use to measure how much MS affects you. "
                    "0 means no signs of MS, 6 means you need a stick to walk about 100 metres, and higher "
                    "numbers mean more disability. It goes in steps of 0.5, like 3.5. Look in your clinic "
                    "letters or ask your MS nurse. Leave it empty if you don't know."),
                 "decimal", short=N_("the EDSS score"), out_of_range=N_("EDSS goes from {low} to {high}.")),
        Question("walking", N_("How do you usually walk?"), "", "radio", short=N_("how you usually walk"),
                 choices=(("unaided", N_("Without help")), ("one_aid", N_("With one stick or crutch")),
                          ("two_aids", N_("With two sticks, crutches or a walking frame")),
                          ("wheelchair", N_("I use a wheelchair most of the time")))),
        Question("disability_worsening_last_12_months",
                 N_("Has MS made walking or daily life harder over the last 12 months?"),
                 N_("Count slow changes that stayed, not a relapse you then got better from."), "radio",
                 short=N_("MS making daily life harder over the last 12 months"),
                 choices=(("yes", YES), ("no", NO), ("unknown", DONT_KNOW)), unknown=""),
    )),
    Section(N_("Relapses and MRI scans"),
            N_("A relapse (or attack) is new symptoms, or old ones getting much worse, for more than a day. "
               "Write 0 if you had none. Leave a box empty if you don't know."), (
        Question("relapses_last_12_months", N_("How many relapses did you have in the last 12 months?"), "",
                 "integer", short=N_("relapses in the last 12 months")),
        Question("relapses_last_24_months", N_("How many relapses did you have in the last 24 months (2 years)?"),
                 N_("This counts the last 12 months too, so it is at least the number above."), "integer",
                 short=N_("relapses in the last 24 months")),
        Question("mri_last_12_months.new_or_enlarging_t2_lesions",
                 N_("MRI in the last 12 months: how many new or bigger T2 lesions?"),
                 N_("Lesions are spots of damage on the scan. Your MRI report or your neurologist can tell you "
                    "how many were new or had grown. Leave it empty if you don't know or had no scan."),
                 "integer", short=N_("new or bigger T2 lesions")),
        Question("mri_last_12_months.gadolinium_enhancing_lesions",
                 N_("MRI in the last 12 months: how many gadolinium-enhancing lesions?"),
                 N_("These are active spots that light up with the contrast dye (gadolinium). "
                    "Leave it empty if you don't know or had no contrast scan."),
                 "integer", short=N_("gadolinium-enhancing lesions")),
    )),
    Section(N_("MS medicines"),
            N_("Disease-modifying therapies (DMTs) are medicines that slow MS down. You can type the brand "
               "name (like Tysabri) or the medicine name (like natalizumab); the box suggests names as you type."), (
        Question("current_dmt", N_("Which MS medicine do you take now?"),
                 N_("Type none if you take no MS medicine. Leave it empty if you don't know."), "drug",
                 short=N_("the medicine you take now"), size=24),
        Question("current_dmt_months", N_("For how many months have you taken it?"), N_("In whole months, like 18."),
                 "integer", short=N_("months on the current medicine"), unit="months"),
        Question("activity_on_current_dmt", N_("Has your MS been active while on this medicine?"),
                 N_("Think of the last 12 months, but not your first 6 months on the medicine. Did you have a "
                    "relapse, or new or bigger lesions on an MRI scan? Doctors call this breakthrough. "
                    "Skip this if you take no MS medicine."), "radio", short=N_("activity on the current medicine"),
                 choices=(("yes", YES), ("no", NO), ("unknown", DONT_KNOW)), unknown=""),
        Question("jcv_antibody", N_("If you take natalizumab (Tysabri or Tyruko): was your last JC virus antibody "
                                    "test positive or negative?"),
                 N_("This blood test helps show the risk of a rare brain infection (PML). "
                    "Skip this if you do not take natalizumab."), "radio", short=N_("JC virus antibody test"),
                 choices=(("positive", N_("Positive")), ("negative", N_("Negative")), ("unknown", DONT_KNOW)),
                 unknown=""),
        Question("jcv_index", N_("If it was positive: what was the index?"),
                 N_("A number on the test result, like 0.8 or 1.8. Leave it empty if you don't know."), "decimal",
                 short=N_("JC virus index")),
    ), then="prior_dmts"),
)

PRIOR_DMT_ANSWERS = (("none", N_("No, I have not taken another MS medicine before")),
                     ("some", N_("Yes, I write them below")),
                     ("unknown", DONT_KNOW))
STOP_REASONS = (("not_effective", N_("It did not work well enough")), ("side_effects", N_("Side effects")),
                ("safety_risk", N_("A safety risk (for example a test result)")), ("pregnancy", N_("Pregnancy")),
                ("other", N_("Another reason")))
COMORBIDITY_ANSWERS = (("none", N_("I have none of these")),
                       ("some", N_("I have one or more of these (tick them below)")),
                       ("unknown", DONT_KNOW))
COMORBIDITY_LABELS: dict[str, str] = {
    "heart_disease": N_("Heart disease"), "lung_disease": N_("Lung disease"), "kidney_disease": N_("Kidney disease"),
    "liver_disease": N_("Liver disease"), "cirrhosis": N_("Cirrhosis (scarring of the liver)"),
    "active_infection": N_("An infection now"), "hiv": N_("HIV"), "hepatitis_b": N_("Hepatitis B"),
    "hepatitis_c": N_("Hepatitis C"), "cancer_active_or_recent": N_("Cancer now or recently"),
    "cancer_history": N_("Cancer in the past"), "thyroid_disease": N_("Thyroid disease"),
    "other_autoimmune_disease": N_("Another autoimmune disease (like lupus or rheumatoid arthritis)"),
}
assert tuple(COMORBIDITY_LABELS) == COMORBIDITIES

LATER_QUESTIONS: tuple[Question, ...] = (
    Question("pregnant", N_("Are you pregnant?"), N_("Men can skip this question."), "radio", short=N_("pregnancy"),
             choices=(("yes", YES), ("no", NO)), unknown=SKIP),
    Question("breastfeeding", N_("Are you breastfeeding?"),
             N_("Some MS medicines can be used while breastfeeding and others cannot. Men can skip this question."),
             "radio", short=N_("breastfeeding"), choices=(("yes", YES), ("no", NO)), unknown=SKIP),
    Question("plans_children", N_("Do you plan to have children?"), "", "radio", short=N_("plans to have children"),
             choices=(("yes", YES), ("no", NO), ("unsure", NOT_SURE)), unknown=SKIP),
    Question("open_to_clinical_trials", N_("Would you think about joining a clinical trial?"),
             N_("A trial is a research study of a new treatment."), "radio", short=N_("joining a clinical trial"),
             choices=(("yes", YES), ("no", NO), ("unsure", NOT_SURE)), unknown=SKIP),
    Question("considering_clinic_abroad", N_("Are you thinking about a stem cell clinic abroad?"),
             N_("The sheet then adds warning signs to look out for."), "radio", short=N_("a stem cell clinic abroad"),
             choices=(("yes", YES), ("no", NO)), unknown=SKIP),
)

QUESTIONS: dict[str, Question] = {q.name: q for s in SECTIONS for q in s.questions} | {
    q.name: q for q in LATER_QUESTIONS}
#: how messages name each answer, in English (translate with `_()` where shown)
SHORT_NAMES: dict[str, str] = {
    "prior_dmts": N_("earlier medicines"), "comorbidities": N_("other health conditions"),
    **{name: q.short for name, q in QUESTIONS.items()},
}
FORM_STEP = "do"  # a button's name: "change" (the form again) or "add_medicine" (one more block, without JavaScript)
_PRIOR_NAME = re.compile(r"^prior_dmts\.([0-9]{1,2})\.(drug|months|stopped_because)$")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,9}$")
_DECIMAL = re.compile(r"^[+-]?([0-9]{1,9}(\.[0-9]{0,6})?|\.[0-9]{1,6})$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Answers:
    """What was posted, kept as text so the form can be shown again exactly as filled in."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in items:
            self._values.setdefault(name, []).append(value)

    def get(self, name: str) -> str:
        values = self._values.get(name)
        return values[0] if values else ""

    def getlist(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def names(self) -> list[str]:
        return list(self._values)

    def items(self) -> list[tuple[str, str]]:
        return [(name, value) for name, values in self._values.items() for value in values]

    def prior_rows(self) -> int:
        """How many earlier-medicine blocks to show: one, or one for every block posted (and one more
        when the person asked for another)."""
        indexes = [int(m.group(1)) for n in self._values if (m := _PRIOR_NAME.match(n))]
        rows = max(PRIOR_DMT_ROWS, max(indexes, default=-1) + 1)
        return min(MAX_PRIOR_DMTS, rows + (1 if self.get(FORM_STEP) == "add_medicine" else 0))


@dataclass
class FormReading:
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    large_print: bool = False
    booklet: bool = False  # the full booklet instead of the visit sheet
    sheet_date: dt.date | None = None
    prior_rows: list[int] = field(default_factory=list)  # the form row of each item of data["prior_dmts"]


class FormInvalid(Exception):
    """The answers cannot make a profile; `errors` maps each question's name to a plain message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} answer(s) need attention")


def read_form(answers: Answers, catalogue: Any) -> tuple[Profile, FormReading]:
    """The validated Profile and options from posted answers; raises FormInvalid."""
    reading = parse_answers(answers)
    profile: Profile | None = None
    try:
        profile = validate_data(reading.data, catalogue, reading.prior_rows)
    except FormInvalid as exc:
        for name, message in exc.errors.items():
            reading.errors.setdefault(name, message)  # a form-level error about the same answer comes first
    if reading.errors or profile is None:
        raise FormInvalid(_in_form_order(reading.errors))
    return profile, reading


def parse_answers(answers: Answers) -> FormReading:
    """Turn posted text into profile data (unknown answers left out) and form-level errors."""
    reading = FormReading()
    for question in QUESTIONS.values():
        _read_question(question, answers.get(question.name), reading)
    mri = reading.data.pop("mri_last_12_months.new_or_enlarging_t2_lesions", None), \
        reading.data.pop("mri_last_12_months.gadolinium_enhancing_lesions", None)
    if any(v is not None for v in mri):
        reading.data["mri_last_12_months"] = {k: v for k, v in zip(
            ("new_or_enlarging_t2_lesions", "gadolinium_enhancing_lesions"), mri, strict=True) if v is not None}
    _read_prior_dmts(answers, reading)
    _read_comorbidities(answers, reading)
    reading.large_print = answers.get("large_print") == "yes"
    reading.booklet = answers.get("document") == "booklet"
    day = answers.get("sheet_date").strip()
    if day:
        reading.sheet_date = parse_date(day)
        if reading.sheet_date is None:
            reading.errors["sheet_date"] = _(DATE_ERROR)
    reading.data = {k: reading.data[k] for k in Profile.model_fields if k in reading.data}
    return reading


def _read_question(question: Question, raw: str, reading: FormReading) -> None:
    text = raw.strip()
    if question.kind == "radio":
        allowed = {value for value, _ in question.choices}
        if text in allowed:
            reading.data[question.name] = text
        elif text:
            reading.errors[question.name] = _("Please choose one of the answers.")
        elif question.required:
            reading.errors[question.name] = _("Please choose one of the answers (or \"{unknown}\").").format(
                unknown=_(DONT_KNOW))
        return
    if _is_unknown(text):
        if question.required:
            # TRANSLATORS: {what} is how the form names an answer, like "your age" or "the type of MS"
            reading.errors[question.name] = _("Please give {what}.").format(what=_(question.short))
        return
    value: int | float | str | None
    problem: str | None = None
    if question.kind == "integer":
        value, problem = parse_integer(without_unit(text, question.unit), question.example or "2")
    elif question.kind == "decimal":
        value, problem = parse_decimal(without_unit(text, question.unit), question.example or "3.5")
    elif question.kind == "drug" and means_none(text):
        value = "none"
    else:
        value = text
    if problem:
        reading.errors[question.name] = problem
    else:
        reading.data[question.name] = value


def parse_integer(text: str, example: str = "2") -> tuple[int | None, str | None]:
    """A whole number written with digits, or a plain reason why not."""
    if _INTEGER.match(text):
        return int(text), None
    if _DECIMAL.match(text) or _DECIMAL.match(text.replace(",", ".", 1)):
        return None, _("Please write a whole number, like {example}.").format(example=example)
    return None, _("Please write a number using digits, like {example}.").format(example=example)


def parse_decimal(text: str, example: str = "3.5") -> tuple[int | float | None, str | None]:
    """A number with an optional decimal dot (kept whole when written whole), or a plain reason why not."""
    if _INTEGER.match(text):
        return int(text), None
    if _DECIMAL.match(text):
        return float(text), None
    if _DECIMAL.match(text.replace(",", ".", 1)):
        if writes_decimal_comma():  # "3,5" is how Spanish and German write three and a half
            return float(text.replace(",", ".", 1)), None
        return None, _("Please use a dot for part of a number, like {example}.").format(example=example)
    return None, _("Please write a number using digits, like {example}.").format(example=example)


def without_unit(text: str, unit: str) -> str:
    """'45 years' -> '45' when the question asks in years; anything else is left as it is."""
    number, _, rest = text.partition(" ")
    if rest and rest.strip().casefold().rstrip(".") in _UNIT_WORDS.get(unit, ()):
        return number
    return text


def means_none(text: str) -> bool:
    """'nothing', 'No.', 'None at the moment': no MS medicine now."""
    return " ".join(text.casefold().rstrip(".!").split()) in _NONE_WORDS


DATE_ERROR = N_("The date must look like 2026-03-31.")  # translate with _() where shown


def parse_date(text: str) -> dt.date | None:
    """A YYYY-MM-DD date, or None."""
    try:
        return dt.date.fromisoformat(text) if _DATE.match(text) else None
    except ValueError:
        return None


def _is_unknown(text: str) -> bool:
    return text.casefold().replace("\u2019", "'") in _UNKNOWN_WORDS


def _read_prior_dmts(answers: Answers, reading: FormReading) -> None:
    rows: dict[int, dict[str, str]] = {}
    for name in answers.names():
        if (match := _PRIOR_NAME.match(name)) and int(match.group(1)) < MAX_PRIOR_DMTS:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = answers.get(name).strip()
    items: list[dict[str, Any]] = []
    indexes: list[int] = []
    for index in sorted(rows):
        row = rows[index]
        if not any(row.values()):
            continue
        item: dict[str, Any] = {}
        if _is_unknown(row.get("drug", "")):
            reading.errors[f"prior_dmts.{index}.drug"] = _("Please write the medicine's name, or clear this row.")
        else:
            item["drug"] = row["drug"]
        if not _is_unknown(row.get("months", "")):
            months, problem = parse_integer(without_unit(row["months"], "months"))
            if problem:
                reading.errors[f"prior_dmts.{index}.months"] = problem
            else:
                item["months"] = months
        reason = row.get("stopped_because", "")
        if reason and reason not in {value for value, _ in STOP_REASONS}:
            reading.errors[f"prior_dmts.{index}.stopped_because"] = _("Please choose one of the reasons.")
        elif reason:
            item["stopped_because"] = reason
        items.append(item)
        indexes.append(index)
    answer = answers.get("prior_dmts_answer")
    if answer == "none" and items:
        reading.errors["prior_dmts"] = _("You chose \"No\" but also wrote medicines below. "
                                         "Please change the answer or clear the rows.")
    elif answer == "none":
        reading.data["prior_dmts"] = []
    elif items:
        reading.data["prior_dmts"] = items
        reading.prior_rows = indexes
    elif answer == "some":
        reading.errors["prior_dmts"] = _("Please write at least one medicine below, or choose \"{unknown}\".").format(
            unknown=_(DONT_KNOW))


def _read_comorbidities(answers: Answers, reading: FormReading) -> None:
    ticked = [value for value in answers.getlist("comorbidities") if value]
    unknown_values = [value for value in ticked if value not in COMORBIDITIES]
    answer = answers.get("comorbidities_answer")
    if unknown_values:
        reading.errors["comorbidities"] = _("Please tick only the conditions listed.")
    elif answer == "none" and ticked:
        reading.errors["comorbidities"] = _("You chose \"{none}\" but also ticked some. Please change one of them.").format(
            none=_(COMORBIDITY_ANSWERS[0][1]))
    elif answer == "none":
        reading.data["comorbidities"] = []
    elif ticked:
        reading.data["comorbidities"] = [c for c in COMORBIDITIES if c in ticked]
    elif answer == "some":
        reading.errors["comorbidities"] = _("Please tick the conditions you have, or choose \"{unknown}\".").format(
            unknown=_(DONT_KNOW))


def validate_data(data: dict[str, Any], catalogue: Any, prior_rows: list[int] | None = None) -> Profile:
    """Validate with the profile model; each diagnostic is mapped back to the question it is about.

    The model names the field of each problem through its position in a Document, so every path in
    the data gets a position of its own (its "line") and the position leads back to the path.
    """
    paths = list(_paths(data, ()))
    doc = Document(data, "form", {path: (line, 1) for line, path in enumerate(paths, start=1)})
    try:
        return validate_profile(doc, catalogue)
    except ProfileError as exc:
        errors: dict[str, str] = {}
        for diagnostic in exc.diagnostics:
            path = paths[diagnostic.line - 1] if diagnostic.line else ()
            if len(path) > 1 and path[0] == "prior_dmts" and prior_rows:  # item i was typed in form row prior_rows[i]
                path = ("prior_dmts", prior_rows[int(path[1])], *path[2:])
            message = diagnostic.message.removeprefix("profile: ")  # the model's name for a check across fields
            name = _question_name(path, message)
            errors.setdefault(name, _out_of_range(name, message) or plain_message(name, message))
        raise FormInvalid(errors) from None


def _out_of_range(name: str, message: str) -> str | None:
    """A number outside the profile model's range, in the question's own words ("EDSS goes from 0 to 10")."""
    question = QUESTIONS.get(name)
    bounds = _bounds(name)
    if question is None or bounds is None or "is out of range" not in message:
        return None
    low, high = bounds
    return _(question.out_of_range).format(low=f"{low:g}", high=f"{high:g}")  # as the person would type them


def _bounds(name: str) -> tuple[float, float] | None:
    """The lowest and highest value the profile model allows for a top-level number field."""
    field_info = Profile.model_fields.get(name)
    if field_info is None:
        return None
    limits: dict[str, float] = {}

    def collect(items: Iterable[Any]) -> None:
        for item in items:
            for limit in ("ge", "le"):
                if isinstance(getattr(item, limit, None), int | float):
                    limits.setdefault(limit, getattr(item, limit))
            collect(getattr(item, "metadata", ()))

    def walk(annotation: Any) -> None:
        collect(getattr(annotation, "__metadata__", ()))
        for argument in get_args(annotation):
            walk(argument)

    collect(field_info.metadata)
    walk(field_info.annotation)
    return (limits["ge"], limits["le"]) if {"ge", "le"} <= limits.keys() else None


def _paths(value: Any, at: Path_) -> Iterable[Path_]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield at + (key,)
            yield from _paths(item, at + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield at + (index,)
            yield from _paths(item, at + (index,))


def _question_name(path: Path_, message: str) -> str:
    if not path:  # a missing field, or a check across fields: the message starts with the field's name
        text = message.lstrip("'")
        return next((n for n in sorted(SHORT_NAMES, key=len, reverse=True) if text.startswith(n)), "")
    if path[0] == "mri_last_12_months" and len(path) == 1:
        return "mri_last_12_months.new_or_enlarging_t2_lesions"
    if path[0] == "prior_dmts" and len(path) == 2:
        return f"prior_dmts.{path[1]}.drug"
    if path[0] == "comorbidities":
        return "comorbidities"
    return ".".join(str(part) for part in path)


def plain_message(name: str, message: str) -> str:
    """A model message as it reads beside its question: no field-name prefix, names in words."""
    if message.startswith(f"{name}: "):
        message = message[len(name) + 2:]
    for field_name in sorted(SHORT_NAMES, key=len, reverse=True):
        if "_" in field_name or "." in field_name:  # only the technical names; "age" may be part of a word
            message = re.sub(rf"(?<![\w.]){re.escape(field_name)}(?![\w.])", SHORT_NAMES[field_name], message)
    return message[:1].upper() + message[1:]


def _in_form_order(errors: dict[str, str]) -> dict[str, str]:
    order = {name: i for i, name in enumerate(field_order())}
    return dict(sorted(errors.items(), key=lambda item: (order.get(_base(item[0]), len(order)), item[0])))


def _base(name: str) -> str:
    return "prior_dmts" if name.startswith("prior_dmts") else name


def field_order() -> list[str]:
    """Every question's name, in the order the form asks them (the error summary follows it)."""
    return [q.name for s in SECTIONS for q in s.questions] + ["prior_dmts", "comorbidities"] + [
        q.name for q in LATER_QUESTIONS] + ["sheet_date"]


def answers_from(items: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Answers:
    """Answers from a multi-dict's items (Starlette's FormData.multi_items()) or pairs; files are ignored."""
    pairs = items.items() if isinstance(items, Mapping) else items
    return Answers((str(k), v) for k, v in pairs if isinstance(v, str))


_SHEET_CHOICES = ("large_print", "document", "sheet_date", "lang")  # how the sheet is made, not about the patient


def carried(answers: Answers) -> list[tuple[str, str]]:
    """The answers a page carries in hidden fields for its buttons: only the form's own questions."""
    known = set(QUESTIONS) | {"prior_dmts_answer", "comorbidities_answer", "comorbidities", *_SHEET_CHOICES}
    return [(name, value) for name, value in answers.items()
            if (name in known or _PRIOR_NAME.match(name)) and value]


def answers_for(data: Mapping[str, Any], sheet: Answers | None = None) -> Answers:
    """A profile in the contract's shape (a saved answers file) as the form's answers, with the sheet
    choices of `sheet` kept. A field the form has no question for raises KeyError (a bug: a test
    checks that every profile field has its question)."""
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        if key == "mri_last_12_months":
            pairs += [(f"{key}.{part}", _as_text(v)) for part, v in value.items()]
        elif key == "prior_dmts":
            pairs.append(("prior_dmts_answer", "some" if value else "none"))
            pairs += [(f"prior_dmts.{i}.{part}", _as_text(v)) for i, item in enumerate(value) for part, v in item.items()]
        elif key == "comorbidities":
            pairs.append(("comorbidities_answer", "some" if value else "none"))
            pairs += [("comorbidities", c) for c in value]
        elif key in QUESTIONS:
            pairs.append((key, _as_text(value)))
        elif key == "pregnant_or_breastfeeding":  # the older field (profile v1.1): the form asks the two apart;
            # "yes" becomes yes to both, which every option weighs as the profile weighs the older "yes"
            pairs += [("pregnant", _as_text(value)), ("breastfeeding", _as_text(value))]
        else:
            raise KeyError(f"the form has no question for {key}")
    if sheet is not None:
        pairs += [(name, sheet.get(name)) for name in _SHEET_CHOICES if sheet.get(name)]
    return Answers(pairs)


def _as_text(value: Any) -> str:
    return f"{value:.10g}" if isinstance(value, float) else str(value)  # 4.0 reads "4", 2.5 "2.5"
