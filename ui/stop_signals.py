"""SIGINT and SIGTERM as a Qt signal, delivered by the event loop between two events, never inside a slot."""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from tryon import interrupts


class StopSignals(QObject):
    """Emits `received(signum)` from the event loop when Ctrl-C or SIGTERM arrives, at once.

    The C-level signal handler writes the signal's number to a socket (`signal.set_wakeup_fd`) that a
    `QSocketNotifier` watches, so the loop wakes without polling. Make it right after the `QApplication`, inside
    `tryon.interrupts.held()` (which keeps the Python-level handler from raising into Qt's code); a request that came
    before it existed is emitted as soon as the loop runs. Call `close()` when the loop has ended.
    """

    received = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        if interrupts.requested() is not None:
            QTimer.singleShot(0, self._emit_pending)

    @Slot()
    def _on_readable(self) -> None:
        try:
            numbers = self._reader.recv(256)  # one byte per signal that came (any signal Python handles)
        except BlockingIOError:
            return
        stops = [number for number in numbers if number in interrupts.STOP_SIGNALS]
        self._emit_pending(stops[0] if stops else None)

    @Slot()
    def _emit_pending(self, seen: int | None = None) -> None:
        signum = interrupts.take() or seen  # the Python-level handler has normally recorded it by now
        if signum is not None:
            self.received.emit(signum)

    def close(self) -> None:
        """Stop listening and give the wakeup descriptor back."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()


@contextmanager
def application(name: str) -> Iterator[tuple[QApplication, StopSignals]]:
    """The program's `QApplication`, named, and its `StopSignals`: within, Ctrl-C and SIGTERM are never raised into
    Qt's code (`interrupts.held()`) but come as `StopSignals.received`, for the program to close as it would
    close itself."""
    with interrupts.held():
        app = QApplication.instance() or QApplication(sys.argv[:1])
        app.setApplicationName(name)
        stop_signals = StopSignals()
        try:
            yield app, stop_signals
        finally:
            stop_signals.close()
