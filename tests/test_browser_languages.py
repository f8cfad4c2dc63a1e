"""The form and the sheet on screen in every shipped language, in a real headless Chromium whose
browser language is that language: the pages declare it, pass axe-core at a phone's and a desktop's
width, speak it (no English sentence of the catalogues left), and a drug typed with the language's
generic name is understood; a misspelt drug is told in the language, and Back keeps the answers."""

from __future__ import annotations

from typing import Any

import pytest

from decisionaid.pack.models import TRANSLATION_NOT_REVIEWED
from decisionaid.plumbing.i18n import LANGUAGES, speaking
from decisionaid.plumbing.i18n import _ as translate

from .test_browser_view import _context, axe, browser, violations  # noqa: F401 - the fixtures
from .test_languages import _english_left
from .web_server import Server, web_server_fixture  # noqa: F401 - the fixture

TRANSLATED = [language for language in LANGUAGES if language != "en"]
#: the current drug as the language's labels name it
TERIFLUNOMIDE = {"es": "teriflunomida", "de": "Teriflunomid"}


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_form_and_the_sheet_page_speak_the_browsers_language_and_pass_axe(
        browser: Any, web_server: Server, axe: str, language: str) -> None:
    context = _context(browser, web_server, locale=language)  # Accept-Language: the language
    tab = context.new_page()
    try:
        tab.set_viewport_size({"width": 375, "height": 800})
        tab.goto("/")
        assert tab.evaluate("document.documentElement.lang") == language
        assert violations(tab, axe) == []
        assert _english_left(tab.inner_text("main"), []) == []
        assert tab.evaluate("document.documentElement.scrollWidth") <= 375  # long words wrap on a phone
        tab.fill("input[name=age]", "38")
        tab.check("input[name=ms_type][value=RRMS]")
        tab.fill("input[name=current_dmt]", "Tisabri")  # a misspelt drug: the error in the page's language
        tab.locator("button.main").click()
        with speaking(language):  # type: ignore[arg-type]
            error = translate("unknown drug '{drug}' (did you mean {hint}?)").format(drug="Tisabri", hint="'Tysabri'")
        tab.get_by_text(error[1:]).first.wait_for()  # the script posts the answers and shows the reply's errors
        assert tab.input_value("input[name=age]") == "38"
        tab.fill("input[name=current_dmt]", TERIFLUNOMIDE[language])
        tab.locator("button.main").click()
        tab.locator("section.page3").wait_for()
        assert tab.evaluate("document.documentElement.lang") == language
        text = tab.inner_text("body")
        with speaking(language):  # type: ignore[arg-type]
            assert translate(TRANSLATION_NOT_REVIEWED) in text
        assert TERIFLUNOMIDE[language] in text
        assert _english_left(text, []) == []
        assert violations(tab, axe) == []
        assert tab.evaluate("document.documentElement.scrollWidth") <= 375
        tab.set_viewport_size({"width": 1280, "height": 900})
        assert violations(tab, axe) == []
        tab.go_back()  # Back: the form, in the language, with the answers
        tab.locator("input[name=age]").wait_for()
        assert tab.evaluate("document.documentElement.lang") == language
        assert tab.input_value("input[name=current_dmt]") == TERIFLUNOMIDE[language]
    finally:
        context.close()
