"""The event store on SQLite and PostgreSQL: migrations, batches, retention, export, crash safety."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tryon.analytics.events import Event, utc_now
from tryon.analytics.store import HEAD, Store, current_revision, migrate


def event(minutes_ago: float = 0, **fields) -> Event:  # noqa: ANN003
    at = utc_now() - datetime.timedelta(minutes=minutes_ago)
    return Event(fields.pop("kind", "shade_shown"), at, "s1", "dev", **fields)


def test_an_empty_database_is_migrated_to_head(db_url: str) -> None:
    store = Store(db_url)
    try:
        assert current_revision(store.engine) == HEAD
        tables = set(sa.inspect(store.engine).get_table_names())
        assert {"events", "catalog_shades", "alembic_version"} <= tables
    finally:
        store.close()


def test_upgrade_from_the_previous_revision_keeps_the_events(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    migrate(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO events (at, kind, session_id, device_id, shade_id, dwell_ms)"
                " VALUES (:at, 'shade_shown', 's', 'd', 'x', 1500)"
            ),
            {"at": utc_now()},
        )
    engine.dispose()
    store = Store(db_url)  # opening upgrades 0001 → head
    try:
        assert current_revision(store.engine) == HEAD
        with store.engine.connect() as connection:
            row = connection.execute(sa.text("SELECT shade_id, dwell_ms, simulated FROM events")).one()
        assert (row.shade_id, row.dwell_ms, bool(row.simulated)) == ("x", 1500, False)
    finally:
        store.close()


def test_batches_are_written_whole_and_retention_deletes_old_rows(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.add([event(minutes_ago=60 * 24 * 400, shade_id="old", dwell_ms=10), event(shade_id="new", dwell_ms=20)])
        assert store.count() == 2
        bad = [event(shade_id="ok", dwell_ms=1), Event("shared", utc_now(), "s" * 40, "dev", value="qr")]  # id too long
        if db_url.startswith("postgresql"):
            with pytest.raises(sa.exc.DataError):
                store.add(bad)
            assert store.count() == 2  # none of the failed batch was kept
        assert store.delete_before(utc_now() - datetime.timedelta(days=365)) == 1
        assert store.count() in (1, 3)
    finally:
        store.close()


def test_export_escapes_formula_cells(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.add([event(kind="shared", value="=HYPERLINK(1)"), event(shade_id="+x", dwell_ms=5)])
        text = store.export_csv()
        assert "'=HYPERLINK(1)" in text
        assert "'+x" in text
        assert ",=" not in text
    finally:
        store.close()


WRITER = """
import sys, time, datetime
from tryon.analytics.store import Store
from tryon.analytics.events import Event, utc_now
store = Store(sys.argv[1])
committed = 0
while True:
    batch = [Event("shade_shown", utc_now(), "s", "d", shade_id=f"shade{i}", dwell_ms=i) for i in range(500)]
    store.add(batch)
    committed += len(batch)
    print(committed, flush=True)
"""


def test_a_writer_killed_mid_batch_loses_nothing_committed(db_url: str, tmp_path: Path, processes) -> None:  # noqa: ANN001
    Store(db_url).close()  # migrated before the writer starts
    writer = processes.start([sys.executable, "-c", WRITER, db_url])
    writer.wait_for("\n5000\n")
    writer.kill_group()  # mid-batch, no chance to clean up
    writer.wait()
    whole_lines = writer.stdout[: writer.stdout.rindex("\n")]
    committed = int(whole_lines.split()[-1])  # the last count the writer printed after a commit
    store = Store(db_url)  # the store opens (WAL replayed on SQLite)
    try:
        assert store.count() >= committed
        assert store.count() % 500 == 0  # whole batches only
        if db_url.startswith("sqlite"):
            with store.engine.connect() as connection:
                assert connection.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"
    finally:
        store.close()
