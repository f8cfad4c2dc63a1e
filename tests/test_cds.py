"""The CDS Hooks service over HTTP, in a real `decisionaid serve --cds-hooks CONFIG`, with an EHR
played by the test: its keys made here with cryptography, its FHIR server a small local one."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pypdf
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fhir.resources.R4B.documentreference import DocumentReference

from .conftest import ROOT
from .web_server import Server, free_port, running_server

ISSUER = "https://ehr.test"
SERVICE = "decisionaid-ms-options"
RECORD = json.loads((ROOT / "examples" / "fhir" / "rrms-breakthrough-high-efficacy.json").read_text(encoding="utf-8"))
SEARCH_KEYS = {"Condition": "conditions", "Observation": "observations", "MedicationStatement": "medicationStatements",
               "MedicationRequest": "medicationRequests"}


class FakeFhirServer:
    """An EHR's FHIR server on 127.0.0.1: answers the service's reads from a record, and notes each call."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.calls: list[tuple[str, str | None]] = []
        self.raw: dict[str, bytes] = {}  # path -> the exact answer (pages, hostile answers)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.calls.append((self.path, self.headers.get("authorization")))
                body = fake.raw.get(self.path) or json.dumps(fake.answer(self.path)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/fhir+json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/fhir"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path: str) -> dict[str, Any]:
        kind = path.split("/fhir/", 1)[-1].split("?")[0].split("/")[0]
        if kind == "Patient":
            return self.record["patient"]
        return self.record.get(SEARCH_KEYS.get(kind, ""), {"resourceType": "Bundle", "type": "searchset"})


def prefetch_of(bundle: dict[str, Any]) -> dict[str, Any]:
    """A record Bundle split as the EHR sends it: the Patient, and one searchset per search."""
    parts: dict[str, Any] = {key: {"resourceType": "Bundle", "type": "searchset", "entry": []}
                             for key in SEARCH_KEYS.values()}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Patient":
            parts["patient"] = resource
        else:
            parts[SEARCH_KEYS[resource["resourceType"]]]["entry"].append({"resource": resource})
    return parts


class Ehr:
    """Signs requests as the configured issuer would."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP384R1())
        self.other = ec.generate_private_key(ec.SECP384R1())

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": "ehr-1", "alg": "ES384", "use": "sig"}]}

    def token(self, audience: str, *, key: Any = None, iss: str = ISSUER, lifetime: int = 120, jti: str | None = None,
              issued: float | None = None) -> str:
        now = issued if issued is not None else time.time()
        claims = {"iss": iss, "aud": audience, "iat": int(now), "exp": int(now + lifetime), "jti": jti or str(uuid.uuid4())}
        return jwt.encode(claims, key or self.key, algorithm="ES384", headers={"kid": "ehr-1", "typ": "JWT"})


@pytest.fixture(scope="module")
def ehr() -> Ehr:
    return Ehr()


@pytest.fixture(scope="module")
def fhir_server() -> Iterator[FakeFhirServer]:
    conflicting = json.loads(json.dumps(RECORD))
    ms = next(e["resource"] for e in conflicting["entry"] if e["resource"].get("id") == "ms")
    spms = {**json.loads(json.dumps(ms)), "id": "ms2"}
    spms["code"]["coding"][0].update(code="425500002", display="Secondary progressive multiple sclerosis")
    conflicting["entry"].append({"resource": spms})
    server = FakeFhirServer(prefetch_of(conflicting))
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(scope="module")
def cds_server(tmp_path_factory: pytest.TempPathFactory, ehr: Ehr, fhir_server: FakeFhirServer) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("cds-config")
    (folder / "ehr-jwks.json").write_text(json.dumps(ehr.jwks()), encoding="utf-8")
    port = free_port()
    (folder / "cds.yaml").write_text(
        f"service_url: http://127.0.0.1:{port}\n"
        f"issuers:\n  - iss: {ISSUER}\n    jwks: ehr-jwks.json\n"
        f"fhir_servers:\n  - {fhir_server.url}\n", encoding="utf-8")
    with running_server(tmp_path_factory, "--render-workers", "1", "--cds-hooks", str(folder / "cds.yaml"),
                        port=port) as server:
        yield server


def call(server: Server, ehr: Ehr, body: Any, *, token: str | None = None, raw: bytes | None = None) -> httpx.Response:
    url = f"{server.url}/cds-services/{SERVICE}"
    headers = {"authorization": f"Bearer {token or ehr.token(url)}", "content-type": "application/json"}
    return httpx.post(url, content=raw if raw is not None else json.dumps(body), headers=headers, timeout=120)


def hook(**extra: Any) -> dict[str, Any]:
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/dr1", "patientId": "p1"}, **extra}


# ----------------------------------------------------------------------------- discovery and cards
def test_discovery_lists_one_patient_view_service_with_prefetch(cds_server, ehr):
    url = f"{cds_server.url}/cds-services"
    response = httpx.get(url, headers={"authorization": f"Bearer {ehr.token(url)}"})
    assert response.status_code == 200, response.text
    (service,) = response.json()["services"]
    assert service["hook"] == "patient-view" and service["id"] == SERVICE
    assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
    assert set(service["prefetch"]) == {"patient", *SEARCH_KEYS.values()}
    assert "http://snomed.info/sct|273554001" in service["prefetch"]["observations"]  # the EDSS code of the map


def test_a_signed_request_with_prefetch_gets_the_cards_and_the_sheet_as_a_document(cds_server, ehr):
    response = call(cds_server, ehr, hook(prefetch=prefetch_of(RECORD)))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert 1 <= len(cards) <= 2
    summary = cards[0]
    assert summary["indicator"] == "info" and len(summary["summary"]) < 140
    assert summary["source"]["label"].startswith("decisionaid rule pack decisionaid-ms-cell-therapies ")
    (suggestion,) = summary["suggestions"]
    (action,) = suggestion["actions"]
    assert action["type"] == "create" and summary["selectionBehavior"] == "at-most-one"
    document = DocumentReference.model_validate(action["resource"])
    assert document.subject.reference == "Patient/p1"
    attachment = document.content[0].attachment
    assert attachment.contentType == "application/pdf"
    assert base64.b64decode(action["resource"]["content"][0]["attachment"]["data"]) == attachment.data  # decoded
    pdf = pypdf.PdfReader(io.BytesIO(attachment.data))
    assert len(pdf.pages) >= 1 and "MS" in pdf.pages[0].extract_text()
    if len(cards) == 2:
        assert "Ask the patient" in cards[1]["detail"] or "Record in the chart" in cards[1]["detail"]
        assert "visit sheet" in cards[1]["summary"]
    assert "Alex Example" not in json.dumps(cards[1:]) and "Alex Example" not in summary["detail"]


def test_the_summary_counts_what_the_detail_lists_in_clinical_words(cds_server, ehr):
    (summary, *_) = call(cds_server, ehr, hook(prefetch=prefetch_of(RECORD))).json()["cards"]
    lists = {line.split(":**")[0].strip("*"): line.split(":** ")[1].split(", ")
             for line in summary["detail"].split("\n\n") if line.startswith("**")}
    said = summary["summary"].removeprefix("MS treatment options. ").split("; ")
    fitting = [label for label in ("Fits the published criteria", "Fits with cautions") if label in lists]
    assert said == ([f"{label}: {len(lists[label])}" for label in fitting] or ["None fits the published criteria"])
    titles = [title for label, names in lists.items() if label != "Not found in the record" for title in names]
    assert len(titles) == 7 and "aHSCT" in titles
    assert not any(word in summary["detail"].lower().split() for word in ("you", "your", "you're"))


def test_the_document_has_what_us_core_requires(cds_server, ehr):
    """US Core DocumentReference (6.1/7.0): status, type (LOINC), category clinical-note, subject,
    content.attachment with contentType and data; must-support date and author; FHIR R4 size and
    hash (base64 of the SHA-1 of the raw bytes)."""
    context = {"userId": "Practitioner/dr1", "patientId": "p1", "encounterId": "e7"}
    body = {**hook(prefetch=prefetch_of(RECORD)), "context": context}
    (summary, *_) = call(cds_server, ehr, body).json()["cards"]
    resource = summary["suggestions"][0]["actions"][0]["resource"]
    assert resource["status"] == "current"
    assert {"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"} in resource["type"]["coding"]
    (category,) = resource["category"]
    assert category["coding"][0]["system"] == \
        "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
    assert category["coding"][0]["code"] == "clinical-note"
    assert resource["subject"] == {"reference": "Patient/p1"}
    assert resource["author"] == [{"reference": "Practitioner/dr1"}]
    assert resource["context"]["encounter"] == [{"reference": "Encounter/e7"}]
    assert resource["date"].endswith(("Z", "+00:00")) and "T" in resource["date"]
    (content,) = resource["content"]
    attachment = content["attachment"]
    data = base64.b64decode(attachment["data"])
    assert attachment["contentType"] == "application/pdf" and data.startswith(b"%PDF")
    assert attachment["size"] == len(data)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(data).digest()).decode()
    DocumentReference.model_validate(resource)


def test_a_record_with_problems_gets_one_warning_card_naming_the_prefetch_path(cds_server, ehr):
    record = prefetch_of(RECORD)
    record["conditions"]["entry"].append({"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p1"},
                                                       "code": {"coding": [{"code": 12}]}}})
    response = call(cds_server, ehr, hook(prefetch=record))
    assert response.status_code == 200, response.text
    (card,) = response.json()["cards"]
    assert card["indicator"] == "warning" and "suggestions" not in card
    index = len(record["conditions"]["entry"]) - 1
    assert f"prefetch.conditions.entry[{index}].resource.code.coding[0].code" in card["detail"]


# ----------------------------------------------------------------------------- the FHIR server
def test_an_allow_listed_fhir_server_is_read_with_the_requests_token(cds_server, ehr, fhir_server):
    before = len(fhir_server.calls)
    auth = {"access_token": "tok-abc", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read",
            "subject": "decisionaid"}
    response = call(cds_server, ehr, hook(fhirServer=fhir_server.url, fhirAuthorization=auth))
    assert response.status_code == 200, response.text
    calls = fhir_server.calls[before:]
    assert len(calls) == 5 and all(a == "Bearer tok-abc" for _, a in calls)
    assert {p.split("?")[0] for p, _ in calls} == {"/fhir/Patient/p1", "/fhir/Condition", "/fhir/Observation",
                                                    "/fhir/MedicationStatement", "/fhir/MedicationRequest"}
    (card,) = response.json()["cards"]  # that record has two MS types on one day: reported, not guessed
    assert card["indicator"] == "warning" and "conflicting MS types" in card["detail"]


@pytest.mark.parametrize("server", ["other-port", "other-path"])
def test_a_fhir_server_not_in_the_allow_list_is_never_called(server, cds_server, ehr, fhir_server):
    before = len(fhir_server.calls)
    url = f"http://127.0.0.1:{free_port()}/fhir" if server == "other-port" else fhir_server.url + "/other"
    auth = {"access_token": "tok-abc", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read",
            "subject": "decisionaid"}
    response = call(cds_server, ehr, hook(fhirServer=url, fhirAuthorization=auth))
    assert response.status_code == 412 and "allow-list" in response.json()["error"]
    assert fhir_server.calls[before:] == []


def test_without_prefetch_or_fhir_server_the_service_says_412(cds_server, ehr):
    response = call(cds_server, ehr, hook())
    assert response.status_code == 412


# ----------------------------------------------------------------------------- paged, failed and hostile searches
AUTH = {"access_token": "tok-abc", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read",
        "subject": "decisionaid"}
OUTCOME = {"resourceType": "OperationOutcome",
           "issue": [{"severity": "error", "code": "timeout", "diagnostics": "search timed out"}]}


def _bundle(entries: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries,
            **({"link": [{"relation": "next", "url": next_url}]} if next_url else {})}


def test_an_operation_outcome_as_a_prefetch_value_is_fetched_or_412(cds_server, ehr, fhir_server):
    parts = {**prefetch_of(RECORD), "conditions": OUTCOME}
    assert call(cds_server, ehr, hook(prefetch=parts)).status_code == 412  # nothing to fetch it from
    before = len(fhir_server.calls)
    response = call(cds_server, ehr, hook(prefetch=parts, fhirServer=fhir_server.url, fhirAuthorization=AUTH))
    assert response.status_code == 200, response.text
    assert [p.split("?")[0] for p, _ in fhir_server.calls[before:]] == ["/fhir/Condition"]
    (card,) = response.json()["cards"]  # the server's conditions hold two MS types on one day
    assert "conflicting MS types" in card["detail"]


def test_outcome_entries_in_a_searchset_are_skipped_and_reported(cds_server, ehr):
    parts = prefetch_of(RECORD)
    parts["observations"]["entry"].append({"resource": OUTCOME, "search": {"mode": "outcome"}})
    parts["conditions"]["entry"].append({"resource": OUTCOME})  # no search.mode: still not patient data
    cards = call(cds_server, ehr, hook(prefetch=parts)).json()["cards"]
    warning, summary = cards[0], cards[1]
    assert warning["indicator"] == "warning" and "may miss facts" in warning["summary"]
    assert "observations: error: search timed out" in warning["detail"]
    assert "conditions: error: search timed out" in warning["detail"]
    assert summary["suggestions"]  # the sheet is still made


def test_a_paged_prefetch_is_followed_on_the_allow_listed_server(cds_server, ehr, fhir_server):
    """The MS diagnosis on page 2 of the conditions: read, not lost."""
    parts = prefetch_of(RECORD)
    conditions = parts["conditions"]["entry"]
    ms = next(i for i, e in enumerate(conditions) if e["resource"]["id"] == "ms")
    page2 = f"{fhir_server.url}/Condition?patient=p1&page=2"
    fhir_server.raw["/fhir/Condition?patient=p1&page=2"] = json.dumps(_bundle([conditions[ms]])).encode()
    parts["conditions"] = _bundle(conditions[:ms] + conditions[ms + 1:], next_url=page2)
    cut = call(cds_server, ehr, hook(prefetch=parts)).json()["cards"]  # no server given: the record is cut
    assert cut[0]["indicator"] == "warning" and "record was cut" in cut[0]["summary"]
    assert "conditions: the prefetch has more pages" in cut[0]["detail"]
    assert "type of MS" in cut[1]["detail"].split("Not found in the record:")[1]
    whole = call(cds_server, ehr, hook(prefetch=parts, fhirServer=fhir_server.url, fhirAuthorization=AUTH))
    summary = whole.json()["cards"][0]
    assert summary["indicator"] == "info" and "type of MS" not in summary["detail"], summary
    assert fhir_server.calls[-1] == ("/fhir/Condition?patient=p1&page=2", "Bearer tok-abc")


def test_pages_stop_at_the_cap_or_at_another_server_and_the_card_says_so(cds_server, ehr, fhir_server):
    loop = f"{fhir_server.url}/Condition?patient=p1&loop=1"
    fhir_server.raw["/fhir/Condition?patient=p1&loop=1"] = json.dumps(_bundle([], next_url=loop)).encode()
    parts = prefetch_of(RECORD)
    parts["conditions"] = _bundle(parts["conditions"]["entry"], next_url=loop)
    before = len(fhir_server.calls)
    cards = call(cds_server, ehr, hook(prefetch=parts, fhirServer=fhir_server.url, fhirAuthorization=AUTH)).json()["cards"]
    assert len(fhir_server.calls) - before == 9  # 10 pages with the prefetch's own
    assert "record was cut" in cards[0]["summary"] and "10 pages read" in cards[0]["detail"]
    parts["conditions"] = _bundle(parts["conditions"]["entry"], next_url="http://127.0.0.2:9/fhir/Condition?p=2")
    before = len(fhir_server.calls)
    cards = call(cds_server, ehr, hook(prefetch=parts, fhirServer=fhir_server.url, fhirAuthorization=AUTH)).json()["cards"]
    assert fhir_server.calls[before:] == [] and "on another server" in cards[0]["detail"]


@pytest.mark.parametrize(("answer", "reason"), [
    (b"[" * 200_000 + b"]" * 200_000, "not usable JSON"),
    (b'[{"resourceType": "Bundle"}]', "is not a Bundle"),
    (b"<html>hello</html>", "not usable JSON"),
    (b'{"resourceType": "Bundle", "type": "searchset", "entry": ' + b"1" * 1_000_001 + b"}", "larger than 1 MB"),
])
def test_a_hostile_fhir_server_answer_gets_412_with_a_reason(answer, reason, cds_server, ehr, fhir_server):
    fhir_server.raw["/fhir/Condition?patient=p1"] = answer
    try:
        parts = {k: v for k, v in prefetch_of(RECORD).items() if k != "conditions"}
        response = call(cds_server, ehr, hook(prefetch=parts, fhirServer=fhir_server.url, fhirAuthorization=AUTH))
    finally:
        del fhir_server.raw["/fhir/Condition?patient=p1"]
    assert response.status_code == 412, response.text
    assert reason in response.json()["error"] and "conditions" in response.json()["error"]


def test_a_fetched_record_past_the_resource_cap_is_cut_not_refused(cds_server, ehr, fhir_server):
    many = [{"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p1"}}}] * 5001
    fhir_server.raw["/fhir/Condition?patient=p1"] = json.dumps(_bundle(many)).encode()
    try:
        parts = {k: v for k, v in prefetch_of(RECORD).items() if k != "conditions"}
        response = call(cds_server, ehr, hook(prefetch=parts, fhirServer=fhir_server.url, fhirAuthorization=AUTH))
    finally:
        del fhir_server.raw["/fhir/Condition?patient=p1"]
    assert response.status_code == 200, response.text
    warning = response.json()["cards"][0]
    assert "record was cut" in warning["summary"] and "reached 5000 resources" in warning["detail"]


def test_one_deadline_covers_everything_a_call_fetches(monkeypatch):
    """A server that sends a byte now and then never trips a read timeout; the call's deadline stops it."""
    import anyio

    from decisionaid.fhir import fetch

    stop = threading.Event()

    class Dribble(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/fhir+json")
            self.end_headers()
            for _ in range(200):  # 60 s at most, so a broken deadline fails rather than hangs
                if stop.is_set():
                    return
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.3)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Dribble)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setattr(fetch, "FETCH_SECONDS", 1.0)
    server = fetch.Server(f"http://127.0.0.1:{httpd.server_address[1]}/fhir", "tok")
    try:
        with pytest.raises(fetch.FetchFailed) as failed:
            anyio.run(fetch.complete, {}, {"patient": "Patient/{{context.patientId}}"}, "p1", server)
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()
    assert "did not answer everything within 1 seconds" in failed.value.reason


