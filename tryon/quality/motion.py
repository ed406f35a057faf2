"""`tryon eval --motion`: lipstick on moving lips, against exact ground truth.

A real face photo is moved over a 1280×720 canvas by a known similarity transform per frame (translation, in-plane
rotation or zoom; a sine or a constant-speed back-and-forth profile), with sensor noise and the motion blur of a
1/60 s exposure, and fed to a video-mode `Pipeline` at 30 fps timestamps; the mouth may also move on its own (it
opens or smiles: `MouthWarp`, a warp of the photo). The truth of a frame is the face's landmarks at rest — VIDEO
mode, no smoothing, the photo unmoved — moved by that frame's mouth and transform at mid-exposure. Errors are
measured on the 40 lip points (outer and inner contour), in pixels and in % of the mouth's width.

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
from tryon.engine.flow import FlowCarrier, FlowParams
from tryon.engine.landmarks import lips_at_rest
from tryon.engine.pipeline import Pipeline
from tryon.engine.smoothing import LandmarkSmoother, OneEuroParams

FPS = 30.0
CANVAS_WH = (1280, 720)
MOTION_FACE_WIDTH_PX = 240.0  # a face at arm's length from a laptop's camera, 720p
SPEEDS_PX_S = (60.0, 120.0, 240.0, 400.0, 600.0)
MOUTH_SPEEDS_PX_S = (120.0, 240.0)  # talking: the lower lip's centre, peak
EXPOSURE_S = 1 / 60  # motion blur: the frame is the mean of the scene over this long, centred on its time
_BLUR_SUBFRAMES = 5
_BACKGROUND = (118, 112, 106)
_MOUTH_INSIDE = np.array([62.0, 24.0, 26.0], np.float32)  # RGB: the shadowed inside of an open mouth
_WARM_UP_FRAMES = 15  # not scored: the face is found and the filter settles at rest first
_SINE_HZ = 0.5

Kind = Literal["translate", "rotate", "zoom"]
Profile = Literal["sine", "sweep"]
MouthMove = Literal["open", "smile"]


@dataclass(frozen=True)
class Motion:
    """A motion of the face: `kind`, `profile` (sine, or a constant-speed sweep back and forth) and the peak speed
    of the lip points in px/s (for rotation and zoom: at the lips, about the face's centre)."""

    kind: Kind
    profile: Profile
    speed_px_s: float
    mouth_px_s: float = 0.0  # the mouth moving on its own: peak speed of its fastest lip point (0: at rest)
    mouth: MouthMove = "open"  # how: opening and closing, or a smile coming and going

    @property
    def name(self) -> str:
        head = "still" if self.speed_px_s == 0 else f"{self.kind} {self.profile} {self.speed_px_s:.0f} px/s"
        if not self.mouth_px_s:
            return head
        mouth = f"{'mouth' if self.mouth == 'open' else 'smile'} {self.mouth_px_s:.0f} px/s"
        return mouth if self.speed_px_s == 0 else f"{head}, {mouth}"

    @property
    def moving(self) -> bool:
        return bool(self.speed_px_s or self.mouth_px_s)


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


MOUTH_OPENING = 0.10  # how far the lower lip drops when the mouth opens, in face widths (24 px on a 240 px face)
SMILE = 0.06  # how far the mouth's corners move (up and out) in a smile, in face widths (14 px)


def mouth_opening(motion: Motion, t_s: float, face_width_px: float) -> float:
    """How far the mouth has moved at time `t_s`, px (the lower lip's centre dropped, or the corners moved): open
    and closed again (1 − cos) at the pace that gives a peak speed of `motion.mouth_px_s`; at rest through the
    warm-up."""
    if not motion.mouth_px_s:
        return 0.0
    t = max(0.0, t_s - _WARM_UP_FRAMES / FPS)
    depth = (MOUTH_OPENING if motion.mouth == "open" else SMILE) * face_width_px
    rate_hz = motion.mouth_px_s / (np.pi * depth)
    return float(depth * (1 - np.cos(2 * np.pi * rate_hz * t)) / 2)


class MouthWarp:
    """A mouth that moves on its own, made from a photo by a smooth warp with a known truth. **open**: below the
    line between the lips (a parabola through the mouth's corners and the middle of the inner contour) the lower
    lip, chin and jaw move down the face by the opening, most at the middle and not at all at the corners
    (1 − (u / half width)²), fading out below the chin; above the line nothing moves. The band between the lips
    stretches into the opening, which darkens as it widens (the inside of the mouth). **smile**: each corner moves
    up and out (0.8 up, 0.6 out) and the lips and cheeks around it with it (a Gaussian, σ half the mouth's width).
    `rest_lips`: the lip points (`Face.lip_points`, (40, 2)) of the face at rest on the canvas."""

    def __init__(
        self,
        rest_lips: np.ndarray,
        face_width_px: float,
        canvas_wh: tuple[int, int] = CANVAS_WH,
        move: MouthMove = "open",
    ) -> None:
        self.move = move
        self.corners = (rest_lips[0], rest_lips[10])
        outer, inner = rest_lips[:20], rest_lips[20:]
        self.middle = (outer[0] + outer[10]) / 2
        along = (outer[10] - outer[0]) / max(float(np.linalg.norm(outer[10] - outer[0])), 1e-6)
        down = np.array([-along[1], along[0]])
        self.along, self.down = along, down if down[1] > 0 else -down
        self.half_width = float(np.linalg.norm(outer[10] - outer[0])) / 2
        self.seam_middle = float(((inner[5] + inner[15]) / 2 - self.middle) @ self.down)
        self.band_px = max(1.5, 0.01 * face_width_px)  # the seam's soft edge
        self.face_width_px = face_width_px
        width, height = canvas_wh
        reach = 0.6 * face_width_px  # outside this box around the mouth nothing moves
        x0, y0 = self.middle - reach
        x1, y1 = self.middle + reach + np.array([0.0, 0.4 * face_width_px])
        self.box = (max(0, int(x0)), max(0, int(y0)), min(width, int(x1) + 1), min(height, int(y1) + 1))
        left, top, right, bottom = self.box
        ys, xs = np.mgrid[top:bottom, left:right].astype(np.float64)
        self._grid = np.stack([xs, ys], axis=-1).astype(np.float32)
        field, stretch = self._field_and_stretch(self._grid.reshape(-1, 2).astype(np.float64))
        self._field = field.reshape(self._grid.shape).astype(np.float32)
        self._stretch_rate = stretch.reshape(self._grid.shape[:2]).astype(np.float32)
        # Each lip point moves with its own lip: evaluated a band away from the seam on its side (the corners on it).
        side = np.zeros(40)
        side[1:10] = side[21:30] = 1.0  # lower lip
        side[11:20] = side[31:40] = -1.0  # upper lip
        nudged = rest_lips + 2 * self.band_px * side[:, None] * self.down if move == "open" else rest_lips
        self._lip_field = self._field_at(nudged)
        self._rest_lips = rest_lips

    def _field_at(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) displacement per px of opening at `points` (N, 2)."""
        return self._field_and_stretch(points)[0]

    def _field_and_stretch(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 2) displacement per px of opening at `points` (N, 2), and (N,) how fast the seam's band stretches
        there per px of opening (the opening's share of a pixel is 1 − 1 / (1 + opening · rate); 0 in a smile)."""
        if self.move == "smile":
            field = np.zeros_like(points)
            for corner, out in zip(self.corners, (-self.along, self.along), strict=True):
                weight = np.exp(-(((points - corner) ** 2).sum(axis=1)) / (2 * (0.5 * self.half_width) ** 2))
                field += weight[:, None] * (0.6 * out - 0.8 * self.down)
            return field, np.zeros(len(points))
        offset = points - self.middle
        u, s = offset @ self.along, offset @ self.down
        seam = self.seam_middle * (1 - (u / self.half_width) ** 2)
        t = np.clip((s - seam + self.band_px) / (2 * self.band_px), 0.0, 1.0)
        below = t * t * (3 - 2 * t)
        across = np.clip(1 - (u / self.half_width) ** 2, 0.0, 1.0)  # the corners stay where they are
        chin = 0.45 * self.face_width_px
        jaw = np.clip(1 - (s - chin) / (0.3 * self.face_width_px), 0.0, 1.0)
        field = np.asarray((below * across * jaw)[:, None] * self.down, dtype=np.float64)
        return field, np.asarray(6 * t * (1 - t) / (2 * self.band_px) * across * jaw)

    def lips(self, opening_px: float) -> np.ndarray:
        """The true lip points (40, 2) on the canvas at rest with the mouth open by `opening_px`."""
        return np.asarray(self._rest_lips + opening_px * self._lip_field)

    def moved(self, points: np.ndarray, opening_px: float) -> np.ndarray:
        """Any `points` (N, 2) of the face at rest where the mouth's movement by `opening_px` takes them (for the
        lip points themselves use `lips`: the two lips part at the seam)."""
        return np.asarray(points + opening_px * self._field_at(points.astype(np.float64)))

    def apply(self, canvas: np.ndarray, opening_px: float) -> np.ndarray:
        """`canvas` (the face at rest) with the mouth open by `opening_px`: a copy, warped inside `box`."""
        if not opening_px:
            return canvas
        left, top, right, bottom = self.box
        corner = np.array([left, top], np.float32)
        source = self._grid - opening_px * self._field  # inverse of p → p + a·V(p), by fixed-point steps
        for _ in range(2):
            local = source - corner  # the maps below are the box's
            moved = cv2.remap(self._field, local[..., 0], local[..., 1], cv2.INTER_LINEAR)
            source = self._grid - opening_px * moved
        local = source - corner
        moved_face = cv2.remap(
            canvas, source[..., 0], source[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        ).astype(np.float32)
        # What the stretched seam opens onto is the dark inside of the mouth (a smile stretches no seam: rate 0).
        rate = cv2.remap(self._stretch_rate, local[..., 0], local[..., 1], cv2.INTER_LINEAR)
        inside = (1 - 1 / (1 + opening_px * rate))[..., None]
        out = canvas.copy()
        out[top:bottom, left:right] = np.clip(moved_face * (1 - inside) + _MOUTH_INSIDE * inside, 0, 255).astype(
            np.uint8
        )
        return out


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
        self.face_width_px = face_width_px
        self._rest: np.ndarray | None = None

    def pivot_xy(self, kind: Kind) -> tuple[float, float]:
        return self.neck_xy if kind == "rotate" else self.centre_xy

    def frame(self, matrix: np.ndarray, *, mouth: MouthWarp | None = None, opening_px: float = 0.0) -> np.ndarray:
        """The canvas with the photo placed and moved by `matrix` (2×3, applied after placing), RGB uint8; with
        `mouth`, the mouth first opened by `opening_px` (on the face at rest)."""
        if mouth is None or not opening_px:
            full = np.vstack([matrix, [0, 0, 1]]) @ self.place
            return cv2.warpAffine(self.photo, full[:2], CANVAS_WH, flags=cv2.INTER_LINEAR, borderValue=_BACKGROUND)
        if self._rest is None:
            self._rest = self.frame(_matrix(self.centre_xy, (0.0, 0.0, 1.0)))
        opened = mouth.apply(self._rest, opening_px)
        return cv2.warpAffine(opened, matrix, CANVAS_WH, flags=cv2.INTER_LINEAR, borderValue=_BACKGROUND)


def motion_frames(
    scene: MovingScene,
    motion: Motion,
    frames: int,
    lip_radius_px: float,
    *,
    noise_sigma: float,
    exposure_s: float = EXPOSURE_S,
    seed: int = 0,
    mouth: MouthWarp | None = None,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(timestamp ms, RGB uint8 frame, 2×3 mid-exposure matrix) for each frame of `motion`: the scene averaged over
    `exposure_s` (0: no motion blur), plus Gaussian noise of `noise_sigma` levels; the mouth opened by `mouth` as
    `motion.mouth_px_s` asks (the truth: `MouthWarp.lips` at the opening of mid-exposure)."""
    rng = np.random.default_rng(seed)
    pivot = scene.pivot_xy(motion.kind)
    if motion.mouth_px_s and mouth is None:
        raise ValueError(f"{motion.name}: a mouth that opens needs its MouthWarp")
    for index in range(frames):
        t = index / FPS
        blurred = motion.moving and exposure_s > 0
        offsets = np.linspace(-exposure_s / 2, exposure_s / 2, _BLUR_SUBFRAMES) if blurred else [0.0]
        exposure = np.zeros((CANVAS_WH[1], CANVAS_WH[0], 3), np.float32)
        for dt in offsets:
            matrix = _matrix(pivot, _pose(motion, t + dt, lip_radius_px))
            opening = mouth_opening(motion, t + dt, scene.face_width_px)
            exposure += scene.frame(matrix, mouth=mouth, opening_px=opening)
        exposure /= len(offsets)
        if noise_sigma:
            exposure += rng.normal(0.0, noise_sigma, exposure.shape).astype(np.float32)
        frame = np.clip(exposure, 0, 255).astype(np.uint8)
        yield int(round(t * 1000)), frame, _matrix(pivot, _pose(motion, t, lip_radius_px))


def _scene_at_rest(
    photo: np.ndarray, photo_face: Face, motion: Motion, face_width_px: float
) -> tuple[MovingScene, np.ndarray, float] | None:
    """The scene of `photo`, the lips VIDEO mode settles on at rest ((40, 2) px: every frame's truth is these,
    moved) and their distance from the point `motion` turns about, px; None when no face is found at rest."""
    scene = MovingScene(photo, photo_face, face_width_px)
    rest = lips_at_rest(scene.frame(_matrix(scene.centre_xy, (0.0, 0.0, 1.0))))
    if rest is None:
        return None
    return scene, rest, float(np.linalg.norm(rest.mean(axis=0) - np.array(scene.pivot_xy(motion.kind))))


def motion_truths(
    photo: np.ndarray, photo_face: Face, motion: Motion, frames: int, face_width_px: float = MOTION_FACE_WIDTH_PX
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """`frames` RGB uint8 frames of `photo` in `motion` from its first moving frame on (the warm-up at rest left
    out), with sensor noise σ 3 and motion blur as `trace_motion` makes them, and each one's true lip points ((40, 2)
    float64 px: the lips VIDEO mode settles on at rest, moved by the frame's mid-exposure transform). Rigid
    motions only. For a clip another engine (the browser's) is measured on."""
    if motion.mouth_px_s:
        raise ValueError(f"{motion.name}: motion_truths makes rigid motions only")
    at_rest = _scene_at_rest(photo, photo_face, motion, face_width_px)
    if at_rest is None:
        raise ValueError("no face found in the photo at rest")
    scene, rest, lip_radius = at_rest
    shown, truths = [], []
    moving = motion_frames(scene, motion, _WARM_UP_FRAMES + frames, lip_radius, noise_sigma=3.0)
    for index, (_, frame, matrix) in enumerate(moving):
        if index >= _WARM_UP_FRAMES:
            shown.append(frame)
            truths.append(rest @ matrix[:, :2].T + matrix[:, 2])
    return shown, truths


@dataclass(frozen=True)
class MotionTrace:
    """One motion run through the raw (unsmoothed) VIDEO-mode landmarker: per scored frame its timestamp, the faces
    found, the same faces blended with the optical flow (`carried`: per `FlowParams` asked for, the engine's first
    filter step) and the true lip points; the One-Euro step is applied afterwards (`score_trace`), so filters
    compare on the very same landmarks."""

    motion: Motion
    face: str
    mouth_width_px: float
    timestamps_ms: tuple[int, ...]
    faces: tuple[tuple[Face, ...], ...]
    truths: tuple[np.ndarray, ...]
    carried: tuple[tuple[FlowParams, tuple[tuple[Face, ...], ...]], ...] = ()


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
    flows: Sequence[FlowParams] = (),
) -> MotionTrace | None:
    """Run `photo` (RGB uint8; `photo_face` its landmarks) through `motion` (with sensor noise and the blur of an
    `exposure_s` exposure), the landmarks also blended with the flow under each of `flows`; None if no face is
    found at rest."""
    at_rest = _scene_at_rest(photo, photo_face, motion, face_width_px)
    if at_rest is None:
        return None
    scene, rest, lip_radius = at_rest
    mouth = MouthWarp(rest, face_width_px, move=motion.mouth) if motion.mouth_px_s else None
    frames = _WARM_UP_FRAMES + int(seconds * FPS)
    stamps, faces, truths = [], [], []
    carriers: list[tuple[FlowParams, FlowCarrier, list[tuple[Face, ...]]]] = [
        (params, FlowCarrier(params), []) for params in dict.fromkeys(flows)
    ]
    with Pipeline(mode="video", smoothing=False, max_faces=1) as pipeline:
        moving = motion_frames(
            scene, motion, frames, lip_radius, noise_sigma=noise_sigma, exposure_s=exposure_s, mouth=mouth
        )
        for index, (timestamp_ms, frame, matrix) in enumerate(moving):
            stamps.append(timestamp_ms)
            faces.append(pipeline.process(frame, None, timestamp_ms=timestamp_ms).faces)
            for _, carrier, carried in carriers:
                carried.append(carrier.update(frame, faces[-1]))
            lips = mouth.lips(mouth_opening(motion, index / FPS, face_width_px)) if mouth is not None else rest
            truths.append(lips @ matrix[:, :2].T + matrix[:, 2])
    mouth_width = float(np.linalg.norm(rest[0] - rest[10]))
    return MotionTrace(
        motion,
        name,
        mouth_width,
        tuple(stamps),
        tuple(faces),
        tuple(truths),
        tuple((params, tuple(carried)) for params, _, carried in carriers),
    )


def score_trace(trace: MotionTrace, smoothing: OneEuroParams | None, *, flow: FlowParams | None = None) -> MotionScore:
    """The lip error of `trace` with landmarks smoothed by `smoothing` (None: raw) — after the optical-flow step
    with `flow` (one of those `trace_motion` ran; None: none) — over the frames after the warm-up."""
    smoother = LandmarkSmoother(smoothing) if smoothing is not None else None
    errors, shown = [], []
    missed = 0
    found = trace.faces if flow is None else dict(trace.carried)[flow]
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
    if not trace.motion.moving and len(shown) > 1:
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
    (±15° about the neck) and a zoom (±25 %) at 120 and 400 px/s at the lips; the mouth opening and closing
    (`MouthWarp`) at 120 and 240 px/s, still and while the head slides at 240 px/s; a smile at 120 px/s (the
    corners), still and sliding."""
    motions = [Motion("translate", "sine", 0.0)]
    motions += [Motion("translate", profile, speed) for profile in ("sine", "sweep") for speed in SPEEDS_PX_S]
    motions += [Motion(kind, "sine", speed) for kind in ("rotate", "zoom") for speed in (120.0, 400.0)]
    motions += [Motion("translate", "sine", 0.0, mouth_px_s=speed) for speed in MOUTH_SPEEDS_PX_S]
    motions += [Motion("translate", "sine", 240.0, mouth_px_s=240.0)]
    motions += [Motion("translate", "sine", speed, mouth_px_s=120.0, mouth="smile") for speed in (0.0, 240.0)]
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
# label → (One-Euro parameters or None for none, the optical-flow step that runs first or None)
FILTERS: dict[str, tuple[OneEuroParams | None, FlowParams | None]] = {
    "before": (PREVIOUS_SMOOTHING, None),
    "raw": (None, None),
    "euro": (OneEuroParams(), None),  # session 7's filter: One-Euro re-tuned for motion, no flow
    # session 8: the pose by flow, then One-Euro
    "pose": (OneEuroParams(), FlowParams(lip_carry=0.0, smooth_px=0.0, warp=False, landmark_lag=0.0)),
    # sessions 9-11: the pose and the lips by flow, each window only shifted; MediaPipe's lag left in
    "lips": (OneEuroParams(), FlowParams(warp=False, landmark_lag=0.0)),
    "now": (OneEuroParams(), FlowParams()),  # the flow on the picture warped by the pose; MediaPipe's lag undone
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
                    noise_sigma=6.0 if not motion.moving else 3.0,
                    flows=[flow for _, flow in FILTERS.values() if flow is not None],
                )
                if found
                else None
            )
            if trace is not None:
                scores += [(label, score_trace(trace, params, flow=flow)) for label, (params, flow) in FILTERS.items()]
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
