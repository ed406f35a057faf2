"""From one shade to its neighbours: "like this, but deeper / lighter / warmer / cooler / brighter / softer",
or the same colour in another finish — across every catalog, nearest first in ΔE2000.

Shades are compared by their bullet colour (the colour a brand defines), in CIE Lab. A neighbour must move
the asked way by at least one visible step and mostly that way: the asked component carries at least a
third of the (ΔE2000-weighted) difference, so "deeper" does not return a shade that is mainly pinker.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from tryon.catalog.model import Shade
from tryon.colour import chroma, delta_e_2000, hue_deg, rgb_to_lab

Direction = Literal["deeper", "lighter", "warmer", "cooler", "brighter", "softer"]
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)

# One visible step along each axis: L* units, degrees of hue, C* units.
MIN_LIGHTNESS_STEP = 3.0
MIN_HUE_STEP_DEG = 4.0
MIN_CHROMA_STEP = 4.0
# Below this chroma a colour has no hue to speak of: it cannot be warmer or cooler than another.
MIN_CHROMA_FOR_HUE = 8.0
# The warm pole of the hue circle (orange-yellow, h_ab in degrees): "warmer" moves the hue towards it
# along the shorter arc (a blue-red → red → coral → orange), "cooler" away from it (towards violet).
WARM_POLE_DEG = 55.0
# Asked component² ≥ this share of ΔE² (all three in ΔE2000's weighted units).
MIN_SHARE_ALONG = 1.0 / 3.0
# "The same colour in another finish" only when it is this close (ΔE2000).
MAX_FINISH_TWIN_DELTA_E = 12.0


@dataclass(frozen=True)
class Step:
    """A neighbour of a shade: `delta_e` (ΔE2000 from the origin) and `moved`, how far it goes the asked way
    (ΔL* for deeper/lighter, degrees towards or away from the warm pole for warmer/cooler, ΔC* for
    brighter/softer; always positive)."""

    shade: Shade
    delta_e: float
    moved: float


def shade_lab(shade: Shade) -> np.ndarray:
    """The bullet colour of `shade` in CIE Lab, float64 (3,)."""
    return rgb_to_lab(np.array(shade.rgb, dtype=np.uint8)).astype(np.float64)


def _warm_distance(hue: float) -> float:
    return abs((hue - WARM_POLE_DEG + 180.0) % 360.0 - 180.0)


def _components(origin: np.ndarray, other: np.ndarray) -> tuple[float, float, float]:
    """|ΔL|, |ΔC|, |ΔH| divided by ΔE2000's weights (S_L, S_C, S_H), so they add up (in squares) to about ΔE²."""
    l_mean = (origin[0] + other[0]) / 2.0
    c1, c2 = float(chroma(origin)), float(chroma(other))
    c_mean = (c1 + c2) / 2.0
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean
    dh = math.radians((float(hue_deg(other)) - float(hue_deg(origin)) + 180.0) % 360.0 - 180.0)
    d_big_h = 2 * math.sqrt(c1 * c2) * math.sin(dh / 2)
    return abs(other[0] - origin[0]) / s_l, abs(c2 - c1) / s_c, abs(d_big_h) / s_h


def _moved(direction: Direction, origin: np.ndarray, other: np.ndarray) -> float:
    """How far `other` goes from `origin` in `direction` (negative: the other way)."""
    if direction in ("deeper", "lighter"):
        change = float(other[0] - origin[0])
        return -change if direction == "deeper" else change
    if direction in ("brighter", "softer"):
        change = float(chroma(other) - chroma(origin))
        return change if direction == "brighter" else -change
    if min(float(chroma(origin)), float(chroma(other))) < MIN_CHROMA_FOR_HUE:
        return 0.0
    warmer_by = _warm_distance(float(hue_deg(origin))) - _warm_distance(float(hue_deg(other)))
    return warmer_by if direction == "warmer" else -warmer_by


_MIN_STEP = {
    "deeper": MIN_LIGHTNESS_STEP,
    "lighter": MIN_LIGHTNESS_STEP,
    "warmer": MIN_HUE_STEP_DEG,
    "cooler": MIN_HUE_STEP_DEG,
    "brighter": MIN_CHROMA_STEP,
    "softer": MIN_CHROMA_STEP,
}
_AXIS = {"deeper": 0, "lighter": 0, "brighter": 1, "softer": 1, "warmer": 2, "cooler": 2}


def neighbours(origin: Shade, direction: Direction, shades: Iterable[Shade], *, count: int = 3) -> list[Step]:
    """Up to `count` shades of `shades` that move from `origin` in `direction`, nearest (ΔE2000) first.

    Raises ValueError for an unknown direction.
    """
    if direction not in _MIN_STEP:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, but got {direction!r}")
    start = shade_lab(origin)
    found: list[Step] = []
    for shade in shades:
        if shade.id == origin.id:
            continue
        lab = shade_lab(shade)
        moved = _moved(direction, start, lab)
        if moved < _MIN_STEP[direction]:
            continue
        parts = _components(start, lab)
        if parts[_AXIS[direction]] ** 2 < MIN_SHARE_ALONG * sum(p * p for p in parts):
            continue
        found.append(Step(shade, float(delta_e_2000(start, lab)), moved))
    found.sort(key=lambda step: (step.delta_e, step.shade.id))
    return found[:count]


def in_other_finishes(origin: Shade, shades: Sequence[Shade]) -> dict[str, Step]:
    """For each finish other than `origin`'s, the nearest shade in it (ΔE2000 ≤ MAX_FINISH_TWIN_DELTA_E),
    by finish name. `moved` is 0: a finish change is not a colour move."""
    start = shade_lab(origin)
    best: dict[str, Step] = {}
    for shade in shades:
        if shade.finish == origin.finish or shade.id == origin.id:
            continue
        delta_e = float(delta_e_2000(start, shade_lab(shade)))
        if delta_e > MAX_FINISH_TWIN_DELTA_E:
            continue
        current = best.get(shade.finish)
        if current is None or (delta_e, shade.id) < (current.delta_e, current.shade.id):
            best[shade.finish] = Step(shade, delta_e, 0.0)
    return dict(sorted(best.items()))
