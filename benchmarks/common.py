"""Shared pieces: timing against a baseline in the same run, the machine, test profiles.

These machines are shared and noisy, so every figure is a ratio against a baseline measured in
the same run, and the measured code and its baseline are run in alternating rounds: a burst of
load from elsewhere then slows both, not one of them.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"


@dataclass
class Result:
    """One benchmark: figures (name -> value), a verdict per target, and notes for the report."""

    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    targets: list[tuple[str, bool | None, str]] = field(default_factory=list)  # (target, met?, measured)
    notes: list[str] = field(default_factory=list)
    tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)

    def target(self, text: str, met: bool | None, measured: str) -> None:
        self.targets.append((text, met, measured))


def alternate(rounds: int, **runs: Callable[[], float]) -> dict[str, list[float]]:
    """Run each callable once per round, in alternating order; each returns its own measurement."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            samples[name].append(runs[name]())
    return samples


def per_call(function: Callable[[Any], Any], items: list[Any]) -> Callable[[], float]:
    """A callable that runs `function` over every item and returns the seconds per item."""

    def run() -> float:
        start = time.perf_counter()
        for item in items:
            function(item)
        return (time.perf_counter() - start) / len(items)

    return run


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def spread(values: list[float]) -> str:
    """The middle half of the samples, relative to the median: a noise indicator."""
    if len(values) < 4:
        return "n/a"
    low, high = percentile(values, 0.25), percentile(values, 0.75)
    mid = median(values)
    return f"±{(high - low) / 2 / mid * 100:.0f} %"


def random_profiles(count: int, seed: int, known: float = 0.8) -> list[dict[str, Any]]:
    """Valid profiles, from the same generator as the property tests."""
    sys.path.insert(0, str(ROOT))
    from decisionaid.pack.loader import load_rule_pack
    from tests.generate import random_profile

    catalogue = load_rule_pack(RULES).catalogue
    rnd = random.Random(seed)
    return [random_profile(rnd, catalogue, known) for _ in range(count)]


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    info: dict[str, str] = {}
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info["CPU"] = f"{cpu or platform.processor() or 'unknown'}, {cores} cores available"
    try:
        kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
        info["memory"] = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    try:
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        info["system"] = f"{release.get('PRETTY_NAME', '').strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        info["system"] = platform.platform()
    virt = _run(["systemd-detect-virt"]) or ""
    if virt and virt != "none":
        info["system"] += f" ({virt} virtual machine)"
    info["Python"] = f"{platform.python_implementation()} {platform.python_version()}"
    versions = []
    from importlib.metadata import PackageNotFoundError, version

    for package in ("durable_rules", "weasyprint", "pydantic", "jinja2", "pyyaml", "starlette", "uvicorn"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    info["packages"] = ", ".join(versions)
    harfbuzz = _run(["dpkg-query", "-W", "-f=${Version}", "libharfbuzz-subset0"])
    info["libharfbuzz-subset0"] = harfbuzz or "not installed (WeasyPrint subsets fonts with fontTools, about 1.9x slower)"
    info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def _run(command: list[str]) -> str | None:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10, check=False).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None
