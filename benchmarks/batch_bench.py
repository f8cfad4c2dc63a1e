"""A batch of profiles with 2 jobs against 1 job, and each worker's peak memory."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import yaml

from .common import Result, random_profiles

TARGET_SPEEDUP = 1.8


def run(quick: bool = False, profiles: int = 200) -> Result:
    from decisionaid.batch import default_jobs, render_batch

    result = Result("batch")
    count = 20 if quick else profiles
    with tempfile.TemporaryDirectory(prefix="decisionaid-batch-") as tmp:
        folder = Path(tmp) / "clinic"
        folder.mkdir()
        for index, data in enumerate(random_profiles(count, seed=11)):
            (folder / f"patient-{index:04d}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        runs = {}
        for jobs in (2, 1):  # 2 first: the page cache is warm for both by then
            runs[jobs] = render_batch(folder, Path(tmp) / f"out{jobs}", jobs=jobs, sheet_date=dt.date(2026, 11, 22))
            assert not runs[jobs].failed, runs[jobs].failed[:3]
    one, two = runs[1], runs[2]
    speedup = one.seconds / two.seconds
    result.figures.update({"profiles": count, "cores available": default_jobs(),
                           "1 job": f"{one.seconds:.1f} s ({count / one.seconds:.2f} sheets/s)",
                           "2 jobs": f"{two.seconds:.1f} s ({count / two.seconds:.2f} sheets/s)",
                           "speed-up": round(speedup, 2)})
    result.tables.append((["jobs", "wall time", "sheets per second", "peak memory per worker (largest)"],
                          [[str(r.jobs), f"{r.seconds:.1f} s", f"{count / r.seconds:.2f}",
                            f"{r.peak_worker_rss_kib / 1024:.0f} MiB"] for r in (one, two)]))
    result.target(f"{count} profiles: 2 jobs ≥ {TARGET_SPEEDUP}× faster than 1", speedup >= TARGET_SPEEDUP,
                  f"{speedup:.2f}× ({one.seconds:.1f} s → {two.seconds:.1f} s); peak worker memory "
                  f"{max(one.peak_worker_rss_kib, two.peak_worker_rss_kib) / 1024:.0f} MiB")
    return result
