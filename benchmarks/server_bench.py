"""A running `decisionaid serve`: PDF latency (median, 95th percentile) against the bare
WeasyPrint render of the same HTML in a warm, long-lived process (bare_weasyprint.py --serve),
one request and one bare render after the other, so both processes age alike."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .cold_bench import DATE, PROFILE, _env, sheet_command
from .common import ROOT, Result, alternate, median, percentile

TARGET_RATIO = 1.1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(quick: bool = False) -> Result:
    import httpx
    import yaml

    from decisionaid import render
    from decisionaid.pipeline import rule_pack_and_engine, sheet_html
    from decisionaid.profile import load_profile
    from decisionaid.resources import templates_dir

    result = Result("server")
    try:
        import decisionaid.web  # noqa: F401
    except ImportError:
        result.notes.append("Not measured: this checkout has no web form (`decisionaid serve`).")
        return result
    pack, _ = rule_pack_and_engine()
    profile = load_profile(str(PROFILE), pack.catalogue)
    body = json.dumps(yaml.safe_load(PROFILE.read_text()))
    count = 8 if quick else 30
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="decisionaid-serve-") as tmp:
        html = Path(tmp) / "sheet.html"
        html.write_text(sheet_html(profile, sheet_date=__import__("datetime").date.fromisoformat(DATE)), encoding="utf-8")
        server = subprocess.Popen([*sheet_command(), "serve", "--port", str(port), "--render-workers", "1"],
                                  env=_env(), cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait(url, server)
            client = httpx.Client(timeout=300)

            def request() -> float:
                start = time.perf_counter()
                response = client.post(f"{url}/sheet?sheet_date={DATE}", content=body,
                                       headers={"content-type": "application/json"})
                elapsed = time.perf_counter() - start
                assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.text[:300]
                return elapsed

            bare_cmd = [sys.executable, str(Path(__file__).with_name("bare_weasyprint.py")), str(html),
                        str(templates_dir()), str(Path(tmp) / "bare.pdf"), "--css", "sheet.css",
                        "--variant", render.PDF_VARIANT, "--serve"]
            renderer = subprocess.Popen(bare_cmd, env=_env(), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
            assert renderer.stdin is not None and renderer.stdout is not None

            def bare_render() -> float:
                renderer.stdin.write("render\n")  # type: ignore[union-attr]
                renderer.stdin.flush()  # type: ignore[union-attr]
                return float(renderer.stdout.readline())  # type: ignore[union-attr]

            try:
                for _ in range(3):  # warm up both: imports, fonts, first layouts
                    request()
                    bare_render()
                samples = alternate(count, served=request, bare=bare_render)
            finally:
                renderer.stdin.close()
                renderer.wait(60)
            served, bare = samples["served"], samples["bare"]
            client.close()
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
    ratio = median(served) / median(bare)
    result.figures.update({"requests": len(served), "render workers": 1})
    result.tables.append((["", "median", "95th percentile", "samples"], [
        ["POST /sheet on a running server (HTTP, checks, assessment, sheet, PDF)", f"{median(served) * 1000:,.0f} ms",
         f"{percentile(served, 0.95) * 1000:,.0f} ms", str(len(served))],
        ["bare WeasyPrint render of the same HTML (warm process)", f"{median(bare) * 1000:,.0f} ms",
         f"{percentile(bare, 0.95) * 1000:,.0f} ms", str(len(bare))],
        ["ratio", f"{ratio:.2f}×", f"{percentile(served, 0.95) / percentile(bare, 0.95):.2f}×", ""],
    ]))
    result.figures["median ratio"] = round(ratio, 2)
    result.figures["p95 ratio"] = round(percentile(served, 0.95) / percentile(bare, 0.95), 2)
    result.target(f"server PDF latency, median ≤ {TARGET_RATIO}× the bare render", ratio <= TARGET_RATIO,
                  f"{ratio:.2f}× (median {median(served) * 1000:,.0f} ms against {median(bare) * 1000:,.0f} ms; "
                  f"95th percentile {percentile(served, 0.95) * 1000:,.0f} ms)")
    return result


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
