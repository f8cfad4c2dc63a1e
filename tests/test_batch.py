"""`decisionaid batch`: a sheet per profile across processes; bad profiles reported, never fatal."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest

from decisionaid.batch import output_paths, run_in_workers

from .conftest import ROOT
from .helpers import run_cli
from .workers import crash_on_request

GOOD = ["rrms-breakthrough-high-efficacy.yaml", "cis-first-episode.yaml", "spms-active.yaml"]
BAD = {
    "syntax.yaml": ("age: [30\n", "yaml-syntax"),
    "typo.yaml": ("age: 30\nms_type: RRMS\nedds: 2\n", "unknown field 'edds' (did you mean 'edss'?)"),
    "drug.json": ('{"age": 30, "ms_type": "RRMS", "current_dmt": "Tecfiderra"}', "unknown drug 'Tecfiderra'"),
    "latin1.yaml": (b"age: 30\nms_type: RRMS\nname: Jos\xe9\n", "is not UTF-8 text"),
}


def whole_pdf(path: Path) -> bool:
    data = path.read_bytes()
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(pypdf.PdfReader(path).pages) >= 1


@pytest.fixture
def clinic(tmp_path):
    folder = tmp_path / "clinic"
    folder.mkdir()
    for name in GOOD:
        shutil.copy(ROOT / "examples" / name, folder / name)
    for name, (content, _) in BAD.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    (folder / "notes.txt").write_text("not a profile")
    return folder


def test_every_good_profile_gets_a_sheet_and_every_bad_one_a_reason(clinic, tmp_path):
    out = tmp_path / "out"
    result = run_cli("batch", str(clinic), "-o", str(out), "--jobs", "2", "--date", "2026-11-22")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(n).stem + ".pdf" for n in GOOD)
    assert all(whole_pdf(p) for p in out.iterdir())
    lines = result.stderr.splitlines()
    for name, (_, reason) in BAD.items():
        reported = [line for line in lines if line.startswith(str(clinic / name) + ":")]
        assert len(reported) == 1 and reason in reported[0], (name, lines)
    assert any("3 of 7" in line for line in lines), lines


def test_all_good_exits_0(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ROOT / "examples" / GOOD[1], folder / "one.yaml")
    result = run_cli("batch", str(folder), "-o", str(tmp_path / "new" / "out"), "--date", "2026-11-22")
    assert result.returncode == 0, result.stderr
    assert whole_pdf(tmp_path / "new" / "out" / "one.pdf")


@pytest.mark.parametrize("case", ["missing", "a file", "empty", "output is a file"])
def test_a_bad_folder_is_a_usage_error(tmp_path, case):
    folder, out = tmp_path / "in", tmp_path / "out"
    if case == "a file":
        folder.write_text("x")
    elif case != "missing":
        folder.mkdir()
    if case == "output is a file":
        shutil.copy(ROOT / "examples" / GOOD[1], folder / "one.yaml")
        out.write_text("x")
    result = run_cli("batch", str(folder), "-o", str(out))
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_profiles_sharing_a_name_get_distinct_sheets(tmp_path):
    names = [tmp_path / "a.yaml", tmp_path / "a.json", tmp_path / "b.yml"]
    assert [p.name for p in output_paths(names, tmp_path / "o")] == ["a.yaml.pdf", "a.json.pdf", "b.pdf"]


def test_a_worker_that_dies_is_reported_and_the_others_still_run(tmp_path):
    tasks = [(str(tmp_path / f"{name}.yaml"), str(tmp_path / f"{name}.out")) for name in
             ["a", "b", "crash", "c", "d", "e"]]
    outcomes, crashes = run_in_workers(tasks, crash_on_request, jobs=2)
    assert [(c.source.stem, c.how) for c in crashes] == [("crash", "exit code 3")] * 2  # tried twice, then reported
    failed = [o for o in outcomes if not o.ok]
    assert [o.source.stem for o in failed] == ["crash"] and "worker process died" in failed[0].problem
    assert sorted(o.source.stem for o in outcomes if o.ok) == ["a", "b", "c", "d", "e"]
    assert all((tmp_path / f"{n}.out").read_text().endswith(f"{n}.yaml") for n in "abcde")


def test_ctrl_c_stops_the_batch_and_leaves_only_whole_pdfs(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for index in range(6):
        shutil.copy(ROOT / "examples" / GOOD[index % 3], folder / f"p{index}.yaml")
    process = subprocess.Popen([sys.executable, "-m", "decisionaid.cli", "batch", str(folder), "-o", str(out),
                                "--jobs", "1", "--date", "2026-11-22"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while not (out.is_dir() and any(p.suffix == ".pdf" for p in out.iterdir())):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=240)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    pdfs = sorted(out.iterdir())
    assert 1 <= len(pdfs) < 6 and all(p.suffix == ".pdf" and whole_pdf(p) for p in pdfs), [p.name for p in pdfs]
    assert not any(name.startswith(".") for name in os.listdir(out))
