"""The CLI end to end: real files, real PDFs, real exit codes."""

from __future__ import annotations

import json

import pytest

from decisionaid.sheet.text import sheet_text

from .conftest import EXAMPLES, ROOT
from .helpers import pdf_text, run_cli

EXAMPLE = ROOT / "examples" / "rrms-breakthrough-high-efficacy.yaml"


def test_sheet_writes_a_real_pdf(tmp_path):
    out = tmp_path / "sheet.pdf"
    result = run_cli("sheet", str(EXAMPLE), "-o", str(out), "--date", "2026-11-22")
    assert result.returncode == 0, result.stderr
    text = pdf_text(out.read_bytes())
    statuses = json.loads(run_cli("assess", str(EXAMPLE), "--format", "json").stdout)["options"]
    expected = [sheet_text().status_short[o["status"]] for o in statuses]
    for phrase in ["does not tell you what to choose", "Alex Example", "Page 1 of 3", "For your MS team", *expected]:
        assert phrase in text  # the visit sheet, by default
    assert not list(tmp_path.glob(".*.tmp"))


def test_booklet_on_request(tmp_path):
    out = tmp_path / "booklet.html"
    result = run_cli("sheet", str(EXAMPLE), "--booklet", "--html", str(out), "--date", "2026-11-22")
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert html.count('<section class="option"') == 7 and "--booklet" in html


def test_sheet_reads_standard_input_and_writes_html(tmp_path):
    out = tmp_path / "s.html"
    result = run_cli("sheet", "-", "--html", str(out), "--date", "2026-01-02", stdin=EXAMPLE.read_text())
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert '<html lang="en">' in html and "2026-01-02" in html
    assert not (tmp_path / "sheet.pdf").exists()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_assess_json_meets_the_contract(path):
    result = run_cli("assess", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["rule_pack"]) >= {"name", "version", "reviewed", "next_review"}
    assert data["profile_digest"].startswith("sha256:")
    assert isinstance(data["missing_information"], list)
    assert [o["id"] for o in data["options"]] == ["no_change", "he_dmt", "ahsct", "msc", "msc_np", "nsc", "ipsc"]
    statuses = {"discuss", "discuss_with_caution", "trial_only", "unlikely_to_fit", "research_only", "needs_information"}
    for option in data["options"]:
        assert option["status"] in statuses and option["title"]
        assert option["evidence"]["certainty"] in {"high", "moderate", "low", "very_low", "none"}
        assert option["evidence"]["maturity"] and option["sources"]
        for criterion in option["criteria"]:
            assert criterion["state"] in {"met", "not_met", "unknown"} and criterion["text"] and criterion["sources"]
        for risk in option["risks"]:
            assert risk["id"] and risk["text"] and risk["sources"]


def test_assess_text_is_readable():
    result = run_cli("assess", str(EXAMPLE))
    assert result.returncode == 0
    assert "does not recommend any treatment" in result.stdout and "status: discuss" in result.stdout


def test_much_missing_information_is_listed():
    data = json.loads(run_cli("assess", str(ROOT / "examples" / "rrms-much-unknown.yaml"), "--format", "json").stdout)
    assert "edss" in data["missing_information"]
    assert data["options"][2]["status"] == "needs_information"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("age: 30\nms_type: RRMS\nedds: 2\n", "bad.yaml:3:1: error: unknown field 'edds' (did you mean 'edss'?)"),
        ("age: 30\nms_type: RRMS\ncurrent_dmt: Tecfiderra\n", "unknown drug 'Tecfiderra' (did you mean 'Tecfidera'?)"),
        ("age: [30\n", "yaml-syntax"),
        ("- just\n- a list\n", "a profile must be a mapping"),
    ],
)
def test_bad_profile_exit_2_one_line_no_output(tmp_path, content, expected):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    out = tmp_path / "out.pdf"
    result = run_cli("sheet", str(bad), "-o", str(out))
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_missing_profile_and_missing_output_folder(tmp_path):
    result = run_cli("assess", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2 and result.stderr.strip().endswith("no such file (not-found)")
    result = run_cli("sheet", str(EXAMPLE), "-o", str(tmp_path / "no" / "dir.pdf"))
    assert result.returncode == 2 and "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_existing_output_is_kept_when_the_profile_is_bad(tmp_path):
    out = tmp_path / "sheet.pdf"
    out.write_bytes(b"previous sheet")
    bad = tmp_path / "bad.yaml"
    bad.write_text("age: 300\nms_type: RRMS\n")
    assert run_cli("sheet", str(bad), "-o", str(out)).returncode == 2
    assert out.read_bytes() == b"previous sheet"


def test_broken_rules_exit_2_with_positions(tmp_path):
    import shutil

    shutil.copytree(ROOT / "rules", tmp_path / "rules", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    path = tmp_path / "rules" / "options" / "ahsct.yaml"
    path.write_text(path.read_text().replace("op: lt, value: 45", "op: below, value: 45", 1))
    result = run_cli("assess", str(EXAMPLE), "--rules", str(tmp_path / "rules"))
    assert result.returncode == 2 and "ahsct.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_usage_errors_exit_2():
    assert run_cli("sheet").returncode == 2
    assert run_cli("assess", str(EXAMPLE), "--format", "xml").returncode == 2
