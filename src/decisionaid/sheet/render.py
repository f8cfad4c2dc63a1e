"""Sheet → HTML (jinja2, autoescaped, strict) → PDF (WeasyPrint, tagged PDF/UA-1).

Each document has its template and stylesheets: base.css for what they share, then visit.html
with visit.css or booklet.html with sheet.css; large print adds its own stylesheet on top. The
visit sheet has one more view, the page on screen (view.html with view.css, served by the web
form): the same parts (visit-parts.html) of the same model, so no text is written twice.

WeasyPrint may load nothing but the project's own template assets: a deny-by-default URL fetcher
serves `asset:` paths inside templates/ and refuses everything else. WeasyPrint is imported only
when a PDF is made (the import alone costs about 0.4 s).
"""

from __future__ import annotations

import functools
import mimetypes
import re
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..plumbing import i18n
from ..plumbing.readability import sheet_grade, word_count
from ..plumbing.resources import templates_dir
from .fitting import MAX_PAGES, MAX_WORDS, STEPS, shortened
from .model import Sheet

if TYPE_CHECKING:
    from weasyprint import CSS

P = ParamSpec("P")
R = TypeVar("R")
PDF_VARIANT = "pdf/ua-1"
TEMPLATES = {"visit": "visit.html", "booklet": "booklet.html"}
SCREEN_TEMPLATE = "view.html"
STYLESHEETS = {("visit", False): ("base.css", "visit.css"),
               ("visit", True): ("base.css", "visit.css", "visit-large-print.css"),
               ("booklet", False): ("base.css", "sheet.css"),
               ("booklet", True): ("base.css", "sheet.css", "large-print.css")}
# Where the sheet prints its own reading grade, filled in once the patient text is rendered.
GRADE_SLOT = '<span class="reading-grade">?</span>'
#: words the layout's count may differ from a PDF reader's (hyphens, tick boxes, the footers)
WORD_MARGIN = 40
CITATION = re.compile(r"\[([\d, :a-z]+)\]")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # the current language's catalogue (plumbing/i18n.py), looked up when a template is rendered
    env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext)
    env.globals["language"] = i18n.current_language
    # a date a reader reads: as the stamp writes it (YYYY-MM-DD) in English, in words in another language
    env.filters["day"] = lambda day: day.isoformat() if i18n.current_language() == "en" else i18n.long_date(day)
    return env


def _in_its_language(function: Callable[Concatenate[Sheet, P], R]) -> Callable[Concatenate[Sheet, P], R]:
    """The templates and the shortening steps speak the sheet's own language, whoever calls."""
    @functools.wraps(function)
    def speaking_it(sheet: Sheet, *args: P.args, **kwargs: P.kwargs) -> R:
        with i18n.speaking(sheet.language):
            return function(sheet, *args, **kwargs)
    return speaking_it


@_in_its_language
def render_html(sheet: Sheet) -> str:
    """The sheet as a self-contained HTML document, with the reading grade measured on its own text."""
    html = _environment().get_template(TEMPLATES[sheet.document]).render(sheet=sheet)
    return _with_grade(html, sheet_grade(html))


@_in_its_language
def render_screen(sheet: Sheet, carried: Sequence[tuple[str, str]] = ()) -> str:
    """The visit sheet as a page on screen, responsive and printable. `carried` are the answers its
    buttons post again (for the PDF, to save them, to change them). It prints the reading grade of
    the PDF's pages 1 and 2, so both views state the same figure."""
    if sheet.document != "visit":
        raise ValueError("only the visit sheet has a page on screen")
    grade = sheet_grade(_environment().get_template(TEMPLATES["visit"]).render(sheet=sheet))
    return _with_grade(_environment().get_template(SCREEN_TEMPLATE).render(sheet=sheet, carried=carried), grade)


def _with_grade(html: str, grade: float) -> str:
    return html.replace(GRADE_SLOT, GRADE_SLOT.replace("?", i18n.decimal(grade)), 1)


@_in_its_language
def render_pdf(sheet: Sheet) -> bytes:
    """The sheet as a tagged, accessible PDF; the same sheet always gives the same bytes. A visit sheet is
    shortened step by step (fitting.py) until it keeps to its pages."""
    if sheet.document != "visit":
        return html_to_pdf(render_html(sheet), STYLESHEETS[sheet.document, sheet.large_print])
    return _write(fitted(sheet)[1])


@_in_its_language
def fitted(sheet: Sheet) -> tuple[Sheet, Any]:
    """The visit sheet as printed (shortened until it keeps to its pages and, in normal print, pages 1 and 2
    to their words) and its laid-out pages."""
    names = STYLESHEETS[sheet.document, sheet.large_print]
    step, page3 = 0, False  # page 3 is shortened only when the pages do not fit, not for words alone
    while True:
        short = shortened(sheet, step, page3)
        document = _layout(render_html(short), names)
        pages_fit = len(document.pages) <= MAX_PAGES[sheet.large_print]
        words_fit = sheet.large_print or _words(document.pages[:2]) <= MAX_WORDS[sheet.language] - WORD_MARGIN
        if (pages_fit and words_fit) or (step == STEPS and page3):
            return short, document
        if not pages_fit and not page3:
            page3, step = True, max(step, 1)  # the same step again (at least the first), page 3 included
        else:
            step = min(step + 1, STEPS)
            page3 = page3 or step == STEPS


def fitted_sheet(sheet: Sheet) -> Sheet:
    """The sheet as its PDF prints it (a visit sheet shortened to keep to its pages)."""
    return fitted(sheet)[0] if sheet.document == "visit" else sheet


def _words(pages: list[Any]) -> int:
    """Words a reader reads on laid-out pages (citation marks such as [4, 12] left out)."""
    text = " ".join(box.text for page in pages for box in page._page_box.descendants() if hasattr(box, "text"))
    return word_count(CITATION.sub("", text))


def html_to_pdf(html: str, stylesheet_names: tuple[str, ...] = STYLESHEETS["visit", False]) -> bytes:
    return _write(_layout(html, stylesheet_names))


def _layout(html: str, stylesheet_names: tuple[str, ...]) -> Any:
    """The laid-out pages (WeasyPrint's Document), not yet written."""
    weasyprint, fetcher, font_config, stylesheets = _weasy(stylesheet_names)
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render(
        stylesheets=stylesheets, font_config=font_config, pdf_variant=PDF_VARIANT, presentational_hints=False,
        uncompressed_pdf=False)


def _write(document: Any) -> bytes:
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT, presentational_hints=False, uncompressed_pdf=False)
    return pdf


@lru_cache(maxsize=4)
def _weasy(names: tuple[str, ...]) -> tuple[Any, Any, Any, list[CSS]]:
    """WeasyPrint, a safe fetcher, one shared font configuration and pre-parsed CSS (per process)."""
    # Without libharfbuzz-subset0, fontTools subsets the fonts and stamps them with the clock time;
    # it honours SOURCE_DATE_EPOCH, which keeps the PDF byte-identical either way.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = templates_dir().resolve()

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        """Deny by default: only `asset:<path inside templates/>` and `data:` URLs."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=2)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("asset:"):
                path = (root / url[len("asset:"):]).resolve()
                if root not in path.parents or not path.is_file():
                    raise ValueError(f"asset not allowed: {url}")
                ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": ctype})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"refused URL: {url}")

    fetcher = AssetFetcher()
    font_config = FontConfiguration()
    stylesheets = [
        weasyprint.CSS(string=(root / name).read_text(encoding="utf-8"), font_config=font_config, url_fetcher=fetcher)
        for name in names
    ]
    return weasyprint, fetcher, font_config, stylesheets

