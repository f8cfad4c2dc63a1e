"""`rules check`: each broken pack gives exactly its diagnostics, and edits to a copy of the real
pack are caught at the right file:line."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from decisionaid.authoring.checks import check_rules
from decisionaid.plumbing.readability import reading_grade
from decisionaid.plumbing.yamlpos import read_text

from .conftest import ROOT, RULES

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "broken_packs"
TODAY = dt.date(2026, 6, 1)  # the fixtures' packs are due for review on 2026-12-31


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_broken_pack_gives_exactly_its_diagnostics(name, monkeypatch):
    """tests/fixtures/broken_packs/<name>/expected.txt lists, in order, what `rules check rules
    --today 2026-06-01` prints when run inside that folder."""
    root = FIXTURES / name
    monkeypatch.chdir(root)
    expected = (root / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert [str(d) for d in check_rules(Path("rules"), today=TODAY).diagnostics] == expected
    assert bool(expected) == (name != "clean")


def test_strict_turns_warnings_into_errors(monkeypatch):
    monkeypatch.chdir(FIXTURES / "review_overdue")
    relaxed = check_rules(Path("rules"), today=TODAY)
    strict = check_rules(Path("rules"), today=TODAY, strict=True)
    assert (relaxed.errors, relaxed.warnings) == (0, 2)
    assert (strict.errors, strict.warnings) == (2, 0)
    assert [d.code for d in strict.diagnostics] == [d.code for d in relaxed.diagnostics]


def test_noqa_silences_only_the_named_warning(monkeypatch):
    """msc.yaml's hard summary carries `# noqa: reading-grade`; nsc.yaml's does not."""
    monkeypatch.chdir(FIXTURES / "reading_grade")
    files = {d.file for d in check_rules(Path("rules"), today=TODAY).diagnostics}
    assert files == {"rules/options/nsc.yaml"}


def test_reading_grade_tells_plain_from_hard_text():
    assert reading_grade("You stay in hospital for about a month. Then you go home.") < 4
    assert reading_grade("Intrathecal administration necessitates comprehensive immunological evaluation.") > 16


# ----------------------------------------------------------------------------- the real pack
@pytest.fixture()
def pack_copy(tmp_path, monkeypatch):
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in the file; return the line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def lines_of(root: Path) -> list[str]:
    return [str(d) for d in check_rules(root / "rules").diagnostics if d.level == "error"]


def test_renamed_profile_field_in_a_condition(pack_copy):
    path = pack_copy / "rules/options/ahsct.yaml"
    match = re.search(r"\{field: ([a-z_]+), op:", path.read_text())
    assert match, "ahsct.yaml should have a condition"
    field = match.group(1)
    line = edit(path, match.group(), match.group().replace(field, field + "s"))
    column = path.read_text().splitlines()[line - 1].index("field:") + 1
    assert lines_of(pack_copy) == [
        f"rules/options/ahsct.yaml:{line}:{column}: error: unknown field '{field}s' (did you mean '{field}'?) (unknown-field)"
    ]


def test_seed_altered_so_a_quote_no_longer_matches(pack_copy):
    """One word of a seed changes inside a passage that a rule quotes."""
    path = pack_copy / "rules/options/ahsct.yaml"
    doc = read_text(path.read_text(), "ahsct.yaml")
    quote = doc.data["quotes"][0]
    sources = read_text((pack_copy / "rules/sources.yaml").read_text(), "sources.yaml").data["sources"]
    seed = pack_copy / "seeds" / next(s["seed"] for s in sources if s["id"] == quote["source"])
    words = quote["text"].split()
    text = seed.read_text(encoding="utf-8")
    passage = re.search(r"\s+".join(map(re.escape, words)), text)
    assert passage, "the shipped quote should be in its seed"
    start = passage.start() + passage.group().rindex(words[-2])
    seed.write_text(text[:start] + "CHANGED" + text[start + len(words[-2]):], encoding="utf-8")
    line, column = doc.where(("quotes", 0, "text"))
    (problem,) = lines_of(pack_copy)
    assert problem.startswith(f"rules/options/ahsct.yaml:{line}:{column}: error: quote not found verbatim in seed "
                              f"'{seed.name}': it matches up to '")
    seed_line = text.count("\n", 0, start) + 1
    assert f"then the quote has '{words[-2]} {words[-1]}' where the seed (line {seed_line}) has 'CHANGED {words[-1]}" in problem
    assert problem.endswith("(quote-not-verbatim)")


def test_table_row_that_can_never_match(pack_copy):
    """A copy of the first row, added before the catch-all, is caught and the first row named."""
    path = pack_copy / "rules/options/ahsct.yaml"
    doc = read_text(path.read_text(), "ahsct.yaml")
    first = doc.data["decision"]["rows"][0]["when"]
    copy = "{" + ", ".join(f"{k}: [{', '.join(v)}]" if isinstance(v, list) else f"{k}: {v}" for k, v in first.items()) + "}"
    catch_all = "    - status: needs_information\n"
    line = edit(path, catch_all, f"    - when: {copy}\n      status: discuss\n" + catch_all)
    first_line = doc.where(("decision", "rows", 0))[0]
    assert lines_of(pack_copy) == [
        f"rules/options/ahsct.yaml:{line}:7: error: this row can never match: the earlier row at line {first_line} "
        "matches every profile it matches (unreachable-row)"
    ]
