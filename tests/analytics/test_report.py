"""The report's numbers against ones computed by hand from the same seeded events; the dwell counter; the app's
events landing in SQLite; the CLI end to end."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from tryon.analytics.events import utc_now
from tryon.analytics.recorder import ShadeDwell
from tryon.analytics.report import build_report, render_csv, render_html
from tryon.analytics.simulate import NEW_SHADES_PER_CATALOG, catalog_versions, simulate
from tryon.analytics.store import Store, sqlite_url
from tryon.cli import main


@pytest.fixture
def seeded(db_url: str, library):  # noqa: ANN001, ANN201
    store = Store(db_url)
    events = list(simulate(library.catalogs, 4000, seed=11))
    store.record_catalogs(catalog_versions(library.catalogs), utc_now() - datetime.timedelta(days=60))
    store.add(events)
    yield store, events
    store.close()


def test_report_numbers_match_a_hand_count(seeded, library) -> None:  # noqa: ANN001
    store, events = seeded
    report = build_report(store)
    tries: Counter[str] = Counter()
    dwell: defaultdict[str, list[float]] = defaultdict(list)
    pictures: Counter[str] = Counter()
    shares: Counter[str] = Counter()
    for e in events:
        if e.kind == "shade_shown":
            tries[e.shade_id] += 1
            dwell[e.shade_id].append(e.dwell_ms / 1000)
        elif e.kind == "snapshot":
            pictures[e.shade_id] += 1
        elif e.kind == "shared":
            shares[e.shade_id] += 1
    assert report.events == len(events) == report.simulated_events
    assert {r.shade_id: r.tries for r in report.shades} == dict(tries)
    for row in report.shades:
        assert row.median_dwell_s == pytest.approx(float(np.median(dwell[row.shade_id])))
        assert (row.snapshots, row.shares) == (pictures[row.shade_id], shares[row.shade_id])
    assert [r.tries for r in report.shades] == sorted((r.tries for r in report.shades), reverse=True)
    sessions = Counter(e.device_id for e in events if e.kind == "session_start")
    assert {d: n for d, n, *_ in report.devices} == dict(sessions)
    new = {r.shade_id for r in report.shades if r.new}
    expected_new = {s.id for c in library.catalogs for s in c.shades[-NEW_SHADES_PER_CATALOG:]}
    assert new == expected_new & set(tries)
    html = render_html(report)
    assert "SIMULATED DATA" in html
    assert "<svg" in html
    assert "http" not in html.split("<svg")[0].lower().replace("http-equiv", "")
    assert render_csv(report).count("\n") == len(report.shades) + 1


def test_report_filters_by_day_and_catalog(seeded) -> None:  # noqa: ANN001
    store, events = seeded
    since = max(e.at for e in events) - datetime.timedelta(days=7)
    recent = build_report(store, since=since)
    assert sum(r.tries for r in recent.shades) == sum(1 for e in events if e.kind == "shade_shown" and e.at >= since)
    one = build_report(store, catalog="Nova Beauty / Stardust Metals")
    assert {r.catalog_id for r in one.shades} == {"Nova Beauty / Stardust Metals"}


def test_dwell_counts_only_time_with_a_face() -> None:
    now = [0.0]
    shown: list[tuple[str, int]] = []
    dwell = ShadeDwell(lambda shade, ms: shown.append((shade, ms)), clock=lambda: now[0])
    for step in range(31):  # 3 s of Ruby Hour with a face, at 10 fps
        now[0] = step * 0.1
        dwell.frame("ruby", True)
    for step in range(31, 61):  # 3 s more with nobody in view
        now[0] = step * 0.1
        dwell.frame("ruby", False)
    now[0] = 6.1
    dwell.frame("coral", True)  # the switch emits Ruby Hour's stretch
    now[0] = 10.0  # a 3.9 s stall between two frames counts as at most 0.5 s
    dwell.frame("coral", True)
    dwell.flush()
    assert shown[0] == ("ruby", 3000)
    assert shown[1] == ("coral", 500)


def test_cli_simulate_report_export_purge(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    db = tmp_path / "a.sqlite"
    assert main(["analytics", "simulate", "--db", str(db), "--events", "2000", "--seed", "4"]) == 0
    assert main(["report", "--db", str(db), "-o", str(tmp_path / "r.html"), "--csv", str(tmp_path / "r.csv")]) == 0
    assert "simulated" in capsys.readouterr().out
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    # The skin depths the shipped shades serve, from the catalogs alone: every reference face has a nude.
    assert "<h2>Skin depths the shades serve</h2>" in page
    assert "<td>deep</td><td>17</td><td>17 of 17</td>" in page
    metals = ["--catalog", "Nova Beauty / Stardust Metals"]
    assert main(["report", "--db", str(db), "-o", str(tmp_path / "n.html"), *metals]) == 0
    assert "deep 11/17" in capsys.readouterr().out  # a metals collection has fewer nudes for deep skin
    assert "Not every skin depth is served" in (tmp_path / "n.html").read_text(encoding="utf-8")
    assert main(["analytics", "export", "--db", str(db), "-o", str(tmp_path / "e.csv")]) == 0
    assert (tmp_path / "e.csv").read_text(encoding="utf-8").startswith("at,kind,session_id")
    assert main(["analytics", "purge", "--db", str(db)]) == 1  # says what to give
    assert main(["analytics", "purge", "--db", str(db), "--simulated"]) == 0
    store = Store(sqlite_url(db))
    assert store.count() == 0
    store.close()
