"""The CDS Hooks 2.0 service (`decisionaid serve --cds-hooks CONFIG`): one `patient-view` service.

    GET  /cds-services          discovery: the service and the prefetch templates the FHIR map needs
    POST /cds-services/{id}     at most two cards: a summary of the options worth discussing (with a
                                suggestion that files the visit sheet PDF as a DocumentReference), and,
                                when deciding facts are missing, which ones to record

Every call needs a JWT from a configured issuer (cds_auth.py), else 401 with no detail. The record
comes from the prefetch; what is missing is fetched only from an allow-listed `fhirServer`, with
the request's own access token, else 412. Hostile requests get a 400 that says what is wrong. The
service keeps nothing: no files, no sessions, and logs carry method, path and status only.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import anyio.to_thread
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..pack.vocabulary import FIELDS
from ..plumbing.errors import InputError, JobFailed, UserError
from ..plumbing.safeio import decode
from ..plumbing.yamlpos import ReadError, read_text
from . import RECORD_FIELDS, reading_of
from .cds_auth import CdsConfig, Verifier

SERVICE_ID = "decisionaid-ms-options"
SEARCHES = {  # prefetch key -> the search it stands for (the patient is read by id)
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}&code={codes}",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication",
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication",
}
PATIENT = "Patient/{{context.patientId}}"
MAX_RESOURCES = 5000
MAX_FETCH_BYTES = 1_000_000
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


class PatientViewContext(_Strict):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)  # hooks may add context fields
    userId: Annotated[str, Field(pattern=r"^(Practitioner|PractitionerRole|Patient|RelatedPerson)/[A-Za-z0-9\-.]{1,64}$")]
    patientId: Annotated[str, Field(pattern=_ID)]
    encounterId: Annotated[str, Field(pattern=_ID)] | None = None


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


def cds_routes(config: CdsConfig, run_job: RunJob) -> list[Route]:
    verifier = Verifier(config)

    def check(request: Request) -> None:
        if verifier.claims(request.headers.get("authorization"), config.audience(request.url.path)) is None:
            raise _Refused(PlainTextResponse("Unauthorized", status_code=401,
                                             headers={"www-authenticate": "Bearer", **_PRIVATE}))

    async def discovery(request: Request) -> Response:
        try:
            check(request)
        except _Refused as refused:
            return refused.response
        return JSONResponse({"services": [_service(request)]}, headers=_PRIVATE)

    async def invoke(request: Request) -> Response:
        try:
            check(request)
            if request.path_params["service"] != SERVICE_ID:
                return _error(404, "no such CDS service")
            hook = _hook_request(await request.body())
            record, origins = await _record(request, config, hook)
            return JSONResponse({"cards": await _cards(request, hook, record, origins, run_job)}, headers=_PRIVATE)
        except _Refused as refused:
            return refused.response

    return [Route("/cds-services", discovery, methods=["GET"]),
            Route("/cds-services/{service}", invoke, methods=["POST"])]


def _searches(fhir_map: Any) -> dict[str, str]:
    """The prefetch templates: the patient, and the searches; observations only of the codes the map reads."""
    codes = ",".join(f"{fhir_map.systems[c.system]}|{c.code}" for concept in fhir_map.concepts
                     if concept.element == "Observation.code" for c in concept.codes)
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


async def _record(request: Request, config: CdsConfig, hook: HookRequest) -> tuple[dict[str, Any], list[str]]:
    """The prefetch, completed from the FHIR server when allowed, as one collection Bundle."""
    parts: dict[str, Any] = dict(hook.prefetch or {})
    missing = [key for key in ("patient", *SEARCHES) if key not in parts]
    if missing:
        if hook.fhirServer is None or hook.fhirAuthorization is None:
            raise _Refused(_error(412, "the prefetch lacks " + ", ".join(missing) + " and the request gives no "
                                  "fhirServer with fhirAuthorization to fetch them"))
        if not config.allows_server(hook.fhirServer):
            raise _Refused(_error(412, "the prefetch lacks " + ", ".join(missing) + " and this fhirServer is not "
                                  "in the service's allow-list, so nothing is fetched from it"))
        fetched = await anyio.to_thread.run_sync(lambda: _fetch(hook, missing, request.app.state.fhir_map))
        parts.update(fetched)
    return _merge(parts, hook.context.patientId)


def _fetch(hook: HookRequest, keys: list[str], fhir_map: Any) -> dict[str, Any]:
    import httpx

    assert hook.fhirServer is not None and hook.fhirAuthorization is not None
    searches = _searches(fhir_map)
    found: dict[str, Any] = {}
    headers = {"authorization": f"Bearer {hook.fhirAuthorization.access_token}", "accept": "application/fhir+json"}
    with httpx.Client(base_url=hook.fhirServer.rstrip("/") + "/", headers=headers, timeout=10,
                      follow_redirects=False) as client:  # a redirect could carry the token elsewhere
        for key in keys:
            path = searches[key].replace("{{context.patientId}}", hook.context.patientId)
            try:
                with client.stream("GET", path) as response:
                    body = b""
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > MAX_FETCH_BYTES:
                            raise _Refused(_error(412, f"the FHIR server's answer for {key} is too large"))
                if response.status_code != 200:
                    raise _Refused(_error(412, f"the FHIR server answered {response.status_code} for {key}"))
                found[key] = json.loads(body)
            except (httpx.HTTPError, ValueError):
                raise _Refused(_error(412, f"the FHIR server could not be read for {key}")) from None
    return found


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
async def _cards(request: Request, hook: HookRequest, record: dict[str, Any], origins: list[str],
                 run_job: RunJob) -> list[dict[str, Any]]:
    state = request.app.state
    day = dt.date.today()
    source = {"label": f"decisionaid rule pack {state.pack.meta.name} {state.pack.meta.version}",
              "topic": {"system": "https://decisionaid.invalid/cds", "code": "ms-options",
                        "display": "MS treatment options"}}
    try:
        reading = await anyio.to_thread.run_sync(
            lambda: reading_of(record, "prefetch", state.catalogue, on=day, rules_dir=state.rules_dir))
    except UserError as exc:
        problems = [_origin(d.message, origins) for d in exc.diagnostics]
        return [{"uuid": str(uuid.uuid4()), "summary": "The MS options sheet could not be made: the record has "
                 "problems to correct", "indicator": "warning", "source": source,
                 "detail": "\n".join(f"- {_plain(p)}" for p in problems[:20])}]
    profile = reading.profile.entered_fields()
    try:
        assessment = await run_job(request, "assess", {"profile": profile})
        pdf = await run_job(request, "sheet", {"profile": profile, "sheet_date": day.isoformat(), "large_print": False,
                                             "not_in_record": list(reading.not_found)})
    except JobFailed:
        raise _Refused(_error(503, "the sheet could not be made just now; try again")) from None
    cards = [_summary_card(assessment, reading.not_found, source, _document(pdf, hook.context.patientId, day))]
    missing = assessment["missing_information"]
    if missing:
        cards.append(_missing_card(missing, reading.not_found, source))
    return cards


def _summary_card(assessment: dict[str, Any], not_found: tuple[str, ...], source: dict[str, Any],
                  document: dict[str, Any]) -> dict[str, Any]:
    by_status: dict[str, list[str]] = {}
    for option in assessment["options"]:
        by_status.setdefault(option["status"], []).append(option["title"])
    worth = by_status.get("discuss", []) + by_status.get("discuss_with_caution", [])
    lines = [f"**Worth discussing:** {', '.join(by_status.get('discuss', [])) or 'none'}"]
    for status, label in (("discuss_with_caution", "Worth discussing, with cautions"),
                          ("trial_only", "Only in clinical trials"), ("needs_information", "Needs information")):
        if by_status.get(status):
            lines.append(f"**{label}:** {', '.join(by_status[status])}")
    if not_found:
        lines.append(f"**Not found in the record:** {', '.join(_label(f) for f in not_found)}")
    lines.append("This is a decision aid, not a recommendation: the decision belongs to the patient and their MS team.")
    return {"uuid": str(uuid.uuid4()), "summary": f"MS treatment options: {len(worth)} worth discussing",
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
    return {"uuid": str(uuid.uuid4()), "summary": f"{len(missing)} deciding fact(s) missing for the MS options sheet",
            "indicator": "info", "source": source, "detail": "\n\n".join(_plain(line) for line in lines)}


def _document(pdf: bytes, patient_id: str, day: dt.date) -> dict[str, Any]:
    """The visit sheet as a DocumentReference, built and validated with fhir.resources."""
    from fhir.resources.R4B.documentreference import DocumentReference

    reference = DocumentReference.model_validate({
        "resourceType": "DocumentReference", "status": "current", "docStatus": "final",
        "type": {"text": "MS treatment options visit sheet"},
        "subject": {"reference": f"Patient/{patient_id}"},
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "description": "MS treatment options visit sheet (decisionaid)",
        "content": [{"attachment": {"contentType": "application/pdf", "language": "en",
                                    "data": base64.b64encode(pdf).decode("ascii"),
                                    "title": f"ms-options-visit-sheet-{day.isoformat()}.pdf",
                                    "creation": day.isoformat()}}]})
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


def _error(status: int, message: str, problems: list[str] | None = None) -> Response:
    return JSONResponse({"error": message, **({"problems": problems} if problems else {})}, status_code=status,
                        headers=_PRIVATE)
