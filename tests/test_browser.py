"""The web form in a real headless Chromium (Debian's `chromium`, driven by Playwright), used as a
patient would: by mouse and by keyboard alone, with right and wrong answers.

On CI (CI=true) these tests never skip: a missing Chromium or Playwright is a failure.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pypdf
import pytest

from .helpers import pdf_text
from .web_server import Server, web_server_fixture  # noqa: F401 - the fixture

CHROMIUM = os.environ.get("DECISIONAID_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run on CI: {reason} (scripts/test.sh installs chromium)", pytrace=False)
    pytest.skip(f"{reason}; install it with `apt-get install chromium` to run the browser tests")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, web_server: Server) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, base_url=web_server.url)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


def group(page: Any, legend: str) -> Any:
    return page.get_by_role("group", name=legend, exact=True)


def download_sheet(page: Any, press: str | None = None, kind: str = "visit-sheet", ending: str = ".pdf") -> bytes:
    """Press the button (or a key) and return the PDF the browser saves, named for its `kind` and ending in `ending`."""
    with page.expect_download(timeout=120_000) as info:
        if press:
            page.keyboard.press(press)
        else:
            page.get_by_role("button", name="Download the PDF").click()
    download = info.value
    name = download.suggested_filename
    assert name.startswith(f"ms-options-{kind}-") and name.endswith(ending), name
    with open(download.path(), "rb") as handle:
        return handle.read()


def test_a_patient_fills_in_the_form_and_downloads_the_sheet(page: Any) -> None:
    page.goto("/")
    assert page.title() == "Your MS treatment options sheet"
    page.get_by_label("Your name (optional)").fill("Robin Browser-Test")
    page.get_by_label("How old are you?").fill("41")
    group(page, "Your sex").get_by_label("Male", exact=True).check()
    page.get_by_label("RRMS: relapsing-remitting MS").check()
    page.get_by_label("How many years ago did your first MS symptoms start?").fill("7")
    page.get_by_label("What is your EDSS score?").fill("3.5")
    page.get_by_label("With one stick or crutch").check()
    group(page, "Has MS made walking or daily life harder over the last 12 months?").get_by_label("No", exact=True).check()
    page.get_by_label("How many relapses did you have in the last 12 months?").fill("2")
    page.get_by_label("How many relapses did you have in the last 24 months (2 years)?").fill("3")
    page.get_by_label("MRI in the last 12 months: how many new or bigger T2 lesions?").fill("4")
    page.get_by_label("MRI in the last 12 months: how many gadolinium-enhancing lesions?").fill("1")
    page.get_by_label("Which MS medicine do you take now?").fill("Tysabri")
    page.get_by_label("For how many months have you taken it?").fill("18")
    page.get_by_label("Yes, I write them below").check()
    first = group(page, "Earlier medicine 1")
    first.get_by_label("Name of the medicine").fill("Tecfidera")
    first.get_by_label("How many months you took it").fill("20")
    first.get_by_label("Why you stopped it").select_option(label="It did not work well enough")
    page.get_by_label("I have one or more of these (tick them below)").check()
    page.get_by_label("Thyroid disease").check()
    group(page, "Do you plan to have children?").get_by_label("Not sure yet", exact=True).check()
    group(page, "Would you think about joining a clinical trial?").get_by_label("Yes", exact=True).check()
    page.get_by_label("Full booklet: every option in detail").check()
    pdf = download_sheet(page, kind="booklet")
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF") and "Robin Browser-Test" in text
    assert "Worth discussing" in text and "does not tell you what to choose" in text
    assert "Tecfidera" in text and "thyroid" in text.lower()  # the booklet's clinician page: as entered
    assert "For the clinician" in text and len(pypdf.PdfReader(io.BytesIO(pdf)).pages) > 10


def test_the_form_says_it_is_making_the_sheet_then_that_it_is_ready(page: Any) -> None:
    held: list[Any] = []
    page.route("**/sheet", lambda route: held.append(route))  # hold the request while we look
    page.goto("/")
    page.get_by_label("How old are you?").fill("52")
    page.get_by_label("PPMS: primary progressive MS").check()
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Download the PDF").click()
        status = page.get_by_role("status")
        status.wait_for(state="visible")
        assert "Making your sheet" in status.inner_text()
        assert page.get_by_role("button", name="Download the PDF").is_disabled()
        assert page.locator("#form-start").get_attribute("aria-busy") == "true"
        assert len(held) == 1  # the request is on its way, and nothing has come back yet
        held[0].continue_()
    assert info.value.suggested_filename.startswith("ms-options-visit-sheet-")
    page.get_by_text("Your sheet is ready.").wait_for()
    assert page.get_by_role("button", name="Download the PDF").is_enabled()
    with open(info.value.path(), "rb") as handle:
        text = pdf_text(handle.read())
    assert "primary progressive" in text and "For your MS team" in text


def test_answers_that_seldom_go_together_get_a_note_and_the_sheet_still_comes(page: Any) -> None:
    """Issue 18: EDSS 2.0 with a wheelchair is a note at the top of the sheet shown on screen, never an
    error, before the PDF is made (tests/test_visit_safety.py finds it in the PDF)."""
    page.goto("/")
    page.get_by_label("How old are you?").fill("40")
    page.get_by_label("RRMS: relapsing-remitting MS").check()
    page.get_by_label("What is your EDSS score?").fill("2")
    page.get_by_label("I use a wheelchair most of the time").check()
    page.get_by_role("button", name="Show my sheet").click()
    note = page.get_by_role("note").filter(has_text="Please check these answers")
    note.wait_for(state="visible")
    assert "An EDSS of 2.0, and you use a wheelchair" in note.inner_text()
    assert page.get_by_role("heading", name="For your MS team").is_visible()  # the sheet came all the same


def test_without_javascript_the_form_still_downloads_the_sheet(browser: Any, web_server: Server) -> None:
    context = browser.new_context(accept_downloads=True, base_url=web_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_label("How old are you?").fill("29")
        page.get_by_label("CIS: a first attack (clinically isolated syndrome)").check()
        text = pdf_text(download_sheet(page))
        assert "first episode" in text and "Page 1 of 3" in text
    finally:
        context.close()


def test_wrong_answers_show_errors_beside_the_questions(page: Any) -> None:
    page.goto("/")
    page.get_by_label("How old are you?").fill("forty")
    page.get_by_label("SPMS: secondary progressive MS").check()
    page.get_by_label("What is your EDSS score?").fill("4,5")
    page.get_by_label("Which MS medicine do you take now?").fill("Ocrevuss")
    page.get_by_label("Thyroid disease").check()
    with page.expect_response("**/sheet") as response:
        page.get_by_role("button", name="Download the PDF").click()
    assert response.value.status == 422
    summary = page.get_by_role("alert")
    assert "Please check 3 answers" in summary.inner_text()
    assert page.evaluate("document.activeElement.className") == "error-summary"  # read out first
    expected = {
        "How old are you?": "Please write a number using digits, like 42.",
        "What is your EDSS score?": "Please use a dot for part of a number, like 3.5.",
        "Which MS medicine do you take now?": "Unknown drug 'Ocrevuss' (did you mean 'Ocrevus'?)",
    }
    for label, message in expected.items():
        field = page.get_by_label(label)
        question = page.locator(".question", has=field)
        assert question.locator(".error").text_content() == f"Error: {message}"
        assert message in field.evaluate("e => e.getAttribute('aria-describedby').split(' ')"
                                         ".map(id => document.getElementById(id).innerText).join(' ')")
        assert field.get_attribute("aria-invalid") == "true"
    # the answers are kept, so only the wrong ones need changing
    assert page.get_by_label("How old are you?").input_value() == "forty"
    assert page.get_by_label("SPMS: secondary progressive MS").is_checked()
    assert page.get_by_label("Thyroid disease").is_checked()
    # the summary's links lead to the questions
    summary.get_by_role("link", name="Your age: Please write a number using digits, like 42.").click()
    assert page.evaluate("document.activeElement.name") == "age"
    page.get_by_label("How old are you?").fill("40")
    page.get_by_label("What is your EDSS score?").fill("4.5")
    page.get_by_label("Which MS medicine do you take now?").fill("Ocrevus")
    text = pdf_text(download_sheet(page))
    assert "Ocrevus" in text or "ocrelizumab" in text


def _tab_to(page: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches `selector`: it must be reachable by keyboard."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _arrow_to(page: Any, selector: str, limit: int = 10) -> None:
    """Inside a radio group, press the down arrow until `selector` is focused (and so chosen)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{selector} cannot be reached with the arrow keys")


