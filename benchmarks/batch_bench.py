"""A batch of visit sheets with 2 jobs against 1 job, each worker's peak memory, and sheets per
second against a bare WeasyPrint process rendering the same HTML.

The profiles are split into rounds, and each round is made with 2 jobs, with 1 job and by the bare
renderer (a fresh process per round, as the batch's workers are), in alternating order: a burst of
other work on this shared machine then slows all of them rather than one. The 1-minute load
average after each run shows how busy the machine was.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import yaml

from .common import Result, random_profiles

TARGET_SPEEDUP = 1.8


def _bare_round(folder: Path, htmls: list[Path]) -> float:
    """A fresh bare renderer making every sheet of the round, start-up included; its wall time."""
    import subprocess

    from .cold_bench import _env, bare_command

    start = time.perf_counter()
    process = subprocess.Popen(bare_command(htmls[0], folder / "bare.pdf", "visit", "--serve"), env=_env(),
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert process.stdin is not None
    process.stdin.write("".join(f"{h}\n" for h in htmls))
    process.stdin.close()
    process.wait(3600)
    return time.perf_counter() - start


def run(quick: bool = False, profiles: int = 200) -> Result:
    from decisionaid.batch import BatchResult, default_jobs, render_batch
    from decisionaid.pipeline import rule_pack_and_engine, sheet_html
    from decisionaid.profile.model import Profile

    result = Result("batch")
    count = 20 if quick else profiles
    rounds = 2 if quick else 4
    runs: dict[int, list[tuple[BatchResult, float]]] = {1: [], 2: []}
    bare: list[float] = []
    day = dt.date(2026, 11, 22)
    catalogue = rule_pack_and_engine()[0].catalogue
    with tempfile.TemporaryDirectory(prefix="decisionaid-batch-") as tmp:
        data = random_profiles(count, seed=11)
        size = -(-count // rounds)
        for number in range(rounds):
            folder = Path(tmp) / f"round{number}"
            folder.mkdir()
            htmls = []
            for index, profile in enumerate(data[number * size : (number + 1) * size]):
                (folder / f"patient-{index:04d}.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
                html = Path(tmp) / f"html{number}-{index:04d}.html"
                patient = Profile.model_validate(profile, context={"catalogue": catalogue})
                html.write_text(sheet_html(patient, sheet_date=day), encoding="utf-8")
                htmls.append(html)
            for jobs in (2, 1, 0) if number % 2 == 0 else (0, 1, 2):
                if jobs == 0:
                    bare.append(_bare_round(Path(tmp), htmls))
                    continue
                made = render_batch(folder, Path(tmp) / f"out{number}-{jobs}", jobs=jobs, sheet_date=day)
                assert not made.failed, made.failed[:3]
                runs[jobs].append((made, os.getloadavg()[0]))
    seconds = {jobs: sum(r.seconds for r, _ in done) for jobs, done in runs.items()}
    peak = {jobs: max(r.peak_worker_rss_kib for r, _ in done) for jobs, done in runs.items()}
    load = {jobs: sum(l for _, l in done) / len(done) for jobs, done in runs.items()}
    speedup = seconds[1] / seconds[2]
    bare_seconds = sum(bare)
    result.figures.update({"profiles": count, "rounds": rounds, "cores available": default_jobs(),
                           "1 job": f"{seconds[1]:.1f} s ({count / seconds[1]:.2f} sheets/s)",
                           "2 jobs": f"{seconds[2]:.1f} s ({count / seconds[2]:.2f} sheets/s)",
                           "speed-up": round(speedup, 2),
                           "bare WeasyPrint, 1 process": f"{bare_seconds:.1f} s ({count / bare_seconds:.2f} sheets/s)",
                           "1 job against the bare renderer": round(seconds[1] / bare_seconds, 2)})
    result.tables.append((["jobs", "wall time (all rounds)", "sheets per second", "peak memory per worker (largest)",
                           "load average after the runs (alone: ≈ jobs)"],
                          [[str(jobs), f"{seconds[jobs]:.1f} s", f"{count / seconds[jobs]:.2f}",
                            f"{peak[jobs] / 1024:.0f} MiB", f"{load[jobs]:.2f}"] for jobs in (1, 2)]
                          + [["bare WeasyPrint (1 process, same HTML)", f"{bare_seconds:.1f} s",
                              f"{count / bare_seconds:.2f}", "", ""]]))
    result.tables.append((["round", "2 jobs", "1 job", "speed-up"],
                          [[str(n + 1), f"{runs[2][n][0].seconds:.1f} s", f"{runs[1][n][0].seconds:.1f} s",
                            f"{runs[1][n][0].seconds / runs[2][n][0].seconds:.2f}×"] for n in range(rounds)]))
    result.target(f"{count} visit sheets: 2 jobs ≥ {TARGET_SPEEDUP}× faster than 1", speedup >= TARGET_SPEEDUP,
                  f"{speedup:.2f}× ({seconds[1]:.1f} s → {seconds[2]:.1f} s); peak worker memory "
                  f"{max(peak.values()) / 1024:.0f} MiB")
    return result
