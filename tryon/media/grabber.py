"""The newest-frame grabber: a live source read on its own thread, only the latest frame kept."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tryon.errors import SourceError


class LiveSource(Protocol):
    """What `FrameGrabber` reads: `read()` → RGB uint8 frame or `SourceError`, plus `fps`, `realtime`, `close()`."""

    fps: float
    realtime: bool

    def read(self) -> np.ndarray: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class CapturedFrame:
    """A frame with its sequence number and capture time (`time.perf_counter()` seconds)."""

    index: int
    frame: np.ndarray
    captured_s: float


class FrameGrabber:
    """Reads a live source on its own thread and keeps only the newest frame.

    A consumer that is slower than the source never sees a queue: `latest()` returns the most
    recent frame and older ones are dropped (counted in `dropped`). Sources that are not real time
    (files, the demo) are paced at their `fps`. Errors from the source are raised by `latest()`.
    """

    def __init__(self, source: LiveSource) -> None:
        self.source = source
        self.dropped = 0
        self._condition = threading.Condition()
        self._latest: CapturedFrame | None = None
        self._taken_index = -1
        self._error: SourceError | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tryon-capture", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        period = 1.0 / self.source.fps
        next_due = time.perf_counter()
        index = 0
        while not self._stop.is_set():
            try:
                frame = self.source.read()
            except Exception as exc:  # noqa: BLE001 - any capture failure ends this source, with a message
                error = exc if isinstance(exc, SourceError) else SourceError(f"the source failed: {exc}")
                with self._condition:
                    self._error = error
                    self._condition.notify_all()
                return
            with self._condition:
                if self._latest is not None and self._latest.index > self._taken_index:
                    self.dropped += 1
                self._latest = CapturedFrame(index, frame, time.perf_counter())
                self._condition.notify_all()
            index += 1
            if not self.source.realtime:
                next_due += period
                self._stop.wait(max(0.0, next_due - time.perf_counter()))
                next_due = max(next_due, time.perf_counter() - period)

    def latest(self, timeout_s: float = 2.0) -> CapturedFrame | None:
        """The newest frame not returned before; waits up to `timeout_s`, then None.

        Raises:
            SourceError: the source stopped (unplugged camera, ended stream).
        """
        with self._condition:
            self._condition.wait_for(
                lambda: (
                    self._error is not None or (self._latest is not None and self._latest.index > self._taken_index)
                ),
                timeout=timeout_s,
            )
            if self._latest is not None and self._latest.index > self._taken_index:
                self._taken_index = self._latest.index
                return self._latest
            if self._error is not None:
                raise self._error
            return None

    def close(self) -> None:
        """Stop the capture thread and close the source."""
        self._stop.set()
        self._thread.join(timeout=5.0)
        self.source.close()
