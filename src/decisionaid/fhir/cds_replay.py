"""The `jti` values already seen, so that a token is used once: in the process (one copy of the
service), or in Redis (`replay_cache: redis://host:port/db`), shared by every copy behind one
`service_url`. Redis keeps each one with `SET key NX EX` until its token expires; the key is a
digest of the issuer and the `jti`, so nothing from the token is stored as it was sent.

When Redis cannot be reached the cache says so (ReplayCacheDown): the service then answers 503 and
`/readyz` says not ready, rather than accept a token it cannot check (fail closed).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from typing import Protocol

MAX_SEEN = 100_000  # jti values the in-process cache remembers at once (each until its token expires)
REDIS_TIMEOUT = 2.0  # seconds to connect to Redis or to get its answer
KEY_PREFIX = "decisionaid:cds:jti:"


class ReplayCacheDown(Exception):
    """The shared cache could not be reached: no token can be checked for replay."""


class ReplayCacheFull(Exception):
    """The in-process cache holds MAX_SEEN unexpired tokens: refuse rather than forget one early."""


class ReplayCache(Protocol):
    def first_use(self, issuer: str, jti: str, ttl: float) -> bool:
        """True the first time (issuer, jti) is seen within `ttl` seconds; raises ReplayCacheDown."""
        ...

    def problem(self) -> str | None:
        """None when the cache can be used, else what is wrong (for /readyz)."""
        ...


class MemoryReplayCache:
    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def first_use(self, issuer: str, jti: str, ttl: float) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) >= MAX_SEEN:
                self._seen = {k: t for k, t in self._seen.items() if t > now}
                if len(self._seen) >= MAX_SEEN:
                    raise ReplayCacheFull
            if self._seen.get((issuer, jti), 0.0) > now:
                return False
            self._seen[(issuer, jti)] = now + ttl
            return True

    def problem(self) -> str | None:
        return None


class RedisReplayCache:
    def __init__(self, url: str) -> None:
        import redis

        self._errors = (redis.RedisError,)
        self.client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)

    def first_use(self, issuer: str, jti: str, ttl: float) -> bool:
        key = KEY_PREFIX + hashlib.sha256(f"{issuer}\n{jti}".encode()).hexdigest()
        try:
            return bool(self.client.set(key, b"1", nx=True, ex=max(1, math.ceil(ttl))))
        except self._errors:
            raise ReplayCacheDown from None

    def problem(self) -> str | None:
        try:
            self.client.ping()
        except self._errors as exc:
            return f"the Redis replay cache cannot be reached ({type(exc).__name__})"
        return None


def replay_cache(setting: str) -> ReplayCache:
    """The cache a configuration's `replay_cache` names; raises ValueError for a Redis URL redis-py refuses."""
    if setting == "memory":
        return MemoryReplayCache()
    return RedisReplayCache(setting)
