"""Measurement and picks together: what the CLI prints and the panels show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tryon.advisor.measure import CONFIDENT, FaceColours, FaceSample, measure_face
from tryon.advisor.recommend import LipsReference, Pick, caveat, missing, recommend
from tryon.calibration import Calibration
from tryon.catalog.model import Shade
from tryon.engine.face import Face


@dataclass(frozen=True)
class Advice:
    """A face's measured colours, its ranked picks, when the measurement is unsure a `caveat` to show, and
    `missing`: a sentence per kind of pick (nude, natural) the shades have nothing for on this face."""

    colours: FaceColours
    picks: tuple[Pick, ...]
    caveat: str | None
    missing: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            **self.colours.to_json(),
            "caveat": self.caveat,
            "missing": list(self.missing),
            "picks": [pick.to_json() for pick in self.picks],
        }

    def for_shopper(self) -> dict[str, object]:
        """What a shopper's page shows: the summary line, the caveat, what is missing and the picks."""
        picks = [pick.to_json() for pick in self.picks]
        return {"summary": self.summary(), "caveat": self.caveat, "missing": list(self.missing), "picks": picks}

    def summary(self) -> str:
        """One line about the face, e.g. 'Skin: light (ITA 47°), warm undertone · lips L* 53'."""
        c = self.colours
        undertone = "undertone not measured" if c.undertone == "unsure" else f"{c.undertone} undertone"
        sure = "" if c.confidence >= CONFIDENT else ", not sure"
        return f"Skin: {c.depth} (ITA {c.ita_deg:.0f}°{sure}), {undertone} · lips L* {c.lip_lab[0]:.0f}"


def advise(
    samples: Sequence[FaceSample],
    shades: Sequence[Shade],
    *,
    count: int = 6,
    reference: LipsReference | None = None,
    calibration: Calibration | None = None,
) -> Advice:
    """Measure the face of `samples` (one per frame) and pick up to `count` of `shades` for it (`reference`:
    how shades look on lips, see `recommend.on_lips_lab`; `calibration`: this camera's, see `measure_face`).

    Raises NoSkinError when `samples` is empty.
    """
    colours = measure_face(samples, calibration)
    picks = tuple(recommend(colours, shades, count=count, reference=reference))
    return Advice(colours, picks, caveat(colours), missing(colours, shades, reference))


def largest_face(faces: Sequence[Face]) -> Face:
    """The face with the widest landmark box (the shopper nearest the camera). Raises ValueError if none."""
    if not faces:
        raise ValueError("no faces")
    return max(faces, key=lambda face: face.bbox_xyxy[2] - face.bbox_xyxy[0])