def test_every_id_is_one_encoded_path_segment():
    from decisionaid.fhir.fetch import request_for

    assert request_for("Patient/{{context.patientId}}", "a/../b") == ("Patient/a%2F..%2Fb", [])
    assert request_for("Condition?patient={{context.patientId}}&x=1", "p&1") == ("Condition", [("patient", "p&1"),
                                                                                              ("x", "1")])


# ----------------------------------------------------------------------------- trust
def _tokens(ehr: Ehr, url: str) -> dict[str, str | None]:
    return {
        "unsigned": None,
        "not a jwt": "abc.def.ghi",
        "expired": ehr.token(url, issued=time.time() - 3600),
        "wrongly signed": ehr.token(url, key=ehr.other),
        "another issuer": ehr.token(url, iss="https://evil.test"),
        "another audience": ehr.token(url + "-other"),
        "lives too long": ehr.token(url, lifetime=3600),
        "symmetric": jwt.encode({"iss": ISSUER, "aud": url, "iat": int(time.time()), "exp": int(time.time()) + 60,
                                 "jti": "x"}, "secret-secret-secret-secret-secret!", algorithm="HS256",
                                headers={"kid": "ehr-1"}),
        "unsigned alg none": jwt.encode({"iss": ISSUER, "aud": url, "iat": int(time.time()),
                                         "exp": int(time.time()) + 60, "jti": "y"}, None, algorithm="none",
                                        headers={"kid": "ehr-1"}),
    }


