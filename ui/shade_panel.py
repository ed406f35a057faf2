"""The shade picker: swatches grouped by brand, search, arrow keys, the compare set, catalog problems."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from tryon.catalog.library import ShadeLibrary
from tryon.catalog.model import Shade
from tryon.media.swatch import DEFAULT_INTENSITY, ICON_SIZE_PX, chip_and_lips, chip_and_lips_wh

_SHADE_ROLE = Qt.ItemDataRole.UserRole
MAX_COMPARE = 4
_ICON_DELAY_MS = 250


def _icon(rgba: np.ndarray) -> QIcon:
    rgba = np.ascontiguousarray(rgba)
    height, width = rgba.shape[:2]
    pixmap = QPixmap.fromImage(QImage(rgba.data, width, height, rgba.strides[0], QImage.Format.Format_RGBA8888).copy())
    icon = QIcon(pixmap)
    # The same pixels when selected: Qt's default tints a selected icon with the highlight colour, which turned
    # the "on lips" swatch of the chosen shade grey-blue — the one swatch that must show the true colour.
    icon.addPixmap(pixmap, QIcon.Mode.Selected)
    return icon


def swatch_icon(shade: Shade, intensity: float = DEFAULT_INTENSITY) -> QIcon:
    """The shade's bullet chip (the one the swatch sheets draw) beside its "on lips" swatch at `intensity`."""
    return _icon(chip_and_lips(shade, intensity, ICON_SIZE_PX))


