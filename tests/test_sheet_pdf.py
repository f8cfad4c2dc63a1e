"""The discussion sheet as a real PDF: content, tags, reproducibility, safety."""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pypdf
import pytest

from decisionaid.pipeline import make_sheet, sheet_pdf
from decisionaid.profile import load_profile
from decisionaid.render import render_html

from .conftest import EXAMPLES
from .helpers import pdf_text

DAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def example_pdfs(pack):
    return {p.name: sheet_pdf(load_profile(str(p), pack.catalogue), sheet_date=DAY) for p in EXAMPLES}


def test_every_example_sheet_lists_all_options_honestly(example_pdfs, pack):
    for name, data in example_pdfs.items():
        text = pdf_text(data)
        for option in pack.options.values():
            assert option.short_title.split(" ")[0] in text, (name, option.id)
        assert "does not tell you what to choose" in text
        assert f"version {pack.meta.version}" in text and str(pack.meta.next_review) in text
        assert "COMMERCIAL" in text  # commercial sources are flagged
        assert "Sources" in text and pypdf.PdfReader(io.BytesIO(data)).attachments == {}


def test_sheet_is_tagged_pdf_ua_with_title_and_language(example_pdfs):
    with pikepdf.open(io.BytesIO(next(iter(example_pdfs.values())))) as pdf:
        assert pdf.Root.MarkInfo.Marked
        assert "/StructTreeRoot" in pdf.Root and str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        assert "MS treatment options" in str(pdf.docinfo["/Title"])


def test_same_profile_gives_byte_identical_pdf(pack):
    profile = load_profile(str(EXAMPLES[0]), pack.catalogue)
    assert sheet_pdf(profile, sheet_date=DAY) == sheet_pdf(profile, sheet_date=DAY)


def test_stale_rule_pack_warns(pack):
    profile = load_profile(str(EXAMPLES[0]), pack.catalogue)
    late = pack.meta.next_review + dt.timedelta(days=1)
    text = pdf_text(sheet_pdf(profile, sheet_date=late))
    assert "after the content's next review date" in text and "OUT OF DATE" in text


def test_patient_text_is_escaped_and_nothing_is_fetched(make_profile, pack):
    hostile = ('<img src="file:///etc/passwd"><link rel=attachment href="file:///etc/hostname">'
               '<style>@import url(http://127.0.0.1:9/x)</style>')
    profile = make_profile(f"name: '{hostile}'\nage: 30\nms_type: RRMS\n")
    html = render_html(make_sheet(profile, sheet_date=DAY))
    assert "<img src=" not in html and "&lt;img" in html
    data = sheet_pdf(profile, sheet_date=DAY)
    assert pypdf.PdfReader(io.BytesIO(data)).attachments == {}
    assert "<img" in pdf_text(data)  # printed literally
