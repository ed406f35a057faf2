"""The advisor in the real window: "Like this, but…" buttons and the "For you" picks (demo face, real model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from tryon.advisor.navigate import neighbours
from tryon.catalog.library import load_library
from tryon.colour import rgb_to_lab
from tryon.media.swatch import on_lips_lab
from ui.app import MainWindow

pytestmark = pytest.mark.gui


def _open(qtbot, tmp_path: Path, source: str) -> MainWindow:  # noqa: ANN001
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("pictures_dir", str(tmp_path / "pictures"))
    win = MainWindow(load_library(), source=source, settings=settings)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    win.start()
    return win


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:  # noqa: ANN001
    win = _open(qtbot, tmp_path, "demo")
    yield win
    win.stop()


def _lips_lab(win: MainWindow) -> np.ndarray:
    result = win.last_frame.result
    lips = result.masks[0].full_frame(result.rendered.shape[:2]) > 0.9
    return rgb_to_lab(result.rendered[lips]).mean(axis=0)


def _showing(win: MainWindow, shade_id: str) -> bool:
    frame = win.last_frame
    return frame is not None and frame.result.faces_found and frame.look.shade.id == shade_id


def test_like_this_but_deeper_moves_to_a_deeper_shade_on_the_lips(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    window.shades.select_shade("mv-classic-red")
    qtbot.waitUntil(lambda: _showing(window, "mv-classic-red"), timeout=20_000)
    before = _lips_lab(window)
    shades = window.shades.library.shades
    expected = neighbours(window.shades.current_shade(), "deeper", shades, count=1, colour_of=on_lips_lab)[0].shade
    qtbot.waitUntil(lambda: window.navigation.ready, timeout=10_000)
    button = window.navigation.buttons["deeper"]
    assert button.isEnabled()
    assert expected.name in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.shades.current_shade().id == expected.id
    qtbot.waitUntil(lambda: _showing(window, expected.id), timeout=20_000)
    assert _lips_lab(window)[0] < before[0] - 1.0  # the painted lips really are deeper

    # The darkest plum has nothing deeper: the button says so instead of doing nothing.
    window.shades.select_shade("mv-plum-noir")
    assert not window.navigation.buttons["deeper"].isEnabled()
    assert "No deeper shade" in window.navigation.buttons["deeper"].toolTip()


def test_same_colour_in_another_finish(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: window.navigation.ready, timeout=10_000)
    window.shades.select_shade("mv-classic-red")
    combo = window.navigation.finishes
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert any(label.startswith("gloss: Cherry Glaze") for label in labels)
    combo.activated.emit(next(i for i, label in enumerate(labels) if label.startswith("gloss")))
    assert window.shades.current_shade().id == "ll-cherry-glaze"


def test_for_you_measures_the_face_and_a_pick_is_one_click_away(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    panel = window.for_you
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: window.last_frame is not None and window.last_frame.result.faces_found, timeout=20_000)
    qtbot.mouseClick(panel.measure, Qt.MouseButton.LeftButton)
    assert not panel.measure.isEnabled()  # one measurement at a time
    qtbot.waitUntil(lambda: panel.picks.count() == 6, timeout=20_000)
    assert panel.measure.isEnabled()
    assert "ITA" in panel.summary.text()
    assert all("\n" in panel.picks.item(i).text() for i in range(6))  # name, then the reason
    pick = panel.picks.item(3)
    rect = panel.picks.visualItemRect(pick)
    qtbot.mouseClick(panel.picks.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    chosen = pick.data(Qt.ItemDataRole.UserRole)
    assert window.shades.current_shade().id == chosen
    qtbot.waitUntil(lambda: _showing(window, chosen), timeout=20_000)


def test_for_you_without_a_face_says_what_to_do(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    clip = tmp_path / "wall.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 25, (320, 240))
    for _ in range(400):
        writer.write(np.full((240, 320, 3), 170, np.uint8))
    writer.release()
    win = _open(qtbot, tmp_path, str(clip))
    try:
        qtbot.waitUntil(lambda: win.last_frame is not None, timeout=20_000)
        win.tabs.setCurrentWidget(win.for_you)
        win.request_advice()
        qtbot.waitUntil(lambda: win.for_you.note.isVisible(), timeout=20_000)
        assert "face the camera" in win.for_you.note.text()
        assert win.for_you.picks.count() == 0
        assert win.for_you.measure.isEnabled()
    finally:
        win.stop()
