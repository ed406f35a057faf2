"""Measure a face's colours: skin (cheeks + forehead) and natural lip colour in CIE Lab, skin depth (ITA°),
undertone, and how far the light can be trusted.

Per frame, `sample_face` reads robust linear-light colours of the skin regions (their body colour, under any
flash sheen), the lips, the whites of the eyes (the reference) and the face's brightest pixels; `measure_face`
pools the frames, white-balances and exposes them so that the eye whites come out at a typical sclera colour —
but brightens only as far as the face's own highlights allow (eye whites read dim when shaded or pigmented, which
is commoner in deeper skin; trusting them brightened deep skin into "light") — and converts to Lab. Everything is
read from landmarks: no segmentation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

from tryon.calibration import Calibration
from tryon.colour import chroma, hue_deg, linear_to_lab, rgb_to_lab, srgb_to_linear
from tryon.engine.face import Face, check_frame
from tryon.errors import TryonError

Undertone = Literal["warm", "neutral", "cool", "unsure"]

# MediaPipe face-mesh indices. Each region is the convex hull of its points, kept clear of brows, eyes,
# nostrils, the lips and the jaw line (where the background or a beard starts).
LEFT_CHEEK = (117, 118, 119, 100, 126, 209, 49, 129, 203, 205, 50, 123)
RIGHT_CHEEK = (346, 347, 348, 329, 355, 429, 279, 358, 423, 425, 280, 352)
FOREHEAD = (108, 151, 337, 336, 9, 107)
# Eye contours (lid margins) and iris points (centre first, then four on the iris edge).
RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
RIGHT_IRIS = (468, 469, 470, 471, 472)
LEFT_IRIS = (473, 474, 475, 476, 477)

# Pixels further than this many robust spreads (1.4826 × MAD) from their region's median L* are
# highlights or shadows; further in a*/b* they are hair, brows, make-up or background.
_LIGHTNESS_SPREADS = 2.5
_COLOUR_SPREADS = 3.0
_CLIPPED_U8 = 250  # a channel at or above this is saturated: its colour is not the skin's
# The skin's body colour: the median of the pixels between these percentiles of L*. Flash and window light put a
# sheen on foreheads and cheekbones that lifts the upper half (a plain median read the deep faces of
# ../shared/tones 7-9 degrees ITA lighter); the lowest quarter is shadow under the cheekbones and brows.
_BODY_PERCENTILES = (25.0, 50.0)
_MIN_SKIN_PIXELS = 150
# Fewer usable skin pixels than this (a face narrower than ~120 px) lowers the confidence: JPEG blocks and
# noise start to dominate the medians. (The astronaut's 180 px face gives ~860.)
_SMALL_FACE_SKIN_PIXELS = 400
_MIN_REFERENCE_PIXELS = 12
_IRIS_CLEARANCE = 1.25  # iris radius multiplier: the limbus is blurred, keep out of it
# The sclera reference: the clearest share of the pixels between lids and iris, from eyes at least this
# wide (px) and open (lid gap over eye width).
_REFERENCE_TOP_PERCENT = 30.0
_MIN_EYE_WIDTH_PX = 14.0
_MIN_EYE_OPENING = 0.22

# Where the eye whites should land after correction, linear RGB: the median of the 20 fully trusted
# eye-white readings among the 34 colour photos of shared/eval (studio and press photos, mostly well
# exposed), L* 75, a* 9, b* 6 — eye whites are shaded by the lids and slightly pink, not paper-white.
SCLERA_TARGET_LINEAR = np.array([0.605, 0.447, 0.423])
# An eye-white reading counts fully from L* = 54 and C* = 20 and not at all below L* 42 or above C* 32
# (a mild colour cast adds 5–8 to an eye white's C*; shaded or pigmented whites read dark and pink).
_REFERENCE_MIN_L = 42.0
_REFERENCE_FADE_L = 12.0
_REFERENCE_MAX_C = 32.0
_REFERENCE_FADE_C = 12.0
# ... and only when not much darker than the skin's median: eye whites sit deeper than the cheeks and
# read up to ~10 L* darker in studio light; 18 L* darker is a shaded or squinting eye (no trust).
_REFERENCE_BELOW_SKIN_L = 18.0
_REFERENCE_FADE_SKIN_L = 8.0
# The face's highlights (the 99.5th percentile of its pixels' brightest channel, linear light: eye whites, teeth,
# the sheen of skin) may be brightened up to this and no further: a correction that would push them past it
# is one the picture does not support (the eye whites were shaded or pigmented, not the light dim).
_HIGHLIGHT_PERCENTILE = 99.5
_HIGHLIGHT_TARGET = 0.95
# Over-exposure beyond this (the eye whites asking to darken by more) has compressed the skin's colours along
# the camera's tone curve: a linear correction restores them only in part, so confidence falls with it.
_OVEREXPOSED = 1.25
# Corrections larger than these are not trusted: confidence drops, and the gain is clamped.
_MAX_EXPOSURE_GAIN = 2.0
_MAX_CHANNEL_TILT = 1.35  # per-channel white-balance ratio
# Undertone from the corrected skin hue angle h_ab: pinker below, yellower above (degrees). Relative, not
# absolute: the bounds split the 14 shared/eval faces measured with confidence ≥ 0.75 (hues 34–55°) into
# 4 cool, 6 neutral and 4 warm.
COOL_BELOW_DEG = 40.0
WARM_ABOVE_DEG = 46.0
# Below this confidence a measurement is reported as uncertain (a light that was not checked alone
# brings it there).
CONFIDENT = 0.6
_UNCHECKED = 0.55
# When the light's colour could not be checked or corrected well enough (the product of those confidence
# factors below this), the undertone is reported as "unsure" instead of guessed.
MIN_TRUST_FOR_UNDERTONE = 0.55
MIN_CONFIDENCE_FOR_UNDERTONE = 0.3  # ... and when the light is poor in any other way
_COLOURLESS_SKIN_CHROMA = 2.0  # skin this grey before any correction: a black-and-white picture (real skin: C* 10-30)


@dataclass(frozen=True)
class FaceSample:
    """One frame's readings, linear-light RGB float64 (3,) means in [0, 1].

    `reference_linear` is the eye whites' mean (None when not seen); `highlight_linear` the face's bright end
    (`_HIGHLIGHT_PERCENTILE` of its pixels' largest channel, linear, in [0, 1]); `cheek_lightness` the two
    cheeks' median L* (for side light); `clipped_share` the share of skin pixels with a saturated channel.
    """

    skin_linear: np.ndarray = field(repr=False)
    lip_linear: np.ndarray = field(repr=False)
    reference_linear: np.ndarray | None = field(repr=False)
    highlight_linear: float
    cheek_lightness: tuple[float, float]
    skin_pixels: int
    clipped_share: float


@dataclass(frozen=True)
class FaceColours:
    """A face's measured colours after light correction.

    `skin_lab`, `lip_lab`: CIE Lab (D65) tuples. `ita_deg`: individual typology angle,
    atan((L* − 50) / b*) in degrees (> 55 very light … < −30 dark). `undertone` from the skin's hue angle
    `skin_hue_deg`. `confidence` in [0, 1] with `light_notes`: what lowered it, in words for the shopper.
    `depth` is the ITA° class name. `frames` is how many frames were pooled.
    """

    skin_lab: tuple[float, float, float]
    lip_lab: tuple[float, float, float]
    ita_deg: float
    skin_hue_deg: float
    undertone: Undertone
    depth: str
    confidence: float
    light_notes: tuple[str, ...]
    frames: int
    exposure_gain: float
    white_balance: tuple[float, float, float]
    calibration: str | None = None  # "camera, date" of the chart the colours were corrected by, if any

    def to_json(self) -> dict[str, object]:
        return {
            "ita_deg": round(self.ita_deg, 1),
            "depth": self.depth,
            "undertone": self.undertone,
            "skin_hue_deg": round(self.skin_hue_deg, 1),
            "skin_lab": [round(v, 1) for v in self.skin_lab],
            "lip_lab": [round(v, 1) for v in self.lip_lab],
            "confidence": round(self.confidence, 2),
            "light_notes": list(self.light_notes),
            "frames": self.frames,
            "exposure_gain": round(self.exposure_gain, 3),
            "white_balance": [round(v, 3) for v in self.white_balance],
            "calibration": self.calibration,
        }


class NoSkinError(TryonError):
    """Too little usable skin or lip in the frames to measure (face too small, covered or turned away)."""


# ITA° classes (Chardon et al. 1991; Del Bino et al. 2006), lower bound of each.
_DEPTHS = ((55.0, "very light"), (41.0, "light"), (28.0, "intermediate"), (10.0, "tan"), (-30.0, "brown"))


def depth_name(ita_deg: float) -> str:
    """The ITA° skin class: very light, light, intermediate, tan, brown or dark."""
    return next((name for low, name in _DEPTHS if ita_deg > low), "dark")


def _hull_mask(points: np.ndarray, shape_hw: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape_hw, dtype=np.uint8)
    hull = cv2.convexHull(np.round(points).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1)
    return mask.astype(bool)


def _polygon_mask(points: np.ndarray, shape_hw: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape_hw, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


def _robust_keep(lab: np.ndarray) -> np.ndarray:
    """bool (N,): pixels of Lab (N, 3) within a few robust spreads of the median on every axis."""
    median = np.median(lab, axis=0)
    spread = 1.4826 * np.median(np.abs(lab - median), axis=0) + np.array([1.0, 0.5, 0.5])
    limits = spread * np.array([_LIGHTNESS_SPREADS, _COLOUR_SPREADS, _COLOUR_SPREADS])
    return np.asarray(np.all(np.abs(lab - median) <= limits, axis=1), dtype=bool)


def _region_pixels(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """RGB uint8 (N, 3) of `mask` with highlights, shadows and off-colour pixels dropped.

    Saturated pixels stay in (dropping them would bias an over-exposed face towards its shadows); use a
    median of what is returned, which is right while fewer than half of the pixels are saturated."""
    rgb: np.ndarray = frame[mask]
    if len(rgb) < 8:
        return rgb
    kept: np.ndarray = rgb[_robust_keep(rgb_to_lab(rgb).astype(np.float64))]
    return kept


def _median_linear(rgb: np.ndarray) -> np.ndarray:
    """Per-channel median of RGB uint8 (N, 3) pixels as linear light (3,) float64."""
    return srgb_to_linear(np.median(rgb, axis=0))


def _body_colour_linear(rgb: np.ndarray) -> np.ndarray:
    """Skin RGB uint8 (N, 3) pixels' body colour as linear light (3,) float64: the per-channel median of those
    between `_BODY_PERCENTILES` of L* (under the sheen, above the shadows)."""
    lightness = rgb_to_lab(rgb)[:, 0]
    low, high = np.percentile(lightness, _BODY_PERCENTILES)
    body = rgb[(lightness >= low) & (lightness <= high)]
    return _median_linear(body if len(body) >= 8 else rgb)


def _crop_box(face: Face, shape_hw: tuple[int, int]) -> tuple[slice, slice]:
    x0, y0, x1, y1 = face.bbox_xyxy
    height, width = shape_hw
    xs = slice(max(0, int(x0) - 2), min(width, int(math.ceil(x1)) + 3))
    ys = slice(max(0, int(y0) - 2), min(height, int(math.ceil(y1)) + 3))
    return ys, xs


def _eye_white_pixels(crop: np.ndarray, points: np.ndarray, eye: tuple[int, ...], iris: tuple[int, ...]) -> np.ndarray:
    """RGB uint8 (N, 3): the clearest eye-white pixels of one eye, or none when the eye is too small or shut.

    Inside the lid contour and outside the iris, the eye white is the brightest, least coloured part (lids,
    lashes, the caruncle and shadows are darker or pinker). Pixels are ranked by L* − C* with saturated
    ones still counted, so over-exposure shrinks the pick instead of shifting it to darker pixels.
    """
    contour = points[list(eye)]
    width = float(np.ptp(contour[:, 0]))
    opening = float(np.ptp(contour[:, 1]))
    if width < _MIN_EYE_WIDTH_PX or opening < _MIN_EYE_OPENING * width:
        return np.zeros((0, 3), np.uint8)
    shape_hw = (crop.shape[0], crop.shape[1])
    inside = _polygon_mask(contour, shape_hw)
    centre = points[iris[0]]
    radius = float(np.mean(np.linalg.norm(points[list(iris[1:])] - centre, axis=1)))
    iris_disk = np.zeros(shape_hw, dtype=np.uint8)
    cv2.circle(iris_disk, (round(float(centre[0])), round(float(centre[1]))), round(radius * _IRIS_CLEARANCE), 1, -1)
    inside &= ~iris_disk.astype(bool)
    rgb = crop[inside]
    if len(rgb) < _MIN_REFERENCE_PIXELS:
        return np.zeros((0, 3), np.uint8)
    lab = rgb_to_lab(rgb).astype(np.float64)
    score = lab[:, 0] - chroma(lab)
    best = rgb[score >= np.percentile(score, 100.0 - _REFERENCE_TOP_PERCENT)]
    unsaturated = best[best.max(axis=1) < _CLIPPED_U8]
    return unsaturated if len(unsaturated) >= len(best) // 2 else np.zeros((0, 3), np.uint8)


def sample_face(frame: np.ndarray, face: Face) -> FaceSample:
    """Read skin, lip and eye-white colours of `face` in `frame` (RGB uint8 (H, W, 3)).

    Raises NoSkinError when the skin or lip regions hold too few usable pixels.
    """
    from tryon.engine.mask import lip_mask

    check_frame(frame)
    ys, xs = _crop_box(face, (frame.shape[0], frame.shape[1]))
    crop = frame[ys, xs]
    points = face.points - np.array([xs.start, ys.start], dtype=np.float32)
    shape_hw = (crop.shape[0], crop.shape[1])

    regions = [_hull_mask(points[list(idx)], shape_hw) for idx in (LEFT_CHEEK, RIGHT_CHEEK, FOREHEAD)]
    total = sum(int(region.sum()) for region in regions)
    saturated = sum(int((crop[region].max(axis=1) >= _CLIPPED_U8).sum()) for region in regions)
    kept = [_region_pixels(crop, region) for region in regions]
    skin = np.concatenate(kept)
    if len(skin) < _MIN_SKIN_PIXELS:
        raise NoSkinError(f"only {len(skin)} usable skin pixels (need {_MIN_SKIN_PIXELS}): face too small or covered")
    cheek_lightness = tuple(float(np.median(rgb_to_lab(k)[:, 0])) if len(k) else float("nan") for k in kept[:2])

    mask = lip_mask(frame, face, refine=False)
    y0, y1, x0, x1 = mask.roi
    lips = _region_pixels(frame[y0:y1, x0:x1], mask.alpha > 0.9)
    if len(lips) < 20:
        raise NoSkinError(f"only {len(lips)} usable lip pixels: mouth too small or covered")

    whites = [
        _eye_white_pixels(crop, points, eye, iris) for eye, iris in ((RIGHT_EYE, RIGHT_IRIS), (LEFT_EYE, LEFT_IRIS))
    ]
    white = np.concatenate(whites)
    reference = srgb_to_linear(white).mean(axis=0) if len(white) >= _MIN_REFERENCE_PIXELS else None
    brightest = srgb_to_linear(crop.reshape(-1, 3).max(axis=1).astype(np.float64))
    return FaceSample(
        skin_linear=_body_colour_linear(skin),
        lip_linear=_median_linear(lips),
        reference_linear=reference,
        highlight_linear=float(np.percentile(brightest, _HIGHLIGHT_PERCENTILE)),
        cheek_lightness=(cheek_lightness[0], cheek_lightness[1]),
        skin_pixels=len(skin),
        clipped_share=saturated / max(1, total),
    )


def _reference_trust(reference_linear: np.ndarray, skin_linear: np.ndarray, supported: float) -> tuple[float, float]:
    """How much a reading looks like an eye white, 0–1 each: (visible: bright — once brightened as far as the
    picture's highlights allow (`supported`), so a darker exposure of the same face trusts it as much — and not
    much darker than the skin, white: nearly colourless). Their product weighs the correction.

    Shaded, lash-covered or pigmented eye whites read dark; trusting them would brighten the face, and
    most of all deeper skin (whose eye whites photograph darker): they fade out of the correction instead.
    A visible but strongly coloured reading is a coloured light (or red eyes): it is reported, and only
    partly corrected.
    """
    lab = linear_to_lab(reference_linear)
    skin_lightness = float(linear_to_lab(skin_linear)[0])
    lightness_allowed = float(linear_to_lab(np.clip(reference_linear * supported, 0.0, 1.0))[0])
    bright = np.clip((lightness_allowed - _REFERENCE_MIN_L) / _REFERENCE_FADE_L, 0.0, 1.0)
    above_skin = np.clip((lab[0] - skin_lightness + _REFERENCE_BELOW_SKIN_L) / _REFERENCE_FADE_SKIN_L, 0.0, 1.0)
    colourless = np.clip((_REFERENCE_MAX_C - float(chroma(lab))) / _REFERENCE_FADE_C, 0.0, 1.0)
    return float(bright * above_skin), float(colourless)


@dataclass(frozen=True)
class _LightCorrection:
    """Per-channel gains (3,) towards `SCLERA_TARGET_LINEAR` and the exposure part of them; `colour_trust`
    (0–1) how far the light's colour was checked and undone; `factors`: (confidence factor, note) pairs."""

    gains: np.ndarray
    exposure: float
    colour_trust: float
    factors: tuple[tuple[float, str], ...]


def _light_correction(references: list[np.ndarray], skin_linear: np.ndarray, highlight: float) -> _LightCorrection:
    """What the eye whites say about the light. The correction is applied in proportion to how much the
    reading looks like an eye white; gains are clamped (a correction that large is a guess), and brightening
    stops where the face's `highlight` (linear, `FaceSample.highlight_linear`) would pass `_HIGHLIGHT_TARGET`."""
    unchecked = "the whites of the eyes were not clearly visible, so the light was not checked"
    if not references:
        return _LightCorrection(np.ones(3), 1.0, _UNCHECKED, ((_UNCHECKED, unchecked),))
    reference = np.median(np.stack(references), axis=0)
    # How far the picture lets the face be brightened: never less than not at all (the highlights alone never
    # darken), and the eye whites' request is cut there.
    supported = max(1.0, _HIGHLIGHT_TARGET / max(highlight, 1e-4))
    visible, white = _reference_trust(reference, skin_linear, supported)
    trust = visible * white
    full_gains = SCLERA_TARGET_LINEAR / np.maximum(reference, 1e-4)
    full_exposure = float(np.exp(np.mean(np.log(full_gains))))
    tilt = np.clip(full_gains / full_exposure, 1 / _MAX_CHANNEL_TILT, _MAX_CHANNEL_TILT)
    brightening = min(full_exposure, supported)
    # The eye whites' request weighed by their trust, then cut where the highlights stop it (a cut that binds
    # depends on the highlights alone, so it does not move with the exposure).
    exposure = float(np.clip(min(full_exposure**trust, supported), 1 / _MAX_EXPOSURE_GAIN, _MAX_EXPOSURE_GAIN))
    colour: list[tuple[float, str]] = []
    if trust < 0.95:
        colour.append((_UNCHECKED + (1.0 - _UNCHECKED) * trust, unchecked))
    worst_tilt = float(np.max(np.abs(np.log(full_gains / full_exposure)))) * visible
    if worst_tilt > math.log(1.08):
        # 1.0 at an 8 % tilt, 0.3 at 35 %: a coloured light the correction can only partly undo.
        span = math.log(1.35) - math.log(1.08)
        factor = float(np.clip(1.0 - (worst_tilt - math.log(1.08)) / span * 0.7, 0.3, 1.0))
        colour.append((factor, f"the light is coloured ({_cast_words(reference)} cast)"))
    level: list[tuple[float, str]] = []
    # Beyond a 1.6× correction either way, confidence falls with the correction the eye whites ask for
    # (trusted or not: unless they read far darker than the skin, which is shaded or squinting eyes, dark
    # eye whites mean a dim face), faster than linearly.
    # Dim is judged on the brightening the highlights allow: eye whites darker than that are shaded or pigmented.
    shaded_eyes = float(linear_to_lab(reference)[0]) < float(linear_to_lab(skin_linear)[0]) - _REFERENCE_BELOW_SKIN_L
    if brightening > 1.6 and not shaded_eyes:
        factor = float(np.clip((1.6 / brightening) ** 1.5, 0.3, 1.0))
        level.append((factor, "the face looks dimly lit (the whites of the eyes read dark)"))
    if trust > 0.5 and full_exposure < 1 / _OVEREXPOSED:
        factor = float(np.clip((full_exposure * _OVEREXPOSED) ** 1.5, 0.3, 1.0))
        level.append((factor, "the face is very brightly lit"))
    colour_trust = float(np.prod([factor for factor, _ in colour])) if colour else 1.0
    return _LightCorrection(tilt**trust * exposure, exposure, colour_trust, tuple(colour + level))


def _cast_words(reference_linear: np.ndarray) -> str:
    lab = linear_to_lab(reference_linear)
    target = linear_to_lab(SCLERA_TARGET_LINEAR)
    da, db = lab[1] - target[1], lab[2] - target[2]
    names = ("red", "yellow", "green", "blue")
    return names[int(((math.degrees(math.atan2(db, da)) + 45) % 360) // 90)]


def measure_face(samples: Sequence[FaceSample], calibration: Calibration | None = None) -> FaceColours:
    """Pool `samples` (one per frame, same face), correct the light, convert to Lab.

    The light is corrected by the eye whites (within what the highlights allow) — or, with a `calibration` of
    this camera (`tryon calibrate`, a ColorChecker under the same light), by the chart: the camera's colours are
    corrected first and the eye whites are not asked. Raises NoSkinError when `samples` is empty.
    """
    if not samples:
        raise NoSkinError("no frame with a measurable face")
    raw_skin = np.median(np.stack([s.skin_linear for s in samples]), axis=0)
    raw_lips = np.median(np.stack([s.lip_linear for s in samples]), axis=0)
    if calibration is not None:
        raw_skin, raw_lips = calibration.correct_linear(raw_skin), calibration.correct_linear(raw_lips)
        light = _LightCorrection(np.ones(3), 1.0, 1.0, ())
    else:
        references = [s.reference_linear for s in samples if s.reference_linear is not None]
        highlight = float(np.median([s.highlight_linear for s in samples]))
        light = _light_correction(references, raw_skin, highlight)
    gains, exposure, factors = light.gains, light.exposure, list(light.factors)
    skin_linear = raw_skin * gains
    lip_linear = raw_lips * gains
    skin_lab = linear_to_lab(skin_linear)
    lip_lab = linear_to_lab(lip_linear)

    clipped = float(np.median([s.clipped_share for s in samples]))
    if clipped > 0.2:  # medians hold until half the skin is saturated
        factors.append((float(np.clip(1.0 - 3.0 * (clipped - 0.2), 0.3, 0.95)), "parts of the face are over-exposed"))
    raw_lightness = float(linear_to_lab(raw_skin)[0])
    # A black-and-white picture has no hue to read (the eye-white correction would only invent one).
    colourless = float(chroma(linear_to_lab(raw_skin))) < _COLOURLESS_SKIN_CHROMA
    if colourless:
        factors.append((0.5, "the picture has no colour (black and white)"))
    if raw_lightness < 22:
        factors.append((float(np.clip(raw_lightness / 22, 0.2, 1.0)), "the face is in deep shadow or the room is dark"))
    cheek_gap = float(np.nanmedian([abs(s.cheek_lightness[0] - s.cheek_lightness[1]) for s in samples]))
    if cheek_gap > 12:
        factors.append((float(np.clip(1.0 - (cheek_gap - 12) / 40, 0.5, 0.95)), "light from one side"))
    pixels = int(np.median([s.skin_pixels for s in samples]))
    if pixels < _SMALL_FACE_SKIN_PIXELS:
        factor = float(np.clip(pixels / _SMALL_FACE_SKIN_PIXELS, 0.5, 1.0))
        factors.append((factor, "the face is small in the picture"))
    if len(samples) >= 3:
        frame_skins = [
            s.skin_linear if calibration is None else calibration.correct_linear(s.skin_linear) for s in samples
        ]
        itas = [_ita(linear_to_lab(skin * gains)) for skin in frame_skins]
        wobble = float(np.std(itas))
        if wobble > 3:
            factors.append((float(np.clip(1.0 - (wobble - 3) / 15, 0.4, 1.0)), "the light changed while measuring"))

    confidence = float(np.prod([factor for factor, _ in factors])) if factors else 1.0
    notes = tuple(note for factor, note in sorted(factors) if factor < 0.95)
    ita = _ita(skin_lab)
    hue = float(hue_deg(skin_lab))
    return FaceColours(
        skin_lab=(float(skin_lab[0]), float(skin_lab[1]), float(skin_lab[2])),
        lip_lab=(float(lip_lab[0]), float(lip_lab[1]), float(lip_lab[2])),
        ita_deg=ita,
        skin_hue_deg=hue,
        undertone=undertone_of(hue, float(chroma(skin_lab)))
        if light.colour_trust >= MIN_TRUST_FOR_UNDERTONE
        and confidence >= MIN_CONFIDENCE_FOR_UNDERTONE
        and not colourless
        else "unsure",
        depth=depth_name(ita),
        confidence=confidence,
        light_notes=notes,
        frames=len(samples),
        exposure_gain=exposure,
        white_balance=(float(gains[0] / exposure), float(gains[1] / exposure), float(gains[2] / exposure)),
        calibration=None if calibration is None else f"{calibration.camera}, {calibration.created}",
    )


def _ita(lab: np.ndarray) -> float:
    return math.degrees(math.atan2(float(lab[0]) - 50.0, float(lab[2])))


def undertone_of(skin_hue_deg: float, skin_chroma: float) -> Undertone:
    """warm (yellower), cool (pinker) or neutral from the skin hue angle h_ab in degrees."""
    if skin_chroma < 6:
        return "neutral"  # nearly grey skin readings carry no hue to speak of
    if skin_hue_deg < COOL_BELOW_DEG:
        return "cool"
    if skin_hue_deg > WARM_ABOVE_DEG:
        return "warm"
    return "neutral"
