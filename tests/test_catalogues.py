"""The translation machinery: what the catalogues hold, and what `rules check` says when a language
falls behind the English (the rule author's loop in docs/rule-authors.md)."""

from __future__ import annotations

import io
import shutil
import typing
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from pydantic import BaseModel

from decisionaid.authoring.catalogues import extracted, problems
from decisionaid.authoring.checks import check_rules
from decisionaid.pack import catalogue as catalogue_models
from decisionaid.pack import models as pack_models
from decisionaid.pack.said import said_fields
from decisionaid.plumbing.i18n import LANGUAGES, catalogue_path
from decisionaid.sheet import text as text_models

from .conftest import RULES

TRANSLATED = [language for language in LANGUAGES if language != "en"]

# Text fields a patient never reads: ids, conditions' values, trial and source names, the changelog.
NOT_SAID = {
    ("Leaf", "field"), ("Leaf", "op"), ("Quote", "source"), ("Quote", "text"), ("Quote", "assessment"),
    ("Quote", "translation"), ("Statement", "id"), ("Criterion", "id"), ("Study", "name"), ("Evidence", "certainty"),
    ("Option", "id"), ("Change", "version"), ("ClinicalReview", "reviewer"), ("ClinicalReview", "role"),
    ("ClinicalReview", "scope"), ("PackMeta", "name"), ("PackMeta", "version"), ("PackMeta", "seeds"),
    ("Source", "id"), ("Source", "title"), ("Source", "citation"), ("Source", "kind"), ("Source", "url"), ("Source", "doi"),
    ("Source", "seed"), ("SafetyFact", "id"), ("RulePack", "digest"), ("RulePack", "seeds_dir"),
    ("RulePack", "rules_dir"), ("RulePack", "language"), ("Drug", "id"), ("Drug", "drug_class"), ("Drug", "tier"),
    ("Drug", "group"), ("Frequency", "certainty"), ("Statement", "certainty"), ("Change", "changes"),
    ("PackMeta", "authors"), ("PackMeta", "reviewers"), ("Drug", "brands"), ("Source", "other_urls"),
    ("SheetSource", "id"), ("SheetSource", "title"), ("SheetSource", "citation"), ("SheetSource", "kind"),
    ("SheetSource", "url"), ("Leaf", "value"), ("DecisionRow", "when"), ("NotRelevant", "facts"),
    ("NotRelevant", "reason"),  # shown in docs/rules.md, for rule authors
    ("VisitText", "fields"),  # FieldWords inside, each with its own `said`
    ("PackMeta", "translations"), ("SafetyFact", "band"), ("RulePack", "sources"), ("RulePack", "options"),
}


def _text_fields(module: typing.Any) -> list[tuple[str, str]]:
    found = []
    for model in vars(module).values():
        if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == module.__name__:
            hints = typing.get_type_hints(model, include_extras=True)
            for name in model.model_fields:
                if not name.endswith("sources") and "str" in str(hints[name]) and "Condition" not in str(hints[name]):
                    found.append((model.__name__, name))
    return found


@pytest.mark.parametrize("module", [pack_models, catalogue_models, text_models], ids=lambda m: m.__name__)
def test_every_text_field_is_said_or_named_as_never_read(module):
    """A new text field cannot be forgotten: it is translated (`said`) or listed here as never read by a patient."""
    unsorted = [(model, name) for model, name in _text_fields(module)
                if name not in said_fields(getattr(module, model)) and (model, name) not in NOT_SAID]
    assert not unsorted, f"name these in `said` (pack/said.py) or in NOT_SAID: {unsorted}"


@pytest.fixture()
def rules_copy(tmp_path: Path) -> Path:
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(RULES.parent / "seeds", tmp_path / "seeds")
    return tmp_path / "rules"


@pytest.mark.parametrize("language", TRANSLATED)
def test_shipped_catalogues_are_complete(language):
    assert problems(RULES, language) == []


def test_an_english_change_is_missing_then_fuzzy_until_translated(rules_copy):
    option = rules_copy / "options" / "ahsct.yaml"
    text = option.read_text(encoding="utf-8")
    english = extracted(rules_copy)
    sentence = next(m.id for m in english if m.id and "options/ahsct.yaml" in m.locations[0][0] and len(m.id) > 40)
    option.write_text(text.replace(sentence, sentence[:-1] + " today.", 1), encoding="utf-8")

    found = problems(rules_copy, "es")
    missing = [d for d in found if d.code == "translation-missing"]
    assert [d.file for d in missing] == ["rules/options/ahsct.yaml"] and missing[0].line
    assert [d.code for d in found if d.code == "translation-obsolete"]  # the old sentence's entry

    po = catalogue_path(rules_copy, "es", "pack")  # what `pybabel update` does (scripts/catalogues.sh)
    with po.open("rb") as file:
        catalogue = read_po(file, locale="es")
    catalogue.update(_template(extracted(rules_copy)))
    _write(po, catalogue)
    fuzzy = [d for d in problems(rules_copy, "es") if d.code == "translation-fuzzy"]
    assert len(fuzzy) == 1 and fuzzy[0].file == "rules/locale/es/LC_MESSAGES/pack.po" and fuzzy[0].line

    result = check_rules(rules_copy, strict=True)
    assert any(d.code == "translation-fuzzy" and d.level == "error" for d in result.diagnostics)


def test_placeholders_and_a_stale_compiled_catalogue_are_reported(rules_copy):
    po = catalogue_path(rules_copy, "es", "pack")
    with po.open("rb") as file:
        catalogue = read_po(file, locale="es")
    message = next(m for m in catalogue if m.id and m.string)
    message.string += " {count}"
    with po.open("wb") as file:  # the .po changed, the .mo not compiled again
        write_po(file, catalogue, width=0)
    codes = {d.code for d in problems(rules_copy, "es")}
    assert {"translation-placeholders", "catalogue-stale"} <= codes


def _template(catalogue):
    from babel.messages.catalog import Catalog

    template = Catalog(fuzzy=False)
    for message in catalogue:
        if message.id:
            template.add(message.id, None, message.locations, auto_comments=message.auto_comments)
    return template


def _write(po: Path, catalogue) -> None:
    with po.open("wb") as file:
        write_po(file, catalogue, width=0)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    po.with_suffix(".mo").write_bytes(compiled.getvalue())


def test_the_field_descriptions_say_the_full_course_as_the_facts_count_it():
    from decisionaid.pack.vocabulary import FIELDS, FULL_COURSE_MONTHS

    said = [spec.description for spec in FIELDS.values() if "months or more" in spec.description or "after the first" in spec.description]
    assert said and all(f"{FULL_COURSE_MONTHS} months" in d for d in said)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_templates_code_and_sheet_text_catalogues_are_complete(language):
    from decisionaid.plumbing.i18n import MESSAGES
    from decisionaid.plumbing.resources import templates_dir

    assert problems(templates_dir(), language, MESSAGES) == []
