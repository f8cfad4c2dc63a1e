"""docs/rules.md is the catalogue of the shipped rule pack, regenerated whenever the rules change."""

from __future__ import annotations

from decisionaid.authoring.docs import condition_words, rules_markdown
from decisionaid.pack.models import AllOf, AnyOf, Leaf, NotOf

from .conftest import ROOT

REGENERATE = "decisionaid rules docs -o docs/rules.md"


def test_committed_catalogue_is_up_to_date(pack):
    path = ROOT / "docs" / "rules.md"
    assert path.is_file(), f"{path} is missing; run: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == rules_markdown(pack), f"{path} is stale; run: {REGENERATE}"


def test_catalogue_names_every_option_criterion_and_source(pack):
    text = rules_markdown(pack)
    for option in pack.options.values():
        assert f'<a id="option-{option.id}"></a>' in text
        assert all(f"(`{c.id}`)" in text for c in option.criteria)
    assert all(f"`{source}`" in text for source in pack.sources)


def test_conditions_in_plain_words():
    condition = AllOf(all=[
        Leaf(field="ms_type", op="in", value=["SPMS", "PPMS"]),
        AnyOf(any=[Leaf(field="edss", op="lte", value=5.5),
                   NotOf(**{"not": Leaf(field="treatment_naive", op="eq", value=True)})]),
    ])
    assert condition_words(condition) == (
        "type of MS is one of SPMS, PPMS and (EDSS disability score (0 to 10) is at most 5.5 or "
        "not (has never taken a DMT: yes))"
    )


def test_the_booklets_length_in_the_form_and_readme_is_the_range_over_the_examples():
    """templates/document-lengths.yaml (read by the form) and the README give the booklet's length as made;
    the booklets are the ones the sheet tests render once per session."""
    import yaml

    from decisionaid.web.page import booklet_pages

    from . import sheets

    regenerate = "bash scripts/docs-images.sh (or .venv/bin/python scripts/document_lengths.py)"
    counts = [len(sheets.pages(name)) for name in sheets.NAMES]
    lengths = yaml.safe_load((ROOT / "templates" / "document-lengths.yaml").read_text(encoding="utf-8"))
    assert lengths["booklet"] == [min(counts), max(counts)], f"the booklet's length is stale; run: {regenerate}"
    assert booklet_pages() == (min(counts), max(counts))
    low, high = lengths["booklet_large_print"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"The booklet (`--booklet`; {min(counts)} to {max(counts)} pages, {low} to {high} in large print)" in readme
