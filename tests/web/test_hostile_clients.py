"""Hostile clients against the real servers on 127.0.0.1 (the phone page and the kiosk's share server): each case
is a probe's repro (issue 21) that once hurt and now does not."""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tryon.media.sources import DemoSource
from tryon.web.guard import HEADER_TIMEOUT_S, MAX_CONNECTIONS_PER_CLIENT
from tryon.web.phone import MAX_PICTURES_PER_PHONE, decode_frame, encode_jpeg, phone_app
from tryon.web.share import BackgroundServer, ShareServer, ShareStore

OTHER_CLIENT = "127.0.0.2"  # still loopback: another "address" for the server, the same machine


def bomb(width: int = 32000, height: int = 32000) -> bytes:
    """A small real JPEG whose header is patched to claim `width` × `height` pixels (~700 bytes)."""
    data = bytearray(encode_jpeg(np.full((64, 64, 3), 128, np.uint8), quality=10))
    sof = data.index(b"\xff\xc0")  # baseline start-of-frame: length, precision, height, width
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def status_of(port: int, path: str = "/", method: str = "GET", source: str | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0) if source else None)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.fixture
def phone_server(library) -> Iterator[BackgroundServer]:  # noqa: ANN001
    running = BackgroundServer(phone_app(library.shades, max_phones=2), "127.0.0.1", 0)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def share_server() -> Iterator[ShareServer]:
    running = ShareServer(ShareStore(ttl_s=600), "127.0.0.1", 0, requests_per_minute=600)
    running.start()
    yield running
    running.stop()


# ----- 1. decompression bombs: the size is read from the header, nothing is decoded


def test_a_jpeg_claiming_a_billion_pixels_is_refused_from_its_header(monkeypatch) -> None:  # noqa: ANN001
    from PIL import ImageFile

    decoded: list[int] = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(1) or real_load(image))
    assert len(bomb()) < 1000
    for claimed in (bomb(), bomb(20000, 20000), bomb(1921, 1080)):
        assert decode_frame(claimed) is None
    assert decoded == []  # refused before any decoding
    assert decode_frame(encode_jpeg(DemoSource(size_wh=(640, 480)).frame(0))).shape == (480, 640, 3)


def test_png_and_truncated_jpegs_are_not_frames() -> None:
    frame = DemoSource(size_wh=(640, 480)).frame(0)
    assert decode_frame(bytes(cv2.imencode(".png", frame)[1])) is None
    whole = encode_jpeg(frame)
    assert decode_frame(whole[: len(whole) // 2]) is None  # cut short
    # Cut short with an end marker patched on, libjpeg only warns and pads the rest grey: a frame of the size its
    # header declares (within the bounds above), which costs what any frame costs. Accepted, knowingly.


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


@pytest.mark.slow
def test_bombs_on_the_phone_socket_cost_no_memory_and_no_ones_page(processes, ws_client, tmp_path: Path) -> None:  # noqa: ANN001
    command = [sys.executable, "-m", "tryon.cli", "serve", "--bind", "127.0.0.1:0", "--no-analytics"]
    serve = processes.start(command)
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", serve.wait_for("Ctrl-C stops")).group(1))
    phone = ws_client(port)
    phone.receive()
    phone.send_bytes(encode_jpeg(DemoSource(size_wh=(640, 480)).frame(0)))
    assert isinstance(phone.receive(), bytes)  # a real frame painted: the model is loaded, this is "idle"
    idle_mb = _rss_mb(serve.pid)
    for claimed in (bomb(), bomb(20000, 20000)) * 3:
        time.sleep(1 / 30)  # within the phone's frame budget: every bomb is read, none skipped unread
        phone.send_bytes(claimed)
        assert "error" in json.loads(phone.receive())
        assert status_of(port) == 200  # another shopper's page, between the bombs
    phone.close()
    assert _peak_rss_mb(serve.pid) - idle_mb < 300, f"idle {idle_mb:.0f} MB, peak {_peak_rss_mb(serve.pid):.0f} MB"


# ----- 2. slow headers: a deadline, a size cap and a connection budget per address, on both servers


@pytest.mark.slow
@pytest.mark.parametrize("which", ["phone_server", "share_server"])
def test_half_open_connections_neither_lock_the_page_out_nor_stay(which: str, request, wait_until) -> None:  # noqa: ANN001
    server = request.getfixturevalue(which)
    page = "/" if which == "phone_server" else "/s/AAAAAAAAAAAAAAAAAAAAAA"
    expected = status_of(server.port, page)
    held = []
    for _ in range(70):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=30, source_address=(OTHER_CLIENT, 0))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # ...and never the blank line that ends the headers
        held.append(sock)
    try:
        assert status_of(server.port, page) == expected  # a shopper's page while the 70 hang
        # Past its budget, that address is told at once (429) and let go; the rest are closed at the deadline.
        refused = 0
        for sock in held:
            sock.settimeout(HEADER_TIMEOUT_S * 3)
            reply = sock.recv(4096)  # b"" once the server closes it
            refused += reply.startswith(b"HTTP/1.1 429")
        assert refused >= 70 - MAX_CONNECTIONS_PER_CLIENT
        assert status_of(server.port, page, source=OTHER_CLIENT) == expected  # the address is welcome again
    finally:
        for sock in held:
            sock.close()


@pytest.mark.parametrize("which", ["phone_server", "share_server"])
def test_oversized_headers_are_refused_even_in_one_write(which: str, request) -> None:  # noqa: ANN001
    server = request.getfixturevalue(which)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * 100_000 + b"\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 431")


