"""Issue 13, rule packs: files of the wrong kind, seeds outside the pack, conditions too wide for
the engine and tables too large to compare row by row. Each is one positioned line from
`rules check` (exit 1) and from `assess --rules` (exit 2, as `sheet --rules` loads the same way),
within a time limit (a hang guard), never a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from decisionaid.pack import tables
from decisionaid.pack.models import Criterion, DecisionRow, Leaf

from .conftest import ROOT

CLEAN = Path(__file__).resolve().parent / "fixtures" / "broken_packs" / "clean"
PROFILE = ROOT / "examples" / "cis-first-episode.yaml"
LIMIT = 120  # seconds: a hang guard


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "decisionaid.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=LIMIT, check=False)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry under `folder` and which inode and modification it has (links not followed)."""
    return {str(p): (p.lstat().st_ino, p.lstat().st_mtime_ns) for p in folder.rglob("*")}


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def any_of(count: int) -> str:
    return "any: [" + ", ".join(f"{{field: age, op: eq, value: {10 + k}}}" for k in range(count)) + "]"


DEFECTS: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # name: (make the defect in rules/, the file named, what the line says)
    "a folder named like an option": (lambda r: (r / "options" / "zz.yaml").mkdir(), "options/zz.yaml", "is a folder"),
    "a symbolic link loop": (lambda r: (r / "options" / "loop.yaml").symlink_to("loop.yaml"), "options/loop.yaml",
                             "too many levels of symbolic links"),
    "a FIFO among the options": (lambda r: os.mkfifo(r / "options" / "fifo.yaml"), "options/fifo.yaml",
                                 "is a named pipe (FIFO)"),
    "a link to /dev/zero": (lambda r: (r / "options" / "zero.yaml").symlink_to("/dev/zero"), "options/zero.yaml",
                            "is a character device"),
    "a Latin-1 byte": (lambda r: (r / "options" / "nsc.yaml").write_bytes(
        (r / "options" / "nsc.yaml").read_bytes().replace(b'"Neural stem cells"', b'"Neural st\xe9m"')),
                       "options/nsc.yaml:2:18", "is not UTF-8 text (byte 0xe9)"),
    "a binary sources.yaml": (lambda r: (r / "sources.yaml").write_bytes(b"sources:\n  - \xff\xfe\x00\x01\x89PNG"),
                              "sources.yaml:2:5", "is not UTF-8 text (byte 0xff)"),
    "a seed outside the seeds folder": (
        lambda r: replace_in(r / "sources.yaml", "seed: clinic.txt", "seed: ../../../../etc/passwd"),
        "sources.yaml:3:5", "is outside the seeds folder"),
    "any: of 150 leaves inside all:": (
        lambda r: replace_in(r / "options" / "ahsct.yaml", "when: {field: age, op: lt, value: 45}",
                             "when: {all: [{field: ms_type, op: eq, value: RRMS}, {" + any_of(150) + "}]}"),
        "options/ahsct.yaml:23:5", "too wide for the rule engine"),
    "a whole number past 2**53": (  # issue 24: passed the check, then every command failed in the engine
        lambda r: replace_in(r / "options" / "ahsct.yaml", "value: 45}", "value: 9007199254740993}"),
        "options/ahsct.yaml:23:32", "is past the numbers the rule engine holds exactly"),
    "a 4,000-digit number": (  # issue 24: `rules check` itself ended in an OverflowError
        lambda r: replace_in(r / "options" / "ahsct.yaml", "value: 45}", "value: " + "9" * 4000 + "}"),
        "options/ahsct.yaml:23:32", "(4000 digits) is past the numbers the rule engine holds exactly"),
    "seeds: naming a folder outside the pack": (  # issue 24: a quote check read any file
        lambda r: (r / "pack.yaml").write_text("seeds: /proc/self\n" + (r / "pack.yaml").read_text()),
        "pack.yaml:1:1", "seeds folder '/proc/self' is outside the pack's own tree"),
    "an in: list of 100,000 values": (
        lambda r: replace_in(r / "options" / "ahsct.yaml", "when: {field: age, op: lt, value: 45}",
                             "when: {field: age, op: in, value: [" + ", ".join(map(str, range(100_000))) + "]}"),
        "options/ahsct.yaml:23:5", "too wide for the rule engine"),
}


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    shutil.copytree(CLEAN, tmp_path / "pack")
    (tmp_path / "pack" / "expected.txt").unlink()
    return tmp_path / "pack"


