"""The WebRTC side of the phone transport comparison (`tryon bench --phones N --transport webrtc`).

A measuring harness, not a product path: a signalling endpoint (POST /offer, SDP in JSON) and an aiortc peer per
phone that paints the incoming video track with the same `PhoneSession` as the WebSocket server and sends it
back as a video track; simulated phones are aiortc peers sending the demo face at 640×480, 30 fps, with the
frame number drawn into a corner so that the round trip of each frame can be timed on arrival.

ICE is restricted to 127.0.0.1 in both processes (aioice's host-address discovery is replaced, no STUN/TURN
servers): nothing leaves the loopback interface.
"""

from __future__ import annotations

import asyncio
import fractions
import json
import sys
import time
from typing import Any

import numpy as np

from tryon.quality.phone_bench import measure_phones, phone_result

_MARK_BITS = 12
_MARK_CELL = 16  # px per bit cell: survives VP8 at 640×480


def loopback_only() -> None:
    """Make aioice gather only 127.0.0.1 host candidates (no other address of this machine is used)."""
    import aioice.ice

    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def draw_mark(frame: np.ndarray, number: int) -> None:
    for bit in range(_MARK_BITS):
        value = 255 if (number >> bit) & 1 else 0
        frame[0:_MARK_CELL, bit * _MARK_CELL : (bit + 1) * _MARK_CELL] = value


def read_mark(frame: np.ndarray) -> int:
    number = 0
    for bit in range(_MARK_BITS):
        cell = frame[2 : _MARK_CELL - 2, bit * _MARK_CELL + 2 : (bit + 1) * _MARK_CELL - 2]
        number |= int(cell.mean() > 127) << bit
    return number


def serve(port: int) -> None:
    """Run the WebRTC signalling server on 127.0.0.1:`port` until killed (the bench's child process)."""
    import uvicorn
    from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from av import VideoFrame
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tryon.catalog.library import load_library
    from tryon.web.phone import PhoneSession

    loopback_only()
    shades = {s.id: s for s in load_library().shades}
    peers: set[Any] = set()

    class Painted(MediaStreamTrack):
        kind = "video"

        def __init__(self, source: Any) -> None:
            super().__init__()
            self.source = source
            self.session = PhoneSession(shades)
            self.session.shade = shades["mv-ruby-hour"]

        async def recv(self) -> Any:
            frame = await self.source.recv()
            # Latest frame wins, as on the WebSocket path: skip frames that queued while the last was painted.
            queue = getattr(self.source, "_queue", None)
            while queue is not None and queue.qsize() > 0:
                newer = queue.get_nowait()
                if newer is None:
                    break
                frame = newer
            rgb = frame.to_ndarray(format="rgb24")
            mark = rgb[:_MARK_CELL].copy()
            painted, _ = await asyncio.get_running_loop().run_in_executor(None, self.session.paint, rgb)
            painted[:_MARK_CELL] = mark  # keep the frame number readable
            out = VideoFrame.from_ndarray(painted, format="rgb24")
            out.pts, out.time_base = frame.pts, frame.time_base
            return out

    async def offer(request: Request) -> JSONResponse:
        params = await request.json()
        peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        peers.add(peer)

        @peer.on("track")
        def on_track(track: Any) -> None:
            peer.addTrack(Painted(track))

        await peer.setRemoteDescription(RTCSessionDescription(sdp=params["sdp"], type=params["type"]))
        await peer.setLocalDescription(await peer.createAnswer())
        return JSONResponse({"sdp": peer.localDescription.sdp, "type": peer.localDescription.type})

    app = Starlette(routes=[Route("/offer", offer, methods=["POST"])])
    print(f"webrtc bench server on {port}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


async def _phone(port: int, seconds: float, result: list[dict[str, float]]) -> None:
    import http.client

    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
    from av import VideoFrame

    from tryon.media.sources import DemoSource

    source = DemoSource(size_wh=(640, 480))
    sent: dict[int, float] = {}

    class Camera(VideoStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self.index = 0

        async def recv(self) -> Any:
            pts, time_base = await self.next_timestamp()  # paces at 30 fps
            frame = source.frame(self.index).copy()
            number = self.index % (1 << _MARK_BITS)
            draw_mark(frame, number)
            sent[number] = time.perf_counter()
            self.index += 1
            out = VideoFrame.from_ndarray(frame, format="rgb24")
            out.pts, out.time_base = pts, time_base if time_base else fractions.Fraction(1, 90000)
            return out

    peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    peer.addTrack(Camera())
    rtts: list[float] = []
    received = 0
    done = asyncio.Event()

    @peer.on("track")
    def on_track(track: Any) -> None:
        async def read() -> None:
            nonlocal received
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                frame = await track.recv()
                number = read_mark(frame.to_ndarray(format="rgb24"))
                if number in sent:
                    rtts.append((time.perf_counter() - sent[number]) * 1000)
                received += 1
            result.append(phone_result(received, time.perf_counter() - started, rtts))
            done.set()

        asyncio.ensure_future(read())

    await peer.setLocalDescription(await peer.createOffer())
    body = json.dumps({"sdp": peer.localDescription.sdp, "type": peer.localDescription.type})
    loop = asyncio.get_running_loop()

    def post() -> dict[str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/offer", body=body, headers={"content-type": "application/json"})
        answer: dict[str, str] = json.loads(conn.getresponse().read())
        conn.close()
        return answer

    answer = await loop.run_in_executor(None, post)
    await peer.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
    await asyncio.wait_for(done.wait(), timeout=seconds + 30)
    await peer.close()


def run_webrtc_bench(phones: int, seconds: float = 15.0) -> dict[str, object]:
    """Like `run_phone_bench`, over WebRTC (VP8 both ways, aiortc on both ends)."""
    import socket

    loopback_only()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return measure_phones(
        [sys.executable, "-c", f"from tryon.quality.webrtc_bench import serve; serve({port})"],
        lambda line: port if "bench server" in line else None,
        lambda port, results: asyncio.run(_phone(port, seconds, results)),
        phones=phones,
        seconds=seconds,
        transport="WebRTC (aiortc, VP8 both ways), ICE on 127.0.0.1 only",
        settle_s=1.0,
    )
