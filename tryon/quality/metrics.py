"""Accuracy metrics of lip masks and renders against human ground truth. Masks are bool (H, W)."""

from __future__ import annotations

import cv2
import numpy as np

from tryon.colour import delta_e_2000, rgb_to_lab
from tryon.engine.mask import disk

SPILL_DELTA_E = 3.0


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """Intersection over union of two bool masks; 1.0 when both are empty."""
    union = np.logical_or(pred, truth).sum()
    return float(np.logical_and(pred, truth).sum() / union) if union else 1.0


def _boundary(mask: np.ndarray) -> np.ndarray:
    mask_u8 = mask.astype(np.uint8)
    return mask_u8 - cv2.erode(mask_u8, disk(1)) > 0


def boundary_f(pred: np.ndarray, truth: np.ndarray, *, tolerance_px: int = 2) -> float:
    """Boundary F-score: harmonic mean of the share of predicted boundary pixels within
    `tolerance_px` of the true boundary (precision) and vice versa (recall)."""
    pred_edge, true_edge = _boundary(pred), _boundary(truth)
    if not pred_edge.any() and not true_edge.any():
        return 1.0
    if not pred_edge.any() or not true_edge.any():
        return 0.0
    kernel = disk(tolerance_px)
    near_true = cv2.dilate(true_edge.astype(np.uint8), kernel) > 0
    near_pred = cv2.dilate(pred_edge.astype(np.uint8), kernel) > 0
    precision = float((pred_edge & near_true).sum() / pred_edge.sum())
    recall = float((true_edge & near_pred).sum() / true_edge.sum())
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def changed(before: np.ndarray, after: np.ndarray, *, threshold: float = SPILL_DELTA_E) -> np.ndarray:
    """bool (H, W): where two RGB uint8 images differ by more than `threshold` ΔE2000."""
    differs = np.any(before != after, axis=-1)
    out = np.zeros(before.shape[:2], dtype=bool)
    if differs.any():
        out[differs] = delta_e_2000(rgb_to_lab(before[differs]), rgb_to_lab(after[differs])) > threshold
    return out


def teeth_spill(
    before: np.ndarray, after: np.ndarray, mouth: np.ndarray, lips: np.ndarray, *, margin_px: int = 2
) -> float:
    """Share of inner-mouth pixels farther than `margin_px` from the true lips that the render
    changed by more than ΔE2000 3. NaN when there are no such pixels (closed mouth)."""
    near_lips = cv2.dilate(lips.astype(np.uint8), disk(margin_px)) > 0
    region = mouth & ~near_lips
    if not region.any():
        return float("nan")
    return float(changed(before, after)[region].mean())


def skin_spill(
    before: np.ndarray, after: np.ndarray, lips: np.ndarray, mouth: np.ndarray, *, margin_px: int = 3
) -> float:
    """Pixels changed (ΔE2000 > 3) outside the true lips dilated by `margin_px` and outside the
    mouth, as a share of the true lip area."""
    near_lips = cv2.dilate(lips.astype(np.uint8), disk(margin_px)) > 0
    region = ~near_lips & ~mouth
    area = int(lips.sum())
    return float((changed(before, after) & region).sum() / area) if area else 0.0


def texture_correlation(before: np.ndarray, after: np.ndarray, region: np.ndarray, *, sigma_px: float = 2.0) -> float:
    """Pearson correlation of high-passed L* (L minus its Gaussian blur) before vs after, inside
    `region`. 1 means the lips' fine texture survived untouched."""
    l_before = rgb_to_lab(before)[..., 0].astype(np.float32)
    l_after = rgb_to_lab(after)[..., 0].astype(np.float32)
    hp_before = (l_before - cv2.GaussianBlur(l_before, (0, 0), sigma_px))[region]
    hp_after = (l_after - cv2.GaussianBlur(l_after, (0, 0), sigma_px))[region]
    if hp_before.size < 2 or hp_before.std() == 0 or hp_after.std() == 0:
        return float("nan")
    return float(np.corrcoef(hp_before, hp_after)[0, 1])
