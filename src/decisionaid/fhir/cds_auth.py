"""Who may call the CDS Hooks service: the JWT check the CDS Hooks specification asks for.

A token passes when it is signed by a key of a configured issuer (cds_keys.py), names this endpoint
as its `aud`, has `iss`, `aud`, `exp`, `iat` and `jti` of the right types, is within its `nbf`..`exp`
window (with the configured leeway), lives no longer than the issuer's `max_token_lifetime_seconds`,
and its `jti` was not seen before (cds_replay.py). A `tenant` claim (CDS Hooks 2.0) is accepted.

Anything else is refused with a reason code, logged with the 401 and never sent to the caller:

    no-token, token-too-large, malformed, issuer-unknown, key-unknown, key-unusable, algorithm,
    signature, audience, claim-missing, claim-type, token-expired, token-not-yet-valid,
    token-lifetime, replayed

When the check itself cannot be made, the caller gets 503 (`jwks-unavailable`,
`replay-cache-unavailable`, `replay-cache-full`): the service fails closed.
"""

from __future__ import annotations

import math
import time
from typing import Any

import jwt

from .cds_config import CdsConfig, load_cds_config
from .cds_keys import KeyRefused, KeysUnavailable, issuer_keys
from .cds_replay import ReplayCache, ReplayCacheDown, ReplayCacheFull, replay_cache

__all__ = ["CdsConfig", "Refused", "Unavailable", "Verifier", "load_cds_config"]

MAX_TOKEN_CHARS = 16_384
MAX_CLAIM_TIME = 2**53  # seconds since 1970: a time past this is not a time (10**400 is refused here)
_DECODE_REASONS: list[tuple[type[Exception], str]] = [  # the first that matches; subclasses first
    (jwt.InvalidSignatureError, "signature"),
    (jwt.InvalidAudienceError, "audience"),
    (jwt.InvalidIssuerError, "issuer-unknown"),
    (jwt.MissingRequiredClaimError, "claim-missing"),
    (jwt.DecodeError, "malformed"),
    (jwt.PyJWTError, "malformed"),
]


class Refused(Exception):
    """The token is not trusted: answer 401, log `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unavailable(Exception):
    """The token cannot be checked just now: answer 503, log `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Verifier:
    """Checks the bearer JWT of one request against the configuration (blocking: it may fetch a JWK
    Set or ask Redis, so the service calls it in a worker thread)."""

    def __init__(self, config: CdsConfig, replay: ReplayCache | None = None) -> None:
        self.config = config
        self.issuers = {issuer.iss: issuer for issuer in config.issuers}
        self.keys = issuer_keys(config)
        self.replay = replay if replay is not None else replay_cache(config.replay_cache)

    def claims(self, authorization: str | None, audience: str) -> dict[str, Any]:
        """The token's claims when it passes every check; raises Refused or Unavailable."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Refused("no-token")
        if len(authorization) > MAX_TOKEN_CHARS:
            raise Refused("token-too-large")
        token = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})  # only to pick the keys
        except (jwt.PyJWTError, ValueError, TypeError):
            raise Refused("malformed") from None
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or issuer not in self.issuers:
            raise Refused("issuer-unknown")
        kid, alg = header.get("kid"), header.get("alg")
        if not isinstance(kid, str) or not isinstance(alg, str):
            raise Refused("key-unknown" if not isinstance(kid, str) else "algorithm")
        try:
            key = self.keys[issuer].signing_key(kid, alg)
        except KeyRefused as refused:
            raise Refused(refused.reason) from None
        except KeysUnavailable:
            raise Unavailable("jwks-unavailable") from None
        try:  # the times are checked below, once their types are known
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[alg], audience=audience, issuer=issuer,
                options={"require": ["iss", "aud", "exp", "iat", "jti"], "verify_exp": False, "verify_nbf": False,
                         "verify_iat": False})
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Refused(next((r for kind, r in _DECODE_REASONS if isinstance(exc, kind)), "malformed")) from None
        exp = self._checked(claims, issuer)
        try:
            if not self.replay.first_use(issuer, claims["jti"], exp + self.config.leeway_seconds - time.time()):
                raise Refused("replayed")
        except ReplayCacheDown:
            raise Unavailable("replay-cache-unavailable") from None
        except ReplayCacheFull:
            raise Unavailable("replay-cache-full") from None
        return claims

    def _checked(self, claims: dict[str, Any], issuer: str) -> float:
        """The claims' types and times; returns `exp`."""
        exp, iat, nbf = _time(claims["exp"]), _time(claims["iat"]), _time(claims.get("nbf", 0))
        jti, tenant = claims["jti"], claims.get("tenant", "")
        if not (isinstance(jti, str) and 0 < len(jti) <= 256 and isinstance(tenant, str) and len(tenant) <= 256):
            raise Refused("claim-type")
        now, leeway = time.time(), self.config.leeway_seconds
        if exp <= now - leeway:
            raise Refused("token-expired")
        if nbf > now + leeway or iat > now + leeway:
            raise Refused("token-not-yet-valid")
        if exp - min(iat, now) > self.config.lifetime(self.issuers[issuer]) + leeway:
            raise Refused("token-lifetime")  # a token that lives long could be replayed for long
        return exp

    def problem(self) -> str | None:
        """None when tokens can be checked, else what is wrong (for /readyz)."""
        return self.replay.problem()


def _time(value: Any) -> float:
    """A NumericDate (RFC 7519): a JSON number of seconds, not a string, not a boolean, not infinite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Refused("claim-type")
    if not (isinstance(value, int) or math.isfinite(value)) or not 0 <= value < MAX_CLAIM_TIME:
        raise Refused("claim-type")
    return float(value)
