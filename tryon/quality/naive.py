"""The baseline the benchmark compares against: what open-source try-on demos do (not used by the product)."""

from __future__ import annotations

import cv2
import numpy as np

from tryon.catalog.model import Shade


def naive_blend(frame: np.ndarray, polygon_xy: np.ndarray, shade: Shade, *, intensity: float = 1.0) -> np.ndarray:
    """Fill the lip polygon (float32 (N, 2) px) flat over a full-frame copy of RGB uint8 `frame` and
    `addWeighted` it at the shade's opacity × `intensity`; RGB uint8 (H, W, 3)."""
    overlay = frame.copy()
    cv2.fillPoly(overlay, [np.round(polygon_xy).astype(np.int32)], shade.rgb)
    weight = shade.opacity * intensity
    return cv2.addWeighted(overlay, weight, frame, 1.0 - weight, 0.0)
