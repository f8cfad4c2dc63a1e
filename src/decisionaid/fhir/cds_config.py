"""The CDS Hooks configuration (`serve --cds-hooks CONFIG`), read and checked before the server starts.

    service_url: https://cds.example.org      # the base URL the EHR calls; `aud` must name the endpoint
    issuers:
      - iss: https://ehr.example.org
        jwks: ehr-jwks.json                   # the EHR's public keys (a JWK Set file, beside this file) ...
      - iss: https://fhir.epic.example/interconnect
        jwks_url: https://fhir.epic.example/interconnect/api/epic/2019/Security/Open/PublicKeys/jwks
        max_token_lifetime_seconds: 900       # ... or a URL; Epic signs 15-minute tokens
    fhir_servers:                             # FHIR servers the service may query, with the request's token
      - https://ehr.example.org/fhir
    max_token_lifetime_seconds: 300           # every issuer's, unless it says otherwise
    cors_origins: [https://sandbox.cds-hooks.org]   # browser origins allowed on /cds-services (none by default)
    replay_cache: redis://127.0.0.1:6379/0    # seen `jti`s shared by every copy (default: in the process)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..plumbing.errors import InputError, UsageError
from ..plumbing.safeio import read_input
from ..plumbing.yamlpos import ReadError, data_path, read_text

#: asymmetric algorithms only (the specification forbids `none` and shared-secret HMAC); ES384 and
#: RS384 are the ones it recommends
Algorithm = Literal["ES384", "RS384", "ES256", "RS256", "ES512", "RS512", "PS384"]
Lifetime = Annotated[int, Field(ge=10, le=3600)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Issuer(_Strict):
    iss: Annotated[str, Field(min_length=1)]
    jwks: Annotated[str, Field(min_length=1, description="a JWK Set file, relative to the configuration file")] | None = None
    jwks_url: Annotated[str, Field(pattern=r"^https?://[^\s/]+(/\S*)?$",
                                   description="where the issuer publishes its JWK Set")] | None = None
    #: the least time between two fetches of `jwks_url` for a token whose key id is unknown
    jwks_refresh_seconds: Annotated[int, Field(ge=0, le=3600)] = 30
    max_token_lifetime_seconds: Lifetime | None = None

    @model_validator(mode="after")
    def _one_key_source(self) -> Issuer:
        if (self.jwks is None) == (self.jwks_url is None):
            raise ValueError("give exactly one of jwks (a JWK Set file) or jwks_url")
        return self


class CdsConfig(_Strict):
    service_url: Annotated[str, Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")]
    issuers: Annotated[list[Issuer], Field(min_length=1)]
    fhir_servers: list[Annotated[str, Field(pattern=r"^https?://\S+$")]] = []
    algorithms: Annotated[list[Algorithm], Field(min_length=1)] = ["ES384", "RS384"]
    max_token_lifetime_seconds: Lifetime = 300
    leeway_seconds: Annotated[int, Field(ge=0, le=120)] = 30
    cors_origins: list[Annotated[str, Field(pattern=r"^https?://[^\s/]+$")]] = []
    replay_cache: Annotated[str, Field(pattern=r"^(memory|rediss?://[^\s/?#]+(/\d{0,2})?(\?\S*)?)$")] = "memory"
    folder: Annotated[str, Field(exclude=True)] = "."  # where the configuration file is (set when loaded)

    def audience(self, route_path: str) -> str:
        """The `aud` a token for this endpoint names: the service URL and the path below it."""
        return self.service_url.rstrip("/") + route_path

    def allows_server(self, url: str) -> bool:
        return url.rstrip("/") in {s.rstrip("/") for s in self.fhir_servers}

    def lifetime(self, issuer: Issuer) -> int:
        return issuer.max_token_lifetime_seconds or self.max_token_lifetime_seconds


def load_cds_config(path: Path) -> CdsConfig:
    """Read the configuration and check that every issuer's JWKS file loads; raises UsageError."""
    from .cds_keys import check_key_files
    from .cds_replay import replay_cache

    try:
        text, name = read_input(path)
        doc = read_text(text, name, as_json=path.suffix.lower() == ".json")
    except (InputError, ReadError) as exc:
        raise UsageError(exc.diagnostics) from None
    if not isinstance(doc.data, dict):
        raise UsageError.single(name, "must be a mapping (service_url, issuers, fhir_servers)", "not-a-mapping")
    try:
        config = CdsConfig.model_validate({**doc.data, "folder": str(path.resolve().parent)})
    except ValidationError as exc:
        raise UsageError([doc.diagnostic(data_path(doc.data, e["loc"]), f"{'.'.join(map(str, e['loc']))}: "
                                         f"{e['msg']}", "cds-config") for e in exc.errors()]) from None
    check_key_files(config)  # a JWKS file that does not load is a startup error, not a 401 later
    try:
        replay_cache(config.replay_cache)  # a Redis URL that redis-py cannot read (connecting comes later)
    except ValueError as exc:
        raise UsageError([doc.diagnostic(data_path(doc.data, ("replay_cache",)), f"replay_cache: not a Redis URL "
                                         f"redis-py can use ({exc})", "cds-config")]) from None
    return config
