"""Small text helpers the sheet's builders share."""

from __future__ import annotations

import re

from ..plumbing.i18n import _, current_language, number, word_list


def sentence(text: str) -> str:
    """`text` with a capital first letter and a full stop."""
    text = text.strip()
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def first_sentence(text: str, *, clause: bool = False) -> str:
    """The first sentence (or clause, up to a semicolon), ending in a full stop: the grid gives the
    gist, the option's page the rest."""
    match = re.match(r"(.+?[.!?;])(\s|$)" if clause else r"(.+?[.!?])(\s|$)", text.strip())
    found = (match.group(1) if match else text.strip()).rstrip(";")
    return found if found[-1] in ".!?" else found + "."


def natural_frequency(count: int, denominator: int) -> str:
    # TRANSLATORS: a natural frequency, as in "20 in 1,000 people had a relapse"
    return _("{count} in {denominator}").format(count=number(count), denominator=number(denominator))


def lower_first(text: str) -> str:
    """'Hepatitis B' -> 'hepatitis B' inside a sentence; an acronym such as 'HIV' or 'MSC' stays.
    German keeps its capitals: its nouns start with one wherever they stand."""
    if current_language() == "de":
        return text
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def join_words(items: list[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (or, with `last` "or", 'a, b or c'), as the current language joins them."""
    return word_list(items, "or" if last == "or" else "standard")
