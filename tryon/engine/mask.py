"""Soft lip masks: outer lip contour minus mouth opening, smoothed, anti-aliased, feathered, ROI only."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from tryon.colour import rgb_to_lab
from tryon.engine.face import Face

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
# The ROI only has to hold the feather: alpha is 0 beyond _OUTSIDE_SUPPORT_PX outside the contour.
_ROI_MARGIN_PX = _OUTSIDE_SUPPORT_PX + 2
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
    contour (the mouth line) in ROI pixels, for effects measured from it (ombre). `source` is the
    ROI of the frame the mask was made from, RGB uint8 (h, w, 3), and `lab` the same pixels in CIE
    Lab, float32 (h, w, 3), both read-only: a render of a frame whose ROI still holds these pixels
    reuses `lab` instead of converting again (None: the render converts).
    """

    roi: tuple[int, int, int, int]
    alpha: np.ndarray = field(repr=False)
    opening: np.ndarray = field(repr=False)
    corners_xy: np.ndarray = field(repr=False)
    inner_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32), repr=False)
    source: np.ndarray | None = field(default=None, repr=False)
    lab: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        y0, y1, x0, x1 = self.roi
        expected = (y1 - y0, x1 - x0)
        for name in ("alpha", "opening"):
            array = getattr(self, name)
            if array.dtype != np.float32 or array.shape != expected:
                raise ValueError(f"{name} must be float32 {expected}, but got {array.dtype} {array.shape}")
        if (self.source is None) != (self.lab is None):
            raise ValueError("source and lab go together: give both or neither")
        for name, dtype in (("source", np.uint8), ("lab", np.float32)):
            array = getattr(self, name)
            if array is not None and (array.dtype != dtype or array.shape != (*expected, 3)):
                raise ValueError(
                    f"{name} must be {np.dtype(dtype)} {(*expected, 3)}, but got {array.dtype} {array.shape}"
                )
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


@functools.lru_cache(maxsize=8)
def _hermite_basis(samples: int) -> np.ndarray:
    """Cubic Hermite basis (h00, h10, h01, h11) at `samples` even steps of [0, 1): float64 (samples, 4)."""
    s = np.linspace(0.0, 1.0, samples, endpoint=False)
    basis = np.stack([2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2], axis=1)
    basis.setflags(write=False)
    return basis


