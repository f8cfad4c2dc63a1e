"""Example sheets rendered once per test session (HTML and PDF, normal and large print), and the
readers the sheet tests share: patient-facing text blocks, PDF pages, struct tree."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from functools import lru_cache
from html.parser import HTMLParser

import pypdf

from decisionaid.pipeline import make_sheet, rule_pack_and_engine
from decisionaid.profile import load_profile
from decisionaid.render import render_html, render_pdf
from decisionaid.sheet import Sheet

from .conftest import EXAMPLES, RULES

DAY = dt.date(2026, 11, 22)
NAMES = [p.stem for p in EXAMPLES]


def sheet(name: str, large_print: bool = False, day: dt.date = DAY) -> Sheet:
    return _sheet(name, large_print, day)


def html(name: str, large_print: bool = False, day: dt.date = DAY) -> str:
    return _html(name, large_print, day)


def pdf(name: str, large_print: bool = False, day: dt.date = DAY) -> bytes:
    return _pdf(name, large_print, day)


@lru_cache(maxsize=None)
def _sheet(name: str, large_print: bool, day: dt.date) -> Sheet:
    pack, _ = rule_pack_and_engine(RULES)
    profile = load_profile(str(next(p for p in EXAMPLES if p.stem == name)), pack.catalogue)
    return make_sheet(profile, sheet_date=day, large_print=large_print, rules_dir=RULES)


@lru_cache(maxsize=None)
def _html(name: str, large_print: bool, day: dt.date) -> str:
    return render_html(_sheet(name, large_print, day))


@lru_cache(maxsize=None)
def _pdf(name: str, large_print: bool, day: dt.date) -> bytes:
    return render_pdf(_sheet(name, large_print, day))


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", "-", text)).strip()


def pages(name: str, large_print: bool = False, day: dt.date = DAY) -> tuple[str, ...]:
    return _pages(name, large_print, day)


@lru_cache(maxsize=None)
def _pages(name: str, large_print: bool, day: dt.date) -> tuple[str, ...]:
    """The text of each page, whitespace folded: poppler's pdftotext when there (scripts/test.sh
    installs it; about 50 times faster on a 40-page sheet), else pypdf."""
    data = pdf(name, large_print, day)
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout
        return tuple(fold(page) for page in out.decode("utf-8").split("\f")[:-1])
    return tuple(fold(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(data)).pages)


BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "caption", "title"}
SKIP = {"svg", "style", "head"}


class _Blocks(HTMLParser):
    """Text of each block element, without what is marked data-plain-language="exempt"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.blocks: list[tuple[str, str]] = []  # (section class, text)
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
        self.current = []


def patient_blocks(page_html: str) -> list[tuple[str, str]]:
    """(section, text) for every block of patient-facing text, in reading order."""
    parser = _Blocks()
    parser.feed(page_html)
    parser._flush()
    return parser.blocks
