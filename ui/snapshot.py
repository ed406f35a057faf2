"""The share sheet: a frozen frame shown as a picture, a before/after or a shade collage, saved or copied."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QButtonGroup, QDialog, QHBoxLayout, QLabel, QPushButton, QRadioButton, QVBoxLayout

from tryon.errors import TryonError
from tryon.export import TryonMetadata, compose_picture, save_image
from tryon.shades import Shade
from ui.view import to_qimage
from ui.worker import LiveFrame

_LAYOUT_LABELS = {"picture": "Try-on picture", "before-after": "Before / after", "compare": "Shade collage"}


class SnapshotDialog(QDialog):
    """Shows the frozen frame in a chosen layout; saves PNG/JPEG with shade metadata, copies to the clipboard."""

    saved = Signal(object)  # Path

    def __init__(
        self,
        frame: LiveFrame,
        *,
        compare: tuple[Shade, ...],
        mirror: bool,
        folder: Path,
        layout: str,
        parent=None,  # noqa: ANN001
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your picture")
        self.frame = frame
        self.compare = compare
        self.mirror = mirror
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
            button.setEnabled(name != "compare" or len(compare) >= 2)
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
            self.frame.result, layout=self.layout_name(), compare=self.compare, mirror=self.mirror
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

    def save(self, suffix: str) -> Path | None:
        """Write the picture as PNG or JPEG into the pictures folder; returns the path (None on failure)."""
        look = self.frame.look
        layout = self.layout_name()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"tryon-{look.shade.id}-{layout}-{stamp}.{suffix}"
        counter = 2
        while path.exists():  # two saves in one second keep both pictures
            path = self.folder / f"tryon-{look.shade.id}-{layout}-{stamp}-{counter}.{suffix}"
            counter += 1
        metadata = TryonMetadata.from_shade(
            look.shade, intensity=look.intensity, layout=layout, compared=self.compare if layout == "compare" else ()
        )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            save_image(path, self.picture, metadata=metadata)
        except (OSError, TryonError) as exc:
            self.message.setText(f"Could not save the picture: {exc}")
            return None
        self.last_saved = path
        self.message.setText(f"Saved to {path}")
        self.saved.emit(path)
        return path

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setImage(to_qimage(self.picture))
        self.message.setText("Copied — paste it into a message or a post")
