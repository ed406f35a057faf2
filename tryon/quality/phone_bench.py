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
from collections.abc import Callable

import cv2
import numpy as np

_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def phone_result(frames_shown: int, elapsed_s: float, rtts_ms: list[float]) -> dict[str, float]:
    """One simulated phone's figures: frames shown per second and round-trip percentiles (ms)."""
    p50, p95 = np.percentile(rtts_ms, [50, 95]) if rtts_ms else (0.0, 0.0)
    return {
        "fps": round(frames_shown / elapsed_s, 1),
        "rtt_ms_p50": round(float(p50), 1),
        "rtt_ms_p95": round(float(p95), 1),
    }


def measure_phones(
    command: list[str],
    port_of: Callable[[str], int | None],
    phone: Callable[[int, list[dict[str, float]]], None],
    *,
    phones: int,
    seconds: float,
    transport: str,
    settle_s: float = 0.0,
) -> dict[str, object]:
    """Start a server process (`command`; `port_of` reads its port from its first output line, None: it failed),
    run `phones` simulated phones on threads (`phone(port, results)` appends its `phone_result`), and report them
    with the server process's CPU (cores)."""
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline() if server.stdout else ""
        port = port_of(line)
        if port is None:
            raise RuntimeError(f"the {transport} server did not start: {line!r}")
        time.sleep(settle_s)
        results: list[dict[str, float]] = []
        cpu0, wall0 = process_cpu_seconds(server.pid), time.perf_counter()
        threads = [threading.Thread(target=phone, args=(port, results)) for _ in range(phones)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu = (process_cpu_seconds(server.pid) - cpu0) / (time.perf_counter() - wall0)
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
    return {
        "transport": transport,
        "frame_wh": [640, 480],
        "phones": phones,
        "seconds": seconds,
        "per_phone": results,
        "server_cpu_cores": round(cpu, 2),
        "server_cpu_cores_per_phone": round(cpu / max(phones, 1), 2),
    }


def _phone(port: int, seconds: float, frames: list[bytes], out: list[dict[str, float]]) -> None:
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
    out.append(phone_result(len(rtts), elapsed, rtts))


def run_phone_bench(phones: int, seconds: float = 15.0) -> dict[str, object]:
    from tryon.media.sources import DemoSource

    source = DemoSource(size_wh=(640, 480))
    frames = [
        bytes(cv2.imencode(".jpg", cv2.cvtColor(source.frame(i), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 70])[1])
        for i in range(90)
    ]
    command = [
        sys.executable,
        "-c",
        "import sys; from tryon.cli import main; sys.exit(main())",
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--max-phones",
        str(max(phones, 1)),
        "--no-analytics",
    ]

    def port_of(line: str) -> int | None:
        match = re.search(r":(\d+)/", line)
        return int(match.group(1)) if match else None

    return measure_phones(
        command,
        port_of,
        lambda port, results: _phone(port, seconds, frames, results),
        phones=phones,
        seconds=seconds,
        transport="WebSocket, JPEG q70 up, q80 down, one frame in flight",
    )
