"""A running `decisionaid serve`: PDF latency (median, 95th percentile) against the bare WeasyPrint
render of the same HTML in a warm, long-lived process (bare_weasyprint.py --serve), one request and
one bare render after the other, so both processes age alike. Measured for the visit sheet (the
target) and the booklet, one patient at a time with one render worker, and for the visit sheet with
8 patients at once on 2 render workers against 2 bare renderers given the same 8 sheets. And the
visit sheet as a page on screen (POST /view) against its PDF (POST /sheet), the same answers to the
same server, one after the other."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .cold_bench import DATE, PROFILE, _env, bare_command, sheet_command
from .common import ROOT, Result, alternate, median, percentile

TARGET_RATIO = 1.1
VIEW_TARGET_RATIO = 0.2  # the page on screen: no PDF to lay out, so at most a fifth of the PDF's time
AT_ONCE = 8
WORKERS_AT_ONCE = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(workers: int, cwd: str) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen([*sheet_command(), "serve", "--port", str(port), "--render-workers", str(workers)],
                              env=_env(), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()


class _Bare:
    """A warm bare renderer process: `render()` makes one PDF of the HTML and returns its seconds."""

    def __init__(self, html: Path, out: Path, document: str) -> None:
        self.process = subprocess.Popen(bare_command(html, out, document, "--serve"), env=_env(), cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def render(self) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("render\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(60)


def run(quick: bool = False) -> Result:
    import httpx
    import yaml

    from decisionaid.pipeline import rule_pack_and_engine, sheet_html
    from decisionaid.profile.read import load_profile

    result = Result("server")
    try:
        import decisionaid.web  # noqa: F401
    except ImportError:
        result.notes.append("Not measured: this checkout has no web form (`decisionaid serve`).")
        return result
    pack, _ = rule_pack_and_engine()
    profile = load_profile(str(PROFILE), pack.catalogue)
    body = json.dumps(yaml.safe_load(PROFILE.read_text()))
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="decisionaid-serve-") as tmp:
        for document, count in (("visit", 8 if quick else 30), ("booklet", 4 if quick else 12)):
            html = Path(tmp) / f"{document}.html"
            html.write_text(sheet_html(profile, sheet_date=dt.date.fromisoformat(DATE), document=document),
                            encoding="utf-8")
            with _server(1, tmp) as url, httpx.Client(timeout=300) as client:
                bare = _Bare(html, Path(tmp) / "bare.pdf", document)
                request = _requester(client, f"{url}/sheet?sheet_date={DATE}&document={document}", body)
                try:
                    for _ in range(3):  # warm up both: imports, fonts, first layouts
                        request()
                        bare.render()
                    samples = alternate(count, served=request, bare=bare.render)
                finally:
                    bare.close()
            served, base = samples["served"], samples["bare"]
            ratio = median(served) / median(base)
            label = "visit sheet" if document == "visit" else "booklet"
            rows += [[f"{label}: POST /sheet, one at a time (HTTP, checks, assessment, sheet, PDF)",
                      f"{median(served) * 1000:,.0f} ms", f"{percentile(served, 0.95) * 1000:,.0f} ms", str(len(served))],
                     [f"{label}: bare WeasyPrint render of the same HTML (warm process)",
                      f"{median(base) * 1000:,.0f} ms", f"{percentile(base, 0.95) * 1000:,.0f} ms", str(len(base))],
                     [f"{label}: ratio", f"{ratio:.2f}×", f"{percentile(served, 0.95) / percentile(base, 0.95):.2f}×", ""]]
            result.figures[f"{label}: median ratio"] = round(ratio, 2)
            result.figures[f"{label}: median"] = f"{median(served) * 1000:,.0f} ms"
            result.figures[f"{label}: p95"] = f"{percentile(served, 0.95) * 1000:,.0f} ms"
            if document == "visit":
                result.target(f"server PDF latency, visit sheet, median ≤ {TARGET_RATIO}× the bare render",
                              ratio <= TARGET_RATIO,
                              f"{ratio:.2f}× (median {median(served) * 1000:,.0f} ms against {median(base) * 1000:,.0f} ms;"
                              f" 95th percentile {percentile(served, 0.95) * 1000:,.0f} ms)")
        rows += _at_once(Path(tmp), body, 2 if quick else 6, result)
        rows += _view_against_pdf(Path(tmp), yaml.safe_load(PROFILE.read_text()), 8 if quick else 30, result)
    result.tables.append((["", "median", "95th percentile", "samples"], rows))
    result.figures.update({"render workers": f"1 (one at a time), {WORKERS_AT_ONCE} ({AT_ONCE} at once)"})
    return result


def _requester(client: Any, url: str, body: str) -> Callable[[], float]:
    def request() -> float:
        start = time.perf_counter()
        response = client.post(url, content=body, headers={"content-type": "application/json"})
        elapsed = time.perf_counter() - start
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.text[:300]
        return elapsed
    return request


def _at_once(tmp: Path, body: str, rounds: int, result: Result) -> list[list[str]]:
    """8 patients at once on 2 workers, against 2 bare renderers making the same 8 visit sheets; each
    latency counts from the start of its round, so waiting for a free worker is in both."""
    import httpx

    html = tmp / "visit.html"
    served: list[float] = []
    bare_latencies: list[float] = []
    spans = {"served": [], "bare": []}  # type: dict[str, list[float]]
    with _server(WORKERS_AT_ONCE, str(tmp)) as url:
        renderers = [_Bare(html, tmp / f"bare{i}.pdf", "visit") for i in range(WORKERS_AT_ONCE)]
        clients = [httpx.Client(timeout=300) for _ in range(AT_ONCE)]
        requests = [_requester(c, f"{url}/sheet?sheet_date={DATE}", body) for c in clients]

        def served_round() -> float:
            latencies: list[float] = [0.0] * AT_ONCE
            barrier = threading.Barrier(AT_ONCE)

            def one(i: int) -> None:
                barrier.wait()
                latencies[i] = requests[i]()

            _in_threads(one, range(AT_ONCE))
            served.extend(latencies)
            spans["served"].append(max(latencies))
            return max(latencies)

        def bare_round() -> float:
            done: list[float] = []

            def share(renderer: _Bare) -> None:
                elapsed = 0.0
                for _ in range(AT_ONCE // WORKERS_AT_ONCE):
                    elapsed += renderer.render()
                    done.append(elapsed)

            _in_threads(share, renderers)
            bare_latencies.extend(done)
            spans["bare"].append(max(done))
            return max(done)

        try:
            served_round()
            bare_round()  # warm-up round for both
            for values in (served, bare_latencies, spans["served"], spans["bare"]):
                values.clear()
            alternate(rounds, served=served_round, bare=bare_round)
        finally:
            for renderer in renderers:
                renderer.close()
            for client in clients:
                client.close()
    ratio = median(spans["served"]) / median(spans["bare"])
    result.figures[f"{AT_ONCE} at once: median latency"] = f"{median(served) * 1000:,.0f} ms"
    result.figures[f"{AT_ONCE} at once: p95 latency"] = f"{percentile(served, 0.95) * 1000:,.0f} ms"
    result.figures[f"{AT_ONCE} at once: last sheet ratio"] = round(ratio, 2)
    return [[f"visit sheet: {AT_ONCE} patients at once, {WORKERS_AT_ONCE} render workers (each from the round's start)",
             f"{median(served) * 1000:,.0f} ms", f"{percentile(served, 0.95) * 1000:,.0f} ms", str(len(served))],
            [f"visit sheet: the same 8 sheets on {WORKERS_AT_ONCE} bare renderers (each from the round's start)",
             f"{median(bare_latencies) * 1000:,.0f} ms", f"{percentile(bare_latencies, 0.95) * 1000:,.0f} ms",
             str(len(bare_latencies))],
            [f"{AT_ONCE} at once: ratio (median; time to the last sheet of a round: {ratio:.2f}×)",
             f"{median(served) / median(bare_latencies):.2f}×",
             f"{percentile(served, 0.95) / percentile(bare_latencies, 0.95):.2f}×", ""]]


def _view_against_pdf(tmp: Path, profile: dict[str, Any], rounds: int, result: Result) -> list[list[str]]:
    """POST /view against POST /sheet: the same form answers, the same server with one render worker."""
    import httpx

    from decisionaid.web.form import answers_for

    form: dict[str, list[str]] = {"sheet_date": [DATE]}
    for name, value in answers_for(profile).items():
        form.setdefault(name, []).append(value)
    with _server(1, str(tmp)) as url, httpx.Client(timeout=300) as client:
        def timed(path: str, kind: str) -> Callable[[], float]:
            def request() -> float:
                start = time.perf_counter()
                response = client.post(url + path, data=form)
                elapsed = time.perf_counter() - start
                assert response.status_code == 200 and response.headers["content-type"].startswith(kind), response.text[:300]
                return elapsed
            return request

        view, pdf = timed("/view", "text/html"), timed("/sheet", "application/pdf")
        for _ in range(3):  # warm up both
            view()
            pdf()
        samples = alternate(rounds, view=view, pdf=pdf)
    page, sheet = samples["view"], samples["pdf"]
    ratio = median(page) / median(sheet)
    result.figures["sheet page (POST /view): median"] = f"{median(page) * 1000:,.0f} ms"
    result.figures["sheet page (POST /view): median ratio to the PDF"] = round(ratio, 3)
    result.target(f"server latency of the sheet page (POST /view), median ≤ {VIEW_TARGET_RATIO}× the PDF's (POST /sheet)",
                  ratio <= VIEW_TARGET_RATIO,
                  f"{ratio:.3f}× (median {median(page) * 1000:,.0f} ms against {median(sheet) * 1000:,.0f} ms;"
                  f" 95th percentile {percentile(page, 0.95) * 1000:,.0f} ms)")
    return [["visit sheet as a page on screen: POST /view, one at a time (form answers)",
             f"{median(page) * 1000:,.0f} ms", f"{percentile(page, 0.95) * 1000:,.0f} ms", str(len(page))],
            ["visit sheet PDF: POST /sheet, the same answers, alternating with /view",
             f"{median(sheet) * 1000:,.0f} ms", f"{percentile(sheet, 0.95) * 1000:,.0f} ms", str(len(sheet))],
            ["sheet page: ratio to the PDF", f"{ratio:.3f}×", f"{percentile(page, 0.95) / percentile(sheet, 0.95):.3f}×", ""]]


def _in_threads(work: Callable[[Any], None], items: Any) -> None:
    """`work(item)` for every item, each in a thread of its own, all at once."""
    threads = [threading.Thread(target=work, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _wait(url: str, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"decisionaid serve exited with {server.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("decisionaid serve did not start")
