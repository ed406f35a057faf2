"""`tryon advise`: measure the face in a photo and pick shades for it, each with its reason; `tryon calibrate`:
measure the camera's colours on a ColorChecker for it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from tryon.cli.common import shade_library
from tryon.errors import TryonError
from tryon.files import check_output

if TYPE_CHECKING:
    import numpy as np


def cmd_advise(args: argparse.Namespace) -> int:
    from tryon.advisor.advice import advise, largest_face
    from tryon.advisor.measure import sample_face
    from tryon.advisor.recommend import LipsReference
    from tryon.calibration import load_calibration
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
    calibration = load_calibration(args.calibration) if args.calibration else None
    samples = [sample_face(frame, face)]
    advice = advise(samples, library.shades, count=args.count, reference=reference, calibration=calibration)
    if args.json:
        print(json.dumps({"image": str(args.image), "faces_found": len(faces), **advice.to_json()}, indent=2))
        return 0
    c = advice.colours
    if len(faces) > 1:
        print(f"{len(faces)} faces found; measured the largest")
    print(advice.summary())
    print(f"  skin Lab {_lab(c.skin_lab)}  lips Lab {_lab(c.lip_lab)}  skin hue {c.skin_hue_deg:.0f}°")
    print(f"  confidence {c.confidence:.2f}" + (f" — {'; '.join(c.light_notes)}" if c.light_notes else ""))
    if c.calibration:
        print(f"  colours corrected by the ColorChecker calibration of {c.calibration}")
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


def cmd_calibrate(args: argparse.Namespace) -> int:
    """`tryon calibrate IMAGE | --camera SPEC`: fit the camera's colour correction on a ColorChecker Classic."""
    from tryon.calibration import calibrate
    from tryon.media.sources import read_image

    if (args.image is None) == (args.camera is None):
        raise TryonError("give a picture of the chart (IMAGE) or --camera N, not both")
    check_output(args.output, suffixes=(".json",), inputs=[args.image] if args.image else [])
    if args.image is not None:
        picture, camera = read_image(args.image), args.name or args.image.stem
    else:
        picture, camera = _camera_still(args.camera), args.name or f"camera {args.camera}"
    try:
        calibration = calibrate(picture, camera)
    except TryonError as exc:
        where = args.image if args.image is not None else f"camera {args.camera}"
        raise TryonError(f"{where}: {exc}") from None
    calibration.save(args.output)
    print(
        f"{args.output}: {camera}, {calibration.created}: residual ΔE2000 {calibration.residual_de2000:.2f} "
        f"(worst patch {calibration.worst_patch_de2000:.1f}; {calibration.patches_used} of 24 patches; "
        f"tone curve gamma {calibration.gamma:.2f})"
    )
    return 0


def _camera_still(spec: str, frames: int = 15) -> np.ndarray:
    """The mean of `frames` frames from camera `spec` (index, stream URL or video file): less noise on the
    patches. Raises SourceError when the camera cannot be opened or stops."""
    import numpy as np

    from tryon.media.sources import CaptureSource

    source = CaptureSource(spec)
    try:
        for _ in range(5):  # the camera settles its exposure and white balance on its first frames
            source.read()
        total = source.read().astype(np.float64)
        for _ in range(frames - 1):
            total += source.read()
    finally:
        source.close()
    return np.asarray(np.round(total / frames), dtype=np.uint8)
