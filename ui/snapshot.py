"""The share sheet: a frozen frame shown as a picture, a before/after or a shade collage, saved or copied."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QButtonGroup, QDialog, QHBoxLayout, QLabel, QPushButton, QRadioButton, QVBoxLayout

from tryon.errors import TryonError
from tryon.media.compose import compose_picture
from tryon.media.export import TryonMetadata, save_image
from ui.view import to_qimage
from ui.worker import LiveFrame

_LAYOUT_LABELS = {"picture": "Try-on picture", "before-after": "Before / after", "compare": "Shade collage"}


class PictureWriter(QObject):
    """Encodes and writes pictures on a background thread (a 720p PNG takes ~100 ms: too long for the UI
    thread); reports each file through `saved` or `failed`, delivered on the UI thread."""

    saved = Signal(object)  # Path
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tryon-save")
        self._reserved: set[Path] = set()
        self._lock = threading.Lock()

    def reserve(self, folder: Path, stem: str, suffix: str) -> Path:
        """A new file name in `folder` (`stem.suffix`, or `stem-2.suffix`, … when taken or being written)."""
        with self._lock:
            path, counter = folder / f"{stem}.{suffix}", 2
            while path.exists() or path in self._reserved:
                path, counter = folder / f"{stem}-{counter}.{suffix}", counter + 1
            self._reserved.add(path)
            return path

    def write(self, path: Path, picture: np.ndarray, metadata: TryonMetadata) -> None:
        """Write `picture` (RGB uint8, not modified afterwards) to a reserved `path`, in the background."""
        self._pool.submit(self._write, path, picture, metadata)

    def _write(self, path: Path, picture: np.ndarray, metadata: TryonMetadata) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_image(path, picture, metadata=metadata)
        except (OSError, TryonError) as exc:
            self.failed.emit(f"Could not save the picture: {exc}")
        else:
            self.saved.emit(path)
        finally:
            with self._lock:
                self._reserved.discard(path)

    def wait(self) -> None:
        """Finish every pending write (on close)."""
        self._pool.shutdown(wait=True)


class SnapshotDialog(QDialog):
    """Shows the frozen frame in a chosen layout; saves PNG/JPEG with shade metadata, copies to the clipboard."""

    def __init__(
        self,
        frame: LiveFrame,
        *,
        folder: Path,
        layout: str,
        writer: PictureWriter,
        parent=None,  # noqa: ANN001
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your picture")
        self.frame = frame
        self.writer = writer
        # The shades compared are those rendered with this frame, whatever the panel shows by now.
        self.compare = tuple(zip(frame.look.compare, frame.compare_frames, strict=True))
        self.folder = folder
        self.last_saved: Path | None = None
        self.picture = None

        self.preview = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(640, 360)
        self.preview.setStyleSheet("background: #1d1b1e;")
        self.message = QLabel(wordWrap=True)
        self.layouts = QButtonGroup(self)
        choices = QHBoxLayout()
        for name, label in _LAYOUT_LABELS.items():
            button = QRadioButton(label, objectName=f"layout-{name}")
            button.setEnabled(name != "compare" or len(self.compare) >= 2)
            if name == "compare" and not button.isEnabled():
                button.setToolTip("Add 2–4 shades to compare first")
            self.layouts.addButton(button)
            choices.addWidget(button)
        choices.addStretch(1)
        self.save_png = QPushButton("Save PNG")
        self.save_jpeg = QPushButton("Save JPEG")
        self.copy = QPushButton("Copy to clipboard")
        self.done_button = QPushButton("Done")
        buttons = QHBoxLayout()
        for button in (self.save_png, self.save_jpeg, self.copy):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.done_button)
        column = QVBoxLayout(self)
        column.addWidget(self.preview, 1)
        column.addLayout(choices)
        column.addWidget(self.message)
        column.addLayout(buttons)

        self.save_png.clicked.connect(lambda: self.save("png"))
        self.save_jpeg.clicked.connect(lambda: self.save("jpg"))
        self.copy.clicked.connect(self.copy_to_clipboard)
        self.done_button.clicked.connect(self.close)
        self.layouts.buttonToggled.connect(lambda _button, checked: checked and self._compose())
        self.set_layout(layout)
        self.resize(900, 620)

    def layout_name(self) -> str:
        return self.layouts.checkedButton().objectName().removeprefix("layout-")

    def set_layout(self, layout: str) -> None:
        self.findChild(QRadioButton, f"layout-{layout}").setChecked(True)

    def _compose(self) -> None:
        self.picture = compose_picture(
            self.frame.result, layout=self.layout_name(), compare=self.compare, mirror=self.frame.look.mirror
        )
        self._show_preview()

    def _show_preview(self) -> None:
        pixmap = QPixmap.fromImage(to_qimage(self.picture))
        self.preview.setPixmap(
            pixmap.scaled(
                self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        super().resizeEvent(event)
        if self.picture is not None:
            self._show_preview()

    def save(self, suffix: str) -> Path:
        """Save the picture as PNG or JPEG into the pictures folder, in the background; returns the file's
        path (the writer's `saved` or `failed` signal follows)."""
        look = self.frame.look
        layout = self.layout_name()
        stem = f"tryon-{look.shade.id}-{layout}-{time.strftime('%Y%m%d-%H%M%S')}"
        path = self.writer.reserve(self.folder, stem, suffix)
        metadata = TryonMetadata.from_shade(
            look.shade,
            intensity=look.intensity,
            layout=layout,
            compared=[shade for shade, _ in self.compare] if layout == "compare" else (),
        )
        self.writer.write(path, self.picture, metadata)
        self.message.setText(f"Saving to {path}…")
        return path

    def on_saved(self, path: Path) -> None:
        self.last_saved = path
        self.message.setText(f"Saved to {path}")

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setImage(to_qimage(self.picture))
        self.message.setText("Copied — paste it into a message or a post")
