"""`tryon eval`: the engine's lip masks and renders scored against human masks; and jitter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tryon.catalog.finishes import FINISHES
from tryon.catalog.model import Shade, hex_to_rgb
from tryon.engine.landmarks import FaceLandmarker
from tryon.engine.mask import LipMask, lip_mask
from tryon.engine.pipeline import Pipeline, render_masks
from tryon.media.compose import collage
from tryon.media.export import save_image
from tryon.quality.evalset import EvalFace, load_face, manifest_entries
from tryon.quality.metrics import boundary_f, changed, iou, skin_spill, teeth_spill, texture_correlation

# A strong red matte at full intensity: the hardest case for spill.
SPILL_SHADE = Shade(id="eval-red", name="Eval Red", color="#C0102A", finish="matte", opacity=1.0)


@dataclass(frozen=True)
class FaceScore:
    """One face of the eval set: lip-mask IoU and boundary F against the human mask; teeth and skin
    spill (share of those pixels the strong-red render changed; teeth only on open, uncovered mouths);
    texture correlation of the lips before and after. Shares are in [0, 1]; None = not measurable."""

    name: str
    found: bool
    iou: float
    boundary_f: float
    teeth_spill: float | None
    skin_spill: float
    texture_corr: float | None


def score_face(face: EvalFace, masks: Sequence[LipMask]) -> FaceScore:
    """Score one face from the engine's `masks` of it: the mask overlapping the human lips most is judged."""
    size_hw = face.image.shape[:2]
    if not masks:
        return FaceScore(face.name, False, 0.0, 0.0, None, 0.0, None)
    preds = [m.full_frame(size_hw) > 0.5 for m in masks]
    ious = [iou(pred, face.lips) for pred in preds]
    best = int(np.argmax(ious))
    rendered = render_masks(face.image, tuple(masks), SPILL_SHADE)
    teeth = None
    if face.mouth_open and not face.mouth_covered:
        spill = teeth_spill(face.image, rendered, face.mouth, face.lips)
        teeth = None if np.isnan(spill) else spill
    texture = texture_correlation(face.image, rendered, preds[best] & face.lips)
    return FaceScore(
        name=face.name,
        found=True,
        iou=ious[best],
        boundary_f=boundary_f(preds[best], face.lips),
        teeth_spill=teeth,
        skin_spill=skin_spill(face.image, rendered, face.lips, face.mouth),
        texture_corr=None if np.isnan(texture) else texture,
    )


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


@dataclass(frozen=True)
class EvalReport:
    """`tryon eval`: every face's `FaceScore` and the means over the set (None where no face was measurable)."""

    faces_dir: str
    faces: tuple[FaceScore, ...]
    colour_fidelity: dict[str, dict[str, float]] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)  # face name → skin-tone group, from the set's groups.csv

    def per_group(self) -> dict[str, dict[str, Any]]:
        """Per skin-tone group of `groups` (none without a groups.csv): faces, found, mean IoU, boundary F and
        spill — whether the lips are found and painted as well on every skin tone."""
        out: dict[str, dict[str, Any]] = {}
        for group in sorted(set(self.groups.values())):
            mine = [face for face in self.faces if self.groups.get(face.name) == group]
            out[group] = {
                "n": len(mine),
                "found": sum(face.found for face in mine),
                "mean_iou": _mean([face.iou for face in mine]),
                "mean_boundary_f": _mean([face.boundary_f for face in mine]),
                "mean_teeth_spill": _mean([face.teeth_spill for face in mine]),
                "mean_skin_spill": _mean([face.skin_spill for face in mine]),
            }
        return out

    @property
    def n(self) -> int:
        return len(self.faces)

    @property
    def found(self) -> int:
        return sum(face.found for face in self.faces)

    @property
    def mean_iou(self) -> float:
        return float(np.mean([face.iou for face in self.faces]))

    @property
    def median_iou(self) -> float:
        return float(np.median([face.iou for face in self.faces]))

    @property
    def mean_boundary_f(self) -> float:
        return float(np.mean([face.boundary_f for face in self.faces]))

    @property
    def mean_teeth_spill(self) -> float | None:
        return _mean([face.teeth_spill for face in self.faces])

    @property
    def mean_skin_spill(self) -> float | None:
        return _mean([face.skin_spill for face in self.faces])

    @property
    def mean_texture_corr(self) -> float | None:
        return _mean([face.texture_corr for face in self.faces])

    def worst(self, count: int) -> list[FaceScore]:
        """The `count` faces with the lowest IoU, worst first."""
        return sorted(self.faces, key=lambda face: face.iou)[:count]

    def to_json(self) -> dict[str, Any]:
        """The JSON report (its keys are what scripts read: keep them)."""
        return {
            "faces_dir": self.faces_dir,
            "n": self.n,
            "found": self.found,
            "not_found": [face.name for face in self.faces if not face.found],
            "mean_iou": self.mean_iou,
            "median_iou": self.median_iou,
            "mean_boundary_f": self.mean_boundary_f,
            "mean_teeth_spill": self.mean_teeth_spill,
            "mean_skin_spill": self.mean_skin_spill,
            "mean_texture_corr": self.mean_texture_corr,
            "faces": [asdict(face) for face in self.faces],
            "colour_fidelity": self.colour_fidelity,
            "per_group": self.per_group(),
        }


