"""What stands between the network and the web application, at the two places a response can start.

`Guard` wraps the whole ASGI application (outside Starlette's own error and body-limit layers):

- every response carries the security headers (CSP, nosniff, no referrer, no framing) and, unless
  it says otherwise, `cache-control: no-store`: the 413 of the body limit, the 500 of the error
  layer and the 404/405 of the router included;
- request headers over MAX_HEADER_BYTES in all get 431; more than `max_in_flight` requests at
  once get 503 (each holds memory and, for a sheet, a render worker);
- a request counts against `max_in_flight` only once its body has arrived: until then it is a
  *waiting body*, and one client may have at most MAX_WAITING_BODIES of those (503 past that).
  Otherwise 64 connections that each send a head and one body byte would lock every other
  person out for the whole body deadline, again and again. The client is the connection's peer
  address (uvicorn would put a forwarded address there only for a trusted proxy, and this server
  trusts none: an HTTPS proxy in front buffers request bodies itself);
- a request body must arrive within BODY_TIMEOUT of the request: a slower one is answered 408.

`GuardedH11Protocol` is uvicorn's h11 protocol with the same headers on the answers uvicorn makes
itself (400 for a malformed request), and a deadline for the request line and headers: a client
that has not sent them HEADER_TIMEOUT after connecting (or after its last response) gets 408 and
is disconnected, so slow-header clients cannot hold thousands of sockets.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import anyio
import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy",
     (b"default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; script-src 'self'; connect-src 'self'; "
      b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
NO_STORE = (b"cache-control", b"no-store")
MAX_HEADER_BYTES = 16 * 1024
HEADER_TIMEOUT = 10.0  # seconds to send the request line and headers
BODY_TIMEOUT = 20.0  # seconds, from the request's start, to send the whole body (1 MB at most)
BODY_TIMED_OUT = "decisionaid.body_timed_out"  # set in the scope when the body deadline passed
MAX_WAITING_BODIES = 8  # requests of one client whose body has not fully arrived yet
BUSY = "The server is busy. Please try again in a minute."


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    names = {name.lower() for name, _ in headers}
    return [*headers, *SECURITY_HEADERS, *([NO_STORE] if b"cache-control" not in names else [])]


class Guard:
    """Security headers on every response, header-size and concurrency limits, a body deadline."""

    def __init__(self, app: ASGIApp, *, max_in_flight: int = 64) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.waiting: Counter[str] = Counter()  # waiting bodies per client address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(list(message.get("headers", [])))
            await send(message)

        size = len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) + sum(
            len(name) + len(value) for name, value in scope["headers"])
        if size > MAX_HEADER_BYTES:
            await plain_answer(send_guarded, 431, "The request headers are too large.")
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        waits = _has_body(scope)
        if self.in_flight >= self.max_in_flight or (waits and self.waiting[client] >= MAX_WAITING_BODIES):
            await plain_answer(send_guarded, 503, BUSY)
            return
        counted = not waits

        async def receive_counted() -> Message:
            nonlocal counted
            message = await receive_in_time()
            if not counted and (message["type"] != "http.request" or not message.get("more_body", False)):
                counted = True  # the body has arrived (or the client has gone): a request in flight now
                self._stop_waiting(client)
                self.in_flight += 1
            return message

        receive_in_time = _with_deadline(scope, receive, time.monotonic() + BODY_TIMEOUT)
        if waits:
            self.waiting[client] += 1
        else:
            self.in_flight += 1
        try:
            await self.app(scope, receive_counted if waits else receive_in_time, send_guarded)
        finally:
            if counted:
                self.in_flight -= 1
            else:
                self._stop_waiting(client)

    def _stop_waiting(self, client: str) -> None:
        self.waiting[client] -= 1
        if self.waiting[client] <= 0:
            del self.waiting[client]  # the counter keeps no address of a client that is done


def _has_body(scope: Scope) -> bool:
    """The request announces a body (a length over 0, or chunks)."""
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"0", b"")):
            return True
    return False


def _with_deadline(scope: Scope, receive: Receive, deadline: float) -> Receive:
    """`receive`, but a body that has not arrived by `deadline` reads as the client having gone
    (the application answers 408 when it sees BODY_TIMED_OUT in the scope)."""

    async def receive_in_time() -> Message:
        try:
            with anyio.fail_after(max(0.0, deadline - time.monotonic())):
                return await receive()
        except TimeoutError:
            scope[BODY_TIMED_OUT] = True
            return {"type": "http.disconnect"}

    return receive_in_time


async def plain_answer(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol: security headers on its own 400s, and a deadline for request headers."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_deadline()  # the next request on this connection gets the same deadline

    def send_400_response(self, msg: str) -> None:
        event = h11.Response(status_code=400, reason=b"Bad Request", headers=with_security_headers(
            [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]))
        self.transport.write(self.conn.send(event) or b"")
        self.transport.write(self.conn.send(h11.Data(data=msg.encode("ascii"))) or b"")
        self.transport.write(self.conn.send(h11.EndOfMessage()) or b"")
        self.transport.close()

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        if not self.transport.is_closing():
            self._header_deadline = self.loop.call_later(HEADER_TIMEOUT, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        deadline: Any = getattr(self, "_header_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        """No complete request line and headers in time: answer 408 and hang up. (Written as raw
        bytes: h11 cannot answer a request it has not read.)"""
        self._header_deadline = None
        waiting = self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)
        if not waiting or self.transport.is_closing():
            return
        body = b"The request took too long to arrive."
        head = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                (b"connection", b"close")]
        lines = b"".join(name + b": " + value + b"\r\n" for name, value in with_security_headers(head))
        self.transport.write(b"HTTP/1.1 408 Request Timeout\r\n" + lines + b"\r\n" + body)
        self.transport.close()
