"""`tryon advise`: measure the face in a photo and pick shades for it, each with its reason."""

from __future__ import annotations

import argparse
import json
import sys

from tryon.cli.common import shade_library
from tryon.errors import TryonError


def cmd_advise(args: argparse.Namespace) -> int:
    from tryon.advisor.advice import advise, largest_face
    from tryon.advisor.measure import sample_face
    from tryon.advisor.recommend import LipsReference
    from tryon.engine.landmarks import FaceLandmarker
    from tryon.media.sources import read_image
    from tryon.media.swatch import on_lips_lab, reference_lip_lab

    library = shade_library(args)
    frame = read_image(args.image)
    with FaceLandmarker(mode="image") as landmarker:
        faces = landmarker.detect(frame, None)
    if not faces:
        raise TryonError(f"{args.image}: no face found; advice needs a face facing the camera")
    face = largest_face(faces)
    reference = LipsReference(on_lips_lab, reference_lip_lab())
    advice = advise([sample_face(frame, face)], library.shades, count=args.count, reference=reference)
    if args.json:
        print(json.dumps({"image": str(args.image), "faces_found": len(faces), **advice.to_json()}, indent=2))
        return 0
    c = advice.colours
    if len(faces) > 1:
        print(f"{len(faces)} faces found; measured the largest")
    print(advice.summary())
    print(f"  skin Lab {_lab(c.skin_lab)}  lips Lab {_lab(c.lip_lab)}  skin hue {c.skin_hue_deg:.0f}°")
    print(f"  confidence {c.confidence:.2f}" + (f" — {'; '.join(c.light_notes)}" if c.light_notes else ""))
    if advice.caveat:
        print("  Picks may be off: try even daylight, facing a window.")
    for sentence in advice.missing:
        print(f"  {sentence}")
    print("Picks:")
    for rank, pick in enumerate(advice.picks, 1):
        shade = pick.shade
        print(f"  {rank}. {shade.name} ({shade.brand}, {shade.finish}, {shade.id}) — {pick.reason}")
    if not advice.picks:
        print("  none: no shade in the catalogs fits a rule for this face", file=sys.stderr)
    return 0


def _lab(lab: tuple[float, float, float]) -> str:
    return "(" + ", ".join(f"{v:.1f}" for v in lab) + ")"
