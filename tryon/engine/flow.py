"""Carrying a face from frame to frame by optical flow, to average out MediaPipe's per-frame error.

On a moving face, MediaPipe's VIDEO-mode landmarks are 1–5 px off the truth in every frame (docs/quality.md,
"Moving lips"): not a lag a filter could remove, but an error that changes from frame to frame. The previous
frame's estimate, carried to this frame by the image's own motion, is a second, independent reading of where the
face is. Two steps blend the readings:

1. **The pose.** The face's rigid part (above the top of the upper lip, eye contours and irises left out: they blink
   and look around) is followed by pyramidal Lucas-Kanade flow and one similarity is fitted to it (LMedS), then
   refined on the previous picture warped by it (so that the windows see the face turned and scaled as it is now).
   MediaPipe's points are first moved on by the share of the face's motion they are known to trail by; the
   similarity that would move them onto the carried ones is applied at `FlowParams.carry` of its strength: the face
   is placed that far towards where the flow says it is, MediaPipe's shape kept. (Read above the nose's base only,
   the pose's error at the lips grew by a third on rolls: the lips lie far from what it is read on.) A disagreement
   beyond what MediaPipe's error can explain (the flow lost: a hand, a cut) takes MediaPipe's landmarks as they are.
2. **The lips.** MediaPipe's lip shape is also off, and differently in every frame (most on rolls and zooms, and
   when the mouth moves). Each lip point of the last estimate, moved by that similarity, is followed further by its
   own flow on the warped picture, so the lips' own movement — a smile, the mouth opening — is carried too, and the
   point is placed `lip_carry` of the way there. Where the two readings disagree by more than MediaPipe's usual error
   (`lip_gate_px_per_100`), or where the point's flow does not match (its patch changed: the mouth opening onto its
   dark inside, teeth appearing — a residual well above the lips' median, `lip_trust`), MediaPipe's point is taken.

Tuned with `tryon eval --motion`, whose moving mouths (opening, smiling) have a known truth: a blend of the lips'
*pose* alone (read on the upper lip) lagged a smile by 1.5 px on average; following each point's own flow does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from tryon.engine.face import LIP_POINTS, Face


@dataclass(frozen=True)
class FlowParams:
    """`carry`: weight of the flow-carried pose in [0, 1) (0: MediaPipe's as is); a reading whose pose disagrees
    with the carried one by more than `reset_px_per_100` px (mean point distance, per 100 px of face width) starts
    afresh (the flow lost: a hand over the face, a cut in the video; smaller disagreements are MediaPipe's own
    glitches, up to 8 px on a 240 px face in one frame, which the carried pose rides out). A smaller disagreement
    that lasts — above `persist_px_per_100` for `persist_frames` frames in a row — starts afresh too: MediaPipe's
    glitches come and go, a carried pose gone wrong stays (a 240 px face jumping 115 px in one frame, beyond the
    pyramid's reach, is followed only partly and was held ~10 px off for over a second, fading 5 % a frame; 0:
    never). `window_px` and `levels`: the Lucas-Kanade search window and pyramid depth; `min_tracked`: fewer of the
    ~75 followed points tracked than this and the flow is not trusted.

    The lips: `lip_carry`, the carried lip point's weight (0: the pose step only); it fades as the carried and
    measured points part (a Gaussian of their distance with σ `lip_gate_px_per_100` per 100 px of face width), and
    with the point's flow residual relative to the lips' median (full trust up to `lip_trust[0]`, none from
    `lip_trust[1]`). `lip_levels`: the pyramid depth of that flow, which starts from the pose's motion.

    `smooth_px`: both pictures are blurred by a Gaussian of this σ before the flow. Unblurred, Lucas-Kanade's
    sub-pixel estimate is pulled towards whole pixels ("pixel locking"): on a bearded face sweeping at 400 px/s,
    each 13.3 px step read 0.26 px short at the lips, the same way every frame, and the carried lips drifted 2 px
    behind (1.03 → 1.61 px mean); σ 0.8 takes that bias to 0.01 px.

    `warp`: the previous picture is warped by the pose's similarity (`_rounded_warp`), and on it the rigid points
    are followed again (full resolution) to refine the similarity (`_trimmed_similarity`), and the lips are followed:
    Lucas-Kanade's windows only shift, so on a face that turns or zooms each window's content has turned or scaled
    too, and the flow read a 4° turn 2–5 % short and the lips' own flow 2–4× noisier than on a slide (`tryon eval
    --motion`'s roll and zoom at 400 px/s, flow started from the truth; warped: 1 % and 1–1.5×).

    `landmark_lag`: MediaPipe's VIDEO landmarks trail a moving face by this share of each frame's motion (0.10–0.16
    on slides, alike on all 4 faces measured; tasks-vision in the browser 0.07–0.10 of the step between the frames
    it processes); they are moved on by it, along the face's motion as the flow reads it, before the blend (a blend
    averages noise, it cannot remove a bias)."""

    carry: float = 0.95
    reset_px_per_100: float = 8.0
    window_px: int = 15
    levels: int = 3
    min_tracked: int = 20
    lip_carry: float = 0.9
    lip_gate_px_per_100: float = 5.0
    lip_trust: tuple[float, float] = (1.2, 2.2)
    lip_levels: int = 2
    smooth_px: float = 0.8
    persist_px_per_100: float = 3.0
    persist_frames: int = 3
    warp: bool = True
    landmark_lag: float = 0.10


LIPS = np.array(LIP_POINTS)
_MARGIN = 0.25  # the flow runs on the faces' box grown by this share of its size on each side
_CHIN, _FOREHEAD, _UPPER_LIP_TOP = 152, 10, 0  # mesh points: the face's up direction, the rigid part's lower edge
_EYES = frozenset(
    (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)  # right eye contour
    + (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)  # left eye contour
    + tuple(range(468, 478))  # irises
)
_NOT_EYES = np.array([i not in _EYES for i in range(478)])
# The flow follows every 4th point of the rigid part (~75 points): as accurate as every 2nd on every motion of
# `tryon eval --motion` (within ±0.1 px p95) at half the Lucas-Kanade's cost, which the browser engine feels.
_FOLLOW_EVERY = 4
_WARP_STEP = 0.001  # `_rounded_warp`: the turn (rad, ~0.06°) and the scale are rounded to steps of this
_TRIM = 3.0  # `_trimmed_similarity`: beyond this many times the median distance, a point is left out
_ROUNDS = 3  # `_trimmed_similarity`: fits, each without the points the last one left out
_IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
_LIP_STEP_MAX = 0.1  # a lip point's own flow beyond this share of the face's width from the pose's is a failure
_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01)


def rigid_part(points: np.ndarray) -> np.ndarray:
    """bool (478,): the mesh points of a face (`points`, (478, 2) px) that move with the skull — above the top of
    the upper lip along the face's own up direction (so in any roll), eye contours and irises left out."""
    up = points[_FOREHEAD] - points[_CHIN]
    above = (points - points[_UPPER_LIP_TOP]) @ up > 0
    return np.asarray(above & _NOT_EYES)


def _similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(scale, angle rad, translation (2,), centre (2,)) of the least-squares similarity taking points `a` (N, 2)
    onto `b` about `a`'s centroid: b ≈ scale · R(angle) · (a − centre) + centre + translation."""
    centre, target = a.mean(axis=0), b.mean(axis=0)
    da, db = a - centre, b - target
    cross = float((da[:, 0] * db[:, 1] - da[:, 1] * db[:, 0]).sum())
    dot = float((da * db).sum())
    scale = math.hypot(cross, dot) / max(float((da**2).sum()), 1e-9)
    return scale, math.atan2(cross, dot), target - centre, centre


def _apply(points: np.ndarray, scale: float, angle: float, shift: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """`points` (N, 2) moved by `_similarity`'s similarity, float64."""
    matrix = _matrix(scale, angle, shift, centre)
    return np.asarray(points @ matrix[:, :2].T + matrix[:, 2], dtype=np.float64)


def _flow(
    before: np.ndarray,
    after: np.ndarray,
    start: np.ndarray,
    window: tuple[int, int],
    levels: int,
    guess: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pyramidal Lucas-Kanade of `start` ((N, 2) px) from `before` to `after` (grey uint8) over `levels` levels,
    from `guess` ((N, 2) px; None: where they are): where each point went ((N, 2) float64), whether it was followed
    ((N,) bool) and its residual ((N,) float64: the mean absolute grey difference of its window)."""
    moved, status, error = cv2.calcOpticalFlowPyrLK(
        before,
        after,
        start.astype(np.float32).reshape(-1, 1, 2),
        (start if guess is None else guess).astype(np.float32).reshape(-1, 1, 2),
        winSize=window,
        maxLevel=levels,
        criteria=_CRITERIA,
        flags=cv2.OPTFLOW_USE_INITIAL_FLOW,
    )
    return moved.reshape(-1, 2).astype(np.float64), status.ravel() == 1, error.ravel().astype(np.float64)


def _matrix(scale: float, angle: float, shift: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """The 2×3 matrix of `_apply`'s similarity."""
    linear = scale * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return np.hstack([linear, (centre + shift - linear @ centre)[:, None]])


def _trimmed_similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
    """`_similarity` of points `a` onto `b` ((N, 2) px), fitted again `_ROUNDS` times, each time without the points
    the last fit leaves more than `_TRIM` times the median distance (at least 0.5 px) from their `b`: points whose
    flow failed (with none left out, the lips on fast rolls were 3.2 px off on average against 1.5; with one round,
    fast zooms 1.8 against 1.6)."""
    fit = _similarity(a, b)
    for _ in range(_ROUNDS):
        distance = np.linalg.norm(_apply(a, *fit) - b, axis=1)
        keep = distance <= max(_TRIM * float(np.median(distance)), 0.5)
        if int(keep.sum()) < 2:
            break
        fit = _similarity(a[keep], b[keep])
    return fit


def _compose(second: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The 2×3 transform applying `first`, then `second`."""
    return np.hstack([second[:, :2] @ first[:, :2], (second[:, :2] @ first[:, 2] + second[:, 2])[:, None]])


def _rounded_warp(matrix: np.ndarray, offset: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """2×3 similarity `matrix` (box px, the box at frame px `offset`) with its turn and scale rounded to steps of
    `_WARP_STEP` and its shift, in the frame's own coordinates, to whole pixels — the rounded warp taking `centre`
    (frame px) where `matrix` does, to within half a pixel. A face that slides is then warped by a whole-pixel shift,
    which does not blur the picture as interpolating would; and the browser's engine, whose boxes lie elsewhere and
    whose similarity differs in the 4th decimal, warps the same (Lucas-Kanade's sub-pixel error depends on where a
    window falls between pixels: warping differently, the two engines' carried faces drifted 0.1-0.2 px apart)."""
    linear = matrix[:, :2]
    shift = matrix[:, 2] + offset - linear @ offset  # frame px
    scale = math.hypot(linear[0, 0], linear[1, 0])
    angle = math.atan2(linear[1, 0], linear[0, 0])
    scale = 1.0 + round((scale - 1.0) / _WARP_STEP) * _WARP_STEP
    angle = round(angle / _WARP_STEP) * _WARP_STEP
    rounded = _matrix(scale, angle, np.zeros(2), np.zeros(2))[:, :2]
    shift = np.round(shift + (linear - rounded) @ centre)
    return np.hstack([rounded, (shift - offset + rounded @ offset)[:, None]])


@dataclass(frozen=True)
class _Carried:
    """The last estimate carried to this frame: all points by the pose's similarity (float64 (478, 2)); the lip
    points (40, 2) followed further by their own flow, with each one's flow residual (inf: not followed); `shift`
    (2,), px: how far the flow moved the face's centre."""

    points: np.ndarray
    lips: np.ndarray
    lip_residual: np.ndarray
    shift: np.ndarray


class _Track:
    def __init__(self, points: np.ndarray, strained: int = 0) -> None:
        self.points = points  # the last estimate, float64 (478, 2)
        self.strained = strained  # frames in a row the measured pose has disagreed with the carried one (persist_*)

    def centre(self) -> np.ndarray:
        return np.asarray(self.points.mean(axis=0))


class FlowCarrier:
    """Per face, MediaPipe's landmarks blended with the last estimate carried by optical flow: the pose, then the
    lips (see the module's docstring). Faces are matched to the last frame's by position. Video only."""

    def __init__(self, params: FlowParams | None = None) -> None:
        self.params = params or FlowParams()
        self._tracks: list[_Track] = []
        self._previous_gray: np.ndarray | None = None

    def reset(self) -> None:
        self._tracks = []
        self._previous_gray = None

    def update(self, frame: np.ndarray, faces: tuple[Face, ...]) -> tuple[Face, ...]:
        """`faces` found in RGB uint8 `frame`, blended with where the flow carried them from the last frame."""
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        previous, self._previous_gray = self._previous_gray, gray
        if not faces:
            self._tracks = []
            return faces
        unmatched = list(self._tracks)
        tracks: list[_Track] = []
        out: list[Face] = []
        for face in faces:
            points = face.points.astype(np.float64)
            centre = points.mean(axis=0)
            width = float(np.ptp(points[:, 0]))
            track = min(unmatched, key=lambda t: float(np.linalg.norm(t.centre() - centre)), default=None)
            carried, strained = None, 0
            if track is not None and float(np.linalg.norm(track.centre() - centre)) < width / 2:
                unmatched.remove(track)
                carried = self._carry(previous, gray, track.points, points) if previous is not None else None
                strained = track.strained
            if carried is not None:
                points, strained = self._blend(points, carried, width, strained)
                face = replace(face, points=points.astype(np.float32))
            tracks.append(_Track(points, strained))
            out.append(face)
        self._tracks = tracks
        return tuple(out)

    def _carry(self, previous: np.ndarray, gray: np.ndarray, points: np.ndarray, found: np.ndarray) -> _Carried | None:
        """`points` of `previous` moved to `gray`: all by one similarity fitted to the rigid part's optical flow,
        the lips further by their own; None when too few rigid points could be followed. The flow runs on both
        pictures' box around `points` and the face `found` in `gray` (a face that moved far is still in it)."""
        height, width = gray.shape
        followed = np.flatnonzero(rigid_part(points))[::_FOLLOW_EVERY]
        x0, y0 = points.min(axis=0)
        x1, y1 = points.max(axis=0)
        face_width, grow_x, grow_y = x1 - x0, (x1 - x0) * _MARGIN, (y1 - y0) * _MARGIN
        x0, y0 = np.minimum((x0, y0), found.min(axis=0))
        x1, y1 = np.maximum((x1, y1), found.max(axis=0))
        left, top = max(0, int(x0 - grow_x)), max(0, int(y0 - grow_y))
        right, bottom = min(width, int(x1 + grow_x) + 1), min(height, int(y1 + grow_y) + 1)
        if right - left < 16 or bottom - top < 16:
            return None
        before, after = previous[top:bottom, left:right], gray[top:bottom, left:right]
        if self.params.smooth_px:  # against "pixel locking": unsmoothed, LK read 13.3 px steps as 13.1 (see FlowParams)
            before = cv2.GaussianBlur(before, (0, 0), self.params.smooth_px)
            after = cv2.GaussianBlur(after, (0, 0), self.params.smooth_px)
        offset = np.array([left, top], dtype=np.float64)
        local = points - offset
        window = (self.params.window_px, self.params.window_px)
        moved, tracked, _ = _flow(before, after, local[followed], window, self.params.levels)
        if int(tracked.sum()) < self.params.min_tracked:
            return None
        matrix, _ = cv2.estimateAffinePartial2D(
            local[followed][tracked].astype(np.float32), moved[tracked].astype(np.float32), method=cv2.LMEDS
        )
        if matrix is None:
            return None
        source, at_source = before, local  # the picture the lips are followed from, and where they are in it
        if self.params.warp:
            warp = _rounded_warp(matrix, offset, points.mean(axis=0))
            # A whole-pixel shift (a slide, a still face: 90-100 % of their frames) needs no warped picture: the
            # previous one, each point followed from that far on, is the same pixels.
            shift_only = np.array_equal(warp[:, :2], np.eye(2))
            to_source = _IDENTITY if shift_only else warp
            if not shift_only:
                source = cv2.warpAffine(
                    before, warp, before.shape[::-1], flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
                )
                at_source = local @ warp[:, :2].T + warp[:, 2]
            # The rigid points again, at full resolution, from where the warp put them, and the similarity refined by
            # least squares over those whose motion it explains (`_trimmed_similarity`: the same points in both
            # engines, where LMedS's random draws would pick different ones).
            start = at_source[followed]
            again, tracked, _ = _flow(source, after, start, window, 0, start + warp[:, 2] - to_source[:, 2])
            if int(tracked.sum()) >= self.params.min_tracked:
                refined = _matrix(*_trimmed_similarity(start[tracked], again[tracked]))
                matrix = _compose(refined, to_source)
        carried_local = local @ matrix[:, :2].T + matrix[:, 2]
        lips = carried_local[LIPS]
        residual = np.full(len(LIPS), np.inf)
        if self.params.lip_carry > 0:
            followed_lips, ok, error = _flow(source, after, at_source[LIPS], window, self.params.lip_levels, lips)
            ok &= np.linalg.norm(followed_lips - lips, axis=1) < _LIP_STEP_MAX * face_width
            lips = np.where(ok[:, None], followed_lips, lips)
            residual = np.where(ok, error, np.inf)
        shift = carried_local.mean(axis=0) - local.mean(axis=0)
        return _Carried(carried_local + offset, lips + offset, residual, shift)

    def _blend(
        self, measured: np.ndarray, carried: _Carried, face_width: float, strained: int
    ) -> tuple[np.ndarray, int]:
        """`measured` moved on by `landmark_lag` of the flow's `shift`, then `carry` of the way along the similarity
        that takes its rigid points onto the carried ones, then its lips towards the carried lips (`_blend_lips`);
        as it is when the poses disagree by more than `reset_px_per_100`, or by more than `persist_px_per_100` for
        the `persist_frames`-th frame in a row (`strained`: such frames so far; returned updated)."""
        rigid = rigid_part(measured)
        scale, angle, shift, centre = _similarity(measured[rigid], carried.points[rigid])
        apart = float(np.linalg.norm(_apply(measured, scale, angle, shift, centre) - measured, axis=1).mean())
        if apart > self.params.reset_px_per_100 * face_width / 100:
            return measured, 0
        strained = strained + 1 if apart > self.params.persist_px_per_100 * face_width / 100 else 0
        if self.params.persist_frames and strained >= self.params.persist_frames:
            return measured, 0
        if self.params.landmark_lag:
            lag = self.params.landmark_lag * carried.shift
            measured = measured + lag
            shift, centre = shift - lag, centre + lag  # the same fit, from the moved points' centroid
        k = self.params.carry
        placed = _apply(measured, scale**k, angle * k, shift * k, centre)
        if self.params.lip_carry > 0:
            placed[LIPS] = self._blend_lips(placed[LIPS], carried, face_width)
        return placed, strained

    def _blend_lips(self, measured: np.ndarray, carried: _Carried, face_width: float) -> np.ndarray:
        """The lip points `measured` (40, 2) moved towards `carried.lips`, each by `lip_carry` faded by the two
        readings' distance and by its flow's residual (see `FlowParams`)."""
        followed = np.isfinite(carried.lip_residual)
        if not followed.any():
            return measured
        typical = max(float(np.median(carried.lip_residual[followed])), 1e-6)
        low, high = self.params.lip_trust
        relative = np.where(followed, carried.lip_residual, high * typical) / typical
        trust = np.clip((high - relative) / (high - low), 0.0, 1.0)
        distance = np.linalg.norm(carried.lips - measured, axis=1)
        agreement = np.exp(-((distance / (self.params.lip_gate_px_per_100 * face_width / 100)) ** 2))
        weight = (self.params.lip_carry * agreement * trust)[:, None]
        return np.asarray(measured + weight * (carried.lips - measured))
