"""What the people who run the server see: the access line, `/readyz`, `/metrics`, and CORS for
the CDS Hooks service.

    GET /healthz   200 while the process answers (liveness)
    GET /readyz    200 when the render workers, the configuration and (when configured) the Redis
                   replay cache are ready; 503 with what is not, for a load balancer (readiness)
    GET /metrics   the Prometheus text format (plumbing/metrics.py): counts and times, nothing about a patient

`RequestLog` wraps the whole application: one access line per request (`METHOD /path STATUS`, the
CDS refusal's reason code and the `hookInstance` when there are), and the request counted by route
template, method and status. The query string, the client's address and every body stay out.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio.to_thread
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..fhir.cds import route_path
from ..plumbing.metrics import REQUESTS

access_log = logging.getLogger("decisionaid.access")
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
CDS_PREFIX = "/cds-services"


class RequestLog:
    """The access line and the request count, for every request, the guard's own answers included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None
        scope.setdefault("state", {})  # request.state: where the CDS service notes hookInstance and refusals

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        except BaseException:
            status = status or 500
            raise
        finally:
            self._record(scope, status, time.perf_counter() - started)

    @staticmethod
    def _record(scope: Scope, status: int | None, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = getattr(scope.get("route"), "path", None) or "(no route)"
        shown = "-" if status is None else str(status)  # `-`: the client left before an answer
        REQUESTS.labels(route, method, shown).inc()
        state: dict[str, Any] = scope.get("state") or {}
        fields = {"method": method, "path": _printable(scope["path"]), "status": status,
                  "duration_ms": round(seconds * 1000, 1), "reason": state.get("refusal"),
                  "hookInstance": state.get("hook_instance")}
        fields = {k: v for k, v in fields.items() if v is not None}
        line = f"{method} {fields['path']} {shown}"
        if "reason" in fields:
            line += f" {fields['reason']}"
        if "hookInstance" in fields:
            line += f" hookInstance={fields['hookInstance']}"
        access_log.info(line, extra={"fields": fields})


def _printable(path: str) -> str:
    """The path as it may go in a log line: control characters escaped, at most 300 characters."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in path[:300])


class CdsCors:
    """Starlette's CORSMiddleware, on /cds-services and below only, for the configured origins."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        # a browser-based EHR (or the CDS Hooks sandbox) sends Authorization and a JSON body; a public
        # page calling a service on a private network asks for Private Network Access as well
        self.cors = CORSMiddleware(app, allow_origins=origins, allow_methods=["GET", "POST"],
                                   allow_headers=["authorization", "content-type"], allow_private_network=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        if path == CDS_PREFIX or path.startswith(CDS_PREFIX + "/"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def readyz(request: Request) -> Response:
    """Ready when the render workers are up, the configuration is loaded and the replay cache answers."""
    state = request.app.state
    checks: dict[str, str] = {}
    pool = getattr(state, "pool", None)
    up = pool.workers_up() if pool is not None else 0
    checks["render_workers"] = f"{up} of {pool.size if pool else 0} up"
    checks["configuration"] = "loaded" if getattr(state, "pack", None) is not None else "not loaded"
    verifier = getattr(state, "cds_verifier", None)
    problem = await anyio.to_thread.run_sync(verifier.problem) if verifier is not None else None
    if verifier is not None:
        checks["replay_cache"] = problem or "ready"
    ready = up > 0 and checks["configuration"] == "loaded" and problem is None
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


async def metrics(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