# ----- 3. a HEAD request looks at a one-time link without spending it


def test_head_does_not_spend_a_kiosk_picture_link(share_server: ShareServer) -> None:
    token = share_server.store.add(b"\xff\xd8picture\xff\xd9", ["Ruby Hour"])
    assert status_of(share_server.port, f"/s/{token}/download", method="HEAD") == 200  # a chat app's link preview
    assert status_of(share_server.port, f"/s/{token}/download") == 200  # the shopper still gets it
    assert status_of(share_server.port, f"/s/{token}/download") == 410  # once


def test_head_does_not_spend_a_phone_picture_link(phone_server: BackgroundServer, ws_client) -> None:  # noqa: ANN001
    phone = ws_client(phone_server.port)
    phone.receive()
    phone.send_text(json.dumps({"save": True}))
    phone.send_bytes(encode_jpeg(DemoSource(size_wh=(640, 480)).frame(1)))
    link = json.loads(phone.receive())["picture"]
    phone.close()
    assert status_of(phone_server.port, link, method="HEAD") == 200
    assert status_of(phone_server.port, link) == 200
    assert status_of(phone_server.port, link) == 410


# ----- 4. saves are frames under the same budget, and pictures held are capped


@pytest.fixture
def paced_server(library, clock) -> Iterator[tuple[BackgroundServer, object]]:  # noqa: ANN001
    """The phone page with a clock that moves only when the test says: its message budget refills exactly then."""
    running = BackgroundServer(phone_app(library.shades, max_phones=2, clock=clock), "127.0.0.1", 0)
    running.start()
    yield running, clock
    running.stop()


def test_a_phone_cannot_fill_the_picture_store(paced_server, ws_client) -> None:  # noqa: ANN001
    server, clock = paced_server
    phone = ws_client(server.port)
    phone.receive()
    frame = encode_jpeg(DemoSource(size_wh=(640, 480)).frame(2))
    replies = []
    for _ in range(MAX_PICTURES_PER_PHONE + 5):
        clock.now += 1.0  # a second between saves: well within the budget
        phone.send_text(json.dumps({"save": True}))
        phone.send_bytes(frame)
        replies.append(json.loads(phone.receive()))
    phone.close()
    assert sum("picture" in reply for reply in replies) == MAX_PICTURES_PER_PHONE
    assert sum("too many pictures" in reply.get("error", "") for reply in replies) == 5


def test_saves_flooded_without_pause_are_dropped_unread(paced_server, ws_client, monkeypatch) -> None:  # noqa: ANN001
    import tryon.web.phone

    server, _ = paced_server  # the clock stands still: the budget's burst of 2 frames is all there is
    decoded: list[int] = []
    real = tryon.web.phone.decode_frame
    monkeypatch.setattr(tryon.web.phone, "decode_frame", lambda data: decoded.append(1) or real(data))
    phone = ws_client(server.port)
    phone.receive()
    frame = encode_jpeg(DemoSource(size_wh=(640, 480)).frame(2))
    phone.send_text(json.dumps({"save": True}))
    for _ in range(40):
        phone.send_bytes(frame)
    replies = [phone.receive() for _ in range(40)]
    phone.close()
    texts = [json.loads(r) for r in replies if isinstance(r, str)]
    assert sum(1 for r in texts if "picture" in r) == 1  # the save asked for: one picture
    assert sum(isinstance(r, bytes) for r in replies) == 1  # then one painted frame
    assert sum(1 for r in texts if r.get("skipped")) == 38  # the rest dropped...
    assert len(decoded) == 2  # ...unread


