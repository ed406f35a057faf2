"""Rank shades for one measured face with a small, explainable rule set; every pick says why in one line.

Each shade is scored by how its colour *on these lips* relates to the face (see docs/advisor.md):
- natural: the shopper's own lip colour, one to two steps (4–12 L*) deeper, hue and chroma close;
- nude: a low-chroma shade a little deeper than the skin on the lips, and no paler than the skin in the tube (a
  nude lighter than the skin washes the face out);
- bold: a clear contrast with the skin (ΔE*ab above 30) from a strong or deep shade, vivid ones first;
then multiplied by undertone harmony: warm hues (coral, brick, orange-red) for a warm undertone, blue-reds,
berries and pinks for a cool one, both for neutral.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tryon.advisor.measure import CONFIDENT, FaceColours
from tryon.advisor.navigate import WARM_POLE_DEG, shade_lab
from tryon.catalog.model import Shade
from tryon.colour import chroma, delta_e_2000, hue_deg

Rule = Literal["natural", "nude", "bold"]

# The app's default intensity: what the shopper first sees (tryon.media.swatch.DEFAULT_INTENSITY).
DEFAULT_INTENSITY = 0.85
# natural: the on-lips colour this much darker than the bare lips (L*), with these spreads.
NATURAL_DEEPER_L = 8.0
NATURAL_SPREAD_L = 5.0
NATURAL_SPREAD_HUE_DEG = 18.0
NATURAL_FREE_CHROMA = 8.0  # a chroma change up to this is free; beyond it the score falls
NATURAL_SPREAD_CHROMA = 12.0
# nude: low-chroma shades whose on-lips colour sits this far below the skin's L*.
NUDE_MAX_CHROMA = 35.0  # ... with a hue between rosy and peach (a muted plum or mauve is not a nude)
NUDE_HUES_DEG = (10.0, 65.0)
NUDE_DEEPER_THAN_SKIN_L = 18.0
NUDE_SPREAD_L = 9.0
NUDE_SPREAD_HUE_DEG = 22.0
NUDE_WASHES_OUT_L = 6.0  # on-lips colour closer than this to the skin's L* (or lighter): washes out
# bold: contrast with the skin, ΔE*ab, counted from BOLD_FROM and full at BOLD_FROM + BOLD_RAMP.
BOLD_FROM = 30.0
BOLD_RAMP = 30.0
BOLD_MIN_CHROMA = 40.0
BOLD_MAX_L = 32.0  # ... or deep enough to be bold without much chroma
BOLD_VIVID_CHROMA = 45.0  # on-lips chroma from which a bold shade counts fully
# Undertone harmony: hue within this of the warm pole is a warm shade; at least COOL_FROM_DEG from it cool.
WARM_WITHIN_DEG = 30.0
COOL_FROM_DEG = 40.0
HARMONY = {"suits": 1.0, "neutral": 0.9, "clashes": 0.7}
# A rule whose best shade scores below this has nothing for this face in the catalogs: the advisor says so
# instead of offering the nearest (for deep skin: a pale nude).
FIT_MIN = 0.25
# Two picks closer than this (ΔE2000) are one pick: the list shows different options.
MIN_PICK_DISTANCE = 6.0
MAX_PICKS_PER_RULE = 3


@dataclass(frozen=True)
class LipsReference:
    """What each shade looks like on one reference pair of lips as the engine renders it (`colour_of`, Lab at
    DEFAULT_INTENSITY; `tryon.media.swatch.on_lips_lab`) and those bare lips' Lab (`bare_lab`)."""

    colour_of: Callable[[Shade], Sequence[float]]
    bare_lab: tuple[float, float, float]


@dataclass(frozen=True)
class Pick:
    """A recommended shade: `score` in [0, 1], the `rule` that chose it, a one-line `reason`, and the
    estimated colour on these lips (`on_lips_lab`, CIE Lab) the rules looked at."""

    shade: Shade
    score: float
    rule: Rule
    reason: str
    on_lips_lab: tuple[float, float, float]

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.shade.id,
            "name": self.shade.name,
            "brand": self.shade.brand,
            "finish": self.shade.finish,
            "score": round(self.score, 3),
            "rule": self.rule,
            "reason": self.reason,
        }


