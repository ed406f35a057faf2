"""The connection rules every Tryon server enforces before a request reaches its app (uvicorn's HTTP/1.1 protocol,
subclassed): a client must send a request's headers within `HEADER_TIMEOUT_S` of connecting or of its last response,
in at most `MAX_HEADER_BYTES`, and may hold at most `MAX_CONNECTIONS_PER_CLIENT` connections at once.

uvicorn alone has no header timeout (its keep-alive timer starts only after a first response, and any byte resets
it) and counts `h11_max_incomplete_event_size` only while headers are incomplete: 70 connections that sent half a
request and stopped locked the phone page and the share server out (503) for as long as they stayed open.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_S = 10.0
MAX_HEADER_BYTES = 8192
MAX_CONNECTIONS_PER_CLIENT = 16  # a phone's browser opens ~6; a shop's NAT may put a few phones behind one address


def _closing_response(status: str, text: str, *extra_headers: str) -> bytes:
    body = text.encode()
    head = [f"HTTP/1.1 {status}", "content-type: text/plain; charset=utf-8", "connection: close", *extra_headers]
    return ("\r\n".join([*head, f"content-length: {len(body)}", "", ""])).encode() + body


_TOO_LARGE = _closing_response("431 Request Header Fields Too Large", "Request headers too large")
_TOO_MANY = _closing_response("429 Too Many Requests", "Too many open connections", "retry-after: 10")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a header deadline, a header size cap and a per-address connection budget
    (`max_connections_per_client`; a subclass may raise it: `with_connection_budget`)."""

    max_connections_per_client = MAX_CONNECTIONS_PER_CLIENT

    @classmethod
    def with_connection_budget(cls, connections: int) -> type[GuardedH11Protocol]:
        """This protocol allowing `connections` at once per client address."""
        return type("GuardedH11ProtocolBudget", (cls,), {"max_connections_per_client": connections})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._waiting_since: Any = None  # the request cycle that was current when the timer was armed
        self._header_bytes, self._tail = 0, b""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        address = self.client[0] if self.client else None
        peers = [getattr(other, "client", None) for other in self.connections]  # this connection's included
        if address is not None and [peer[0] for peer in peers if peer].count(address) > self.max_connections_per_client:
            transport.write(_TOO_MANY)
            transport.close()
            return
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        waiting = self._header_timer is not None
        if waiting:
            # The request line and headers run to the first blank line; what follows (a body) is not counted.
            seen = self._tail + data
            end = seen.find(b"\r\n\r\n")
            self._header_bytes += len(data) if end < 0 else end + 4 - len(self._tail)
            self._tail = seen[-3:]
            if self._header_bytes > MAX_HEADER_BYTES:
                self._stop_header_timer()
                self.transport.write(_TOO_LARGE)
                self.transport.close()
                return
        super().data_received(data)
        if waiting and self.cycle is not self._waiting_since:  # a whole request's headers came
            self._stop_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_headers()  # a kept-alive connection gets the same deadline for its next request

    def handle_websocket_upgrade(self, event: Any) -> None:
        self._stop_header_timer()
        super().handle_websocket_upgrade(event)

    def _await_headers(self) -> None:
        self._stop_header_timer()
        self._waiting_since = self.cycle
        self._header_bytes, self._tail = 0, b""
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT_S, self._headers_too_slow)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()
