"""Hand a try-on picture to the shopper's phone: one-time links to pictures held in memory only.

`ShareStore` keeps each picture under a random 128-bit token until it is downloaded, its link expires, or the
kiosk's session ends (`clear`), whichever comes first; nothing is written to disk. `share_app` is the Starlette
app that serves exactly those pictures (a page, the image shown on it, and a one-time download) and nothing
else; `ShareServer` runs it with uvicorn on a background thread.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TOKEN_BYTES = 16  # 128 bits from `secrets`
TOKEN_PATTERN = r"[A-Za-z0-9_-]{22}"  # token_urlsafe(16): 22 characters
MAX_REQUEST_BODY_BYTES = 0  # the server takes only GET and HEAD: any body is refused
_SPENT_MEMORY_S = 24 * 3600.0  # how long a spent or expired token answers 410 instead of 404

Clock = Callable[[], float]


@dataclass(frozen=True)
class SharedPicture:
    """One picture waiting for its phone: JPEG bytes (with the shade in its EXIF), the shade names to show,
    and when its link stops working (`expires_at`, clock seconds)."""

    jpeg: bytes = field(repr=False)
    shade_names: tuple[str, ...]
    expires_at: float


MAX_PICTURES = 100  # held at once, in all (a store is one kiosk's or one phone server's)
MAX_PICTURE_BYTES = 64 * 1024 * 1024


class ShareStore:
    """Pictures by one-time token, in memory, thread-safe, at most `max_pictures` and `max_bytes` at once. `clock` is
    injectable for tests."""

    def __init__(
        self,
        *,
        ttl_s: float = 600.0,
        clock: Clock = time.monotonic,
        on_taken: Callable[[], None] | None = None,
        max_pictures: int = MAX_PICTURES,
        max_bytes: int = MAX_PICTURE_BYTES,
    ) -> None:
        """`on_taken` is called (on the server's thread) each time a picture is downloaded."""
        self.ttl_s = ttl_s
        self.max_pictures, self.max_bytes = max_pictures, max_bytes
        self._clock = clock
        self._on_taken = on_taken
        self._lock = threading.Lock()
        self._pictures: dict[str, SharedPicture] = {}
        self._spent: dict[str, float] = {}  # sha256(token) → when to forget it (the token itself is not kept)

    def add(self, jpeg: bytes, shade_names: Sequence[str]) -> str | None:
        """Hold `jpeg` for one download; returns its token (22 URL-safe characters, 128 random bits), or None when
        the store is full (the pictures waiting are never dropped to make room)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._lock:
            self._expire_locked()
            held = sum(len(p.jpeg) for p in self._pictures.values())
            if len(self._pictures) >= self.max_pictures or held + len(jpeg) > self.max_bytes:
                return None
            self._pictures[token] = SharedPicture(jpeg, tuple(shade_names), self._clock() + self.ttl_s)
        return token

    def peek(self, token: str) -> SharedPicture | None:
        """The picture for `token` if its link still works (viewing the page does not spend it)."""
        with self._lock:
            self._expire_locked()
            return self._pictures.get(token)

    def take(self, token: str) -> SharedPicture | None:
        """The picture for `token`, removed: the link works once."""
        with self._lock:
            self._expire_locked()
            picture = self._pictures.pop(token, None)
            if picture is not None:
                self._spend_locked(token)
        if picture is not None and self._on_taken is not None:
            self._on_taken()
        return picture

    def was_spent(self, token: str) -> bool:
        """Whether `token` was a real link that has been used, has expired or was cleared."""
        with self._lock:
            return _digest(token) in self._spent

    def clear(self) -> int:
        """Drop every picture (a new shopper); returns how many were dropped."""
        with self._lock:
            for token in self._pictures:
                self._spend_locked(token)
            count = len(self._pictures)
            self._pictures.clear()
            return count

    def __len__(self) -> int:
        with self._lock:
            self._expire_locked()
            return len(self._pictures)

    def held_bytes(self) -> int:
        """Bytes of picture data held right now."""
        with self._lock:
            self._expire_locked()
            return sum(len(p.jpeg) for p in self._pictures.values())

    def _spend_locked(self, token: str) -> None:
        self._spent[_digest(token)] = self._clock() + _SPENT_MEMORY_S

    def _expire_locked(self) -> None:
        now = self._clock()
        for token in [t for t, p in self._pictures.items() if p.expires_at <= now]:
            del self._pictures[token]
            self._spend_locked(token)
        for digest in [d for d, until in self._spent.items() if until <= now]:
            del self._spent[digest]


def one_time_picture(store: ShareStore, token: str, method: str) -> SharedPicture | None:
    """The picture a one-time link delivers: a GET takes it (the link is spent), a HEAD only looks — chat apps'
    link previewers send HEAD, and must not burn the shopper's picture."""
    return store.peek(token) if method == "HEAD" else store.take(token)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RateLimiter:
    """At most `per_minute` requests per client address in any 60 s window (sliding log), thread-safe."""

    def __init__(self, per_minute: int, *, clock: Clock = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def allow(self, client: str) -> bool:
        now = self._clock()
        with self._lock:
            log = self._seen.setdefault(client, deque())
            while log and log[0] <= now - 60.0:
                log.popleft()
            if len(log) >= self.per_minute:
                return False
            log.append(now)
            if len(self._seen) > 10_000:  # forget quiet clients so the log cannot grow without bound
                for quiet in [c for c, entries in self._seen.items() if not entries]:
                    del self._seen[quiet]
            return True


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Your Tryon picture</title>
<style>
 body {{ margin: 0; font: 17px/1.4 system-ui, sans-serif; background: #1d1b1e; color: #fff; }}
 main {{ max-width: 36rem; margin: 0 auto; padding: 16px; }}
 img {{ width: 100%; border-radius: 8px; display: block; }}
 h1 {{ font-size: 1.3rem; margin: 0 0 12px; }}
 .shades {{ margin: 12px 0; color: #f3d8df; }}
 a.button.second {{ background: #3a363c; margin-top: 10px; }}
 a.button {{ display: block; text-align: center; background: #c2185b; color: #fff; text-decoration: none;
   font-weight: 700; padding: 16px; border-radius: 10px; font-size: 1.1rem; }}
 p.small {{ color: #c9c4c8; font-size: 0.9rem; }}
</style></head>
<body><main>
<h1>Your try-on</h1>
<img src="data:image/jpeg;base64,{image}" alt="Your try-on picture">
<p class="shades">{shades}</p>
<a class="button" href="/s/{token}/download" download="tryon.jpg">Download picture</a>
{continue_link}
<p class="small">This link works once and expires in {minutes} min. The picture is deleted from the kiosk
when you download it, when the link expires, or when the next shopper starts.</p>
</main></body></html>
"""

_GONE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Link used</title>
<style>body {{ font: 17px/1.4 system-ui, sans-serif; background: #1d1b1e; color: #fff; padding: 24px; }}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>
"""

_SECURITY_HEADERS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
}


def share_app(
    store: ShareStore, *, requests_per_minute: int = 30, clock: Clock = time.monotonic, phone_url: str = ""
) -> Any:
    """The Starlette app: GET /s/{token} (page), GET /s/{token}/download (the JPEG, once). Anything else is 404,
    a body is 413, a method other than GET/HEAD 405, a client over `requests_per_minute` 429. With `phone_url`
    (the shop's `tryon serve` page) the page also offers "Continue trying on your phone"."""
    continue_link = (
        f'<a class="button second" href="{html.escape(phone_url, quote=True)}">Continue trying on your phone</a>'
        if phone_url
        else ""
    )
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route

    limiter = RateLimiter(requests_per_minute, clock=clock)

    def gone_or_missing(token: str) -> Response:
        if store.was_spent(token):
            page = _GONE.format(
                title="This link has been used",
                text="The picture was downloaded, or its link expired, or the next shopper started. "
                "Ask at the kiosk for a new one.",
            )
            return HTMLResponse(page, status_code=410, headers=_SECURITY_HEADERS)
        return HTMLResponse(
            _GONE.format(title="Not found", text="There is no picture here."),
            status_code=404,
            headers=_SECURITY_HEADERS,
        )

    async def page(request: Request) -> Response:
        token = request.path_params["token"]
        picture = store.peek(token)
        if picture is None:
            return gone_or_missing(token)
        minutes = max(1, round((picture.expires_at - clock()) / 60))
        body = _PAGE.format(
            image=base64.b64encode(picture.jpeg).decode("ascii"),
            shades=html.escape(" · ".join(picture.shade_names)),
            token=token,
            minutes=minutes,
            continue_link=continue_link,
        )
        return HTMLResponse(body, headers=_SECURITY_HEADERS)

    async def download(request: Request) -> Response:
        token = request.path_params["token"]
        picture = one_time_picture(store, token, request.method)
        if picture is None:
            return gone_or_missing(token)
        headers = {**_SECURITY_HEADERS, "content-disposition": 'attachment; filename="tryon.jpg"'}
        return Response(picture.jpeg, media_type="image/jpeg", headers=headers)

    app = Starlette(
        routes=[
            Route("/s/{token:str}", page, methods=["GET"]),
            Route("/s/{token:str}/download", download, methods=["GET"]),
        ],
    )
    token_ok = re.compile(f"^{TOKEN_PATTERN}$")

    async def guarded(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        response: Response | None = None
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"0")
        if not limiter.allow(client):
            response = PlainTextResponse(
                "Too many requests: wait a minute", status_code=429, headers={"retry-after": "60"}
            )
        elif scope["method"] not in ("GET", "HEAD"):
            response = PlainTextResponse("Method not allowed", status_code=405, headers={"allow": "GET, HEAD"})
        elif not length.isdigit() or int(length) > MAX_REQUEST_BODY_BYTES or b"transfer-encoding" in headers:
            response = PlainTextResponse("Request body not accepted", status_code=413)
        else:
            parts = scope["path"].split("/")
            # /s/TOKEN or /s/TOKEN/download with a well-formed token; raw_path must not hide dots or slashes.
            raw = scope.get("raw_path") or scope["path"].encode()
            well_formed = (
                len(parts) in (3, 4)
                and parts[1] == "s"
                and token_ok.match(parts[2]) is not None
                and (len(parts) == 3 or parts[3] == "download")
                and b"%" not in raw
                and b".." not in raw
            )
            if not well_formed:
                response = PlainTextResponse("Not found", status_code=404, headers=_SECURITY_HEADERS)
        if response is not None:
            await response(scope, receive, send)
            return
        await app(scope, receive, send)

    return guarded


class BackgroundServer:
    """An ASGI `app` served by uvicorn on a background thread at `host:port` (port 0: any free port), over TLS
    when `ssl_certfile`/`ssl_keyfile` are given, with `tryon.web.guard`'s connection rules (`clients_per_address`
    browsers may share one address: its connection budget is that many times a browser's). No access log: URLs
    carry tokens."""

    def __init__(
        self,
        app: Any,
        host: str,
        port: int,
        *,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
        clients_per_address: int = 1,
    ) -> None:
        import uvicorn

        from tryon.web.guard import MAX_CONNECTIONS_PER_CLIENT, MAX_HEADER_BYTES, GuardedH11Protocol

        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            access_log=False,
            log_level="warning",
            # header deadline and size, connections per client address
            http=GuardedH11Protocol.with_connection_budget(MAX_CONNECTIONS_PER_CLIENT * clients_per_address),
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
            limit_concurrency=max(64, 24 * clients_per_address),
            timeout_keep_alive=5,
            server_header=False,
            lifespan="off",
            ws="wsproto",
            ws_max_size=2_100_000,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="tryon-web-server", daemon=True)

    def start(self, timeout_s: float = 10.0) -> None:
        """Start serving; returns once the socket listens. Raises OSError if it cannot bind."""
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive():
                raise OSError("the server could not start (is the address in use or not on this machine?)")
            if time.monotonic() > deadline:
                raise OSError("the server did not start in time")
            time.sleep(0.02)

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        for server in getattr(self._server, "servers", []):
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return int(self._server.config.port)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


class ShareServer(BackgroundServer):
    """`share_app` on a background thread, bound to `host:port` (127.0.0.1 unless the operator sets the shop
    network's address)."""

    def __init__(
        self,
        store: ShareStore,
        host: str,
        port: int,
        *,
        requests_per_minute: int = 30,
        clock: Clock = time.monotonic,
        phone_url: str = "",
    ) -> None:
        app = share_app(store, requests_per_minute=requests_per_minute, clock=clock, phone_url=phone_url)
        super().__init__(app, host, port)
        self.store = store
