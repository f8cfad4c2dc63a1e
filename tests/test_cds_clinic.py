"""The CDS Hooks service as a clinic runs it for a real EHR: behind a reverse proxy (`--root-path`),
configured from the environment (`DECISIONAID_SERVE_*`), logging JSON lines, trusting an Epic-style
issuer whose keys are published at a URL, and called from the CDS Hooks sandbox in a browser (CORS).

The EHR's tokens are signed with joserfc, a second JOSE library, as Epic signs them: RS384, a
15-minute lifetime, `nbf`, a `tenant`, and a public key published without `alg`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey

from decisionaid.cli import main

from .helpers import LocalServer
from .test_cds import RECORD, SERVICE, hook, logged, prefetch_of
from .web_server import Server, running_server

EPIC = "https://epic.test/interconnect-fhir-oauth"
PUBLIC = "https://cds.clinic.test/decisionaid"  # the proxy's URL; it strips /decisionaid before passing a request on
SANDBOX = "https://sandbox.cds-hooks.org"
#: what Chromium sends before the sandbox's discovery request (axios: `Accept: application/json` and
#: `Authorization: Bearer ...`; Accept is CORS-safelisted, so only authorization is announced)
SANDBOX_PREFLIGHT = {
    "Accept": "*/*",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "authorization",
    "Origin": SANDBOX,
    "Referer": SANDBOX + "/",
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Dest": "empty",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
}


class KeyServer:
    """The EHR's JWK Set URL on 127.0.0.1, which the test rotates; notes every request it gets."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.broken = False
        self.server = LocalServer(self._respond)
        self.url = self.server.address

    def _respond(self, path: str, headers: Message) -> tuple[int, str, bytes]:
        self.requests.append(path)
        return 500 if self.broken else 200, "application/json", json.dumps({"keys": self.keys}).encode()

    def close(self) -> None:
        self.server.close()


class EpicEhr:
    def __init__(self) -> None:
        self.keys = {kid: RSAKey.generate_key(2048, parameters={"kid": kid}) for kid in ("epic-1", "epic-2")}

    def public(self, kid: str) -> dict[str, Any]:
        jwk = self.keys[kid].as_dict(private=False)
        assert "alg" not in jwk  # as joserfc publishes it: the service must not need one
        return dict(jwk)

    def token(self, audience: str, kid: str = "epic-1", *, lifetime: int = 900, jku: str | None = None) -> str:
        now = int(time.time())
        header = {"alg": "RS384", "typ": "JWT", "kid": kid, **({"jku": jku} if jku else {})}
        claims = {"iss": EPIC, "sub": "decisionaid-client", "aud": audience, "jti": str(uuid.uuid4()), "iat": now,
                  "nbf": now, "exp": now + lifetime, "tenant": "clinic-7"}
        return jose_jwt.encode(header, claims, self.keys[kid], algorithms=["RS384"])


@pytest.fixture(scope="module")
def epic() -> EpicEhr:
    return EpicEhr()


@pytest.fixture(scope="module")
def key_server(epic: EpicEhr) -> Iterator[KeyServer]:
    server = KeyServer()
    server.keys = [epic.public("epic-1")]
    yield server
    server.close()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory, key_server: KeyServer) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("clinic-config")
    config = folder / "cds.yaml"
    config.write_text(f"service_url: {PUBLIC}\n"
                      f"issuers:\n  - iss: {EPIC}\n    jwks_url: {key_server.url}/jwks\n"
                      "    jwks_refresh_seconds: 0\n    max_token_lifetime_seconds: 900\n"
                      f"cors_origins: [{SANDBOX}]\n", encoding="utf-8")
    env = {"DECISIONAID_SERVE_CDS_HOOKS": str(config), "DECISIONAID_SERVE_LOG_FORMAT": "json",
           "DECISIONAID_SERVE_ROOT_PATH": "/decisionaid", "DECISIONAID_SERVE_RENDER_WORKERS": "1",
           "DECISIONAID_SERVE_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with running_server(tmp_path_factory, env=env) as server:
        yield server


def discover(server: Server, token: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{server.url}/cds-services", headers={"authorization": f"Bearer {token}",
                                                           "accept": "application/json", **headers})


def access_lines(server: Server) -> list[dict[str, Any]]:
    return [json.loads(line) for line in server.stdout.read_text().splitlines() if line.strip()]


# ----------------------------------------------------------------------------- tokens as Epic sends them
def test_an_epic_style_token_is_accepted_and_only_the_configured_url_is_fetched(clinic, epic, key_server):
    trap = KeyServer()  # the token's `jku` points here: it must never be asked
    try:
        token = epic.token(f"{PUBLIC}/cds-services", jku=f"{trap.url}/jwks")
        response = discover(clinic, token)
        assert response.status_code == 200, response.text
        assert response.json()["services"][0]["id"] == SERVICE
    finally:
        trap.close()
    assert trap.requests == [] and set(key_server.requests) == {"/jwks"}
    too_long = epic.token(f"{PUBLIC}/cds-services", lifetime=1200)  # over the issuer's 900 s
    assert discover(clinic, too_long).status_code == 401
    assert logged(clinic, '"reason": "token-lifetime"')


def test_keys_published_at_the_url_are_read_again_when_they_rotate(clinic, epic, key_server):
    audience = f"{PUBLIC}/cds-services"
    assert discover(clinic, epic.token(audience, "epic-2")).status_code == 401  # not published yet
    assert logged(clinic, '"reason": "key-unknown"')
    fetches = len(key_server.requests)
    key_server.keys = [epic.public("epic-2")]  # rotated: the new key in, the old one out
    assert discover(clinic, epic.token(audience, "epic-2")).status_code == 200
    assert len(key_server.requests) == fetches + 1
    assert discover(clinic, epic.token(audience, "epic-1")).status_code == 401
    key_server.broken = True
    try:  # an unknown key id while the URL fails: the token cannot be checked, 503 (not a 401 for the EHR's fault)
        down = discover(clinic, epic.token(audience, "epic-1"))
        assert down.status_code == 503 and down.headers["retry-after"] == "5"
        assert logged(clinic, '"reason": "jwks-unavailable"')
    finally:
        key_server.broken = False
        key_server.keys = [epic.public("epic-1"), epic.public("epic-2")]


