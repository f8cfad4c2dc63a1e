"""Temporary folders that go away: one per run of a command, and one per worker process inside it.

WeasyPrint copies the fonts of the sheets' @font-face rules into a `weasyprint-*` folder made with
`tempfile.mkdtemp` (about 1.4 MB) and removes it only when its FontConfiguration is garbage
collected, which never happens in a worker process: the sheet's font configuration lives as long
as the worker, which ends with `os._exit` or is killed. So:

- every command runs in a temporary folder of its own (`run_folder`), which `tempfile` and the
  processes it starts use (TMPDIR), removed when the command ends: normally, on an error or Ctrl-C;
- every worker process gets a folder of its own inside it (`worker_folder`), which its parent
  removes as soon as the worker has ended (stopped, killed or replaced), so a server that runs
  for months does not collect one font folder per replaced worker.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def run_folder() -> Iterator[Path]:
    """A fresh temporary folder used by this process and the processes it starts, removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="decisionaid-"))
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    use_folder(folder)
    try:
        yield folder
    finally:
        variable, tempfile.tempdir = saved
        if variable is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = variable
        remove_folder(folder)


def worker_folder() -> Path:
    """A temporary folder for one worker process (in the run's folder); the parent removes it."""
    return Path(tempfile.mkdtemp(prefix="worker-"))


def use_folder(folder: str | Path) -> None:
    """Make `folder` this process's temporary folder (called first thing in a worker)."""
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = str(folder)


def remove_folder(folder: str | Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