@pytest.mark.parametrize("name", list(DEFECTS))
def test_each_defect_is_one_positioned_line_in_rules_check_and_when_loading(pack, name):
    make, where, says = DEFECTS[name]
    make(pack / "rules")
    before = snapshot(pack)
    checked = run("rules", "check", "rules", "--today", "2026-06-01", cwd=pack)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr, checked.stderr[-2000:]
    errors = [line for line in checked.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith(f"rules/{where}") and says in errors[0], checked.stdout[-2000:]
    loaded = run("assess", str(PROFILE), "--rules", "rules", cwd=pack)
    assert loaded.returncode == 2 and "Traceback" not in loaded.stderr, loaded.stderr[-2000:]
    assert loaded.stderr.splitlines() == errors
    assert snapshot(pack) == before  # nothing written or replaced


def test_a_wide_any_that_the_check_accepts_is_evaluated(pack):
    """Issue 13: `any:` over 14-150 leaves passed the check, then failed in `assess` with error 113."""
    replace_in(pack / "rules" / "options" / "ahsct.yaml", "when: {field: age, op: lt, value: 45}", f"when: {{{any_of(150)}}}")
    checked = run("rules", "check", "rules", "--today", "2026-06-01", cwd=pack)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assessed = run("assess", str(PROFILE), "--rules", "rules", "--format", "json", cwd=pack)
    assert assessed.returncode == 0, assessed.stderr[-2000:]


def test_100000_wrong_values_are_a_handful_of_lines_and_a_count(pack):
    replace_in(pack / "rules" / "options" / "ahsct.yaml", "when: {field: age, op: lt, value: 45}",
               "when: {field: age, op: in, value: [" + ", ".join(f"{k}.5" for k in range(100_000)) + "]}")
    checked = run("rules", "check", "rules", "--today", "2026-06-01", cwd=pack)
    lines = checked.stdout.splitlines()
    assert checked.returncode == 1 and len(lines) == 6, lines[:10]
    assert lines[-1].endswith("... and 99995 more wrong values in this list (wrong-value)")


def test_400_criteria_with_400_decision_rows_are_checked(pack):
    """Issue 13: 400 criteria with as many rows took over 150 s (the growth is in docs/benchmarks.md)."""
    fields = ["age", "relapses_last_12_months", "current_dmt_months", "failed_dmts_high"]
    criteria = "".join(f"  - {{id: c{i}, label: c, met: m, not_met: n, unknown: u, sources: [GUIDE1], "
                       f"when: {{field: {fields[i % 4]}, op: eq, value: {10 + i // 4}}}}}\n" for i in range(400))
    rows = "".join(f"    - {{when: {{c{i}: met, c{(i + 7) % 400}: [not_met, unknown]}}, status: discuss}}\n"
                   for i in range(400))
    path = pack / "rules" / "options" / "nsc.yaml"
    text = path.read_text()
    head, rest = text.split("decision:\n", 1)
    path.write_text(head + "criteria:\n" + criteria + "decision:\n  rows:\n" + rows + rest.split("  rows:\n", 1)[1])
    checked = run("rules", "check", "rules", "--today", "2026-06-01", cwd=pack)
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]


def test_the_quick_witness_agrees_with_subtracting_boxes(monkeypatch):
    """The fast path of the table analysis (a witness profile per row) gives the same findings as
    the exact subtraction alone, on tables where rows overlap, cover and contradict each other."""
    import random

    rnd = random.Random(13)
    fields = ["age", "relapses_last_12_months", "edss"]
    criteria = [Criterion(id=f"c{i}", label="c", met="m", not_met="n", unknown="u", sources=["S"],
                          when=Leaf(field=fields[i % 3], op=rnd.choice(["lt", "gte", "eq"]), value=rnd.randint(1, 6)))
                for i in range(8)]
    for _ in range(60):
        rows = [DecisionRow(status="discuss", when={f"c{rnd.randrange(8)}": rnd.choice(
            ["met", "not_met", "unknown", ["met", "unknown"], ["not_met", "unknown"]]) for _ in range(rnd.randint(1, 3))})
                for _ in range(rnd.randint(2, 9))] + [DecisionRow(status="research_only")]
        for policy in ("first", "unique"):
            fast = tables.analyse_table(criteria, rows, policy, {})
            with monkeypatch.context() as patched:
                patched.setattr(tables._StateSpace, "escapes", lambda self, box, earlier: False)
                exact = tables.analyse_table(criteria, rows, policy, {})
            assert fast == exact, (rows, policy)


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1, -(2**53) - 1, float("inf")])
def test_numbers_the_engine_cannot_hold_are_refused_by_the_check(pack, value):
    """Issue 24: 2**64 and -2**63-1 passed `rules check`, then `sheet`, `assess` and `rules test`
    printed EngineError tracebacks."""
    from decisionaid.pack.loader import read_rule_pack

    replace_in(pack / "rules" / "options" / "ahsct.yaml", "{field: age, op: lt, value: 45}",
               f"{{field: edss, op: lt, value: {'.inf' if value == float('inf') else value}}}")
    problems = [str(d) for d in read_rule_pack(pack / "rules").diagnostics if d.level == "error"]
    assert len(problems) == 1 and problems[0].startswith("rules/options/ahsct.yaml:23:") or problems[0].startswith(
        str(pack / "rules" / "options" / "ahsct.yaml") + ":23:"), problems
    assert "past the numbers the rule engine holds exactly" in problems[0] or "is not" in problems[0], problems
