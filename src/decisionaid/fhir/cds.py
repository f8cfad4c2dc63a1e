"""The CDS Hooks 2.0 service (`decisionaid serve --cds-hooks CONFIG`): one `patient-view` service.

    GET  /cds-services          discovery: the service and the prefetch templates the FHIR map needs
    POST /cds-services/{id}     a warning when the record was cut or a search failed; a summary of
                                the options by status, in clinical words (with a suggestion that files
                                the visit sheet PDF as a US Core DocumentReference); and, when deciding
                                facts are missing, which ones to record
    POST /cds-services/{id}/feedback   what the clinician did with a card: counted, nothing kept (cds_feedback.py)

Every call needs a JWT from a configured issuer (cds_auth.py), else 401 with no detail (the reason
code goes to the log only), or 503 when the token cannot be checked just now (the issuer's JWK Set
URL or the shared replay cache is out of reach). The record comes from the prefetch; what is missing,
and further pages, are fetched only from an allow-listed `fhirServer`, with the request's own access
token, under one deadline (fetch.py), else 412. Hostile requests get a 400 that says what is wrong.
The service keeps nothing: no files, no sessions; the access line carries method, path, status, the
refusal's reason code and the `hookInstance` (set on `request.state` here), nothing about the patient.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import anyio.to_thread
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from ..pack.vocabulary import FIELDS
from ..plumbing.errors import InputError, JobFailed, UserError
from ..plumbing.metrics import CDS_CALLS, CDS_CARDS, CDS_REFUSALS
from ..plumbing.safeio import decode
from ..plumbing.yamlpos import ReadError, read_text
from . import RECORD_FIELDS, reading_of
from .cds_auth import CdsConfig, Refused, Unavailable, Verifier
from .cds_feedback import FeedbackInvalid, record_feedback
from .fetch import FetchFailed, Record, Server, complete, is_outcome

SERVICE_ID = "decisionaid-ms-options"
SEARCHES = {  # prefetch key -> the search it stands for (the patient is read by id)
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}&code={codes}",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication",
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication",
}
PATIENT = "Patient/{{context.patientId}}"
MAX_RESOURCES = 5000
_ID = r"^[A-Za-z0-9\-.]{1,64}$"  # a FHIR id: no markup, no path tricks
_PRIVATE = {"cache-control": "no-store"}
log = logging.getLogger("decisionaid.web")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FhirAuthorization(_Strict):
    access_token: Annotated[str, Field(min_length=1, max_length=8192)]
    token_type: Literal["Bearer"]
    expires_in: Annotated[int, Field(ge=0)]
    scope: Annotated[str, Field(max_length=4096)]
    subject: Annotated[str, Field(max_length=1024)]
    patient: Annotated[str, Field(pattern=_ID)] | None = None  # CDS Hooks 2.0: the patient the token is for


def _not_only_dots(value: str) -> str:
    """The FHIR id pattern allows '.' and '..', which a URL reads as the server's own folders."""
    if not value.rsplit("/", 1)[-1].strip("."):
        raise ValueError("an id made only of dots is not a resource id")
    return value


RealId = AfterValidator(_not_only_dots)


class PatientViewContext(_Strict):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)  # hooks may add context fields
    userId: Annotated[str, Field(pattern=r"^(Practitioner|PractitionerRole|Patient|RelatedPerson)/[A-Za-z0-9\-.]{1,64}$"),
                      RealId]
    patientId: Annotated[str, Field(pattern=_ID), RealId]
    encounterId: Annotated[str, Field(pattern=_ID), RealId] | None = None


class HookRequest(_Strict):
    hook: Literal["patient-view"]
    hookInstance: Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{36}$")]
    fhirServer: Annotated[str, Field(pattern=r"^https?://\S{1,500}$")] | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: PatientViewContext
    prefetch: dict[str, dict[str, Any] | None] | None = None
    extension: dict[str, Any] | None = None


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


