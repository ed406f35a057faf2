"""Colour the lips with a shade, keeping their own texture and lighting.

All colour work happens in CIE Lab on the pixels the lip mask touches: the shade sets a* and b* and
the mean lightness, the lips' own lightness detail (creases, shading, highlights) is kept on top, and
each finish (read from `tryon.catalog.finishes`) decides how much shine, translucency and sparkle
shows. Pixels where the mask's alpha is 0 come back bit-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tryon.catalog.finishes import Finish, finish_of
from tryon.catalog.model import Shade
from tryon.colour import lab_to_rgb, rgb_to_lab
from tryon.engine.lip_patterns import hex_lab, ombre_liner_targets, smooth_blur, smoothstep, sparkle
from tryon.engine.mask import LipMask

# Typical L* of bare lips in even light; lips darker than this are taken as dimly lit and the
# shade is darkened with them (partially: darker lips are also a property of the person).
_REFERENCE_LIP_L = 55.0
_LIGHT_ADAPTATION = 0.6
_LIGHT_FACTOR_RANGE = (0.35, 1.15)  # a very dark scene still shows the colour; a bright one never bleaches it
_MAX_BRIGHTENING_L = 10.0  # bright light lifts the shade at most this many L* above its own
_MIN_ALPHA = 1.0 / 512.0  # below this a pixel would not change by one 8-bit level: not painted
_MIN_CORE_PIXELS = 4.0  # fewer fully-inside pixels than this (a tiny mouth): weigh lip statistics by alpha
# Highlights: a pixel brighter than its local mean (a blur of 9 % of the mouth width, at least 3 px)
# by 2 L* starts to count; by 16 L* it is a full highlight.
_HIGHLIGHT_BLUR_PER_WIDTH = 0.09
_HIGHLIGHT_MIN_BLUR_PX = 3.0
_HIGHLIGHT_START_L = 2.0
_HIGHLIGHT_RANGE_L = 14.0
_GLOSS_SHARPNESS = 1.5  # highlight ** this: glossy films reflect in narrow, bright peaks
_GLOSS_MAX_WHITENING = 0.6  # a highlight never loses more than this share of its chroma
# Metallic sheen: lips lit this much above their mean (the highlight blur's local mean, L*) start to
# shine, and shine fully at the upper bound: a wide lobe over the lit part of the lips.
_SHEEN_LIT_L = (0.0, 8.0)
# Flecks catch light: their brightness follows the lips' smooth shading (±20 L* = ±1) and highlights.
_FLECK_LIGHT_BASE = 0.5
_FLECK_LIGHT_RANGE_L = 20.0
_FLECK_LIGHT_LIMITS = (0.2, 1.2)
_FLECK_LIFT_L = 12.0  # a lit fleck is this much lighter than the shimmer colour in the scene's light
_FLECK_LIGHTNESS_SHARE = 0.8
_FLECK_TINT_SHARE = 0.7
_LINER_DETAIL_KEPT = 0.6  # a pencil line is matte: less of the lips' texture shows through
Lab = tuple[np.ndarray, np.ndarray, np.ndarray]  # L*, a*, b* per painted pixel, each float32 (n,)
_PIXEL = np.dtype([("r", np.uint8), ("g", np.uint8), ("b", np.uint8)])  # one RGB pixel as one array element


def shade_lab(shade: Shade) -> np.ndarray:
    """The shade colour in Lab, float32 (3,)."""
    return hex_lab(shade.color)


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else float(values.mean())


@dataclass(frozen=True)
class _LipPixels:
    """The painted pixels of one mask: flat ROI `index` (n,), their `rows`/`cols` in the ROI, `alpha` (n,),
    `lab` (n, 3) float32, the ROI's full Lab (h, w, 3); lip statistics: `core` weight (n,) of the inner
    lips, mean lightness `mean_l`, `light` factor of the scene, `mouth_width` px."""

    index: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    alpha: np.ndarray
    lab: np.ndarray
    roi_lab: np.ndarray
    core: np.ndarray
    mean_l: float
    light: float
    mouth_width: float


def _lip_pixels(frame: np.ndarray, mask: LipMask) -> _LipPixels:
    roi = frame[mask.slices]
    # The mask carries the Lab of the pixels it was made from: reused while the frame still has them.
    reuse = mask.lab is not None and mask.source is not None and np.array_equal(roi, mask.source)
    roi_lab = mask.lab if reuse and mask.lab is not None else rgb_to_lab(roi)
    index = np.flatnonzero(mask.alpha >= _MIN_ALPHA)
    rows, cols = np.divmod(index, mask.alpha.shape[1])
    alpha = np.take(mask.alpha, index)
    lab = np.take(roi_lab.reshape(-1, 3), index, axis=0)
    core = np.clip(alpha * 2.0 - 1.0, 0.0, 1.0)  # the inner lips, away from the feathered edge
    weights = core if float(core.sum()) > _MIN_CORE_PIXELS else alpha
    mean_l = _weighted_mean(lab[:, 0], weights)
    light = float(np.clip((mean_l / _REFERENCE_LIP_L) ** _LIGHT_ADAPTATION, *_LIGHT_FACTOR_RANGE))
    mouth_width = float(np.hypot(*(mask.corners_xy[1] - mask.corners_xy[0])))
    return _LipPixels(index, rows, cols, alpha, lab, roi_lab, core, mean_l, light, mouth_width)


def _base_colour(
    px: _LipPixels, finish: Finish, target: tuple[np.ndarray | float, np.ndarray | float, np.ndarray | float]
) -> Lab:
    """The shade's colour in the scene's light with the lips' own detail: new (L, a, b), each (n,)."""
    lightness, chroma_a, chroma_b = px.lab[:, 0], px.lab[:, 1], px.lab[:, 2]
    target_l, target_a, target_b = target
    base_l = np.minimum(np.multiply(target_l, px.light), np.add(target_l, _MAX_BRIGHTENING_L))
    if finish.coverage_lightness < 1.0:
        # Translucent: the lips' own lightness stays (all of its detail), shifted part of the way.
        new_l = lightness + (base_l - px.mean_l) * finish.coverage_lightness
    else:
        detail = lightness - px.mean_l  # lighting and texture of the lips themselves
        if finish.detail_kept_bright == finish.detail_kept_dark:
            new_l = base_l + detail * finish.detail_kept_bright
        else:
            new_l = base_l + np.where(detail > 0, detail * finish.detail_kept_bright, detail * finish.detail_kept_dark)
    new_a = np.zeros_like(chroma_a) + target_a
    new_b = np.zeros_like(chroma_b) + target_b
    if finish.coverage_chroma < 1.0:
        new_a = chroma_a + (new_a - chroma_a) * finish.coverage_chroma
        new_b = chroma_b + (new_b - chroma_b) * finish.coverage_chroma
    return new_l, new_a, new_b


