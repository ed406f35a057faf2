"""A face's 478 landmarks in pixel coordinates (`Face`), the lip contours' indices and the frame contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

N_LANDMARKS = 478
# MediaPipe face-mesh indices, each in order around the lip (corner 61/78 first, lower lip next).
LIPS_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
LIPS_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191)
LIP_POINTS = LIPS_OUTER + LIPS_INNER  # the mesh points of `Face.lip_points`, in that order


@dataclass(frozen=True)
class Face:
    """One face's landmarks in pixels.

    `points` is float32 (478, 2), (x, y) in pixels of the frame it was found in.
    `score` is the detection confidence in [0, 1]; MediaPipe's landmarker exposes none per face
    (it drops faces below its presence threshold), so faces it finds directly carry 1.0.
    """

    points: np.ndarray = field(repr=False)
    score: float = 1.0

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=np.float32)
        if points.shape != (N_LANDMARKS, 2):
            raise ValueError(f"points must have shape ({N_LANDMARKS}, 2), but got {points.shape}")
        if not np.all(np.isfinite(points)):
            raise ValueError("points must be finite")
        points = np.ascontiguousarray(points)
        points.setflags(write=False)
        object.__setattr__(self, "points", points)
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], but got {self.score}")

    @classmethod
    def from_mediapipe(cls, landmarks: Any, size_wh: tuple[int, int], *, score: float = 1.0) -> Face:
        """Build from one entry of `FaceLandmarkerResult.face_landmarks` (normalized coordinates)."""
        width, height = size_wh
        xy = np.array([(p.x * width, p.y * height) for p in landmarks], dtype=np.float32)
        return cls(points=xy[:N_LANDMARKS], score=score)

    @property
    def lips_outer(self) -> np.ndarray:
        """Outer lip contour, float32 (20, 2), in order around the lips."""
        return self.points[list(LIPS_OUTER)]

    @property
    def lips_inner(self) -> np.ndarray:
        """Inner lip contour (mouth opening), float32 (20, 2), in the same order as `lips_outer`."""
        return self.points[list(LIPS_INNER)]

    @property
    def lip_points(self) -> np.ndarray:
        """Both lip contours, float32 (40, 2): `lips_outer` then `lips_inner`."""
        return self.points[list(LIP_POINTS)]

    @property
    def bbox_xyxy(self) -> tuple[float, float, float, float]:
        """Box around all landmarks: (x0, y0, x1, y1) in pixels."""
        x0, y0 = self.points.min(axis=0)
        x1, y1 = self.points.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    @property
    def lips_width_px(self) -> float:
        """Mouth width, corner to corner, in pixels."""
        outer = self.lips_outer
        return float(np.linalg.norm(outer[0] - outer[10]))

    def translated(self, offset_xy: tuple[float, float], *, scale: float = 1.0) -> Face:
        """Same face with points mapped by `p * scale + offset` (crop → frame coordinates)."""
        points = self.points * np.float32(scale) + np.asarray(offset_xy, dtype=np.float32)
        return Face(points=points, score=self.score)


def check_frame(frame: np.ndarray) -> None:
    """Raise ValueError unless `frame` is RGB uint8 (H, W, 3)."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        got = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise ValueError(f"frame must be RGB uint8 of shape (H, W, 3), but got {got}")