#: runs a job in the server's render pool: (request, "assess" or "sheet", payload) -> its result;
#: raises JobFailed. The web application passes its own, so this stage never imports the web.
RunJob = Callable[[Request, Any, dict[str, Any]], Awaitable[Any]]


def cds_routes(config: CdsConfig, run_job: RunJob, verifier: Verifier | None = None) -> list[Route]:
    checker = verifier or Verifier(config)

    async def check(request: Request) -> None:
        """The caller's token; a refusal is answered 401 (or 503) and its reason code logged."""
        audience = config.audience(route_path(request.scope))
        try:
            await anyio.to_thread.run_sync(checker.claims, request.headers.get("authorization"), audience)
        except (Refused, Unavailable) as refused:
            request.state.refusal = refused.reason
            CDS_REFUSALS.labels(refused.reason).inc()
            if isinstance(refused, Unavailable):
                raise _Refused(_error(503, "the caller's token cannot be checked just now; try again",
                                      retry_after=5)) from None
            raise _Refused(PlainTextResponse("Unauthorized", status_code=401,
                                             headers={"www-authenticate": "Bearer", **_PRIVATE})) from None

    async def discovery(request: Request) -> Response:
        try:
            await check(request)
        except _Refused as refused:
            return refused.response
        return JSONResponse({"services": [_service(request)]}, headers=_PRIVATE)

    async def invoke(request: Request) -> Response:
        try:
            await check(request)
            if request.path_params["service"] != SERVICE_ID:
                return _error(404, "no such CDS service")
            hook = _hook_request(await request.body())
            request.state.hook_instance = hook.hookInstance
            record, origins, fetched = await _record(request, config, hook)
            cards = await _cards(request, hook, record, origins, fetched, run_job)
            for card in cards:
                CDS_CARDS.labels(card["indicator"]).inc()
            return JSONResponse({"cards": cards}, headers=_PRIVATE)
        except _Refused as refused:
            return refused.response

    async def feedback(request: Request) -> Response:
        try:
            await check(request)
        except _Refused as refused:
            return refused.response
        if request.path_params["service"] != SERVICE_ID:
            return _error(404, "no such CDS service")
        try:
            record_feedback(await request.body())
        except FeedbackInvalid as invalid:
            return _error(400, invalid.message, invalid.problems)
        return JSONResponse({}, headers=_PRIVATE)

    return [Route("/cds-services", _counted("discovery", discovery), methods=["GET"]),
            Route("/cds-services/{service}", _counted("service", invoke), methods=["POST"]),
            Route("/cds-services/{service}/feedback", _counted("feedback", feedback), methods=["POST"])]