def _highlights(px: _LipPixels) -> tuple[np.ndarray, np.ndarray]:
    """(highlight in [0, 1], local mean lightness) per painted pixel: where the lips are brighter than
    their own surroundings, which is where light reflects."""
    roi_lightness = np.ascontiguousarray(px.roi_lab[..., 0])
    sigma = max(_HIGHLIGHT_MIN_BLUR_PX, _HIGHLIGHT_BLUR_PER_WIDTH * px.mouth_width)
    local_mean = np.take(smooth_blur(roi_lightness, sigma), px.index)
    highlight = np.clip((px.lab[:, 0] - local_mean - _HIGHLIGHT_START_L) / _HIGHLIGHT_RANGE_L, 0.0, 1.0) * px.core
    return highlight, local_mean


def _add_gloss(
    colour: Lab,
    px: _LipPixels,
    shade: Shade,
    finish: Finish,
    highlight: np.ndarray,
) -> Lab:
    """Specular highlights on the lips' own bright areas, whiter than the shade."""
    new_l, new_a, new_b = colour
    strength = highlight**_GLOSS_SHARPNESS * shade.gloss
    new_l = new_l + strength * finish.highlight_gain_l * px.light
    whiten = 1.0 - np.clip(strength * finish.highlight_whitening, 0.0, _GLOSS_MAX_WHITENING)
    return new_l, new_a * whiten, new_b * whiten


def _add_metallic_sheen(colour: Lab, px: _LipPixels, finish: Finish, local_mean: np.ndarray) -> Lab:
    """Metals: stronger contrast between lit and shaded areas, and a broad sheen over the lit lips in the
    shade's own colour, lighter and more saturated (a metal's reflection is coloured, a gloss's white)."""
    new_l, new_a, new_b = colour
    shading = local_mean - px.mean_l
    new_l = new_l + shading * finish.metallic_contrast
    sheen = smoothstep(*_SHEEN_LIT_L, shading) * px.core
    new_l = new_l + sheen * finish.sheen_gain_l * px.light
    chroma = 1.0 + (finish.sheen_chroma_gain - 1.0) * sheen
    return new_l, new_a * chroma, new_b * chroma


