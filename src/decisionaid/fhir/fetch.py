"""The CDS service's record: the EHR's prefetch, completed and paged from its FHIR server.

A search answer may come in pages (`Bundle.link` next). The pages are followed on the same
allow-listed server only, up to a page cap; a record cut there (or with pages left that no server
may be asked for) is still read, and the cut is named on a card. An `OperationOutcome` given as a
prefetch value means the EHR could not prefetch it: it is fetched, or the call gets 412. Outcome
entries inside a searchset are not patient data: they are skipped and their text is kept for the card.

Everything one call fetches shares one deadline, each answer is read with the profile's size and
nesting limits, and every id goes into the URL as one encoded path segment. A server that is
slow, too large, too deep or not FHIR ends the call with 412 and the reason (CDS Hooks: the service
could not retrieve the data it needs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import anyio
import anyio.to_thread

from ..plumbing.errors import InputError
from ..plumbing.safeio import decode
from ..plumbing.yamlpos import ReadError, read_text

FETCH_SECONDS = 20.0  # everything one call fetches, every page included
MAX_PAGES = 10  # per search; past it the record is cut, and the card says so
MAX_PAGE_BYTES = 1_000_000
MAX_RESOURCES = 5000  # in the whole record, as for a prefetch; past it the record is cut
MAX_NOTES = 10
PATIENT_ID = "{{context.patientId}}"


class FetchFailed(Exception):
    """The record could not be completed: 412 with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Record:
    """The prefetch completed: one value per key, and what the card must say about it."""

    parts: dict[str, Any]
    cut: list[str] = field(default_factory=list)  # "conditions: 10 pages read, more not read (page cap)"
    server_notes: list[str] = field(default_factory=list)  # outcome entries of the searchsets


@dataclass(frozen=True)
class Server:
    """The allow-listed FHIR server and the request's own token."""

    base: str
    token: str

    def owns(self, url: str) -> bool:
        """A next link on this server only: same scheme, host and port, under its base path, no user info."""
        base, link = urlsplit(self.base.rstrip("/") + "/"), urlsplit(url)
        return (link.scheme, link.netloc) == (base.scheme, base.netloc) and "@" not in link.netloc \
            and link.path.startswith(base.path)


def is_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def request_for(template: str, patient_id: str) -> tuple[str, list[tuple[str, str]]]:
    """`Condition?patient={{context.patientId}}` -> ('Condition', [('patient', id)]), the id as one
    encoded path segment or query value, never spliced into the URL text."""
    path, _, query = template.partition("?")
    segments = [quote(patient_id, safe="") if part == PATIENT_ID else part for part in path.split("/")]
    params = [(key, value.replace(PATIENT_ID, patient_id)) for key, value in parse_qsl(query, keep_blank_values=True)]
    return "/".join(segments), params


async def complete(parts: dict[str, Any], searches: dict[str, str], patient_id: str, server: Server | None) -> Record:
    """Fetch what the prefetch lacks (or sent as an OperationOutcome) and follow every next link,
    all within one deadline; raises FetchFailed."""
    import httpx

    record = Record({k: v for k, v in parts.items() if v is not None and not is_outcome(v)})
    missing = [key for key in searches if key not in record.parts and not (key in parts and parts[key] is None)]
    paged = [key for key in searches if key != "patient" and _next(record.parts.get(key)) is not None]
    if not missing and not paged:
        _collect_notes(record, searches)
        return record
    if server is None:
        if missing:
            raise FetchFailed("the prefetch lacks " + ", ".join(missing) + " and the request gives no allow-listed "
                              "fhirServer with fhirAuthorization to fetch them")
        for key in paged:
            record.cut.append(f"{key}: the prefetch has more pages, and no allow-listed fhirServer was given to "
                              "read them from")
        _collect_notes(record, searches)
        return record
    headers = {"authorization": f"Bearer {server.token}", "accept": "application/fhir+json"}
    try:
        with anyio.fail_after(FETCH_SECONDS):
            async with httpx.AsyncClient(base_url=server.base.rstrip("/") + "/", headers=headers, timeout=FETCH_SECONDS,
                                         follow_redirects=False) as client:  # a redirect could carry the token away
                for key in missing:
                    path, params = request_for(searches[key], patient_id)
                    record.parts[key] = await _get(client, key, path, params)
                    _keep_within_the_cap(record, key)
                for key in searches:
                    if key != "patient":
                        await _follow(client, server, record, key)
    except TimeoutError:
        raise FetchFailed(f"the FHIR server did not answer everything within {FETCH_SECONDS:.0f} seconds") from None
    except httpx.HTTPError:
        raise FetchFailed("the FHIR server could not be reached or broke off its answer") from None
    _collect_notes(record, searches)
    return record


