"""The shade model: a lipstick `Shade` (colour, finish, optional ombre and liner) and a brand `Catalog`.

Colours are sRGB hex strings ("#RRGGBB"); amounts are in [0, 1]. Loading and validation live in
`tryon.catalog.library` and `tryon.catalog.format`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tryon.catalog.finishes import finish_of
from tryon.catalog.format import Problem

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """'#RRGGBB' → (r, g, b) ints in 0–255."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


@dataclass(frozen=True)
class Ombre:
    """Two-tone lips: `inner_color` from the mouth line over `inner_ratio` of the lip depth, fading
    over `feather` (share of lip depth) into the shade's colour at the lip edge."""

    inner_color: str
    inner_ratio: float = 0.45
    feather: float = 0.5

    @property
    def inner_rgb(self) -> tuple[int, int, int]:
        return hex_to_rgb(self.inner_color)


@dataclass(frozen=True)
class Liner:
    """Lip liner along the outer lip edge, `width_mm` wide on real lips (a mouth is ~50 mm wide)."""

    color: str
    width_mm: float = 0.8

    @property
    def rgb(self) -> tuple[int, int, int]:
        return hex_to_rgb(self.color)


@dataclass(frozen=True)
class Shade:
    """One lipstick shade. Colours are sRGB hex; amounts are in [0, 1]."""

    id: str
    name: str
    color: str
    finish: str
    opacity: float = 0.8
    gloss: float = 0.0
    shimmer_color: str = "#FFFFFF"
    shimmer_density: float = 0.0
    shimmer_size: float = 1.0
    ombre: Ombre | None = None
    liner: Liner | None = None
    tags: tuple[str, ...] = ()
    sku: str | None = None
    url: str | None = None
    price: float | None = None
    currency: str | None = None
    brand: str = ""
    collection: str = ""

    def __post_init__(self) -> None:
        if not _HEX.match(self.color):
            raise ValueError(f"color must be '#RRGGBB', but got {self.color!r}")
        finish_of(self.finish)  # raises ValueError for an unknown finish
        for name in ("opacity", "gloss", "shimmer_density"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], but got {value}")

    @property
    def rgb(self) -> tuple[int, int, int]:
        """The shade colour as sRGB (r, g, b) in 0–255."""
        return hex_to_rgb(self.color)

    @property
    def shimmer_rgb(self) -> tuple[int, int, int]:
        return hex_to_rgb(self.shimmer_color)


@dataclass(frozen=True)
class Catalog:
    """A brand collection: the shades of one catalog file, in file order."""

    brand: str
    collection: str
    shades: tuple[Shade, ...] = field(repr=False)
    path: Path | None = None
    format: int = 1
    version: str | None = None
    warnings: tuple[Problem, ...] = field(default=(), repr=False)
