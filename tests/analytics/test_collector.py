"""The events collector (`POST /events` on tryon serve) against SQLite and the real PostgreSQL the suite starts:
every acknowledged event stored exactly once — a batch retried with its Idempotency-Key is not counted twice, and
a collector SIGKILLed mid-load loses none it acknowledged; bad, oversized and over-rate requests are refused."""

from __future__ import annotations

import datetime
import http.client
import json
import re
import signal
import sys
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tryon.analytics.schema import events as events_table
from tryon.analytics.store import Store
from tryon.web.phone import phone_app
from tryon.web.share import BackgroundServer


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def batch(session: str, count: int = 3, shade: str = "mv-ruby-hour") -> dict[str, object]:
    kinds = ["session_start", "shade_shown", "snapshot", "intensity_changed", "session_end"]
    out = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        event: dict[str, object] = {"kind": kind, "at": now_iso(), "session_id": session}
        if kind in ("shade_shown", "snapshot"):
            event["shade_id"] = shade
        if kind == "shade_shown":
            event["dwell_ms"] = 1200
        if kind == "intensity_changed":
            event["value"] = "60"
        out.append(event)
    return {"events": out}


def post(
    port: int, body: bytes | dict[str, object], headers: dict[str, str] | None = None, path: str = "/events"
) -> tuple[int, dict[str, str], dict[str, object]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=data, headers={"content-type": "application/json", **(headers or {})})
        response = conn.getresponse()
        text = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(text or b"{}")
    finally:
        conn.close()


def sessions_stored(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(events_table.c.session_id, sa.func.count()).group_by(events_table.c.session_id)
            )
            return {row[0]: int(row[1]) for row in rows}
    finally:
        engine.dispose()


@pytest.fixture
def collector(db_url: str, library) -> Iterator[tuple[BackgroundServer, Store]]:  # noqa: ANN001
    store = Store(db_url)
    server = BackgroundServer(
        phone_app(library.shades, events_store=store, events_per_minute=0, allow_origins=["https://brand.example"]),
        "127.0.0.1",
        0,
    )
    server.start()
    yield server, store
    server.stop()
    store.close()


def test_acknowledged_events_are_stored_once_and_a_retry_is_not_counted_twice(collector, db_url: str) -> None:  # noqa: ANN001
    server, store = collector
    status, _, answer = post(server.port, batch("sess-aaaa-1"), {"idempotency-key": "key-0001-aaaa"})
    assert (status, answer) == (202, {"stored": 3, "repeat": False})
    assert store.count() == 3  # committed before the answer
    status, _, answer = post(server.port, batch("sess-aaaa-1"), {"idempotency-key": "key-0001-aaaa"})  # a retry
    assert (status, answer) == (202, {"stored": 3, "repeat": True})
    assert store.count() == 3
    status, _, answer = post(server.port, batch("sess-bbbb-2", 2))  # no key: stored as sent
    assert (status, answer) == (202, {"stored": 2, "repeat": False})
    assert sessions_stored(db_url) == {"sess-aaaa-1": 3, "sess-bbbb-2": 2}
    csv = store.export_csv()
    assert "Maison Velours / Atelier" in csv  # the catalog filled in by the server from the shade
    assert "web" in csv


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        ({"things": []}, '{"events": [...]}'),
        ({"events": [{"kind": "bought", "at": "2026-12-07T10:00:00Z", "session_id": "sess-cccc"}]}, "events[3].kind"),
        ({"events": [{"kind": "shade_shown", "at": "2026-12-07T10:00:00", "session_id": "sess-cccc"}]}, "time zone"),
        ({"events": [{"kind": "snapshot", "at": "yesterday", "session_id": "sess-cccc"}]}, "not an ISO-8601"),
        (
            {"events": [{"kind": "shade_shown", "at": "NOW", "session_id": "sess-cccc", "shade_id": "nope"}]},
            "'nope' is not a shade",
        ),
        ({"events": [{"kind": "snapshot", "at": "NOW", "session_id": "sess-cccc", "shade_id": "no-such"}]}, "shade_id"),
        ({"events": [{"kind": "snapshot", "at": "NOW", "session_id": "sess-cccc", "face": "x"}]}, "unknown field"),
        ({"events": [{"kind": "shade_shown", "at": "NOW", "session_id": "sess-cccc", "dwell_ms": -5}]}, "dwell_ms"),
        ({"events": [{"kind": "session_start", "at": "NOW", "session_id": "sess-cccc"}] * 501}, "at most 500"),
    ],
)
def test_a_bad_batch_is_refused_whole_with_the_reason(collector, body, reason: str) -> None:  # noqa: ANN001
    server, store = collector
    if isinstance(body, dict):
        body = json.loads(json.dumps(body).replace('"NOW"', json.dumps(now_iso())))
    good = batch("sess-good-1")["events"]
    if isinstance(body, dict) and reason != '{"events": [...]}' and len(body["events"]) < 500:
        body = {"events": [*good, *body["events"]]}  # one bad event refuses the good ones beside it
    status, _, answer = post(server.port, body)
    assert status == 400
    assert reason in str(answer["error"])
    assert store.count() == 0


