"""`decisionaid sheet` from a cold start, against a bare script that only imports WeasyPrint and
renders the same HTML (bare_weasyprint.py): our own overhead, and where it goes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import EXAMPLES, ROOT, Result, alternate, median, spread

TARGET_RATIO = 1.2
DOCUMENTS = ("visit", "booklet")
LABELS = {"visit": "visit sheet", "booklet": "booklet"}
PROFILE = EXAMPLES / "rrms-breakthrough-high-efficacy.yaml"
DATE = "2026-11-22"


def _env() -> dict[str, str]:
    """This checkout first on the path; and .pyc files written (as an installed package has them),
    so that a cold start measures starting, not compiling our sources."""
    src = str(ROOT / "src")
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": src + (os.pathsep + path if path else "")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=600)
    return time.perf_counter() - start


def sheet_command() -> list[str]:
    """`decisionaid` of this checkout (src/ first on PYTHONPATH), whatever else is installed."""
    return [sys.executable, "-m", "decisionaid.cli"]


def bare_command(html: Path, out: Path, document: str, *extra: str) -> list[str]:
    """The bare WeasyPrint script over `html`, with the stylesheets `document` uses."""
    from decisionaid.plumbing.resources import templates_dir
    from decisionaid.sheet import render

    css = [arg for name in render.STYLESHEETS[document, False] for arg in ("--css", name)]
    return [sys.executable, str(Path(__file__).with_name("bare_weasyprint.py")), str(html), str(templates_dir()),
            str(out), *css, "--variant", render.PDF_VARIANT, *extra]


def run(quick: bool = False) -> Result:
    import pypdf

    result = Result("cold")
    stage_runs: list[dict[str, float]] = []
    for document in DOCUMENTS:
        with tempfile.TemporaryDirectory(prefix="decisionaid-cold-") as tmp:
            html, ours, bare = Path(tmp) / "sheet.html", Path(tmp) / "ours.pdf", Path(tmp) / "bare.pdf"
            cli = [*sheet_command(), "sheet", str(PROFILE), "-o", str(ours), "--date", DATE,
                   *(["--booklet"] if document == "booklet" else [])]
            subprocess.run([*cli, "--html", str(html)], check=True, env=_env(), cwd=ROOT, capture_output=True,
                           timeout=600)
            bare_cmd = bare_command(html, bare, document)
            _wall(bare_cmd)  # warm the page cache and .pyc files for both
            identical = ours.read_bytes() == bare.read_bytes()
            samples = alternate(3 if quick else 7, cli=lambda cli=cli: _wall(cli), bare=lambda bare=bare_cmd: _wall(bare))
            t_cli, t_bare = median(samples["cli"]), median(samples["bare"])
            ratio = t_cli / t_bare
            pages = len(pypdf.PdfReader(ours).pages)
            if document == "visit":
                stage_runs = [json.loads(subprocess.run(
                    [sys.executable, "-m", "benchmarks.cold_stages", str(PROFILE), str(ours), DATE, document],
                    check=True, env=_env(), cwd=ROOT, capture_output=True, text=True, timeout=600).stdout)
                    for _ in range(1 if quick else 3)]
        label = LABELS[document]
        result.figures.update({
            f"{label}: pages": pages,
            f"{label}: same PDF as the bare script": "byte for byte" if identical else "NO",
            f"{label}: decisionaid sheet, cold (median)": f"{t_cli:.2f} s ({spread(samples['cli'])})",
            f"{label}: bare WeasyPrint script, cold (median)": f"{t_bare:.2f} s ({spread(samples['bare'])})",
            f"{label}: ratio": round(ratio, 2),
        })
        result.target(f"cold `decisionaid sheet{'' if document == 'visit' else ' --booklet'}` ({label}) ≤ "
                      f"{TARGET_RATIO}× the bare WeasyPrint script", ratio <= TARGET_RATIO,
                      f"{ratio:.2f}× ({t_cli:.2f} s against {t_bare:.2f} s, {pages} pages)")
    stages = {name: median([r[name] for r in stage_runs]) for name in stage_runs[0]}
    weasy = {k: v for k, v in stages.items() if "WeasyPrint" in k}
    ours_only = sum(v for k, v in stages.items() if k not in weasy)
    total = sum(stages.values())
    result.tables.append((["stage (visit sheet, in-process, one cold run)", "time", "share"],
                          [[k, f"{v * 1000:,.0f} ms", f"{v / total:.0%}"] for k, v in stages.items()]
                          + [["our own stages (everything but WeasyPrint)", f"{ours_only * 1000:,.0f} ms",
                              f"{ours_only / total:.0%}"]]))
    result.figures["profile"] = PROFILE.name
    result.figures["our own stages"] = f"{ours_only * 1000:.0f} ms"
    result.figures["stages"] = stages
    return result
