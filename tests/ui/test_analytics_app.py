"""The desktop app's anonymous events, recorded while a real window runs (demo face, real model), land in SQLite
with the dwell of each shade counted only while a face was in view; the opt-out stops them."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import sqlalchemy as sa
from PySide6.QtCore import QSettings

from tryon.analytics.recorder import Recorder
from tryon.analytics.store import Store, sqlite_url
from tryon.catalog.library import load_library
from ui.app import MainWindow

pytestmark = pytest.mark.gui


def _window(qtbot, tmp_path: Path, source: str, recorder: Recorder) -> MainWindow:  # noqa: ANN001
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("pictures_dir", str(tmp_path / "pictures"))
    win = MainWindow(load_library(), source=source, settings=settings, recorder=recorder)
    qtbot.addWidget(win)
    win.show()
    win.start()
    return win


def _rows(url: str) -> list:
    store = Store(url)
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT kind, shade_id, dwell_ms, value, catalog_id FROM events ORDER BY id")
        ).all()
    store.close()
    return rows


def _frames_with_face(win: MainWindow, shade_id: str) -> bool:
    frame = win.last_frame
    return frame is not None and frame.result.faces_found and frame.look.shade.id == shade_id


def test_the_apps_events_land_in_sqlite_with_dwell(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    url = sqlite_url(tmp_path / "events.sqlite")
    win = _window(qtbot, tmp_path, "demo", Recorder(url, "test-desk", flush_s=0.2))
    chosen = time.monotonic()  # the ruby's dwell cannot start before it is chosen...
    win.shades.select_shade("mv-ruby-hour")
    qtbot.waitUntil(lambda: _frames_with_face(win, "mv-ruby-hour"), timeout=20_000)
    qtbot.wait(1500)  # the shopper looks at it for a second and a half
    win.shades.select_shade("ll-coral-wave")
    qtbot.waitUntil(lambda: _frames_with_face(win, "ll-coral-wave"), timeout=20_000)
    ruby_wall_s = time.monotonic() - chosen  # ...nor end after the next shade is on the lips
    qtbot.wait(500)
    win.save_snapshot()
    qtbot.waitUntil(lambda: win.last_saved is not None, timeout=10_000)
    win.stop()
    rows = _rows(url)
    kinds = [r.kind for r in rows]
    assert kinds[0] == "session_start"
    assert kinds[-1] == "session_end"
    ruby = [r for r in rows if r.kind == "shade_shown" and r.shade_id == "mv-ruby-hour"]
    assert len(ruby) == 1
    assert 1000 <= ruby[0].dwell_ms <= ruby_wall_s * 1000
    assert ruby[0].catalog_id == "Maison Velours / Atelier Matte 2027"
    assert any(r.kind == "snapshot" and r.shade_id == "ll-coral-wave" for r in rows)
    assert any(r.kind == "shared" and r.value == "file" for r in rows)


def test_no_face_no_dwell_and_the_opt_out_records_nothing(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    clip = tmp_path / "wall.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 25, (320, 240))
    for _ in range(100):
        writer.write(np.full((240, 320, 3), 170, np.uint8))
    writer.release()
    url = sqlite_url(tmp_path / "nobody.sqlite")
    win = _window(qtbot, tmp_path, str(clip), Recorder(url, "test-desk", flush_s=0.2))
    qtbot.waitUntil(lambda: win.displayed_count >= 25, timeout=30_000)  # a second of frames without a face
    win.stop()
    assert [r.kind for r in _rows(url)] == ["session_start", "session_end"]

    off = sqlite_url(tmp_path / "off.sqlite")
    win = _window(qtbot, tmp_path, "demo", Recorder(off, "test-desk", enabled=False))
    qtbot.waitUntil(lambda: win.last_frame is not None and win.last_frame.result.faces_found, timeout=20_000)
    shown = win.displayed_count
    qtbot.waitUntil(lambda: win.displayed_count >= shown + 15, timeout=30_000)  # half a second of frames with a face
    win.stop()
    assert not (tmp_path / "off.sqlite").exists()
