"""Example sheets rendered once per test session (HTML and PDF, normal and large print, booklet and
visit sheet), and the readers the sheet tests share: patient-facing text blocks, PDF pages.

`sheet`, `html`, `pdf` and `pages` give the booklet (the tests written for it); `visit(...)` the
same for the visit sheet. Each is made once per session and shared by every test."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from functools import cache

import pypdf

from decisionaid.pipeline import make_sheet, rule_pack_and_engine
from decisionaid.plumbing.readability import fold, patient_blocks  # noqa: F401  (the sheet tests read them from here)
from decisionaid.profile.read import load_profile
from decisionaid.sheet import Document, Sheet, fitted_sheet, render_html, render_pdf

from .conftest import EXAMPLES, RULES

DAY = dt.date(2026, 11, 22)
NAMES = [p.stem for p in EXAMPLES]


def sheet(name: str, large_print: bool = False, day: dt.date = DAY, document: Document = "booklet") -> Sheet:
    return _sheet(name, large_print, day, document)


def html(name: str, large_print: bool = False, day: dt.date = DAY, document: Document = "booklet") -> str:
    return _html(name, large_print, day, document)


def pdf(name: str, large_print: bool = False, day: dt.date = DAY, document: Document = "booklet") -> bytes:
    return _pdf(name, large_print, day, document)


def pages(name: str, large_print: bool = False, day: dt.date = DAY, document: Document = "booklet") -> tuple[str, ...]:
    return _pages(name, large_print, day, document)


class Visit:
    """The same readers for the visit sheet: `sheets.visit.pages(name)`."""

    @staticmethod
    def sheet(name: str, large_print: bool = False, day: dt.date = DAY) -> Sheet:
        """The model as the PDF prints it (shortened where the profile brings more than the pages hold)."""
        return _fitted(name, large_print, day)

    @staticmethod
    def html(name: str, large_print: bool = False, day: dt.date = DAY) -> str:
        return render_html(_fitted(name, large_print, day))

    @staticmethod
    def pdf(name: str, large_print: bool = False, day: dt.date = DAY) -> bytes:
        return _pdf(name, large_print, day, "visit")

    @staticmethod
    def pages(name: str, large_print: bool = False, day: dt.date = DAY) -> tuple[str, ...]:
        return _pages(name, large_print, day, "visit")


visit = Visit()


@cache
def _sheet(name: str, large_print: bool, day: dt.date, document: Document) -> Sheet:
    pack, _ = rule_pack_and_engine(RULES)
    profile = load_profile(str(next(p for p in EXAMPLES if p.stem == name)), pack.catalogue)
    return make_sheet(profile, sheet_date=day, large_print=large_print, document=document, rules_dir=RULES)


@cache
def _fitted(name: str, large_print: bool, day: dt.date) -> Sheet:
    return fitted_sheet(_sheet(name, large_print, day, "visit"))


@cache
def _html(name: str, large_print: bool, day: dt.date, document: Document) -> str:
    return render_html(_sheet(name, large_print, day, document))


@cache
def _pdf(name: str, large_print: bool, day: dt.date, document: Document) -> bytes:
    return render_pdf(_sheet(name, large_print, day, document))


@cache
def _pages(name: str, large_print: bool, day: dt.date, document: Document) -> tuple[str, ...]:
    """The text of each page, whitespace folded: poppler's pdftotext when there (scripts/test.sh
    installs it; about 50 times faster on a 40-page sheet), else pypdf."""
    data = _pdf(name, large_print, day, document)
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout
        return tuple(fold(page) for page in out.decode("utf-8").split("\f")[:-1])
    return tuple(fold(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(data)).pages)


