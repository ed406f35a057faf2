"""Which skin depths a catalog's shades serve, from the catalogs alone (no shopper data): the advisor's nude and
natural rules run on reference faces — the skin and natural lip colours measured on the 50 public-domain
portraits of ../shared/tones, grouped deep / medium / light by eye (`REFERENCE_FACES_PATH`, written by
`python -m tryon.quality.tones`) — and each group counts the faces some shade makes a nude, or a natural, for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tryon.advisor.recommend import FIT_MIN, LipsReference, natural_rule, nude_rule, on_lips_lab
from tryon.catalog.model import Shade

REFERENCE_FACES_PATH = Path(__file__).with_name("reference_faces.json")
GROUPS = ("deep", "medium", "light")


@dataclass(frozen=True)
class ReferenceFace:
    """One measured portrait: its by-eye group and its skin and lip colours, CIE Lab."""

    name: str
    group: str
    skin_lab: tuple[float, float, float]
    lip_lab: tuple[float, float, float]


@dataclass(frozen=True)
class GroupCoverage:
    """Of a group's reference faces, how many the shades give a nude and a natural that fit (score ≥ FIT_MIN)."""

    group: str
    faces: int
    with_nude: int
    with_natural: int


def reference_faces(path: Path = REFERENCE_FACES_PATH) -> tuple[ReferenceFace, ...]:
    rows = json.loads(path.read_text(encoding="utf-8"))["faces"]
    return tuple(
        ReferenceFace(row["name"], row["group"], tuple(row["skin_lab"]), tuple(row["lip_lab"])) for row in rows
    )


def depth_coverage(
    shades: Sequence[Shade],
    reference: LipsReference | None = None,
    faces: Sequence[ReferenceFace] | None = None,
) -> tuple[GroupCoverage, ...]:
    """Per group (deep, medium, light): reference faces, and those with a fitting nude / natural among `shades`.
    `reference`: how shades look on lips (see `recommend.on_lips_lab`)."""
    faces = reference_faces() if faces is None else faces
    out = []
    for group in GROUPS:
        mine = [face for face in faces if face.group == group]
        nude = natural = 0
        for face in mine:
            skin = np.asarray(face.skin_lab, dtype=np.float64)
            lips = np.asarray(face.lip_lab, dtype=np.float64)
            colours = [(shade, on_lips_lab(shade, lips, reference)) for shade in shades]
            nude += any(nude_rule(shade, colour, skin)[0] >= FIT_MIN for shade, colour in colours)
            natural += any(natural_rule(colour, lips)[0] >= FIT_MIN for _, colour in colours)
        out.append(GroupCoverage(group, len(mine), nude, natural))
    return tuple(out)