async def _get(client: Any, key: str, url: str, params: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    async with client.stream("GET", url, params=params) as response:
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_PAGE_BYTES:
                raise FetchFailed(f"the FHIR server's answer for {key} is larger than 1 MB")
    if response.status_code != 200:
        raise FetchFailed(f"the FHIR server answered {response.status_code} for {key}")
    try:  # the profile's size and depth limits, off the event loop
        data = await anyio.to_thread.run_sync(lambda: read_text(decode(bytes(body), key), key, as_json=True).data)
    except (ReadError, InputError) as exc:
        raise FetchFailed(f"the FHIR server's answer for {key} is not usable JSON: "
                          f"{exc.diagnostics[0].message}") from None
    wanted = "Patient" if key == "patient" else "Bundle"
    if not isinstance(data, dict) or data.get("resourceType") != wanted:
        shown = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise FetchFailed(f"the FHIR server's answer for {key} is not a {wanted} (it is {str(shown)[:40]!r})")
    return data


async def _follow(client: Any, server: Server, record: Record, key: str) -> None:
    """Read the next pages of one search into its first page's entries, up to the page cap."""
    bundle = record.parts.get(key)
    pages = 1
    while (link := _next(bundle)) is not None:
        if not server.owns(link):
            record.cut.append(f"{key}: the next page is on another server, so it was not read")
            return
        if pages >= MAX_PAGES:
            record.cut.append(f"{key}: {MAX_PAGES} pages read, the rest not (the service reads at most {MAX_PAGES})")
            return
        page = await _get(client, key, link)
        pages += 1
        entries = page.get("entry", [])
        first = record.parts[key]
        if not isinstance(entries, list) or not isinstance(first.get("entry", []), list):
            raise FetchFailed(f"the FHIR server's page {pages} for {key} has an entry that is not a list")
        record.parts[key] = {**first, "entry": [*first.get("entry", []), *entries], "link": page.get("link", [])}
        if not _keep_within_the_cap(record, key):
            return
        bundle = record.parts[key]


def _keep_within_the_cap(record: Record, key: str) -> bool:
    """Cut a search's entries to the record's resource cap; False (and the cut named) when it was reached."""
    bundle = record.parts[key]
    if not isinstance(bundle.get("entry"), list):
        return True
    others = sum(len(part.get("entry", [])) for name, part in record.parts.items()
                 if name != key and isinstance(part, dict) and isinstance(part.get("entry"), list))
    room = max(0, MAX_RESOURCES - 1 - others)  # the Patient counts too
    if len(bundle["entry"]) <= room:
        return True
    record.parts[key] = {**bundle, "entry": bundle["entry"][:room], "link": []}
    record.cut.append(f"{key}: the record reached {MAX_RESOURCES} resources, the most the service reads")
    return False


def _next(bundle: Any) -> str | None:
    if not isinstance(bundle, dict) or not isinstance(bundle.get("link"), list):
        return None
    for link in bundle["link"]:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


def _collect_notes(record: Record, searches: dict[str, str]) -> None:
    """Take the outcome entries out of each searchset, keeping what they say for the card."""
    for key in searches:
        bundle = record.parts.get(key)
        if key == "patient" or not isinstance(bundle, dict) or not isinstance(bundle.get("entry"), list):
            continue
        kept = []
        for entry in bundle["entry"]:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if is_outcome(resource):
                record.server_notes += [f"{key}: {note}" for note in _issues(resource)]
            else:
                kept.append(entry)
        record.parts[key] = {**bundle, "entry": kept}
    record.server_notes = record.server_notes[:MAX_NOTES]


def _issues(outcome: dict[str, Any]) -> list[str]:
    notes = []
    for issue in outcome.get("issue") or []:
        if not isinstance(issue, dict) or issue.get("severity") == "information":
            continue
        details = issue.get("details") if isinstance(issue.get("details"), dict) else {}
        text = issue.get("diagnostics") or details.get("text") or issue.get("code") or "no detail"
        notes.append(f"{issue.get('severity', 'issue')}: {str(text)[:200]}")
    return notes
