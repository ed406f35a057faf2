"""Colour conversions and ΔE2000, vectorised over numpy arrays."""

from __future__ import annotations

import cv2
import numpy as np


def rgb_to_lab(rgb_u8: np.ndarray) -> np.ndarray:
    """sRGB uint8 (..., 3) → float32 CIE Lab (D65): L in 0–100, a/b roughly −128–127."""
    rgb = np.asarray(rgb_u8, dtype=np.uint8)
    # One row, not one column: OpenCV splits work by rows, and (N, 1, 3) made it ~4× slower.
    flat = rgb.reshape(1, -1, 3).astype(np.float32) * np.float32(1.0 / 255.0)
    return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab).reshape(rgb.shape)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """float32 Lab (..., 3) → sRGB uint8, rounded and clipped."""
    lab = np.asarray(lab, dtype=np.float32)
    rgb = cv2.cvtColor(lab.reshape(1, -1, 3), cv2.COLOR_Lab2RGB)
    np.maximum(rgb, 0.0, out=rgb)  # out-of-gamut colours come back slightly negative
    return cv2.convertScaleAbs(rgb, alpha=255.0).reshape(lab.shape)  # rounds and saturates at 255


def delta_e_2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference of Lab arrays (..., 3) → float64 (...). 1 ≈ just noticeable."""
    l1, a1, b1 = (np.asarray(lab1, dtype=np.float64)[..., i] for i in range(3))
    l2, a2, b2 = (np.asarray(lab2, dtype=np.float64)[..., i] for i in range(3))
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    c_mean7 = ((c1 + c2) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(c_mean7 / (c_mean7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dlp, dcp = l2 - l1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dhp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lp_mean = (l1 + l2) / 2
    cp_mean = (c1p + c2p) / 2
    hsum = h1p + h2p
    hp_mean = np.where(
        c1p * c2p == 0,
        hsum,
        np.where(np.abs(h1p - h2p) <= 180, hsum / 2, np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2)),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(hp_mean - 30))
        + 0.24 * np.cos(np.radians(2 * hp_mean))
        + 0.32 * np.cos(np.radians(3 * hp_mean + 6))
        - 0.20 * np.cos(np.radians(4 * hp_mean - 63))
    )
    d_theta = 30 * np.exp(-(((hp_mean - 275) / 25) ** 2))
    cp7 = cp_mean**7
    r_c = 2 * np.sqrt(cp7 / (cp7 + 25.0**7))
    s_l = 1 + 0.015 * (lp_mean - 50) ** 2 / np.sqrt(20 + (lp_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    squared = (dlp / s_l) ** 2 + (dcp / s_c) ** 2 + (dhp / s_h) ** 2 + r_t * (dcp / s_c) * (dhp / s_h)
    return np.sqrt(np.asarray(squared, dtype=np.float64))


def srgb_to_linear(rgb_u8: np.ndarray) -> np.ndarray:
    """sRGB uint8 (..., 3) → linear-light RGB float64 in [0, 1] (the IEC 61966-2-1 transfer curve)."""
    v = np.asarray(rgb_u8, dtype=np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """Linear-light values, any float → sRGB-encoded float64 in [0, 1], clipped to [0, 1] first (the IEC 61966-2-1
    transfer curve; `linear_to_srgb` without the 8-bit step)."""
    v = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.asarray(np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055), dtype=np.float64)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear-light RGB (..., 3), any float → sRGB uint8, clipped to [0, 1] first (over-exposure saturates)."""
    return np.round(srgb_encode(linear) * 255.0).astype(np.uint8)


def linear_to_lab(linear: np.ndarray) -> np.ndarray:
    """Linear-light RGB (..., 3) in [0, 1] → float64 CIE Lab (D65), like `rgb_to_lab` without the 8-bit step."""
    flat = np.clip(np.asarray(linear, dtype=np.float32), 0.0, 1.0).reshape(1, -1, 3)
    return cv2.cvtColor(flat, cv2.COLOR_LRGB2Lab).reshape(np.shape(linear)).astype(np.float64)


def hue_deg(lab: np.ndarray) -> np.ndarray:
    """Hue angle h_ab of Lab (..., 3) in degrees, [0, 360)."""
    lab = np.asarray(lab, dtype=np.float64)
    return np.asarray(np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360.0, dtype=np.float64)


def chroma(lab: np.ndarray) -> np.ndarray:
    """Chroma C*_ab of Lab (..., 3)."""
    lab = np.asarray(lab, dtype=np.float64)
    return np.asarray(np.hypot(lab[..., 1], lab[..., 2]), dtype=np.float64)
