"""FHIR records posted to the web form's JSON routes (application/fhir+json), in a real `decisionaid serve`."""

from __future__ import annotations

import json

import httpx
import pytest

from decisionaid.fhir.mapping import load_fhir_map

from .conftest import ROOT, RULES
from .fhir_records import EXAMPLE_DAY
from .helpers import run_cli
from .test_fhir import CORPUS, ON, corpus
from .web_server import Server, web_server_fixture  # noqa: F401 - the fixture

FHIR_JSON = {"content-type": "application/fhir+json"}


def test_assess_takes_a_bundle_and_answers_as_the_cli_does(web_server: Server):
    record = (ROOT / "examples" / "fhir" / "spms-active.json").read_text(encoding="utf-8")
    response = httpx.post(f"{web_server.url}/assess?sheet_date={EXAMPLE_DAY}", content=record, headers=FHIR_JSON,
                          timeout=120)
    assert response.status_code == 200, response.text
    done = run_cli("assess", str(ROOT / "examples" / "fhir" / "spms-active.json"), "--format", "json",
                   "--date", EXAMPLE_DAY.isoformat())
    assert response.json() == json.loads(done.stdout)


@pytest.mark.parametrize("name", CORPUS)
def test_bad_records_through_the_server(name, web_server: Server, pack):
    content, code, fragments = corpus(load_fhir_map(RULES, pack.catalogue), pack)[name]
    body = content if isinstance(content, str) else json.dumps(content)
    route = "/sheet" if name == "conflicting-ms-types" else "/assess"  # a refused record never reaches a render
    response = httpx.post(f"{web_server.url}{route}?sheet_date={ON}", content=body, headers=FHIR_JSON, timeout=120)
    if code == 0:
        assert response.status_code == 200, response.text
        return
    if name == "not-fhir":  # plain JSON without resourceType is a profile, and this one is valid
        assert response.status_code == 200
        return
    assert response.status_code == 422, response.text
    messages = " ".join(e["message"] for e in response.json()["errors"])
    for fragment in fragments:
        assert fragment in messages, (fragment, messages)