@pytest.mark.parametrize("kind", ["unsigned", "not a jwt", "expired", "wrongly signed", "another issuer",
                                  "another audience", "lives too long", "symmetric", "unsigned alg none"])
def test_untrusted_calls_get_401_without_detail(kind, cds_server, ehr):
    url = f"{cds_server.url}/cds-services/{SERVICE}"
    token = _tokens(ehr, url)[kind]
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    response = httpx.post(url, content=json.dumps(hook(prefetch=prefetch_of(RECORD))), headers=headers)
    assert response.status_code == 401 and response.text == "Unauthorized"
    discovery = httpx.get(f"{cds_server.url}/cds-services",
                          headers={"authorization": f"Bearer {token}"} if token else {})
    assert discovery.status_code == 401


def test_a_replayed_token_is_refused(cds_server, ehr):
    url = f"{cds_server.url}/cds-services"
    token = ehr.token(url)
    assert httpx.get(url, headers={"authorization": f"Bearer {token}"}).status_code == 200
    replay = httpx.get(url, headers={"authorization": f"Bearer {token}"})
    assert replay.status_code == 401 and replay.text == "Unauthorized"


# ----------------------------------------------------------------------------- hostile requests
def _deep(levels: int) -> bytes:
    return ("[" * levels + "]" * levels).encode()


