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
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pypdf
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fhir.resources.R4B.documentreference import DocumentReference

from .conftest import ROOT
from .helpers import LocalServer
from .web_server import Server, free_port, running_server

ISSUER = "https://ehr.test"
RSA_ISSUER = "https://rsa-ehr.test"  # publishes an RSA key without `alg`, as RFC 7517 allows
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
        self.server = LocalServer(self._respond)
        self.url = self.server.address + "/fhir"

    def _respond(self, path: str, headers: Message) -> tuple[int, str, bytes]:
        self.calls.append((path, headers.get("authorization")))
        return 200, "application/fhir+json", self.raw.get(path) or json.dumps(self.answer(path)).encode()

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

    def token(self, audience: str, *, key: Any = None, iss: str = ISSUER, lifetime: int = 120, jti: Any = None,
              issued: float | None = None, **claims: Any) -> str:
        now = issued if issued is not None else time.time()
        claims = {"iss": iss, "aud": audience, "iat": int(now), "exp": int(now + lifetime), "jti": str(uuid.uuid4()) if jti is None else jti,
                  **claims}
        return jwt.encode(claims, key or self.key, algorithm="ES384", headers={"kid": "ehr-1", "typ": "JWT"})


class RsaEhr:
    """An EHR whose JWK Set gives its RSA key no `alg`: RS384 must still verify (and RS256, not
    in the configured algorithms, must not)."""

    def __init__(self) -> None:
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048) for kid in ("rsa-1", "rsa-2")}

    def jwks(self, *kids: str) -> dict[str, Any]:
        return {"keys": [{**jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key(), as_dict=True), "kid": kid}
                         for kid in kids or ("rsa-1",)]}

    def token(self, audience: str, algorithm: str = "RS384", kid: str = "rsa-1") -> str:
        now = int(time.time())
        claims = {"iss": RSA_ISSUER, "aud": audience, "iat": now, "exp": now + 120, "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self.keys[kid], algorithm=algorithm, headers={"kid": kid})


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
    server.server.close()


@pytest.fixture(scope="module")
def rsa_ehr() -> RsaEhr:
    return RsaEhr()


@pytest.fixture(scope="module")
def cds_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cds-config")


@pytest.fixture(scope="module")
def cds_server(tmp_path_factory: pytest.TempPathFactory, cds_folder: Path, ehr: Ehr, rsa_ehr: RsaEhr,
               fhir_server: FakeFhirServer) -> Iterator[Server]:
    folder = cds_folder
    (folder / "ehr-jwks.json").write_text(json.dumps(ehr.jwks()), encoding="utf-8")
    (folder / "rsa-jwks.json").write_text(json.dumps(rsa_ehr.jwks()), encoding="utf-8")
    port = free_port()
    (folder / "cds.yaml").write_text(
        f"service_url: http://127.0.0.1:{port}\n"
        f"issuers:\n  - iss: {ISSUER}\n    jwks: ehr-jwks.json\n  - iss: {RSA_ISSUER}\n    jwks: rsa-jwks.json\n"
        f"fhir_servers:\n  - {fhir_server.url}\n", encoding="utf-8")
    with running_server(tmp_path_factory, "--render-workers", "1", "--cds-hooks", str(folder / "cds.yaml"),
                        port=port) as server:
        yield server


def logged(server: Server, line: str, wait: float = 10.0) -> bool:
    """Whether the server's access log has `line` (written just after the answer is sent: waited for)."""
    deadline = time.monotonic() + wait
    while line not in server.stdout.read_text():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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
    response = _conditions_fetched_as(answer, cds_server, ehr, fhir_server)
    assert response.status_code == 412, response.text
    assert reason in response.json()["error"] and "conditions" in response.json()["error"]


def _conditions_fetched_as(answer: bytes, cds_server: Server, ehr: Ehr, fhir_server: FakeFhirServer) -> httpx.Response:
    """A call whose conditions are not in the prefetch: the FHIR server answers their search with `answer`."""
    fhir_server.raw["/fhir/Condition?patient=p1"] = answer
    try:
        parts = {k: v for k, v in prefetch_of(RECORD).items() if k != "conditions"}
        return call(cds_server, ehr, hook(prefetch=parts, fhirServer=fhir_server.url, fhirAuthorization=AUTH))
    finally:
        del fhir_server.raw["/fhir/Condition?patient=p1"]


def test_a_fetched_record_past_the_resource_cap_is_cut_not_refused(cds_server, ehr, fhir_server):
    many = [{"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p1"}}}] * 5001
    response = _conditions_fetched_as(json.dumps(_bundle(many)).encode(), cds_server, ehr, fhir_server)
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


@pytest.mark.parametrize(("kind", "reason"), [
    ("unsigned", "no-token"), ("not a jwt", "malformed"), ("expired", "token-expired"),
    ("wrongly signed", "signature"), ("another issuer", "issuer-unknown"), ("another audience", "audience"),
    ("lives too long", "token-lifetime"), ("symmetric", "algorithm"), ("unsigned alg none", "algorithm")])
