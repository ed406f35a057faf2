"""The processing thread: owns the frame source and the pipeline, emits finished frames.

The UI thread never runs inference or rendering. Settings arrive through `set_look` (thread-safe,
read once per frame); results leave as `FrameResult` values through the `frame_ready` signal.
A busy worker never queues camera frames: it reads the newest frame each time it is free.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from tryon.errors import SourceError, TryonError
from tryon.pipeline import FrameResult, Pipeline
from tryon.shades import Shade
from tryon.sources import CaptureSource, DemoSource

_RETRY_S = 2.0


@dataclass(frozen=True)
class Look:
    """What the user chose: shade (None = bare lips) and intensity 0–1."""

    shade: Shade | None
    intensity: float = 1.0


class Worker(QObject):
    """Runs in a QThread: read newest frame → pipeline → emit. Stop with `stop()`."""

    frame_ready = Signal(object)  # FrameResult
    status = Signal(str)  # a message for the window ("" clears it)
    error = Signal(str)

    def __init__(self, source: str | None) -> None:
        super().__init__()
        self._source_spec = source
        self._look = Look(shade=None)
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def set_look(self, look: Look) -> None:
        """Thread-safe: takes effect on the next frame."""
        with self._lock:
            self._look = look

    def stop(self) -> None:
        self._stop.set()

    def _open_source(self) -> CaptureSource | DemoSource:
        spec = self._source_spec
        if spec == "demo":
            self.status.emit("Demo face")
            return DemoSource()
        try:
            source = CaptureSource(spec or "0")
            self.status.emit("")
            return source
        except SourceError as exc:
            if spec is None:  # no camera at all: the demo face keeps the app useful
                self.status.emit("No camera found — showing the demo face")
                return DemoSource()
            raise exc

    @Slot()
    def run(self) -> None:
        try:
            pipeline = Pipeline(mode="video")
        except TryonError as exc:
            self.error.emit(str(exc))
            return
        source: CaptureSource | DemoSource | None = None
        started = time.monotonic()
        last_ts = -1
        try:
            while not self._stop.is_set():
                if source is None:
                    try:
                        source = self._open_source()
                        pipeline.reset()
                    except SourceError as exc:
                        self.status.emit(f"{exc}; retrying…")
                        self._stop.wait(_RETRY_S)
                        continue
                tick = time.monotonic()
                try:
                    frame = source.read()
                except SourceError as exc:
                    source.close()
                    source = None
                    self.status.emit(f"{exc}; retrying…")
                    self._stop.wait(_RETRY_S)
                    continue
                with self._lock:
                    look = self._look
                timestamp_ms = max(last_ts + 1, int((time.monotonic() - started) * 1000))
                last_ts = timestamp_ms
                result: FrameResult = pipeline.process(
                    frame, look.shade, intensity=look.intensity, timestamp_ms=timestamp_ms
                )
                self.frame_ready.emit(result)
                if isinstance(source, DemoSource):  # pace the demo like a real camera
                    self._stop.wait(max(0.0, 1.0 / source.fps - (time.monotonic() - tick)))
        except Exception as exc:  # noqa: BLE001 - any failure becomes a message in the window, not a crash
            self.error.emit(f"processing stopped: {exc}")
        finally:
            if source is not None:
                source.close()
            pipeline.close()