def evaluate(faces_dir: Path) -> EvalReport:
    """Score the engine on every face of an eval folder (the layout of ../shared/eval); with a `groups.csv`
    there (`file,group`, as `tryon eval --tones` reads), the scores are also given per skin-tone group."""
    from tryon.quality.tones import read_groups

    entries = manifest_entries(faces_dir)
    groups: dict[str, str] = {}
    if (Path(faces_dir) / "groups.csv").is_file():
        by_file = dict(read_groups(faces_dir))
        for entry in entries:
            group = by_file.get(Path(str(entry["image"])).name) or by_file.get(str(entry["name"]))
            if group is not None:
                groups[str(entry["name"])] = group
    rows: list[FaceScore] = []
    fidelity: list[FidelitySample] = []
    with FaceLandmarker(mode="image") as landmarker:
        for entry in entries:
            face = load_face(faces_dir, entry)
            masks = tuple(lip_mask(face.image, found) for found in landmarker.detect(face.image))
            rows.append(score_face(face, masks))
            fidelity += colour_fidelity_samples(face, masks)
    fidelity_summary = summarise_fidelity(fidelity)
    return EvalReport(faces_dir=str(faces_dir), faces=tuple(rows), colour_fidelity=fidelity_summary, groups=groups)


# Colour fidelity: each finish at full coverage in three swatch colours that span the catalogs
# (a red, a plum, a coral), compared with the median colour of the painted lips.
FIDELITY_COLOURS = ("#B0122B", "#5B2A5E", "#E0604A")
_FIDELITY_ERODE_PX = 2  # judge the lips away from their edge (the human mask eroded)
_FIDELITY_HIGHLIGHT_PERCENTILE = 90  # and without their highlights (the brightest tenth)


@dataclass(frozen=True)
class FidelitySample:
    """One face, finish and swatch: ΔE2000 of the lips' median colour to the swatch, the same with the
    swatch moved to the lips' own lightness (colour without the scene's light), hue difference in
    degrees, and the lips' chroma over the swatch's."""

    finish: str
    delta_e: float
    delta_e_at_lip_lightness: float
    hue_diff_deg: float
    chroma_ratio: float


def colour_fidelity_samples(face: EvalFace, masks: Sequence[LipMask]) -> list[FidelitySample]:
    """Every finish × `FIDELITY_COLOURS` at opacity 1 on `face` (none without a face or enough lip)."""
    import cv2

    from tryon.colour import delta_e_2000, rgb_to_lab

    if not masks:
        return []
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * _FIDELITY_ERODE_PX + 1,) * 2)
    judged = cv2.erode(face.lips.astype(np.uint8), kernel) > 0
    if face.mouth_open:
        judged &= ~face.mouth
    if judged.sum() < 50:
        return []
    samples = []
    for finish in FINISHES:
        for colour in FIDELITY_COLOURS:
            shade = Shade(id="fidelity", name="Fidelity", color=colour, finish=finish, opacity=1.0)
            lab = rgb_to_lab(render_masks(face.image, tuple(masks), shade)[judged]).astype(np.float64)
            lab = lab[lab[:, 0] <= np.percentile(lab[:, 0], _FIDELITY_HIGHLIGHT_PERCENTILE)]
            lips = np.median(lab, axis=0)
            swatch = rgb_to_lab(np.array(hex_to_rgb(colour), dtype=np.uint8)).astype(np.float64)
            at_lightness = np.array([lips[0], swatch[1], swatch[2]])
            hue = np.degrees(np.arctan2(lips[2], lips[1]) - np.arctan2(swatch[2], swatch[1]))
            samples.append(
                FidelitySample(
                    finish=finish,
                    delta_e=float(delta_e_2000(lips, swatch)),
                    delta_e_at_lip_lightness=float(delta_e_2000(lips, at_lightness)),
                    hue_diff_deg=float((hue + 180.0) % 360.0 - 180.0),
                    chroma_ratio=float(np.hypot(lips[1], lips[2]) / max(np.hypot(swatch[1], swatch[2]), 1e-6)),
                )
            )
    return samples


