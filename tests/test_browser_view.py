"""The sheet on screen, saved answers and answers kept across Back and Forward, in a real headless
Chromium (as in test_browser.py), checked with axe-core at a phone's and a desktop's width.

axe-core comes from npm (`scripts/test.sh` installs it into .venv/node); without it these tests
skip locally and fail on CI (CI=true), like the browser itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from . import test_browser
from .conftest import ROOT
from .helpers import pdf_text
from .test_browser import _tab_to, _unavailable, group
from .web_server import Server, web_server_fixture  # noqa: F401 - the fixture

browser = test_browser.browser  # the same Chromium fixture
AXE = Path(os.environ.get("DECISIONAID_AXE", ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"))
SHEET_TITLE = "Your MS treatment options: visit sheet"


@pytest.fixture(scope="module")
def axe() -> str:
    if not AXE.is_file():
        _unavailable(f"axe-core is not installed at {AXE} (scripts/test.sh installs it with npm)")
    return AXE.read_text(encoding="utf-8")


def _context(browser: Any, server: Server, **options: Any) -> Any:
    context = browser.new_context(accept_downloads=True, base_url=server.url, **options)
    context.set_default_timeout(60_000)
    return context


@pytest.fixture
def tab(browser: Any, web_server: Server) -> Iterator[Any]:
    """A browser tab with JavaScript, and the requests it sends."""
    context = _context(browser, web_server)
    page = context.new_page()
    page.sent = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.sent.append((request.method, request.url.rsplit("/", 1)[-1])))
    try:
        yield page
    finally:
        context.close()


def violations(page: Any, axe: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (injected through the debugger, so the page's
    own Content-Security-Policy stays as strict as a patient gets it)."""
    page.evaluate(axe)
    return page.evaluate("""axe.run(document).then(r => r.violations.map(v =>
        ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})))""")


def fill_in(page: Any, age: str = "41") -> None:
    page.get_by_label("How old are you?").fill(age)
    page.get_by_label("RRMS: relapsing-remitting MS").check()
    page.get_by_label("What is your EDSS score?").fill("3.5")
    page.get_by_label("Which MS medicine do you take now?").fill("Tysabri")
    page.get_by_label("Yes, I write them below").check()
    group(page, "Earlier medicine 1").get_by_label("Name of the medicine").fill("Tecfidera")
    page.get_by_label("Thyroid disease").check()


def show_sheet(page: Any) -> None:
    page.get_by_role("button", name="Show my sheet").click()
    page.get_by_role("heading", name=SHEET_TITLE).wait_for()


def posts(page: Any, path: str) -> int:
    return sum(1 for method, url in page.sent if method == "POST" and url.split("?")[0] == path)


def test_the_sheet_page_at_a_phones_and_a_desktops_width_passes_axe(tab: Any, axe: str, tmp_path: Path) -> None:
    tab.set_viewport_size({"width": 375, "height": 800})
    tab.goto("/")
    assert violations(tab, axe) == []
    assert tab.get_by_role("heading", name="Part 2 of 5: Your MS").is_visible()
    fill_in(tab)
    show_sheet(tab)
    assert tab.title() == SHEET_TITLE and posts(tab, "view") == 1
    # a phone: one block per option, the same questions in the same order, nothing wider than the screen
    blocks = tab.locator(".grid-narrow .block")
    assert blocks.count() == 7 and tab.locator("table.grid").is_hidden()
    questions = tab.locator("table.grid tbody th").all_text_contents()
    assert blocks.first.locator(".question").all_text_contents() == questions
    assert tab.evaluate("document.documentElement.scrollWidth") <= 375
    assert tab.evaluate("parseFloat(getComputedStyle(document.querySelector('.answers li')).fontSize)") >= 16
    assert violations(tab, axe) == []
    tab.screenshot(path=str(tmp_path / "sheet-375.png"), full_page=False)
    # a desktop: the Option Grid as a table
    tab.set_viewport_size({"width": 1280, "height": 900})
    assert tab.locator("table.grid").is_visible() and blocks.first.is_hidden()
    assert violations(tab, axe) == []
    tab.screenshot(path=str(tmp_path / "sheet-1280.png"), full_page=False)
    # print: the blocks, without the buttons
    tab.emulate_media(media="print")
    assert tab.locator(".actions").is_hidden() and blocks.first.is_visible()


def test_the_sheet_page_works_by_keyboard_alone(tab: Any, tmp_path: Path) -> None:
    tab.goto("/")
    _tab_to(tab, "[name=age]")
    tab.keyboard.type("45 years")
    _tab_to(tab, "[name=ms_type]")
    tab.keyboard.press("Space")
    _tab_to(tab, "[name=current_dmt]")
    tab.keyboard.type("None at the moment")
    _tab_to(tab, "button.main")
    tab.keyboard.press("Enter")
    tab.get_by_role("heading", name=SHEET_TITLE).wait_for()
    tab.wait_for_load_state("load")  # its stylesheet too, before a computed style is read
    assert tab.evaluate("document.activeElement.textContent") == "Skip to your sheet"  # where a new page starts
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.textContent") == "Download the PDF"
    assert tab.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)") >= 3
    with tab.expect_download(timeout=120_000) as pdf:
        tab.keyboard.press("Enter")
    assert pdf.value.suggested_filename.startswith("ms-options-visit-sheet-")
    assert "first episode" in pdf_text(Path(pdf.value.path()).read_bytes())
    _tab_to(tab, "button[formaction=answers]")
    with tab.expect_download() as saved:
        tab.keyboard.press("Enter")
    assert yaml.safe_load(Path(saved.value.path()).read_text()) == {"age": 45, "ms_type": "CIS", "current_dmt": "none"}
    _tab_to(tab, "button[value=change]")
    tab.keyboard.press("Enter")
    tab.get_by_label("How old are you?").wait_for()
    assert tab.get_by_label("How old are you?").input_value() == "45 years"
    assert posts(tab, "view") == 1  # changing the answers asked the server nothing


