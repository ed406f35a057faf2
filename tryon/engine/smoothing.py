"""One-Euro filtering of face landmarks across video frames.

Per face and per coordinate: a low-pass filter whose cut-off rises with speed, so a still face
stops shimmering while a fast turn is followed without visible lag (Casiez et al., CHI 2012).
Faces are matched to the previous frame's by position; a face not matched starts fresh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tryon.engine.face import Face


@dataclass(frozen=True)
class OneEuroParams:
    """Cut-offs in Hz; `beta` in 1/px: how fast the cut-off rises with speed (px/s).

    Speeds are normalised by the face's width in hundreds of px, so the same settings suit a
    face 150 px and 600 px wide.

    Chosen by `tryon eval --motion` (docs/quality.md): MediaPipe's VIDEO mode already tracks and barely
    jitters (0.03 px RMS on a still face with sensor noise), so the filter's job is to keep a still face's
    lipstick perfectly still (the deadband) and otherwise to get out of the way: a steep `beta` and a fast
    derivative make it follow a moving face within 0.1 px of the raw landmarks (the previous 1.0 Hz / 0.02
    / 1.0 Hz trailed by 5-15 px at 120-400 px/s).
    """

    min_cutoff_hz: float = 1.0
    beta: float = 10.0
    derivative_cutoff_hz: float = 8.0
    # Hold a point until the filtered position is this far away (px per 100 px of face width), then
    # follow it at that distance: a still face's lipstick stays perfectly still. 0.25 is below the
    # mask's edge feather (sigma ≈ 0.4 px per 100 px of face width), so the hold never shows.
    deadband_px: float = 0.25
    # ... but only while the face is (nearly) still: the hold shrinks to nothing as the point's filtered speed
    # rises to this (px/s per 100 px of face width; a still face's noise reads ~0.5, a slow turn 25+), so a
    # moving face is followed without the hold's lag. None: the hold applies at every speed.
    deadband_release_speed: float | None = 20.0


def _smoothing_factor(dt_s: float, cutoff_hz: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt_s)


class _FaceTrack:
    def __init__(self, face: Face, timestamp_ms: int) -> None:
        self.points = face.points.astype(np.float64)
        self.shown = self.points.copy()  # what was returned: the filtered points after the deadband
        self.velocity = np.zeros_like(self.points)
        self.timestamp_ms = timestamp_ms

    def update(self, face: Face, timestamp_ms: int, params: OneEuroParams) -> Face:
        dt_s = max(1e-3, (timestamp_ms - self.timestamp_ms) / 1000.0)
        raw = face.points.astype(np.float64)
        scale = max(1.0, (face.bbox_xyxy[2] - face.bbox_xyxy[0]) / 100.0)
        velocity = (raw - self.points) / dt_s / scale
        a_d = _smoothing_factor(dt_s, params.derivative_cutoff_hz)
        self.velocity = self.velocity + a_d * (velocity - self.velocity)
        speed = np.linalg.norm(self.velocity, axis=1, keepdims=True)
        cutoff = params.min_cutoff_hz + params.beta * speed
        tau = 1.0 / (2.0 * np.pi * cutoff)
        a = 1.0 / (1.0 + tau / dt_s)
        self.points = self.points + a * (raw - self.points)
        self.timestamp_ms = timestamp_ms
        offset = self.points - self.shown
        distance = np.linalg.norm(offset, axis=1, keepdims=True)
        band = params.deadband_px * scale
        if params.deadband_release_speed is not None:
            band = band * np.clip(1.0 - speed / params.deadband_release_speed, 0.0, 1.0)
        self.shown = self.shown + offset * (np.maximum(distance - band, 0.0) / np.maximum(distance, 1e-12))
        return Face(points=self.shown.astype(np.float32), score=face.score)

    def centre(self) -> np.ndarray:
        centre: np.ndarray = self.points.mean(axis=0)
        return centre


class LandmarkSmoother:
    """Smooth the faces of consecutive frames. Call `update` once per frame, `reset` on a cut."""

    def __init__(self, params: OneEuroParams | None = None) -> None:
        self.params = params or OneEuroParams()
        self._tracks: list[_FaceTrack] = []

    def reset(self) -> None:
        self._tracks = []

    def update(self, faces: tuple[Face, ...], timestamp_ms: int) -> tuple[Face, ...]:
        """Smoothed copies of `faces` (same order). Tracks of faces no longer seen are dropped."""
        unmatched = list(self._tracks)
        new_tracks: list[_FaceTrack] = []
        out: list[Face] = []
        for face in faces:
            centre = face.points.mean(axis=0)
            width = face.bbox_xyxy[2] - face.bbox_xyxy[0]
            best = min(unmatched, key=lambda t: float(np.linalg.norm(t.centre() - centre)), default=None)
            # A jump of more than half a face width between frames is another face, or a cut.
            if best is not None and float(np.linalg.norm(best.centre() - centre)) < 0.5 * width:
                unmatched.remove(best)
                out.append(best.update(face, timestamp_ms, self.params))
                new_tracks.append(best)
            else:
                new_tracks.append(_FaceTrack(face, timestamp_ms))
                out.append(face)
        self._tracks = new_tracks
        return tuple(out)
