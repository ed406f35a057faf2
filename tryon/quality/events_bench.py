"""`tryon bench --events N`: N clients post try-on event batches (20 events each, a page's 10 s worth) with
idempotency keys as fast as a `tryon serve` collector acknowledges them, for some seconds; the collector's requests
and events per second, latency percentiles, and its process CPU — the figures the deployment's cost per 1,000
shoppers is extrapolated from (a page sends one batch every 10 s: 1,000 shoppers ≈ 100 requests a second)."""

from __future__ import annotations

import datetime
import http.client
import json
import re
import secrets
import subprocess
import sys
import threading
import time
from typing import Any

import numpy as np

from tryon.quality.phone_bench import process_cpu_seconds

EVENTS_PER_BATCH = 20


def _batch(session: str) -> bytes:
    now = datetime.datetime.now(datetime.UTC).isoformat()
    events: list[dict[str, object]] = [{"kind": "session_start", "at": now, "session_id": session}]
    events += [
        {"kind": "shade_shown", "at": now, "session_id": session, "shade_id": "mv-ruby-hour", "dwell_ms": 1500}
        for _ in range(EVENTS_PER_BATCH - 1)
    ]
    return json.dumps({"events": events}).encode()


def run_events_bench(db_url: str, clients: int, seconds: float = 10.0) -> dict[str, Any]:
    """Start `tryon serve` on 127.0.0.1 writing to `db_url` and measure its collector under `clients` clients."""
    command = [sys.executable, "-m", "tryon.cli", "serve", "--bind", "127.0.0.1:0", "--analytics-db", db_url]
    command += ["--events-per-minute", "0", "--phones-per-address", str(max(1, clients))]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline() if server.stdout else ""
        match = re.search(r"127\.0\.0\.1:(\d+)/", line)
        if match is None:
            raise RuntimeError(f"tryon serve did not start: {line!r}")
        port = int(match.group(1))
        latencies: list[float] = []
        failures = [0]
        lock = threading.Lock()
        stop = time.perf_counter() + seconds
        run = secrets.token_hex(4)  # keys unique to this run: a database reused by another run stores these too

        def client(number: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            index = 0
            while time.perf_counter() < stop:
                body = _batch(f"bench{number:03d}x{index:07d}")
                t0 = time.perf_counter()
                headers = {"content-type": "application/json", "idempotency-key": f"b{run}-{number}-{index}"}
                try:
                    conn.request("POST", "/events", body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    ok = response.status == 202
                except OSError:
                    ok = False
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    if ok:
                        latencies.append((time.perf_counter() - t0) * 1000)
                    else:
                        failures[0] += 1
                index += 1
            conn.close()

        cpu0, wall0 = process_cpu_seconds(server.pid), time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall0
        cpu = (process_cpu_seconds(server.pid) - cpu0) / wall
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
    requests = len(latencies)
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) if latencies else (0.0, 0.0, 0.0)
    per_s = requests / wall
    return {
        "database": db_url.split(":", 1)[0],
        "clients": clients,
        "seconds": round(wall, 1),
        "requests_per_s": round(per_s, 1),
        "events_per_s": round(per_s * EVENTS_PER_BATCH, 0),
        "failed_requests": failures[0],
        "latency_ms_p50": round(float(p50), 1),
        "latency_ms_p95": round(float(p95), 1),
        "latency_ms_p99": round(float(p99), 1),
        "server_cpu_cores": round(cpu, 2),
        "cpu_ms_per_request": round(cpu * 1000 / per_s, 2) if per_s else None,
        "shoppers_per_collector_core": round(per_s / max(cpu, 1e-6) * 10) if per_s else None,
    }
