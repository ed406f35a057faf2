"""The share server, run for real (uvicorn on 127.0.0.1, an ephemeral port) and asked with a real HTTP client."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator

import numpy as np
import pytest

from tryon.media.export import TryonMetadata, encode_image, read_metadata
from tryon.web.share import ShareServer, ShareStore


@pytest.fixture
def server(clock) -> Iterator[ShareServer]:
    store = ShareStore(ttl_s=600, clock=clock)
    running = ShareServer(store, "127.0.0.1", 0, requests_per_minute=20, clock=clock)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def picture(library, astronaut) -> bytes:  # noqa: ANN001
    shade = library.get("mv-ruby-hour")
    return encode_image(astronaut, metadata=TryonMetadata.from_shade(shade, intensity=0.85))


def get(server: ShareServer, path: str, method: str = "GET", body: bytes | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_a_fresh_link_shows_the_page_then_downloads_once(server: ShareServer, picture: bytes) -> None:
    token = server.store.add(picture, ["Ruby Hour · matte"])
    status, headers, body = get(server, f"/s/{token}")
    assert status == 200
    assert b"Ruby Hour" in body
    assert b"Download picture" in body
    assert headers["cache-control"] == "no-store"
    status, headers, body = get(server, f"/s/{token}")  # looking again does not spend it
    assert status == 200
    status, headers, body = get(server, f"/s/{token}/download")
    assert status == 200
    assert headers["content-type"] == "image/jpeg"
    assert body == picture
    assert read_metadata(body).shade_id == "mv-ruby-hour"
    assert len(server.store) == 0  # gone from memory once downloaded
    assert get(server, f"/s/{token}/download")[0] == 410
    assert get(server, f"/s/{token}")[0] == 410


def test_an_expired_link_is_gone_and_its_picture_freed(server: ShareServer, picture: bytes, clock) -> None:
    token = server.store.add(picture, ["Ruby Hour"])
    clock.now += 601
    assert get(server, f"/s/{token}")[0] == 410
    assert server.store.held_bytes() == 0


def test_a_session_reset_spends_every_link(server: ShareServer, picture: bytes) -> None:
    tokens = [server.store.add(picture, ["A"]), server.store.add(picture, ["B"])]
    assert server.store.clear() == 2
    assert [get(server, f"/s/{t}")[0] for t in tokens] == [410, 410]


def test_unknown_tokens_and_anything_else_are_404(server: ShareServer, picture: bytes) -> None:
    token = server.store.add(picture, ["A"])
    assert get(server, "/s/" + "A" * 22)[0] == 404  # well-formed, never issued
    for path in ("/", "/s/", "/s", "/index.html", f"/s/{token}/other", "/static/../../etc/passwd"):
        assert get(server, path)[0] == 404, path


@pytest.mark.parametrize(
    "path",
    ["/s/../../etc/passwd", "/s/%2e%2e/%2e%2e/etc/passwd", "/s/..%2f..%2fetc%2fpasswd", "/s/%2E%2E%5Cwin.ini"],
)
def test_traversal_is_refused(server: ShareServer, path: str) -> None:
    assert get(server, path)[0] == 404


def test_bodies_and_other_methods_are_refused(server: ShareServer, picture: bytes) -> None:
    token = server.store.add(picture, ["A"])
    assert get(server, f"/s/{token}", method="POST", body=b"x" * 100)[0] == 405
    assert get(server, f"/s/{token}", method="GET", body=b"x" * 10_000)[0] == 413
    assert len(server.store) == 1


def test_oversize_headers_are_refused(server: ShareServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /s/" + b"A" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = sock.recv(200)
    assert reply == b"" or reply.startswith((b"HTTP/1.1 4", b"HTTP/1.0 4")), reply


def test_each_client_is_rate_limited(server: ShareServer, picture: bytes, clock) -> None:
    token = server.store.add(picture, ["A"])
    codes = [get(server, f"/s/{token}")[0] for _ in range(25)]
    assert codes[:20] == [200] * 20
    assert set(codes[20:]) == {429}
    clock.now += 61
    assert get(server, f"/s/{token}")[0] == 200


def test_tokens_are_128_bit_random(picture: bytes) -> None:
    store = ShareStore(ttl_s=600, max_pictures=200)
    tokens = {store.add(picture, ["A"]) for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) == 22 for t in tokens)
    bits = np.unpackbits(np.frombuffer(b"".join(t.encode() for t in tokens), np.uint8))
    assert 0.35 < bits.mean() < 0.65


def test_nothing_of_the_picture_reaches_the_disk(server: ShareServer, picture: bytes, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The store never opens a file: every write-mode open() during a full share cycle is recorded."""
    import builtins

    opened: list[str] = []
    real_open = builtins.open

    def watching_open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN202
        if any(flag in str(mode) for flag in "wax+"):
            opened.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching_open)
    token = server.store.add(picture, ["A"])
    assert get(server, f"/s/{token}")[0] == 200
    assert get(server, f"/s/{token}/download")[0] == 200
    assert opened == []


def test_the_page_offers_the_phone_page_when_the_shop_runs_one(picture: bytes, clock) -> None:
    store = ShareStore(ttl_s=600, clock=clock)
    running = ShareServer(store, "127.0.0.1", 0, clock=clock, phone_url="https://192.168.1.20:8443/")
    running.start()
    try:
        token = store.add(picture, ["Ruby Hour"])
        status, _, body = get(running, f"/s/{token}")
        assert status == 200
        assert b'href="https://192.168.1.20:8443/"' in body
        assert b"Continue trying on your phone" in body
    finally:
        running.stop()
