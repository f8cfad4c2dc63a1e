"""Source titles stay in their own language; a document in another language marks them with it."""

from __future__ import annotations

import datetime as dt

from decisionaid.pipeline import make_sheet, rule_pack_and_engine
from decisionaid.plumbing.i18n import speaking
from decisionaid.profile.read import load_profile
from decisionaid.sheet.sources import SourceNumbering
from decisionaid.sheet.text import sheet_text

from .conftest import EXAMPLES, RULES


def _views(pack):
    numbering = SourceNumbering(pack, sheet_text().sources)
    numbering.refs(list(pack.sources)[:12])
    return numbering.views()


def test_an_english_document_leaves_english_titles_unmarked(pack):
    for view in _views(pack):
        assert view.title == view.own_title == pack.sources[view.id].title
        assert view.language_mark == ""


def test_a_spanish_document_marks_english_titles_and_a_shortened_one_keeps_the_mark(pack):
    with speaking("es"):
        views = _views(pack)
    for view in views:
        own = pack.sources[view.id].title
        assert view.own_title == own and view.title != own and own in view.title  # the words as written, marked
        assert view.language_mark and view.title.endswith(view.language_mark)
    titled = [view for view in views if view.title in view.short]  # a short list names these by their title
    assert titled
    for view in titled:
        assert view.brief(20).endswith(view.language_mark)


def test_a_spanish_booklet_marks_seed_quotes_with_their_language():
    profile = load_profile(str(EXAMPLES[0]), rule_pack_and_engine(RULES)[0].catalogue)
    english = make_sheet(profile, sheet_date=dt.date(2026, 12, 4), document="booklet", rules_dir=RULES).booklet
    spanish = make_sheet(profile, sheet_date=dt.date(2026, 12, 4), document="booklet", rules_dir=RULES, language="es").booklet
    assert english.corrections and all(c.language_mark == c.translation == "" for c in english.corrections)
    assert [c.quote for c in spanish.corrections] == [c.quote for c in english.corrections]  # word for word
    assert all(c.language_mark and c.translation and c.translation != c.quote for c in spanish.corrections)
