"""The public keys of each trusted EHR, from its JWK Set file or its JWK Set URL.

A file is read at start (a broken one stops the server) and read again when a token names a key id
it does not hold and the file has changed since. A URL is fetched by PyJWT's `PyJWKClient`: cached
for five minutes, fetched again when a token names an unknown key id (at most once per
`jwks_refresh_seconds`), never following a redirect. No other URL is ever fetched: a token's `jku`
or `x5u` is ignored.

A key without `alg` (RFC 7517 makes it optional) is used for the token's algorithm when the
configuration allows that algorithm and it fits the key's type (RSA for RS*/PS*, the matching
curve for ES*); the first such use is logged.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt

from ..plumbing.errors import Diagnostic, InputError, UsageError
from ..plumbing.safeio import read_input

if TYPE_CHECKING:  # the configuration's loader uses this module to check the key files
    from .cds_config import CdsConfig, Issuer

JWKS_CACHE_SECONDS = 300
JWKS_FETCH_TIMEOUT = 5.0
_KEY_TYPE = {"RS": "RSA", "PS": "RSA", "ES": "EC"}
_CURVE = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
log = logging.getLogger("decisionaid.web")


class KeyRefused(Exception):
    """No key of the issuer may verify this token; `reason` is the code logged with the 401."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysUnavailable(Exception):
    """The issuer's JWK Set URL could not be read: the call is answered 503, not 401."""


class IssuerKeys:
    """One issuer's keys by key id, as raw JWKs (so that a key without `alg` keeps that fact)."""

    def __init__(self, issuer: Issuer, algorithms: list[str]) -> None:
        self.issuer = issuer
        self.algorithms = algorithms
        self._logged: set[tuple[str, str]] = set()

    def find(self, kid: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def signing_key(self, kid: str, alg: str) -> Any:
        """The PyJWK that verifies a token of this `kid` and `alg`; raises KeyRefused or KeysUnavailable."""
        jwk = self.find(kid)
        if jwk is None:
            raise KeyRefused("key-unknown")
        if alg not in self.algorithms or jwk.get("use", "sig") != "sig":
            raise KeyRefused("algorithm")
        declared = jwk.get("alg")
        if declared is not None and declared != alg:
            raise KeyRefused("algorithm")
        if declared is None:
            if jwk.get("kty") != _KEY_TYPE.get(alg[:2]) or (alg in _CURVE and jwk.get("crv") != _CURVE[alg]):
                raise KeyRefused("algorithm")
            if (kid, alg) not in self._logged:
                self._logged.add((kid, alg))
                log.info("key %r of issuer %r has no alg: used for %s, which the configured algorithms allow for a "
                         "%s key", kid, self.issuer.iss, alg, jwk.get("kty"))
        try:
            return jwt.PyJWK(jwk, algorithm=alg)
        except jwt.PyJWTError:
            raise KeyRefused("key-unusable") from None


class FileKeys(IssuerKeys):
    def __init__(self, issuer: Issuer, algorithms: list[str], file: Path, number: int) -> None:
        super().__init__(issuer, algorithms)
        self.file = file
        self.number = number
        self._lock = threading.Lock()
        self._stamp, self._keys = self._read()

    def _read(self) -> tuple[tuple[int, int], dict[str, dict[str, Any]]]:
        """The file's (mtime, size) and its keys; raises UsageError naming the file."""
        try:
            stat = os.stat(self.file)
            data = json.loads(read_input(self.file)[0])
            keys = _keys_of(data)
            jwt.PyJWKSet.from_dict(data)  # at least one key PyJWT can use
        except InputError as exc:
            raise UsageError(exc.diagnostics) from None
        except (OSError, ValueError, TypeError, jwt.PyJWTError) as exc:
            raise UsageError([Diagnostic(str(self.file), None, None, f"issuers[{self.number}].jwks: not a JWK Set "
                                         f"that loads ({type(exc).__name__})", "cds-jwks")]) from None
        return (stat.st_mtime_ns, stat.st_size), keys

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def find(self, kid: str) -> dict[str, Any] | None:
        with self._lock:
            if kid not in self._keys:
                self._reread_if_changed()
            return self._keys.get(kid)

    def _reread_if_changed(self) -> None:
        try:
            stat = os.stat(self.file)
        except OSError:
            return
        if (stat.st_mtime_ns, stat.st_size) == self._stamp:
            return
        self._stamp = (stat.st_mtime_ns, stat.st_size)  # each version of the file is read once
        try:
            self._stamp, self._keys = self._read()
            log.info("issuers[%d].jwks: read again (%d keys)", self.number, len(self._keys))
        except UsageError:
            log.warning("issuers[%d].jwks changed and no longer loads; the keys read before stay in use", self.number)


class UrlKeys(IssuerKeys):
    def __init__(self, issuer: Issuer, algorithms: list[str]) -> None:
        super().__init__(issuer, algorithms)
        assert issuer.jwks_url is not None
        self.client = _JwksClient(issuer.jwks_url, cache_jwk_set=True, lifespan=JWKS_CACHE_SECONDS,
                                  timeout=JWKS_FETCH_TIMEOUT, cooldown_duration=issuer.jwks_refresh_seconds)

    def find(self, kid: str) -> dict[str, Any] | None:
        try:
            self.client.get_signing_key(kid)  # the cache, and one fetch for an unknown kid
        except jwt.PyJWKClientConnectionError:
            log.warning("the JWK Set URL of issuer %r could not be read", self.issuer.iss)
            raise KeysUnavailable from None
        except jwt.PyJWTError:  # no such kid, or a set without usable signing keys
            return None
        return self.client.raw_keys.get(kid)


class _JwksClient(jwt.PyJWKClient):
    """PyJWKClient that also keeps the fetched JWKs as they were published (with or without `alg`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.raw_keys: dict[str, dict[str, Any]] = {}

    def fetch_data(self) -> Any:
        data = super().fetch_data()
        self.raw_keys = _keys_of(data)
        return data


def _keys_of(data: Any) -> dict[str, dict[str, Any]]:
    """The JWKs of a JWK Set by key id; raises TypeError when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise TypeError("not a JWK Set")
    return {key["kid"]: key for key in data["keys"] if isinstance(key, dict) and isinstance(key.get("kid"), str)}


def issuer_keys(config: CdsConfig) -> dict[str, IssuerKeys]:
    """Each issuer's keys; raises UsageError when a JWK Set file does not load."""
    keys: dict[str, IssuerKeys] = {}
    for number, issuer in enumerate(config.issuers):
        if issuer.jwks is not None:
            keys[issuer.iss] = FileKeys(issuer, list(config.algorithms), Path(config.folder) / issuer.jwks, number)
        else:
            keys[issuer.iss] = UrlKeys(issuer, list(config.algorithms))
    return keys


def check_key_files(config: CdsConfig) -> None:
    """Every JWK Set file loads and holds at least one key with a key id (the URLs are read when used)."""
    for number, issuer in enumerate(config.issuers):
        if issuer.jwks is not None:
            file = Path(config.folder) / issuer.jwks
            if not FileKeys(issuer, list(config.algorithms), file, number).key_ids:
                raise UsageError([Diagnostic(str(file), None, None, f"issuers[{number}].jwks: holds no key with "
                                             "a kid", "cds-jwks")])
