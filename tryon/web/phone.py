"""The phone as the camera: `tryon serve` — a mobile page over HTTPS with the lipstick on the phone's front camera.

The page at / runs the try-on in the phone's own browser (`<tryon-lipstick>`: MediaPipe in WebAssembly, the colour
model in WebGL2): the server only serves files, so it serves any number of phones and no camera frame leaves the
phone. What the page sends: nothing while trying on; one camera picture when the shopper taps "For you" (POST
/advice, measured and forgotten); the saved picture is made and downloaded on the phone. Every response carries a
Content-Security-Policy whose connect-src is 'self'.

Where the browser cannot run the engine (no WebAssembly SIMD, no WebGL2, the landmarker fails), the page says so
and offers /stream: the server-rendered stream, capped at `max_phones`, described below.

Transport of /stream: binary WebSocket messages. The page sends a JPEG of the current camera frame, waits for the
painted JPEG, draws it and only then sends the next frame, so a slow network or a busy server drops frames instead of
queueing them (latest frame wins on both ends). Each connection is one phone session with its own video-mode
`Pipeline` (its own smoother), created on connect and closed on disconnect; at most `max_phones` at once (the
next one is told "busy, try again"). Nothing is written to disk or logged: frames live for one round trip; a
saved picture waits in a `ShareStore` for its one download.

Messages from the page: a binary message is a JPEG frame; a text message is JSON: {"shade": ID},
{"intensity": 0–1}, {"before": bool}, {"advise": true} (measure the face over the next frames), {"save": true}
(the next binary message is the full-resolution picture to save). Messages to the page: a binary message is the
painted JPEG; text JSON: {"hello": {...}}, {"advice": {...}}, {"picture": URL}, {"skipped": true}, {"error": TEXT}.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import secrets
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import cv2
import numpy as np

from tryon.analytics.events import utc_now
from tryon.catalog.model import Shade
from tryon.web.share import TOKEN_PATTERN, RateLimiter, ShareStore, one_time_picture

MAX_FRAME_BYTES = 2_000_000  # one JPEG message
MAX_FRAME_SIDE_PX = 1920
MIN_FRAME_SIDE_PX = 64
MAX_CONTROL_CHARS = 1024  # one JSON control message
MAX_PICTURES_PER_PHONE = 10  # pictures one phone may have waiting for download
# What one phone may send, of every kind: frames (a picture to save is a frame too) at most 30 a second, controls
# (a slider dragged sends a stream of them) 100 a second in bursts of 40. Over it a message is dropped unread.
FRAMES_PER_S, FRAME_BURST = 30.0, 2  # a burst of 2: a picture to save right after a frame
CONTROLS_PER_S, CONTROL_BURST = 100.0, 40
IDLE_CLOSE_S = 20.0  # a connected phone that sends nothing for this long is let go
ADVICE_FRAMES = 8  # frames the advisor measures the face over
BODY_WAIT_S = 10.0  # a request body ("For you"'s picture, a batch of events) must arrive within this long
# Every response: scripts, styles, images and connections from this server only ('wasm-unsafe-eval' lets the page
# compile MediaPipe's WebAssembly; blob: images are the shopper's own saved pictures), no framing, no plugins. The
# tasks-vision package's usage-metrics request to Google is refused by connect-src.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self'; media-src 'self' blob: mediastream:; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
_EVERY_RESPONSE = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


@dataclass
class PhoneSessions:
    """The phones connected now (by random session id), capped at `max_phones`. Thread-safe."""

    max_phones: int
    _ids: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self) -> str | None:
        """A new session id (128 random bits), or None when `max_phones` are connected."""
        with self._lock:
            if len(self._ids) >= self.max_phones:
                return None
            session = secrets.token_urlsafe(16)
            self._ids.add(session)
            return session

    def close(self, session: str) -> None:
        with self._lock:
            self._ids.discard(session)

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)


def decode_frame(data: bytes) -> np.ndarray | None:
    """A JPEG message as RGB uint8, or None if it is not a whole JPEG of 64–1920 px a side within 2 MB (a PNG, a
    truncated or header-patched file). The size is checked from the header before a pixel is decoded: a 700-byte
    file can claim 32000 × 32000 pixels (4 GB)."""
    if not data or len(data) > MAX_FRAME_BYTES or not data.startswith(b"\xff\xd8"):
        return None
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size is checked here
            with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
                width, height = image.size  # from the header: nothing is decoded yet
                if max(width, height) > MAX_FRAME_SIDE_PX or min(width, height) < MIN_FRAME_SIDE_PX:
                    return None
                rgb = image.convert("RGB")  # decodes; a truncated file raises here (OpenCV would pad it grey)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return np.ascontiguousarray(np.asarray(rgb))


class TokenBucket:
    """At most `per_s` events a second on average, `burst` at once (`clock` seconds, injectable for tests)."""

    def __init__(self, per_s: float, burst: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_s, self._burst, self._clock = per_s, float(burst), clock
        self._tokens, self._at = float(burst), clock()

    def allow(self) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._per_s)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class PhoneBudget:
    """What one connected phone may send: every message passes `allow` before it is read (decoded, parsed or
    applied), so none can go round it — pictures to save included — and `take_picture` caps what it may leave
    waiting in the store."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.frames = TokenBucket(FRAMES_PER_S, FRAME_BURST, clock=clock)
        self.controls = TokenBucket(CONTROLS_PER_S, CONTROL_BURST, clock=clock)
        self.pictures = 0

    def allow(self, message: Mapping[str, Any]) -> bool:
        if message.get("text") is not None:
            return len(message["text"]) <= MAX_CONTROL_CHARS and self.controls.allow()
        return self.frames.allow()

    def take_picture(self) -> bool:
        if self.pictures >= MAX_PICTURES_PER_PHONE:
            return False
        self.pictures += 1
        return True


