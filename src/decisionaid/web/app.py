"""The web application: a form that a patient or carer fills in, and the sheet as a download.

    GET  /          the form (server-rendered, works without JavaScript; /form.js shows that the sheet is being made)
    POST /sheet     answers → the PDF sheet, or the form again with errors beside the answers (422)
    POST /assess    answers (form or JSON profile) → the assessment JSON
                    (/sheet and /assess also take a FHIR Bundle as application/fhir+json)
    GET  /healthz   200 when the render workers are up
    GET  /cds-services, POST /cds-services/{id}   the CDS Hooks service, with --cds-hooks (fhir/cds.py)

Nothing about a patient is kept: no files, no sessions, nothing in the logs (the access log keeps
method, path and status only). Request bodies over 1 MB are refused (413); every response carries
the security headers, and slow or oversized requests are cut short (`guard.py`); a client that goes
away mid-request is one log line. Evaluation and rendering
run in spawned worker processes (`workers.py`), so the event loop never blocks and several patients
are served at once, each by an engine of their own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ..inputs import patient_from
from ..pack.loader import load_rule_pack
from ..pack.models import RulePack
from ..plumbing.errors import JobFailed, UserError
from ..plumbing.safeio import decode
from ..plumbing.yamlpos import ReadError, read_text
from .form import DATE_ERROR, Answers, FormInvalid, FormReading, answers_from, parse_date, read_form
from .guard import BODY_TIMED_OUT, BODY_TIMEOUT, Guard
from .page import form_asset, render_form
from .workers import JobKind, JobTimeout, PoolBusy, RenderPool, WorkerError

if TYPE_CHECKING:
    from ..fhir.cds_auth import CdsConfig

MAX_BODY = 1_000_000
_PRIVATE = {"cache-control": "no-store"}  # answers and sheets are never cached by the browser
log = logging.getLogger("decisionaid.web")


def create_app(rules_dir: str | Path | None = None, *, render_workers: int | None = None,
               job_timeout: float = 60.0, pack: RulePack | None = None, max_in_flight: int = 64,
               cds: CdsConfig | None = None) -> Starlette:
    """The ASGI application. Render workers start with the app and stop with it; the CDS Hooks
    service is there only when `cds` is given."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal pack
        if pack is None:
            pack = await anyio.to_thread.run_sync(load_rule_pack, rules_dir)
        pool = RenderPool(render_workers, rules_dir, job_timeout=job_timeout)
        await anyio.to_thread.run_sync(pool.start)
        app.state.catalogue = pack.catalogue
        app.state.pack = pack
        app.state.rules_dir = rules_dir
        if cds is not None:
            from ..fhir.mapping import load_fhir_map

            app.state.fhir_map = await anyio.to_thread.run_sync(load_fhir_map, rules_dir, pack.catalogue)
        app.state.drug_names = sorted({n for d in pack.catalogue.drugs for n in (d.generic, *d.brands)},
                                      key=str.casefold)
        app.state.pool = pool
        app.state.css, app.state.js, app.state.icon = form_asset("form.css"), form_asset("form.js"), form_asset("favicon.svg")
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(pool.close)

    routes = [
        Route("/", show_form, methods=["GET"]),
        Route("/form.css", stylesheet, methods=["GET"]),
        Route("/form.js", script, methods=["GET"]),
        Route("/favicon.svg", favicon, methods=["GET"]),
        Route("/sheet", post_sheet, methods=["POST"]),
        Route("/assess", post_assess, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    if cds is not None:
        from ..fhir.cds import cds_routes

        routes += cds_routes(cds, run_job)
    return _GuardedStarlette(routes=routes, lifespan=lifespan, max_body_size=MAX_BODY, max_in_flight=max_in_flight,
                             exception_handlers={ClientDisconnect: _client_gone})


class _GuardedStarlette(Starlette):
    """Starlette inside the Guard: the guard sees every response, Starlette's own 413 and 500 included."""

    def __init__(self, *args: Any, max_in_flight: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_in_flight = max_in_flight

    def build_middleware_stack(self) -> ASGIApp:
        return Guard(super().build_middleware_stack(), max_in_flight=self.max_in_flight)


async def _client_gone(request: Request, exc: Exception) -> Response:
    """A body that stopped arriving: one log line (never a stack trace), and 408 if the client still listens."""
    if request.scope.get(BODY_TIMED_OUT):
        log.info("a request body did not arrive within %.0f s; answered 408", BODY_TIMEOUT)
        return PlainTextResponse("The request took too long to arrive.", status_code=408)
    log.info("a client disconnected before sending its whole request")
    return Response(status_code=400)


async def show_form(request: Request) -> Response:
    return _form_page(request, Answers(), {}, status=200)


async def stylesheet(request: Request) -> Response:
    return Response(request.app.state.css, media_type="text/css")


async def script(request: Request) -> Response:
    return Response(request.app.state.js, media_type="text/javascript")


async def favicon(request: Request) -> Response:
    return Response(request.app.state.icon, media_type="image/svg+xml")


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def post_sheet(request: Request) -> Response:
    if _is_json(request):
        return await _json_request(request, "sheet")
    answers = answers_from((await request.form(max_files=0, max_fields=2000)).multi_items())
    try:
        profile, reading = read_form(answers, request.app.state.catalogue)
    except FormInvalid as exc:
        return _form_page(request, answers, exc.errors, status=422)
    return await _sheet_response(request, profile.entered_fields(), reading)


async def post_assess(request: Request) -> Response:
    if _is_json(request):
        return await _json_request(request, "assess")
    answers = answers_from((await request.form(max_files=0, max_fields=2000)).multi_items())
    try:
        profile, _ = read_form(answers, request.app.state.catalogue)
    except FormInvalid as exc:
        return _json_errors([(name, message) for name, message in exc.errors.items()])
    return await _assess_response(request, profile.entered_fields())


async def _json_request(request: Request, kind: JobKind) -> Response:
    """A profile posted as JSON (the profile contract's shape), or a FHIR Bundle read as of the
    sheet date; the options of /sheet in the query."""
    reading = FormReading(large_print=request.query_params.get("large_print") == "yes",
                          booklet=request.query_params.get("document") == "booklet")
    if day := request.query_params.get("sheet_date"):
        reading.sheet_date = parse_date(day)
        if reading.sheet_date is None:
            return _json_errors([("sheet_date", DATE_ERROR)])
    try:
        doc = read_text(decode(await request.body(), "request"), "request", as_json=True)
        profile = await anyio.to_thread.run_sync(lambda: patient_from(
            doc, request.app.state.catalogue, on=reading.sheet_date, rules_dir=request.app.state.rules_dir))
    except (ReadError, UserError) as exc:
        return _json_errors([("", d.message) for d in exc.diagnostics])
    if kind == "assess":
        return await _assess_response(request, profile.entered_fields())
    return await _sheet_response(request, profile.entered_fields(), reading, profile.not_in_record)


async def _sheet_response(request: Request, profile: dict[str, Any], reading: FormReading,
                          not_in_record: tuple[str, ...] = ()) -> Response:
    day = reading.sheet_date or dt.date.today()
    payload = {"profile": profile, "sheet_date": day.isoformat(), "large_print": reading.large_print,
               "not_in_record": list(not_in_record), "document": "booklet" if reading.booklet else "visit"}
    try:
        pdf = await run_job(request, "sheet", payload)
    except JobFailed as failed:
        return _failed(failed)
    # the documents' one name: "visit sheet" or "booklet", as in their titles
    kind = "visit-sheet" if payload["document"] == "visit" else "booklet"
    name = f"ms-options-{kind}-{day.isoformat()}" + ("-large-print" if reading.large_print else "")
    return Response(pdf, media_type="application/pdf", headers={
        **_PRIVATE, "content-disposition": f'attachment; filename="{name}.pdf"'})


async def _assess_response(request: Request, profile: dict[str, Any]) -> Response:
    try:
        assessment = await run_job(request, "assess", {"profile": profile})
    except JobFailed as failed:
        return _failed(failed)
    return JSONResponse(assessment, headers=_PRIVATE)


async def run_job(request: Request, kind: JobKind, payload: dict[str, Any]) -> Any:
    """The worker's result (PDF bytes or the assessment's JSON data); raises JobFailed saying what to
    answer. The web form and the CDS Hooks service share it, and the render workers behind it."""
    pool: RenderPool = request.app.state.pool
    try:
        return await anyio.to_thread.run_sync(lambda: pool.run(kind, payload))
    except PoolBusy:
        raise JobFailed(503, "The server is busy. Please try again in a minute.", retry_after=30) from None
    except JobTimeout:
        log.warning("a %s job took too long and was stopped", kind)
        raise JobFailed(503, "Making the sheet took too long. Please try again.") from None
    except WorkerError as exc:
        log.error("%s", exc)  # names the kind of failure only, never patient data
        raise JobFailed(500, "Something went wrong while making the sheet. Please try again.") from None


def _failed(failed: JobFailed) -> Response:
    retry = {"retry-after": str(failed.retry_after)} if failed.retry_after else {}
    return PlainTextResponse(failed.message, status_code=failed.status, headers={**retry, **_PRIVATE})


def _json_errors(errors: list[tuple[str, str]]) -> Response:
    return JSONResponse({"errors": [{"field": name, "message": message} for name, message in errors]},
                        status_code=422, headers=_PRIVATE)


def _form_page(request: Request, answers: Answers, errors: dict[str, str], *, status: int) -> Response:
    html = render_form(answers, errors, request.app.state.drug_names)
    return HTMLResponse(html, status_code=status, headers=_PRIVATE)


def _is_json(request: Request) -> bool:
    """JSON: a profile, or a FHIR record (application/fhir+json)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind in ("application/json", "application/fhir+json")
