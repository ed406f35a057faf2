"""Soft lip masks: outer lip contour minus mouth opening, smoothed, anti-aliased, feathered, ROI only."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from tryon.landmarks import Face

_SPLINE_SAMPLES_PER_SEGMENT = 8
_SUBPIXEL_BITS = 4  # fillPoly works on fixed-point coordinates: 1/16 px precision
_FEATHER_PER_WIDTH = 0.012  # feather sigma as a share of mouth width (≈0.6 px on a 50 px mouth)
_MIN_FEATHER_PX = 0.5
_MAX_FEATHER_PX = 1.5
_OUTSIDE_SUPPORT_PX = 2
_SUPPORT_KERNEL = cv2.getStructuringElement(
    cv2.MORPH_ELLIPSE, (2 * _OUTSIDE_SUPPORT_PX + 1, 2 * _OUTSIDE_SUPPORT_PX + 1)
)
_ROI_MARGIN_PER_WIDTH = 0.12


@dataclass(frozen=True)
class LipMask:
    """Lip alpha over a region of interest of a frame.

    `roi` is (y0, y1, x0, x1) in frame pixels (end-exclusive); `alpha` is float32 (y1-y0, x1-x0)
    in [0, 1]: 1 on the lips, 0 off them (teeth, tongue, skin). `opening` is the mouth-opening
    alpha over the same ROI (1 inside the inner contour), used by finishes that shade inward.
    `corners_xy` is float32 (2, 2): the mouth corners in frame pixels, which anchor patterns
    (shimmer) to the lips so they move with the face.
    """

    roi: tuple[int, int, int, int]
    alpha: np.ndarray = field(repr=False)
    opening: np.ndarray = field(repr=False)
    corners_xy: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        y0, y1, x0, x1 = self.roi
        expected = (y1 - y0, x1 - x0)
        for name in ("alpha", "opening"):
            array = getattr(self, name)
            if array.dtype != np.float32 or array.shape != expected:
                raise ValueError(f"{name} must be float32 {expected}, but got {array.dtype} {array.shape}")
        if self.corners_xy.shape != (2, 2):
            raise ValueError(f"corners_xy must have shape (2, 2), but got {self.corners_xy.shape}")

    @property
    def slices(self) -> tuple[slice, slice]:
        """Index a frame with `frame[mask.slices]` to get the ROI."""
        y0, y1, x0, x1 = self.roi
        return slice(y0, y1), slice(x0, x1)

    def full_frame(self, size_hw: tuple[int, int]) -> np.ndarray:
        """The alpha pasted into a zero float32 array of shape `size_hw` (for evaluation and export)."""
        out = np.zeros(size_hw, dtype=np.float32)
        out[self.slices] = self.alpha
        return out


def closed_spline(points: np.ndarray, samples_per_segment: int = _SPLINE_SAMPLES_PER_SEGMENT) -> np.ndarray:
    """Centripetal Catmull-Rom spline through a closed polygon (no corners, no overshoot loops).

    Args:
        points: float (N, 2) polygon vertices, N >= 3.
    Returns:
        float32 (N * samples_per_segment, 2) points on a smooth closed curve through every vertex.
    """
    p1 = np.asarray(points, dtype=np.float64)
    if len(p1) < 3:
        raise ValueError(f"need at least 3 points, but got {len(p1)}")
    p0, p2, p3 = np.roll(p1, 1, 0), np.roll(p1, -1, 0), np.roll(p1, -2, 0)

    def step(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.maximum(np.linalg.norm(b - a, axis=-1), 1e-6) ** 0.5

    # Knots per segment, shape (N, 1); t runs from t1 to t2 along the segment p1 -> p2.
    t0 = np.zeros((len(p1), 1))
    t1 = step(p0, p1)[:, None]
    t2 = t1 + step(p1, p2)[:, None]
    t3 = t2 + step(p2, p3)[:, None]
    t = t1 + (t2 - t1) * np.linspace(0.0, 1.0, samples_per_segment, endpoint=False)[None, :]

    def mix(a: np.ndarray, b: np.ndarray, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
        """Barry-Goldman pyramid step: blend curves a and b by where t lies in [ta, tb]."""
        wa = ((tb - t) / (tb - ta))[..., None]
        return wa * a + (1.0 - wa) * b

    a1 = mix(p0[:, None], p1[:, None], t0, t1)
    a2 = mix(p1[:, None], p2[:, None], t1, t2)
    a3 = mix(p2[:, None], p3[:, None], t2, t3)
    curve = mix(mix(a1, a2, t0, t2), mix(a2, a3, t1, t3), t1, t2)
    return curve.reshape(-1, 2).astype(np.float32)


def fill_soft(polygon_xy: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """Anti-aliased filled polygon as float32 (H, W) coverage in [0, 1]; coordinates in pixels."""
    canvas = np.zeros(size_hw, dtype=np.uint8)
    # fillPoly samples pixel centres at integer coordinates; shift so pixel (0, 0) covers [0, 1).
    fixed = np.round((polygon_xy - 0.5) * (1 << _SUBPIXEL_BITS)).astype(np.int32)
    cv2.fillPoly(canvas, [fixed], 255, lineType=cv2.LINE_AA, shift=_SUBPIXEL_BITS)
    return canvas.astype(np.float32) * np.float32(1.0 / 255.0)


def lip_roi(face: Face, size_hw: tuple[int, int]) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) box around the outer lip contour plus a margin, clipped to the frame."""
    outer = face.lips_outer
    margin = max(4.0, _ROI_MARGIN_PER_WIDTH * face.lips_width_px)
    x0, y0 = np.floor(outer.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(outer.max(axis=0) + margin).astype(int)
    height, width = size_hw
    return max(0, int(y0)), min(height, int(y1)), max(0, int(x0)), min(width, int(x1))


def lip_mask(face: Face, size_hw: tuple[int, int], *, feather_px: float | None = None) -> LipMask:
    """Soft alpha of one face's lips (outer contour minus mouth opening) over the lip ROI.

    The edge is a Gaussian feather (sigma scales with mouth width, capped at `_MAX_FEATHER_PX`)
    that never reaches more than `_OUTSIDE_SUPPORT_PX` beyond the outer contour, so skin farther
    out is left bit-identical.

    Args:
        face: landmarks in pixels of a frame of shape `size_hw` (H, W).
        feather_px: Gaussian sigma of the edge in pixels; default scales with the mouth width.
    """
    y0, y1, x0, x1 = lip_roi(face, size_hw)
    roi_hw = (max(0, y1 - y0), max(0, x1 - x0))
    outer_xy = face.lips_outer
    corners = np.ascontiguousarray(outer_xy[[0, 10]], dtype=np.float32)
    if roi_hw[0] == 0 or roi_hw[1] == 0:
        empty = np.zeros(roi_hw, dtype=np.float32)
        return LipMask(roi=(y0, y1, x0, x1), alpha=empty, opening=empty.copy(), corners_xy=corners)
    offset = np.array([x0, y0], dtype=np.float32)
    outer_cover = fill_soft(closed_spline(outer_xy - offset), roi_hw)
    opening = fill_soft(closed_spline(face.lips_inner - offset), roi_hw)
    alpha = outer_cover * (1.0 - opening)
    if feather_px is None:
        feather_px = float(np.clip(_FEATHER_PER_WIDTH * face.lips_width_px, _MIN_FEATHER_PX, _MAX_FEATHER_PX))
    if feather_px > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), sigmaX=feather_px, borderType=cv2.BORDER_CONSTANT)
        support = cv2.dilate((outer_cover > 0).astype(np.uint8), _SUPPORT_KERNEL)
        alpha *= support
    return LipMask(roi=(y0, y1, x0, x1), alpha=np.clip(alpha, 0.0, 1.0), opening=opening, corners_xy=corners)