def on_lips_lab(shade: Shade, lip_lab: np.ndarray, reference: LipsReference | None = None) -> np.ndarray:
    """Estimated colour (Lab) of `shade` at DEFAULT_INTENSITY on lips of colour `lip_lab`.

    With a `reference`: the engine's render on the reference lips, moved by the part of the lip colour
    difference that shows through (1 − opacity × intensity) — finishes included. Without: the bullet
    colour mixed over the lips (median ΔE2000 4 from the render on the shipped shades; metallics 14–18)."""
    cover = shade.opacity * DEFAULT_INTENSITY
    if reference is None:
        return (1.0 - cover) * lip_lab + cover * shade_lab(shade)
    shown = np.asarray(reference.colour_of(shade), dtype=np.float64)
    return shown + (1.0 - cover) * (lip_lab - np.asarray(reference.bare_lab, dtype=np.float64))


def _gauss(x: float) -> float:
    return math.exp(-0.5 * x * x)


def _hue_gap(a: np.ndarray, b: np.ndarray) -> float:
    return abs((float(hue_deg(a)) - float(hue_deg(b)) + 180.0) % 360.0 - 180.0)


def _steps(deeper_by: float) -> str:
    return "one step" if deeper_by < 6.0 else "two steps" if deeper_by < 12.5 else "several steps"


def natural_rule(colour: np.ndarray, lips: np.ndarray) -> tuple[float, str]:
    """(score in [0, 1], reason) of on-lips Lab `colour` as an everyday natural for bare lips of Lab `lips`."""
    deeper_by = float(lips[0] - colour[0])
    hue_gap = _hue_gap(colour, lips)
    chroma_gap = max(0.0, abs(float(chroma(colour) - chroma(lips))) - NATURAL_FREE_CHROMA)
    score = (
        _gauss((deeper_by - NATURAL_DEEPER_L) / NATURAL_SPREAD_L)
        * _gauss(hue_gap / NATURAL_SPREAD_HUE_DEG)
        * _gauss(chroma_gap / NATURAL_SPREAD_CHROMA)
    )
    if deeper_by < 0:
        words = f"your own lip colour, {-deeper_by:.0f} L* lighter"
    else:
        words = f"your own lip colour, {_steps(deeper_by)} deeper ({deeper_by:.0f} L*)"
    return score, f"Everyday natural: {words}, hue within {hue_gap:.0f}°"


def nude_rule(shade: Shade, colour: np.ndarray, skin: np.ndarray) -> tuple[float, str]:
    """(score in [0, 1], reason) of `shade`, showing as Lab `colour` on the lips, as a nude for skin of Lab `skin`;
    0 for a shade that is no nude, or would wash this skin out."""
    bullet = shade_lab(shade)
    hue = float(hue_deg(bullet))
    untagged_nude = float(chroma(bullet)) <= NUDE_MAX_CHROMA and NUDE_HUES_DEG[0] <= hue <= NUDE_HUES_DEG[1]
    is_nude = "nude" in shade.tags or untagged_nude
    below_skin = float(skin[0] - colour[0])
    if not is_nude:
        return 0.0, ""
    if below_skin < NUDE_WASHES_OUT_L or float(bullet[0]) > float(skin[0]):
        return 0.0, ""  # washes out on the lips, or a sheer pale nude: paler than the skin in the tube
    hue_gap = _hue_gap(colour, skin)
    score = _gauss((below_skin - NUDE_DEEPER_THAN_SKIN_L) / NUDE_SPREAD_L) * _gauss(hue_gap / NUDE_SPREAD_HUE_DEG)
    return score, f"Nude for your skin: {below_skin:.0f} L* deeper than your skin, so it will not wash you out"


def _bold(shade: Shade, colour: np.ndarray, skin: np.ndarray) -> tuple[float, str]:
    bullet = shade_lab(shade)
    if float(chroma(bullet)) < BOLD_MIN_CHROMA and float(bullet[0]) > BOLD_MAX_L:
        return 0.0, ""
    # Euclidean Lab distance (ΔE*ab), not ΔE2000: ΔE2000 shrinks chroma differences between strong colours
    # (right for telling near-matches apart, wrong for contrast) and would rank dark browns over reds.
    contrast = float(np.linalg.norm(colour - skin))
    # A vivid colour is what reads as a statement; a deep low-chroma one counts half (vampy, not loud).
    vivid = 0.5 + 0.5 * float(np.clip(float(chroma(colour)) / BOLD_VIVID_CHROMA, 0.0, 1.0))
    score = float(np.clip((contrast - BOLD_FROM) / BOLD_RAMP, 0.0, 1.0)) * vivid
    return score, f"Bold: a strong contrast with your skin (ΔE*ab {contrast:.0f})"


