"""Colour the lips with a shade, keeping their own texture and lighting.

All colour work happens in CIE Lab on the lip ROI only: the shade sets a* and b* and the mean
lightness, the lips' own lightness detail (creases, shading, highlights) is kept on top. Pixels
where the mask's alpha is 0 come back bit-identical.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from tryon.catalog.model import Shade, hex_to_rgb
from tryon.colour import lab_to_rgb, rgb_to_lab
from tryon.engine.mask import LipMask

# Typical L* of bare lips in even light; lips darker than this are taken as dimly lit and the
# shade is darkened with them (partially: darker lips are also a property of the person).
_REFERENCE_LIP_L = 55.0
_LIGHT_ADAPTATION = 0.6
_MIN_ALPHA = 1.0 / 512.0
# Shimmer: sparkle cells per mouth width; a cell holds at most one fleck.
_SHIMMER_CELLS_PER_WIDTH = 70.0
_MOUTH_WIDTH_MM = 50.0  # an adult mouth, corner to corner: turns liner widths in mm into pixels
_PIXEL = np.dtype([("r", np.uint8), ("g", np.uint8), ("b", np.uint8)])  # one RGB pixel as one array element


def shade_lab(shade: Shade) -> np.ndarray:
    """The shade colour in Lab, float32 (3,)."""
    return _hex_lab(shade.color)


@functools.lru_cache(maxsize=512)
def _hex_lab(color: str) -> np.ndarray:
    """Lab of an sRGB hex colour (cached: shades are few, frames many). Read-only float32 (3,)."""
    lab = rgb_to_lab(np.array(hex_to_rgb(color), dtype=np.uint8))
    lab.setflags(write=False)
    return lab


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else float(values.mean())


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


def _sparkle(mask: LipMask, rows: np.ndarray, cols: np.ndarray, density: float, size: float = 1.0) -> np.ndarray:
    """Fine flecks fixed in lip coordinates at the ROI pixels (`rows`, `cols`): float32 in [0, 1], the
    same on every frame for the same lips.

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
    present = rand < 0.12 + 0.4 * density
    # Fleck centre inside its cell, and a small round falloff around it.
    cu, cv = 0.25 + 0.5 * rand2, 0.25 + 0.5 * rand
    dist = np.hypot(u - iu - cu, v - iv - cv)
    radius = max(0.18, 0.6 / max(1.0, width / cells))  # at least ~0.6 px wide on small mouths
    fleck = np.clip(1.0 - dist / radius, 0.0, 1.0) * present
    return (fleck * (0.5 + 0.5 * rand2)).astype(np.float32)


