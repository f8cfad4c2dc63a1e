"""Two copies of the CDS Hooks service behind one `service_url`, sharing one replay cache in a real
`redis-server` (Debian's package, started here on a free loopback port): a token used on one copy is
refused on the other, and when Redis stops, calls get 503 and `/readyz` says not ready (fail closed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import redis

from .test_cds import ISSUER, Ehr, logged
from .web_server import Server, free_port, running_server

PUBLIC = "https://cds.clinic.test"  # the load balancer's URL, the same for both copies


class RedisServer:
    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            reason = "redis-server is not installed (Debian: apt-get install redis-server; scripts/test.sh does)"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(reason, pytrace=False)
            pytest.skip(reason)
        self.port = free_port()
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
        client.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedisServer, Server, Server, Ehr]]:
    folder = tmp_path_factory.mktemp("replay")
    ehr = Ehr()
    (folder / "ehr-jwks.json").write_text(json.dumps(ehr.jwks()), encoding="utf-8")
    store = RedisServer(folder)
    (folder / "cds.yaml").write_text(f"service_url: {PUBLIC}\nissuers:\n  - iss: {ISSUER}\n    jwks: ehr-jwks.json\n"
                                     f"replay_cache: redis://127.0.0.1:{store.port}/0\n", encoding="utf-8")
    args = ("--render-workers", "1", "--cds-hooks", str(folder / "cds.yaml"))
    try:
        with ExitStack() as servers:
            one = servers.enter_context(running_server(tmp_path_factory, *args))
            two = servers.enter_context(running_server(tmp_path_factory, *args))
            yield store, one, two, ehr
    finally:
        store.stop()


def discover(server: Server, token: str) -> httpx.Response:
    return httpx.get(f"{server.url}/cds-services", headers={"authorization": f"Bearer {token}"}, timeout=30)


def test_a_token_used_on_one_copy_is_refused_on_the_other(shared):
    store, one, two, ehr = shared
    token = ehr.token(f"{PUBLIC}/cds-services")
    assert discover(one, token).status_code == 200
    replay = discover(two, token)
    assert replay.status_code == 401 and replay.text == "Unauthorized"
    assert logged(two, "GET /cds-services 401 replayed\n")
    assert discover(two, ehr.token(f"{PUBLIC}/cds-services")).status_code == 200  # a fresh one is fine
    client = redis.Redis(port=store.port)
    keys = client.keys("decisionaid:cds:jti:*")  # a digest per token, kept until the token expires
    assert len(keys) == 2 and all(0 < client.ttl(key) <= 120 + 30 for key in keys)
    assert all(client.get(key) == b"1" for key in keys) and ISSUER.encode() not in b"".join(keys)
    client.close()
    for server in (one, two):
        ready = httpx.get(server.url + "/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["replay_cache"] == "ready"


def test_without_redis_calls_get_503_and_readyz_says_not_ready(shared):
    store, one, _, ehr = shared
    store.stop()
    response = discover(one, ehr.token(f"{PUBLIC}/cds-services"))
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert logged(one, "GET /cds-services 503 replay-cache-unavailable\n")
    ready = httpx.get(one.url + "/readyz", timeout=30)
    assert ready.status_code == 503 and ready.json()["status"] == "not ready"
    assert "Redis replay cache cannot be reached" in ready.json()["checks"]["replay_cache"]
    assert httpx.get(one.url + "/healthz").status_code == 200  # alive, but not to be sent calls
