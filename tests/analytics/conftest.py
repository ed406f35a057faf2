"""The analytics storage suite runs against SQLite and against a real PostgreSQL server started here: Debian's
`postgresql` (initdb, then the server itself as a test process, in a temporary folder, listening on 127.0.0.1 only,
on a free port; stopped fast at the end of the run, killed with its backends if it does not stop)."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user the Debian package creates."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@pytest.fixture(scope="session")
def postgres_url(session_processes) -> Iterator[str]:  # noqa: ANN001
    initdb, postgres = _pg_bin("initdb"), _pg_bin("postgres")
    if initdb is None or postgres is None:
        message = "needs Debian's postgresql (initdb, postgres); ./dev installs it"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    # Not under pytest's tmp folder: that is private to root, and the server runs as `postgres`.
    folder = Path(tempfile.mkdtemp(prefix="tryon-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    made = session_processes.run(
        _as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "tryon", "--no-sync"]), timeout_s=100
    )
    assert made.returncode == 0, made.stderr
    options = ["-c", "listen_addresses=127.0.0.1", "-p", str(port), "-k", str(folder), "-c", "fsync=on"]
    # SIGINT is PostgreSQL's fast shutdown: sessions are ended, the server stops cleanly.
    server = session_processes.start(_as_postgres([postgres, "-D", str(data), *options]), stop_signal=signal.SIGINT)
    try:
        server.wait_for("ready to accept connections", stream="stderr")
        yield f"postgresql+psycopg://tryon@127.0.0.1:{port}/postgres"
    finally:
        server.kill_group(signal.SIGINT)
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        from tryon.analytics.store import sqlite_url

        yield sqlite_url(tmp_path / "analytics.sqlite")
        return
    import sqlalchemy as sa

    base = request.getfixturevalue("postgres_url")
    name = f"t{abs(hash(tmp_path)) % 10**9}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