def test_back_and_forward_after_an_error_keep_every_answer(tab: Any) -> None:
    tab.goto("/")
    fill_in(tab, age="forty")
    tab.get_by_role("button", name="Show my sheet").click()
    summary = tab.get_by_role("alert")
    summary.wait_for()
    assert "Your age: Please write a number using digits, like 42." in summary.inner_text()
    assert posts(tab, "view") == 1 and tab.url.endswith("/")  # one request; the errors came in place
    tab.get_by_label("How old are you?").fill("40")
    show_sheet(tab)
    assert posts(tab, "view") == 2
    for _ in range(2):
        tab.go_back()
        tab.get_by_label("How old are you?").wait_for()
        assert tab.get_by_label("How old are you?").input_value() == "40"
        assert tab.get_by_label("RRMS: relapsing-remitting MS").is_checked()
        assert group(tab, "Earlier medicine 1").get_by_label("Name of the medicine").input_value() == "Tecfidera"
        assert tab.get_by_label("Thyroid disease").is_checked()
        tab.go_forward()
        tab.get_by_role("heading", name=SHEET_TITLE).wait_for()
        assert "Your MS drug now is Tysabri." in tab.locator("#sheet").inner_text()
    assert posts(tab, "view") == 2  # Back and Forward asked the server nothing
    tab.go_back()
    tab.get_by_label("Which MS medicine do you take now?").fill("Ocrevus")
    tab.reload()  # a reload of the form, too, keeps what was typed
    assert tab.get_by_label("Which MS medicine do you take now?").input_value() == "Ocrevus"
    assert group(tab, "Earlier medicine 1").get_by_label("Name of the medicine").input_value() == "Tecfidera"


def test_without_javascript_the_error_page_keeps_every_answer_and_back_restores_the_form(
        browser: Any, web_server: Server) -> None:
    context = _context(browser, web_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        fill_in(page, age="forty")
        page.get_by_role("button", name="Show my sheet").click()
        page.get_by_role("alert").wait_for()
        assert page.get_by_label("How old are you?").input_value() == "forty"
        assert group(page, "Earlier medicine 1").get_by_label("Name of the medicine").input_value() == "Tecfidera"
        page.go_back()
        assert page.get_by_label("How old are you?").input_value() == "forty"
        assert page.get_by_label("Thyroid disease").is_checked()
        page.get_by_label("How old are you?").fill("40")
        page.get_by_role("button", name="Add another medicine").click()  # the server adds the block
        second = group(page, "Earlier medicine 2").get_by_label("Name of the medicine")
        page.wait_for_function("e => e === document.activeElement", arg=second.element_handle())  # it has the focus
        page.keyboard.type("Copaxone")
        show_sheet(page)
        assert page.locator("#sheet-actions input[name='prior_dmts.1.drug'][value=Copaxone]").count() == 1
        page.get_by_role("button", name="Change my answers").click()
        assert group(page, "Earlier medicine 2").get_by_label("Name of the medicine").input_value() == "Copaxone"
    finally:
        context.close()


def test_answers_saved_in_a_file_load_back_into_the_form(tab: Any, tmp_path: Path) -> None:
    tab.goto("/")
    fill_in(tab)
    tab.get_by_role("button", name="Add another medicine").click()
    second = group(tab, "Earlier medicine 2")
    assert second.get_by_label("Name of the medicine").evaluate("e => e === document.activeElement")
    second.get_by_label("Name of the medicine").fill("Copaxone")
    second.get_by_label("Why you stopped it").select_option(label="Side effects")
    with tab.expect_download() as saved:
        tab.get_by_role("button", name="Save my answers").click()
    tab.get_by_text("Your answers are saved in the file").wait_for()
    assert posts(tab, "view") == 0 and posts(tab, "answers") == 1
    file = tmp_path / saved.value.suggested_filename
    saved.value.save_as(file)
    assert yaml.safe_load(file.read_text())["prior_dmts"][1] == {"drug": "Copaxone", "stopped_because": "side_effects"}
    tab.goto("/")
    tab.get_by_label("Load answers you saved before").set_input_files(str(file))
    tab.get_by_role("button", name="Load my answers").click()
    second = group(tab, "Earlier medicine 2")
    second.wait_for()
    assert second.get_by_label("Name of the medicine").input_value() == "Copaxone"
    assert tab.get_by_label("How old are you?").input_value() == "41"
    assert tab.get_by_label("Thyroid disease").is_checked()
    bad = tmp_path / "shopping.yaml"
    bad.write_text("milk: 2\n")
    tab.get_by_label("Load answers you saved before").set_input_files(str(bad))
    tab.get_by_role("button", name="Load my answers").click()
    tab.get_by_role("alert").wait_for()
    assert "unknown field 'milk'" in tab.locator("#f-answers-error").inner_text()
