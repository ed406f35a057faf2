"""Carrying a face's pose from frame to frame by optical flow, to average out MediaPipe's per-frame error.

On a moving face, MediaPipe's VIDEO-mode landmarks are 1–5 px off the truth in every frame (docs/quality.md,
"Moving lips"): not a lag a filter could remove, but an error that changes from frame to frame. The previous
frame's estimate, carried to this frame by the image's own motion (pyramidal Lucas-Kanade on the face's points,
one similarity fitted to them with LMedS), is a second, independent reading of where the face is. The two are
blended **in pose only**: the similarity that would move MediaPipe's points onto the carried ones is applied at
`PoseFlowParams.carry` of its strength, so the face is placed `carry` of the way towards where the flow says it
is, and MediaPipe's *shape* — the lips opening, a smile — is kept as it is in every frame: a mouth's own movement
cannot lag. The pose is read off the face's rigid part only (above the top of the upper lip, eye contours and
irises left out: they blink and look around), so the mouth and jaw moving does not move it either. (Above the
nose's base only, the pose's error at the lips grew by a third on rolls: the lips lie far from what it is read
on.) Where the two readings disagree by more than MediaPipe's error can explain (the flow lost: a hand over the
face, a cut), the carried pose is dropped and MediaPipe's taken as is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from tryon.engine.face import Face


@dataclass(frozen=True)
class PoseFlowParams:
    """`carry`: weight of the flow-carried pose in [0, 1) (0: MediaPipe's as is); a reading whose pose disagrees
    with the carried one by more than `reset_px_per_100` px (mean point distance, per 100 px of face width) starts
    afresh (the flow lost: a hand over the face, a cut in the video; smaller disagreements are MediaPipe's own
    glitches, up to 8 px on a 240 px face in one frame, which the carried pose rides out). `window_px` and
    `levels`: the Lucas-Kanade search window and pyramid depth; `min_tracked`: fewer of the ~150 followed points
    tracked than this and the flow is not trusted."""

    carry: float = 0.95
    reset_px_per_100: float = 8.0
    window_px: int = 15
    levels: int = 3
    min_tracked: int = 40


_MARGIN = 0.25  # the flow runs on the faces' box grown by this share of its size on each side
_CHIN, _FOREHEAD, _UPPER_LIP_TOP = 152, 10, 0  # mesh points: the face's up direction, the rigid part's lower edge
_EYES = frozenset(
    (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)  # right eye contour
    + (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)  # left eye contour
    + tuple(range(468, 478))  # irises
)
_NOT_EYES = np.array([i not in _EYES for i in range(478)])
_FOLLOW_EVERY = 2  # the flow follows every 2nd point of the rigid part (~150 points)


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


class _Track:
    def __init__(self, points: np.ndarray) -> None:
        self.points = points  # the last estimate, float64 (478, 2)

    def centre(self) -> np.ndarray:
        return np.asarray(self.points.mean(axis=0))


class PoseCarrier:
    """Per face, MediaPipe's landmarks placed `carry` of the way to the pose the optical flow carried the last
    estimate to (see the module's docstring). Faces are matched to the last frame's by position. Video only."""

    def __init__(self, params: PoseFlowParams | None = None) -> None:
        self.params = params or PoseFlowParams()
        self._tracks: list[_Track] = []
        self._previous_gray: np.ndarray | None = None

    def reset(self) -> None:
        self._tracks = []
        self._previous_gray = None

    def update(self, frame: np.ndarray, faces: tuple[Face, ...]) -> tuple[Face, ...]:
        """`faces` found in RGB uint8 `frame`, their poses carried from the last frame where the flow holds."""
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
            carried = None
            if track is not None and float(np.linalg.norm(track.centre() - centre)) < width / 2:
                unmatched.remove(track)
                carried = self._carry(previous, gray, track.points) if previous is not None else None
            if carried is not None:
                points = self._blend(points, carried, width, rigid_part(points))
                face = replace(face, points=points.astype(np.float32))
            tracks.append(_Track(points))
            out.append(face)
        self._tracks = tracks
        return tuple(out)

    def _carry(self, previous: np.ndarray, gray: np.ndarray, points: np.ndarray) -> np.ndarray | None:
        """`points` of `previous` moved to `gray` by one similarity fitted to their optical flow; None when too
        few of them could be followed."""
        height, width = gray.shape
        followed = np.flatnonzero(rigid_part(points))[::_FOLLOW_EVERY]
        x0, y0 = points.min(axis=0)
        x1, y1 = points.max(axis=0)
        grow_x, grow_y = (x1 - x0) * _MARGIN, (y1 - y0) * _MARGIN
        left, top = max(0, int(x0 - grow_x)), max(0, int(y0 - grow_y))
        right, bottom = min(width, int(x1 + grow_x) + 1), min(height, int(y1 + grow_y) + 1)
        if right - left < 16 or bottom - top < 16:
            return None
        offset = np.array([left, top], dtype=np.float64)
        start = (points[followed] - offset).astype(np.float32).reshape(-1, 1, 2)
        window = (self.params.window_px, self.params.window_px)
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01)
        moved, status, _ = cv2.calcOpticalFlowPyrLK(
            previous[top:bottom, left:right],
            gray[top:bottom, left:right],
            start,
            None,
            winSize=window,
            maxLevel=self.params.levels,
            criteria=criteria,
        )
        tracked = status.ravel() == 1
        if int(tracked.sum()) < self.params.min_tracked:
            return None
        matrix, _ = cv2.estimateAffinePartial2D(
            start.reshape(-1, 2)[tracked], moved.reshape(-1, 2)[tracked], method=cv2.LMEDS
        )
        if matrix is None:
            return None
        return np.asarray(points @ matrix[:, :2].T + matrix[:, 2] + offset - offset @ matrix[:, :2].T, dtype=np.float64)

    def _blend(self, measured: np.ndarray, carried: np.ndarray, face_width: float, rigid: np.ndarray) -> np.ndarray:
        """`measured` moved `carry` of the way along the similarity that takes its `rigid` points onto theirs in
        `carried`; as it is when they disagree by more than `reset_px_per_100`."""
        scale, angle, shift, centre = _similarity(measured[rigid], carried[rigid])
        if float(np.linalg.norm(_apply(measured, scale, angle, shift, centre) - measured, axis=1).mean()) > (
            self.params.reset_px_per_100 * face_width / 100
        ):
            return measured
        k = self.params.carry
        return _apply(measured, scale**k, angle * k, shift * k, centre)
