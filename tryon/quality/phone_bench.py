"""`tryon bench --phones N`: N simulated phones stream 640×480 JPEG frames of the demo face to a `tryon serve`
process over WebSocket (one frame in flight each, as the page does) for some seconds; per phone: frames per
second shown, round-trip latency percentiles; for the server process: CPU (share of one core) per phone."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


@dataclass(frozen=True)
class PhoneRun:
    fps: float
    rtt_ms_p50: float
    rtt_ms_p95: float
    frames: int


def _phone(port: int, seconds: float, frames: list[bytes], out: list[PhoneRun]) -> None:
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, BytesMessage, Request, TextMessage

    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    ws = WSConnection(ConnectionType.CLIENT)
    sock.sendall(ws.send(Request(host="127.0.0.1", target="/ws")))
    inbox: list[object] = []

    def receive() -> object:
        while not inbox:
            ws.receive_data(sock.recv(1 << 20))
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    continue
                if isinstance(event, TextMessage | BytesMessage):
                    inbox.append(event.data)
        return inbox.pop(0)

    receive()  # hello
    sock.sendall(ws.send(TextMessage(data=json.dumps({"shade": "mv-ruby-hour"}))))
    rtts: list[float] = []
    started = time.perf_counter()
    index = 0
    while time.perf_counter() - started < seconds:
        t0 = time.perf_counter()
        sock.sendall(ws.send(BytesMessage(data=frames[index % len(frames)])))
        reply = receive()
        if isinstance(reply, bytes | bytearray):
            rtts.append((time.perf_counter() - t0) * 1000)
        index += 1
    elapsed = time.perf_counter() - started
    sock.close()
    p50, p95 = np.percentile(rtts, [50, 95]) if rtts else (0.0, 0.0)
    out.append(PhoneRun(len(rtts) / elapsed, float(p50), float(p95), len(rtts)))


def run_phone_bench(phones: int, seconds: float = 15.0) -> dict[str, object]:
    from tryon.media.sources import DemoSource

    source = DemoSource(size_wh=(640, 480))
    frames = [
        bytes(cv2.imencode(".jpg", cv2.cvtColor(source.frame(i), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 70])[1])
        for i in range(90)
    ]
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from tryon.cli import main; sys.exit(main())",
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--max-phones",
            str(max(phones, 1)),
            "--no-analytics",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        match = re.search(r":(\d+)/", line)
        if not match:
            raise RuntimeError(f"tryon serve did not start: {line!r}")
        port = int(match.group(1))
        runs: list[PhoneRun] = []
        cpu0, wall0 = _cpu_seconds(server.pid), time.perf_counter()
        threads = [threading.Thread(target=_phone, args=(port, seconds, frames, runs)) for _ in range(phones)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu = (_cpu_seconds(server.pid) - cpu0) / (time.perf_counter() - wall0)
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
    return {
        "transport": "WebSocket, JPEG q70 up, q80 down, one frame in flight",
        "frame_wh": [640, 480],
        "phones": phones,
        "seconds": seconds,
        "per_phone": [
            {"fps": round(r.fps, 1), "rtt_ms_p50": round(r.rtt_ms_p50, 1), "rtt_ms_p95": round(r.rtt_ms_p95, 1)}
            for r in runs
        ],
        "server_cpu_cores": round(cpu, 2),
        "server_cpu_cores_per_phone": round(cpu / max(phones, 1), 2),
    }