def test_untrusted_calls_get_401_without_detail_and_the_reason_is_logged(kind, reason, cds_server, ehr):
    url = f"{cds_server.url}/cds-services/{SERVICE}"
    token = _tokens(ehr, url)[kind]
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    response = httpx.post(url, content=json.dumps(hook(prefetch=prefetch_of(RECORD))), headers=headers)
    assert response.status_code == 401 and response.text == "Unauthorized"
    assert logged(cds_server, f"POST /cds-services/{SERVICE} 401 {reason}\n")
    token = _tokens(ehr, f"{cds_server.url}/cds-services")[kind]  # the same fault, for discovery
    discovery = httpx.get(f"{cds_server.url}/cds-services",
                          headers={"authorization": f"Bearer {token}"} if token else {})
    assert discovery.status_code == 401
    assert logged(cds_server, f"GET /cds-services 401 {reason}\n")


# the probes of the second attack round: correctly signed, with claims of the wrong type (a 500 before)
@pytest.mark.parametrize("claims", [
    {"exp": str(int(time.time()) + 60)}, {"exp": 10**400}, {"exp": True}, {"exp": 1.5e300}, {"iat": "now"},
    {"nbf": "0"}, {"jti": 7}, {"jti": ""}, {"tenant": {"id": "t1"}}])
def test_claims_of_the_wrong_type_get_401_claim_type(claims, cds_server, ehr):
    url = f"{cds_server.url}/cds-services"
    response = httpx.get(url, headers={"authorization": f"Bearer {ehr.token(url, **claims)}"})
    assert response.status_code == 401 and response.text == "Unauthorized"
    assert logged(cds_server, "GET /cds-services 401 claim-type\n")


def test_a_tenant_claim_and_a_not_before_time_are_accepted(cds_server, ehr):
    url = f"{cds_server.url}/cds-services"
    token = ehr.token(url, tenant="clinic-7", nbf=int(time.time()) - 5)
    assert httpx.get(url, headers={"authorization": f"Bearer {token}"}).status_code == 200
    early = ehr.token(url, nbf=int(time.time()) + 600)
    assert httpx.get(url, headers={"authorization": f"Bearer {early}"}).status_code == 401
    assert logged(cds_server, "GET /cds-services 401 token-not-yet-valid\n")


def test_an_rsa_key_without_alg_verifies_the_configured_rs384_only(cds_server, rsa_ehr):
    url = f"{cds_server.url}/cds-services"
    assert httpx.get(url, headers={"authorization": f"Bearer {rsa_ehr.token(url)}"}).status_code == 200
    assert "key 'rsa-1' of issuer 'https://rsa-ehr.test' has no alg: used for RS384" in cds_server.logs()
    rs256 = httpx.get(url, headers={"authorization": f"Bearer {rsa_ehr.token(url, 'RS256')}"})  # not configured
    assert rs256.status_code == 401
    assert logged(cds_server, "GET /cds-services 401 algorithm\n")


def test_a_jwks_file_is_read_again_when_a_new_key_id_arrives(cds_server, cds_folder, rsa_ehr):
    url = f"{cds_server.url}/cds-services"
    file = cds_folder / "rsa-jwks.json"
    file.write_text(json.dumps(rsa_ehr.jwks("rsa-1", "rsa-2")), encoding="utf-8")  # the EHR rotates its keys
    assert httpx.get(url, headers={"authorization": f"Bearer {rsa_ehr.token(url, kid='rsa-2')}"}).status_code == 200
    assert "issuers[1].jwks: read again (2 keys)" in cds_server.logs()
    file.write_text("{half a file", encoding="utf-8")
    now = int(time.time())
    unknown = jwt.encode({"iss": RSA_ISSUER, "aud": url, "iat": now, "exp": now + 60, "jti": str(uuid.uuid4())},
                         rsa_ehr.keys["rsa-1"], algorithm="RS384", headers={"kid": "rsa-9"})
    assert httpx.get(url, headers={"authorization": f"Bearer {unknown}"}).status_code == 401
    assert logged(cds_server, "GET /cds-services 401 key-unknown\n")
    assert "issuers[1].jwks changed and no longer loads; the keys read before stay in use" in cds_server.logs()
    assert httpx.get(url, headers={"authorization": f"Bearer {rsa_ehr.token(url, kid='rsa-2')}"}).status_code == 200
    file.write_text(json.dumps(rsa_ehr.jwks("rsa-1")), encoding="utf-8")


def test_a_replayed_token_is_refused(cds_server, ehr):
    url = f"{cds_server.url}/cds-services"
    token = ehr.token(url)
    assert httpx.get(url, headers={"authorization": f"Bearer {token}"}).status_code == 200
    replay = httpx.get(url, headers={"authorization": f"Bearer {token}"})
    assert replay.status_code == 401 and replay.text == "Unauthorized"
    assert logged(cds_server, "GET /cds-services 401 replayed\n")


# ----------------------------------------------------------------------------- CDS Hooks 2.0 fields, feedback
def test_fhir_authorization_with_the_2_0_patient_field_is_accepted(cds_server, ehr):
    auth = {"access_token": "tok-abc", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read",
            "subject": "decisionaid", "patient": "p1"}
    body = hook(prefetch=prefetch_of(RECORD), fhirAuthorization=auth)
    response = call(cds_server, ehr, body)
    assert response.status_code == 200, response.text
    assert logged(cds_server, f"POST /cds-services/{SERVICE} 200 hookInstance={body['hookInstance']}\n")


