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


def test_a_stopped_worker_is_stopped_at_the_sheet_deadline_and_reported(tmp_path):
    """Issue 24: a render worker stopped with kill -STOP hung the whole batch; now the sheet is
    stopped at its deadline (60 s in a real batch, 3 s here), reported, and the rest are made."""
    tasks = [(str(tmp_path / f"{name}.yaml"), str(tmp_path / f"{name}.out")) for name in ["a", "stuck", "b", "c"]]
    (tmp_path / ".stuck.out.12345678.tmp").write_text("half a sheet")  # as if it had begun writing
    outcomes, crashes = run_in_workers(tasks, crash_on_request, jobs=2, timeout=3)
    assert crashes == []
    failed = [o for o in outcomes if not o.ok]
    assert [o.source.stem for o in failed] == ["stuck"]
    assert failed[0].problem.endswith("stuck.yaml: making this sheet took longer than 3 s; it was stopped and its "
                                      "worker replaced")
    assert sorted(o.source.stem for o in outcomes if o.ok) == ["a", "b", "c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.out", "b.out", "c.out"]


def _batch_in_its_own_group(folder: Path, out: Path, jobs: int) -> subprocess.Popen[str]:
    """`decisionaid batch` as a terminal runs it: its own process group, which Ctrl-C signals whole,
    with a temporary folder of its own (`folder.parent / "tmp"`) that must be empty afterwards."""
    temporary = folder.parent / "tmp"
    temporary.mkdir()
    return subprocess.Popen([sys.executable, "-m", "decisionaid.cli", "batch", str(folder), "-o", str(out),
                             "--jobs", str(jobs), "--date", "2026-11-22"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "TMPDIR": str(temporary)})


def _left_in_the_temporary_folder(folder: Path) -> list[str]:
    """Issue 24: every worker left a `weasyprint-*` font folder (about 1.4 MB) in the temporary folder."""
    return sorted(str(p.relative_to(folder.parent / "tmp")) for p in (folder.parent / "tmp").rglob("*"))


def _wait_for_a_sheet(process: subprocess.Popen[str], out: Path) -> None:
    deadline = time.monotonic() + 240
    while not (out.is_dir() and any(p.suffix == ".pdf" for p in out.iterdir())):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _profiles(folder: Path, count: int) -> None:
    folder.mkdir()
    for index in range(count):
        shutil.copy(ROOT / "examples" / GOOD[index % 3], folder / f"p{index}.yaml")


def test_three_ctrl_cs_stop_the_workers_and_the_count_is_what_is_on_disk(tmp_path):
    """Issue 13: three SIGINTs a second apart ended in a KeyboardInterrupt traceback (in atexit),
    and two workers and the resource tracker went on writing PDFs under PID 1."""
    folder, out = tmp_path / "in", tmp_path / "out"
    _profiles(folder, 8)
    process = _batch_in_its_own_group(folder, out, jobs=2)
    try:
        _wait_for_a_sheet(process, out)
        for _ in range(3):
            os.killpg(process.pid, signal.SIGINT)
            time.sleep(1)
        _, stderr = process.communicate(timeout=120)
        deadline = time.monotonic() + 30  # the resource tracker leaves once the workers are gone
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(process.pid), "a worker or the resource tracker outlived the batch"
    finally:
        if process.poll() is None:
            process.kill()
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    pdfs = sorted(out.iterdir())
    assert 1 <= len(pdfs) < 8 and all(p.suffix == ".pdf" and whole_pdf(p) for p in pdfs), [p.name for p in pdfs]
    assert f"interrupted: {len(pdfs)} of 8 sheets written to {out}" in stderr, stderr
    time.sleep(2)
    assert sorted(out.iterdir()) == pdfs  # nothing is still writing
    assert _left_in_the_temporary_folder(folder) == []


def test_a_killed_worker_is_replaced_and_the_crash_and_its_profile_are_reported(tmp_path):
    """Issue 13: after kill -9 of one worker the rest ran one at a time, and the summary said
    "2 jobs" and nothing of the crash."""
    folder, out = tmp_path / "in", tmp_path / "out"
    _profiles(folder, 5)
    process = _batch_in_its_own_group(folder, out, jobs=2)
    try:
        _wait_for_a_sheet(process, out)
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        workers = [int(pid) for pid in children if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
        assert len(workers) == 2, workers  # not the resource tracker
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    assert "Traceback" not in stderr, stderr
    crashes = [line for line in stderr.splitlines() if "a worker process died while making this sheet" in line]
    assert len(crashes) == 1 and "killed by signal 9" in crashes[0] and "p" in Path(crashes[0].split(":")[0]).name
    assert "made 5 of 5 sheets" in stderr and "(2 jobs" in stderr and "1 worker crash" in stderr, stderr
    assert process.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == [f"p{i}.pdf" for i in range(5)]
    assert _left_in_the_temporary_folder(folder) == []
