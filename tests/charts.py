"""Synthetic ColorChecker Classic charts with known colours, light and tone curve, for the calibration tests."""

from __future__ import annotations

import numpy as np

from tryon.calibration import reference_linear_srgb
from tryon.colour import linear_to_srgb

_PATCH_PX, _GAP_PX, _MARGIN_PX = 80, 16, 22


def patch_boxes(size_wh: tuple[int, int] = (960, 640)) -> list[tuple[int, int]]:
    """Top-left corners of the 24 patches of `chart_picture`, row by row (dark skin first)."""
    width, height = size_wh
    x0 = (width - (6 * _PATCH_PX + 5 * _GAP_PX + 2 * _MARGIN_PX)) // 2 + _MARGIN_PX
    y0 = (height - (4 * _PATCH_PX + 3 * _GAP_PX + 2 * _MARGIN_PX)) // 2 + _MARGIN_PX
    return [(x0 + (i % 6) * (_PATCH_PX + _GAP_PX), y0 + (i // 6) * (_PATCH_PX + _GAP_PX)) for i in range(24)]


def chart_picture(
    cast: tuple[float, float, float] = (1.0, 1.0, 1.0),
    gain: float = 1.0,
    gamma: float | None = None,
    *,
    patches: np.ndarray | None = None,
    noise: float = 2.0,
) -> np.ndarray:
    """A ColorChecker Classic of the published colours (or `patches`, linear (24, 3)) on its black body in a dim
    room, lit with channel gains `cast` × `gain` (linear light), encoded by the sRGB curve or, with `gamma`, a
    plain power law, with sensor noise: RGB uint8 (640, 960, 3)."""
    truth = np.clip(reference_linear_srgb() if patches is None else patches, 0.0, 1.0)
    light = np.asarray(cast) * gain
    linear = np.full((640, 960, 3), 0.02) * light
    corners = patch_boxes()
    body = (
        corners[0][0] - _MARGIN_PX,
        corners[0][1] - _MARGIN_PX,
        corners[-1][0] + _PATCH_PX + _MARGIN_PX,
        corners[-1][1] + _PATCH_PX + _MARGIN_PX,
    )
    linear[body[1] : body[3], body[0] : body[2]] = 0.004 * light
    for (x, y), colour in zip(corners, truth, strict=True):
        linear[y : y + _PATCH_PX, x : x + _PATCH_PX] = colour * light
    linear = np.clip(linear, 0.0, 1.0)
    encoded = linear_to_srgb(linear).astype(np.float64) if gamma is None else 255.0 * linear ** (1.0 / gamma)
    noisy = encoded + np.random.default_rng(3).normal(0.0, noise, encoded.shape)
    return np.asarray(np.clip(np.round(noisy), 0, 255), dtype=np.uint8)


def patch_means(picture: np.ndarray) -> np.ndarray:
    """Mean RGB uint8 (24, 3) of the centres of `chart_picture`'s patches."""
    inset = _PATCH_PX // 4
    return (
        np.array(
            [
                picture[y + inset : y + _PATCH_PX - inset, x + inset : x + _PATCH_PX - inset]
                .reshape(-1, 3)
                .mean(axis=0)
                for x, y in patch_boxes()
            ]
        )
        .round()
        .astype(np.uint8)
    )
