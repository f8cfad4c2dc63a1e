"""The visit sheet and the booklet as real PDFs: trust marks on every page, reproducibility, safety."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys

import pikepdf
import pypdf
import pytest

from decisionaid.pipeline import make_sheet, sheet_pdf
from decisionaid.sheet.render import render_html

from . import sheets
from .conftest import EXAMPLES, ROOT
from .helpers import pdf_text

FIRST = sheets.NAMES[0]


@pytest.mark.parametrize("name", sheets.NAMES)
def test_footer_on_every_page_has_version_review_date_and_page_x_of_y(name, pack):
    pages = sheets.pages(name)
    for number, text in enumerate(pages, start=1):
        assert f"Version {pack.meta.version}" in text and f"checked {pack.meta.reviewed}" in text, number
        assert f"next check {pack.meta.next_review}" in text and f"made {sheets.DAY}" in text, number
        assert f"Page {number} of {len(pages)}" in text


def test_sheet_made_after_the_next_review_date_warns_on_every_page(pack):
    late = pack.meta.next_review + dt.timedelta(days=1)
    pages = sheets.pages(FIRST, False, late)
    assert all("Warning: out of date" in text for text in pages)
    assert "Warning: out of date" not in " ".join(sheets.pages(FIRST))


@pytest.mark.parametrize("document", ["booklet", "visit"])
def test_same_profile_and_rules_give_byte_identical_pdfs_even_in_another_process(tmp_path, document):
    first = sheets.pdf(FIRST, document=document)
    assert sheets.sheet(FIRST, document=document) == sheets.sheet(FIRST, document=document)
    again = sheet_pdf(_profile(FIRST), sheet_date=sheets.DAY, document=document, rules_dir=sheets.RULES)
    assert again == first
    out = tmp_path / "s.pdf"
    example = next(p for p in EXAMPLES if p.stem == FIRST)
    run = subprocess.run([sys.executable, "-m", "decisionaid.cli", "sheet", str(example), "-o", str(out), "--date",
                          str(sheets.DAY), "--rules", str(ROOT / "rules"), *(["--booklet"] if document == "booklet" else [])],
                         capture_output=True, text=True, timeout=120, env={"PYTHONHASHSEED": "12345", **_env()})
    assert run.returncode == 0, run.stderr
    assert out.read_bytes() == first


def test_no_clock_time_in_the_file(pack):
    data = sheets.pdf(FIRST)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/CreationDate" not in pdf.docinfo and "/ModDate" not in pdf.docinfo
        xmp = bytes(pdf.Root.Metadata.read_bytes()).decode()
        assert not re.search(r"(Create|Modify|Metadata)Date", xmp)
    printed = {sheets.DAY, pack.meta.reviewed, pack.meta.next_review}  # the only dates a sheet may print
    assert dt.date.today().isoformat() not in pdf_text(data) or dt.date.today() in printed


def test_the_printed_date_is_the_one_given():
    other = dt.date(2026, 12, 1)
    assert f"Made on {other}" in sheets.pages(FIRST, False, other)[0]
    assert f"Made on {sheets.DAY}" in sheets.pages(FIRST)[0]


def test_patient_text_is_escaped_and_nothing_is_fetched(make_profile):
    hostile = ('<img src="file:///etc/passwd"><link rel=attachment href="file:///etc/hostname">'
               '<style>@import url(http://127.0.0.1:9/x)</style>')
    profile = make_profile(f"name: '{hostile}'\nage: 30\nms_type: RRMS\n")
    html = render_html(make_sheet(profile, sheet_date=sheets.DAY))
    assert "<img src=" not in html and "&lt;img" in html
    data = sheet_pdf(profile, sheet_date=sheets.DAY)
    assert pypdf.PdfReader(io.BytesIO(data)).attachments == {}
    assert "<img" in pdf_text(data)  # printed literally


def test_rendering_logs_no_weasyprint_warnings(caplog):
    from decisionaid.sheet.render import STYLESHEETS, html_to_pdf

    with caplog.at_level("WARNING", logger="weasyprint"):
        for document in ("booklet", "visit"):
            for large_print in (False, True):
                html_to_pdf(sheets.html(FIRST, large_print, document=document), STYLESHEETS[document, large_print])
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")], caplog.text


def _profile(name):
    from decisionaid.profile.read import load_profile

    pack = sheets.rule_pack_and_engine(sheets.RULES)[0]
    return load_profile(str(next(p for p in EXAMPLES if p.stem == name)), pack.catalogue)


def _env():
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"} | {"PYTHONPATH": str(ROOT / "src")}
