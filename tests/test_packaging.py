"""A plain (non-editable) install carries the rule pack, templates and seeds inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT
from .helpers import pdf_text


def test_wheel_ships_rules_templates_and_seeds_and_makes_a_sheet(tmp_path):
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                            str(wheel_dir), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel = next(wheel_dir.glob("decisionaid-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("decisionaid/_data/rules/pack.yaml", "decisionaid/_data/rules/options/ahsct.yaml",
                   "decisionaid/_data/templates/visit.html", "decisionaid/_data/templates/visit-parts.html",
                   "decisionaid/_data/templates/view.html", "decisionaid/_data/templates/booklet.html",
                   "decisionaid/_data/templates/form.js", "decisionaid/_data/templates/fonts/DejaVuSans.ttf",
                   "decisionaid/_data/seeds/index.yaml"):
        assert needed in names

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    profile = elsewhere / "p.yaml"
    profile.write_text((ROOT / "examples" / "spms-active.yaml").read_text())
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import decisionaid.plumbing.resources as r; print(r.default_rules_dir())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(target)
    result = subprocess.run([sys.executable, "-m", "decisionaid.cli", "sheet", "p.yaml", "-o", "s.pdf", "--date", "2026-11-22"],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "aHSCT" in pdf_text((elsewhere / "s.pdf").read_bytes())
