"""The rule author's commands through the real CLI: `rules check|test|docs` and `schema`."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from decisionaid.cli import main

from .conftest import ROOT, RULES
from .test_rules_check import FIXTURES

TODAY = ["--today", "2026-06-01"]


@pytest.fixture()
def run(monkeypatch):
    def invoke(*args: str, cwd=None):
        if cwd is not None:
            monkeypatch.chdir(cwd)
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


# ----------------------------------------------------------------------------- the shipped pack (the CI gate)
def test_shipped_rules_pass_strict_check(run):
    result = run("rules", "check", "--strict", str(RULES))
    assert result.exit_code == 0, result.output


def test_shipped_rules_pass_their_tests_with_full_coverage(run):
    result = run("rules", "test", "--coverage", str(RULES))
    assert result.exit_code == 0, result.output


def test_committed_generated_files_are_fresh(run, tmp_path):
    assert run("schema", "--write", str(ROOT / "schema"), "--check").exit_code == 0
    assert run("rules", "docs", str(RULES), "-o", str(ROOT / "docs" / "rules.md"), "--check").exit_code == 0


# ----------------------------------------------------------------------------- check
def test_check_clean_pack_exits_0_with_nothing_on_stdout(run):
    result = run("rules", "check", "rules", *TODAY, cwd=FIXTURES / "clean")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "0 error(s), 0 warning(s) in 11 file(s)" in result.stderr


def test_check_prints_every_problem_and_exits_1(run):
    result = run("rules", "check", "rules", *TODAY, cwd=FIXTURES / "wrong_operator")
    assert result.exit_code == 1
    assert result.stdout == (FIXTURES / "wrong_operator" / "expected.txt").read_text()


def test_warnings_exit_0_unless_strict(run):
    relaxed = run("rules", "check", "rules", *TODAY, cwd=FIXTURES / "review_overdue")
    strict = run("rules", "check", "rules", "--strict", *TODAY)
    assert relaxed.exit_code == 0 and ": warning: " in relaxed.stdout
    assert strict.exit_code == 1 and ": warning: " not in strict.stdout
    assert "error: the rule pack was due for review on 2026-03-01" in strict.stdout


def test_check_json(run):
    result = run("rules", "check", "rules", "--format", "json", *TODAY, cwd=FIXTURES / "renamed_field")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["errors"], report["warnings"], report["files"]) == (1, 0, 11)
    assert report["diagnostics"] == [{
        "file": "rules/options/ahsct.yaml", "line": 23, "column": 12, "level": "error", "code": "unknown-field",
        "message": "unknown field 'agee' (did you mean 'age'?)",
    }]


@pytest.mark.parametrize("args", [["rules", "check", "no/such/folder"], ["rules", "docs", "no/such/folder"],
                                  ["rules", "check", "--format", "xml"], ["schema"], ["schema", "nonsense"]])
def test_usage_errors_exit_2(run, args, tmp_path):
    result = run(*args, cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_test_prints_each_failure_with_statuses_and_criterion_states(run):
    """One small pack, one engine: the case names criteria and statements its option does not have."""
    result = run("rules", "test", "rules", cwd=FIXTURES / "unknown_criterion_in_case")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "FAIL ahsct::active_on_natalizumab (rules/tests/ahsct.yaml)",
        "  status: expected discuss, got discuss (decision row 1)",
        "  - met: 'activ' is not a criterion of ahsct",
        "  - shown: 'deaths' is not a statement of ahsct",
        "  criteria met: relapsing_ms, age_under_45, active",
        "  criteria not met: (none)",
        "  criteria unknown: (none)",
    ]
    assert "0 passed, 1 failed" in result.stderr


# ----------------------------------------------------------------------------- docs and schema
def test_docs_writes_and_checks_a_catalogue(run, tmp_path):
    shutil.copytree(FIXTURES / "clean", tmp_path / "pack")
    out = tmp_path / "rules.md"
    assert run("rules", "docs", "pack/rules", "-o", str(out), cwd=tmp_path).exit_code == 0
    assert out.read_text().startswith("# Rule catalogue: A tiny rule pack for checker tests\n")
    assert run("rules", "docs", "pack/rules", "-o", str(out), "--check").exit_code == 0
    out.write_text("stale\n")
    stale = run("rules", "docs", "pack/rules", "-o", str(out), "--check")
    assert stale.exit_code == 1
    assert f"run: decisionaid rules docs -o {out}" in stale.stderr


def test_docs_refuses_a_broken_pack_with_its_diagnostics(run):
    result = run("rules", "docs", "rules", cwd=FIXTURES / "renamed_field")
    assert result.exit_code == 2
    assert "rules/options/ahsct.yaml:23:12: error: unknown field 'agee'" in result.stderr


@pytest.mark.parametrize("name", ["profile", "rules", "rules-option"])
def test_schema_prints_json_schema(run, name):
    result = run("schema", name)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_write_and_check(run, tmp_path):
    assert run("schema", "--write", str(tmp_path / "schema")).exit_code == 0
    assert run("schema", "--write", str(tmp_path / "schema"), "--check").exit_code == 0
    (tmp_path / "schema" / "profile.schema.json").write_text("{}\n")
    stale = run("schema", "--write", str(tmp_path / "schema"), "--check")
    assert stale.exit_code == 1 and "profile.schema.json: out of date" in stale.stderr
