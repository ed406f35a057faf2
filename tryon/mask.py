"""Soft lip masks: outer lip contour minus mouth opening, smoothed, anti-aliased, feathered, ROI only."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from tryon.colour import rgb_to_lab
from tryon.landmarks import Face

_SPLINE_SAMPLES_PER_SEGMENT = 8
_SUBPIXEL_BITS = 4  # fillPoly works on fixed-point coordinates: 1/16 px precision
_SUPERSAMPLE = 4
_FEATHER_PER_WIDTH = 0.012  # feather sigma as a share of mouth width (≈0.6 px on a 50 px mouth)
_MIN_FEATHER_PX = 0.5
_MAX_FEATHER_PX = 1.5
_OUTSIDE_SUPPORT_PX = 2


def disk(radius_px: int) -> np.ndarray:
    """uint8 round structuring element of the given radius, for cv2.erode/dilate."""
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius_px + 1, 2 * radius_px + 1))


_SUPPORT_KERNEL = disk(_OUTSIDE_SUPPORT_PX)
_ROI_MARGIN_PER_WIDTH = 0.12
# Lip-likeness: how many robust spreads from the lips' own colour a pixel may be before it loses
# paint, and over how many more spreads the paint fades out.
_DARK_SPREADS = 4.0
_PALE_SPREADS = 3.0
_BRIGHT_SPREADS = 3.5
_FALLOFF_SPREADS = 1.5
_MIN_LIP_REDNESS = 6.0


@dataclass(frozen=True)
class LipMask:
    """Lip alpha over a region of interest of a frame.

    `roi` is (y0, y1, x0, x1) in frame pixels (end-exclusive); `alpha` is float32 (y1-y0, x1-x0)
    in [0, 1]: 1 on the lips, 0 off them (teeth, tongue, skin). `opening` is the mouth-opening
    alpha over the same ROI (1 inside the inner contour), used by finishes that shade inward.
    `corners_xy` is float32 (2, 2): the mouth corners in frame pixels, which anchor patterns
    (shimmer) to the lips so they move with the face. `inner_xy` is float32 (N, 2): the inner lip
    contour (the mouth line) in ROI pixels, for effects measured from it (ombre).
    """

    roi: tuple[int, int, int, int]
    alpha: np.ndarray = field(repr=False)
    opening: np.ndarray = field(repr=False)
    corners_xy: np.ndarray = field(repr=False)
    inner_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32), repr=False)

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
        points: float (..., N, 2) polygon vertices, N >= 3; leading axes are independent polygons
            (the outer and inner lip contour go through in one call).
    Returns:
        float32 (..., N * samples_per_segment, 2) points on a smooth closed curve through every vertex.
    """
    p1 = np.asarray(points, dtype=np.float64)
    if p1.shape[-2] < 3:
        raise ValueError(f"need at least 3 points, but got {p1.shape[-2]}")
    p0, p2, p3 = np.roll(p1, 1, -2), np.roll(p1, -1, -2), np.roll(p1, -2, -2)

    def step(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.maximum(np.sqrt(((b - a) ** 2).sum(axis=-1)), 1e-6) ** 0.5

    # Knots per segment, shape (..., N, 1); t runs from t1 to t2 along the segment p1 -> p2.
    t0 = np.zeros(p1.shape[:-1] + (1,))
    t1 = step(p0, p1)[..., None]
    t2 = t1 + step(p1, p2)[..., None]
    t3 = t2 + step(p2, p3)[..., None]
    t = t1 + (t2 - t1) * np.linspace(0.0, 1.0, samples_per_segment, endpoint=False)

    def mix(a: np.ndarray, b: np.ndarray, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
        """Barry-Goldman pyramid step: blend curves a and b by where t lies in [ta, tb]."""
        wa = ((tb - t) / (tb - ta))[..., None]
        return wa * a + (1.0 - wa) * b

    a1 = mix(p0[..., None, :], p1[..., None, :], t0, t1)
    a2 = mix(p1[..., None, :], p2[..., None, :], t1, t2)
    a3 = mix(p2[..., None, :], p3[..., None, :], t2, t3)
    curve = mix(mix(a1, a2, t0, t2), mix(a2, a3, t1, t3), t1, t2)
    return curve.reshape(*p1.shape[:-2], -1, 2).astype(np.float32)


def fill_soft(polygon_xy: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """Filled polygon as float32 (H, W) area coverage in [0, 1]; coordinates in pixels.

    Rasterised at `_SUPERSAMPLE`× and area-averaged, so coverage is exact to 1/16 px²: thin or
    collapsed polygons (pressed lips) cover ~nothing, unlike OpenCV's anti-aliased outline.
    """
    height, width = size_hw
    canvas = np.zeros((height * _SUPERSAMPLE, width * _SUPERSAMPLE), dtype=np.uint8)
    # Pixel (0, 0) covers [0, 1) x [0, 1); sub-pixel centres sit at (k + 0.5) / _SUPERSAMPLE.
    fixed = np.round((polygon_xy * _SUPERSAMPLE - 0.5) * (1 << _SUBPIXEL_BITS)).astype(np.int32)
    cv2.fillPoly(canvas, [fixed], 255, lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)
    coverage = cv2.resize(canvas, (width, height), interpolation=cv2.INTER_AREA)
    return coverage.astype(np.float32) * np.float32(1.0 / 255.0)


def lip_roi(face: Face, size_hw: tuple[int, int]) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) box around the outer lip contour plus a margin, clipped to the frame."""
    outer = face.lips_outer
    margin = max(4.0, _ROI_MARGIN_PER_WIDTH * face.lips_width_px)
    x0, y0 = np.floor(outer.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(outer.max(axis=0) + margin).astype(int)
    height, width = size_hw
    return max(0, int(y0)), min(height, int(y1)), max(0, int(x0)), min(width, int(x1))


def lip_likeness(roi_rgb: np.ndarray, outer_cover: np.ndarray, opening: np.ndarray, width_px: float) -> np.ndarray:
    """How much each ROI pixel looks like these lips, float32 (h, w) in [0, 1].

    A colour model of the lips' own core (median and robust spread of L* and a*, away from the
    edges) marks what the landmark contours wrongly include: teeth (much less red, or much
    brighter on grayscale photos), the mouth's dark cavity and beard (much darker). Lip creases
    and shading lie well within the spread and keep full paint.
    """
    lab = rgb_to_lab(roi_rgb)
    lightness, redness = lab[..., 0], lab[..., 1]
    margin = max(1, round(0.03 * width_px))
    lip_core = cv2.erode(((outer_cover > 0.99) & (opening < 0.01)).astype(np.uint8), disk(margin)) > 0
    lip_core &= cv2.dilate((opening > 0.01).astype(np.uint8), disk(margin)) == 0
    if lip_core.sum() < 20:
        return np.ones(lightness.shape, dtype=np.float32)
    lip_l, lip_a = lightness[lip_core], redness[lip_core]
    l_median, a_median = float(np.median(lip_l)), float(np.median(lip_a))
    l_spread = max(4.0, 1.4826 * float(np.median(np.abs(lip_l - l_median))))
    a_spread = max(2.5, 1.4826 * float(np.median(np.abs(lip_a - a_median))))
    too_dark = np.maximum(0.0, (l_median - lightness) / l_spread - _DARK_SPREADS)
    if a_median > _MIN_LIP_REDNESS:  # colour photo: teeth and skin are less red than lips
        off_colour = np.maximum(0.0, (a_median - redness) / a_spread - _PALE_SPREADS)
    else:  # grayscale or washed out: teeth are brighter than lips
        off_colour = np.maximum(0.0, (lightness - l_median) / l_spread - _BRIGHT_SPREADS)
    likeness = np.clip(1.0 - (too_dark + off_colour) / _FALLOFF_SPREADS, 0.0, 1.0).astype(np.float32)
    return cv2.GaussianBlur(likeness, (0, 0), sigmaX=0.7)


def lip_mask(frame: np.ndarray, face: Face, *, feather_px: float | None = None, refine: bool = True) -> LipMask:
    """Soft alpha of one face's lips (outer contour minus mouth opening) over the lip ROI.

    The edge is a Gaussian feather (sigma scales with mouth width, capped at `_MAX_FEATHER_PX`)
    that never reaches more than `_OUTSIDE_SUPPORT_PX` beyond the outer contour, so skin farther
    out is left bit-identical.

    Args:
        frame: RGB uint8 (H, W, 3) the landmarks were found in (read, never modified).
        face: landmarks in pixels of `frame`.
        feather_px: Gaussian sigma of the edge in pixels; default scales with the mouth width.
        refine: take out what does not look like these lips (teeth, cavity, beard): `lip_likeness`.
    """
    size_hw = frame.shape[:2]
    y0, y1, x0, x1 = lip_roi(face, size_hw)
    roi_hw = (max(0, y1 - y0), max(0, x1 - x0))
    outer_xy = face.lips_outer
    corners = np.ascontiguousarray(outer_xy[[0, 10]], dtype=np.float32)
    if roi_hw[0] == 0 or roi_hw[1] == 0:
        empty = np.zeros(roi_hw, dtype=np.float32)
        return LipMask(roi=(y0, y1, x0, x1), alpha=empty, opening=empty.copy(), corners_xy=corners)
    offset = np.array([x0, y0], dtype=np.float32)
    outer_curve, inner_curve = closed_spline(np.stack([outer_xy, face.lips_inner]) - offset)
    outer_cover = fill_soft(outer_curve, roi_hw)
    opening = fill_soft(inner_curve, roi_hw)
    alpha = outer_cover * (1.0 - opening)
    if refine:
        alpha *= lip_likeness(frame[y0:y1, x0:x1], outer_cover, opening, face.lips_width_px)
    if feather_px is None:
        feather_px = float(np.clip(_FEATHER_PER_WIDTH * face.lips_width_px, _MIN_FEATHER_PX, _MAX_FEATHER_PX))
    if feather_px > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), sigmaX=feather_px, borderType=cv2.BORDER_CONSTANT)
        support = cv2.dilate((outer_cover > 0).astype(np.uint8), _SUPPORT_KERNEL)
        # The feather softens the edge toward the skin only: inside the mouth opening (teeth,
        # tongue) it would smear lipstick, so it is cut off in pixels mostly (> 50 %) inside the
        # opening, fading out over their coverage 0.5 → 1.
        alpha *= support * (1.0 - np.clip((opening - 0.5) * 2.0, 0.0, 1.0))
    return LipMask(
        roi=(y0, y1, x0, x1),
        alpha=np.clip(alpha, 0.0, 1.0),
        opening=opening,
        corners_xy=corners,
        inner_xy=np.ascontiguousarray(face.lips_inner - offset, dtype=np.float32),
    )
