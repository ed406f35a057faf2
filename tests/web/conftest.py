"""Web test helpers: a fake camera for Chromium, a Y4M clip (YUV 4:2:0) of the bundled public-domain demo face with
its gentle motion."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import cv2
import pytest

from tryon.media.sources import DemoSource


def write_y4m(path: Path, *, frames: int = 90, size_wh: tuple[int, int] = (640, 480), fps: int = 30) -> Path:
    width, height = size_wh
    source = DemoSource(size_wh=size_wh, fps=fps)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(frames):
            i420 = cv2.cvtColor(source.frame(index), cv2.COLOR_RGB2YUV_I420)
            out.write(b"FRAME\n")
            out.write(i420.tobytes())
    return path


CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")


@pytest.fixture
def chromium(processes) -> Callable[..., object]:  # noqa: ANN001
    """Opens Debian's headless Chromium through chromium-driver with the given `ChromeOptions`; the driver runs in
    its own process group (Chromium inside it), killed with it when the test ends, whatever happens."""
    if CHROMIUM is None or DRIVER is None:
        message = "needs Debian's chromium and chromium-driver (./dev installs them)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}: CI must run the browser tests, not skip them")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    def open_browser(options: webdriver.ChromeOptions) -> webdriver.Chrome:
        options.binary_location = CHROMIUM
        service = Service(DRIVER, popen_kw={"start_new_session": True})
        driver = webdriver.Chrome(service=service, options=options)
        processes.adopt(service.process)
        return driver

    return open_browser


@pytest.fixture
def face_clip(tmp_path: Path) -> Path:
    return write_y4m(tmp_path / "face.y4m", frames=60)


class WebSocketClient:
    """A minimal real WebSocket client (wsproto over a plain socket) for the phone server's /ws on 127.0.0.1."""

    def __init__(self, port: int, path: str = "/ws") -> None:
        import socket

        from wsproto import ConnectionType, WSConnection
        from wsproto.events import Request

        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.sock.sendall(self.ws.send(Request(host=f"127.0.0.1:{port}", target=path)))
        self.pending: list[object] = []
        self._partial: str | bytes | None = None  # a message whose pieces are still arriving
        self.closed_code: int | None = None
        self._accepted = False
        while not self._accepted and self.closed_code is None:
            self._pump()

    def _pump(self) -> None:
        from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Ping, TextMessage

        data = self.sock.recv(1 << 20)
        if not data:
            self.closed_code = self.closed_code or 1006
            return
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, AcceptConnection):
                self._accepted = True
            elif isinstance(event, TextMessage | BytesMessage):
                # wsproto hands a message over in pieces as its bytes arrive (a painted JPEG across several reads on
                # a busy machine): one message is every piece up to `message_finished`.
                self._partial = event.data if self._partial is None else self._partial + event.data
                if event.message_finished:
                    self.pending.append(self._partial)
                    self._partial = None
            elif isinstance(event, CloseConnection):
                self.closed_code = event.code
            elif isinstance(event, Ping):
                self.sock.sendall(self.ws.send(event.response()))

    def receive(self) -> object:
        """The next whole message: str (JSON text) or bytes; None when the server closed."""
        while not self.pending and self.closed_code is None:
            self._pump()
        return self.pending.pop(0) if self.pending else None

    def send_text(self, text: str) -> None:
        from wsproto.events import TextMessage

        self.sock.sendall(self.ws.send(TextMessage(data=text)))

    def send_bytes(self, data: bytes) -> None:
        from wsproto.events import BytesMessage

        self.sock.sendall(self.ws.send(BytesMessage(data=data)))

    def close(self) -> None:
        from wsproto.events import CloseConnection

        try:
            self.sock.sendall(self.ws.send(CloseConnection(code=1000)))
        except Exception:  # noqa: BLE001 - already closed by the server
            pass
        self.sock.close()


@pytest.fixture
def ws_client() -> type[WebSocketClient]:
    """The WebSocketClient class (conftest helpers are reached through fixtures)."""
    return WebSocketClient