def test_oversize_over_rate_and_foreign_requests_are_refused(library, tmp_path) -> None:  # noqa: ANN001
    from tryon.analytics.store import sqlite_url

    store = Store(sqlite_url(tmp_path / "events.sqlite"))
    server = BackgroundServer(
        phone_app(library.shades, events_store=store, events_per_minute=2, allow_origins=["https://brand.example"]),
        "127.0.0.1",
        0,
    )
    server.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.putrequest("POST", "/events")
        conn.putheader("content-length", str(64 * 1024 + 1))  # refused on the header
        conn.endheaders()
        assert conn.getresponse().status == 413
        conn.close()
        # CORS: the allowed brand site gets its preflight and its answer; any other site is refused.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("OPTIONS", "/events", headers={"origin": "https://brand.example"})
        preflight = conn.getresponse()
        preflight.read()
        assert preflight.status == 204
        assert preflight.getheader("access-control-allow-origin") == "https://brand.example"
        assert "idempotency-key" in preflight.getheader("access-control-allow-headers")
        conn.request("OPTIONS", "/events", headers={"origin": "https://other.example"})
        other = conn.getresponse()
        other.read()
        assert other.status == 403
        conn.close()
        assert post(server.port, batch("sess-dddd-1"), {"origin": "https://other.example"})[0] == 403
        status, headers, _ = post(server.port, batch("sess-dddd-2"), {"origin": "https://brand.example"})
        assert status == 202
        assert headers["access-control-allow-origin"] == "https://brand.example"
        # A beacon: text/plain, its key in the URL.
        beacon = json.dumps(batch("sess-dddd-3")).encode()
        status, _, answer = post(
            server.port, beacon, {"content-type": "text/plain"}, "/events?idempotency_key=beacon-01"
        )
        assert (status, answer["stored"]) == (202, 3)
        # --events-per-minute 2: that was the second this minute; the next one waits.
        status, headers, _ = post(server.port, batch("sess-dddd-4"))
        assert status == 429
        assert headers["retry-after"] == "60"
        assert store.count() == 6
    finally:
        server.stop()
        store.close()