def _counted(endpoint: str, handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    async def counted(request: Request) -> Response:
        response = await handler(request)
        CDS_CALLS.labels(endpoint, str(response.status_code)).inc()
        return response

    return counted


def route_path(scope: Scope) -> str:
    """The path below the proxy's prefix (`--root-path`): what follows `service_url` in a token's `aud`."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and (path == root or path.startswith(root.rstrip("/") + "/")):
        return path[len(root.rstrip("/")):] or "/"
    return str(path)


def _searches(fhir_map: Any) -> dict[str, str]:
    """The prefetch templates: the patient, and the searches; observations only of the codes the map reads."""
    codes = ",".join(f"{fhir_map.systems[c.system]}|{c.code}" for concept in fhir_map.concepts
                     if concept.element == "Observation.code" for c in concept.codes if c.status == "checked")
    return {"patient": PATIENT, **{key: search.replace("{codes}", codes) for key, search in SEARCHES.items()}}


def _service(request: Request) -> dict[str, Any]:
    prefetch = _searches(request.app.state.fhir_map)
    pack = request.app.state.pack.meta
    return {"hook": "patient-view", "id": SERVICE_ID, "title": "MS treatment options",
            "description": f"Which MS treatment options are worth discussing, from the {pack.name} rule pack "
                           f"{pack.version}, and what the record is missing; offers the visit sheet as a PDF.",
            "prefetch": prefetch}


# ----------------------------------------------------------------------------- the request
def _hook_request(body: bytes) -> HookRequest:
    try:
        doc = read_text(decode(body, "request"), "request", as_json=True)  # size and depth limits
    except (ReadError, InputError) as exc:
        raise _Refused(_error(400, "the request is not usable JSON", [d.message for d in exc.diagnostics])) from None
    try:
        hook = HookRequest.model_validate(doc.data)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'request'}: {e['msg']}" for e in exc.errors()[:20]]
        raise _Refused(_error(400, "this is not a patient-view hook request this service can read", problems)) from None
    unknown = set(hook.prefetch or {}) - {"patient", *SEARCHES}
    if unknown:
        raise _Refused(_error(400, f"the prefetch has {len(unknown)} key(s) this service did not ask for; it asks "
                                   f"for {', '.join(['patient', *SEARCHES])}"))
    return hook


async def _record(request: Request, config: CdsConfig, hook: HookRequest) -> tuple[dict[str, Any], list[str], Record]:
    """The prefetch, completed and paged from the FHIR server when allowed, as one collection Bundle."""
    parts: dict[str, Any] = dict(hook.prefetch or {})
    server = None
    if hook.fhirServer is not None and hook.fhirAuthorization is not None:
        if config.allows_server(hook.fhirServer):
            server = Server(hook.fhirServer, hook.fhirAuthorization.access_token)
        elif any(key not in parts or is_outcome(parts[key]) for key in ("patient", *SEARCHES)):
            raise _Refused(_error(412, "the prefetch lacks data and this fhirServer is not in the service's "
                                  "allow-list, so nothing is fetched from it"))
    try:
        record = await complete(parts, _searches(request.app.state.fhir_map), hook.context.patientId, server)
    except FetchFailed as failed:
        raise _Refused(_error(412, failed.reason)) from None
    bundle, origins = _merge(record.parts, hook.context.patientId)
    return bundle, origins, record


def _merge(parts: dict[str, Any], patient_id: str) -> tuple[dict[str, Any], list[str]]:
    patient = parts.get("patient")
    if not isinstance(patient, dict) or patient.get("resourceType") != "Patient" or patient.get("id") != patient_id:
        raise _Refused(_error(400, "prefetch.patient must be the Patient resource named by context.patientId"))
    entries: list[dict[str, Any]] = [{"resource": patient}]
    origins = ["prefetch.patient"]
    for key in SEARCHES:
        value = parts.get(key)
        if value is None:
            continue
        if value.get("resourceType") != "Bundle" or not isinstance(value.get("entry", []), list):
            raise _Refused(_error(400, f"prefetch.{key} must be a Bundle or null"))
        for index, entry in enumerate(value.get("entry", [])):
            if not isinstance(entry, dict):
                raise _Refused(_error(400, f"prefetch.{key}.entry[{index}] must be an object"))
            entries.append({k: v for k, v in entry.items() if k in ("fullUrl", "resource")})
            origins.append(f"prefetch.{key}.entry[{index}]")
        if len(entries) > MAX_RESOURCES:
            raise _Refused(_error(400, f"the prefetch holds more than {MAX_RESOURCES} resources"))
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}, origins


# ----------------------------------------------------------------------------- the cards
#: the statuses as a clinician's card names them, in the order the card lists them
STATUS_LABELS = (("discuss", "Fits the published criteria"), ("discuss_with_caution", "Fits with cautions"),
                 ("trial_only", "Clinical trials only"), ("needs_information", "Needs information"),
                 ("unlikely_to_fit", "Unlikely to fit"), ("research_only", "Research only"))
#: the options in clinical words (the sheet's titles speak to the patient)
CLINICAL_TITLES = {"no_change": "Continue the current plan", "he_dmt": "High-efficacy DMT (start or switch)",
                   "ahsct": "aHSCT", "msc": "Mesenchymal stem cells (MSC)",
                   "msc_np": "Intrathecal MSC-derived neural progenitors (MSC-NP)",
                   "nsc": "Neural stem cells (fetal-derived)", "ipsc": "iPSC-derived cells"}
LOINC_PROGRESS_NOTE = {"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}
US_CORE_CLINICAL_NOTE = {"system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
                         "code": "clinical-note", "display": "Clinical Note"}


async def _cards(request: Request, hook: HookRequest, record: dict[str, Any], origins: list[str], fetched: Record,
                 run_job: RunJob) -> list[dict[str, Any]]:
    state = request.app.state
    day = dt.date.today()
    source = {"label": f"decisionaid rule pack {state.pack.meta.name} {state.pack.meta.version}",
              "topic": {"system": "https://decisionaid.invalid/cds", "code": "ms-options",
                        "display": "MS treatment options"}}
    cards = _completeness_cards(fetched, source)
    try:
        reading = await anyio.to_thread.run_sync(
            lambda: reading_of(record, "prefetch", state.catalogue, on=day, rules_dir=state.rules_dir))
    except UserError as exc:
        problems = [_origin(d.message, origins) for d in exc.diagnostics]
        return [*cards, {"uuid": str(uuid.uuid4()), "summary": "The visit sheet could not be made: the record has "
                         "problems to correct", "indicator": "warning", "source": source,
                         "detail": "\n".join(f"- {_plain(p)}" for p in problems[:20])}]
    profile = reading.profile.entered_fields()
    try:
        assessment = await run_job(request, "assess", {"profile": profile})
        pdf = await run_job(request, "sheet", {"profile": profile, "sheet_date": day.isoformat(), "large_print": False,
                                             "not_in_record": list(reading.not_found)})
    except JobFailed:
        raise _Refused(_error(503, "the sheet could not be made just now; try again")) from None
    cards.append(_summary_card(assessment, reading.not_found, source, _document(pdf, hook, day)))
    missing = assessment["missing_information"]
    if missing:
        cards.append(_missing_card(missing, reading.not_found, source))
    return cards


def _completeness_cards(fetched: Record, source: dict[str, Any]) -> list[dict[str, Any]]:
    """A warning when the record was cut (pages not read) or the server noted problems with a search."""
    lines = [f"- Not read: {_plain(cut)}" for cut in fetched.cut]
    lines += [f"- The FHIR server noted {_plain(note)}" for note in fetched.server_notes]
    if not lines:
        return []
    summary = ("The record was cut: the visit sheet may miss facts" if fetched.cut
               else "The FHIR server reported problems with its searches: the visit sheet may miss facts")
    return [{"uuid": str(uuid.uuid4()), "summary": summary, "indicator": "warning", "source": source,
             "detail": "\n".join(lines) + "\n\nCheck the chart for what these searches would have found."}]


def _summary_card(assessment: dict[str, Any], not_found: tuple[str, ...], source: dict[str, Any],
                  document: dict[str, Any]) -> dict[str, Any]:
    """The options by status, in clinical words; the summary counts exactly what the detail lists first."""
    by_status: dict[str, list[str]] = {}
    for option in assessment["options"]:
        by_status.setdefault(option["status"], []).append(CLINICAL_TITLES.get(option["id"], option["title"]))
    counts = [f"{label}: {len(by_status[status])}" for status, label in STATUS_LABELS[:2] if by_status.get(status)]
    summary = "MS treatment options. " + ("; ".join(counts) if counts else "None fits the published criteria")
    lines = [f"**{label}:** {', '.join(by_status[status])}" for status, label in STATUS_LABELS if by_status.get(status)]
    if not_found:
        lines.append(f"**Not found in the record:** {', '.join(_label(f) for f in not_found)}")
    lines.append("A decision aid, not a recommendation: the decision belongs to the patient and their MS team.")
    return {"uuid": str(uuid.uuid4()), "summary": summary,
            "indicator": "info", "source": source, "detail": "\n\n".join(_plain(line) for line in lines),
            "selectionBehavior": "at-most-one",
            "suggestions": [{"label": "File the visit sheet (PDF) in the record", "uuid": str(uuid.uuid4()),
                             "actions": [{"type": "create", "description": "Add the MS treatment options visit "
                                          "sheet to the patient's documents", "resource": document}]}]}


def _missing_card(missing: list[str], not_found: tuple[str, ...], source: dict[str, Any]) -> dict[str, Any]:
    in_record = [f for f in missing if f.split(".")[0] in not_found]
    to_ask = [f for f in missing if f not in in_record]
    lines = []
    if in_record:
        lines.append(f"**Record in the chart:** {', '.join(_label(f) for f in in_record)}")
    if to_ask:
        lines.append(f"**Ask the patient:** {', '.join(_label(f) for f in to_ask)}")
    return {"uuid": str(uuid.uuid4()), "summary": f"{len(missing)} deciding fact(s) missing for the visit sheet",
            "indicator": "info", "source": source, "detail": "\n\n".join(_plain(line) for line in lines)}


def _document(pdf: bytes, hook: HookRequest, day: dt.date) -> dict[str, Any]:
    """The visit sheet as a US Core DocumentReference (a LOINC type, the clinical-note category, the
    subject, the author where known, the attachment's contentType, size and SHA-1 hash), validated
    with fhir.resources."""
    from fhir.resources.R4B.documentreference import DocumentReference

    context = hook.context
    author = [{"reference": context.userId}] if context.userId.startswith(("Practitioner/", "PractitionerRole/")) else []
    encounter = {"context": {"encounter": [{"reference": f"Encounter/{context.encounterId}"}]}} \
        if context.encounterId else {}
    reference = DocumentReference.model_validate({
        "resourceType": "DocumentReference", "status": "current", "docStatus": "final",
        "type": {"coding": [LOINC_PROGRESS_NOTE], "text": "MS treatment options visit sheet"},
        "category": [{"coding": [US_CORE_CLINICAL_NOTE]}],
        "subject": {"reference": f"Patient/{context.patientId}"},
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        **({"author": author} if author else {}),
        "description": "MS treatment options visit sheet (decisionaid)",
        "content": [{"attachment": {"contentType": "application/pdf", "language": "en",
                                    "data": base64.b64encode(pdf).decode("ascii"), "size": len(pdf),
                                    "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
                                    "title": f"ms-options-visit-sheet-{day.isoformat()}.pdf",
                                    "creation": day.isoformat()}}],
        **encounter})
    document: dict[str, Any] = json.loads(reference.model_dump_json())
    return document


def _label(field: str) -> str:
    base, _, rest = field.partition(".")
    spec = FIELDS.get(field) or FIELDS.get(base)
    text = spec.description if spec else base.replace("_", " ")
    if base == "prior_dmts" and rest:
        index, _, key = rest.partition(".")
        text = f"earlier MS drug {int(index) + 1}: {key.replace('_', ' ')}"
    elif base == "prior_dmts":
        text = "earlier MS drugs"
    elif base == "current_dmt":
        text = "the current MS drug"
    elif base not in FIELDS and base in RECORD_FIELDS:
        text = base.replace("_", " ")
    return text


def _origin(message: str, origins: list[str]) -> str:
    """`entry[3].resource.code: ...` of the merged Bundle -> `prefetch.conditions.entry[1].resource.code: ...`."""
    head, _, _ = message.partition(".")
    if head.startswith("entry[") and head.endswith("]") and head[6:-1].isdigit():
        index = int(head[6:-1])
        if index < len(origins):
            rest = message[len(head):]
            return origins[index] + (rest.removeprefix(".resource") if index == 0 else rest)
    return message


def _plain(text: str) -> str:
    """Markdown from the rules and the record, with HTML markup made harmless."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _error(status: int, message: str, problems: list[str] | None = None, retry_after: int | None = None) -> Response:
    retry = {"retry-after": str(retry_after)} if retry_after else {}
    return JSONResponse({"error": message, **({"problems": problems} if problems else {})}, status_code=status,
                        headers={**_PRIVATE, **retry})
