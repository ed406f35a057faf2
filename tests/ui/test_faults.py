"""The app under faults: signals to the real process, a remembered source that is gone, a small screen,
settings written as they change."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
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


@pytest.mark.gui
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_closes_the_real_app_cleanly(signum: int, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)
    command = [
        sys.executable,
        "-c",
        "import sys; from tryon.cli import main; sys.exit(main())",
        "app",
        "--source",
        "demo",
    ]
    if shutil.which("xvfb-run"):
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", *command]
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    settings_file = tmp_path / "config" / "Tryon" / "Tryon.conf"
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        deadline = time.monotonic() + 60
        while not settings_file.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)  # the window saves its settings half a second after it shows the first look
        assert settings_file.exists(), "the app never saved its settings"
        app_pid = process.pid
        if command[0] == "xvfb-run":  # signal the app itself, not the xvfb-run wrapper
            found = subprocess.run(["pgrep", "-f", "-n", "tryon.cli import main"], capture_output=True, text=True)
            app_pid = int(found.stdout.split()[0])
        os.kill(app_pid, signum)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "QThread: Destroyed while thread is still running" not in stderr
    assert "shade=" in settings_file.read_text()


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