def _harmony(shade: Shade, undertone: str) -> tuple[float, str]:
    bullet = shade_lab(shade)
    if float(chroma(bullet)) < 8.0 or undertone in ("neutral", "unsure"):
        return HARMONY["neutral"], ""
    from_warm = abs((float(hue_deg(bullet)) - WARM_POLE_DEG + 180.0) % 360.0 - 180.0)
    kind = "warm" if from_warm <= WARM_WITHIN_DEG else "cool" if from_warm >= COOL_FROM_DEG else "neutral"
    if kind == "neutral":
        return HARMONY["neutral"], ""
    if kind == undertone:
        return HARMONY["suits"], f"; its {kind} hue suits your {undertone} undertone"
    return HARMONY["clashes"], ""


def score_shade(shade: Shade, colours: FaceColours, reference: LipsReference | None = None) -> Pick:
    """The best rule's score for `shade` on this face, times undertone harmony, with its reason."""
    lips = np.asarray(colours.lip_lab, dtype=np.float64)
    skin = np.asarray(colours.skin_lab, dtype=np.float64)
    colour = on_lips_lab(shade, lips, reference)
    candidates: list[tuple[float, Rule, str]] = []
    for rule, (score, reason) in (
        ("natural", natural_rule(colour, lips)),
        ("nude", nude_rule(shade, colour, skin)),
        ("bold", _bold(shade, colour, skin)),
    ):
        candidates.append((score, rule, reason))  # type: ignore[arg-type]
    score, rule, reason = max(candidates, key=lambda c: c[0])
    harmony, harmony_words = _harmony(shade, colours.undertone)
    on_lips = (float(colour[0]), float(colour[1]), float(colour[2]))
    return Pick(shade, score * harmony, rule, reason + harmony_words + ".", on_lips)


def recommend(
    colours: FaceColours, shades: Sequence[Shade], *, count: int = 6, reference: LipsReference | None = None
) -> list[Pick]:
    """The `count` best shades for this face, best first: no two within MIN_PICK_DISTANCE ΔE2000 of each
    other (bullet colours) and at most MAX_PICKS_PER_RULE from one rule, so the list offers choices.
    `reference`: see `on_lips_lab` (the app and the CLI pass the engine's render)."""
    ranked = sorted((score_shade(shade, colours, reference) for shade in shades), key=lambda p: (-p.score, p.shade.id))
    picks: list[Pick] = []
    for pick in ranked:
        if len(picks) == count or pick.score <= 0.05:
            break
        if sum(p.rule == pick.rule for p in picks) >= MAX_PICKS_PER_RULE:
            continue
        lab = shade_lab(pick.shade)
        if any(float(delta_e_2000(lab, shade_lab(p.shade))) < MIN_PICK_DISTANCE for p in picks):
            continue
        picks.append(pick)
    return picks


_MISSING_WORDS = {
    "nude": "No nude in these shades suits your skin: each would look paler than your skin or too far from it",
    "natural": "No shade here is close to your own lip colour, one or two steps deeper",
}


def missing(colours: FaceColours, shades: Sequence[Shade], reference: LipsReference | None = None) -> tuple[str, ...]:
    """Sentences for the rules (nude, natural) no shade of `shades` fits on this face (best score < FIT_MIN):
    what the shopper is told instead of the nearest misfit."""
    if not shades:
        return ()
    lips = np.asarray(colours.lip_lab, dtype=np.float64)
    skin = np.asarray(colours.skin_lab, dtype=np.float64)
    best = {"nude": 0.0, "natural": 0.0}
    for shade in shades:
        colour = on_lips_lab(shade, lips, reference)
        best["nude"] = max(best["nude"], nude_rule(shade, colour, skin)[0])
        best["natural"] = max(best["natural"], natural_rule(colour, lips)[0])
    return tuple(_MISSING_WORDS[rule] + "." for rule, score in best.items() if score < FIT_MIN)


def caveat(colours: FaceColours) -> str | None:
    """A sentence for the shopper when the measurement is not sure (None when it is)."""
    if colours.confidence >= CONFIDENT:
        return None
    why = "; ".join(colours.light_notes) or "the measurement is uncertain"
    return f"Not sure of your colouring ({why}). Picks may be off: try even daylight, facing a window."
