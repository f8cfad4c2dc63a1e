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
