"""Patterns painted on the lips in lip-relative coordinates: sparkle flecks, ombre depth, liner, and the
wide blur that finds highlights. Pure functions over a `LipMask`'s ROI."""

from __future__ import annotations

import functools

import cv2
import numpy as np

from tryon.catalog.model import Shade, hex_to_rgb
from tryon.colour import rgb_to_lab
from tryon.engine.mask import LipMask

# Shimmer: sparkle cells per mouth width (at shimmer_size 1); a cell holds at most one fleck, so flecks
# scale with the mouth. Cells narrower than _FLECK_FADE_PX[1] pixels fade the flecks, and below
# _FLECK_FADE_PX[0] they are gone: single-pixel flecks read as salt noise, so small mouths get an even,
# soft sheen of the same average brightness instead (unresolved particles look like that).
_SHIMMER_CELLS_PER_WIDTH = 50.0
_FLECK_FADE_PX = (1.2, 2.4)
_SOFT_SHEEN = 0.35  # the even sheen, as a share of the cells holding a fleck
# Share of cells holding a fleck: 12 % at density 0, 52 % at density 1 (a bare film still glints).
_FLECK_SHARE_BASE = 0.12
_FLECK_SHARE_PER_DENSITY = 0.4
_FLECK_RADIUS_CELLS = 0.25  # fleck radius in cells: a fleck is half a cell wide, at any mouth size
_MOUTH_WIDTH_MM = 50.0  # an adult mouth, corner to corner: turns liner widths in mm into pixels


@functools.lru_cache(maxsize=512)
def hex_lab(color: str) -> np.ndarray:
    """Lab of an sRGB hex colour (cached: shades are few, frames many). Read-only float32 (3,)."""
    lab = rgb_to_lab(np.array(hex_to_rgb(color), dtype=np.uint8))
    lab.setflags(write=False)
    return lab


def _lip_frame_coords(mask: LipMask, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Coordinates along and across the mouth, in mouth widths from the left corner, of the ROI
    pixels at (`rows`, `cols`) (int arrays of one shape); float32 arrays of that shape, and the width in px.

    Patterns computed in these coordinates stay attached to the lips as the face moves or turns.
    """
    y0, _, x0, _ = mask.roi
    left, right = mask.corners_xy
    axis = right - left
    width = float(np.hypot(*axis)) or 1.0
    ux, uy = axis / width
    xs = (cols + (x0 - left[0])).astype(np.float32)
    ys = (rows + (y0 - left[1])).astype(np.float32)
    along = (xs * ux + ys * uy) / width
    across = (-xs * uy + ys * ux) / width
    return along, across, width


def sparkle(mask: LipMask, rows: np.ndarray, cols: np.ndarray, density: float, size: float = 1.0) -> np.ndarray:
    """Flecks fixed in lip coordinates at the ROI pixels (`rows`, `cols`): float32 in [0, 1], the same
    on every frame for the same lips. Fleck size and spacing are shares of the mouth width; on mouths too
    small to show them (see `_FLECK_FADE_PX`) they fade into an even soft sheen.

    `size` scales the flecks (and their spacing, so the covered share stays `density`)."""
    along, across, width = _lip_frame_coords(mask, rows, cols)
    cells = _SHIMMER_CELLS_PER_WIDTH / size
    u, v = along * cells, across * cells
    iu, iv = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    # Integer hash of the cell: the same cell always gets the same fleck.
    h = (iu * 73856093) ^ (iv * 19349663)
    h = (h ^ (h >> 13)) * 1274126177
    h = h ^ (h >> 16)
    rand = (h & 0xFFFF).astype(np.float32) / 65535.0
    rand2 = ((h >> 16) & 0xFFFF).astype(np.float32) / 65535.0
    share = _FLECK_SHARE_BASE + _FLECK_SHARE_PER_DENSITY * density
    present = rand < share
    # Fleck centre inside the middle half of its cell, and a small round falloff around it.
    cu, cv = 0.25 + 0.5 * rand2, 0.25 + 0.5 * rand
    dist = np.hypot(u - iu - cu, v - iv - cv)
    fleck = np.clip(1.0 - dist / _FLECK_RADIUS_CELLS, 0.0, 1.0) * present
    fleck *= 0.5 + 0.5 * rand2  # flecks vary from half to full brightness
    visible = float(smoothstep(*_FLECK_FADE_PX, np.array(width / cells)))
    return (visible * fleck + (1.0 - visible) * _SOFT_SHEEN * share).astype(np.float32)


def smooth_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a float32 (h, w) image; wide blurs run on a shrunk copy (same look, ~4× faster)."""
    factor = int(sigma // 2.5)
    if factor < 2 or min(image.shape) < 4 * factor:
        return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma)
    height, width = image.shape
    small = cv2.resize(image, (max(1, width // factor), max(1, height // factor)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=sigma / factor)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / max(edge1 - edge0, 1e-6), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def lip_depth(mask: LipMask) -> tuple[np.ndarray, np.ndarray]:
    """Per ROI pixel: (share of the way from the mouth line to the outer lip edge in [0, 1],
    distance to the outer lip edge in px), both float32 (h, w)."""
    lips_or_mouth = ((mask.alpha > 0.5) | (mask.opening > 0.05)).astype(np.uint8)
    to_edge = cv2.distanceTransform(lips_or_mouth, cv2.DIST_L2, 3)
    line = (mask.opening > 0.5).astype(np.uint8)
    if len(mask.inner_xy) >= 3:  # pressed lips have no opening: the mouth line is the inner contour itself
        cv2.polylines(line, [np.round(mask.inner_xy).astype(np.int32)], isClosed=True, color=1, thickness=1)
    to_line = cv2.distanceTransform(1 - line, cv2.DIST_L2, 3)
    depth = to_line / np.maximum(to_line + to_edge, 1e-3)
    return depth.astype(np.float32), to_edge


def ombre_liner_targets(
    mask: LipMask, shade: Shade, target: np.ndarray, width_px: float, index: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """For the ROI pixels at flat `index` (n,): target Lab (n, 3) of an ombre shade, and the liner's
    weight (n,) and Lab (3,)."""
    depth, to_edge = (array.ravel()[index] for array in lip_depth(mask))
    per_pixel = np.broadcast_to(target, (len(index), 3)).astype(np.float32)
    if shade.ombre is not None:
        inner = hex_lab(shade.ombre.inner_color)
        half = 0.5 * max(shade.ombre.feather, 0.02)
        outer_share = smoothstep(shade.ombre.inner_ratio - half, shade.ombre.inner_ratio + half, depth)
        per_pixel = inner + (per_pixel - inner) * outer_share[..., None]
    liner_weight = liner_lab = None
    if shade.liner is not None:
        line_px = max(1.0, shade.liner.width_mm / _MOUTH_WIDTH_MM * width_px)
        liner_weight = 1.0 - smoothstep(line_px - 0.5, line_px + 0.5, to_edge)
        liner_lab = hex_lab(shade.liner.color)
    return per_pixel, liner_weight, liner_lab
