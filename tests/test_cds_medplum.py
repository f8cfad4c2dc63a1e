"""The CDS Hooks service against a real FHIR server nobody here wrote: Medplum's FHIR router over its
in-memory repository (tests/fhir_server.mjs, installed by scripts/test.sh), paging on, serving a
record coded in FY2026 ICD-10-CM and with SNOMED CT child concepts. Skipped when Node or the router
is missing, except on CI (CI=true), where that is a failure."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ROOT
from .test_cds import ISSUER, OUTCOME, RECORD, Ehr, call, hook, prefetch_of
from .web_server import Server, free_port, running_server

WRAPPER = ROOT / "tests" / "fhir_server.mjs"
ROUTER = ROOT / "tests" / "node_modules" / "@medplum" / "fhir-router" / "package.json"
TOKEN = "medplum-test-token"
PAGE_SIZE = "2"


def _record() -> dict[str, Any]:
    """The example record with its MS coded as FY2026 ICD-10-CM G35.A and hypothyroidism as a SNOMED
    child of 'Disorder of thyroid gland'; the MS diagnosis comes after the relapses, on the last page."""
    record = copy.deepcopy(RECORD)
    entries = record["entry"]
    ms = next(e for e in entries if e["resource"].get("id") == "ms")
    ms["resource"]["code"] = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G35.A",
                                          "display": "Relapsing-remitting multiple sclerosis"}]}
    thyroid = copy.deepcopy(ms)
    thyroid["resource"].update(id="thyroid", code={"coding": [{"system": "http://snomed.info/sct", "code": "40930008",
                                                               "display": "Hypothyroidism"}]})
    entries.remove(ms)
    entries.extend([thyroid, ms])
    return record


@pytest.fixture(scope="module")
def medplum(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("node") is None or not ROUTER.is_file():
        reason = "Node or Medplum's FHIR router is missing: run scripts/test.sh (or scripts/fhir-server.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    record = tmp_path_factory.mktemp("medplum") / "record.json"
    record.write_text(json.dumps(_record()), encoding="utf-8")
    errors = record.with_name("stderr.log")
    with errors.open("wb") as err, subprocess.Popen(["node", str(WRAPPER), str(record), TOKEN, PAGE_SIZE],
                                                    stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                                    text=True) as process:
        try:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                pytest.fail(f"the Medplum FHIR server did not start: {errors.read_text(encoding='utf-8')[-2000:]}")
            yield f"http://127.0.0.1:{json.loads(line)['port']}/fhir"
        finally:
            process.terminate()
            process.wait(10)


@pytest.fixture(scope="module")
def ehr() -> Ehr:
    return Ehr()


@pytest.fixture(scope="module")
def cds_server(tmp_path_factory: pytest.TempPathFactory, ehr: Ehr, medplum: str) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("cds-medplum")
    (folder / "ehr-jwks.json").write_text(json.dumps(ehr.jwks()), encoding="utf-8")
    port = free_port()
    (folder / "cds.yaml").write_text(f"service_url: http://127.0.0.1:{port}\nissuers:\n  - iss: {ISSUER}\n"
                                     f"    jwks: ehr-jwks.json\nfhir_servers:\n  - {medplum}\n", encoding="utf-8")
    with running_server(tmp_path_factory, "--render-workers", "1", "--cds-hooks", str(folder / "cds.yaml"),
                        port=port) as server:
        yield server


def _auth() -> dict[str, Any]:
    return {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read",
            "subject": "decisionaid"}


def test_the_service_reads_every_page_of_a_real_fhir_server(cds_server, ehr, medplum):
    """The MS diagnosis (G35.A) is on the last page of the conditions: read, with its type, and the
    SNOMED child concept of a mapped one counts as the condition it is."""
    fetched = call(cds_server, ehr, hook(fhirServer=medplum, fhirAuthorization=_auth()))
    assert fetched.status_code == 200, fetched.text
    (summary, *_) = fetched.json()["cards"]
    assert summary["indicator"] == "info", summary
    not_found = summary["detail"].split("Not found in the record:")[-1]
    assert "type of MS" not in not_found and "other health conditions" not in not_found
    prefetched = call(cds_server, ehr, hook(prefetch=prefetch_of(_record()))).json()["cards"]
    assert prefetched[0]["detail"] == summary["detail"]  # the same record, given whole, says the same


def test_the_suggested_document_is_taken_by_the_real_server(cds_server, ehr, medplum):
    """Filed as an EHR would: POSTed to the FHIR server, which validates it (Medplum's validateResource,
    base R4) and creates it; a broken copy is refused, so the check is real."""
    (summary, *_) = call(cds_server, ehr, hook(prefetch=prefetch_of(_record()))).json()["cards"]
    document = summary["suggestions"][0]["actions"][0]["resource"]
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/fhir+json"}
    created = httpx.post(f"{medplum}/DocumentReference", json=document, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["type"]["coding"][0]["code"] == "11506-3" and created.json()["id"]
    broken = {k: v for k, v in document.items() if k != "content"}  # content is required (1..*)
    assert httpx.post(f"{medplum}/DocumentReference", json=broken, headers=headers).status_code == 400


def test_an_operation_outcome_prefetch_is_fetched_from_the_real_server(cds_server, ehr, medplum):
    parts = {**prefetch_of(_record()), "conditions": OUTCOME}
    first_page = {**parts["observations"], "entry": parts["observations"]["entry"][:1],
                  "link": [{"relation": "next",
                            "url": f"{medplum}/Observation?patient=p1&_count=1&_offset=1"}]}
    parts["observations"] = first_page  # a paged prefetch, its next page on the same server
    response = call(cds_server, ehr, hook(prefetch=parts, fhirServer=medplum, fhirAuthorization=_auth()))
    assert response.status_code == 200, response.text
    whole = call(cds_server, ehr, hook(prefetch=prefetch_of(_record()))).json()["cards"]
    assert response.json()["cards"][0]["detail"] == whole[0]["detail"]


def test_a_wrong_token_gets_the_servers_refusal_as_412(cds_server, ehr, medplum):
    response = call(cds_server, ehr, hook(fhirServer=medplum, fhirAuthorization={**_auth(), "access_token": "x"}))
    assert response.status_code == 412 and "answered 401" in response.json()["error"]
