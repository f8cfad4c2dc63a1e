"""Reading grade of patient-facing text, and which rule-pack text is patient-facing.

The grade is the Flesch-Kincaid grade level, with syllables counted by the usual vowel-group
rule (runs of vowels, less a silent final "e", "es" or "ed"). textstat is not used: version 0.7.13
downloads the CMU pronouncing dictionary from the network on first use and imports NLTK (about
0.3 s), and its offline fallback, Pyphen's hyphenation points, undercounts syllables ("about",
"many" and "episode" come out as one) and takes 0.12 s to load.

Readability formulas are unreliable on a few words, so a passage is graded on its own only when it
has at least PASSAGE_WORDS words; every option is also graded on all of its patient text at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from .rulepack import Option, Quote

MAX_GRADE = 8.0
PASSAGE_WORDS = 20
FORMULA = "Flesch-Kincaid"

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")

Path_ = tuple[str | int, ...]


_SILENT_END = re.compile(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$")
_VOWELS = re.compile(r"[aeiouy]{1,2}")


@lru_cache(maxsize=8192)
def _syllables(word: str) -> int:
    word = word.lower()
    if word[0].isdigit() or len(word) <= 3:
        return 1
    word = _SILENT_END.sub("", word).removeprefix("y")
    return max(1, len(_VOWELS.findall(word)))


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade level of `text` (0.0 for text without words)."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len(_SENTENCE_END.findall(text.strip() if text.strip()[-1:] in ".!?" else text.strip() + ".")))
    syllables = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59


def as_sentence(text: str) -> str:
    """A passage ending in a full stop, so that pooled passages count as separate sentences."""
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."


def patient_texts(option: Option) -> Iterator[tuple[Path_, str]]:
    """Every passage of an option that the patient reads on the sheet, with where it is."""
    yield ("title",), option.title
    yield ("summary",), option.summary
    for i, line in enumerate(option.what_it_is_like):
        yield ("what_it_is_like", i), line
    yield ("availability",), option.availability
    yield ("evidence", "maturity"), option.evidence.maturity
    yield ("evidence", "summary"), option.evidence.summary
    for i, criterion in enumerate(option.criteria):
        yield ("criteria", i, "label"), criterion.label
        for state in ("met", "not_met", "unknown"):
            yield ("criteria", i, state), getattr(criterion, state)
    for i, row in enumerate(option.decision.rows):
        if row.reason:
            yield ("decision", "rows", i, "reason"), row.reason
    for kind in ("benefits", "risks"):
        for i, statement in enumerate(getattr(option, kind)):
            yield (kind, i, "text"), statement.text
            for n, number in enumerate(statement.numbers):
                for part in ("outcome", "time_frame", "population"):
                    yield (kind, i, "numbers", n, part), getattr(number, part)
    for i, question in enumerate(option.questions):
        yield ("questions", i, "text"), question.text
    for at, quote in quotes_with_paths(option):
        yield (*at, "comment"), quote.comment


def quotes_with_paths(option: Option) -> Iterator[tuple[Path_, Quote]]:
    for i, quote in enumerate(option.quotes):
        yield ("quotes", i), quote
    for kind in ("criteria", "benefits", "risks"):
        for i, item in enumerate(getattr(option, kind)):
            for q, quote in enumerate(item.quotes):
                yield (kind, i, "quotes", q), quote
