"""The desktop try-on window. Draws and forwards; all processing happens in `ui.worker.Worker`."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tryon.advisor.advice import Advice
from tryon.analytics.events import new_session_id
from tryon.analytics.recorder import Recorder, ShopperEvents
from tryon.analytics.store import default_url
from tryon.calibration import Calibration
from tryon.catalog.library import SHADES_DIR, ShadeLibrary
from tryon.catalog.model import Shade
from tryon.errors import TryonError
from tryon.media.compose import Look, split_picture, view_layers
from tryon.media.sources import list_cameras
from ui.advisor_panel import ForYouPanel, NavigationBar
from ui.catalog_watch import CatalogWatcher
from ui.shade_panel import ShadePanel
from ui.snapshot import PictureWriter, SnapshotDialog
from ui.stop_signals import application
from ui.view import VideoView, to_qimage
from ui.worker import ADVICE_TIMEOUT_S, LiveFrame, Worker, thread_for

MODES = ("live", "split", "compare")
_SETTINGS_DELAY_MS = 500
_SIDE_PANEL_WIDTH = 300
_SIDE_PANEL_MIN_HEIGHT = 600  # the shade list keeps room for ~7 swatches; below that the panel scrolls
# The window opens at this size, or smaller to fit the screen; it never needs more than MIN_SIZE_WH.
_START_SIZE_WH = (1280, 760)
MIN_SIZE_WH = (760, 560)
_DECORATION_WH = (16, 40)  # room left on the screen for the window's frame and title bar


def _setting_bool(settings: QSettings, key: str, default: bool) -> bool:
    return settings.value(key, "true" if default else "false") in (True, "true")


class MainWindow(QMainWindow):
    """Live view on the left (live, before/after split, or compare grid), shades and controls on the right."""

    look_changed = Signal(object)

    def __init__(
        self,
        library: ShadeLibrary,
        *,
        source: str | None = None,
        settings: QSettings | None = None,
        demo_fps: float = 30.0,
        watcher: CatalogWatcher | None = None,
        recorder: Recorder | None = None,
        calibration: Calibration | None = None,
        true_colours: bool = False,
    ) -> None:
        super().__init__()
        self.recorder = recorder
        self.events = ShopperEvents(recorder, library.catalogs)
        self._recorded_intensity: int | None = None
        self.setWindowTitle("Tryon — lipstick try-on")
        self.settings = settings or QSettings("Tryon", "Tryon")
        self.last_frame: LiveFrame | None = None
        self.last_saved: Path | None = None
        self.snapshot_dialog: SnapshotDialog | None = None
        self.picture_writer = PictureWriter(self)
        self.picture_writer.saved.connect(self._on_saved)
        self.picture_writer.failed.connect(self._on_save_failed)
        self.display_latencies_ms: deque[float] = deque(maxlen=2000)
        self.displayed_count = 0
        self._frame_times: deque[float] = deque(maxlen=120)
        remembered = source is None and bool(self.settings.value("source"))
        source = source if source is not None else (self.settings.value("source") or None)

        self.view = VideoView()
        self.hint = QLabel("")
        self.hint.setStyleSheet("color: #f0c36d; background: #1d1b1e; padding: 4px 8px; font-weight: bold;")
        self.mode_buttons = QButtonGroup(self)
        mode_bar = QHBoxLayout()
        for index, (mode, label) in enumerate(zip(MODES, ("Live", "Before | After", "Compare"), strict=True)):
            button = QPushButton(label, checkable=True, objectName=f"mode-{mode}")
            button.setMinimumWidth(120)
            button.setStyleSheet(
                "QPushButton { padding: 6px 14px; border: 1px solid #bbb; border-radius: 6px; background: #f4f1f2; }"
                "QPushButton:checked { background: #8e2442; color: white; border-color: #8e2442; }"
            )
            self.mode_buttons.addButton(button, index)
            mode_bar.addWidget(button)
        mode_bar.addStretch(1)

        compare_ids = [i for i in str(self.settings.value("compare", "")).split(",") if i]
        self.shades = ShadePanel(library, compare_ids=compare_ids)
        self.navigation = NavigationBar(library)
        self.for_you = ForYouPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.shades, "Shades")
        self.tabs.addTab(self.for_you, "For you")
        self.intensity = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100)
        self.intensity_label = QLabel()
        self.mirror = QCheckBox("Mirror view")
        self.overlay = QCheckBox("Show fps and timings")
        self.before = QPushButton("Hold for before")
        self.snapshot = QPushButton("Save picture  (Space)")
        self.snapshot.setStyleSheet(
            "QPushButton { font-weight: bold; padding: 10px; background: #8e2442; color: white; border-radius: 6px; }"
            "QPushButton:pressed { background: #6d1a33; }"
        )

        panel = QVBoxLayout()
        panel.addWidget(self.tabs, 1)
        panel.addWidget(self.navigation)
        panel.addWidget(self.intensity_label)
        panel.addWidget(self.intensity)
        panel.addWidget(self.mirror)
        panel.addWidget(self.overlay)
        panel.addWidget(self.before)
        panel.addWidget(self.snapshot)
        side_content = QWidget()
        side_content.setLayout(panel)
        side_content.setMinimumHeight(_SIDE_PANEL_MIN_HEIGHT)
        side = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)  # scrolls on very small screens
        side.setWidget(side_content)
        side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side.setFixedWidth(_SIDE_PANEL_WIDTH)
        left = QVBoxLayout()
        left.addLayout(mode_bar)
        left.addWidget(self.view, 1)
        left.addWidget(self.hint)
        main = QHBoxLayout()
        main.addLayout(left, 1)
        main.addWidget(side)
        central = QWidget()
        central.setLayout(main)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Pick a shade")
        self._build_menus()
        self.setMinimumSize(*MIN_SIZE_WH)
        self._fit_to_screen()

        self.intensity.setValue(int(self.settings.value("intensity", 85)))
        self.mirror.setChecked(_setting_bool(self.settings, "mirror", True))
        self.overlay.setChecked(_setting_bool(self.settings, "overlay", False))
        self.shades.select_shade(str(self.settings.value("shade", "")) or library.shades[0].id)
        mode = str(self.settings.value("mode", "live"))
        self.mode_buttons.button(MODES.index(mode) if mode in MODES else 0).setChecked(True)
        self._update_intensity_label()

        self.shades.changed.connect(self._push_look)
        self.shades.changed.connect(lambda: self.navigation.set_current(self.shades.current_shade()))
        self.navigation.set_current(self.shades.current_shade())
        self.navigation.shade_chosen.connect(self.shades.select_shade)
        self.for_you.shade_chosen.connect(self.shades.select_shade)
        self.for_you.measure_requested.connect(self.request_advice)
        self.shades.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.intensity.valueChanged.connect(self._push_look)
        self.intensity.valueChanged.connect(self._update_intensity_label)
        self.intensity.valueChanged.connect(lambda value: self.shades.set_intensity(value / 100.0))
        self.shades.set_intensity(self.intensity.value() / 100.0)
        self.mode_buttons.idToggled.connect(self._on_mode_toggled)
        self.before.pressed.connect(self._push_look)
        self.before.released.connect(self._push_look)
        self.view.resized.connect(self._push_look)
        self.mirror.toggled.connect(self._push_look)
        self.snapshot.clicked.connect(self.save_snapshot)
        self.view.painted.connect(self._on_painted)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.save_snapshot)
        QShortcut(QKeySequence(Qt.Key.Key_Down), self, activated=lambda: self.shades.step_shade(1))
        QShortcut(QKeySequence(Qt.Key.Key_Up), self, activated=lambda: self.shades.step_shade(-1))
        for library_error in library.errors:
            self.statusBar().showMessage(f"Catalog problem: {library_error}", 10_000)
        self.watcher = watcher
        if watcher is not None:
            watcher.library_changed.connect(self.shades.set_library)
            watcher.library_changed.connect(self._on_library_changed)
            watcher.problems.connect(self.shades.show_catalog_problems)
            self.shades.show_catalog_problems(watcher.current_problems)

        self.worker = Worker(
            source,
            demo_fps=demo_fps,
            fallback_to_demo=remembered,
            calibration=calibration,
            true_colours=true_colours,
        )
        self.thread = thread_for(self.worker, self)
        self.worker.frame_ready.connect(self.on_frame)
        self.worker.status.connect(self.on_status)
        self.worker.error.connect(self.on_error)
        self.worker.source_opened.connect(self._on_source_opened)
        self.worker.advice_ready.connect(self._on_advice)
        self.worker.advice_failed.connect(self._on_advice_failed)
        # No frames at all (a camera that fails) would leave a measurement waiting: say so after a while.
        self._advice_watchdog = QTimer(self, singleShot=True, interval=int((ADVICE_TIMEOUT_S + 3) * 1000))
        self._advice_watchdog.timeout.connect(
            lambda: self.for_you.show_failure("No frames from the camera to measure; check the Camera menu.")
        )
        self.look_changed.connect(self.worker.set_look, Qt.ConnectionType.DirectConnection)
        # Choices are saved half a second after they stop changing (a slider drag writes once).
        self._settings_timer = QTimer(self, singleShot=True, interval=_SETTINGS_DELAY_MS)
        self._settings_timer.timeout.connect(self.save_settings)
        self.look_changed.connect(self._settings_timer.start)
        self.overlay.toggled.connect(self._settings_timer.start)
        self._on_mode_toggled(self.mode_buttons.checkedId(), True)

    def start(self) -> None:
        self.thread.start()
        self._record("session_start")

    # ----- analytics (anonymous events; nothing about the face)
    def _record(self, kind: str, shade: Shade | None = None, **fields: object) -> None:
        self.events.record(kind, shade, **fields)

    def set_analytics(self, enabled: bool) -> None:
        """The opt-out switch (Picture ▸ Share anonymous try-on statistics), remembered."""
        self.settings.setValue("analytics", enabled)
        if self.recorder is not None:
            self.recorder.set_enabled(enabled)

    @Slot()
    def request_advice(self) -> None:
        """Measure the face over the next second of frames (in the worker) and show picks in "For you"."""
        self.worker.request_advice(tuple(self.shades.library.shades))
        self._advice_watchdog.start()

    @Slot(object)
    def _on_advice(self, advice: Advice) -> None:
        self._advice_watchdog.stop()
        self.for_you.show_advice(advice)

    @Slot(str)
    def _on_advice_failed(self, message: str) -> None:
        self._advice_watchdog.stop()
        self.for_you.show_failure(message)

    @Slot(object)
    def _on_library_changed(self, library: ShadeLibrary) -> None:
        self.navigation.set_library(library)
        self.events.set_shades(library.catalogs)

    def _fit_to_screen(self) -> None:
        """Open at the preferred size, or as big as the screen allows (a 1024×768 screen holds every control)."""
        width, height = _START_SIZE_WH
        screen = self.screen()
        if screen is not None:
            available = screen.availableGeometry()  # window decorations come on top of the size set here
            width = min(width, available.width() - _DECORATION_WH[0])
            height = min(height, available.height() - _DECORATION_WH[1])
        self.resize(max(width, MIN_SIZE_WH[0]), max(height, MIN_SIZE_WH[1]))

    # ----- menus
    def _build_menus(self) -> None:
        self.source_menu = self.menuBar().addMenu("&Camera")
        self.source_menu.aboutToShow.connect(self._fill_source_menu)
        self._fill_source_menu()
        picture = self.menuBar().addMenu("&Picture")
        save = QAction("Save picture", self, shortcut=QKeySequence("Ctrl+S"), triggered=self.save_snapshot)
        copy = QAction("Copy to clipboard", self, shortcut=QKeySequence("Ctrl+C"), triggered=self.copy_to_clipboard)
        folder = QAction("Choose pictures folder…", self, triggered=self._choose_pictures_dir)
        self.analytics_action = QAction(
            "Share anonymous try-on statistics with the brands",
            self,
            checkable=True,
            checked=_setting_bool(self.settings, "analytics", True),
            toolTip="Which shades are tried and for how long; never a picture or anything about your face",
        )
        self.analytics_action.toggled.connect(self.set_analytics)
        picture.addActions([save, copy, folder])
        picture.addSeparator()
        picture.addAction(self.analytics_action)

    def _fill_source_menu(self) -> None:
        menu = self.source_menu
        menu.clear()
        group = QActionGroup(menu)
        current = str(self.settings.value("source", "") or "")
        for index, name in list_cameras():
            action = QAction(f"{name}  ({index})", menu, checkable=True, checked=current == str(index))
            action.triggered.connect(lambda _=False, spec=str(index): self.set_source(spec))
            group.addAction(action)
            menu.addAction(action)
        if not menu.actions():
            menu.addAction(QAction("No camera found", menu, enabled=False))
        demo = QAction("Demo face", menu, checkable=True, checked=current == "demo")
        demo.triggered.connect(lambda: self.set_source("demo"))
        group.addAction(demo)
        menu.addAction(demo)
        menu.addSeparator()
        menu.addAction("Video file…", self._choose_video_file)
        menu.addAction("Network stream (phone camera)…", self._choose_stream)

    def _choose_video_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a video", "", "Videos (*.mp4 *.mov *.avi *.mkv *.webm)")
        if path:
            self.set_source(path)

    def _choose_stream(self) -> None:
        url, ok = QInputDialog.getText(
            self, "Network stream", "Stream URL (e.g. http://192.168.1.20:8080/video from an IP-camera app):"
        )
        if ok and url.strip():
            self.set_source(url.strip())

    def set_source(self, spec: str | None) -> None:
        """Switch to a camera index, "demo", a video file or a stream URL; remembered for next time."""
        self.settings.setValue("source", spec or "")
        self.view.placeholder = f"Opening {spec or 'camera'}…"
        self.worker.set_source(spec)

    @Slot(str)
    def _on_source_opened(self, spec: str) -> None:
        self.statusBar().showMessage(f"Showing {'the demo face' if spec == 'demo' else spec}", 5000)

    def _choose_pictures_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save pictures in", str(self.pictures_dir()))
        if folder:
            self.settings.setValue("pictures_dir", folder)

    def _update_intensity_label(self) -> None:
        self.intensity_label.setText(f"Intensity {self.intensity.value()}%")

    def mode(self) -> str:
        return MODES[max(0, self.mode_buttons.checkedId())]

    def set_mode(self, mode: str) -> None:
        self.mode_buttons.button(MODES.index(mode)).setChecked(True)

    def _on_mode_toggled(self, button_id: int, checked: bool) -> None:
        if not checked:
            return
        mode = MODES[button_id]
        if mode == "compare" and len(self.shades.compare_shades()) < 2:
            self.shades.fill_compare_set()
        if mode == "compare" and self.thread.isRunning():
            self._record("compare_used", value=str(len(self.shades.compare_shades())))
        self.view.set_split(0.5 if mode == "split" else None)
        self._push_look()

    def _push_look(self) -> None:
        shade = self.shades.current_shade()
        compare = self.shades.compare_shades()
        look = Look(
            shade=shade,
            intensity=self.intensity.value() / 100.0,
            compare=compare if len(compare) >= 2 else (),
            mirror=self.mirror.isChecked(),
            view="before" if self.before.isDown() else self.mode(),
            display_wh=self.view.display_size(),
        )
        self.look_changed.emit(look)
        if shade is not None:
            self.statusBar().showMessage(f"{shade.name} · {shade.brand} · {shade.finish}")

    # ----- frames
    @Slot(object)
    def on_frame(self, frame: LiveFrame) -> None:
        self.last_frame = frame
        shade = frame.look.shade
        showing = shade is not None and frame.look.view != "before"
        self.events.frame(shade.id if showing and shade is not None else None, frame.result.faces_found)
        self._frame_times.append(time.perf_counter())
        if not frame.result.faces_found:
            self.hint.setText("No face found — move closer and face the camera")
        elif self.hint.text().startswith("No face"):
            self.hint.setText("")
        self._show_frame(captured_s=frame.captured_s)

    def displayed_fps(self) -> float:
        times = self._frame_times
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0

    def displayed_frame(self) -> np.ndarray | None:
        """The RGB picture currently shown (the frame's view, mirror and split applied), for the clipboard and tests."""
        frame = self.last_frame
        if frame is None:
            return None
        picture, before = view_layers(frame.result, frame.look, compare_grid=frame.compare_grid)
        if before is not None and self.view.split is not None:
            return split_picture(picture, before, self.view.split)
        return picture

    def _show_frame(self, captured_s: float | None = None) -> None:
        frame = self.last_frame
        if frame is None:
            return
        if self.overlay.isChecked():
            timings = frame.result.timings
            latency = self.display_latencies_ms[-1] if self.display_latencies_ms else 0.0
            self.view.overlay_text = (
                f"{self.displayed_fps():.0f} fps · landmarks {timings.landmarks_ms:.1f} ms · "
                f"mask {timings.mask_ms:.1f} · render {timings.render_ms:.1f} · "
                f"capture→screen {latency:.0f} ms · skipped {frame.dropped}"
            )
        else:
            self.view.overlay_text = ""
        self.view.set_frames(frame.display, frame.display_before, captured_s=captured_s)

    @Slot(float)
    def _on_painted(self, captured_s: float) -> None:
        self.displayed_count += 1
        self.display_latencies_ms.append((time.perf_counter() - captured_s) * 1000.0)

    @Slot(str)
    def on_status(self, message: str) -> None:
        self.hint.setText(message)

    @Slot(str)
    def on_error(self, message: str) -> None:
        self.hint.setText(message)
        self.statusBar().showMessage(message)

    # ----- snapshot and share
    def pictures_dir(self) -> Path:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation) or str(Path.home())
        return Path(str(self.settings.value("pictures_dir", Path(base) / "Tryon")))

    def _layout_for_mode(self) -> str:
        return {"live": "picture", "split": "before-after", "compare": "compare"}[self.mode()]

    @Slot()
    def save_snapshot(self) -> Path | None:
        """Freeze the current frame, save it (layout follows the view mode) and open the share sheet."""
        frame = self.last_frame
        if frame is None or frame.look.shade is None:
            self.statusBar().showMessage("Nothing to save yet", 4000)
            return None
        layout = self._layout_for_mode()
        if layout == "compare" and not frame.compare_frames:
            layout = "picture"
        if self.snapshot_dialog is not None:
            self.snapshot_dialog.close()
        self.snapshot_dialog = SnapshotDialog(
            frame,
            folder=self.pictures_dir(),
            layout=layout,
            writer=self.picture_writer,
            parent=self,
        )
        self.snapshot_dialog.show()
        self._record("snapshot", frame.look.shade)
        return self.snapshot_dialog.save("png")

    @Slot(object)
    def _on_saved(self, path: Path) -> None:
        self.last_saved = path
        shade = self.last_frame.look.shade if self.last_frame is not None else None
        self._record("shared", shade, value="file")
        self.statusBar().showMessage(f"Saved {path}", 8000)
        if self.snapshot_dialog is not None:
            self.snapshot_dialog.on_saved(path)

    @Slot(str)
    def _on_save_failed(self, message: str) -> None:
        self.on_error(message)
        if self.snapshot_dialog is not None:
            self.snapshot_dialog.message.setText(message)

    @Slot()
    def copy_to_clipboard(self) -> None:
        """Put the picture as shown (try-on, split or compare grid) on the clipboard."""
        frame = self.displayed_frame()
        if frame is None:
            return
        QApplication.clipboard().setImage(to_qimage(frame))
        self._record("shared", self.shades.current_shade(), value="clipboard")
        self.statusBar().showMessage("Picture copied to the clipboard", 4000)

    # ----- lifecycle
    def save_settings(self) -> None:
        """Write the user's choices to disk now (also after every change, debounced, so a kill keeps them)."""
        if self._recorded_intensity is not None and self.intensity.value() != self._recorded_intensity:
            self._record("intensity_changed", value=str(self.intensity.value()))
        self._recorded_intensity = self.intensity.value()
        shade = self.shades.current_shade()
        if shade is not None:
            self.settings.setValue("shade", shade.id)
        self.settings.setValue("intensity", self.intensity.value())
        self.settings.setValue("mirror", self.mirror.isChecked())
        self.settings.setValue("overlay", self.overlay.isChecked())
        self.settings.setValue("mode", self.mode())
        self.settings.setValue("compare", ",".join(self.shades.compare_ids))
        self.settings.sync()

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        self.stop()
        self._settings_timer.stop()
        self.save_settings()
        super().closeEvent(event)

    def stop(self) -> None:
        """Stop capture and processing and finish writing pictures and events (blocks up to a few seconds)."""
        self.events.flush()
        if self.thread.isRunning():
            self._record("session_end")
        if self.recorder is not None:
            self.recorder.close()
        self.worker.stop()
        self.shades.shutdown()
        self.navigation.shutdown()
        self.thread.quit()
        self.thread.wait(5000)
        self.picture_writer.wait()


