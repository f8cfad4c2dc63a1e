"""Reading grade of patient-facing text: a passage, or the prose of a rendered sheet.

The grade is the Flesch-Kincaid grade level, with syllables counted by the usual vowel-group
rule (runs of vowels, less a silent final "e", "es" or "ed"). textstat is not used: version 0.7.13
downloads the CMU pronouncing dictionary from the network on first use and imports NLTK (about
0.3 s), and its offline fallback, Pyphen's hyphenation points, undercounts syllables ("about",
"many" and "episode" come out as one) and takes 0.12 s to load.

Spanish and German text is scored with textstat (there it uses Pyphen's dictionaries, no network):
Fernández-Huerta (reading ease, higher is easier) and the first Wiener Sachtextformel (a school
grade). `reading_score` and `sheet_grade` score the current language's text with its formula.

Readability formulas are unreliable on a few words, so a passage is graded on its own only when it
has at least PASSAGE_WORDS words; every option is also graded on all of its patient text at once.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from .i18n import current_language as _speaking

MAX_GRADE = 8.0
PASSAGE_WORDS = 20
FORMULA = "Flesch-Kincaid"


@dataclass(frozen=True)
class Scale:
    """A language's readability formula and the score patient text aims for."""

    formula: str
    aim: float
    higher_is_easier: bool = False

    def meets(self, score: float) -> bool:
        return score >= self.aim if self.higher_is_easier else score <= self.aim


SCALES: dict[str, Scale] = {"en": Scale(FORMULA, MAX_GRADE), "es": Scale("Fernández-Huerta", 60.0, higher_is_easier=True),
                            "de": Scale("Wiener Sachtextformel", MAX_GRADE)}


def reading_score(text: str, language: str = "en") -> float:
    """`text` scored with its language's formula (SCALES)."""
    if language == "en":
        return reading_grade(text)
    reader = _textstat(language)
    return float(reader.fernandez_huerta(text) if language == "es" else reader.wiener_sachtextformel(text, 1))


@lru_cache(maxsize=4)
def _textstat(language: str) -> Any:
    from textstat.textstat import textstatistics  # only for Spanish and German: see the module's docstring

    reader = textstatistics()
    reader.set_lang(language)
    return reader

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*")  # letters of any language
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


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


# Patient-facing text of a rendered sheet: every block element outside data-plain-language="exempt".
BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "caption", "title"}
SKIP = {"svg", "style", "head"}


def fold(text: str) -> str:
    """Whitespace folded, and words hyphenated across a line break joined (as in extracted PDF text)."""
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", "-", text)).strip()


class _Blocks(HTMLParser):
    """Text of each block element, without what is marked data-plain-language="exempt"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.blocks: list[tuple[str, str]] = []  # (section class, text)
        self.prose: list[str] = []  # the blocks that are paragraphs or list items
        self.current: list[str] = []
        self.section = ""

    def _exempt(self) -> bool:
        return any(exempt for _, exempt in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("class") or ""
        if tag in BLOCKS:
            self._flush()
        if tag not in ("br", "meta", "link", "img", "hr", "input"):
            self.stack.append((tag, a.get("data-plain-language") == "exempt" or tag in SKIP))

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self._flush()
        while self.stack:
            name, _ = self.stack.pop()
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._exempt():
            self.current.append(data)

    def _flush(self) -> None:
        text = fold("".join(self.current))
        if text:
            self.blocks.append((self.section, text))
            if next((name for name, _ in reversed(self.stack) if name in BLOCKS), "") in ("p", "li"):
                self.prose.append(text)
        self.current = []


def _parse(page_html: str) -> _Blocks:
    parser = _Blocks()
    parser.feed(page_html)
    parser._flush()
    return parser


def patient_blocks(page_html: str) -> list[tuple[str, str]]:
    """(section, text) for every block of patient-facing text, in reading order."""
    return _parse(page_html).blocks


def sheet_grade(page_html: str) -> float:
    """Reading grade of the patient-facing prose of a rendered sheet (paragraphs and list items), taken
    together. Tables and headings are left out: they repeat the prose in short pieces, and large print
    splits the option grid into more tables, which would change the grade of the same content."""
    return reading_score(" ".join(as_sentence(text) for text in _parse(page_html).prose), _speaking())
