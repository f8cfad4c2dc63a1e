"""The web application: a form that a patient or carer fills in, and the sheet as a download.

    GET  /          the form (server-rendered, works without JavaScript; /form.js shows errors in place)
    POST /view      answers → the visit sheet as a page on screen (view.css, the project's fonts), or the
                    form again with errors beside the answers (422); `do=change` or `do=add_medicine`:
                    the form again, filled in
    POST /sheet     answers → the PDF sheet, or the form again with errors beside the answers (422)
    POST /answers   answers → a profile YAML file to download (web/saved.py), or the form with errors (422)
    POST /load      a saved answers file (multipart field `answers`) → the form filled in, or with a plain error (422)
    POST /assess    answers (form or JSON profile) → the assessment JSON
                    (/view, /sheet and /assess also take a profile as JSON, or a FHIR Bundle as application/fhir+json)
    GET  /healthz   200 while the server answers; GET /readyz 200 when it is ready to serve (operations.py)
    GET  /metrics   counts and times in the Prometheus text format, nothing about a patient

Every page, sheet and booklet speaks the language chosen with `?lang=` or the form's `lang` field, or
else the browser's (Accept-Language; language.py); a profile posted as JSON gets `?lang=` or English.
The assessment JSON stays English (it is data).
    GET  /cds-services, POST /cds-services/{id}[/feedback]   the CDS Hooks service, with --cds-hooks (fhir/cds.py)

Nothing about a patient is kept: no files, no sessions, nothing in the logs (the access line keeps
method, path and status, operations.py). Request bodies over 1 MB are refused (413); every response
carries the security headers, and slow or oversized requests are cut short (`guard.py`); a client that goes
away mid-request is one log line. Evaluation and rendering
run in spawned worker processes (`workers.py`), so the event loop never blocks and several patients
are served at once, each by an engine of their own.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ..inputs import patient_from
from ..pack.loader import load_rule_pack
from ..pack.models import RulePack
from ..plumbing.errors import JobFailed, UserError
from ..plumbing.i18n import SOURCE_LANGUAGE, Language, _, current_language, speaking
from ..plumbing.metrics import RENDER_SECONDS
from ..plumbing.safeio import decode
from ..plumbing.yamlpos import ReadError, read_text
from .form import (
    DATE_ERROR,
    FORM_STEP,
    Answers,
    FormInvalid,
    FormReading,
    answers_for,
    answers_from,
    carried,
    parse_date,
    read_form,
)
from .guard import BODY_TIMED_OUT, BODY_TIMEOUT, Guard
from .language import LANGUAGE_FIELD, choose_language, shipped
from .operations import CdsCors, RequestLog, metrics, readyz
from .page import font_files, form_asset, render_form
from .saved import FILE_NAME, answers_yaml, read_answers
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
        app.state.view_css, app.state.fonts = form_asset("view.css"), font_files()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(pool.close)

    routes = [
        Route("/", show_form, methods=["GET"]),
        Route("/form.css", stylesheet, methods=["GET"]),
        Route("/form.js", script, methods=["GET"]),
        Route("/favicon.svg", favicon, methods=["GET"]),
        Route("/view.css", view_stylesheet, methods=["GET"]),
        Route("/fonts/{name}", font, methods=["GET"]),
        Route("/view", post_view, methods=["POST"]),
        Route("/answers", post_answers, methods=["POST"]),
        Route("/load", post_load, methods=["POST"]),
        Route("/sheet", post_sheet, methods=["POST"]),
        Route("/assess", post_assess, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    middleware: list[Middleware] = []
    verifier = None
    if cds is not None:
        from ..fhir.cds import cds_routes
        from ..fhir.cds_auth import Verifier

        verifier = Verifier(cds)
        routes += cds_routes(cds, run_job, verifier)
        if cds.cors_origins:
            middleware.append(Middleware(CdsCors, origins=list(cds.cors_origins)))
    app = _GuardedStarlette(routes=routes, lifespan=lifespan, max_body_size=MAX_BODY, max_in_flight=max_in_flight,
                            exception_handlers={ClientDisconnect: _client_gone}, middleware=middleware)
    app.state.cds_verifier = verifier  # /readyz asks it whether the replay cache answers
    return app


class _GuardedStarlette(Starlette):
    """Starlette inside the Guard: the guard sees every response, Starlette's own 413 and 500 included."""

    def __init__(self, *args: Any, max_in_flight: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_in_flight = max_in_flight

    def build_middleware_stack(self) -> ASGIApp:
        return RequestLog(Guard(super().build_middleware_stack(), max_in_flight=self.max_in_flight))


async def _client_gone(request: Request, exc: Exception) -> Response:
    """A body that stopped arriving: one log line (never a stack trace), and 408 if the client still listens."""
    if request.scope.get(BODY_TIMED_OUT):
        log.info("a request body did not arrive within %.0f s; answered 408", BODY_TIMEOUT)
        return PlainTextResponse("The request took too long to arrive.", status_code=408)
    log.info("a client disconnected before sending its whole request")
    return Response(status_code=400)


async def show_form(request: Request) -> Response:
    with speaking(_language(request, Answers())):
        return _form_page(request, Answers(), {}, status=200)


async def stylesheet(request: Request) -> Response:
    return Response(request.app.state.css, media_type="text/css")


async def script(request: Request) -> Response:
    return Response(request.app.state.js, media_type="text/javascript")


async def favicon(request: Request) -> Response:
    return Response(request.app.state.icon, media_type="image/svg+xml")


async def view_stylesheet(request: Request) -> Response:
    return Response(request.app.state.view_css, media_type="text/css")


async def font(request: Request) -> Response:
    data = request.app.state.fonts.get(request.path_params["name"])
    if data is None:
        return PlainTextResponse("Not found.", status_code=404)
    return Response(data, media_type="font/ttf", headers={"cache-control": "public, max-age=86400"})


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def post_sheet(request: Request) -> Response:
    if _is_json(request):
        return await _json_request(request, "sheet")
    answers = answers_from((await request.form(max_files=0, max_fields=2000)).multi_items())
    with speaking(_language(request, answers)):
        try:
            profile, reading = read_form(answers, request.app.state.catalogue)
        except FormInvalid as exc:
            return _form_page(request, answers, exc.errors, status=422)
        return await _sheet_response(request, profile.entered_fields(), reading)


async def post_view(request: Request) -> Response:
    if _is_json(request):
        return await _json_request(request, "view")
    answers = answers_from((await request.form(max_files=0, max_fields=2000)).multi_items())
    with speaking(_language(request, answers)):
        if answers.get(FORM_STEP) == "change":  # also a language button's: the form again, in that language
            return _form_page(request, answers, {}, status=200)
        if answers.get(FORM_STEP) == "add_medicine":  # without JavaScript: the form with one more block, its box focused
            return _form_page(request, answers, {}, status=200, focus=f"prior_dmts.{answers.prior_rows() - 1}.drug")
        try:
            profile, reading = read_form(answers, request.app.state.catalogue)
        except FormInvalid as exc:
            return _form_page(request, answers, exc.errors, status=422)
        return await _view_response(request, profile.entered_fields(), reading, carried(answers))


async def _view_response(request: Request, profile: dict[str, Any], reading: FormReading,
                         answers: list[tuple[str, str]], not_in_record: tuple[str, ...] = ()) -> Response:
    day = reading.sheet_date or dt.date.today()
    payload = {"profile": profile, "sheet_date": day.isoformat(), "large_print": reading.large_print,
               "not_in_record": list(not_in_record), "language": current_language(),
               "carried": [(name, value) for name, value in answers if name != LANGUAGE_FIELD]
               + [(LANGUAGE_FIELD, current_language())]}
    try:
        html = await run_job(request, "view", payload)
    except JobFailed as failed:
        return _failed(failed)
    return HTMLResponse(html, headers={**_PRIVATE, "content-language": payload["language"]})


async def post_answers(request: Request) -> Response:
    answers = answers_from((await request.form(max_files=0, max_fields=2000)).multi_items())
    with speaking(_language(request, answers)):
        try:
            profile, _reading = read_form(answers, request.app.state.catalogue)
        except FormInvalid as exc:
            return _form_page(request, answers, exc.errors, status=422)
        day = dt.date.today()
        saved = answers_yaml(profile, day)
    return Response(saved, media_type="application/yaml", headers={
        **_PRIVATE, "content-disposition": f'attachment; filename="{FILE_NAME.format(day=day.isoformat())}"'})


async def post_load(request: Request) -> Response:
    form = await request.form(max_files=1, max_fields=20)
    upload, chosen = form.get("answers"), form.get(LANGUAGE_FIELD)
    language = Answers([(LANGUAGE_FIELD, chosen)] if isinstance(chosen, str) else [])
    with speaking(_language(request, language)):
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        if not data:
            return _form_page(request, language, {"answers": _("Please choose the file with your saved answers.")},
                              status=422)
        state = request.app.state
        try:
            profile = await anyio.to_thread.run_sync(
                lambda: read_answers(data, state.catalogue, rules_dir=state.rules_dir))
        except (ReadError, UserError) as exc:
            return _form_page(request, language, {"answers": _not_saved_answers(exc.diagnostics)}, status=422)
        return _form_page(request, answers_for(profile.entered_fields(), language), {}, status=200)


def _not_saved_answers(diagnostics: list[Any]) -> str:
    """Why a file is not a saved answers file: its first three problems (the reader's words, in English)."""
    problems = [(_("line {line}: ").format(line=d.line) if d.line else "") + d.message for d in diagnostics[:3]]
    if len(diagnostics) > 3:
        # TRANSLATORS: {problems} is a list of what is wrong in the file, in English
        return _("This is not a saved answers file, or it has a mistake: {problems} (and {count} more).").format(
            problems="; ".join(problems), count=len(diagnostics) - 3)
    return _("This is not a saved answers file, or it has a mistake: {problems}.").format(problems="; ".join(problems))


async def post_assess(request: Request) -> Response:
    if _is_json(request):
        return await _json_request(request, "assess")
    answers = answers_from((await request.form(max_files=0, max_fields=2000)).multi_items())
    try:
        profile, _reading = read_form(answers, request.app.state.catalogue)
    except FormInvalid as exc:
        return _json_errors([(name, message) for name, message in exc.errors.items()])
    return await _assess_response(request, profile.entered_fields())


async def _json_request(request: Request, kind: JobKind) -> Response:
    """A profile posted as JSON (the profile contract's shape), or a FHIR Bundle read as of the
    sheet date, for /sheet, /view or /assess; the options of /sheet in the query, the language
    (`?lang=`) too: a program that posts JSON gets English unless it asks."""
    with speaking(shipped(request.query_params.get(LANGUAGE_FIELD)) or SOURCE_LANGUAGE):
        return await _json_answer(request, kind)


async def _json_answer(request: Request, kind: JobKind) -> Response:
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
    if kind == "view":  # the page's buttons carry the profile as form answers, with the query's options
        options = Answers((name, value) for name, value in request.query_params.items()
                          if name in ("large_print", "document", "sheet_date", LANGUAGE_FIELD))
        answers = answers_for(profile.entered_fields(), options).items()
        return await _view_response(request, profile.entered_fields(), reading, answers, profile.not_in_record)
    return await _sheet_response(request, profile.entered_fields(), reading, profile.not_in_record)


async def _sheet_response(request: Request, profile: dict[str, Any], reading: FormReading,
                          not_in_record: tuple[str, ...] = ()) -> Response:
    day = reading.sheet_date or dt.date.today()
    payload = {"profile": profile, "sheet_date": day.isoformat(), "large_print": reading.large_print,
               "not_in_record": list(not_in_record), "document": "booklet" if reading.booklet else "visit",
               "language": current_language()}
    try:
        pdf = await run_job(request, "sheet", payload)
    except JobFailed as failed:
        return _failed(failed)
    # the documents' one name: "visit sheet" or "booklet", as in their titles
    kind = "visit-sheet" if payload["document"] == "visit" else "booklet"
    name = f"ms-options-{kind}-{day.isoformat()}" + ("-large-print" if reading.large_print else "")
    return Response(pdf, media_type="application/pdf", headers={
        **_PRIVATE, "content-disposition": f'attachment; filename="{name}.pdf"', "content-language": payload["language"]})


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
    started, outcome = time.perf_counter(), "ok"
    try:
        return await anyio.to_thread.run_sync(lambda: pool.run(kind, payload))
    except PoolBusy:
        outcome = "busy"
        raise JobFailed(503, _("The server is busy. Please try again in a minute."), retry_after=30) from None
    except JobTimeout:
        outcome = "timeout"
        log.warning("a %s job took too long and was stopped", kind)
        raise JobFailed(503, _("Making the sheet took too long. Please try again.")) from None
    except WorkerError as exc:
        outcome = "failed"
        log.error("%s", exc)  # names the kind of failure only, never patient data
        raise JobFailed(500, _("Something went wrong while making the sheet. Please try again.")) from None
    finally:
        RENDER_SECONDS.labels(kind, outcome).observe(time.perf_counter() - started)


def _failed(failed: JobFailed) -> Response:
    retry = {"retry-after": str(failed.retry_after)} if failed.retry_after else {}
    return PlainTextResponse(failed.message, status_code=failed.status, headers={**retry, **_PRIVATE})


def _json_errors(errors: list[tuple[str, str]]) -> Response:
    return JSONResponse({"errors": [{"field": name, "message": message} for name, message in errors]},
                        status_code=422, headers=_PRIVATE)


def _form_page(request: Request, answers: Answers, errors: dict[str, str], *, status: int, focus: str = "") -> Response:
    """The form in the current language (the caller's `speaking`), its `lang` field saying which."""
    html = render_form(answers, errors, request.app.state.drug_names, focus)
    return HTMLResponse(html, status_code=status, headers={
        **_PRIVATE, "content-language": current_language(), "vary": "Accept-Language"})


def _language(request: Request, answers: Answers) -> Language:
    """The language a form page, sheet or booklet speaks (language.py says in which order it is chosen)."""
    return choose_language(request.query_params.get(LANGUAGE_FIELD), answers.get(LANGUAGE_FIELD),
                           request.headers.get("accept-language"))


def _is_json(request: Request) -> bool:
    """JSON: a profile, or a FHIR record (application/fhir+json)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind in ("application/json", "application/fhir+json")
