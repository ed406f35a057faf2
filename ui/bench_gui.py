"""`tryon bench --gui`: the real window on the demo face, measuring what the user sees.

Per view mode: displayed fps (frames drawn on screen per second), capture→display latency
percentiles (from the moment the capture thread has the frame to the end of the paint that shows
it), frames the capture thread dropped because a newer one was waiting, finished frames the UI thread
never drew because a newer one replaced them, and the UI thread's stalls (longest and p99).
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from tryon.catalog.library import load_library
from tryon.errors import TryonError
from ui.app import MainWindow
from ui.worker import LiveFrame


def _wait(seconds: float) -> None:
    """Run Qt's event loop for `seconds`, as the app would."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


@dataclass(frozen=True)
class ViewBench:
    """One view mode of the real window: frames shown per second, capture→display latency (ms), frames the
    capture thread dropped, finished frames replaced before the UI thread drew them, how long the UI thread
    went without serving a 5 ms timer (longest, and the 99th percentile of the gaps between its ticks), and how far
    the painted lips sit from the demo face's true lips in the frames shown (mean over the 40 lip points, px)."""

    displayed_fps: float
    latency_ms_p50: float
    latency_ms_p95: float
    latency_ms_max: float
    dropped_frames: int
    replaced_frames: int
    ui_stall_ms_max: float
    ui_stall_ms_p99: float
    lips_offset_px_mean: float  # the painted lips (their landmarks) from the true lips of the frame shown
    lips_offset_px_p95: float


@dataclass(frozen=True)
class GuiBenchReport:
    """`tryon bench --gui`: the window on the 1280×720 demo face offered at `source_fps`, per view mode."""

    platform: str
    source_fps: float
    seconds_per_mode: float
    first_frame_ms: float
    views: dict[str, ViewBench]
    frame_size: tuple[int, int] = (1280, 720)
    events_recorded: int | None = None  # with recording on: events written during the run

    def to_json(self) -> dict[str, Any]:
        """The JSON report (its keys are what scripts read: keep them); the top-level fps and p95 are live view's."""
        live = self.views.get("live")
        return {
            "platform": self.platform,
            "frame_size": list(self.frame_size),
            "source_fps": self.source_fps,
            "seconds_per_mode": self.seconds_per_mode,
            "first_frame_ms": self.first_frame_ms,
            **{mode: asdict(view) for mode, view in self.views.items()},
            "displayed_fps": None if live is None else live.displayed_fps,
            "latency_ms_p95": None if live is None else live.latency_ms_p95,
            "events_recorded": self.events_recorded,
        }