def encode_jpeg(rgb: np.ndarray, quality: int = 80) -> bytes:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(data)


def shades_json(shades: Sequence[Shade]) -> list[dict[str, object]]:
    """What the page's shade strip needs: id, name, brand, collection, finish and the bullet colour."""
    return [
        {
            "id": s.id,
            "name": s.name,
            "brand": s.brand,
            "collection": s.collection,
            "finish": s.finish,
            "color": s.color,
        }
        for s in shades
    ]


class PhoneSession:
    """One phone: its pipeline (video mode, its own smoother) and its choices. Used from one thread at a time.
    With a `recorder`, its anonymous try-on events go to the analytics store (as the app's and the kiosk's)."""

    def __init__(self, shades: dict[str, Shade], recorder: Any = None) -> None:
        from tryon.analytics.recorder import ShopperEvents
        from tryon.engine.pipeline import Pipeline

        self.shades = shades
        self.events = ShopperEvents(recorder, shades=shades.values())
        self.shade: Shade = next(iter(shades.values()))
        self.intensity = 0.85
        self.before = False
        self.pipeline = Pipeline(mode="video", max_faces=2)
        self.advice_samples: list[Any] | None = None  # collecting frames for the advisor when not None
        self._started = time.monotonic()
        self._last_ts = -1

    def _timestamp(self) -> int:
        now = max(self._last_ts + 1, int((time.monotonic() - self._started) * 1000))
        self._last_ts = now
        return now

    def paint(self, frame: np.ndarray) -> tuple[np.ndarray, dict[str, object] | None]:
        """`frame` with the lipstick (or as it is while "before" is held), and the advice once enough frames
        were measured after an {"advise": true} (else None)."""
        result = self.pipeline.process(
            frame, None if self.before else self.shade, intensity=self.intensity, timestamp_ms=self._timestamp()
        )
        self.events.frame(None if self.before else self.shade.id, result.faces_found)
        return result.rendered, self._advise(frame, result)

    def record(self, kind: str, shade: Shade | None = None, **fields: object) -> None:
        self.events.record(kind, shade, **fields)

    def _advise(self, frame: np.ndarray, result: Any) -> dict[str, object] | None:
        from tryon.advisor.advice import advise, largest_face
        from tryon.advisor.measure import NoSkinError, sample_face
        from tryon.advisor.recommend import LipsReference
        from tryon.media.swatch import on_lips_lab, reference_lip_lab

        samples = self.advice_samples
        if samples is None:
            return None
        if result.faces_found:
            try:
                samples.append(sample_face(frame, largest_face(result.faces)))
            except NoSkinError:
                pass
        if len(samples) < ADVICE_FRAMES:
            return None
        self.advice_samples = None
        advice = advise(
            samples, list(self.shades.values()), count=4, reference=LipsReference(on_lips_lab, reference_lip_lab())
        )
        return advice.for_shopper()

    def picture(self, frame: np.ndarray) -> bytes:
        """`frame` painted at full resolution, as a JPEG with the shade in its EXIF (as the desktop saves it)."""
        from tryon.engine.pipeline import Pipeline
        from tryon.media.export import TryonMetadata, encode_image

        with Pipeline(mode="image", max_faces=2) as still:
            painted = still.process(frame, self.shade, intensity=self.intensity).rendered
        self.record("snapshot", self.shade)
        self.record("shared", self.shade, value="phone")
        return encode_image(painted, metadata=TryonMetadata.from_shade(self.shade, intensity=self.intensity))

    def close(self) -> None:
        self.events.flush()
        self.record("session_end")
        self.pipeline.close()


