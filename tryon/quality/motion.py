"""`tryon eval --motion`: lipstick on moving lips, against exact ground truth.

A real face photo is moved over a 1280×720 canvas by a known similarity transform per frame (translation, in-plane
rotation or zoom; a sine or a constant-speed back-and-forth profile), with sensor noise and the motion blur of a
1/60 s exposure, and fed to a video-mode `Pipeline` at 30 fps timestamps. The truth of a frame is the face's
landmarks at rest — VIDEO mode, no smoothing, the photo unmoved — moved by that frame's transform at mid-exposure.
Errors are measured on the 40 lip points (outer and inner contour), in pixels and in % of the mouth's width.

The same module measures how soon lipstick appears: frames from a face's first frame (and from its return after
leaving the picture) to the first frame with lipstick on it, per face size, at the pace of a 30 fps camera.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import cv2
import numpy as np

from tryon.engine.face import Face
from tryon.engine.flow import PoseCarrier
from tryon.engine.landmarks import lips_at_rest
from tryon.engine.pipeline import Pipeline
from tryon.engine.smoothing import LandmarkSmoother, OneEuroParams

FPS = 30.0
CANVAS_WH = (1280, 720)
MOTION_FACE_WIDTH_PX = 240.0  # a face at arm's length from a laptop's camera, 720p
SPEEDS_PX_S = (60.0, 120.0, 240.0, 400.0, 600.0)
EXPOSURE_S = 1 / 60  # motion blur: the frame is the mean of the scene over this long, centred on its time
_BLUR_SUBFRAMES = 5
_WARM_UP_FRAMES = 15  # not scored: the face is found and the filter settles at rest first
_SINE_HZ = 0.5

Kind = Literal["translate", "rotate", "zoom"]
Profile = Literal["sine", "sweep"]


@dataclass(frozen=True)
class Motion:
    """A motion of the face: `kind`, `profile` (sine, or a constant-speed sweep back and forth) and the peak speed
    of the lip points in px/s (for rotation and zoom: at the lips, about the face's centre)."""

    kind: Kind
    profile: Profile
    speed_px_s: float

    @property
    def name(self) -> str:
        return "still" if self.speed_px_s == 0 else f"{self.kind} {self.profile} {self.speed_px_s:.0f} px/s"


@dataclass(frozen=True)
class MotionScore:
    """Lip-point error over the scored frames of one motion: mean / p95 / max in px and mean in % of the mouth's
    width; frames with no face (`missed`); for a still face, `jitter_rms_px` (frame-to-frame movement, RMS)."""

    motion: str
    face: str
    error_px_mean: float
    error_px_p95: float
    error_px_max: float
    error_pct_mouth_mean: float
    frames: int
    missed: int
    jitter_rms_px: float | None = None


_ROTATE_DEG = 15.0  # rotation and zoom keep a head-like amplitude; their speed sets how fast they swing
_ZOOM = 0.25


def _pose(motion: Motion, t_s: float, lip_radius_px: float) -> tuple[float, float, float]:
    """(shift_x px, angle degrees, zoom factor) at time `t_s`; at rest through the warm-up. `lip_radius_px`: the
    lips' distance from the centre the face turns and zooms about (the neck; the face's centre)."""
    if motion.speed_px_s == 0:
        return 0.0, 0.0, 1.0
    t = max(0.0, t_s - _WARM_UP_FRAMES / FPS)
    if motion.kind == "translate" and motion.profile == "sweep":  # a triangle wave: constant speed, ±120 px
        amplitude, period = 120.0, 4 * 120.0 / motion.speed_px_s
        phase = (t / period) % 1.0
        return (
            float(amplitude * (4 * phase if phase < 0.25 else 2 - 4 * phase if phase < 0.75 else 4 * phase - 4)),
            0,
            1,
        )
    if motion.kind == "translate":  # x = A sin(2πft), f = 0.5 Hz: peak speed 2πfA
        return float(motion.speed_px_s / (2 * np.pi * _SINE_HZ) * np.sin(2 * np.pi * _SINE_HZ * t)), 0.0, 1.0
    # Rotation and zoom: a fixed amplitude at the lips (arc, or radial shift), swinging fast enough for the speed.
    amplitude_px = lip_radius_px * (np.radians(_ROTATE_DEG) if motion.kind == "rotate" else _ZOOM)
    swing = np.sin(2 * np.pi * motion.speed_px_s / (2 * np.pi * amplitude_px) * t)
    if motion.kind == "rotate":
        return 0.0, float(_ROTATE_DEG * swing), 1.0
    return 0.0, 0.0, float(1.0 + _ZOOM * swing)


def _matrix(centre_xy: tuple[float, float], pose: tuple[float, float, float]) -> np.ndarray:
    shift, angle, zoom = pose
    matrix = cv2.getRotationMatrix2D(centre_xy, angle, zoom)
    matrix[0, 2] += shift
    return matrix


class MovingScene:
    """The photo placed at the canvas's centre with its face `face_width_px` wide (at rest). It turns about its neck
    (`pivot_xy("rotate")`, 0.6 face widths below the face's centre) and zooms and slides about its centre."""

    def __init__(self, photo: np.ndarray, photo_face: Face, face_width_px: float) -> None:
        x0, y0, x1, y1 = photo_face.bbox_xyxy
        scale = face_width_px / max(1.0, x1 - x0)
        width, height = CANVAS_WH
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2]) * scale
        self.place = np.array([[scale, 0, width / 2 - centre[0]], [0, scale, height / 2 - centre[1]], [0, 0, 1]])
        self.photo = photo
        self.centre_xy = (width / 2, height / 2)
        self.neck_xy = (width / 2, height / 2 + 0.6 * face_width_px)

    def pivot_xy(self, kind: Kind) -> tuple[float, float]:
        return self.neck_xy if kind == "rotate" else self.centre_xy

    def frame(self, matrix: np.ndarray) -> np.ndarray:
        """The canvas with the photo placed and moved by `matrix` (2×3, applied after placing), RGB uint8."""
        full = np.vstack([matrix, [0, 0, 1]]) @ self.place
        return cv2.warpAffine(self.photo, full[:2], CANVAS_WH, flags=cv2.INTER_LINEAR, borderValue=(118, 112, 106))