def _feedback(outcome: str = "accepted") -> dict[str, Any]:
    """What the CDS Hooks sandbox posts when a suggestion is taken (or a card dismissed)."""
    item: dict[str, Any] = {"card": str(uuid.uuid4()), "outcome": outcome, "outcomeTimestamp": "2026-12-04T10:00:00Z"}
    if outcome == "accepted":
        item["acceptedSuggestions"] = [{"id": str(uuid.uuid4())}]
    else:
        item["overrideReason"] = {"reason": {"code": "not-relevant", "system": "https://example.test"},
                                  "userComment": "Quxlwyn said no"}
    return {"feedback": [item]}


def test_feedback_is_answered_200_and_counted_and_nothing_is_kept(cds_server, ehr):
    url = f"{cds_server.url}/cds-services/{SERVICE}/feedback"
    for outcome in ("accepted", "overridden"):
        response = httpx.post(url, json=_feedback(outcome), headers={"authorization": f"Bearer {ehr.token(url)}"})
        assert response.status_code == 200 and response.json() == {}
    assert httpx.post(url, json=_feedback()).status_code == 401
    bad = httpx.post(url, json={"feedback": [{"card": "c", "outcome": "maybe"}]},
                     headers={"authorization": f"Bearer {ehr.token(url)}"})
    assert bad.status_code == 400 and "feedback" in bad.json()["error"]
    other = f"{cds_server.url}/cds-services/other/feedback"
    assert httpx.post(other, json=_feedback(), headers={"authorization": f"Bearer {ehr.token(other)}"}).status_code == 404
    samples = _metrics(cds_server)
    assert samples[("decisionaid_cds_feedback_total", (("outcome", "accepted"),))] >= 1
    assert samples[("decisionaid_cds_feedback_total", (("outcome", "overridden"),))] >= 1
    assert "Quxlwyn" not in cds_server.logs()


# ----------------------------------------------------------------------------- operations
def _metrics(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """GET /metrics, parsed by prometheus_client's own parser: (name, sorted labels) -> value."""
    from prometheus_client.parser import text_string_to_metric_families

    response = httpx.get(server.url + "/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def test_metrics_count_requests_renders_and_cds_outcomes_and_say_nothing_about_the_patient(cds_server, ehr):
    assert call(cds_server, ehr, hook(prefetch=prefetch_of(RECORD))).status_code == 200
    assert httpx.get(cds_server.url + "/cds-services").status_code == 401
    samples = _metrics(cds_server)
    route = ("decisionaid_http_requests_total",
             (("method", "POST"), ("route", "/cds-services/{service}"), ("status", "200")))
    assert samples[route] >= 1
    assert samples[("decisionaid_http_requests_total",
                    (("method", "GET"), ("route", "/cds-services"), ("status", "401")))] >= 1
    assert samples[("decisionaid_cds_calls_total", (("endpoint", "service"), ("status", "200")))] >= 1
    assert samples[("decisionaid_cds_refusals_total", (("reason", "no-token"),))] >= 1
    assert samples[("decisionaid_cds_cards_total", (("indicator", "info"),))] >= 1
    assert samples[("decisionaid_render_seconds_count", (("kind", "sheet"), ("outcome", "ok")))] >= 1
    from decisionaid.plumbing.metrics import NAMES

    ours = {name.removesuffix("_count").removesuffix("_sum").removesuffix("_bucket")
            for name, _ in samples if name.startswith("decisionaid_") and not name.endswith("_created")}
    docs = (ROOT / "docs" / "clinics.md").read_text(encoding="utf-8")
    assert ours <= set(NAMES) and all(f"`{name}`" in docs for name in NAMES)  # every name is in the clinic's page
    values = {value for _, labels in samples for _, value in labels}
    assert not {value for value in values if "p1" in value or "Alex" in value or "Patient" in value}, values


def test_readyz_says_what_is_ready(cds_server):
    response = httpx.get(cds_server.url + "/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": {"render_workers": "1 of 1 up", "configuration": "loaded",
                                                             "replay_cache": "ready"}}


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


@pytest.mark.parametrize("body", [
    b"{not json", b'{"feedback": ' + _deep(500) + b"}", b"[]", b'{"feedback": []}',
    json.dumps({"feedback": [_feedback()["feedback"][0]] * 101}).encode(),
    json.dumps({"feedback": [{**_feedback()["feedback"][0], "card": 5}]}).encode(),
    json.dumps({"feedback": [{**_feedback()["feedback"][0], "acceptedSuggestions": "all"}]}).encode()])
def test_hostile_feedback_gets_a_clear_400(body, cds_server, ehr):
    url = f"{cds_server.url}/cds-services/{SERVICE}/feedback"
    response = httpx.post(url, content=body, headers={"authorization": f"Bearer {ehr.token(url)}",
                                                      "content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"], response.text
