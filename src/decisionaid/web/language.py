"""Which language a web page speaks: the person's own choice first, then their browser's.

    ?lang=es        in the address: a language button's choice (the buttons post the answers there)
    lang=es         a form field: the language the page was shown in, carried with the answers
    Accept-Language the browser's languages, negotiated among the shipped ones (Babel)
    English         otherwise

A value that names no shipped language is passed over, never an error: a page in English (or the
browser's language) is always a better answer than a refusal.
"""

from __future__ import annotations

from babel.core import negotiate_locale

from ..plumbing.i18n import LANGUAGES, NATIVE_NAMES, SOURCE_LANGUAGE, Language

LANGUAGE_FIELD = "lang"  # the form field and the query parameter
_MAX_TAGS = 20  # an Accept-Language header is read no further (a hostile one may be long)


def shipped(value: str | None) -> Language | None:
    """`value` as a shipped language ("es", "ES", "es-MX" → "es"), or None."""
    if not value:
        return None
    code = value.strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def from_accept_language(header: str) -> Language | None:
    """The best shipped language for an Accept-Language header ("es-ES,es;q=0.9,en;q=0.8"), or None."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:_MAX_TAGS]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        if tag and tag != "*" and weight > 0:
            weighted.append((-weight, position, tag.strip()))
    preferred = [tag for _, _, tag in sorted(weighted)]
    return shipped(negotiate_locale(preferred, list(LANGUAGES), sep="-", aliases={}))


def choose_language(query: str | None, field: str | None, accept_language: str | None) -> Language:
    """The language of a page: the address's `?lang=`, the form's `lang` field, the browser's, English."""
    return shipped(query) or shipped(field) or from_accept_language(accept_language or "") or SOURCE_LANGUAGE


def language_choices() -> list[tuple[Language, str]]:
    """Every shipped language with its name in itself, for the page's language buttons."""
    return [(language, NATIVE_NAMES[language]) for language in LANGUAGES]