@pytest.mark.parametrize(("body", "fragment"), [
    (b"{not json", "not usable JSON"),
    (json.dumps(hook(extra=1) | {"extension": None}).encode(), "patient-view hook request"),
    (b'{"hook": "patient-view", "prefetch": ' + _deep(500) + b"}", "not usable JSON"),
    (json.dumps({**hook(), "hook": 5}).encode(), "patient-view hook request"),
    (json.dumps({**hook(), "context": {"userId": "Practitioner/dr1", "patientId": "<script>alert(1)</script>"}}).encode(),
     "patient-view hook request"),
    (json.dumps({**hook(), "context": {"userId": "Practitioner/dr1", "patientId": ".."}}).encode(),
     "patient-view hook request"),
    (json.dumps({**hook(), "context": {"userId": "Practitioner/...", "patientId": "p1"}}).encode(),
     "patient-view hook request"),
    (json.dumps(hook(prefetch={"<img src=x onerror=alert(1)>": None})).encode(), "did not ask for"),
    (json.dumps(hook(prefetch={"patient": {"resourceType": "Patient", "id": "p2"}, "conditions": None,
                               "observations": None, "medicationStatements": None, "medicationRequests": None})).encode(),
     "prefetch.patient must be"),
    (json.dumps(hook(prefetch={"patient": prefetch_of(RECORD)["patient"], "conditions": {"resourceType": "Patient"},
                               "observations": None, "medicationStatements": None, "medicationRequests": None})).encode(),
     "must be a Bundle"),
    (json.dumps(hook(prefetch={**prefetch_of(RECORD), "conditions": {
        "resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {"resourceType": "Condition"}}] * 5001}})).encode(),
     "more than 5000 resources"),
])
def test_hostile_requests_get_a_clear_400(body, fragment, cds_server, ehr):
    response = call(cds_server, ehr, None, raw=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]
    assert "<script>" not in response.text and "onerror" not in response.text


def test_a_huge_request_is_refused_before_it_is_read(cds_server, ehr):
    response = call(cds_server, ehr, None, raw=b'{"hook": "' + b"x" * 1_100_000 + b'"}')
    assert response.status_code == 413


def test_the_service_keeps_nothing(cds_server):
    for folder in cds_server.folders[::2]:  # its working folder and home (TMPDIR holds the workers' sockets)
        assert [p for p in folder.rglob("*") if p.is_file()] == []
    assert "p1" not in cds_server.logs() and "tok-abc" not in cds_server.logs()