def motion_frames(
    scene: MovingScene,
    motion: Motion,
    frames: int,
    lip_radius_px: float,
    *,
    noise_sigma: float,
    exposure_s: float = EXPOSURE_S,
    seed: int = 0,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(timestamp ms, RGB uint8 frame, 2×3 mid-exposure matrix) for each frame of `motion`: the scene averaged over
    `exposure_s` (0: no motion blur), plus Gaussian noise of `noise_sigma` levels."""
    rng = np.random.default_rng(seed)
    pivot = scene.pivot_xy(motion.kind)
    for index in range(frames):
        t = index / FPS
        blurred = motion.speed_px_s and exposure_s > 0
        offsets = np.linspace(-exposure_s / 2, exposure_s / 2, _BLUR_SUBFRAMES) if blurred else [0.0]
        exposure = np.zeros((CANVAS_WH[1], CANVAS_WH[0], 3), np.float32)
        for dt in offsets:
            exposure += scene.frame(_matrix(pivot, _pose(motion, t + dt, lip_radius_px)))
        exposure /= len(offsets)
        if noise_sigma:
            exposure += rng.normal(0.0, noise_sigma, exposure.shape).astype(np.float32)
        frame = np.clip(exposure, 0, 255).astype(np.uint8)
        yield int(round(t * 1000)), frame, _matrix(pivot, _pose(motion, t, lip_radius_px))


@dataclass(frozen=True)
class MotionTrace:
    """One motion run through the raw (unsmoothed) VIDEO-mode landmarker: per scored frame its timestamp, the faces
    found, the same faces with their pose carried by optical flow (`carried`, the engine's first filter step) and
    the true lip points; the One-Euro step is applied afterwards (`score_trace`), so filters compare on the very
    same landmarks."""

    motion: Motion
    face: str
    mouth_width_px: float
    timestamps_ms: tuple[int, ...]
    faces: tuple[tuple[Face, ...], ...]
    truths: tuple[np.ndarray, ...]
    carried: tuple[tuple[Face, ...], ...] = ()


def trace_motion(
    photo: np.ndarray,
    photo_face: Face,
    motion: Motion,
    *,
    name: str = "face",
    seconds: float = 4.0,
    noise_sigma: float = 3.0,
    exposure_s: float = EXPOSURE_S,
    face_width_px: float = MOTION_FACE_WIDTH_PX,
) -> MotionTrace | None:
    """Run `photo` (RGB uint8; `photo_face` its landmarks) through `motion` (with sensor noise and the blur of an
    `exposure_s` exposure); None if no face is found at rest."""
    scene = MovingScene(photo, photo_face, face_width_px)
    rest = lips_at_rest(scene.frame(_matrix(scene.centre_xy, (0.0, 0.0, 1.0))))
    if rest is None:
        return None
    lip_radius = float(np.linalg.norm(rest.mean(axis=0) - np.array(scene.pivot_xy(motion.kind))))
    frames = _WARM_UP_FRAMES + int(seconds * FPS)
    stamps, faces, truths, carried = [], [], [], []
    carrier = PoseCarrier()
    with Pipeline(mode="video", smoothing=False, max_faces=1) as pipeline:
        moving = motion_frames(scene, motion, frames, lip_radius, noise_sigma=noise_sigma, exposure_s=exposure_s)
        for timestamp_ms, frame, matrix in moving:
            stamps.append(timestamp_ms)
            faces.append(pipeline.process(frame, None, timestamp_ms=timestamp_ms).faces)
            carried.append(carrier.update(frame, faces[-1]))
            truths.append(rest @ matrix[:, :2].T + matrix[:, 2])
    mouth_width = float(np.linalg.norm(rest[0] - rest[10]))
    return MotionTrace(motion, name, mouth_width, tuple(stamps), tuple(faces), tuple(truths), tuple(carried))


def score_trace(trace: MotionTrace, smoothing: OneEuroParams | None, *, pose_flow: bool = False) -> MotionScore:
    """The lip error of `trace` with landmarks smoothed by `smoothing` (None: raw) — after the optical-flow pose
    step with `pose_flow` — over the frames after the warm-up."""
    smoother = LandmarkSmoother(smoothing) if smoothing is not None else None
    errors, shown = [], []
    missed = 0
    found = trace.carried if pose_flow else trace.faces
    for index, (timestamp_ms, faces, truth) in enumerate(zip(trace.timestamps_ms, found, trace.truths, strict=True)):
        if smoother is not None:
            faces = smoother.update(faces, timestamp_ms)
        if index < _WARM_UP_FRAMES:
            continue
        if not faces:
            missed += 1
            continue
        points = faces[0].lip_points.astype(np.float64)
        errors.append(float(np.linalg.norm(points - truth, axis=1).mean()))
        shown.append(points)
    name = trace.motion.name
    if not errors:
        return MotionScore(name, trace.face, float("nan"), float("nan"), float("nan"), float("nan"), 0, missed)
    values = np.array(errors)
    jitter = None
    if trace.motion.speed_px_s == 0 and len(shown) > 1:
        steps = np.diff(np.stack(shown), axis=0)
        jitter = float(np.sqrt((steps**2).sum(axis=-1).mean()))
    return MotionScore(
        motion=name,
        face=trace.face,
        error_px_mean=float(values.mean()),
        error_px_p95=float(np.percentile(values, 95)),
        error_px_max=float(values.max()),
        error_pct_mouth_mean=float(values.mean() / trace.mouth_width_px * 100),
        frames=len(errors),
        missed=missed,
        jitter_rms_px=jitter,
    )


def standard_motions() -> list[Motion]:
    """Still, then a slide (sine and constant-speed sweep) at every speed of `SPEEDS_PX_S`, and a head roll
    (±15° about the neck) and a zoom (±25 %) at 120 and 400 px/s at the lips."""
    motions = [Motion("translate", "sine", 0.0)]
    motions += [Motion("translate", profile, speed) for profile in ("sine", "sweep") for speed in SPEEDS_PX_S]
    motions += [Motion(kind, "sine", speed) for kind in ("rotate", "zoom") for speed in (120.0, 400.0)]
    return motions


# ----- how soon lipstick appears


@dataclass(frozen=True)
class Acquisition:
    """Frames (at 30 fps, paced in real time) from a face's first frame to its first frame with lipstick, and
    from its return after 15 frames out of the picture; None: not within the run."""

    face: str
    face_width_px: float
    first_lipstick_frames: int | None
    reacquired_frames: int | None


def acquisition(
    photo: np.ndarray,
    photo_face: Face,
    face_width_px: float,
    *,
    name: str = "face",
    paced: bool = True,
    pipeline_factory: Callable[[], Pipeline] = lambda: Pipeline(mode="video", max_faces=1),
) -> Acquisition:
    """A face appears (60 frames), leaves (15 frames of the empty canvas), comes back (60 frames), its head moving
    gently; camera frames until lipstick each time. `paced`: frames come at 30 fps in real time, as from a camera
    (the newest frame is taken when the pipeline is ready, the ones it missed are dropped; the small-face search
    runs in the background and is timed against them); else as `tryon video` reads a file (a frame without a face
    waits for the search it started)."""
    scene = MovingScene(photo, photo_face, face_width_px)
    empty = np.full((CANVAS_WH[1], CANVAS_WH[0], 3), (118, 112, 106), np.uint8)
    gentle = Motion("translate", "sine", 30.0)
    lip_radius = face_width_px * 0.3  # unused by a slide
    first = again = None
    shown = [frame for _, frame, _ in motion_frames(scene, gentle, 60, lip_radius, noise_sigma=2.0)]
    script = [(f, True) for f in shown] + [(empty, False)] * 15 + [(f, True) for f in shown]
    with pipeline_factory() as pipeline:
        started = time.perf_counter()
        index, last = 0, -1
        while index < len(script):
            if paced:  # a camera: frame `index` is whichever is current now; ones the pipeline missed are dropped
                index = max(last + 1, int((time.perf_counter() - started) * FPS))
                if index >= len(script):
                    break
                time.sleep(max(0.0, started + index / FPS - time.perf_counter()))
            frame, face_in = script[index]
            result = pipeline.process(frame, None, timestamp_ms=int(index * 1000 / FPS))
            if not paced and not result.faces:
                pipeline.wait_for_search()
            if face_in and result.faces:
                if index < 60 and first is None:
                    first = index
                elif index >= 75 and again is None:
                    again = index - 75
            last = index
            index += 1
    return Acquisition(name, face_width_px, first, again)


def report_json(scores: Sequence[MotionScore], acquisitions: Sequence[Acquisition]) -> dict[str, Any]:
    return {"motion": [asdict(s) for s in scores], "acquisition": [asdict(a) for a in acquisitions]}


# ----- the whole evaluation

# The landmark filter before issue 26: tuned on still faces only (lag 5-15 px at 120-400 px/s).
PREVIOUS_SMOOTHING = OneEuroParams(min_cutoff_hz=1.0, beta=0.02, derivative_cutoff_hz=1.0, deadband_px=0.25)
# label → (One-Euro parameters or None for none, whether the optical-flow pose step runs first)
FILTERS: dict[str, tuple[OneEuroParams | None, bool]] = {
    "before": (PREVIOUS_SMOOTHING, False),
    "raw": (None, False),
    "euro": (OneEuroParams(), False),  # session 7's filter: One-Euro re-tuned for motion, no flow
    "now": (OneEuroParams(), True),
}
ACQUISITION_WIDTHS_PX = (100.0, 150.0, 200.0, 300.0, 400.0)


@dataclass(frozen=True)
class MotionReport:
    """Per motion and filter, the scores of every face; and how soon lipstick appears, per face size."""

    scores: tuple[tuple[str, MotionScore], ...]  # (filter, score)
    acquisitions: tuple[tuple[str, Acquisition], ...]  # (detector, acquisition)

    def table(self) -> list[dict[str, Any]]:
        """One row per (motion, filter): the faces' mean of each figure."""
        rows: dict[tuple[str, str], list[MotionScore]] = {}
        for label, score in self.scores:
            rows.setdefault((score.motion, label), []).append(score)
        out = []
        for (motion, label), scores in rows.items():
            row: dict[str, Any] = {"motion": motion, "filter": label, "faces": len(scores)}
            for key in ("error_px_mean", "error_px_p95", "error_px_max", "error_pct_mouth_mean"):
                row[key] = round(float(np.nanmean([getattr(s, key) for s in scores])), 2)
            jitters = [s.jitter_rms_px for s in scores if s.jitter_rms_px is not None]
            row["jitter_rms_px"] = round(float(np.mean(jitters)), 4) if jitters else None
            row["missed_frames"] = sum(s.missed for s in scores)
            out.append(row)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "fps": FPS,
            "canvas_wh": list(CANVAS_WH),
            "face_width_px": MOTION_FACE_WIDTH_PX,
            "exposure_s": EXPOSURE_S,
            "table": self.table(),
            "per_face": [{"filter": label, **asdict(score)} for label, score in self.scores],
            "acquisition": [{"detector": label, **asdict(a)} for label, a in self.acquisitions],
        }


def evaluate_motion(
    faces: Sequence[tuple[str, np.ndarray]],
    *,
    seconds: float = 4.0,
    motions: Sequence[Motion] | None = None,
    acquisition_face: tuple[str, np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MotionReport:
    """Every motion on every face (name, RGB uint8 photo) under each of `FILTERS`; how soon lipstick appears on
    `acquisition_face` at `ACQUISITION_WIDTHS_PX`: live at 30 fps with the desktop's Haar cascade and with
    BlazeFace, and as `tryon video` reads a file."""
    from tryon.engine.landmarks import FaceLandmarker

    motions = list(motions or standard_motions())
    scores: list[tuple[str, MotionScore]] = []
    acquisitions: list[tuple[str, Acquisition]] = []
    steps = len(faces) * len(motions) + (3 * len(ACQUISITION_WIDTHS_PX) if acquisition_face else 0)
    done = 0
    with FaceLandmarker(mode="image") as landmarker:
        located = [(name, photo, landmarker.detect(photo)) for name, photo in faces]
        source = acquisition_face and (acquisition_face[0], acquisition_face[1], landmarker.detect(acquisition_face[1]))
    for name, photo, found in located:
        for motion in motions:
            trace = (
                trace_motion(
                    photo,
                    found[0],
                    motion,
                    name=name,
                    seconds=seconds,
                    noise_sigma=6.0 if not motion.speed_px_s else 3.0,
                )
                if found
                else None
            )
            if trace is not None:
                scores += [
                    (label, score_trace(trace, params, pose_flow=flow)) for label, (params, flow) in FILTERS.items()
                ]
            done += 1
            if progress is not None:
                progress(done, steps)
    if source and source[2]:
        name, photo, found = source
        for label, far, paced in (("cascade", False, True), ("blazeface", True, True), ("video file", False, False)):
            for width in ACQUISITION_WIDTHS_PX:
                run = acquisition(
                    photo,
                    found[0],
                    width,
                    name=name,
                    paced=paced,
                    pipeline_factory=functools.partial(Pipeline, mode="video", max_faces=1, far_faces=far),
                )
                acquisitions.append((label, run))
                done += 1
                if progress is not None:
                    progress(done, steps)
    return MotionReport(tuple(scores), tuple(acquisitions))
