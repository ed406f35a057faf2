"""Drive the real window with the demo source under the offscreen platform."""

from pathlib import Path

import cv2  # imported first on purpose: cv2 sets Qt plugin paths that must not break the app
import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer

from tryon.colour import rgb_to_lab
from tryon.export import read_metadata
from tryon.shades import load_library
from ui.app import MainWindow

pytestmark = pytest.mark.gui
assert cv2 is not None


@pytest.fixture
def window(qtbot, tmp_path: Path):  # noqa: ANN001, ANN201
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("pictures_dir", str(tmp_path / "pictures"))
    win = MainWindow(load_library(), source="demo", settings=settings)
    qtbot.addWidget(win)
    win.mirror.setChecked(False)
    win.show()
    win.start()
    yield win
    win.stop()
    assert not win.thread.isRunning()


def _lip_colour(win: MainWindow) -> np.ndarray:
    result = win.last_result
    mask = result.masks[0].full_frame(result.rendered.shape[:2]) > 0.9
    return rgb_to_lab(result.rendered[mask]).mean(axis=0)


def test_shade_click_changes_displayed_lip_colour(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    window.select_shade("nv-galaxy-plum")
    qtbot.waitUntil(
        lambda: (
            window.last_result is not None
            and window.last_result.faces_found
            and window.last_result.shade.id == "nv-galaxy-plum"
        ),
        timeout=20_000,
    )
    plum = _lip_colour(window)
    window.select_shade("ll-coral-wave")
    qtbot.waitUntil(lambda: window.last_result.shade.id == "ll-coral-wave", timeout=5000)
    coral = _lip_colour(window)
    # coral is lighter and more yellow (b*) than plum
    assert coral[0] > plum[0] + 5
    assert coral[2] > plum[2] + 10
    shown = window.view.pixmap()
    assert shown is not None
    assert not shown.isNull()


def test_snapshot_writes_a_file_naming_the_shade(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    window.select_shade("mv-ruby-hour")
    qtbot.waitUntil(
        lambda: window.last_result is not None and window.last_result.shade.id == "mv-ruby-hour", timeout=20_000
    )
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.last_saved is not None
    assert window.last_saved.is_file()
    meta = read_metadata(window.last_saved)
    assert meta.shade_id == "mv-ruby-hour"
    assert meta.shade_name == "Ruby Hour"


def test_ui_thread_is_never_blocked_by_processing(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: window.last_result is not None, timeout=20_000)
    gaps: list[float] = []
    import time

    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    qtbot.wait(2000)
    timer.stop()
    assert len(gaps) > 50
    assert max(gaps) < 0.1


def test_broken_source_gives_a_message_not_a_crash(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(load_library(), source=str(tmp_path / "no-such-video.mp4"), settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.start()
    qtbot.waitUntil(lambda: "retrying" in win.hint.text(), timeout=10_000)
    assert "no-such-video.mp4" in win.hint.text()
    win.stop()
    assert not win.thread.isRunning()
