"""IPDAS minimum standards (Joseph-Williams et al. 2014), checked on every example's generated sheet:
the six qualifying criteria (Q1-Q6) and the six general certification criteria (C1-C6).
Each test reads the PDF text (what a patient sees) and, where structure matters, the sheet's HTML."""

from __future__ import annotations

import re

import pytest

from . import sheets

NAMES = sheets.NAMES


def _text(name: str) -> str:
    return " ".join(sheets.pages(name))


def _page1(name: str) -> str:
    return sheets.pages(name)[0]


@pytest.mark.parametrize("name", NAMES)
def test_q1_describes_the_health_condition(name):
    page1 = _page1(name)
    assert "Your condition" in page1
    assert re.search(r"You have (relapsing-remitting|secondary progressive|primary progressive) MS|first episode of MS"
                     r"|We do not know which type of MS", page1)


@pytest.mark.parametrize("name", NAMES)
def test_q2_states_the_decision(name):
    page1 = _page1(name)
    assert "The decision" in page1 and "Should you keep your current MS treatment plan, or change it?" in page1
    assert "This sheet does not tell you what to choose" in page1


@pytest.mark.parametrize("name", NAMES)
def test_q3_describes_every_option_available(name, pack):
    page1, text = _page1(name), _text(name)
    for option in pack.options.values():
        assert option.short_title in page1, option.id  # a column of the grid
        assert option.title.split(" (")[0] in text, option.id  # and its own section
    html = sheets.html(name)
    assert len(re.findall(r'<section class="option"', html)) == len(pack.options)


@pytest.mark.parametrize("name", NAMES)
def test_q4_describes_positive_features_of_each_option(name):
    for option in sheets.sheet(name).booklet.options:
        assert option.benefits, f"{option.id} shows no benefit"
        for statement in option.benefits:
            assert statement.text[:40] in sheets.fold(_text(name)), option.id


@pytest.mark.parametrize("name", NAMES)
def test_q5_describes_negative_features_of_each_option(name):
    for option in sheets.sheet(name).booklet.options:
        assert option.risks, f"{option.id} shows no harm"
        for statement in option.risks:
            assert statement.text[:40] in sheets.fold(_text(name)), option.id


@pytest.mark.parametrize("name", NAMES)
def test_q6_describes_what_it_is_like_to_go_through_each_option(name):
    html = sheets.html(name)
    for option in sheets.sheet(name).booklet.options:
        section = html.split(f'id="option-{option.id}"', 1)[1].split("</section>", 1)[0]
        assert "<h3>What it is like to go through</h3>" in section
        assert all(line in sheets.fold(_text(name)) for line in option.what_it_is_like), option.id
    assert _page1(name).count("What is it like to go through?") == 1


@pytest.mark.parametrize("name", NAMES)
def test_c1_benefits_and_harms_in_equal_detail(name):
    """Same layout for both (same block, same framing, same certainty label, same pictures)."""
    html = sheets.html(name)
    for option in sheets.sheet(name).booklet.options:
        section = html.split(f'id="option-{option.id}"', 1)[1].split("</section>", 1)[0]
        benefits, harms = section.split("<h3>Possible benefits</h3>", 1)[1].split("<h3>Possible harms</h3>", 1)
        harms = harms.split("<h3>What it is like", 1)[0].split("<h3>Having children later</h3>", 1)[0]
        for part, statements in ((benefits, option.benefits), (harms, option.risks)):
            assert part.count('<div class="statement">') == len(statements)
            numbers = sum(len(s.numbers) for s in statements)
            assert part.count('<div class="number ') == numbers == part.count("<svg ")
            assert part.count(" people did not. <strong>Who:") == numbers  # both framings for every number
            assert part.count("How sure we are:") == len(statements)  # once per statement, for all its numbers


@pytest.mark.parametrize("name", NAMES)
def test_c2_citations_to_the_evidence(name):
    text, model = _text(name), sheets.sheet(name)
    assert "Sources" in text and model.sources
    cited = {int(n) for group in re.findall(r"\[([\d, :a-z]+)\]", text) for n in re.findall(r"\d+", group)}
    assert cited == {s.number for s in model.sources}  # every source is cited and every citation is listed
    for option in model.booklet.options:
        for statement in option.benefits + option.risks:
            assert statement.refs and all(n.refs for n in statement.numbers), option.id


@pytest.mark.parametrize("name", NAMES)
def test_c3_production_date(name):
    assert f"Made on {sheets.DAY}" in _page1(name)
    assert all(f"made {sheets.DAY}" in page for page in sheets.pages(name))


@pytest.mark.parametrize("name", NAMES)
def test_c4_update_policy(name, pack):
    text = _text(name)
    assert "How and when it is updated:" in text and sheets.fold(pack.meta.update_policy) in text
    assert f"The next check is due by {pack.meta.next_review}" in text


@pytest.mark.parametrize("name", NAMES)
def test_c5_levels_of_uncertainty_around_probabilities(name):
    text = _text(name)
    assert "Numbers are our best guess from studies of other people. Your own chance may be higher or lower." in text
    for option in sheets.sheet(name).booklet.options:
        for statement in option.benefits + option.risks:
            assert statement.certainty  # how sure we are, printed with the statement and all of its numbers
            for number in statement.numbers:
                assert number.who and number.when  # reference class and time frame


@pytest.mark.parametrize("name", NAMES)
def test_c6_funding_and_conflicts_of_interest(name, pack):
    text = _text(name)
    assert "Who paid for it: " + sheets.fold(pack.meta.funding) in text
    assert "Conflicts of interest: " + sheets.fold(pack.meta.conflicts_of_interest) in text
