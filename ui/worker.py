"""The processing thread: owns the frame source and the pipeline, emits finished frames.

The UI thread never runs inference or rendering. Settings arrive through `set_look` and
`set_source` (thread-safe, read once per frame); results leave as `LiveFrame` values through the
`frame_ready` signal. Capture runs on its own thread (`tryon.media.grabber.FrameGrabber`) that keeps
only the newest frame, so a busy worker skips stale frames instead of queueing them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from tryon.advisor.advice import advise, largest_face
from tryon.advisor.measure import FaceSample, NoSkinError, sample_face
from tryon.advisor.recommend import LipsReference
from tryon.calibration import Calibration
from tryon.catalog.model import Shade
from tryon.engine.pipeline import FrameResult, Pipeline, render_variants
from tryon.errors import SourceError, TryonError
from tryon.media.compose import Look, compose_picture, faces_box, fit, view_layers
from tryon.media.grabber import FrameGrabber
from tryon.media.sources import DemoSource, open_source
from tryon.media.swatch import on_lips_lab, reference_lip_lab

_RETRY_S = 2.0
_STALL_S = 3.0  # a source that sends nothing for this long is reopened
_FOCUS_EASING = 0.2  # how fast the compare grid's crop follows the faces (share of the gap per frame)
# The advisor measures the face over this many frames (every other frame: ~1 s at 25 fps), and gives up
# after ADVICE_TIMEOUT_S (measuring from what it has if it has at least ADVICE_MIN_FRAMES).
ADVICE_FRAMES = 12
ADVICE_MIN_FRAMES = 3
ADVICE_TIMEOUT_S = 6.0


@dataclass(frozen=True)
class LiveFrame:
    """One processed frame for the window.

    `captured_s` is the capture time (`time.perf_counter()` seconds) for capture→display latency;
    `compare_frames` are the same frame rendered in each of `look.compare` (RGB uint8, frame size),
    `compare_grid` their captioned grid in compare view, else None. `display` (and `display_before`
    in split view) are the pictures to draw, from `view_layers`, resized to `look.display_wh` here,
    so the UI thread only copies pixels to the screen.
    """

    result: FrameResult
    look: Look
    captured_s: float
    dropped: int
    display: np.ndarray = field(repr=False)
    display_before: np.ndarray | None = field(default=None, repr=False)
    compare_grid: np.ndarray | None = field(default=None, repr=False)
    compare_frames: tuple[np.ndarray, ...] = field(default=(), repr=False)
    source_index: int = -1  # the frame's number from its source (since it was opened)


class NewestFrame(QObject):
    """A one-frame mailbox from the worker's thread to the thread that made it (the UI's).

    `post` from the worker; `ready(frame)` is emitted on the owner's thread with the newest frame. A frame posted
    while an earlier one still waits replaces it (counted in `replaced`): a UI thread that falls behind is handed
    one fresh frame, never a queue of stale ones (each holds full-size pictures).
    """

    ready = Signal(object)  # LiveFrame
    _posted = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._waiting: LiveFrame | None = None
        self.replaced = 0
        self._posted.connect(self._hand_over, Qt.ConnectionType.QueuedConnection)

    def post(self, frame: LiveFrame) -> None:
        with self._lock:
            was_waiting = self._waiting is not None
            self._waiting = frame
            self.replaced += was_waiting
        if not was_waiting:  # otherwise the hand-over already queued takes this newer frame
            self._posted.emit()

    @Slot()
    def _hand_over(self) -> None:
        with self._lock:
            frame, self._waiting = self._waiting, None
        if frame is not None:
            self.ready.emit(frame)


class Worker(QObject):
    """Runs in a QThread: newest frame → pipeline → (compare grid) → `frame_ready`. Stop with `stop()`.

    `frame_ready` is emitted on the thread that made the worker (the UI's), through a `NewestFrame` mailbox: a
    frame finished while the UI has not taken the last one replaces it (`frames_replaced`)."""

    frame_ready = Signal(object)  # LiveFrame
    status = Signal(str)  # a message for the window ("" clears it)
    error = Signal(str)
    source_opened = Signal(str)  # the spec of the source now showing ("demo" for the demo face)
    advice_ready = Signal(object)  # tryon.advisor.advice.Advice
    advice_failed = Signal(str)

    def __init__(
        self,
        source: str | None,
        *,
        demo_fps: float = 30.0,
        fallback_to_demo: bool = False,
        max_retry_s: float = _RETRY_S,
        pipeline_options: dict[str, Any] | None = None,
        calibration: Calibration | None = None,
        true_colours: bool = False,
    ) -> None:
        """`fallback_to_demo`: a source that fails before its first frame is replaced by the demo face
        (for a remembered choice: last week's phone stream must not leave a black window).
        `max_retry_s`: a failing source is retried after 2 s, doubling up to this (the kiosk backs off to
        30 s; the desktop app keeps 2 s). `pipeline_options`: keyword arguments for `Pipeline`.
        `calibration`: the camera's colour calibration, used by the advisor; with `true_colours` every frame is
        also shown (and painted, and saved) in the chart's true colours."""
        super().__init__()
        self._calibration = calibration
        self._true_colours = true_colours and calibration is not None
        self._max_retry_s = max(_RETRY_S, max_retry_s)
        self._retry_s = _RETRY_S
        self._pipeline_options = pipeline_options or {}
        self._reset_requested = False
        self._source_spec = source
        self._fallback_to_demo = fallback_to_demo
        self._opening_message = ""  # said when the next source opens, instead of its own message
        self._demo_fps = demo_fps
        self._source_changed = False
        self._look = Look(shade=None)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._focus: np.ndarray | None = None
        self._advice_shades: tuple[Shade, ...] | None = None  # a measurement is under way for these shades
        self._advice_samples: list[FaceSample] = []
        self._advice_started = 0.0
        self._advice_frame = 0
        # Not a child, so it stays on this (the UI's) thread; `frame_ready` is re-emitted there, directly, for as
        # long as this worker exists (Qt drops the connection with it).
        self._mailbox = NewestFrame()
        self._mailbox.ready.connect(self.frame_ready, Qt.ConnectionType.DirectConnection)

    @property
    def frames_replaced(self) -> int:
        """Finished frames the UI thread never got because a newer one replaced them."""
        return self._mailbox.replaced

    def request_advice(self, shades: tuple[Shade, ...]) -> None:
        """Thread-safe: measure the face over the next frames and emit `advice_ready` (or `advice_failed`)."""
        with self._lock:
            self._advice_shades = shades
            self._advice_samples = []
            self._advice_started = time.monotonic()
            self._advice_frame = 0

    def set_look(self, look: Look) -> None:
        """Thread-safe: takes effect on the next frame."""
        with self._lock:
            self._look = look

    def set_source(self, spec: str | None) -> None:
        """Thread-safe: switch to another camera, file or stream on the next frame."""
        with self._lock:
            self._source_spec = spec
            self._source_changed = True
            self._fallback_to_demo = False  # the user chose it now: keep retrying it

    def reset_tracking(self) -> None:
        """Thread-safe: forget the faces being tracked and smoothed (a new shopper) on the next frame."""
        with self._lock:
            self._reset_requested = True

    def stop(self) -> None:
        self._stop.set()

    def _wait_to_retry(self) -> None:
        """Sleep before reopening a failed source: 2 s, doubling up to `max_retry_s`."""
        self._stop.wait(self._retry_s)
        self._retry_s = min(self._max_retry_s, self._retry_s * 2)

    @Slot()
    def run(self) -> None:
        try:
            pipeline = Pipeline(mode="video", **self._pipeline_options)
        except TryonError as exc:
            self.error.emit(str(exc))
            return
        grabber: FrameGrabber | None = None
        frames_from_source = 0
        started = time.monotonic()
        last_ts = -1
        last_frame_at = started
        try:
            while not self._stop.is_set():
                with self._lock:
                    look, spec, changed = self._look, self._source_spec, self._source_changed
                    self._source_changed = False
                    reset, self._reset_requested = self._reset_requested, False
                if reset:
                    pipeline.reset()
                    self._focus = None
                if changed and grabber is not None:
                    grabber.close()
                    grabber = None
                if grabber is None:
                    try:
                        source, message = open_source(spec, self._demo_fps)
                    except SourceError as exc:
                        if not self._give_up_on(spec, exc):
                            self.status.emit(f"{exc}; retrying…")
                            self._wait_to_retry()
                        continue
                    grabber = FrameGrabber(source)
                    frames_from_source = 0
                    message, self._opening_message = self._opening_message or message, ""
                    last_frame_at = time.monotonic()
                    pipeline.reset()
                    self._focus = None
                    self.status.emit(message)
                    self.source_opened.emit("demo" if isinstance(source, DemoSource) else (spec or "0"))
                try:
                    captured = grabber.latest(timeout_s=0.5)
                    if captured is None and time.monotonic() - last_frame_at > _STALL_S:
                        raise SourceError(f"no frame for {_STALL_S:.0f} s from the camera or stream")
                except SourceError as exc:
                    grabber.close()
                    grabber = None
                    if not (frames_from_source == 0 and self._give_up_on(spec, exc)):
                        self.status.emit(f"{exc}; retrying…")
                        self._wait_to_retry()
                    continue
                if captured is None:
                    continue
                frames_from_source += 1
                self._retry_s = _RETRY_S
                last_frame_at = time.monotonic()
                timestamp_ms = max(last_ts + 1, int((time.monotonic() - started) * 1000))
                last_ts = timestamp_ms
                # The captured frame is this thread's alone: paint into it, no full-frame copy. In true colours, a
                # corrected copy is painted and the camera's own frame is kept for the advisor.
                camera_frame = captured.frame
                shown = self._calibration.correct_frame(camera_frame) if self._true_colours else camera_frame
                result = pipeline.process(
                    shown, look.shade, intensity=look.intensity, timestamp_ms=timestamp_ms, in_place=True
                )
                # The compare set is rendered on every frame (not only in compare view) so that a snapshot
                # taken in any view can make a shade collage of exactly the frame it froze.
                variants = render_variants(result, look.compare) if len(look.compare) >= 2 else ()
                grid = self._compare_grid(result, look, variants) if look.view == "compare" and variants else None
                picture, before = view_layers(result, look, compare_grid=grid)
                display = fit(picture, look.display_wh)
                display_before = None if before is None else fit(before, look.display_wh)
                self._mailbox.post(
                    LiveFrame(
                        result,
                        look,
                        captured.captured_s,
                        grabber.dropped,
                        display,
                        display_before,
                        grid,
                        variants,
                        source_index=captured.index,
                    )
                )
                self._measure_for_advice(result, camera_frame if self._true_colours else result.original)
        except Exception as exc:  # noqa: BLE001 - any failure becomes a message in the window, not a crash
            self.error.emit(f"processing stopped: {exc}")
        finally:
            if grabber is not None:
                grabber.close()
            pipeline.close()

    def _measure_for_advice(self, result: FrameResult, unpainted: np.ndarray) -> None:
        """While advice is asked for: sample the largest face of every other frame in `unpainted` (the camera's
        frame, before the lipstick), then measure and pick, or say why not."""
        with self._lock:
            shades = self._advice_shades
        if shades is None:
            return
        self._advice_frame += 1
        if result.faces_found and self._advice_frame % 2 == 1:
            try:
                self._advice_samples.append(sample_face(unpainted, largest_face(result.faces)))
            except NoSkinError:
                pass  # too small or covered this frame; the timeout speaks if it stays so
        samples = self._advice_samples
        timed_out = time.monotonic() - self._advice_started > ADVICE_TIMEOUT_S
        if len(samples) < ADVICE_FRAMES and not timed_out:
            return
        with self._lock:
            if self._advice_shades is not shades:  # asked again meanwhile: that request goes on
                return
            self._advice_shades = None
        if len(samples) < ADVICE_MIN_FRAMES:
            self.advice_failed.emit(
                "Could not see a face clearly enough to measure: face the camera, come closer, in even light."
            )
            return
        reference = LipsReference(on_lips_lab, reference_lip_lab())
        self.advice_ready.emit(advise(samples, shades, reference=reference, calibration=self._calibration))

    def _give_up_on(self, spec: str | None, error: SourceError) -> bool:
        """Replace a failing remembered source by the demo face (once, saying why); False: keep retrying."""
        with self._lock:
            if not self._fallback_to_demo or spec == "demo" or self._source_changed:
                return False
            self._fallback_to_demo = False
            self._source_spec = "demo"
        self._opening_message = f"{error} — showing the demo face (choose another in the Camera menu)"
        return True

    def _compare_grid(self, result: FrameResult, look: Look, variants: tuple[np.ndarray, ...]) -> np.ndarray:
        """The frame in each compare shade, cropped around the faces (crop eased so it does not jitter)."""
        target = faces_box(result.faces)
        if target is not None:
            goal = np.array(target)
            self._focus = goal if self._focus is None else self._focus + _FOCUS_EASING * (goal - self._focus)
        focus = None if self._focus is None else tuple(float(v) for v in self._focus)
        compare = tuple(zip(look.compare, variants, strict=True))
        return compose_picture(result, layout="compare", compare=compare, mirror=look.mirror, focus_xyxy=focus)


def thread_for(worker: Worker, parent: QObject) -> QThread:
    """A QThread owned by `parent` that runs `worker` (moved onto it) once started and deletes it when it ends."""
    thread = QThread(parent)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    thread.finished.connect(worker.deleteLater)
    return thread
