"""A real `decisionaid serve` on 127.0.0.1 for the web and browser tests, and profile → form answers.

The server runs as a subprocess (exactly as a person starts it) with its working folder, temporary
folder and home in folders of its own, so tests can check that nothing about a patient was written
anywhere, and with its logs in files, so tests can read every line it logged.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import decisionaid


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    folders: list[Path]  # where the server could write: its working folder, TMPDIR, HOME
    stdout: Path
    stderr: Path

    def logs(self) -> str:
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session", name="web_server")
def web_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory, "--render-workers", "2") as server:
        yield server


@contextmanager
def running_server(tmp_path_factory: pytest.TempPathFactory, *args: str, port: int | None = None,
                   env: dict[str, str] | None = None) -> Iterator[Server]:
    """`decisionaid serve --port PORT ARGS...` in folders of its own (with `env` added to the
    environment), until the block ends."""
    root = tmp_path_factory.mktemp("web")
    folders = [root / "cwd", root / "tmp", root / "home"]
    for folder in folders:
        folder.mkdir()
    logs = tmp_path_factory.mktemp("web-logs")
    port = port or free_port()
    package_parent = str(Path(decisionaid.__file__).resolve().parents[1])  # the server runs in another folder
    env = {**os.environ, "TMPDIR": str(folders[1]), "HOME": str(folders[2]),
           "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])), **(env or {})}
    stdout, stderr = logs / "stdout.log", logs / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "decisionaid.cli", "serve", "--port", str(port), *args],
            cwd=folders[0], env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    server = Server(f"http://127.0.0.1:{port}", process, folders, stdout, stderr)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_until_up(server: Server, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"decisionaid serve exited with {server.process.returncode}:\n{server.logs()}")
        try:
            if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"decisionaid serve did not come up in {timeout:.0f} s:\n{server.logs()}")


def profile_form(profile: dict[str, Any]) -> list[tuple[str, str]]:
    """The answers a person would give in the form for a profile in the contract's shape."""
    pairs: list[tuple[str, str]] = []
    for key, value in profile.items():
        if key == "mri_last_12_months":
            pairs += [(f"{key}.{sub}", str(v)) for sub, v in value.items()]
        elif key == "prior_dmts":
            pairs.append(("prior_dmts_answer", "some" if value else "none"))
            pairs += [(f"prior_dmts.{i}.{sub}", str(v)) for i, item in enumerate(value) for sub, v in item.items()]
        elif key == "comorbidities":
            pairs.append(("comorbidities_answer", "some" if value else "none"))
            pairs += [("comorbidities", c) for c in value]
        else:
            pairs.append((key, str(value)))
    return pairs


def as_form(pairs: list[tuple[str, str]] | dict[str, str]) -> dict[str, list[str]]:
    """Answer pairs as the mapping httpx posts (a repeated name, like `comorbidities`, becomes a list)."""
    form: dict[str, list[str]] = {}
    for name, value in (pairs.items() if isinstance(pairs, dict) else pairs):
        form.setdefault(name, []).append(value)
    return form
