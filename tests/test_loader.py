"""Loading the rule pack: the shipped pack is clean, and broken rules point at file:line:col."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from decisionaid.pack.loader import check_rule_pack, load_rule_pack, normalise_space
from decisionaid.pack.models import OPTION_IDS
from decisionaid.plumbing.errors import RulePackError

from .conftest import ROOT, RULES


def test_shipped_pack_loads_with_every_option(pack):
    assert tuple(pack.options) == OPTION_IDS
    assert pack.digest.startswith("sha256:")


def test_every_seed_quote_is_verbatim(pack):
    seeds = Path(pack.seeds_dir)
    quotes = [q for o in pack.options.values() for q in o.quotes]
    quotes += [q for o in pack.options.values() for kind in ("criteria", "benefits", "risks")
               for item in getattr(o, kind) for q in item.quotes]
    assert quotes, "the pack should quote its seeds"
    for quote in quotes:
        seed = (seeds / pack.sources[quote.source].seed).read_text(encoding="utf-8")
        assert normalise_space(quote.text) in normalise_space(seed), quote.text


def test_every_criterion_and_statement_names_a_source(pack):
    for option in pack.options.values():
        for item in [*option.criteria, *option.benefits, *option.risks]:
            assert item.sources and all(s in pack.sources for s in item.sources)


@pytest.fixture()
def pack_copy(tmp_path):
    shutil.copytree(RULES, tmp_path / "rules", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path / "rules"


def edit(path: Path, old: str, new: str) -> int:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return text[: text.index(old)].count("\n") + 1


def errors_of(rules: Path) -> list[str]:
    with pytest.raises(RulePackError) as caught:
        load_rule_pack(rules)
    return [str(d) for d in caught.value.diagnostics]


def test_renamed_field_in_a_condition(pack_copy):
    line = edit(pack_copy / "options/ahsct.yaml", "{field: age, op: lt, value: 45}", "{field: agee, op: lt, value: 45}")
    lines = errors_of(pack_copy)
    assert any(f"ahsct.yaml:{line}:" in e and "unknown field 'agee' (did you mean 'age'?)" in e for e in lines), lines


def test_operator_on_the_wrong_type(pack_copy):
    edit(pack_copy / "options/ahsct.yaml", "{field: ms_type, op: eq, value: CIS}", "{field: ms_type, op: lt, value: CIS}")
    assert any("operator 'lt' does not apply to enum field 'ms_type'" in e for e in errors_of(pack_copy))


def test_altered_quote_is_caught(pack_copy):
    line = edit(pack_copy / "options/ahsct.yaml", "about 0.3%", "about 0.03%")
    lines = errors_of(pack_copy)
    assert any(f"ahsct.yaml:{line}:" in e and "quote-not-verbatim" in e for e in lines), lines


def test_missing_catch_all_and_unknown_criterion(pack_copy):
    path = pack_copy / "options/ipsc.yaml"
    edit(path, "    - status: research_only", "    - when: {no_such_criterion: met}\n      status: research_only")
    lines = errors_of(pack_copy)
    assert any("unknown criterion 'no_such_criterion'" in e for e in lines)
    assert any("no-catch-all" in e for e in lines)


def test_unknown_source_and_duplicate_key(pack_copy):
    edit(pack_copy / "options/nsc.yaml", "sources: [GENCHI2023, SEED004]", "sources: [GENCHI2032, SEED004]")
    edit(pack_copy / "pack.yaml", "version: 0.3.1", "version: 0.3.1\nversion: 0.3.2")
    lines = errors_of(pack_copy)
    assert any("unknown source 'GENCHI2032' (did you mean 'GENCHI2023'?)" in e for e in lines)
    assert any("pack.yaml:5:1: error: duplicate key 'version'" in e for e in lines)


def test_check_returns_every_problem_at_once(pack_copy):
    edit(pack_copy / "options/ahsct.yaml", "op: lt, value: 45", "op: lt, value: '45'")
    edit(pack_copy / "options/msc.yaml", "certainty: low\n  maturity", "certainty: lowish\n  maturity")
    pack, diagnostics = check_rule_pack(pack_copy)
    assert pack is None and len([d for d in diagnostics if d.level == "error"]) >= 2
