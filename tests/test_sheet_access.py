"""Accessibility: tagged PDF/UA-1, alt text on icon arrays, table headers, large print, contrast 7:1,
no meaning in colour, no italics or capital blocks; page 1 fits one page in normal print."""

from __future__ import annotations

import io
import re

import pdfplumber
import pikepdf
import pytest

from decisionaid.plumbing.resources import templates_dir

from . import sheets

LARGE = [sheets.NAMES[0], "spms-active"]


def _struct(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    out, todo = [], [pdf.Root.StructTreeRoot]
    while todo:
        node = todo.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/OBJR":
                out.append(kid)
                todo.append(kid)
    return out


@pytest.mark.parametrize("name", sheets.NAMES)
def test_tagged_pdf_ua_with_title_language_figures_and_table_headers(name):
    with pikepdf.open(io.BytesIO(sheets.pdf(name))) as pdf:
        assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        assert "MS treatment options" in str(pdf.docinfo["/Title"])
        assert 'pdfuaid:part="1"' in pdf.Root.Metadata.read_bytes().decode() or "<pdfuaid:part>1<" in pdf.Root.Metadata.read_bytes().decode()
        elements = _struct(pdf)
        tags = [str(e.S) for e in elements]
        figures = [e for e in elements if e.S == "/Figure"]
        arrays = sum(len(n.numbers) for o in sheets.sheet(name).booklet.options for n in o.benefits + o.risks)
        assert len(figures) == arrays
        assert all(str(f.get("/Alt", "")).startswith("Picture of ") for f in figures)
        assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/L", "/LI"} <= set(tags)
        assert any("/Headers" in e.get("/A", {}) for e in elements if e.S == "/TD")


def test_every_icon_array_has_a_text_alternative_in_the_html():
    html = sheets.html("spms-active")
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL)
    assert svgs
    for svg in svgs:
        assert 'role="img"' in svg and 'aria-label="Picture of ' in svg and "<title>Picture of " in svg


@pytest.mark.parametrize("name", LARGE)
def test_large_print_has_all_text_16pt_or_more_and_the_same_content_and_no_near_empty_page(name):
    footer = 30 * 72 / 25.4  # the bottom margin, where the footer is
    with pdfplumber.open(io.BytesIO(sheets.pdf(name, True))) as pdf:
        sizes = {round(c["size"], 1) for page in pdf.pages for c in page.chars}
        lowest = [max((c["bottom"] for c in p.chars if c["bottom"] < p.height - footer), default=0) / p.height
                  for p in pdf.pages]
    assert min(sizes) >= 16.0
    # every page but the last (which holds the clinician's note lines) is at least half full
    assert not [(n, f) for n, f in enumerate(lowest[:-1], start=1) if f < 0.5]
    with pdfplumber.open(io.BytesIO(sheets.pdf(name))) as pdf:
        assert min(round(c["size"], 1) for c in pdf.pages[1].chars) < 16  # normal print is normal
    def words(large_print):  # the whole sheet: patient pages, reference list and clinician page
        return set(re.findall(r"[A-Za-z]{3,}", " ".join(sheets.pages(name, large_print))))

    def unbroken(large_print):  # long words and web addresses wrap at different places in each print
        return re.sub(r"\s+", "", " ".join(sheets.pages(name, large_print)))

    assert not {w for w in words(False) if w not in unbroken(True)}  # nothing is cut off in large print
    assert not {w for w in words(True) if w not in unbroken(False)}
    blocks = lambda lp: {t for _, t in sheets.patient_blocks(sheets.html(name, lp)) if "(1 of" not in t and "(2 of" not in t}
    assert blocks(False) - blocks(True) <= {t for t in blocks(False) if t.startswith("Your options at a glance")}


@pytest.mark.parametrize("name", sheets.NAMES)
def test_page_one_grid_fits_one_page_in_normal_print(name):
    pages = sheets.pages(name)
    assert "How strong is the evidence?" in pages[0] and "What is it?" in pages[0]
    assert "How strong is the evidence?" not in pages[1] and "Question" not in pages[1].split()[:3]
    last_cells = [r.cells[-1] for r in sheets.sheet(name).grids[0].rows]
    assert sheets.fold(last_cells[-1].text)[:20] in pages[0]


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _css() -> str:
    return "\n".join((templates_dir() / n).read_text() for n in ("sheet.css", "large-print.css"))


def test_every_text_and_background_colour_pair_has_contrast_of_7_or_more():
    css = re.sub(r"/\*.*?\*/", "", _css(), flags=re.DOTALL)
    text = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", css))
    backgrounds = set(re.findall(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6})", css)) | {"#fff"}
    assert text and backgrounds
    assert not re.search(r"(?<![-\w])color:(?!\s*#)", css), "colours must be written as #hex so this test sees them"
    for fg in text:
        for bg in backgrounds:
            lighter, darker = sorted((_luminance(fg), _luminance(bg)), reverse=True)
            assert (lighter + 0.05) / (darker + 0.05) >= 7, (fg, bg)


def test_no_meaning_in_colour_no_italics_no_capital_blocks():
    css = re.sub(r"/\*.*?\*/", "", _css(), flags=re.DOTALL)
    for colour in re.findall(r"#[0-9a-fA-F]{3,6}\b", css):  # greys only: colour can carry no meaning
        h = colour.lstrip("#")
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        assert h[0:2] == h[2:4] == h[4:6], colour
    assert "italic" not in css and "oblique" not in css and "uppercase" not in css
    for name in sheets.NAMES:
        html = sheets.html(name)
        assert not re.search(r"<(i|em)\b", html)
        for _, block in sheets.patient_blocks(html):
            assert not re.search(r"\b[A-Z]{2,}(?:[\s,]+[A-Z]{2,}){2,}\b", block), block  # 3+ capitalised words in a row
    statuses = {o.status_text for n in sheets.NAMES for o in sheets.sheet(n).booklet.options}
    assert all(any(s in page for page in sheets.pages(n)) for n in sheets.NAMES for s in statuses
               if s in {o.status_text for o in sheets.sheet(n).booklet.options})