class ShadePanel(QWidget):
    """Picks the shade (`current_shade`) and the compare set (`compare_ids`, up to 4); emits `changed`."""

    changed = Signal()
    _icons_rendered = Signal(float, list)  # from the swatch thread: (intensity, [(Shade, RGBA uint8)])
    message = Signal(str)  # something to tell the user in the status bar

    def __init__(self, library: ShadeLibrary, *, compare_ids: list[str]) -> None:
        super().__init__()
        self.library = library
        self.compare_ids = compare_ids
        self.catalog_status = QLabel(wordWrap=True, visible=False)
        self.catalog_status.setStyleSheet("color: #a3122a; background: #fdecee; padding: 6px; border-radius: 4px;")
        self.catalog_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.search = QLineEdit(placeholderText="Search shades…", clearButtonEnabled=True)
        self.shade_list = QListWidget()
        self.shade_list.setIconSize(QSize(*chip_and_lips_wh(ICON_SIZE_PX)))
        self.shade_list.setUniformItemSizes(True)  # lays out 10,000 rows without measuring each
        self._icons: dict[Shade, QIcon] = {}  # kept across reloads: an unchanged shade keeps its icon
        self._intensity = DEFAULT_INTENSITY  # the "on lips" swatches show the shades at the user's intensity
        self._icon_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tryon-swatches")
        self._icon_timer = QTimer(self, singleShot=True, interval=_ICON_DELAY_MS)
        self._icon_timer.timeout.connect(self._render_icons)
        self._icons_rendered.connect(self._apply_icons)
        self.compare_toggle = QPushButton()
        self.compare_label = QLabel(wordWrap=True)
        self.compare_label.setStyleSheet("color: #666;")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        for widget in (self.catalog_status, self.search):
            column.addWidget(widget)
        column.addWidget(self.shade_list, 1)
        column.addWidget(self.compare_toggle)
        column.addWidget(self.compare_label)
        self._fill_shades()
        self.search.textChanged.connect(self._filter)
        self.shade_list.currentItemChanged.connect(lambda *_: self._on_change())
        self.compare_toggle.clicked.connect(self.toggle_compare_current)

    def _on_change(self) -> None:
        shade = self.current_shade()
        in_compare = shade is not None and shade.id in self.compare_ids
        self.compare_toggle.setText("− Remove from compare" if in_compare else "+ Add to compare")
        compare = self.compare_shades()
        names = ", ".join(s.name for s in compare)
        self.compare_label.setText(f"Compare: {names}" if compare else "Compare: pick 2–4 shades")
        self.changed.emit()

    # ----- shades
    def _fill_shades(self) -> None:
        intensity = self._intensity
        self._icons = {shade: self._icons.get(shade) or swatch_icon(shade, intensity) for shade in self.library.shades}
        for catalog in self.library.catalogs:
            header = QListWidgetItem(f"{catalog.brand} · {catalog.collection}")
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setForeground(QColor("#777"))
            self.shade_list.addItem(header)
            for shade in catalog.shades:
                item = QListWidgetItem(self._icons[shade], f"{shade.name}\n{shade.finish}")
                item.setData(_SHADE_ROLE, shade)
                item.setToolTip(f"{shade.name} — {shade.color}, {shade.finish}, {shade.brand}")
                self.shade_list.addItem(item)

    def set_intensity(self, intensity: float) -> None:
        """Show the "on lips" swatches at `intensity` (0–1): re-rendered in the background, once the
        slider rests for a moment."""
        if intensity != self._intensity:
            self._intensity = intensity
            self._icon_timer.start()

    def _render_icons(self) -> None:
        shades, intensity = self.library.shades, self._intensity

        def render() -> None:
            swatches = [chip_and_lips(shade, intensity, ICON_SIZE_PX) for shade in shades]
            self._icons_rendered.emit(intensity, list(zip(shades, swatches, strict=True)))

        self._icon_pool.submit(render)

    @Slot(float, list)
    def _apply_icons(self, intensity: float, swatches: list[tuple[Shade, np.ndarray]]) -> None:
        if intensity != self._intensity:
            return  # the slider moved on; a newer render is coming
        icons = {shade: _icon(rgba) for shade, rgba in swatches}
        self._icons.clear()  # icons of another intensity are no use any more
        self._icons.update(icons)
        for row in self._shade_rows():
            item = self.shade_list.item(row)
            icon = icons.get(item.data(_SHADE_ROLE))
            if icon is not None:
                item.setIcon(icon)

    def shutdown(self) -> None:
        """Stop re-rendering swatches (on window close)."""
        self._icon_timer.stop()
        self._icon_pool.shutdown(wait=False, cancel_futures=True)

    @Slot(object)
    def set_library(self, library: ShadeLibrary) -> None:
        """Show a reloaded catalog set; the selected shade stays selected (with its new values)."""
        current = self.current_shade()
        self.library = library
        self.shade_list.blockSignals(True)
        self.shade_list.setUpdatesEnabled(False)
        self.shade_list.clear()
        self._fill_shades()
        self._filter(self.search.text())
        self._select_shade_id(current.id if current is not None else "")
        self.shade_list.setUpdatesEnabled(True)
        self.shade_list.blockSignals(False)
        self._on_change()

    @Slot(list)
    def show_catalog_problems(self, problems: list[str]) -> None:
        """Problems of catalog files on disk (empty: all fine); broken files keep their last good version."""
        if problems:
            shown = "\n".join(problems[:4]) + (f"\n… and {len(problems) - 4} more" if len(problems) > 4 else "")
            self.catalog_status.setText(f"Catalog problem (showing the last good version):\n{shown}")
        self.catalog_status.setVisible(bool(problems))

    def _shade_rows(self) -> list[int]:
        return [row for row in range(self.shade_list.count()) if self.shade_list.item(row).data(_SHADE_ROLE)]

    def _select_shade_id(self, shade_id: str) -> None:
        rows = self._shade_rows()
        for row in rows:
            if self.shade_list.item(row).data(_SHADE_ROLE).id == shade_id:
                self.shade_list.setCurrentRow(row)
                return
        self.shade_list.setCurrentRow(rows[0])

    def select_shade(self, shade_id: str) -> None:
        """Select a shade by id (as a click on its swatch would)."""
        self._select_shade_id(shade_id)

    def step_shade(self, step: int) -> None:
        """Move the selection to the next (`step`=1) or previous visible shade."""
        rows = [row for row in self._shade_rows() if not self.shade_list.item(row).isHidden()]
        if not rows:
            return
        current = self.shade_list.currentRow()
        later = [row for row in rows if (row - current) * step > 0]
        target = min(later, key=lambda row: abs(row - current)) if later else current
        self.shade_list.setCurrentRow(target if target in rows else rows[0])

    def current_shade(self) -> Shade | None:
        item = self.shade_list.currentItem()
        return item.data(_SHADE_ROLE) if item is not None else None

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for row in self._shade_rows():
            item = self.shade_list.item(row)
            shade = item.data(_SHADE_ROLE)
            item.setHidden(bool(needle) and needle not in f"{shade.name} {shade.finish} {shade.brand}".lower())

    # ----- compare
    def compare_shades(self) -> tuple[Shade, ...]:
        by_id = {shade.id: shade for shade in self.library.shades}
        return tuple(by_id[i] for i in self.compare_ids if i in by_id)

    def set_compare(self, shade_ids: list[str]) -> None:
        """Compare exactly these shades (ids, in tile order; at most 4 are kept)."""
        self.compare_ids[:] = list(dict.fromkeys(shade_ids))[:MAX_COMPARE]
        self._on_change()

    def toggle_compare_current(self) -> None:
        """Add the selected shade to the compare set (up to 4), or take it out if it is there."""
        shade = self.current_shade()
        if shade is None:
            return
        if shade.id in self.compare_ids:
            self.compare_ids.remove(shade.id)
        elif len(self.compare_ids) < MAX_COMPARE:
            self.compare_ids.append(shade.id)
        else:
            self.message.emit(f"Compare shows up to {MAX_COMPARE} shades; remove one first")
        self._on_change()

    def fill_compare_set(self) -> None:
        """Entering compare with fewer than 2 chosen: start from the selected shade and the next ones."""
        rows = self._shade_rows()
        current = self.current_shade()
        start = next((i for i, row in enumerate(rows) if self.shade_list.item(row).data(_SHADE_ROLE) is current), 0)
        for row in rows[start:] + rows[:start]:
            if len(self.compare_ids) >= 3:
                break
            shade_id = self.shade_list.item(row).data(_SHADE_ROLE).id
            if shade_id not in self.compare_ids:
                self.compare_ids.append(shade_id)
        self._on_change()
