"""Run the benchmarks and write docs/benchmarks.md.

    .venv/bin/python -m benchmarks                  # everything (about 15-40 minutes, mostly the batch)
    .venv/bin/python -m benchmarks --quick          # smaller samples, a few minutes
    .venv/bin/python -m benchmarks --only engine,load   # the others keep their last figures

The raw figures go to docs/benchmarks.json beside the report.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
import traceback
from pathlib import Path

from .common import ROOT, Result, machine

BENCHMARKS = ["engine", "load", "check", "cold", "server", "batch"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (figures are noisier)")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help=f"comma-separated, from: {', '.join(BENCHMARKS)}")
    parser.add_argument("--batch-profiles", type=int, default=200, help="profiles in the batch benchmark")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))

    from . import report

    info = machine()
    results: list[Result] = []
    started = time.time()
    for name in chosen:
        print(f"benchmark {name} ...", file=sys.stderr, flush=True)
        begun = time.perf_counter()
        try:
            result = _run(name, args)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not lose the others' figures
            traceback.print_exc()
            result = Result(name)
            result.notes.append(f"The benchmark failed: {type(exc).__name__}: {exc}")
        result.figures.setdefault("benchmark took", f"{time.perf_counter() - begun:.0f} s")
        result.figures.setdefault("measured", f"{dt.datetime.now():%Y-%m-%d %H:%M}" + (" (--quick)" if args.quick else ""))
        results.append(result)
        print(report.summary_line(result), file=sys.stderr, flush=True)
    import os

    info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    raw = args.output.with_suffix(".json")
    if set(chosen) != set(BENCHMARKS) and raw.exists():  # keep the other benchmarks' last figures
        kept = [Result(**r) for r in json.loads(raw.read_text(encoding="utf-8"))["results"] if r["name"] not in chosen]
        results = sorted([*results, *kept], key=lambda r: BENCHMARKS.index(r.name) if r.name in BENCHMARKS else 99)
    raw.write_text(json.dumps({"machine": info, "results": [dataclasses.asdict(r) for r in results]}, indent=1,
                              ensure_ascii=False, default=str), encoding="utf-8")
    args.output.write_text(report.markdown(results, info, quick=args.quick, started=started), encoding="utf-8")
    print(f"wrote {args.output} and {raw}", file=sys.stderr)
    return 0


def _run(name: str, args: argparse.Namespace) -> Result:
    if name == "engine":
        from . import engine_bench

        return engine_bench.run(args.quick)
    if name == "load":
        from . import load_bench

        return load_bench.run(args.quick)
    if name == "check":
        from . import load_bench

        return load_bench.run_check(args.quick)
    if name == "cold":
        from . import cold_bench

        return cold_bench.run(args.quick)
    if name == "server":
        from . import server_bench

        return server_bench.run(args.quick)
    from . import batch_bench

    return batch_bench.run(args.quick, profiles=args.batch_profiles)


if __name__ == "__main__":
    sys.exit(main())
