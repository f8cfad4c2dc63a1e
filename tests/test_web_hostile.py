"""Hostile input through the web form (`decisionaid serve`): each gets a clear error page or a
correct sheet within seconds; never a 500, a traceback, a hang, or a fetched URL.

The server runs as a real subprocess on 127.0.0.1; its logs are read at the end.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import select
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import pytest

pytest.importorskip("decisionaid.web")
httpx = pytest.importorskip("httpx")

import pypdf

from decisionaid.web.guard import MAX_WAITING_BODIES

from .conftest import ROOT
from .web_server import running_server

EXAMPLE = ROOT / "examples" / "rrms-breakthrough-high-efficacy.yaml"
FAST = 20.0  # seconds an error answer may take
MAX_REQUESTS = 4  # the server under test answers 503 past this many requests at once
RENDER = 120.0  # seconds a sheet may take on a loaded CI machine


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def listener() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Callable[[], str]]]:
    """A real `decisionaid serve` with one render worker: its address, and its log (stdout and stderr) so far."""
    with running_server(tmp_path_factory, "--render-workers", "1", "--max-requests", str(MAX_REQUESTS)) as running:
        yield running.url, running.logs


def post(url: str, path: str, content: bytes, content_type: str, timeout: float = FAST) -> httpx.Response:
    start = time.monotonic()
    response = httpx.post(url + path, content=content, headers={"content-type": content_type}, timeout=timeout)
    assert time.monotonic() - start < timeout
    assert response.status_code != 500 and b"Traceback" not in response.content, response.text[:500]
    return response


def form(**fields: str | list[str]) -> bytes:
    pairs = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append(f"{quote(name)}={quote(item)}")
    return "&".join(pairs).encode()


FORM = "application/x-www-form-urlencoded"
BASE = {"age": "34", "ms_type": "RRMS"}

BAD_FORMS = {
    "text age": {"age": "thirty"},
    "exponent age": {"age": "1e400"},
    "huge age": {"age": "9" * 5000},
    "NaN edss": {"edss": "NaN"},
    "infinite edss": {"edss": "inf"},
    "comma decimal": {"edss": "3,5"},
    "negative relapses": {"relapses_last_12_months": "-3"},
    "bad choice": {"ms_type": "<script>alert(1)</script>"},
    "long name": {"name": "x" * 900_000},
    "long unknown drug": {"current_dmt": "natalizumab" * 50},
    "bad date": {"sheet_date": "2026-13-45"},
    "huge prior index": {"prior_dmts.999999999.drug": "natalizumab", "age": "x"},
    "repeated comorbidity": {"comorbidities": ["hiv"] * 5000, "age": "x"},
    "unknown comorbidity": {"comorbidities": ["<img src=x onerror=alert(1)>"]},
    "markup in a number": {"age": '"><script>alert(1)</script>'},
    # issue 13: control characters and writing-direction overrides in text answers
    "escape in the name": {"name": "\x1b[31mred"},
    "NUL in the name": {"name": "a\x00b"},
    "next line in the name": {"name": "a\x85b"},
    "right-to-left override in the name": {"name": "\u202eAlex Example"},
    "escape in a drug": {"current_dmt": "Tysabri\x1b"},
}


@pytest.mark.parametrize("label", list(BAD_FORMS))
def test_a_bad_form_gets_an_escaped_error_page(server, label):
    url, _ = server
    fields = {**BASE, **BAD_FORMS[label]}
    response = post(url, "/sheet", form(**fields), FORM)
    assert response.status_code in (400, 413, 422), (label, response.status_code)
    if response.status_code == 422:
        page = response.text
        assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
        assert "text/html" in response.headers["content-type"]


def test_raw_bodies_that_are_not_forms(server):
    url, _ = server
    for body in [b"%ZZ%ff=%", b"\xff\xfe\x00garbage", b"age=34&ms_type=RRMS&" + b"x=1&" * 5000, b"=" * 10_000]:
        response = post(url, "/sheet", body, FORM)
        assert response.status_code in (400, 413, 422)


def test_a_body_over_1_mb_is_refused(server):
    url, _ = server
    response = post(url, "/sheet", form(**BASE, name="x" * 1_200_000), FORM)
    assert response.status_code in (400, 413)


BAD_JSON = {
    "deep arrays": "[" * 100_000 + "]" * 100_000,
    "deep objects": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "5000 digits": '{"age": ' + "9" * 5000 + ', "ms_type": "RRMS"}',
    "NaN": '{"age": 34, "ms_type": "RRMS", "edss": NaN}',
    "1e999": '{"age": 34, "ms_type": "RRMS", "years_since_first_symptoms": 1e999}',
    "wrong types": '{"age": "34", "ms_type": 5, "comorbidities": "hiv", "prior_dmts": {"drug": 1}}',
    "a list": "[1, 2, 3]",
    "empty": "",
    "not JSON": "age: 34\nms_type: RRMS\n",
    "unknown keys": json.dumps({"age": 34, "ms_type": "RRMS", **{f"k{i}": i for i in range(5000)}}),
    "lone surrogate": '{"age": 34, "ms_type": "RRMS", "name": "\\ud800"}',
}


@pytest.mark.parametrize("label", list(BAD_JSON))
@pytest.mark.parametrize("path", ["/sheet", "/assess"])
def test_bad_json_gets_a_json_error(server, label, path):
    url, _ = server
    response = post(url, path, BAD_JSON[label].encode("utf-8", "surrogatepass"), "application/json")
    assert response.status_code in (400, 413, 422), (label, response.status_code, response.text[:300])
    if response.status_code == 422:
        errors = response.json()["errors"]
        assert errors and all("\n" not in e["message"] for e in errors) and len(errors) <= 51


def test_a_json_body_that_is_not_utf8_is_refused_like_a_file(server):
    """The same one-line reason a file with that byte gets, never a silently replaced character."""
    url, _ = server
    body = b'{"age": 34, "ms_type": "RRMS", "name": "Al' + b"\xe9" + b'x"}'
    for path in ("/assess", "/sheet"):
        response = post(url, path, body, "application/json")
        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": "", "message": "is not UTF-8 text (byte 0xe9)"}]


def test_bad_query_options(server):
    url, _ = server
    body = json.dumps({"age": 34, "ms_type": "RRMS"}).encode()
    for query in ["sheet_date=2026-13-45", "sheet_date=" + "9" * 5000, "sheet_date=%00"]:
        response = post(url, f"/sheet?{query}", body, "application/json")
        assert response.status_code == 422


def test_markup_and_urls_in_the_name_are_printed_never_fetched(server, listener):
    url, _ = server
    _Recorder.hits.clear()
    payload = (f"<img src=http://{listener}/i><link rel=attachment href=file:///etc/passwd>"
               f"<style>@import 'http://{listener}/c'</style>")
    fields = {"age": "34", "ms_type": "RRMS", "name": payload, "sheet_date": "2026-11-22"}
    response = post(url, "/sheet", form(**fields), FORM, timeout=RENDER)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert reader.attachments == {}
    assert "<img src=" in "".join(page.extract_text() for page in reader.pages)
    as_json = json.dumps({"age": 34, "ms_type": "RRMS", "name": payload}).encode()
    response = post(url, "/sheet?sheet_date=2026-11-22", as_json, "application/json", timeout=RENDER)
    assert response.status_code == 200 and pypdf.PdfReader(io.BytesIO(response.content)).attachments == {}
    assert _Recorder.hits == []


def test_the_server_is_still_well_and_logged_no_traceback(server):
    url, logs = server
    assert httpx.get(url + "/healthz", timeout=10).status_code == 200
    body = json.dumps({"age": 34, "ms_type": "RRMS"}).encode()
    assert post(url, "/assess", body, "application/json").status_code == 200
    assert "Traceback" not in logs()


# ----------------------------------------------------------------------------- every status, slow and vanishing clients
SECURITY = {"content-security-policy": "frame-ancestors 'none'", "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer", "x-frame-options": "DENY", "cache-control": "no-store"}


def raw(url: str, data: bytes, *, wait: float = FAST, close_after_send: bool = False) -> bytes:
    """Send bytes on a fresh connection and read the answer until the server closes it."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(data)
        if close_after_send:
            return b""
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_and_headers(answer: bytes) -> tuple[int, dict[str, str]]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return int(head[0].split()[1]), {k.lower(): v for k, v in headers.items()}


