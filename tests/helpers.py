"""Small helpers shared by tests: run the real CLI, read real PDFs."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class LocalServer:
    """An HTTP server on 127.0.0.1 (a free port) in a thread, answering each GET with `respond(path, headers)`:
    (status, content type, body). The test fakes of an EHR's FHIR server and JWK Set URL are built on it."""

    def __init__(self, respond: Callable[[str, Message], tuple[int, str, bytes]]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, content_type, body = respond(self.path, self.headers)
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
