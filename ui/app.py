"""The desktop try-on window. Draws and forwards; all processing happens in `ui.worker.Worker`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, QStandardPaths, Qt, QThread, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from tryon.errors import TryonError
from tryon.export import TryonMetadata, save_image
from tryon.pipeline import FrameResult
from tryon.shades import Shade, ShadeLibrary, load_library
from ui.worker import Look, Worker

_SHADE_ROLE = Qt.ItemDataRole.UserRole


def to_qimage(rgb: np.ndarray) -> QImage:
    """RGB uint8 (H, W, 3) → QImage that owns a copy of the pixels."""
    height, width = rgb.shape[:2]
    return QImage(np.ascontiguousarray(rgb).data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def swatch_icon(shade: Shade, size: int = 28) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(0, 0, 0, 60))
    painter.setBrush(QColor(shade.color))
    painter.drawEllipse(2, 2, size - 4, size - 4)
    if shade.finish in ("gloss", "shimmer", "metallic", "satin"):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 150))
        painter.drawEllipse(size // 4, size // 5, size // 4, size // 6)
    painter.end()
    return QIcon(pixmap)


class VideoView(QLabel):
    """Shows the latest frame, scaled to fit, keeping its aspect ratio."""

    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(480, 270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet("background: #1d1b1e; color: #ddd; font-size: 16px;")
        self.setText("Starting camera…")
        self._image: QImage | None = None

    def show_image(self, image: QImage) -> None:
        self._image = image
        self._rescale()

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._image is not None:
            pixmap = QPixmap.fromImage(self._image).scaled(
                self.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
            self.setPixmap(pixmap)


class MainWindow(QMainWindow):
    """Live view on the left, shades and controls on the right."""

    look_changed = Signal(object)

    def __init__(self, library: ShadeLibrary, *, source: str | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Tryon — lipstick try-on")
        self.library = library
        self.settings = settings or QSettings("Tryon", "Tryon")
        self.last_result: FrameResult | None = None
        self.last_saved: Path | None = None
        self._frame_times: list[float] = []

        self.view = VideoView()
        self.hint = QLabel("")
        self.hint.setStyleSheet("color: #b33; font-weight: bold;")
        self.search = QLineEdit(placeholderText="Search shades…")
        self.shade_list = QListWidget()
        self.shade_list.setIconSize(self.shade_list.iconSize().expandedTo(self.shade_list.iconSize() * 2))
        self.intensity = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100)
        self.intensity_label = QLabel()
        self.mirror = QCheckBox("Mirror view")
        self.overlay = QCheckBox("Show fps and timings")
        self.before = QPushButton("Hold for before")
        self.snapshot = QPushButton("Save picture  (Space)")
        self.snapshot.setStyleSheet("font-weight: bold; padding: 8px;")

        panel = QVBoxLayout()
        panel.addWidget(self.search)
        panel.addWidget(self.shade_list, 1)
        panel.addWidget(self.intensity_label)
        panel.addWidget(self.intensity)
        panel.addWidget(self.mirror)
        panel.addWidget(self.overlay)
        panel.addWidget(self.before)
        panel.addWidget(self.snapshot)
        side = QWidget()
        side.setLayout(panel)
        side.setFixedWidth(300)
        left = QVBoxLayout()
        left.addWidget(self.view, 1)
        left.addWidget(self.hint)
        main = QHBoxLayout()
        main.addLayout(left, 1)
        main.addWidget(side)
        central = QWidget()
        central.setLayout(main)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Pick a shade")

        self._fill_shades()
        self.intensity.setValue(int(self.settings.value("intensity", 85)))
        self.mirror.setChecked(self.settings.value("mirror", "true") in (True, "true"))
        self.overlay.setChecked(self.settings.value("overlay", "false") in (True, "true"))
        self._select_shade_id(str(self.settings.value("shade", "")) or library.shades[0].id)
        self._update_intensity_label()

        self.search.textChanged.connect(self._filter)
        self.shade_list.currentItemChanged.connect(lambda *_: self._push_look())
        self.intensity.valueChanged.connect(self._push_look)
        self.intensity.valueChanged.connect(self._update_intensity_label)
        self.before.pressed.connect(self._redraw)
        self.before.released.connect(self._redraw)
        self.mirror.toggled.connect(self._redraw)
        self.snapshot.clicked.connect(self.save_snapshot)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.save_snapshot)
        for library_error in library.errors:
            self.statusBar().showMessage(f"Skipped a catalog: {library_error}", 10_000)

        self.thread = QThread(self)
        self.worker = Worker(source)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.thread.finished.connect(self.worker.deleteLater)
        self.worker.frame_ready.connect(self.on_frame)
        self.worker.status.connect(self.on_status)
        self.worker.error.connect(self.on_error)
        self.look_changed.connect(self.worker.set_look, Qt.ConnectionType.DirectConnection)
        self._push_look()

    def start(self) -> None:
        self.thread.start()

    # ----- shades
    def _fill_shades(self) -> None:
        for catalog in self.library.catalogs:
            header = QListWidgetItem(f"{catalog.brand} · {catalog.collection}")
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setForeground(QColor("#777"))
            self.shade_list.addItem(header)
            for shade in catalog.shades:
                item = QListWidgetItem(swatch_icon(shade), f"{shade.name}\n{shade.finish}")
                item.setData(_SHADE_ROLE, shade)
                item.setToolTip(f"{shade.name} — {shade.color}, {shade.finish}, {shade.brand}")
                self.shade_list.addItem(item)

    def _select_shade_id(self, shade_id: str) -> None:
        for row in range(self.shade_list.count()):
            shade = self.shade_list.item(row).data(_SHADE_ROLE)
            if shade is not None and shade.id == shade_id:
                self.shade_list.setCurrentRow(row)
                return
        self.shade_list.setCurrentRow(1)

    def select_shade(self, shade_id: str) -> None:
        """Select a shade by id (as a click on its swatch would)."""
        self._select_shade_id(shade_id)

    def current_shade(self) -> Shade | None:
        item = self.shade_list.currentItem()
        return item.data(_SHADE_ROLE) if item is not None else None

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for row in range(self.shade_list.count()):
            item = self.shade_list.item(row)
            shade = item.data(_SHADE_ROLE)
            if shade is not None:
                item.setHidden(bool(needle) and needle not in f"{shade.name} {shade.finish} {shade.brand}".lower())

    def _update_intensity_label(self) -> None:
        self.intensity_label.setText(f"Intensity {self.intensity.value()}%")

    def _push_look(self) -> None:
        look = Look(shade=self.current_shade(), intensity=self.intensity.value() / 100.0)
        self.look_changed.emit(look)
        if look.shade is not None:
            self.statusBar().showMessage(f"{look.shade.name} · {look.shade.brand} · {look.shade.finish}")

    # ----- frames
    @Slot(object)
    def on_frame(self, result: FrameResult) -> None:
        self.last_result = result
        now = time.perf_counter()
        self._frame_times = [t for t in self._frame_times if now - t < 1.0] + [now]
        if not result.faces_found:
            self.hint.setText("No face found — move closer and face the camera")
        elif self.hint.text().startswith("No face"):
            self.hint.setText("")
        self._redraw()

    def displayed_frame(self) -> np.ndarray | None:
        """The RGB frame currently shown (after before/after and mirror), for tests and snapshots."""
        if self.last_result is None:
            return None
        frame = self.last_result.original if self.before.isDown() else self.last_result.rendered
        return frame[:, ::-1] if self.mirror.isChecked() else frame

    def _redraw(self) -> None:
        frame = self.displayed_frame()
        if frame is None:
            return
        image = to_qimage(frame)
        if self.overlay.isChecked() and self.last_result is not None:
            timings = self.last_result.timings
            painter = QPainter(image)
            painter.fillRect(8, 8, 330, 30, QColor(0, 0, 0, 150))
            painter.setPen(QColor("white"))
            painter.drawText(
                16,
                28,
                f"{len(self._frame_times)} fps · landmarks {timings.landmarks_ms:.1f} ms · "
                f"mask {timings.mask_ms:.1f} · render {timings.render_ms:.1f}",
            )
            painter.end()
        self.view.show_image(image)

    @Slot(str)
    def on_status(self, message: str) -> None:
        self.hint.setText(message)

    @Slot(str)
    def on_error(self, message: str) -> None:
        self.hint.setText(message)
        self.statusBar().showMessage(message)

    # ----- snapshot
    def pictures_dir(self) -> Path:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation) or str(Path.home())
        return Path(str(self.settings.value("pictures_dir", Path(base) / "Tryon")))

    @Slot()
    def save_snapshot(self) -> Path | None:
        frame = self.displayed_frame()
        shade = self.current_shade()
        if frame is None or shade is None:
            return None
        folder = self.pictures_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"tryon-{shade.id}-{time.strftime('%Y%m%d-%H%M%S')}.png"
            save_image(path, frame, metadata=TryonMetadata.from_shade(shade, intensity=self.intensity.value() / 100))
        except (OSError, TryonError) as exc:
            self.on_error(f"Could not save the picture: {exc}")
            return None
        self.last_saved = path
        self.statusBar().showMessage(f"Saved {path}", 8000)
        return path

    # ----- lifecycle
    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        self.stop()
        shade = self.current_shade()
        if shade is not None:
            self.settings.setValue("shade", shade.id)
        self.settings.setValue("intensity", self.intensity.value())
        self.settings.setValue("mirror", self.mirror.isChecked())
        self.settings.setValue("overlay", self.overlay.isChecked())
        super().closeEvent(event)

    def stop(self) -> None:
        self.worker.stop()
        self.thread.quit()
        self.thread.wait(5000)


def run_app(*, source: str | None = None, catalog: Path | None = None) -> int:
    """Open the window and run Qt's event loop; returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Tryon")
    library = load_library(catalog)
    if not library.catalogs:
        raise TryonError(
            f"no usable shade catalog in {catalog or 'assets/shades'}: " + "; ".join(map(str, library.errors))
        )
    window = MainWindow(library, source=source)
    window.resize(1280, 760)
    window.show()
    window.start()
    return int(app.exec())