@pytest.mark.slow
def test_a_collector_killed_mid_load_loses_no_acknowledged_event(db_url: str, processes) -> None:  # noqa: ANN001
    """Four clients post batches of 20 events as fast as they can to a `tryon serve` process; it is SIGKILLed once
    30 batches were acknowledged. Every acknowledged batch is in the database, whole; the batches in flight are sent
    again, with their keys, to a new collector on the same database, and each is stored exactly once."""
    command = [sys.executable, "-m", "tryon.cli", "serve", "--bind", "127.0.0.1:0", "--analytics-db", db_url]
    command += ["--events-per-minute", "0", "--phones-per-address", "4"]

    def start() -> tuple[object, int]:
        server = processes.start(command)
        port = int(re.search(r"127\.0\.0\.1:(\d+)/", server.wait_for("Tryon for phones at")).group(1))
        return server, port

    server, port = start()
    acknowledged: list[str] = []
    in_flight: dict[str, str] = {}  # key -> session of batches sent and not acknowledged
    lock = threading.Lock()
    enough = threading.Event()

    def client(number: int) -> None:
        for index in range(10_000):
            key, session = f"load-{number}-{index:05d}", f"s{number}x{index:06d}"
            with lock:
                in_flight[key] = session
            try:
                status, _, answer = post(port, batch(session, 20), {"idempotency-key": key})
            except (OSError, http.client.HTTPException):
                # The collector is gone — before the request, or between its answer's head and body (IncompleteRead):
                # this batch stays in flight and is sent again with its key.
                return
            if status != 202:
                return
            with lock:
                del in_flight[key]
                acknowledged.append(session)
                if len(acknowledged) >= 30:
                    enough.set()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    assert enough.wait(100), "the collector acknowledged fewer than 30 batches"
    server.kill_group(signal.SIGKILL)
    server.wait()
    for thread in threads:
        thread.join(30)
    stored = sessions_stored(db_url)
    assert len(acknowledged) >= 30
    for session in acknowledged:
        assert stored.get(session) == 20, session  # acknowledged means committed, whole
    # The clients send what was in flight again, with the same keys, to a new collector on the same database.
    server, port = start()
    for key, session in in_flight.items():
        status, _, answer = post(port, batch(session, 20), {"idempotency-key": key})
        assert status == 202, answer
    stored = sessions_stored(db_url)
    assert all(count == 20 for count in stored.values())  # nothing twice, nothing half
    assert set(stored) == set(acknowledged) | set(in_flight.values())


def test_two_collectors_on_one_database_store_a_batch_sent_to_both_once(db_url: str, library) -> None:  # noqa: ANN001
    """Behind a load balancer a retry may reach another collector, even while the first is still storing."""
    stores = [Store(db_url), Store(db_url)]
    servers = [
        BackgroundServer(phone_app(library.shades, events_store=s, events_per_minute=0), "127.0.0.1", 0) for s in stores
    ]
    for server in servers:
        server.start()
    try:
        answers: list[tuple[int, dict[str, object]]] = []

        def send(port: int, key: str) -> None:
            status, _, answer = post(port, batch(f"sess-two-{key[-4:]}", 5), {"idempotency-key": key})
            answers.append((status, answer))

        for round_number in range(10):
            key = f"shared-key-{round_number:04d}"
            sending = [threading.Thread(target=send, args=(server.port, key)) for server in servers]
            for thread in sending:
                thread.start()
            for thread in sending:
                thread.join(30)
        assert len(answers) == 20
        assert all(status == 202 for status, _ in answers)
        assert sorted(answer["repeat"] for _, answer in answers) == [False] * 10 + [True] * 10
        assert sessions_stored(db_url) == {f"sess-two-{n:04d}": 5 for n in range(10)}
    finally:
        for server in servers:
            server.stop()
        for store in stores:
            store.close()


def test_writers_recording_the_same_catalogs_at_once_do_not_clash(db_url: str) -> None:
    """tryon serve's recorder and collectors on other machines start together and all remember the catalogs' shades
    (a crash at start-up once: two inserts of the same rows); each shade is recorded once, nobody fails."""
    stores = [Store(db_url) for _ in range(3)]
    try:
        for version in range(5):
            catalogs = [("Brand / Launch", f"v{version}", [(f"shade-{n}", f"Shade {n}") for n in range(40)])]
            start = threading.Barrier(len(stores))
            failures: list[BaseException] = []

            def record(
                store: Store, catalogs: list = catalogs, start: threading.Barrier = start, failures: list = failures
            ) -> None:  # type: ignore[type-arg]  # noqa: E501
                start.wait(30)
                try:
                    store.record_catalogs(catalogs, datetime.datetime.now(datetime.UTC))
                except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                    failures.append(exc)

            threads = [threading.Thread(target=record, args=(store,)) for store in stores]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert not failures
        engine = sa.create_engine(db_url)
        with engine.connect() as connection:
            from tryon.analytics.schema import catalog_shades

            count = connection.execute(sa.select(sa.func.count()).select_from(catalog_shades)).scalar_one()
        engine.dispose()
        assert count == 5 * 40
    finally:
        for store in stores:
            store.close()
