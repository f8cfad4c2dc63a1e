"""Who may call the CDS Hooks service: its configuration, and the JWT check the CDS Hooks
specification asks for (signature by a configured issuer's key, `iss`, `aud`, `exp`, `iat`, and no
`jti` twice). Keys come only from the configured JWKS files: a token's `jku` is never fetched.

    service_url: https://cds.example.org      # the base URL the EHR calls; `aud` must name the endpoint
    issuers:
      - iss: https://ehr.example.org
        jwks: ehr-jwks.json                   # the EHR's public keys (a JWK Set), beside this file
    fhir_servers:                             # FHIR servers the service may query, with the request's token
      - https://ehr.example.org/fhir
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..plumbing.errors import Diagnostic, InputError, UsageError
from ..plumbing.safeio import read_input
from ..plumbing.yamlpos import ReadError, data_path, read_text

#: asymmetric algorithms only (the specification forbids `none` and shared-secret HMAC); ES384 and
#: RS384 are the ones it recommends
Algorithm = Literal["ES384", "RS384", "ES256", "RS256", "ES512", "RS512", "PS384"]
MAX_SEEN = 100_000  # jti values remembered at once (each until its token expires)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Issuer(_Strict):
    iss: Annotated[str, Field(min_length=1)]
    jwks: Annotated[str, Field(min_length=1, description="a JWK Set file, relative to the configuration file")]


class CdsConfig(_Strict):
    service_url: Annotated[str, Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")]
    issuers: Annotated[list[Issuer], Field(min_length=1)]
    fhir_servers: list[Annotated[str, Field(pattern=r"^https?://\S+$")]] = []
    algorithms: Annotated[list[Algorithm], Field(min_length=1)] = ["ES384", "RS384"]
    max_token_lifetime_seconds: Annotated[int, Field(ge=10, le=3600)] = 300
    leeway_seconds: Annotated[int, Field(ge=0, le=120)] = 30
    folder: Annotated[str, Field(exclude=True)] = "."  # where the configuration file is (set when loaded)

    def audience(self, path: str) -> str:
        return self.service_url.rstrip("/") + path

    def allows_server(self, url: str) -> bool:
        return url.rstrip("/") in {s.rstrip("/") for s in self.fhir_servers}


def load_cds_config(path: Path) -> CdsConfig:
    """Read the configuration and check that every issuer's JWKS file loads; raises UsageError."""
    try:
        text, name = read_input(path)
        doc = read_text(text, name, as_json=path.suffix.lower() == ".json")
    except InputError as exc:
        raise UsageError(exc.diagnostics) from None
    except ReadError as exc:
        raise UsageError(exc.diagnostics) from None
    if not isinstance(doc.data, dict):
        raise UsageError.single(name, "must be a mapping (service_url, issuers, fhir_servers)", "not-a-mapping")
    try:
        config = CdsConfig.model_validate({**doc.data, "folder": str(path.resolve().parent)})
    except ValidationError as exc:
        raise UsageError([doc.diagnostic(data_path(doc.data, e["loc"]), f"{'.'.join(map(str, e['loc']))}: "
                                         f"{e['msg']}", "cds-config") for e in exc.errors()]) from None
    Verifier(config)  # a JWKS file that does not load is a startup error, not a 401 later
    return config


class Verifier:
    """Checks the bearer JWT of one request; remembers `jti` values until their tokens expire."""

    def __init__(self, config: CdsConfig) -> None:
        import jwt

        self.config = config
        self.keys: dict[str, dict[str, Any]] = {}
        for number, issuer in enumerate(config.issuers):
            file = Path(config.folder) / issuer.jwks
            try:
                keyset = jwt.PyJWKSet.from_dict(json.loads(read_input(file)[0]))
            except InputError as exc:
                raise UsageError(exc.diagnostics) from None
            except (ValueError, jwt.PyJWTError) as exc:
                raise UsageError([Diagnostic(str(file), None, None, f"issuers[{number}].jwks: not a JWK Set that "
                                             f"loads ({type(exc).__name__})", "cds-jwks")]) from None
            self.keys[issuer.iss] = {key.key_id: key for key in keyset.keys if key.key_id}
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def claims(self, authorization: str | None, audience: str) -> dict[str, Any] | None:
        """The token's claims when it passes every check; None otherwise (the caller answers 401)."""
        import jwt

        if not authorization or not authorization.startswith("Bearer ") or len(authorization) > 16_384:
            return None
        token = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(token)
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")  # only to pick the keys
            if not isinstance(issuer, str):
                return None
            kid = header.get("kid")
            key = self.keys.get(issuer, {}).get(kid) if isinstance(kid, str) else None
            if key is None or header.get("alg") not in self.config.algorithms:
                return None
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[header["alg"]], audience=audience, issuer=issuer,
                leeway=self.config.leeway_seconds, options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            return None
        now = time.time()
        exp, jti = claims["exp"], claims["jti"]
        if not isinstance(jti, str) or not jti or exp - now > self.config.max_token_lifetime_seconds + \
                self.config.leeway_seconds:
            return None  # a token that lives longer than a few minutes could be replayed for long
        return claims if self._first_use((issuer, jti), exp + self.config.leeway_seconds, now) else None

    def _first_use(self, key: tuple[str, str], until: float, now: float) -> bool:
        with self._lock:
            if len(self._seen) >= MAX_SEEN:
                self._seen = {k: t for k, t in self._seen.items() if t > now}
                if len(self._seen) >= MAX_SEEN:
                    return False  # a flood of fresh tokens: refuse rather than forget a jti early
            if key in self._seen and self._seen[key] > now:
                return False
            self._seen[key] = until
            return True