def _add_sparkle(
    colour: Lab,
    px: _LipPixels,
    mask: LipMask,
    shade: Shade,
    highlight: np.ndarray,
    local_mean: np.ndarray,
    tint: np.ndarray,
) -> Lab:
    """Flecks fixed on the lips, lit like the lips, in the shimmer colour."""
    new_l, new_a, new_b = colour
    fleck = sparkle(mask, px.rows, px.cols, shade.shimmer_density, shade.shimmer_size) * px.core
    fleck *= np.clip(
        _FLECK_LIGHT_BASE + (local_mean - px.mean_l) / _FLECK_LIGHT_RANGE_L + highlight, *_FLECK_LIGHT_LIMITS
    )
    new_l = new_l + fleck * (tint[0] * px.light + _FLECK_LIFT_L - new_l).clip(0, None) * _FLECK_LIGHTNESS_SHARE
    new_a = new_a + (tint[1] - new_a) * fleck * _FLECK_TINT_SHARE
    new_b = new_b + (tint[2] - new_b) * fleck * _FLECK_TINT_SHARE
    return new_l, new_a, new_b


def _add_liner(colour: Lab, px: _LipPixels, weight: np.ndarray, liner_lab: np.ndarray) -> Lab:
    """A matte pencil line along the outer edge, lit like the lips."""
    new_l, new_a, new_b = colour
    detail = px.lab[:, 0] - px.mean_l
    liner_l = (
        min(float(liner_lab[0]) * px.light, float(liner_lab[0]) + _MAX_BRIGHTENING_L) + detail * _LINER_DETAIL_KEPT
    )
    new_l = new_l + (liner_l - new_l) * weight
    new_a = new_a + (liner_lab[1] - new_a) * weight
    new_b = new_b + (liner_lab[2] - new_b) * weight
    return new_l, new_a, new_b


def _blend_into(out: np.ndarray, mask: LipMask, px: _LipPixels, colour: Lab, weight: float) -> None:
    """lab + (painted − lab) × alpha × `weight`, converted to RGB and written to the mask's pixels of `out`."""
    new_l, new_a, new_b = colour
    blended = np.empty_like(px.lab)
    blended[:, 0], blended[:, 1], blended[:, 2] = np.clip(new_l, 0.0, 100.0), new_a, new_b
    blended -= px.lab
    blended *= (px.alpha * np.float32(weight))[:, None]
    blended += px.lab
    rgb = lab_to_rgb(blended)
    if out.flags.c_contiguous:  # np.put of whole pixels at flat frame indices: ~3× faster than out[rows, cols] = …
        y0, _, x0, _ = mask.roi
        flat = (px.rows + y0) * out.shape[1] + (px.cols + x0)
        np.put(out.view(_PIXEL).reshape(-1), flat, rgb.view(_PIXEL).reshape(-1))
    else:
        out[mask.slices][px.rows, px.cols] = rgb


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
    finish = finish_of(shade.finish)
    px = _lip_pixels(frame, mask)
    liner_weight = liner_lab = None
    target: tuple[np.ndarray | float, np.ndarray | float, np.ndarray | float]
    if shade.ombre is not None or shade.liner is not None:
        per_pixel, liner_weight, liner_lab = ombre_liner_targets(
            mask, shade, shade_lab(shade), px.mouth_width, px.index
        )
        target = (per_pixel[:, 0], per_pixel[:, 1], per_pixel[:, 2])
    else:
        target_l, target_a, target_b = (float(x) for x in shade_lab(shade))
        target = (target_l, target_a, target_b)

    colour = _base_colour(px, finish, target)
    if shade.gloss > 0 or finish.sparkles:
        highlight, local_mean = _highlights(px)
    tint = hex_lab(shade.shimmer_color)  # shimmer flecks and metallic sheen
    if shade.gloss > 0:
        colour = _add_gloss(colour, px, shade, finish, highlight)
    if finish.sheen_gain_l > 0 or finish.metallic_contrast > 0:
        colour = _add_metallic_sheen(colour, px, finish, local_mean)
    if finish.sparkles and shade.shimmer_density > 0:
        colour = _add_sparkle(colour, px, mask, shade, highlight, local_mean, tint)
    if liner_weight is not None and liner_lab is not None:
        colour = _add_liner(colour, px, liner_weight, liner_lab)
    _blend_into(out, mask, px, colour, shade.opacity * intensity)
    return out