def test_the_store_refuses_past_its_cap_and_keeps_what_it_holds() -> None:
    store = ShareStore(ttl_s=600, max_pictures=2, max_bytes=10_000)
    first, second = store.add(b"a" * 100, ["A"]), store.add(b"b" * 100, ["B"])
    assert store.add(b"c" * 100, ["C"]) is None
    assert {store.take(first).jpeg, store.take(second).jpeg} == {b"a" * 100, b"b" * 100}
    assert store.add(b"d" * 20_000, ["D"]) is None  # over the bytes held
    assert store.add(b"e" * 100, ["E"]) is not None


# ----- 9. the smaller ones


def test_controls_that_are_not_controls_change_nothing(phone_server: BackgroundServer, ws_client) -> None:  # noqa: ANN001
    phone = ws_client(phone_server.port)
    phone.receive()
    phone.send_text("[" * 200_000 + "]" * 200_000)  # nested deeper than Python's stack, and over 1,024 characters
    phone.send_text("[" * 500 + "]" * 500)  # under 1,024 characters, nested 500 deep
    phone.send_text(json.dumps({"intensity": True}))  # a boolean is not 1.0
    phone.send_text(json.dumps({"shade": "mv-ruby-hour", "intensity": 0.5}))
    replies = []
    for index in range(3):  # the session goes on, painting with the controls that were controls
        time.sleep(1 / 30)
        phone.send_bytes(encode_jpeg(DemoSource(size_wh=(640, 480)).frame(index)))
        replies.append(phone.receive())
    phone.close()
    assert any(isinstance(r, bytes) for r in replies)


def test_a_boolean_is_not_an_intensity(library) -> None:  # noqa: ANN001
    from types import SimpleNamespace

    from tryon.web.phone import _apply_control

    session = SimpleNamespace(shade=None, intensity=0.85, before=False, advice_samples=None)
    by_id = {shade.id: shade for shade in library.shades}
    for text in ('{"intensity": true}', '{"intensity": 2}', '{"intensity": "0.5"}', "[" * 600 + "]" * 600):
        assert _apply_control(session, text, by_id) is False
    assert session.intensity == 0.85
    assert _apply_control(session, '{"intensity": 0.5, "shade": "mv-ruby-hour", "save": true}', by_id) is True
    assert (session.intensity, session.shade.id) == (0.5, "mv-ruby-hour")


def test_a_page_of_another_site_cannot_open_the_phone_socket(phone_server: BackgroundServer) -> None:
    with socket.create_connection(("127.0.0.1", phone_server.port), timeout=30) as sock:
        sock.sendall(
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{phone_server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Origin: https://evil.example\r\n\r\n".encode()
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 403")


def test_the_page_of_the_server_itself_may(phone_server: BackgroundServer) -> None:
    with socket.create_connection(("127.0.0.1", phone_server.port), timeout=30) as sock:
        host = f"127.0.0.1:{phone_server.port}"
        sock.sendall(
            f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{host}\r\n\r\n".encode()
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 101")


def test_a_certificate_that_is_not_one_is_refused_in_one_line(processes, tmp_path: Path) -> None:  # noqa: ANN001
    photo = tmp_path / "x.jpg"
    photo.write_bytes(encode_jpeg(DemoSource(size_wh=(64, 64)).frame(0)))
    command = [sys.executable, "-m", "tryon.cli", "serve", "--bind", "127.0.0.1:0", "--no-analytics"]
    result = processes.run([*command, "--cert", str(photo), "--key", str(photo)], timeout_s=100)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"tryon: error: --cert {photo} --key {photo}: not a PEM certificate and its matching private key "
        "(or use --self-signed)"
    )


def test_phones_behind_one_address_get_a_bigger_connection_budget_when_asked(library) -> None:  # noqa: ANN001
    """`tryon serve --phones-per-address N` (a shop's NAT; a load test from one machine): N browsers' worth of
    connections from one address are served, and one more past that budget is still refused."""
    server = BackgroundServer(phone_app(library.shades), "127.0.0.1", 0, clients_per_address=3)
    server.start()
    held: list[socket.socket] = []
    try:
        for _ in range(3 * MAX_CONNECTIONS_PER_CLIENT - 1):  # idle keep-alive connections, as browsers hold them
            held.append(socket.create_connection(("127.0.0.1", server.port), timeout=30))
        assert status_of(server.port, "/") == 200  # the last one within the budget
        held.append(socket.create_connection(("127.0.0.1", server.port), timeout=30))
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as over:
            assert over.recv(4096).startswith(b"HTTP/1.1 429")
    finally:
        for sock in held:
            sock.close()
        server.stop()
