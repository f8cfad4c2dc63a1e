"""Languages: which one a document speaks, its gettext catalogues, and numbers, dates and lists in it.

English is the source language: every message id is the English text, and English needs no
catalogue. Two gettext domains, each a `.po` file compiled to `.mo` (scripts/catalogues.sh):

- `messages`: the code, the templates and the sheet's fixed text, in templates/locale/;
- `pack`: the rule pack's patient-facing text, in <rules folder>/locale/, so a rules folder
  carries its own translations.

The language is a context variable, set once around the making of a document (`speaking`), so the
code that builds a sentence does not pass it along. Catalogues are read with the standard library's
gettext (fast, no Babel); Babel formats numbers, dates and lists, and is imported only for them.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from .resources import templates_dir

Language = Literal["en", "es", "de"]
#: the shipped languages, English (the source) first
LANGUAGES: tuple[Language, ...] = get_args(Language)
SOURCE_LANGUAGE: Language = "en"
#: each language's name in itself, for the form's language choice
NATIVE_NAMES: dict[Language, str] = {"en": "English", "es": "Español", "de": "Deutsch"}
MESSAGES, PACK = "messages", "pack"

_speaking: ContextVar[Language] = ContextVar("language", default=SOURCE_LANGUAGE)


@contextmanager
def speaking(language: Language) -> Iterator[None]:
    """Within this block, `_()` and the templates speak `language`."""
    token = _speaking.set(language)
    try:
        yield
    finally:
        _speaking.reset(token)


def current_language() -> Language:
    return _speaking.get()


def catalogue_path(folder: Path, language: str, domain: str) -> Path:
    """Where a domain's catalogue for `language` lives under `folder` (its `.po`; the `.mo` beside it)."""
    return folder / "locale" / language / "LC_MESSAGES" / f"{domain}.po"


@lru_cache(maxsize=32)
def translations(folder: Path, language: str, domain: str) -> gettext.NullTranslations:
    """The compiled catalogue of `domain` in `language` under `folder`; English and a missing
    catalogue give the English text back (`rules check` reports a missing catalogue)."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    compiled = catalogue_path(folder, language, domain).with_suffix(".mo")
    try:
        with compiled.open("rb") as file:
            return gettext.GNUTranslations(file)
    except FileNotFoundError:
        return gettext.NullTranslations()


def catalogue_date(folder: Path, language: str, domain: str) -> str:
    """The revision date of a compiled catalogue (YYYY-MM-DD), "" for English or without one."""
    return translations(folder, language, domain).info().get("po-revision-date", "")[:10]


def _messages() -> gettext.NullTranslations:
    return translations(templates_dir(), _speaking.get(), MESSAGES)


def _(message: str) -> str:
    """`message` in the current language."""
    return _messages().gettext(message) if message else message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the current language."""
    return _messages().ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, where the same English words mean different things."""
    return _messages().pgettext(context, message)


def N_(message: str) -> str:
    """Marks `message` for the catalogue where it is defined; it is translated where it is used."""
    return message


# ----------------------------------------------------------------------------- numbers, dates, lists
def number(value: int | float) -> str:
    """A number as the current language writes it: 1,217 in English, 1217 / 1.217 in Spanish and German."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_speaking.get())


def decimal(value: float) -> str:
    """A number with one decimal place: 3.5 in English, 3,5 in Spanish and German."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.0", locale=_speaking.get())


def writes_decimal_comma() -> bool:
    """Whether the current language writes three and a half as 3,5 (English reads "3,5" as a mistake)."""
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(_speaking.get()) == ","


def long_date(value: dt.date) -> str:
    """4 December 2026; 4 de diciembre de 2026; 4. Dezember 2026."""
    from babel.dates import format_date

    return format_date(value, "d MMMM y", locale="en_GB") if _speaking.get() == "en" else \
        format_date(value, "long", locale=_speaking.get())


def word_list(items: Sequence[str], style: Literal["standard", "or"] = "standard") -> str:
    """a, b and c (or: a, b or c), as the current language joins them."""
    from babel.lists import format_list

    if _speaking.get() == "en":  # the sheets' own English style: no serial comma
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + (" or " if style == "or" else " and ") + items[-1]
    return format_list(list(items), style=style, locale=_speaking.get())
