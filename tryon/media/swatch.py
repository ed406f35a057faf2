"""The swatch chip of a shade, drawn once for every place that shows one (swatch sheets, the app's shade list)."""

from __future__ import annotations

import functools

import numpy as np

from tryon.catalog.finishes import finish_of
from tryon.catalog.model import Shade
from tryon.engine.face import Face
from tryon.engine.mask import LipMask, lip_mask
from tryon.engine.render import apply_shade
from tryon.media.sources import DEMO_FACE_PATH, read_image
from tryon.resources import bundled_path

# The demo face's landmarks, stored so "on lips" swatches need no MediaPipe (docs/make_reference_lips.py).
REFERENCE_LANDMARKS_PATH = bundled_path("assets/demo/astronaut.landmarks.json")
ON_LIPS_WH = (56, 28)  # the app's "on lips" swatch, beside a 28 px chip
DEFAULT_INTENSITY = 0.85  # the app's intensity until the user moves it

ICON_SIZE_PX = 28  # the app's shade list


@functools.lru_cache(maxsize=100_000)
def chip(shade: Shade, size: int = 56) -> np.ndarray:
    """A round swatch chip, RGBA uint8 (size, size, 4), read-only: the colour, an ombre's centre, a
    liner's ring, the finish's highlight and sparkle flecks. Cached per shade and size (~0.3 ms to draw)."""
    from PIL import Image, ImageDraw

    scale = 4
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    pad = 2 * scale
    draw.ellipse((pad, pad, big - pad, big - pad), fill=shade.rgb + (255,), outline=(0, 0, 0, 60), width=scale)
    if shade.ombre is not None:
        inset = big * 0.3
        draw.ellipse((inset, inset, big - inset, big - inset), fill=shade.ombre.inner_rgb + (255,))
    if shade.liner is not None:
        draw.ellipse((pad, pad, big - pad, big - pad), outline=shade.liner.rgb + (255,), width=4 * scale)
    finish = finish_of(shade.finish)
    if finish.chip_highlight_alpha > 0:
        draw.ellipse(
            (big * 0.25, big * 0.18, big * 0.52, big * 0.36), fill=(255, 255, 255, finish.chip_highlight_alpha)
        )
    if finish.sparkles:
        rng = np.random.default_rng(7)
        for x, y in rng.uniform(0.25, 0.75, size=(14, 2)) * big:
            draw.ellipse((x - scale, y - scale, x + scale, y + scale), fill=shade.shimmer_rgb + (230,))
    rgba = np.array(image.resize((size, size), Image.Resampling.LANCZOS))
    rgba.setflags(write=False)  # cached and shared: callers copy before changing it
    return rgba


@functools.cache
def reference_lips() -> tuple[np.ndarray, LipMask, tuple[int, int, int, int]]:
    """The bundled demo face (RGB uint8, read-only), its lip mask and a 2:1 crop (x0, y0, x1, y1) of its mouth."""
    import json

    points = np.array(json.loads(REFERENCE_LANDMARKS_PATH.read_text(encoding="utf-8"))["points_xy"], np.float32)
    face = Face(points=points)
    outer = face.lips_outer
    cx, cy = (outer.min(axis=0) + outer.max(axis=0)) / 2
    half_w = 0.62 * face.lips_width_px  # the mouth with a little skin around it
    # Keep only the mouth's neighbourhood (a render then copies a few thousand pixels, not the portrait).
    left, top = int(cx - 2 * half_w), int(cy - 2 * half_w)
    image = np.ascontiguousarray(read_image(DEMO_FACE_PATH)[top : int(cy + 2 * half_w), left : int(cx + 2 * half_w)])
    image.setflags(write=False)
    face = face.translated((-float(left), -float(top)))
    box = (int(cx - half_w) - left, int(cy - half_w / 2) - top, int(cx + half_w) - left, int(cy + half_w / 2) - top)
    return image, lip_mask(image, face), box


@functools.lru_cache(maxsize=100_000)
def on_lips(shade: Shade, intensity: float = 1.0, size_wh: tuple[int, int] = ON_LIPS_WH) -> np.ndarray:
    """The shade rendered by the engine on the reference lips at its catalog opacity × `intensity`: RGB uint8
    (h, w, 3), read-only, cached. What a shopper's lips will look like, beside the bullet colour of `chip`."""
    import cv2

    image, mask, (x0, y0, x1, y1) = reference_lips()
    painted = apply_shade(image, mask, shade, intensity=intensity)
    crop = cv2.resize(painted[y0:y1, x0:x1], size_wh, interpolation=cv2.INTER_AREA)
    crop.setflags(write=False)
    return crop


def chip_and_lips_wh(height: int) -> tuple[int, int]:
    """Size (w, h) of `chip_and_lips` at `height`."""
    return 3 * height + max(2, height // 7), height


def chip_and_lips(shade: Shade, intensity: float = 1.0, height: int = ON_LIPS_WH[1]) -> np.ndarray:
    """The bullet chip and the "on lips" swatch side by side, RGBA uint8 (height, 3 × height + gap, 4)."""
    width, _ = chip_and_lips_wh(height)
    out = np.zeros((height, width, 4), np.uint8)
    out[:, :height] = chip(shade, height)
    out[:, width - 2 * height :, :3] = on_lips(shade, intensity, (2 * height, height))
    out[:, width - 2 * height :, 3] = 255
    return out


@functools.lru_cache(maxsize=100_000)
def on_lips_lab(shade: Shade, intensity: float = DEFAULT_INTENSITY) -> tuple[float, float, float]:
    """The colour the shade shows on the reference lips: median CIE Lab of the fully covered lip pixels as the
    engine renders them (opacity × `intensity`, finish effects included). ~0.3 ms, cached."""
    from tryon.colour import rgb_to_lab

    image, mask, _ = reference_lips()
    painted = apply_shade(image, mask, shade, intensity=intensity)
    y0, y1, x0, x1 = mask.roi
    lab = rgb_to_lab(painted[y0:y1, x0:x1][mask.alpha > 0.9]).astype(np.float64)
    median = np.median(lab, axis=0)
    return float(median[0]), float(median[1]), float(median[2])


@functools.cache
def reference_lip_lab() -> tuple[float, float, float]:
    """The bare reference lips' median CIE Lab (the lips `on_lips_lab` paints)."""
    from tryon.colour import rgb_to_lab

    image, mask, _ = reference_lips()
    y0, y1, x0, x1 = mask.roi
    median = np.median(rgb_to_lab(image[y0:y1, x0:x1][mask.alpha > 0.9]).astype(np.float64), axis=0)
    return float(median[0]), float(median[1]), float(median[2])