def assert_secured(status: int, headers: dict[str, str]) -> None:
    for name, fragment in SECURITY.items():
        assert fragment in headers.get(name, ""), (status, name, headers)


def slow_body(url: str, source: str | None = None, path: str = "/sheet", length: int = 100_000) -> socket.socket:
    """A request whose body never finishes arriving (from the loopback address `source`): it holds
    one of its client's waiting-body places until the deadline."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60, source_address=(source, 0) if source else None)
    sock.sendall(f"POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n"
                 f"content-length: {length}\r\n\r\na".encode())
    return sock


def read_to_end(sock: socket.socket) -> bytes:
    chunks = []
    with sock:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_every_status_the_server_sends_carries_the_security_headers(server):
    """Issue 13: the 413 (and the 400 and 503) lacked CSP, nosniff, Referrer-Policy, framing and no-store."""
    url, _ = server
    seen = {}
    for method, path, body, kind in [("GET", "/", b"", FORM), ("GET", "/form.css", b"", FORM),
                                     ("GET", "/nope", b"", FORM), ("GET", "/sheet", b"", FORM),
                                     ("POST", "/sheet", form(**{**BASE, "age": "x"}), FORM),
                                     ("POST", "/sheet", form(**BASE, name="x" * 1_200_000), FORM),
                                     ("POST", "/assess", b"[1]", "application/json"),
                                     ("POST", "/assess", json.dumps({"age": 34, "ms_type": "RRMS"}).encode(),
                                      "application/json")]:
        response = httpx.request(method, url + path, content=body, headers={"content-type": kind}, timeout=FAST)
        seen[response.status_code] = dict(response.headers)
    held = [slow_body(url) for _ in range(MAX_WAITING_BODIES)]  # this client's waiting bodies: its next is refused
    try:
        time.sleep(0.5)
        busy = httpx.post(url + "/assess", content=b"{}", headers={"content-type": "application/json"}, timeout=FAST)
        seen[busy.status_code] = dict(busy.headers)
    finally:
        for sock in held:
            sock.close()
    for status, answer in [status_and_headers(raw(url, b"GARBAGE\r\n\r\n")),
                           status_and_headers(raw(url, b"GET / HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * 100_000
                                                  + b"\r\n\r\n"))]:
        seen[status] = answer
    assert {200, 400, 404, 405, 413, 422, 431, 503} <= set(seen), sorted(seen)
    for status, headers in seen.items():
        assert_secured(status, headers)


def test_slow_clients_are_cut_off_and_a_vanishing_one_is_one_log_line(server):
    """Issue 13: slow headers and slow bodies were held with no timeout, a 100 KB header was
    accepted, and each client gone mid-body logged a 49-line stack trace."""
    url, logs = server
    host, port = url.removeprefix("http://").split(":")
    before = logs()
    slow_head = socket.create_connection((host, int(port)), timeout=60)
    slow_head.sendall(b"GET / HTTP/1.1\r\nhost: x\r\n")  # and never the end of the headers
    body = slow_body(url)
    for _ in range(3):  # clients that go away mid-body
        raw(url, b"POST /sheet HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n"
            b"content-length: 100000\r\n\r\nage=34&ms_type=", close_after_send=True)
    status, headers = status_and_headers(read_to_end(slow_head))  # hang guard: the socket's 60 s timeout
    assert status == 408
    assert_secured(status, headers)
    status, headers = status_and_headers(read_to_end(body))
    assert status == 408
    assert_secured(status, headers)
    deadline = time.monotonic() + FAST
    while logs().count("disconnected before sending its whole request") < 3:
        assert time.monotonic() < deadline, logs()[-3000:]
        time.sleep(0.2)
    after = logs()  # stdout and stderr: compared by counts, as both grow
    for word in ("Traceback", "ClientDisconnect"):
        assert after.count(word) == before.count(word), after[-3000:]
    gone = "disconnected before sending its whole request"
    assert after.count(gone) - before.count(gone) == 3


def test_64_slow_bodies_from_one_client_lock_nobody_else_out(server):
    """Issue 24: 64 connections sending a `POST /assess` head with `content-length: 900000` and one
    body byte made /healthz, / and /assess answer 503 for 20 s, again and again: a request waiting
    for its body counted against --max-requests. Now it counts once its body has arrived, and one
    client (here 127.0.0.2) may keep only a few bodies waiting."""
    url, logs = server
    attacker = [slow_body(url, source="127.0.0.2", path="/assess", length=900_000) for _ in range(64)]
    try:
        answered: list[socket.socket] = []  # past its waiting places the attacker is answered at once
        deadline = time.monotonic() + FAST
        while len(answered) < 64 - MAX_WAITING_BODIES and time.monotonic() < deadline:
            waiting = [sock for sock in attacker if sock not in answered]
            answered += select.select(waiting, [], [], 0.5)[0]
        assert len(answered) == 64 - MAX_WAITING_BODIES
        for sock in answered:
            status, headers = status_and_headers(read_to_end(sock))
            assert status == 503
            assert_secured(status, headers)
        assert httpx.get(url + "/healthz", timeout=FAST).status_code == 200
        assert httpx.get(url + "/", timeout=FAST).status_code == 200
        body = json.dumps({"age": 34, "ms_type": "RRMS"}).encode()
        assert post(url, "/assess", body, "application/json").status_code == 200
    finally:
        for sock in attacker:
            sock.close()
    assert "Traceback" not in logs()


def test_a_replaced_worker_and_the_stopped_server_leave_no_temporary_folder(tmp_path_factory):
    """Issue 24: every render worker left a `weasyprint-*` font folder (about 1.4 MB) in the
    temporary folder, also each one replaced after a crash, and the server never removed them."""
    with running_server(tmp_path_factory, "--render-workers", "1") as running:
        temporary = running.folders[1]
        fonts = list(temporary.rglob("weasyprint-*"))
        assert len(fonts) == 1, fonts  # the one worker's, in the run's own folder
        children = [pid for task in Path(f"/proc/{running.process.pid}/task").iterdir()  # started from a thread
                    for pid in (task / "children").read_text().split()]
        workers = [int(pid) for pid in children
                   if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
        assert len(workers) == 1, workers
        os.kill(workers[0], signal.SIGKILL)
        body = json.dumps({"age": 34, "ms_type": "RRMS"}).encode()
        deadline = time.monotonic() + RENDER
        while post(running.url, "/assess", body, "application/json", timeout=RENDER).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.5)
        assert post(running.url, "/assess", body, "application/json", timeout=RENDER).status_code == 200
        assert not fonts[0].exists()  # the killed worker's folder went with it
        assert len(list(temporary.rglob("weasyprint-*"))) == 1
    assert list(temporary.iterdir()) == []
