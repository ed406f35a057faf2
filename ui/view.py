"""The live picture widget: one frame scaled to fit, or a before/after split with a draggable divider."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

_BACKGROUND = QColor("#1d1b1e")


def wrap_qimage(rgb: np.ndarray) -> QImage:
    """A QImage over the pixels of C-contiguous RGB uint8 (H, W, 3), not copied: keep `rgb` alive while it is used."""
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888)


def to_qimage(rgb: np.ndarray) -> QImage:
    """RGB uint8 (H, W, 3) → QImage that owns a copy of the pixels."""
    return wrap_qimage(np.ascontiguousarray(rgb)).copy()


class VideoView(QWidget):
    """Draws the latest frame keeping its aspect ratio.

    In split mode (`split` is a fraction 0–1 of the picture width) the "before" image shows left
    of the divider and the "after" image right of it; dragging anywhere on the picture moves the
    divider. `painted` reports the capture time of each newly shown frame once it is on screen.
    """

    split_moved = Signal(float)
    resized = Signal()
    painted = Signal(float)  # captured_s of the frame just drawn (time.perf_counter() seconds)

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(480, 270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.placeholder = "Starting camera…"
        self.overlay_text = ""
        self.split: float | None = None
        self._after: QImage | None = None
        self._before: QImage | None = None
        self._pixels: tuple[np.ndarray, np.ndarray | None] | None = None
        self._captured_s: float | None = None
        self._dragging = False

    def set_frames(
        self, after: np.ndarray, before: np.ndarray | None = None, *, captured_s: float | None = None
    ) -> None:
        """Show RGB uint8 pictures (`before` only in split mode); drawn without a copy, so do not modify them."""
        after = np.ascontiguousarray(after)
        before = None if before is None else np.ascontiguousarray(before)
        self._pixels = (after, before)
        self._after = wrap_qimage(after)
        self._before = None if before is None else wrap_qimage(before)
        self._captured_s = captured_s
        self.update()

    def display_size(self) -> tuple[int, int]:
        """The widget's size in device pixels: what the worker resizes frames to."""
        ratio = self.devicePixelRatioF()
        return max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio))

    def set_split(self, split: float | None) -> None:
        self.split = None if split is None else float(np.clip(split, 0.0, 1.0))
        self.setCursor(Qt.CursorShape.SplitHCursor if split is not None else Qt.CursorShape.ArrowCursor)
        self.update()

    def picture_rect(self) -> QRectF:
        """Where the frame is drawn, in widget coordinates (aspect ratio kept, centred)."""
        if self._after is None:
            return QRectF(self.rect())
        scale = min(self.width() / self._after.width(), self.height() / self._after.height())
        width, height = self._after.width() * scale, self._after.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def divider_x(self) -> float | None:
        """The divider's x in widget coordinates, or None when not in split mode."""
        if self.split is None:
            return None
        rect = self.picture_rect()
        return rect.left() + self.split * rect.width()

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        super().resizeEvent(event)
        self.resized.emit()

    # ----- drawing
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), _BACKGROUND)
        if self._after is None:
            painter.setPen(QColor("#ddd"))
            painter.setFont(QFont(self.font().family(), 14))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = self.picture_rect()
        painter.drawImage(rect, self._after)
        divider = self.divider_x()
        if divider is not None and self._before is not None:
            source_w = self.split * self._before.width()
            painter.drawImage(
                QRectF(rect.left(), rect.top(), divider - rect.left(), rect.height()),
                self._before,
                QRectF(0, 0, source_w, self._before.height()),
            )
            self._draw_divider(painter, rect, divider)
        if self.overlay_text:
            self._draw_overlay(painter, rect)
        painter.end()
        if self._captured_s is not None:
            self.painted.emit(self._captured_s)
            self._captured_s = None

    def _draw_divider(self, painter: QPainter, rect: QRectF, x: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255, 230), 2))
        painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        centre = QPointF(x, rect.center().y())
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.setPen(QPen(QColor(0, 0, 0, 60), 1))
        painter.drawEllipse(centre, 18, 18)
        painter.setBrush(QColor("#444"))
        painter.setPen(Qt.PenStyle.NoPen)
        for direction in (-1, 1):  # two small arrowheads: ◀ ▶
            tip = centre + QPointF(direction * 11, 0)
            arrow = QPainterPath(tip)
            arrow.lineTo(tip + QPointF(-direction * 6, -6))
            arrow.lineTo(tip + QPointF(-direction * 6, 6))
            arrow.closeSubpath()
            painter.drawPath(arrow)
        painter.setFont(QFont(self.font().family(), 11, QFont.Weight.DemiBold))
        for text, left_side in (("Before", True), ("After", False)):
            metrics = painter.fontMetrics()
            width = metrics.horizontalAdvance(text) + 16
            box_x = x - width - 12 if left_side else x + 12
            box = QRectF(box_x, rect.top() + 12, width, metrics.height() + 8)
            painter.setBrush(QColor(0, 0, 0, 130))
            painter.drawRoundedRect(box, 6, 6)
            painter.setPen(QColor("white"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            painter.setPen(Qt.PenStyle.NoPen)

    def _draw_overlay(self, painter: QPainter, rect: QRectF) -> None:
        painter.setFont(QFont(self.font().family(), 10))
        width = painter.fontMetrics().horizontalAdvance(self.overlay_text) + 20
        box = QRectF(rect.left() + 8, rect.bottom() - 34, width, 26)
        painter.fillRect(box, QColor(0, 0, 0, 150))
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.overlay_text)

    # ----- dragging the divider
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self.split is not None and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self._move_divider(event.position().x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._dragging:
            self._move_divider(event.position().x())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._dragging = False

    def _move_divider(self, x: float) -> None:
        rect = self.picture_rect()
        self.split = float(np.clip((x - rect.left()) / max(rect.width(), 1.0), 0.0, 1.0))
        self.update()
        self.split_moved.emit(self.split)