@functools.lru_cache(maxsize=8)
def _neighbours(count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of each vertex's previous, next and next-but-one vertex on a closed polygon."""
    return tuple((np.arange(count) + shift) % count for shift in (-1, 1, 2))  # type: ignore[return-value]


def closed_spline(points: np.ndarray, samples_per_segment: int = _SPLINE_SAMPLES_PER_SEGMENT) -> np.ndarray:
    """Centripetal Catmull-Rom spline through a closed polygon (no corners, no overshoot loops).

    Each segment is evaluated as the cubic Hermite curve with the centripetal tangents (the same
    curve as the Barry-Goldman pyramid, in one matrix product).

    Args:
        points: float (..., N, 2) polygon vertices, N >= 3; leading axes are independent polygons
            (the outer and inner lip contour go through in one call).
    Returns:
        float32 (..., N * samples_per_segment, 2) points on a smooth closed curve through every vertex.
    """
    points = np.asarray(points, dtype=np.float64)
    leading, count = points.shape[:-2], points.shape[-2]
    if count < 3:
        raise ValueError(f"need at least 3 points, but got {count}")
    p1 = points.reshape(-1, count, 2)
    before, after, after2 = _neighbours(count)
    p0, p2, p3 = p1[:, before], p1[:, after], p1[:, after2]

    def knot_step(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # centripetal: sqrt of the chord length
        d = b - a
        step: np.ndarray = np.maximum(np.sqrt(np.sqrt(d[..., 0] ** 2 + d[..., 1] ** 2)), 1e-6)
        return step[..., None]

    d01, d12, d23 = knot_step(p0, p1), knot_step(p1, p2), knot_step(p2, p3)
    tangent1 = ((p1 - p0) / d01 - (p2 - p0) / (d01 + d12) + (p2 - p1) / d12) * d12
    tangent2 = ((p2 - p1) / d12 - (p3 - p1) / (d12 + d23) + (p3 - p2) / d23) * d12
    controls = np.stack([p1, tangent1, p2, tangent2]).reshape(4, -1)
    curve = (_hermite_basis(samples_per_segment) @ controls).reshape(samples_per_segment, -1, count, 2)
    spline: np.ndarray = curve.transpose(1, 2, 0, 3).reshape(*leading, count * samples_per_segment, 2)
    return spline.astype(np.float32)


def fill_soft(polygon_xy: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """Filled polygon as float32 (H, W) area coverage in [0, 1]; coordinates in pixels.

    Rasterised at `_SUPERSAMPLE`× (only over the polygon's bounding box) and area-averaged, so
    coverage is exact to 1/16 px²: thin or collapsed polygons (pressed lips) cover ~nothing,
    unlike OpenCV's anti-aliased outline.
    """
    height, width = size_hw
    out = np.zeros((height, width), dtype=np.float32)
    (low_x, low_y), (high_x, high_y) = polygon_xy.min(axis=0), polygon_xy.max(axis=0)
    x0, y0 = min(width, max(0, math.floor(low_x))), min(height, max(0, math.floor(low_y)))
    x1, y1 = min(width, max(0, math.ceil(high_x) + 1)), min(height, max(0, math.ceil(high_y) + 1))
    if x1 <= x0 or y1 <= y0:
        return out
    canvas = np.zeros(((y1 - y0) * _SUPERSAMPLE, (x1 - x0) * _SUPERSAMPLE), dtype=np.uint8)
    # Pixel (0, 0) covers [0, 1) x [0, 1); sub-pixel centres sit at (k + 0.5) / _SUPERSAMPLE.
    local = (polygon_xy - np.array([x0, y0], dtype=np.float32)) * _SUPERSAMPLE - 0.5
    cv2.fillPoly(canvas, [np.round(local * (1 << _SUBPIXEL_BITS)).astype(np.int32)], 255, shift=_SUBPIXEL_BITS)
    coverage = cv2.resize(canvas, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    out[y0:y1, x0:x1] = coverage * np.float32(1.0 / 255.0)
    return out


def _median(values: np.ndarray) -> float:
    """Median of a non-empty 1-D array (the upper middle value when the count is even; ~6× faster than np.median)."""
    middle = len(values) // 2
    return float(np.partition(values, middle)[middle])


def lip_roi(face: Face, size_hw: tuple[int, int]) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) box around the outer lip contour plus the feather's margin, clipped to the frame."""
    outer = face.lips_outer
    margin = _ROI_MARGIN_PX
    x0, y0 = np.floor(outer.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(outer.max(axis=0) + margin).astype(int)
    height, width = size_hw
    return max(0, int(y0)), min(height, int(y1)), max(0, int(x0)), min(width, int(x1))


def lip_likeness(lab: np.ndarray, outer_cover: np.ndarray, opening: np.ndarray, width_px: float) -> np.ndarray:
    """How much each ROI pixel (`lab`: float32 (h, w, 3) CIE Lab) looks like these lips, float32 (h, w) in [0, 1].

    A colour model of the lips' own core (median and robust spread of L* and a*, away from the
    edges) marks what the landmark contours wrongly include: teeth (much less red, or much
    brighter on grayscale photos), the mouth's dark cavity and beard (much darker). Lip creases
    and shading lie well within the spread and keep full paint.
    """
    lightness, redness = lab[..., 0], lab[..., 1]
    margin = max(1, round(0.03 * width_px))
    lip_core = cv2.erode(((outer_cover > 0.99) & (opening < 0.01)).astype(np.uint8), disk(margin)) > 0
    lip_core &= cv2.dilate((opening > 0.01).astype(np.uint8), disk(margin)) == 0
    if lip_core.sum() < 20:
        return np.ones(lightness.shape, dtype=np.float32)
    lip_l, lip_a = lightness[lip_core], redness[lip_core]
    l_median, a_median = _median(lip_l), _median(lip_a)
    l_spread = max(4.0, 1.4826 * _median(np.abs(lip_l - l_median)))
    a_spread = max(2.5, 1.4826 * _median(np.abs(lip_a - a_median)))
    too_dark = np.maximum(0.0, (l_median - lightness) / l_spread - _DARK_SPREADS)
    if a_median > _MIN_LIP_REDNESS:  # colour photo: teeth and skin are less red than lips
        off_colour = np.maximum(0.0, (a_median - redness) / a_spread - _PALE_SPREADS)
    else:  # grayscale or washed out: teeth are brighter than lips
        off_colour = np.maximum(0.0, (lightness - l_median) / l_spread - _BRIGHT_SPREADS)
    # Not blurred here: the edge feather blurs alpha × likeness anyway.
    return np.clip(1.0 - (too_dark + off_colour) / _FALLOFF_SPREADS, 0.0, 1.0).astype(np.float32)


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
    alpha: np.ndarray = outer_cover * (1.0 - opening)
    source = frame[y0:y1, x0:x1].copy()
    lab = rgb_to_lab(source)
    source.setflags(write=False)
    lab.setflags(write=False)
    if refine:
        alpha *= lip_likeness(lab, outer_cover, opening, face.lips_width_px)
    if feather_px is None:
        feather_px = float(np.clip(_FEATHER_PER_WIDTH * face.lips_width_px, _MIN_FEATHER_PX, _MAX_FEATHER_PX))
    if feather_px > 0:
        # The feather fades toward the skin only: inside the contour the lips keep their full alpha (a
        # centred blur would halve it at the edge and leave a rim of the lips' own colour, e.g. under a
        # full-coverage shade on lips already wearing lipstick).
        blurred = cv2.GaussianBlur(alpha, (0, 0), sigmaX=feather_px, borderType=cv2.BORDER_CONSTANT)
        alpha = np.maximum(alpha, blurred)
        support = cv2.dilate((outer_cover > 0).astype(np.uint8), _SUPPORT_KERNEL)
        # The feather softens the edge toward the skin only: inside the mouth opening (teeth,
        # tongue) it would smear lipstick, so it is cut off in pixels mostly (> 50 %) inside the
        # opening, fading out over their coverage 0.5 → 1.
        np.multiply(alpha, support * (1.0 - np.clip((opening - 0.5) * 2.0, 0.0, 1.0)), out=alpha)
    return LipMask(
        roi=(y0, y1, x0, x1),
        alpha=np.clip(alpha, 0.0, 1.0),
        opening=opening,
        corners_xy=corners,
        inner_xy=np.ascontiguousarray(face.lips_inner - offset, dtype=np.float32),
        source=source,
        lab=lab,
    )
