"""The app under faults: a remembered source that is gone, a small screen, settings written as they change
(signals to the real process: tests/test_signals.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QSlider, QWidget

from tryon.catalog.library import load_library
from ui.app import MainWindow


def _settings(tmp_path: Path) -> QSettings:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("pictures_dir", str(tmp_path / "pictures"))
    return settings


def test_choices_are_saved_as_they_change_not_only_at_exit(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    settings = _settings(tmp_path)
    window = MainWindow(load_library(), source="demo", settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.start()
    try:
        window.shades.select_shade("nv-galaxy-plum")
        window.intensity.setValue(42)
        on_disk = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)

        def saved() -> bool:
            on_disk.sync()
            return on_disk.value("shade") == "nv-galaxy-plum" and str(on_disk.value("intensity")) == "42"

        qtbot.waitUntil(saved, timeout=5000)  # written while the window is still open (a kill -9 keeps it)
    finally:
        window.stop()


def test_a_remembered_stream_that_is_gone_falls_back_to_the_demo_face(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    settings = _settings(tmp_path)
    settings.setValue("source", "http://127.0.0.1:9/video")  # loopback, a port nothing listens on
    window = MainWindow(load_library(), source=None, settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.start()
    try:
        qtbot.waitUntil(lambda: "showing the demo face" in window.hint.text(), timeout=20_000)
        assert "http://127.0.0.1:9/video" in window.hint.text()  # says which source failed
        qtbot.waitUntil(lambda: window.last_frame is not None and window.last_frame.result.faces_found, timeout=20_000)
        assert settings.value("source") == "http://127.0.0.1:9/video"  # the choice stays for when it is back
    finally:
        window.stop()


@pytest.mark.parametrize("size_wh", [None, (1024, 768 - 40)], ids=["as-opened", "1024x768-less-a-task-bar"])
def test_every_control_is_on_a_small_screen(qtbot, tmp_path: Path, size_wh: tuple[int, int] | None) -> None:  # noqa: ANN001
    window = MainWindow(load_library(), source="demo", settings=_settings(tmp_path))
    qtbot.addWidget(window)
    window.show()
    screen = window.screen().availableGeometry()
    if size_wh is None:  # as it opens: never bigger than the screen (Qt's offscreen screen is 800×600)
        assert window.frameGeometry().width() <= screen.width()
        assert window.frameGeometry().height() <= screen.height()
    else:
        window.resize(*size_wh)
        qtbot.waitUntil(lambda: window.width() == size_wh[0], timeout=5000)
    controls = [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, QAbstractButton | QSlider | QCheckBox) and w.isVisibleTo(window)
    ]
    assert any(w.text().startswith("Save picture") for w in controls if isinstance(w, QAbstractButton))
    for control in controls:
        top_left = control.mapTo(window, QPoint(0, 0))
        inside = (
            0 <= top_left.x()
            and top_left.x() + control.width() <= window.width()
            and 0 <= top_left.y()
            and top_left.y() + control.height() <= window.height()
        )
        assert inside, f"{control.__class__.__name__} {getattr(control, 'text', lambda: '')()!r} is off the window"
        assert not control.visibleRegion().isEmpty(), f"{control!r} is hidden (scrolled away or covered)"
