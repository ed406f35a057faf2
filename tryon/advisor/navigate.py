"""From one shade to its neighbours: "like this, but deeper / lighter / warmer / cooler / brighter / softer",
or the same colour in another finish — across every catalog, nearest first in ΔE2000.

Shades are compared in CIE Lab by a colour of each: the bullet colour (the colour a brand defines) by default,
or what the shade looks like on lips (`colour_of`; the app passes `tryon.media.swatch.on_lips_lab`, so
"deeper" means deeper on the lips, whatever the opacity and finish). A neighbour must move
the asked way by at least one visible step and mostly that way: the asked component carries at least a
third of the (ΔE2000-weighted) difference, so "deeper" does not return a shade that is mainly pinker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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


def _warm_distance(hue: np.ndarray) -> np.ndarray:
    return np.abs((hue - WARM_POLE_DEG + 180.0) % 360.0 - 180.0)


def _weighted_parts(origin: np.ndarray, others: np.ndarray) -> np.ndarray:
    """(N, 3): |ΔL|, |ΔC|, |ΔH| from `origin` (3,) to `others` (N, 3), each divided by ΔE2000's weight
    (S_L, S_C, S_H), so that their squares add up to about ΔE²."""
    l_mean = (origin[0] + others[:, 0]) / 2.0
    c1, c2 = float(chroma(origin)), chroma(others)
    c_mean = (c1 + c2) / 2.0
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean
    dh = np.radians((hue_deg(others) - float(hue_deg(origin)) + 180.0) % 360.0 - 180.0)
    d_big_h = 2 * np.sqrt(c1 * c2) * np.sin(dh / 2)
    return np.stack([np.abs(others[:, 0] - origin[0]) / s_l, np.abs(c2 - c1) / s_c, np.abs(d_big_h) / s_h], axis=1)


def _moved(direction: Direction, origin: np.ndarray, others: np.ndarray) -> np.ndarray:
    """(N,): how far each of `others` goes from `origin` in `direction` (negative: the other way)."""
    if direction in ("deeper", "lighter"):
        change = others[:, 0] - origin[0]
        return np.asarray(-change if direction == "deeper" else change, dtype=np.float64)
    if direction in ("brighter", "softer"):
        change = chroma(others) - float(chroma(origin))
        return np.asarray(change if direction == "brighter" else -change, dtype=np.float64)
    warmer_by = _warm_distance(hue_deg(origin)) - _warm_distance(hue_deg(others))
    moved = warmer_by if direction == "warmer" else -warmer_by
    has_hue = np.minimum(float(chroma(origin)), chroma(others)) >= MIN_CHROMA_FOR_HUE
    return np.asarray(np.where(has_hue, moved, 0.0), dtype=np.float64)


_MIN_STEP = {
    "deeper": MIN_LIGHTNESS_STEP,
    "lighter": MIN_LIGHTNESS_STEP,
    "warmer": MIN_HUE_STEP_DEG,
    "cooler": MIN_HUE_STEP_DEG,
    "brighter": MIN_CHROMA_STEP,
    "softer": MIN_CHROMA_STEP,
}
_AXIS = {"deeper": 0, "lighter": 0, "brighter": 1, "softer": 1, "warmer": 2, "cooler": 2}


ColourOf = Callable[[Shade], Sequence[float]]


class ShadeSpace:
    """`shades` with their colours in Lab (bullet colours, or `colour_of(shade)`), for fast neighbour queries
    (10,000 shades answer all six directions in ~30 ms). Immutable; build a new one when the library changes."""

    def __init__(self, shades: Iterable[Shade], *, colour_of: ColourOf | None = None) -> None:
        self.shades = tuple(shades)
        self._colour_of = colour_of
        if colour_of is None:
            rgb = np.array([shade.rgb for shade in self.shades], dtype=np.uint8).reshape(-1, 3)
            self.labs = rgb_to_lab(rgb).astype(np.float64).reshape(-1, 3)
        else:
            self.labs = np.array([colour_of(shade) for shade in self.shades], dtype=np.float64).reshape(-1, 3)
        self.labs.setflags(write=False)
        self._ids = np.array([shade.id for shade in self.shades], dtype=object)
        self._index = {shade.id: i for i, shade in enumerate(self.shades)}

    def lab(self, shade: Shade) -> np.ndarray:
        """The colour this space compares `shade` by, Lab (3,)."""
        index = self._index.get(shade.id)
        if index is not None and self.shades[index] == shade:
            return np.asarray(self.labs[index])
        return shade_lab(shade) if self._colour_of is None else np.asarray(self._colour_of(shade), np.float64)

    def neighbours(self, origin: Shade, direction: Direction, *, count: int = 3) -> list[Step]:
        """Up to `count` shades that move from `origin` in `direction`, nearest (ΔE2000) first.

        Raises ValueError for an unknown direction.
        """
        if direction not in _MIN_STEP:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, but got {direction!r}")
        if not self.shades:
            return []
        start = self.lab(origin)
        moved = _moved(direction, start, self.labs)
        parts = _weighted_parts(start, self.labs)
        along = parts[:, _AXIS[direction]] ** 2 >= MIN_SHARE_ALONG * np.sum(parts**2, axis=1)
        chosen = np.flatnonzero((moved >= _MIN_STEP[direction]) & along & (self._ids != origin.id))
        delta_e = delta_e_2000(start, self.labs[chosen])
        nearest = np.argsort(delta_e, kind="stable")[: count * 4]  # ties are broken by id below
        order = sorted(nearest, key=lambda i: (float(delta_e[i]), self.shades[chosen[i]].id))[:count]
        return [Step(self.shades[chosen[i]], float(delta_e[i]), float(moved[chosen[i]])) for i in order]

    def in_other_finishes(self, origin: Shade) -> dict[str, Step]:
        """For each finish other than `origin`'s, the nearest shade in it (ΔE2000 ≤ MAX_FINISH_TWIN_DELTA_E),
        by finish name. `moved` is 0: a finish change is not a colour move."""
        if not self.shades:
            return {}
        delta_e = delta_e_2000(self.lab(origin), self.labs)
        best: dict[str, Step] = {}
        for i in np.flatnonzero(delta_e <= MAX_FINISH_TWIN_DELTA_E):
            shade = self.shades[i]
            if shade.finish == origin.finish or shade.id == origin.id:
                continue
            current = best.get(shade.finish)
            if current is None or (float(delta_e[i]), shade.id) < (current.delta_e, current.shade.id):
                best[shade.finish] = Step(shade, float(delta_e[i]), 0.0)
        return dict(sorted(best.items()))


def neighbours(
    origin: Shade, direction: Direction, shades: Iterable[Shade], *, count: int = 3, colour_of: ColourOf | None = None
) -> list[Step]:
    """Up to `count` of `shades` that move from `origin` in `direction`, nearest (ΔE2000) first (see
    `ShadeSpace.neighbours`; build a ShadeSpace once to ask many questions of one library)."""
    return ShadeSpace(shades, colour_of=colour_of).neighbours(origin, direction, count=count)


def in_other_finishes(origin: Shade, shades: Sequence[Shade]) -> dict[str, Step]:
    """The nearest shade of `shades` in each other finish (see `ShadeSpace.in_other_finishes`)."""
    return ShadeSpace(shades).in_other_finishes(origin)