def smooth_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a float32 (h, w) image; wide blurs run on a shrunk copy (same look, ~4× faster)."""
    factor = int(sigma // 2.5)
    if factor < 2 or min(image.shape) < 4 * factor:
        return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma)
    height, width = image.shape
    small = cv2.resize(image, (max(1, width // factor), max(1, height // factor)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=sigma / factor)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
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


def _ombre_liner_targets(
    mask: LipMask, shade: Shade, target: np.ndarray, width_px: float, index: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """For the ROI pixels at flat `index` (n,): target Lab (n, 3) of an ombre shade, and the liner's
    weight (n,) and Lab (3,)."""
    depth, to_edge = (array.ravel()[index] for array in lip_depth(mask))
    per_pixel = np.broadcast_to(target, (len(index), 3)).astype(np.float32)
    if shade.ombre is not None:
        inner = _hex_lab(shade.ombre.inner_color)
        half = 0.5 * max(shade.ombre.feather, 0.02)
        outer_share = _smoothstep(shade.ombre.inner_ratio - half, shade.ombre.inner_ratio + half, depth)
        per_pixel = inner + (per_pixel - inner) * outer_share[..., None]
    liner_weight = liner_lab = None
    if shade.liner is not None:
        line_px = max(1.0, shade.liner.width_mm / _MOUTH_WIDTH_MM * width_px)
        liner_weight = 1.0 - _smoothstep(line_px - 0.5, line_px + 0.5, to_edge)
        liner_lab = _hex_lab(shade.liner.color)
    return per_pixel, liner_weight, liner_lab


def apply_shade(
    frame: np.ndarray, mask: LipMask, shade: Shade, *, intensity: float = 1.0, out: np.ndarray | None = None
) -> np.ndarray:
    """Return a copy of `frame` with the lips under `mask` coloured by `shade`.

    Only the pixels the mask touches are converted and painted (about a quarter of its ROI).

    Args:
        frame: RGB uint8 (H, W, 3). Not modified (unless it is `out`).
        mask: lip alpha over an ROI of `frame`.
        shade: colour and finish.
        intensity: 0 (no lipstick) to 1 (the shade's full opacity).
        out: paint into this array (same shape; may be `frame` itself) instead of a new copy, so
            several faces share one full-frame copy; only the mask's ROI is written.
    Returns:
        RGB uint8 (H, W, 3) (`out` if given); identical to `frame` wherever the mask's alpha is 0.
    """
    if not 0.0 <= intensity <= 1.0:
        raise ValueError(f"intensity must be in [0, 1], but got {intensity}")
    out = frame.copy() if out is None else out
    if intensity == 0.0 or mask.alpha.size == 0 or float(mask.alpha.max()) < _MIN_ALPHA:
        return out
    roi = frame[mask.slices]
    # The mask carries the Lab of the pixels it was made from: reused while the frame still has them.
    reuse = mask.lab is not None and np.array_equal(roi, mask.source)
    roi_lab = mask.lab if reuse else rgb_to_lab(roi)
    index = np.flatnonzero(mask.alpha >= _MIN_ALPHA)  # the pixels to paint, as flat ROI indices
    rows, cols = np.divmod(index, mask.alpha.shape[1])
    alpha = np.take(mask.alpha, index)
    lab = np.take(roi_lab.reshape(-1, 3), index, axis=0)
    lightness, chroma_a, chroma_b = lab[:, 0], lab[:, 1], lab[:, 2]
    core = np.clip(alpha * 2.0 - 1.0, 0.0, 1.0)  # the inner lips, away from the feathered edge
    weights = core if float(core.sum()) > 4 else alpha
    mean_l = _weighted_mean(lightness, weights)
    mouth_width = float(np.hypot(*(mask.corners_xy[1] - mask.corners_xy[0])))
    liner_weight = liner_lab = None
    if shade.ombre is not None or shade.liner is not None:
        target, liner_weight, liner_lab = _ombre_liner_targets(mask, shade, shade_lab(shade), mouth_width, index)
        target_l, target_a, target_b = target[:, 0], target[:, 1], target[:, 2]
    else:
        target_l, target_a, target_b = (float(x) for x in shade_lab(shade))

    # Dim light → dim lipstick; bright light brightens a little, never past the shade's own L + 10.
    light = float(np.clip((mean_l / _REFERENCE_LIP_L) ** _LIGHT_ADAPTATION, 0.35, 1.15))
    base_l = np.minimum(target_l * light, target_l + 10.0)
    detail = lightness - mean_l  # lighting and texture of the lips themselves

    # Smooth lightness (lighting) vs fine detail (texture); highlights are where the lips are
    # already brighter than their surroundings on the lip.
    finish = shade.finish
    sparkles = finish in ("shimmer", "metallic")
    if shade.gloss > 0 or sparkles:
        roi_lightness = np.ascontiguousarray(roi_lab[..., 0])
        local_mean = np.take(smooth_blur(roi_lightness, max(3.0, 0.09 * mouth_width)), index)
        highlight = np.clip((lightness - local_mean - 2.0) / 14.0, 0.0, 1.0) * core
    tint = _hex_lab(shade.shimmer_color)  # shimmer and metallic sheen
    if finish == "matte":
        # Flatten shine: compress positive detail (bright spots), keep the creases.
        new_l = base_l + np.where(detail > 0, detail * 0.45, detail * 0.9)
    elif finish == "sheer":
        # Translucent: own lightness stays mostly, shifted part of the way toward the shade.
        new_l = lightness + (base_l - mean_l) * 0.45
    else:
        new_l = base_l + detail * 0.95
    new_a = np.zeros_like(chroma_a) + target_a
    new_b = np.zeros_like(chroma_b) + target_b
    if finish == "sheer":
        new_a = chroma_a + (new_a - chroma_a) * 0.75
        new_b = chroma_b + (new_b - chroma_b) * 0.75

    if shade.gloss > 0:
        # Specular highlights follow the lips' own bright areas; light reflected off gloss is
        # whiter, so highlights lose chroma.
        strength = highlight**1.5 * shade.gloss
        gain = {"satin": 14.0, "gloss": 34.0, "sheer": 24.0, "shimmer": 18.0, "metallic": 28.0}[finish]
        new_l = new_l + strength * gain * light
        desaturate = 1.0 - np.clip(strength * 0.8, 0.0, 0.6)
        new_a, new_b = new_a * desaturate, new_b * desaturate
    if finish == "metallic":
        # Metals: stronger contrast between lit and shaded areas, tinted by the shimmer colour.
        smooth_detail = local_mean - mean_l
        new_l = new_l + smooth_detail * 0.35
        sheen = np.clip(highlight * 1.5, 0.0, 1.0) * 0.5
        new_a = new_a + (tint[1] - new_a) * sheen
        new_b = new_b + (tint[2] - new_b) * sheen
    if sparkles and shade.shimmer_density > 0:
        fleck = _sparkle(mask, rows, cols, shade.shimmer_density, shade.shimmer_size) * core
        # Flecks catch light: brighter where the lips are lit.
        fleck *= np.clip(0.5 + (local_mean - mean_l) / 20.0 + highlight, 0.2, 1.2)
        new_l = new_l + fleck * (tint[0] * light + 12.0 - new_l).clip(0, None) * 0.8
        new_a = new_a + (tint[1] - new_a) * fleck * 0.7
        new_b = new_b + (tint[2] - new_b) * fleck * 0.7

    if liner_weight is not None:
        # Liner: a matte pencil line along the outer edge, lit like the lips.
        liner_l = min(float(liner_lab[0]) * light, float(liner_lab[0]) + 10.0) + detail * 0.6
        new_l = new_l + (liner_l - new_l) * liner_weight
        new_a = new_a + (liner_lab[1] - new_a) * liner_weight
        new_b = new_b + (liner_lab[2] - new_b) * liner_weight
    # lab + (painted - lab) × alpha × opacity, in place in one (n, 3) buffer.
    blended = np.empty_like(lab)
    blended[:, 0], blended[:, 1], blended[:, 2] = np.clip(new_l, 0.0, 100.0), new_a, new_b
    blended -= lab
    blended *= (alpha * np.float32(shade.opacity * intensity))[:, None]
    blended += lab
    rgb = lab_to_rgb(blended)
    if out.flags.c_contiguous:  # np.put of whole pixels at flat frame indices: ~3× faster than out[rows, cols] = …
        y0, _, x0, _ = mask.roi
        np.put(out.view(_PIXEL).reshape(-1), (rows + y0) * out.shape[1] + (cols + x0), rgb.view(_PIXEL).reshape(-1))
    else:
        out[mask.slices][rows, cols] = rgb
    return out


def naive_blend(frame: np.ndarray, polygon_xy: np.ndarray, shade: Shade, *, intensity: float = 1.0) -> np.ndarray:
    """What open-source demos do: fill the lip polygon flat over a full-frame copy and `addWeighted`.

    The baseline the benchmark compares against; not used by the product.
    """
    overlay = frame.copy()
    cv2.fillPoly(overlay, [np.round(polygon_xy).astype(np.int32)], shade.rgb)
    weight = shade.opacity * intensity
    return cv2.addWeighted(overlay, weight, frame, 1.0 - weight, 0.0)
