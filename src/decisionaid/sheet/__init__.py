"""The documents: one sheet model and its views, the visit sheet and the booklet. Uses plumbing/,
pack/, profile/ and evaluation/ (the assessment it shows).

    model.py     the Sheet model and its builder (what both documents share)
    visit.py     the three-page visit sheet (the default); clinical.py its page for the MS team
    booklet.py   the full booklet (--booklet); options.py each option in full
    grid.py      the Option Grid of page 1, for both
    parts.py     the SURE test and the clinic warning signs, for both
    drug.py      the patient's own drug: its label passages that concern them, for both
    weigh.py     which criteria count for an option and which against it (its cautions), in the patient's values
    fitting.py   the visit sheet shortened step by step until it keeps to its pages
    render.py    Sheet -> HTML (jinja2) -> tagged PDF (WeasyPrint); the visit sheet as a page on screen
    text.py, sources.py, icons.py, fields.py, words.py   fixed text, numbered sources, icon arrays, words
"""

from .model import Document, Sheet, build_sheet
from .options import STATUS_TEXT
from .render import fitted_sheet, render_html, render_pdf, render_screen

__all__ = ["STATUS_TEXT", "Document", "Sheet", "build_sheet", "fitted_sheet", "render_html", "render_pdf",
           "render_screen"]