def phone_app(
    shades: Sequence[Shade],
    *,
    max_phones: int = 4,
    store: ShareStore | None = None,
    requests_per_minute: int = 600,
    recorder: Any = None,
    clock: Callable[[], float] = time.monotonic,
    events_store: Any = None,
    event_catalog: Any = None,
    events_per_minute: int | None = None,
    allow_origins: Sequence[str] = (),
    device_id: str = "web",
) -> Any:
    """The Starlette app: the browser-engine page at / with its files under /static/ (engine, tasks-vision, model),
    /catalog.json (the shades for `<tryon-lipstick>`), POST /advice (one camera picture → picks); the
    server-rendered fallback at /stream with /shades.json and the /ws stream; one-time saved pictures at /p/TOKEN
    (the share server's rules: no listing, no traversal, no bodies but /advice's, rate limit). `clock` (seconds)
    paces each phone's messages; injectable for tests.

    With an `events_store` (a `tryon.analytics.store.Store`), POST /events is the events collector
    (`tryon.web.collector`): batches from pages stored with `device_id` and the shade's catalog from
    `event_catalog` (a `collector.EventCatalog`; default: from `shades`), `events_per_minute` requests per client
    address (0: no limit), CORS for `allow_origins` ("https://brand.example").

    Raises:
        ModelError: a vendored browser-engine file or the model fails its sha256 check (`page_files`).
    """
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    from tryon.web.engine_constants import web_catalog
    from tryon.web.page_files import page_files

    by_id = {s.id: s for s in shades}
    sessions = PhoneSessions(max_phones)
    pictures = store if store is not None else ShareStore(ttl_s=600)
    limiter = RateLimiter(requests_per_minute)
    files = page_files()
    # Compressed once, now, off the way (the 13 MB WebAssembly takes about a second): the first phone gets it at once.
    threading.Thread(target=lambda: [f.gzipped for f in files.values()], name="gzip-page-files", daemon=True).start()
    catalog = json.dumps(web_catalog(tuple(shades))).encode()
    advisor = OneFrameAdvisor(list(shades))
    from tryon.web import collector

    known_shades = event_catalog or collector.EventCatalog.from_shades(shades)
    per_minute = collector.DEFAULT_EVENTS_PER_MINUTE if events_per_minute is None else events_per_minute
    events_limiter = RateLimiter(per_minute) if per_minute > 0 else None
    origins = set(allow_origins)

    def page(name: str, status: int = 200) -> Response:
        return Response(files[name].data, status, media_type=files[name].media_type, headers=_SECURITY_HEADERS)

    async def index(request: Request) -> Response:
        return page("index.html")

    async def stream_page(request: Request) -> Response:
        return page("busy.html", 503) if len(sessions) >= max_phones else page("stream.html")

    async def static(request: Request) -> Response:
        served = files.get(request.path_params["path"])
        if served is None or served.media_type.startswith("text/html"):
            return PlainTextResponse("Not found", 404)
        headers = {"cache-control": served.cache_control, "vary": "accept-encoding"}
        if "gzip" in request.headers.get("accept-encoding", "") and served.gzipped is not None:
            headers["content-encoding"] = "gzip"
            return Response(served.gzipped, media_type=served.media_type, headers=headers)
        return Response(served.data, media_type=served.media_type, headers=headers)

    async def catalog_json(request: Request) -> Response:
        return Response(catalog, media_type="application/json", headers={"cache-control": "no-cache"})

    def cors(request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        if origin is None or origin not in origins:
            return {}
        return {"access-control-allow-origin": origin, "vary": "origin"}

    def foreign(request: Request) -> bool:
        """A page of another site that is not allowed: its beacons are refused, not only left unread."""
        origin = request.headers.get("origin")
        return origin is not None and origin not in origins and urlsplit(origin).netloc != request.headers.get("host")

    async def collect(request: Request) -> Response:
        """POST /events: a batch of try-on events, stored once committed (202), or refused with the reason."""
        headers = cors(request)
        if request.method == "OPTIONS":
            if not headers:
                return PlainTextResponse("Origin not allowed", 403)
            preflight = {
                "access-control-allow-methods": "POST",
                "access-control-allow-headers": "content-type, idempotency-key",
                "access-control-max-age": "86400",
            }
            return Response(status_code=204, headers={**headers, **preflight})
        if foreign(request):
            return JSONResponse({"error": "this page's origin may not send events here"}, 403)
        if events_store is None:
            return JSONResponse({"error": "this server records no events"}, 404, headers=headers)
        client = request.client.host if request.client else "?"
        if events_limiter is not None and not events_limiter.allow(client):
            return JSONResponse({"error": "too many requests"}, 429, headers={**headers, "retry-after": "60"})
        try:
            key = collector.idempotency_key(request.headers, request.query_params)
            body = await asyncio.wait_for(request.body(), timeout=BODY_WAIT_S)
            batch = collector.parse_events(body, known_shades, device_id, utc_now())
        except TimeoutError:
            return JSONResponse({"error": "the body took too long to arrive"}, 408, headers=headers)
        except collector.EventsRefused as refused:
            return JSONResponse({"error": str(refused)}, 400, headers=headers)
        loop = asyncio.get_running_loop()
        try:
            if key is None:
                await loop.run_in_executor(None, events_store.add, batch)
                stored, repeat = len(batch), False
            else:
                stored, repeat = await loop.run_in_executor(None, events_store.add_once, batch, key, utc_now())
        except Exception:  # noqa: BLE001 - the database is down or full: nothing acknowledged, the page retries
            return JSONResponse({"error": "the events could not be stored now; send them again"}, 503, headers=headers)
        return JSONResponse({"stored": stored, "repeat": repeat}, 202, headers=headers)

    async def advice(request: Request) -> Response:
        """One camera picture (JPEG body) → the advisor's picks; the picture is measured in memory and dropped."""
        try:
            body = await asyncio.wait_for(request.body(), timeout=BODY_WAIT_S)
        except TimeoutError:
            return JSONResponse({"error": "the picture took too long to arrive"}, 408)
        frame = await asyncio.get_running_loop().run_in_executor(None, decode_frame, body)
        if frame is None:
            return JSONResponse({"error": "not a JPEG picture within 64–1920 px and 2 MB"}, 400)
        result = await asyncio.get_running_loop().run_in_executor(None, advisor.advise, frame)
        if result is None:
            return JSONResponse({"error": "No face was found in the picture. Look at the camera and try again."}, 422)
        return JSONResponse(result, headers=_SECURITY_HEADERS)

    async def shade_list(request: Request) -> Response:
        return JSONResponse(shades_json(shades), headers=_SECURITY_HEADERS)

    async def swatch(request: Request) -> Response:
        """The shade painted by the engine on the reference lips (as the desktop's and the sheets' chips)."""
        shade = by_id.get(request.path_params["shade_id"].removesuffix(".png"))
        if shade is None:
            return PlainTextResponse("Not found", 404)
        png = await asyncio.get_running_loop().run_in_executor(None, swatch_png, shade)
        return Response(png, media_type="image/png", headers={"cache-control": "max-age=3600"})

    async def saved(request: Request) -> Response:
        picture = one_time_picture(pictures, request.path_params["token"], request.method)
        if picture is None:
            return PlainTextResponse("This picture was already downloaded or has expired", 410)
        headers = {**_SECURITY_HEADERS, "content-disposition": 'attachment; filename="tryon.jpg"'}
        return Response(picture.jpeg, media_type="image/jpeg", headers=headers)

    async def stream(websocket: WebSocket) -> None:
        origin = websocket.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != websocket.headers.get("host"):
            await websocket.close(code=1008)  # another site's page driving a shopper's browser: refused (403)
            return
        session_id = sessions.open()
        await websocket.accept()
        if session_id is None:
            await websocket.send_text(json.dumps({"error": "busy"}))
            await websocket.close(code=1013)  # try again later
            return
        loop = asyncio.get_running_loop()
        session: PhoneSession | None = None
        try:
            session = await loop.run_in_executor(None, PhoneSession, by_id, recorder)
            session.record("session_start")
            await websocket.send_text(json.dumps({"hello": {"shade": session.shade.id, "max_fps": int(FRAMES_PER_S)}}))
            saving = False
            budget = PhoneBudget(clock)
            while True:
                message = await asyncio.wait_for(websocket.receive(), timeout=IDLE_CLOSE_S)
                if message["type"] == "websocket.disconnect":
                    break
                if not budget.allow(message):
                    await websocket.send_text(json.dumps({"skipped": True}))  # over its budget: dropped unread
                    continue
                if message.get("text") is not None:
                    saving = _apply_control(session, message["text"], by_id) or saving
                    continue
                frame = await loop.run_in_executor(None, decode_frame, message.get("bytes") or b"")
                if frame is None:
                    await websocket.send_text(json.dumps({"error": "not a JPEG frame within 64–1920 px and 2 MB"}))
                    continue
                if saving:
                    saving = False
                    if not budget.take_picture():
                        await websocket.send_text(json.dumps({"error": "too many pictures saved; download them"}))
                        continue
                    jpeg = await loop.run_in_executor(None, session.picture, frame)
                    token = pictures.add(jpeg, [session.shade.name])
                    if token is None:
                        await websocket.send_text(json.dumps({"error": "the picture store is full; try again soon"}))
                        continue
                    await websocket.send_text(json.dumps({"picture": f"/p/{token}"}))
                    continue
                painted, advice = await loop.run_in_executor(None, session.paint, frame)
                await websocket.send_bytes(await loop.run_in_executor(None, encode_jpeg, painted))
                if advice is not None:
                    await websocket.send_text(json.dumps({"advice": advice}))
        except (WebSocketDisconnect, TimeoutError):
            pass
        finally:
            sessions.close(session_id)
            if session is not None:
                await loop.run_in_executor(None, session.close)

    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/stream", stream_page, methods=["GET"]),
            Route("/static/{path:path}", static, methods=["GET"]),
            Route("/catalog.json", catalog_json, methods=["GET"]),
            Route("/advice", advice, methods=["POST"]),
            Route("/events", collect, methods=["POST", "OPTIONS"]),
            Route("/shades.json", shade_list, methods=["GET"]),
            Route("/swatch/{shade_id:str}", swatch, methods=["GET"]),
            Route("/p/{token:str}", saved, methods=["GET"]),
            WebSocketRoute("/ws", stream),
        ]
    )
    import re

    token_ok = re.compile(f"^{TOKEN_PATTERN}$")

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            client = (scope.get("client") or ("?", 0))[0]
            headers = dict(scope.get("headers") or [])
            raw = scope.get("raw_path") or scope["path"].encode()
            parts = scope["path"].split("/")
            response: Response | None = None
            advice_post = scope["method"] == "POST" and scope["path"] == "/advice"
            events_call = scope["path"] == "/events" and scope["method"] in ("POST", "OPTIONS")
            if events_call:  # its own rate limit (--events-per-minute) and body rule
                if scope["method"] == "POST" and not _small_body(headers, collector.MAX_BODY_BYTES):
                    response = PlainTextResponse("A body of at most 64 KiB, with its Content-Length, is accepted", 413)
            elif not limiter.allow(client):
                response = PlainTextResponse("Too many requests", 429, headers={"retry-after": "60"})
            elif scope["method"] not in ("GET", "HEAD") and not advice_post:
                response = PlainTextResponse("Method not allowed", 405)
            elif advice_post and not _small_body(headers):
                response = PlainTextResponse("A picture of at most 2 MB, with its Content-Length, is accepted", 413)
            elif not advice_post and (headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers):
                response = PlainTextResponse("Request body not accepted", 413)
            elif b"%" in raw or b".." in raw:
                response = PlainTextResponse("Not found", 404)
            elif len(parts) == 3 and parts[1] == "p" and not token_ok.match(parts[2]):
                response = PlainTextResponse("Not found", 404)
            if response is not None:
                await response(scope, receive, _with_policy(send))
                return
            await app(scope, receive, _with_policy(send))
            return
        await app(scope, receive, send)

    guarded.sessions = sessions  # type: ignore[attr-defined]  # for tests and the status line
    return guarded


