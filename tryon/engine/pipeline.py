"""One object from frame to rendered frame: landmarks → smoothing → lip masks → shade."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tryon.catalog.model import Shade
from tryon.engine.face import Face, check_frame
from tryon.engine.flow import FlowCarrier, FlowParams
from tryon.engine.landmarks import FaceLandmarker
from tryon.engine.mask import LipMask, lip_mask
from tryon.engine.mediapipe_model import RunningMode
from tryon.engine.render import apply_shade
from tryon.engine.smoothing import LandmarkSmoother, OneEuroParams

KIOSK_SEARCH_EVERY_N = 6
DEFAULT_FLOW = FlowParams()


@dataclass(frozen=True)
class StageTimings:
    """Milliseconds spent per stage on one frame."""

    landmarks_ms: float = 0.0
    smoothing_ms: float = 0.0
    mask_ms: float = 0.0
    render_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.landmarks_ms + self.smoothing_ms + self.mask_ms + self.render_ms


@dataclass(frozen=True)
class FrameResult:
    """A processed frame: `rendered` and `original` are RGB uint8 (H, W, 3).

    `faces` and `masks` are in the same order; `faces_found` is False when no face was seen and
    `rendered` is then the original frame, unchanged. A frame rendered in place keeps only the
    pixels it painted over (`painted_over`: (ROI slices, RGB uint8 pixels) per mask), and rebuilds
    `original` from them the first time it is asked for.
    """

    rendered: np.ndarray = field(repr=False)
    faces: tuple[Face, ...]
    masks: tuple[LipMask, ...] = field(repr=False)
    shade: Shade | None
    intensity: float
    timings: StageTimings
    timestamp_ms: int | None = None
    unrendered: np.ndarray | None = field(default=None, repr=False)
    painted_over: tuple[tuple[tuple[slice, slice], np.ndarray], ...] = field(default=(), repr=False)

    @property
    def faces_found(self) -> bool:
        return bool(self.faces)

    @functools.cached_property
    def original(self) -> np.ndarray:
        """The frame before rendering."""
        if self.unrendered is not None:
            return self.unrendered
        if not self.painted_over:
            return self.rendered
        frame = self.rendered.copy()
        for slices, pixels in self.painted_over:
            frame[slices] = pixels
        return frame


def render_masks(
    frame: np.ndarray,
    masks: tuple[LipMask, ...],
    shade: Shade,
    *,
    intensity: float = 1.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """`frame` (RGB uint8) with every mask's lips coloured by `shade`: painted into one copy for all
    faces, or into `out` (which may be `frame` itself: then nothing but the lips is written)."""
    out = frame.copy() if out is None else out
    for mask in masks:
        apply_shade(out, mask, shade, intensity=intensity, out=out)
    return out


def render_variants(result: FrameResult, shades: Sequence[Shade]) -> tuple[np.ndarray, ...]:
    """The frame of `result` rendered in each of `shades` (same masks, same intensity): RGB uint8 copies,
    for compare views and collages."""
    return tuple(render_masks(result.original, result.masks, shade, intensity=result.intensity) for shade in shades)


class Pipeline:
    """Landmarks, smoothing (video only), masks and rendering for one stream or a set of stills.

    `mode="video"` expects increasing `timestamp_ms` per call and smooths landmarks across
    frames; `mode="image"` treats each call as an unrelated photo. Call `close()` when done.
    """

    def __init__(
        self,
        *,
        mode: RunningMode = "video",
        max_faces: int = 4,
        smoothing: bool = True,
        smoothing_params: OneEuroParams | None = None,
        flow: FlowParams | None = DEFAULT_FLOW,
        model_path: Path | None = None,
        far_faces: bool = False,
    ) -> None:
        """`far_faces`: look for small faces with the BlazeFace full-range detector over tiles on a background
        thread, continuously while no face is seen and every 6th frame otherwise (the kiosk: shoppers 0.5–2.5 m
        away, 45–60 px faces in 720p; a newcomer is searched for within 0.2 s of 30 fps video), instead of a
        Haar cascade every 30th frame. With `smoothing` in video mode, landmarks are filtered in two steps:
        each face blended with where optical flow carried it (`flow`: its pose, then its lips; None: not), then
        the One-Euro filter."""
        self.mode = mode
        self._landmarker = FaceLandmarker(
            mode=mode,
            max_faces=max_faces,
            model_path=model_path,
            small_face_detector="blazeface" if far_faces else "cascade",
            small_face_every_n=KIOSK_SEARCH_EVERY_N if far_faces else 30,
        )
        self._smoother = LandmarkSmoother(smoothing_params) if (smoothing and mode == "video") else None
        self._carrier = FlowCarrier(flow) if (smoothing and mode == "video" and flow) else None

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._landmarker.close()

    def wait_for_search(self, timeout_s: float | None = None) -> None:
        """Block until the background search for small faces has finished (`FaceLandmarker.wait_for_search`)."""
        self._landmarker.wait_for_search(timeout_s)

    def reset(self) -> None:
        """Forget smoothing and tracked small faces (after a cut, a source change, or between kiosk customers)."""
        self._landmarker.forget_tracked_faces()
        if self._smoother is not None:
            self._smoother.reset()
        if self._carrier is not None:
            self._carrier.reset()

    def process(
        self,
        frame: np.ndarray,
        shade: Shade | None,
        *,
        intensity: float = 1.0,
        timestamp_ms: int | None = None,
        in_place: bool = False,
    ) -> FrameResult:
        """Find the faces in `frame` (RGB uint8 (H, W, 3)) and colour their lips with `shade`.

        `shade=None` finds faces and masks but renders nothing (the "before" view). `in_place=True`
        paints the lips into `frame` itself and keeps only the pixels painted over, which saves a
        full-frame copy per frame (0.2 ms at 1280×720): for callers that own the frame (a live view).
        """
        check_frame(frame)
        t0 = time.perf_counter()
        faces = self._landmarker.detect(frame, timestamp_ms)
        t1 = time.perf_counter()
        if self._carrier is not None:
            faces = self._carrier.update(frame, faces)
        if self._smoother is not None and timestamp_ms is not None:
            faces = self._smoother.update(faces, timestamp_ms)
        t2 = time.perf_counter()
        masks = tuple(lip_mask(frame, face) for face in faces)
        t3 = time.perf_counter()
        painted_over: tuple[tuple[tuple[slice, slice], np.ndarray], ...] = ()
        in_place = in_place and frame.flags.writeable
        if shade is not None and masks and intensity > 0:
            if in_place:  # each mask holds a copy of the pixels it will paint over
                painted_over = tuple(
                    (mask.slices, frame[mask.slices].copy() if mask.source is None else mask.source) for mask in masks
                )
            rendered = render_masks(frame, masks, shade, intensity=intensity, out=frame if in_place else None)
        else:
            rendered = frame
        t4 = time.perf_counter()
        timings = StageTimings(
            landmarks_ms=(t1 - t0) * 1000,
            smoothing_ms=(t2 - t1) * 1000,
            mask_ms=(t3 - t2) * 1000,
            render_ms=(t4 - t3) * 1000,
        )
        return FrameResult(
            rendered=rendered,
            unrendered=None if in_place else frame,
            painted_over=painted_over,
            faces=faces,
            masks=masks,
            shade=shade,
            intensity=intensity,
            timings=timings,
            timestamp_ms=timestamp_ms,
        )