def run_app(
    *,
    source: str | None = None,
    catalog_dirs: Sequence[Path] = (),
    calibration: Calibration | None = None,
    true_colours: bool = False,
) -> int:
    """Open the window and run Qt's event loop; returns the exit code.

    Catalogs come from `assets/shades/` and `catalog_dirs`, and are reloaded when their files change.
    `calibration` (the camera's, `tryon calibrate`) is used by the advisor, and with `true_colours` for the view.
    """
    with application("Tryon") as (app, stop_signals):
        folders = [SHADES_DIR, *(Path(d) for d in catalog_dirs if Path(d).resolve() != SHADES_DIR)]
        watcher = CatalogWatcher(folders)
        library = watcher.library
        if not library.catalogs:
            watcher.close()
            raise TryonError(
                f"no usable shade catalog in {', '.join(map(str, folders))}: " + "; ".join(map(str, library.errors))
            )
        settings = QSettings("Tryon", "Tryon")
        device_id = str(settings.value("device_id", "") or "")
        if not device_id:
            device_id = "desktop-" + new_session_id()[:8]  # random per install: names the machine, not its user
            settings.setValue("device_id", device_id)
        recorder = Recorder(
            default_url(), device_id, enabled=_setting_bool(settings, "analytics", True), catalogs=library.catalogs
        )
        window = MainWindow(
            library,
            source=source,
            watcher=watcher,
            settings=settings,
            recorder=recorder,
            calibration=calibration,
            true_colours=true_colours,
        )
        # Ctrl-C or SIGTERM closes the window as its close button would: threads stopped, settings saved, pictures
        # and events written; then the loop ends.
        stop_signals.received.connect(window.close)
        stop_signals.received.connect(app.quit)
        window.show()
        window.start()
        try:
            return int(app.exec())
        finally:
            watcher.close()
