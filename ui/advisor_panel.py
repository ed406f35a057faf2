"""The advisor in the window: "Like this, but…" buttons beside the current shade, and "For you" picks.

Navigation is a lookup in a `ShadeSpace` built in the background (then milliseconds a query); measuring the face
happens in the worker thread over a dozen frames, and its `Advice` arrives through `show_advice`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tryon.advisor.advice import Advice
from tryon.advisor.navigate import DIRECTIONS, ShadeSpace
from tryon.catalog.library import ShadeLibrary
from tryon.catalog.model import Shade
from tryon.media.swatch import ICON_SIZE_PX, chip_and_lips_wh, on_lips_lab
from ui.shade_panel import swatch_icon

_SHADE_ID_ROLE = Qt.ItemDataRole.UserRole
_NOTE_STYLE = "color: #6b4a00; background: #fff4d6; padding: 6px; border-radius: 4px;"


class NavigationBar(QWidget):
    """Six "Like this, but…" buttons and a finish chooser for the current shade; emits `shade_chosen(id)`.

    Shades are compared by what they look like on lips (the engine's render on the reference lips, ~0.3 ms a
    shade), computed on a background thread whenever the library changes; until then the buttons wait."""

    shade_chosen = Signal(str)
    _space_ready = Signal(object)  # from the background thread: ShadeSpace

    def __init__(self, library: ShadeLibrary) -> None:
        super().__init__()
        self._space: ShadeSpace | None = None
        self._current: Shade | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tryon-shade-space")
        self._space_ready.connect(self._on_space_ready)
        self._targets: dict[str, Shade] = {}
        self.title = QLabel("Like this, but…")
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(4)
        for index, direction in enumerate(DIRECTIONS):
            button = QPushButton(direction, objectName=f"nav-{direction}")
            button.setMinimumHeight(30)
            button.clicked.connect(lambda _=False, d=direction: self._go(d))
            self.buttons[direction] = button
            grid.addWidget(button, index // 3, index % 3)
        self.finishes = QComboBox(objectName="nav-finish")
        self.finishes.activated.connect(self._on_finish)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.title)
        column.addLayout(grid)
        column.addWidget(self.finishes)
        self.set_current(None)
        self.set_library(library)

    def set_library(self, library: ShadeLibrary) -> None:
        """Compare `library`'s shades from now on (ready a moment later: built in the background)."""
        shades = tuple(library.shades)
        self._pool.submit(lambda: self._space_ready.emit(ShadeSpace(shades, colour_of=on_lips_lab)))

    @property
    def ready(self) -> bool:
        return self._space is not None

    @Slot(object)
    def _on_space_ready(self, space: ShadeSpace) -> None:
        self._space = space
        self.set_current(self._current)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def set_current(self, shade: Shade | None) -> None:
        """Point the buttons at `shade`'s nearest neighbours (a button with none is disabled)."""
        self._current = shade
        self._targets.clear()
        space = self._space
        for direction, button in self.buttons.items():
            if space is None:
                button.setEnabled(False)
                button.setToolTip("Comparing the shades…")
                continue
            steps = space.neighbours(shade, direction, count=1) if shade is not None else []  # type: ignore[arg-type]
            button.setEnabled(bool(steps))
            if steps:
                self._targets[direction] = steps[0].shade
                target = steps[0].shade
                button.setToolTip(f"{target.name} ({target.brand}, {target.finish}) — ΔE {steps[0].delta_e:.0f}")
            else:
                button.setToolTip(f"No {direction} shade in the catalogs")
        self.finishes.clear()
        twins = space.in_other_finishes(shade) if shade is not None and space is not None else {}
        self.finishes.addItem(f"Same colour, other finish ({len(twins)})" if twins else "No other finish near")
        for finish, step in twins.items():
            self.finishes.addItem(f"{finish}: {step.shade.name}", step.shade.id)
        self.finishes.setEnabled(bool(twins))

    def target(self, direction: str) -> Shade | None:
        return self._targets.get(direction)

    def _go(self, direction: str) -> None:
        target = self._targets.get(direction)
        if target is not None:
            self.shade_chosen.emit(target.id)

    @Slot(int)
    def _on_finish(self, index: int) -> None:
        shade_id = self.finishes.itemData(index)
        if shade_id:
            self.shade_chosen.emit(str(shade_id))


class ForYouPanel(QWidget):
    """Measures the face on request (`measure_requested`) and lists the picks with their reasons;
    a click on a pick emits `shade_chosen(id)`."""

    shade_chosen = Signal(str)
    measure_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.measure = QPushButton("Measure my face", objectName="advise")
        self.measure.setMinimumHeight(34)
        self.intro = QLabel(
            "Look at the camera in even light for two seconds: Tryon reads your skin and lip colour "
            "and picks shades for you. Nothing is stored.",
            wordWrap=True,
        )
        self.intro.setStyleSheet("color: #555;")
        self.summary = QLabel(wordWrap=True, objectName="advice-summary")
        self.note = QLabel(wordWrap=True, visible=False, objectName="advice-note")
        self.note.setStyleSheet(_NOTE_STYLE)
        self.picks = QListWidget(objectName="advice-picks")
        self.picks.setWordWrap(True)
        self.picks.setIconSize(QSize(*chip_and_lips_wh(ICON_SIZE_PX)))
        self.picks.itemClicked.connect(self._on_pick)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        for widget in (self.measure, self.intro, self.summary, self.note):
            column.addWidget(widget)
        column.addWidget(self.picks, 1)
        self.measure.clicked.connect(self._on_measure)

    def _on_measure(self) -> None:
        self.measure.setEnabled(False)
        self.measure.setText("Measuring… look at the camera")
        self.measure_requested.emit()

    def _done(self) -> None:
        self.measure.setEnabled(True)
        self.measure.setText("Measure again")

    @Slot(object)
    def show_advice(self, advice: Advice) -> None:
        self._done()
        self.summary.setText(advice.summary())
        notes = [advice.caveat] if advice.caveat else []
        self.note.setText("\n".join(notes + list(advice.missing)))
        self.note.setVisible(bool(notes or advice.missing))
        self.picks.clear()
        for pick in advice.picks:
            item = QListWidgetItem(swatch_icon(pick.shade), f"{pick.shade.name} · {pick.shade.finish}\n{pick.reason}")
            item.setData(_SHADE_ID_ROLE, pick.shade.id)
            item.setToolTip(f"{pick.shade.name} ({pick.shade.brand}) — score {pick.score:.2f}")
            self.picks.addItem(item)

    @Slot(str)
    def show_failure(self, message: str) -> None:
        self._done()
        self.note.setText(message)
        self.note.setVisible(True)

    def _on_pick(self, item: QListWidgetItem) -> None:
        shade_id = item.data(_SHADE_ID_ROLE)
        if shade_id:
            self.shade_chosen.emit(str(shade_id))
