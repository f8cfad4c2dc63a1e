"""Small helpers shared by tests: run the real CLI, read real PDFs."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pypdf


def run_cli(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "decisionaid.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def pdf_text(data: bytes) -> str:
    """All text of a PDF with line-wrap hyphens and whitespace folded, for phrase assertions."""
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", "-", text)).strip()
