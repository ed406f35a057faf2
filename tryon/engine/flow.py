"""Carrying a face from frame to frame by optical flow, to average out MediaPipe's per-frame error.

On a moving face, MediaPipe's VIDEO-mode landmarks are 1–5 px off the truth in every frame (docs/quality.md,
"Moving lips"): not a lag a filter could remove, but an error that changes from frame to frame. The previous
frame's estimate, carried to this frame by the image's own motion, is a second, independent reading of where the
face is. Two steps blend the readings:

1. **The pose.** The face's rigid part (above the top of the upper lip, eye contours and irises left out: they blink
   and look around) is followed by pyramidal Lucas-Kanade flow and one similarity is fitted to it (LMedS). The
   similarity that would move MediaPipe's points onto the carried ones is applied at `FlowParams.carry` of its
   strength: the face is placed that far towards where the flow says it is, MediaPipe's shape kept. (Read above the
   nose's base only, the pose's error at the lips grew by a third on rolls: the lips lie far from what it is read
   on.) A disagreement beyond what MediaPipe's error can explain (the flow lost: a hand, a cut) takes MediaPipe's
   landmarks as they are.
2. **The lips.** MediaPipe's lip shape is also off, and differently in every frame (most on rolls and zooms, and
   when the mouth moves). Each lip point of the last estimate, moved by that similarity, is followed further by its
   own flow, so the lips' own movement — a smile, the mouth opening — is carried too, and the point is placed
   `lip_carry` of the way there. Where the two readings disagree by more than MediaPipe's usual error
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
    behind (1.03 → 1.61 px mean); σ 0.8 takes that bias to 0.01 px."""

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
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return np.asarray((points - centre) @ (scale * rotation).T + centre + shift, dtype=np.float64)


@dataclass(frozen=True)
class _Carried:
    """The last estimate carried to this frame: all points by the pose's similarity (float64 (478, 2)); the lip
    points (40, 2) followed further by their own flow, with each one's flow residual (inf: not followed)."""

    points: np.ndarray
    lips: np.ndarray
    lip_residual: np.ndarray


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
        start = local[followed].astype(np.float32).reshape(-1, 1, 2)
        window = (self.params.window_px, self.params.window_px)
        moved, status, _ = cv2.calcOpticalFlowPyrLK(
            before, after, start, None, winSize=window, maxLevel=self.params.levels, criteria=_CRITERIA
        )
        tracked = status.ravel() == 1
        if int(tracked.sum()) < self.params.min_tracked:
            return None
        matrix, _ = cv2.estimateAffinePartial2D(
            start.reshape(-1, 2)[tracked], moved.reshape(-1, 2)[tracked], method=cv2.LMEDS
        )
        if matrix is None:
            return None
        carried_local = local @ matrix[:, :2].T + matrix[:, 2]
        lips = carried_local[LIPS]
        residual = np.full(len(LIPS), np.inf)
        if self.params.lip_carry > 0:
            followed_lips, status, error = cv2.calcOpticalFlowPyrLK(
                before,
                after,
                local[LIPS].astype(np.float32).reshape(-1, 1, 2),
                lips.astype(np.float32).reshape(-1, 1, 2),
                winSize=window,
                maxLevel=self.params.lip_levels,
                criteria=_CRITERIA,
                flags=cv2.OPTFLOW_USE_INITIAL_FLOW,
            )
            followed_lips = followed_lips.reshape(-1, 2).astype(np.float64)
            step = np.linalg.norm(followed_lips - lips, axis=1)
            ok = (status.ravel() == 1) & (step < _LIP_STEP_MAX * face_width)
            lips = np.where(ok[:, None], followed_lips, lips)
            residual = np.where(ok, error.ravel().astype(np.float64), np.inf)
        return _Carried(carried_local + offset, lips + offset, residual)

    def _blend(
        self, measured: np.ndarray, carried: _Carried, face_width: float, strained: int
    ) -> tuple[np.ndarray, int]:
        """`measured` moved `carry` of the way along the similarity that takes its rigid points onto the carried
        ones, then its lips towards the carried lips (`_blend_lips`); as it is when the poses disagree by more than
        `reset_px_per_100`, or by more than `persist_px_per_100` for the `persist_frames`-th frame in a row
        (`strained`: such frames so far; returned updated)."""
        rigid = rigid_part(measured)
        scale, angle, shift, centre = _similarity(measured[rigid], carried.points[rigid])
        apart = float(np.linalg.norm(_apply(measured, scale, angle, shift, centre) - measured, axis=1).mean())
        if apart > self.params.reset_px_per_100 * face_width / 100:
            return measured, 0
        strained = strained + 1 if apart > self.params.persist_px_per_100 * face_width / 100 else 0
        if self.params.persist_frames and strained >= self.params.persist_frames:
            return measured, 0
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
