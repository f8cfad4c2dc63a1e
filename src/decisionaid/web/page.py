"""The form page: one server-rendered HTML document, autoescaped, that works without JavaScript
(its one same-origin script, form.js, shows errors in place and keeps the answers across Back and
Forward). Its parts are numbered ("Part 2 of 5"): one per section of questions, and one for the
other health conditions and plans. It speaks the current language (plumbing/i18n.py): the
templates' text and the questions' (form.py marks them), with buttons to choose another.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..plumbing import i18n
from ..plumbing.i18n import _
from ..plumbing.resources import templates_dir
from .form import (
    COMORBIDITY_ANSWERS,
    COMORBIDITY_LABELS,
    LATER_QUESTIONS,
    PRIOR_DMT_ANSWERS,
    QUESTIONS,
    SECTIONS,
    SHORT_NAMES,
    STOP_REASONS,
    Answers,
)
from .language import LANGUAGE_FIELD, language_choices


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary: where the question is, what it is called, what is wrong."""

    anchor: str
    title: str
    message: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # as the sheets' environment (sheet/render.py): the current language, looked up at each render
    env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext)
    env.globals["language"] = i18n.current_language
    env.policies["ext.i18n.trimmed"] = True  # as the catalogue's extraction (templates/locale/babel.cfg)
    return env


def form_asset(name: str) -> str:
    """A file the form page loads (its stylesheet, script or icon), read once at start-up."""
    return (templates_dir() / name).read_text(encoding="utf-8")


FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")  # the faces view.css uses


def font_files() -> dict[str, bytes]:
    """The project's fonts the page on screen loads, by file name, read once at start-up."""
    return {name: (templates_dir() / "fonts" / name).read_bytes() for name in FONTS}


@lru_cache(maxsize=1)
def booklet_pages() -> tuple[int, int]:
    """The booklet's length, the range over the examples (templates/document-lengths.yaml, made with the docs)."""
    lengths = yaml.safe_load((templates_dir() / "document-lengths.yaml").read_text(encoding="utf-8"))
    low, high = lengths["booklet"]
    return int(low), int(high)


def render_form(answers: Answers, errors: dict[str, str], drug_names: list[str], focus: str = "") -> str:
    """The form, filled in with `answers`, each error beside its question and listed at the top;
    `focus` names the answer whose box has the focus (a new earlier-medicine block)."""
    return _environment().get_template("form.html").render(
        booklet_pages=booklet_pages(),
        sections=SECTIONS, later_questions=LATER_QUESTIONS, answers=answers, errors=errors,
        summary=[error_link(name, message) for name, message in errors.items()],
        prior_answers=PRIOR_DMT_ANSWERS, stop_reasons=STOP_REASONS, prior_rows=answers.prior_rows(),
        comorbidity_answers=COMORBIDITY_ANSWERS, comorbidity_labels=COMORBIDITY_LABELS,
        drug_names=drug_names, field_id=field_id, part_count=len(SECTIONS) + 1, focus=focus,
        languages=language_choices(), language_field=LANGUAGE_FIELD,
    )


def field_id(name: str) -> str:
    """The HTML id of the input (or first radio) that answers `name`."""
    question = QUESTIONS.get(name)
    if question is not None:
        return question.id + ("-1" if question.kind == "radio" else "")
    if name in ("prior_dmts", "comorbidities"):
        return f"f-{name}_answer-1"
    return "f-" + name.replace(".", "-")


def error_link(name: str, message: str) -> ErrorLink:
    if name.startswith("prior_dmts."):
        _field, index, part = name.split(".")
        titles = {"drug": _("Earlier medicine {number}, name"), "months": _("Earlier medicine {number}, months"),
                  "stopped_because": _("Earlier medicine {number}, reason for stopping")}
        title = titles[part].format(number=i18n.number(int(index) + 1))
    elif name == "sheet_date":
        title = _("Date on the sheet")
    elif name == "answers":
        title = _("Your saved answers")
    else:
        title = _(SHORT_NAMES[name]) if name in SHORT_NAMES else _("Your answers")
        title = title[:1].upper() + title[1:]
    return ErrorLink(anchor=field_id(name) if name else "form-start", title=title, message=message)
