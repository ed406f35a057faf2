"""Where events live: SQLAlchemy 2 over an embedded SQLite file (default) or PostgreSQL (`postgresql+psycopg://…`),
migrated to the newest schema by Alembic every time it is opened.

SQLite runs in WAL mode with `synchronous=FULL`: a committed batch survives a crash or a power cut, and a
killed writer leaves the file openable (the write-ahead log is replayed on the next open).
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import fcntl
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tryon.analytics.events import Event
from tryon.analytics.schema import catalog_shades, event_batches, events
from tryon.errors import TryonError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0003"


class AnalyticsError(TryonError):
    """The analytics database cannot be opened, migrated or written."""


def default_url() -> str:
    """The per-user SQLite file: `$XDG_DATA_HOME/tryon/analytics.sqlite` (else ~/.local/share/tryon/)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "tryon"
    return f"sqlite:///{base / 'analytics.sqlite'}"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def url_of(text: str) -> str:
    """A database URL as given, or the URL of an SQLite file given by its path; "" is the per-user default."""
    if not text:
        return default_url()
    return text if "://" in text else sqlite_url(Path(text))


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for another database."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _engine(url: str, *, read_only: bool = False) -> sa.Engine:
    path = sqlite_path(url)
    if path is not None and read_only:
        # Opened as a reader: nothing is written (not even the journal mode), so a file this user may only read
        # opens too. `mode=ro` shares the writers' locks; where the -shm file cannot be made, `immutable=1` reads
        # the file as it is (no one can be writing to a file no one may write).
        query = "mode=ro" if os.access(path.parent, os.W_OK) or Path(f"{path}-shm").exists() else "immutable=1"
        return sa.create_engine(f"sqlite:///file:{path}?{query}&uri=true", connect_args={"timeout": 30})
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        return engine
    if url.startswith("postgresql"):
        return sa.create_engine(url, pool_pre_ping=True)
    raise AnalyticsError(f"{url}: analytics needs a sqlite:///FILE or postgresql+psycopg://… URL")


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (Alembic, the scripts in tryon/analytics/migrations)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # one migrating process at a time, per database
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(7319372)"))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextlib.contextmanager
def _migration_lock(engine: sa.Engine) -> Iterator[None]:
    """For an SQLite file: an exclusive lock on the file itself (flock, apart from SQLite's own fcntl locks) while
    its schema is made or migrated. Two processes opening a new file at once raced: "table events already exists"."""
    path = sqlite_path(engine.url.render_as_string())
    if path is None:
        yield
        return
    with open(path, "ab") as held:  # creates the file if absent: SQLite takes an empty file as a new database
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class Store:
    """An open analytics database. Thread-safe (SQLAlchemy's pool); `close()` when done."""

    def __init__(self, url: str, *, migrate_to: str = "head", read_only: bool = False) -> None:
        """`read_only`: only read (reports, exports): the database is not migrated and must already be at the
        newest schema."""
        self.url = url
        self.engine = _engine(url, read_only=read_only)
        try:
            if not read_only:
                migrate(self.engine, migrate_to)
            elif (found := current_revision(self.engine)) != HEAD:
                raise AnalyticsError(
                    f"{_safe(url)}: the analytics database is at schema {found}, not {HEAD}; open it once with "
                    "write access (e.g. start the app or the kiosk that records to it) to bring it up to date"
                )
        except sa.exc.SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            raise AnalyticsError(f"{_safe(url)}: cannot open or migrate the analytics database ({reason})") from None

    def close(self) -> None:
        self.engine.dispose()

    def add(self, batch: Sequence[Event]) -> None:
        """Write `batch` in one transaction: all of it is committed, or none."""
        if not batch:
            return
        rows = [asdict(event) for event in batch]
        with self.engine.begin() as connection:
            connection.execute(events.insert(), rows)

    def add_once(self, batch: Sequence[Event], key: str, at: datetime.datetime) -> tuple[int, bool]:
        """Write `batch` in one transaction together with its idempotency `key`, unless a batch with that key was
        stored before (by any process writing to this database). Returns (events stored, whether it was a repeat):
        a repeat stores nothing and answers the first time's count.

        No savepoint: the key and the events go in one plain transaction (pysqlite commits at a savepoint's release,
        which let a collector killed between the two leave a key without its events). Two requests with one key at
        once: the second's insert fails on the key, its transaction is rolled back whole, and it answers a repeat.
        """
        first = event_batches.c.events
        try:
            with self.engine.begin() as connection:
                known = connection.execute(sa.select(first).where(event_batches.c.idempotency_key == key)).scalar()
                if known is not None:
                    return int(known), True
                connection.execute(
                    event_batches.insert(), {"idempotency_key": key, "received_at": at, "events": len(batch)}
                )
                if batch:
                    connection.execute(events.insert(), [asdict(event) for event in batch])
        except sa.exc.IntegrityError:
            with self.engine.connect() as connection:
                known = connection.execute(sa.select(first).where(event_batches.c.idempotency_key == key)).scalar()
            if known is None:
                raise
            return int(known), True
        return len(batch), False

    def record_catalogs(
        self, catalogs: Iterable[tuple[str, str, Sequence[tuple[str, str]]]], at: datetime.datetime
    ) -> None:
        """Remember the shades of each (catalog id, version, [(shade id, name)]) seen, first time only. Safe when
        another writer (a recorder thread, another collector process) records the same shades at the same moment:
        a clash on a row it has just added is read again, and only what is still missing is added."""
        catalogs = list(catalogs)
        for attempt in range(3):
            try:
                self._record_new_catalog_shades(catalogs, at)
                return
            except sa.exc.IntegrityError:
                if attempt == 2:
                    raise

    def _record_new_catalog_shades(
        self, catalogs: Sequence[tuple[str, str, Sequence[tuple[str, str]]]], at: datetime.datetime
    ) -> None:
        with self.engine.begin() as connection:
            known = {
                (row.catalog_id, row.catalog_version, row.shade_id)
                for row in connection.execute(
                    sa.select(catalog_shades.c.catalog_id, catalog_shades.c.catalog_version, catalog_shades.c.shade_id)
                )
            }
            rows = [
                {"catalog_id": cid, "catalog_version": version, "shade_id": sid, "shade_name": name, "first_seen": at}
                for cid, version, shades in catalogs
                for sid, name in shades
                if (cid, version, sid) not in known
            ]
            if rows:
                connection.execute(catalog_shades.insert(), rows)

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(events)).scalar_one())

    def delete_before(self, before: datetime.datetime) -> int:
        """Delete every event older than `before` (retention, `tryon analytics purge`); returns how many."""
        with self.engine.begin() as connection:
            return int(connection.execute(events.delete().where(events.c.at < before)).rowcount or 0)

    def delete_simulated(self) -> int:
        with self.engine.begin() as connection:
            return int(connection.execute(events.delete().where(events.c.simulated)).rowcount or 0)

    def export_csv(self, since: datetime.datetime | None = None) -> str:
        """Every event (since `since`) as CSV text, cells that a spreadsheet would run as formulas escaped."""
        query = sa.select(events).order_by(events.c.at, events.c.id)
        if since is not None:
            query = query.where(events.c.at >= since)
        out = io.StringIO()
        writer = csv.writer(out)
        columns = [c.name for c in events.columns if c.name != "id"]
        writer.writerow(columns)
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                writer.writerow([safe_cell(getattr(row, name)) for name in columns])
        return out.getvalue()


def safe_cell(value: object) -> str:
    """A CSV cell that Excel/LibreOffice will not run as a formula (=, +, -, @, tab, CR lead with a quote)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _safe(url: str) -> str:
    """`url` without its password, for messages."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def open_store(url: str | None = None, *, must_exist: bool = False, writes: bool = True) -> Store:
    """Open the analytics database at `url` (default: the per-user file), creating and migrating it as needed.

    `must_exist`: for commands that read or delete, an SQLite file that is not there is an error, not a new empty
    database (a mistyped path would otherwise report "0 events"). Without `writes` (reports, exports) a file this
    user may not write is opened read-only; with it, that is an error saying so."""
    url = url or default_url()
    path = sqlite_path(url)
    if path is None:
        return Store(url)
    if must_exist and not path.is_file():
        raise AnalyticsError(f"{path}: no analytics database there (give --db the file the app or kiosk writes)")
    writable = not path.exists() or (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
    if not writable and writes:
        raise AnalyticsError(f"{path}: this user may only read the analytics database; changing it needs write access")
    return Store(url, read_only=not writable)