def summarise_fidelity(samples: Sequence[FidelitySample]) -> dict[str, dict[str, float]]:
    """Per finish: medians over faces and swatches (ΔE2000, at the lips' lightness, |hue|, chroma ratio)."""
    summary: dict[str, dict[str, float]] = {}
    for finish in FINISHES:
        mine = [s for s in samples if s.finish == finish]
        if mine:
            summary[finish] = {
                "delta_e2000_median": float(np.median([s.delta_e for s in mine])),
                "delta_e2000_at_lip_lightness_median": float(np.median([s.delta_e_at_lip_lightness for s in mine])),
                "hue_diff_deg_median": float(np.median([abs(s.hue_diff_deg) for s in mine])),
                "chroma_ratio_median": float(np.median([s.chroma_ratio for s in mine])),
                "samples": float(len(mine)),
            }
    return summary


def overlay_picture(face: EvalFace, masks: tuple[LipMask, ...], rendered: np.ndarray) -> np.ndarray:
    """Engine vs human on one face, RGB uint8: left, the lips (green both, red engine only, blue human
    only) captioned with the IoU; right, the strong-red render with the mouth pixels it changed in yellow."""
    size_hw = face.image.shape[:2]
    engine = np.zeros(size_hw, dtype=bool)
    for mask in masks:
        engine |= mask.full_frame(size_hw) > 0.5
    compare = face.image.copy()
    for region, colour in (
        (engine & face.lips, (40, 200, 60)),
        (engine & ~face.lips, (230, 40, 40)),
        (face.lips & ~engine, (40, 90, 240)),
    ):
        compare[region] = (0.45 * compare[region] + 0.55 * np.array(colour)).astype(np.uint8)
    spill = rendered.copy()
    spill[changed(face.image, rendered) & face.mouth & ~face.lips] = (255, 230, 0)
    ys, xs = np.nonzero(engine | face.lips | face.mouth)
    focus = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())) if len(xs) else None
    captions = [
        f"{face.name}  IoU {iou(engine, face.lips):.2f}",
        "render · yellow = paint on the mouth",
    ]
    return collage([compare, spill], captions, canvas_wh=(1200, 560), focus_xyxy=_widen(focus, 0.1))


def _widen(box: tuple[float, float, float, float] | None, share: float) -> tuple[float, float, float, float] | None:
    """`box` grown by `share` of its size on every side (so the crop shows the lips with some face around)."""
    if box is None:
        return None
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * share, (y1 - y0) * share
    return x0 - dx, y0 - dy, x1 + dx, y1 + dy


def write_overlays(faces_dir: Path, names: list[str], out_dir: Path) -> list[Path]:
    """Write `overlay_picture` PNGs of the named faces to `out_dir` (not for committing: the faces'
    licences may not allow it); returns the paths."""
    entries = {str(e["name"]): e for e in manifest_entries(faces_dir)}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with FaceLandmarker(mode="image") as landmarker:
        for rank, name in enumerate(names, start=1):
            face = load_face(faces_dir, entries[name])
            masks = tuple(lip_mask(face.image, found) for found in landmarker.detect(face.image))
            rendered = render_masks(face.image, masks, SPILL_SHADE) if masks else face.image
            path = out_dir / f"{rank:02d}_{name}.png"
            save_image(path, overlay_picture(face, masks, rendered))
            written.append(path)
    return written


@dataclass(frozen=True)
class JitterReport:
    """RMS frame-to-frame movement (px) of the outer lip contour on a still face, with and without
    smoothing, and in how many frames a face was found."""

    jitter_rms_px_smoothed: float
    frames_with_face_smoothed: float
    jitter_rms_px_raw: float
    frames_with_face_raw: float

    def to_json(self) -> dict[str, float]:
        return asdict(self)


def jitter(image: np.ndarray, *, frames: int = 300, noise_sigma: float = 2.0, seed: int = 0) -> JitterReport:
    """Landmark jitter of a still RGB uint8 face fed through the VIDEO-mode pipeline `frames` times with
    Gaussian sensor noise (sigma in 8-bit levels), smoothed and raw."""
    out: dict[str, float] = {}
    for smoothing in (True, False):
        rng = np.random.default_rng(seed)
        contours = []
        with Pipeline(mode="video", smoothing=smoothing, max_faces=1) as pipeline:
            for index in range(frames):
                noise = rng.normal(0.0, noise_sigma, image.shape)
                frame = np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)
                result = pipeline.process(frame, None, timestamp_ms=index * 33)
                if result.faces:
                    contours.append(result.faces[0].lips_outer)
        steps = np.diff(np.array(contours), axis=0) if len(contours) > 1 else np.zeros((1, 20, 2))
        key = "smoothed" if smoothing else "raw"
        out[f"jitter_rms_px_{key}"] = float(np.sqrt((steps**2).sum(axis=-1).mean()))
        out[f"frames_with_face_{key}"] = float(len(contours))
    return JitterReport(**out)