def _with_policy(send: Any) -> Any:
    """`send` that adds the Content-Security-Policy and the other every-response headers to an HTTP response."""

    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(name, value) for name, value in _EVERY_RESPONSE if name not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


def _small_body(headers: Mapping[bytes, bytes], limit: int = MAX_FRAME_BYTES) -> bool:
    """A body announced by Content-Length (not chunked), 1 byte to `limit`."""
    length = headers.get(b"content-length", b"")
    return b"transfer-encoding" not in headers and length.isdigit() and 0 < int(length) <= limit


class OneFrameAdvisor:
    """The advisor on one camera picture ("For you" on the browser-engine page): finds the largest face, measures
    skin and lips, picks shades. One request at a time (a landmarker made for it and closed: "For you" is a tap,
    not a stream). Thread-safe."""

    def __init__(self, shades: list[Shade]) -> None:
        self.shades = shades
        self._lock = threading.Lock()

    def advise(self, frame: np.ndarray) -> dict[str, object] | None:
        """`Advice.for_shopper` for the largest face in `frame` (RGB uint8), or None without a face."""
        from tryon.advisor.advice import advise, largest_face
        from tryon.advisor.measure import NoSkinError, sample_face
        from tryon.advisor.recommend import LipsReference
        from tryon.engine.pipeline import Pipeline
        from tryon.media.swatch import on_lips_lab, reference_lip_lab

        with self._lock, Pipeline(mode="image", max_faces=2) as pipeline:
            faces = pipeline.process(frame, None).faces
        if not faces:
            return None
        try:
            sample = sample_face(frame, largest_face(faces))
        except NoSkinError:
            return None
        result = advise([sample], self.shades, count=4, reference=LipsReference(on_lips_lab, reference_lip_lab()))
        return result.for_shopper()


@functools.lru_cache(maxsize=4096)
def swatch_png(shade: Shade) -> bytes:
    from tryon.media.swatch import DEFAULT_INTENSITY, on_lips

    rgb = on_lips(shade, DEFAULT_INTENSITY, (112, 56))
    return bytes(cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1])


def _apply_control(session: PhoneSession, text: str, by_id: dict[str, Shade]) -> bool:
    """Apply a JSON control message; True when it asks to save the next frame."""
    try:
        control = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack (a hostile message)
        return False
    if not isinstance(control, dict):
        return False
    shade = by_id.get(str(control.get("shade", "")))
    if shade is not None:
        session.shade = shade
    intensity = control.get("intensity")
    if isinstance(intensity, int | float) and not isinstance(intensity, bool) and 0.0 <= intensity <= 1.0:
        session.intensity = float(intensity)
    if isinstance(control.get("before"), bool):
        session.before = bool(control["before"])
    if control.get("advise") is True:
        session.advice_samples = []
    return control.get("save") is True