# ----------------------------------------------------------------------------- the sandbox in a browser
def test_the_sandboxs_discovery_preflight_and_request_are_allowed(clinic, epic):
    url = f"{clinic.url}/cds-services"
    preflight = httpx.options(url, headers=SANDBOX_PREFLIGHT)
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == SANDBOX
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    response = discover(clinic, epic.token(f"{PUBLIC}/cds-services"), origin=SANDBOX, referer=SANDBOX + "/")
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == SANDBOX
    refused = discover(clinic, "not-a-token", origin=SANDBOX)  # the sandbox can read the 401 too
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == SANDBOX


@pytest.mark.parametrize("path", [f"/cds-services/{SERVICE}", f"/cds-services/{SERVICE}/feedback"])
def test_the_sandboxs_service_and_feedback_preflights_are_allowed(clinic, path):
    headers = {**SANDBOX_PREFLIGHT, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "authorization,content-type"}
    preflight = httpx.options(clinic.url + path, headers=headers)
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == SANDBOX
    private = httpx.options(clinic.url + path, headers={**headers, "Access-Control-Request-Private-Network": "true"})
    assert private.headers["access-control-allow-private-network"] == "true"


def test_cors_stays_off_for_other_origins_and_other_routes(clinic):
    other = httpx.options(f"{clinic.url}/cds-services", headers={**SANDBOX_PREFLIGHT, "Origin": "https://evil.test"})
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    form = httpx.options(f"{clinic.url}/sheet", headers={**SANDBOX_PREFLIGHT, "Access-Control-Request-Method": "POST"})
    assert form.status_code == 405 and "access-control-allow-origin" not in form.headers


# ----------------------------------------------------------------------------- operations
def test_one_json_line_per_request_with_the_hook_instance(clinic, epic):
    body = hook(prefetch=prefetch_of(RECORD))
    url = f"{clinic.url}/cds-services/{SERVICE}"
    token = epic.token(f"{PUBLIC}/cds-services/{SERVICE}")
    response = httpx.post(url, json=body, headers={"authorization": f"Bearer {token}"}, timeout=120)
    assert response.status_code == 200, response.text
    assert logged(clinic, f'"hookInstance": "{body["hookInstance"]}"')
    (line,) = [entry for entry in access_lines(clinic) if entry.get("hookInstance") == body["hookInstance"]]
    assert line["method"] == "POST" and line["path"] == f"/decisionaid/cds-services/{SERVICE}" and line["status"] == 200
    assert line["logger"] == "decisionaid.access" and line["level"] == "INFO" and "time" in line
    assert "p1" not in clinic.logs() and "Alex" not in clinic.logs()


def test_readyz_and_healthz_behind_the_proxy(clinic):
    ready = httpx.get(f"{clinic.url}/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert "replay_cache" in ready.json()["checks"] and httpx.get(f"{clinic.url}/healthz").text == "ok"


def test_every_serve_option_names_its_environment_variable():
    text = CliRunner().invoke(main, ["serve", "--help"]).output
    for option in ("HOST", "PORT", "RENDER_WORKERS", "MAX_REQUESTS", "CDS_HOOKS", "ROOT_PATH", "FORWARDED_ALLOW_IPS",
                   "LOG_FORMAT", "RULES"):
        assert f"DECISIONAID_SERVE_{option}" in text.replace("\n", " ").replace("  ", ""), option


@pytest.mark.parametrize(("env", "fragment"), [
    ({"DECISIONAID_SERVE_PORT": "eighty"}, "DECISIONAID_SERVE_PORT"),
    ({"DECISIONAID_SERVE_LOG_FORMAT": "xml"}, "DECISIONAID_SERVE_LOG_FORMAT"),
    ({"DECISIONAID_SERVE_ROOT_PATH": "decisionaid/"}, "--root-path"),
])
def test_a_bad_environment_variable_is_one_line_and_exit_2(env, fragment):
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 2 and fragment in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("config", "fragment"), [
    ("issuers:\n  - iss: https://a.test\n    jwks: k.json\n    jwks_url: https://a.test/jwks\n", "exactly one of jwks"),
    ("issuers:\n  - iss: https://a.test\n", "exactly one of jwks"),
    ("issuers:\n  - iss: https://a.test\n    jwks_url: https://a.test/jwks\nreplay_cache: redis://h:port/0\n",
     "replay_cache"),
    ("issuers:\n  - iss: https://a.test\n    jwks_url: https://a.test/jwks\n    max_token_lifetime_seconds: 99999\n",
     "max_token_lifetime_seconds"),
    ("issuers:\n  - iss: https://a.test\n    jwks_url: file:///etc/passwd\n", "jwks_url"),
    ("issuers:\n  - iss: https://a.test\n    jwks_url: https://a.test/jwks\ncors_origins: ['*']\n", "cors_origins"),
])
def test_a_bad_cds_configuration_is_refused_at_start(config, fragment, tmp_path: Path):
    (tmp_path / "cds.yaml").write_text("service_url: https://cds.test\n" + config, encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--cds-hooks", str(tmp_path / "cds.yaml")])
    assert result.exit_code == 2 and fragment in result.output and "Traceback" not in result.output, result.output
    assert result.output.startswith(str(tmp_path / "cds.yaml") + ":")
