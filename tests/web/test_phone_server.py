"""The phone server's rules with a real WebSocket client on 127.0.0.1: one session per phone, a cap with a
friendly "busy", bounded frames, the latest-frame-wins protocol, sessions freed on disconnect, nothing on disk."""

from __future__ import annotations

import builtins
import http.client
import json
import os
import re
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tryon.media.sources import DemoSource
from tryon.web.phone import encode_jpeg, phone_app
from tryon.web.share import BackgroundServer


@pytest.fixture
def server(library) -> Iterator[BackgroundServer]:  # noqa: ANN001
    running = BackgroundServer(phone_app(library.shades, max_phones=1), "127.0.0.1", 0)
    running.start()
    yield running
    running.stop()


def get(server: BackgroundServer, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def sessions_of(server: BackgroundServer) -> int:
    return len(server._server.config.app.sessions)


def test_a_phone_streams_and_gets_painted_frames_back(server: BackgroundServer, ws_client) -> None:  # noqa: ANN001
    phone = ws_client(server.port)
    hello = json.loads(phone.receive())
    assert "hello" in hello
    phone.send_text(json.dumps({"shade": "mv-ruby-hour", "intensity": 1.0}))
    frame = DemoSource(size_wh=(640, 480)).frame(0)
    phone.send_bytes(encode_jpeg(frame))
    painted = phone.receive()
    assert isinstance(painted, bytes)
    image = cv2.imdecode(np.frombuffer(painted, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (480, 640)
    assert np.abs(image.astype(int) - cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)).max() > 40  # the lips changed
    phone.close()


def test_the_next_phone_over_the_cap_is_told_busy_and_the_slot_frees_on_leaving(
    server: BackgroundServer, ws_client, wait_until
) -> None:  # noqa: ANN001
    first = ws_client(server.port)
    assert "hello" in json.loads(first.receive())
    assert get(server, "/stream") == 503  # the busy page
    assert get(server, "/") == 200  # the browser-engine page needs no slot
    second = ws_client(server.port)
    assert json.loads(second.receive()) == {"error": "busy"}
    assert second.receive() is None
    assert second.closed_code == 1013
    second.close()
    first.close()
    wait_until(lambda: sessions_of(server) == 0, what="the phone's slot to be freed")
    assert get(server, "/stream") == 200


def test_frames_out_of_bounds_are_refused_not_processed(server: BackgroundServer, ws_client) -> None:  # noqa: ANN001
    phone = ws_client(server.port)
    phone.receive()
    phone.send_bytes(b"not a jpeg")
    assert "error" in json.loads(phone.receive())
    phone.send_bytes(encode_jpeg(np.zeros((2200, 3000, 3), np.uint8)))  # bigger than 1920 px
    assert "error" in json.loads(phone.receive())
    phone.close()
    # Frames over 30 a second are dropped unread, not queued: test_hostile_clients.py, with a clock the test moves.


def test_saving_returns_a_one_time_full_resolution_link(server: BackgroundServer, ws_client) -> None:  # noqa: ANN001
    from tryon.media.export import read_metadata

    phone = ws_client(server.port)
    phone.receive()
    phone.send_text(json.dumps({"shade": "ll-coral-wave"}))
    phone.send_text(json.dumps({"save": True}))
    phone.send_bytes(encode_jpeg(DemoSource(size_wh=(1280, 720)).frame(3), quality=92))
    link = json.loads(phone.receive())["picture"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", link)
    response = conn.getresponse()
    data = response.read()
    assert response.status == 200
    assert read_metadata(data).shade_id == "ll-coral-wave"
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape[:2] == (720, 1280)
    conn.close()
    assert get(server, link) == 410  # once
    phone.close()


@pytest.mark.parametrize(
    "path", ["/static/../phone.py", "/static/%2e%2e/phone.py", "/p/short", "/p/../x", "/etc/passwd"]
)
def test_traversal_and_unknown_paths_are_404(server: BackgroundServer, path: str) -> None:
    assert get(server, path) == 404


def test_no_frame_touches_the_disk(server: BackgroundServer, ws_client, monkeypatch) -> None:  # noqa: ANN001
    opened: list[str] = []
    real_open = builtins.open

    def watching_open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN202
        if any(flag in str(mode) for flag in "wax+"):
            opened.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching_open)
    phone = ws_client(server.port)
    phone.receive()
    for index in range(3):
        phone.send_bytes(encode_jpeg(DemoSource(size_wh=(640, 480)).frame(index)))
        phone.receive()
        time.sleep(0.04)  # a phone camera's frame interval: the server skips frames above 30 fps
    phone.close()
    assert [path for path in opened if path != os.devnull] == []  # (MediaPipe's start-up chatter goes to /dev/null)


@pytest.mark.slow
def test_the_webrtc_harness_paints_frames_over_loopback_only() -> None:
    """The transport benchmark's WebRTC side works end to end with ICE on 127.0.0.1 only."""
    import aioice.ice

    from tryon.quality.webrtc_bench import loopback_only, run_webrtc_bench

    loopback_only()
    assert aioice.ice.get_host_addresses(True, True) == ["127.0.0.1"]
    report = run_webrtc_bench(1, seconds=4)
    (phone,) = report["per_phone"]
    assert phone["fps"] > 1
    assert phone["rtt_ms_p50"] > 0  # frames came back, numbered, through the painting server


def test_a_phone_session_is_recorded_for_the_brands(library, ws_client, tmp_path, wait_until) -> None:  # noqa: ANN001
    import sqlalchemy as sa

    from tryon.analytics.recorder import Recorder
    from tryon.analytics.store import Store, sqlite_url

    url = sqlite_url(tmp_path / "phones.sqlite")
    recorder = Recorder(url, "phones-test", flush_s=0.2)
    running = BackgroundServer(phone_app(library.shades, recorder=recorder), "127.0.0.1", 0)
    running.start()
    try:
        phone = ws_client(running.port)
        phone.receive()
        phone.send_text(json.dumps({"shade": "mv-ruby-hour"}))
        for index in range(12):
            phone.send_bytes(encode_jpeg(DemoSource(size_wh=(640, 480)).frame(index)))
            phone.receive()
            time.sleep(0.05)  # a phone camera's frame interval, as above
        phone.send_text(json.dumps({"save": True}))
        phone.send_bytes(encode_jpeg(DemoSource(size_wh=(640, 480)).frame(20)))
        assert "picture" in json.loads(phone.receive())
        phone.close()
        wait_until(lambda: sessions_of(running) == 0, what="the phone's session to end")
    finally:
        running.stop()
        recorder.close()
    store = Store(url)
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT kind, shade_id, dwell_ms, value FROM events ORDER BY id")).all()
    store.close()
    kinds = [r.kind for r in rows]
    assert kinds[0] == "session_start"
    assert kinds[-1] == "session_end"
    assert any(r.kind == "shade_shown" and r.shade_id == "mv-ruby-hour" and r.dwell_ms > 300 for r in rows)
    assert any(r.kind == "shared" and r.value == "phone" for r in rows)


SERVE = [sys.executable, "-m", "tryon.cli", "serve", "--bind", "127.0.0.1:0"]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_tryon_serve_with_every_event_written(signum: int, tmp_path: Path, processes, ws_client) -> None:  # noqa: ANN001
    """The real `tryon serve`, a phone still connected when systemd (SIGTERM) or Ctrl-C stops it: exit 0, and the
    phone's whole session is in the database, its end included."""
    db = tmp_path / "events.sqlite"
    serve = processes.start(
        [sys.executable, "-m", "tryon.cli", "serve", "--bind", "127.0.0.1:0", "--analytics-db", str(db)]
    )
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", serve.wait_for("Ctrl-C stops")).group(1))
    phone = ws_client(port)
    phone.receive()
    phone.send_text(json.dumps({"shade": "mv-ruby-hour"}))
    for index in range(12):
        phone.send_bytes(encode_jpeg(DemoSource(size_wh=(640, 480)).frame(index)))
        phone.receive()
        time.sleep(0.05)  # a phone camera's frame interval
    serve.send_signal(signum)
    assert serve.wait() == 0, serve.describe()
    assert "Traceback" not in serve.stderr
    phone.close()
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT kind, shade_id FROM events ORDER BY id").fetchall()
    kinds = [kind for kind, _ in rows]
    assert kinds[0] == "session_start"
    assert ("shade_shown", "mv-ruby-hour") in rows
    assert kinds[-1] == "session_end"


@pytest.mark.parametrize("moment_s", [0.3, 1.0])
def test_a_signal_while_tryon_serve_starts_ends_it_cleanly(moment_s: float, tmp_path: Path, processes) -> None:  # noqa: ANN001
    command = [
        sys.executable,
        "-m",
        "tryon.cli",
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--analytics-db",
        str(tmp_path / "e.sqlite"),
    ]
    serve = processes.start(command)
    time.sleep(moment_s)  # the moment under test: importing, loading catalogs, binding
    serve.send_signal(signal.SIGTERM)
    assert serve.wait() in (0, 143), serve.describe()
    assert "Traceback" not in serve.stderr