def test_the_form_can_be_completed_with_the_keyboard_alone(page: Any) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the questions"
    outline = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    assert outline >= 3  # focus is easy to see
    page.keyboard.press("Enter")  # the skip link jumps past the introduction
    _tab_to(page, "[name=name]")
    page.keyboard.type("Kim Keyboard-Only")
    _tab_to(page, "[name=age]")
    page.keyboard.type("36")
    _tab_to(page, "[name=sex]")
    _arrow_to(page, "[name=sex][value=female]")
    _tab_to(page, "[name=ms_type]")
    page.keyboard.press("Space")  # the first answer, CIS
    _arrow_to(page, "[name=ms_type][value=RRMS]")
    _tab_to(page, "[name=edss]")
    page.keyboard.type("2.5")
    _tab_to(page, "[name=relapses_last_12_months]")
    page.keyboard.type("1")
    _tab_to(page, "[name=current_dmt]")
    page.keyboard.type("none")
    _tab_to(page, "[name=comorbidities_answer]")
    _arrow_to(page, "[name=comorbidities_answer][value=none]")
    _tab_to(page, "[name=large_print]")
    page.keyboard.press("Space")
    assert page.locator("[name=large_print]").is_checked()
    assert page.locator("[name=ms_type][value=RRMS]").is_checked()
    assert page.locator("[name=sex][value=female]").is_checked()
    _tab_to(page, "button[formaction=sheet]")
    text = pdf_text(download_sheet(page, press="Enter", ending="-large-print.pdf"))
    assert "Kim Keyboard-Only" in text and "does not tell you what to choose" in text


def test_a_language_button_keeps_the_answers_typed_so_far(browser: Any, web_server: Server) -> None:
    """With the script and without it, the page comes back in the chosen language, every answer in place.
    (The Playwright and axe-core tests of the pages in Spanish come with the complete Spanish catalogue.)"""
    for scripts in (True, False):
        context = browser.new_context(base_url=web_server.url, java_script_enabled=scripts, locale="es-ES")
        page = context.new_page()
        try:
            page.goto("/")
            assert page.locator("html").get_attribute("lang") == "es"  # the browser's language
            page.locator("#f-age").fill("47")
            page.locator("#f-prior_dmts-0-drug").fill("Copaxone")
            page.get_by_role("button", name="English", exact=True).click()
            page.wait_for_url("**/view?lang=en")
            assert page.locator("html").get_attribute("lang") == "en"
            assert page.locator("#f-age").input_value() == "47"
            assert page.locator("#f-prior_dmts-0-drug").input_value() == "Copaxone"
            page.locator("#f-age").press("Enter")  # Enter still asks for the sheet, never for a language
            page.locator(".error-summary").wait_for()  # the type of MS is needed
            assert page.locator("html").get_attribute("lang") == "en"
            assert page.locator("#f-age").input_value() == "47"
        finally:
            context.close()
