"""The analytics commands cannot be turned against their data (issue 21): ages, counts and seeds checked where they
are parsed, a database that is not there is not made up, one this user may only read is read, an output never
overwrites the database, and two processes may create the same new database at once."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tryon.analytics.store import Store, sqlite_url
from tryon.cli import main

TRYON = [sys.executable, "-m", "tryon.cli"]


@pytest.fixture
def recorded(tmp_path: Path, library) -> Path:  # noqa: ANN001
    """An SQLite database with 2,000 simulated events."""
    db = tmp_path / "events.sqlite"
    assert main(["analytics", "simulate", "--db", str(db), "--events", "2000", "--seed", "3"]) == 0
    return db


def _count(db: Path) -> int:
    store = Store(sqlite_url(db))
    try:
        return store.count()
    finally:
        store.close()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["analytics", "purge", "--older-than-days", "-5"], "'-5' must be between 1 and 36500"),
        (["analytics", "purge", "--older-than-days", "0"], "'0' must be between 1 and 36500"),
        (["analytics", "purge", "--older-than-days", "nan"], "'nan' is not a whole number"),
        (["analytics", "purge", "--older-than-days", "inf"], "'inf' is not a whole number"),
        (["analytics", "purge", "--older-than-days", "1e12"], "'1e12' is not a whole number"),
        (["analytics", "simulate", "--events", "-5"], "'-5' must be between 1 and 100000000"),
        (["analytics", "simulate", "--events", "1000000000"], "must be between 1 and 100000000"),
        (["analytics", "simulate", "--events", "10", "--seed", "-1"], "'-1' must be between 0 and 4294967295"),
    ],
)
def test_ages_counts_and_seeds_are_checked_before_anything_is_touched(
    recorded: Path, capsys, argv: list[str], message: str
) -> None:  # noqa: ANN001
    before = _count(recorded)
    with pytest.raises(SystemExit) as stopped:
        main([*argv, "--db", str(recorded)])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err
    assert _count(recorded) == before  # nothing deleted, nothing added


@pytest.mark.parametrize(
    "command", [["report", "-o", "r.html"], ["analytics", "export"], ["analytics", "purge", "--simulated"]]
)
def test_a_mistyped_database_is_an_error_not_a_new_empty_one(
    tmp_path: Path, capsys, monkeypatch, command: list[str]
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "evnets.sqlite"
    assert main([*command, "--db", str(missing)]) == 1
    assert f"{missing}: no analytics database there" in capsys.readouterr().err
    assert not missing.exists()


def test_a_report_never_overwrites_its_database(recorded: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    disguised = tmp_path / "ok.html"
    shutil.copy(recorded, disguised)
    assert main(["report", "--db", str(disguised), "-o", str(disguised)]) == 1
    assert "is the input file" in capsys.readouterr().err
    assert _count(disguised) == _count(recorded)  # still the database, every event in it


def test_an_unknown_catalog_is_named_not_reported_empty(recorded: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "r.html"
    assert main(["report", "--db", str(recorded), "--catalog", "No / Such", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "--catalog 'No / Such': not in this database; its catalogs: " in err
    assert '"Maison Velours / Atelier Matte 2027"' in err
    assert not out.exists()


def test_a_database_this_user_may_only_read_is_reported_and_exported(
    recorded: Path, tmp_path: Path, processes, capsys
) -> None:  # noqa: ANN001
    """On a read-only file system (what a file shared read-only to another user is, made so for root too)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if processes.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], timeout_s=60).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        db = folder / "events.sqlite"
        shutil.copy(recorded, db)
        assert processes.run(["mount", "-o", "remount,ro", str(folder)], timeout_s=60).returncode == 0
        assert main(["report", "--db", str(db), "-o", str(tmp_path / "r.html")]) == 0
        assert "events" in capsys.readouterr().out
        assert main(["analytics", "export", "--db", str(db), "-o", str(tmp_path / "e.csv")]) == 0
        assert len((tmp_path / "e.csv").read_text().splitlines()) == _count(recorded) + 1
        assert main(["analytics", "purge", "--simulated", "--db", str(db)]) == 1  # deleting needs writing: one line
        assert "this user may only read the analytics database" in capsys.readouterr().err
        assert sorted(p.name for p in folder.iterdir()) == ["events.sqlite"]  # nothing written beside it
    finally:
        processes.run(["umount", "-l", str(folder)], timeout_s=60)


OPEN_WHEN_TOLD = """
import sys, time
from pathlib import Path
from tryon.analytics.store import Store, sqlite_url
go = Path(sys.argv[2])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
Store(sqlite_url(Path(sys.argv[1]))).close()
print("opened", flush=True)
"""


@pytest.mark.slow
def test_two_processes_creating_one_new_database_both_succeed(tmp_path: Path, processes) -> None:  # noqa: ANN001
    """Both started, then let go at the same instant on the same new file (what two `simulate`s, or a kiosk and
    a report started together, do): both open it, and its schema is made once."""
    for attempt in range(5):
        db, go = tmp_path / f"new-{attempt}.sqlite", tmp_path / f"go-{attempt}"
        openers = [processes.start([sys.executable, "-c", OPEN_WHEN_TOLD, str(db), str(go)]) for _ in range(2)]
        for opener in openers:
            opener.wait_for("ready")
        go.touch()
        for opener in openers:
            assert opener.wait() == 0, opener.describe()
        assert _count(db) == 0