def run_gui_bench(
    *,
    seconds: float = 10.0,
    demo_fps: float = 60.0,
    modes: tuple[str, ...] = ("live", "split", "compare"),
    record: bool = False,
    cycle_shades_s: float | None = None,
) -> GuiBenchReport:
    """Run the window on the 1280×720 demo source offered at `demo_fps` (a fast camera) for `seconds` per mode.
    `record`: with analytics recording to a temporary SQLite file; `cycle_shades_s`: change shade this often (each
    change is a `shade_shown` event when recording)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "bench.ini"), QSettings.Format.IniFormat)
        settings.setValue("mirror", True)
        recorder = None
        if record:
            from tryon.analytics.recorder import Recorder
            from tryon.analytics.store import sqlite_url

            recorder = Recorder(sqlite_url(Path(folder) / "events.sqlite"), "bench")
        window = MainWindow(load_library(), source="demo", settings=settings, demo_fps=demo_fps, recorder=recorder)
        cycler = QTimer()
        if cycle_shades_s:
            cycler.timeout.connect(lambda panel=window.shades: panel.step_shade(1))
            cycler.start(int(cycle_shades_s * 1000))
        window.resize(1280, 800)
        window.show()
        started = time.perf_counter()
        window.start()
        try:
            while window.displayed_count == 0:
                if time.perf_counter() - started > _PATIENCE_S:
                    raise TryonError(f"the window showed no frame in {_PATIENCE_S:.0f} s")
                _wait(0.01)
            first_frame_ms = (time.perf_counter() - started) * 1000
            window.shades.select_shade("mv-ruby-hour")
            true_lips = _TrueLips((1280, 720), demo_fps)
            views = {mode: _measure_view(window, mode, seconds, true_lips) for mode in modes}
        finally:
            cycler.stop()
            window.stop()
            recorded = recorder.written if recorder is not None else None
            window.close()
            del window, cycler
            gc.collect()  # drop the window's Python wrappers while Qt is still up, not during interpreter exit
    return GuiBenchReport(
        platform=app.platformName(),
        source_fps=demo_fps,
        seconds_per_mode=seconds,
        first_frame_ms=round(first_frame_ms, 1),
        views=views,
        events_recorded=recorded,
    )


_PATIENCE_S = 60.0  # a window that shows nothing for this long is broken, not slow
_MIN_FRAMES = 5  # a view is measured over `seconds` and at least this many frames, however slow the machine


class _TrueLips:
    """Where the demo face's lips really are in frame `i`: its lip landmarks at rest (the unmoved portrait, VIDEO
    mode, no smoothing) moved by the demo source's own transform of that frame."""

    def __init__(self, size_wh: tuple[int, int], fps: float) -> None:
        from tryon.engine.landmarks import lips_at_rest
        from tryon.media.sources import DemoSource

        self.demo = DemoSource(size_wh=size_wh, fps=fps)  # as the window's own demo source
        rest = lips_at_rest(self.demo.portrait)
        if rest is None:
            raise TryonError("the demo face was not found at rest: reinstall with ./dev")
        self.rest = rest

    def offset_px(self, frame: LiveFrame) -> float | None:
        """Mean distance (px) of the painted lips' 40 points from the truth; None without a face or an index."""
        faces = frame.result.faces
        if not faces or frame.source_index < 0:
            return None
        matrix = self.demo.matrix(frame.source_index)
        truth = self.rest @ matrix[:, :2].T + matrix[:, 2]
        shown = faces[0].lip_points.astype(np.float64)
        return float(np.linalg.norm(shown - truth, axis=1).mean())


def _measure_view(window: MainWindow, mode: str, seconds: float, true_lips: _TrueLips) -> ViewBench:
    """`window` in view `mode` for `seconds` (longer, if needed for `_MIN_FRAMES` frames), after a 1.5 s warm-up."""
    window.set_mode(mode)
    _wait(1.5)  # warm-up after the switch
    offsets: list[float] = []

    def measure_offset(frame: LiveFrame) -> None:
        offset = true_lips.offset_px(frame)
        if offset is not None:
            offsets.append(offset)

    window.worker.frame_ready.connect(measure_offset, Qt.ConnectionType.DirectConnection)
    window.display_latencies_ms.clear()
    count0, dropped0, replaced0 = window.displayed_count, window.last_frame.dropped, window.worker.frames_replaced
    stalls: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.timeout.connect(lambda: stalls.append(clock.restart()))
    clock.start()
    timer.start(5)
    t0 = time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < seconds or window.displayed_count - count0 < _MIN_FRAMES:
        if elapsed > _PATIENCE_S:
            raise TryonError(f"{mode} view: fewer than {_MIN_FRAMES} frames shown in {_PATIENCE_S:.0f} s")
        _wait(min(0.05, max(0.005, seconds - elapsed)))
    timer.stop()
    window.worker.frame_ready.disconnect(measure_offset)
    offsets_px = np.array(offsets or [np.nan])
    latencies = np.array(window.display_latencies_ms)
    gaps_ms = np.array(stalls[1:] or [0], dtype=np.float64)
    return ViewBench(
        displayed_fps=round((window.displayed_count - count0) / elapsed, 1),
        latency_ms_p50=round(float(np.percentile(latencies, 50)), 1),
        latency_ms_p95=round(float(np.percentile(latencies, 95)), 1),
        latency_ms_max=round(float(latencies.max()), 1),
        dropped_frames=window.last_frame.dropped - dropped0,
        replaced_frames=window.worker.frames_replaced - replaced0,
        ui_stall_ms_max=float(gaps_ms.max()),
        ui_stall_ms_p99=round(float(np.percentile(gaps_ms, 99)), 1),
        lips_offset_px_mean=round(float(np.mean(offsets_px)), 2),
        lips_offset_px_p95=round(float(np.percentile(offsets_px, 95)), 2),
    )


def ensure_platform() -> None:
    """Without a display, fall back to Qt's offscreen platform (the report names the platform used)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
