"""Faces too small for MediaPipe's short-range detector (narrower than ~280 px in 720p).

A detector finds candidate boxes — a Haar cascade (the desktop default), or MediaPipe's BlazeFace full-range
model over tiles (`tryon.engine.face_detector`, the kiosk's, for shoppers 0.5–2.5 m away) — and the
landmarker runs on an enlarged square crop around each.
Faces found this way are tracked from frame to frame (their last box is the next crop); in video mode
the cascade runs on a background thread every `every_n` frames (and on every frame while no face is
seen), so it never delays a frame.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Literal

import numpy as np

from tryon.engine.face import Face
from tryon.engine.mediapipe_model import RunningMode, close_landmarker, create_landmarker, detect_faces

_CROP_SIZE_PX = 384  # crops are landmarked at this size: big enough for the short-range detector
_CASCADE_SIDE_PX = 640  # the cascade runs on the frame shrunk to this; faces down to ~24 px there are found
_CROP_MARGIN = 0.9  # crop side = face box side * (1 + 2 * margin)
_DUPLICATE_IOU = 0.3  # a cascade box overlapping a tracked box this much is the same face

Box = tuple[float, float, float, float, float]  # x0, y0, x1, y1 in frame pixels, confidence in [0, 1]
Detector = Literal["cascade", "blazeface"]


def _box_iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _covered(box: tuple[float, ...], faces: list[Face]) -> bool:
    """Whether a candidate box's centre lies inside a face already found."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(f.bbox_xyxy[0] <= cx <= f.bbox_xyxy[2] and f.bbox_xyxy[1] <= cy <= f.bbox_xyxy[3] for f in faces)


class SmallFaceSearch:
    """Finds and tracks the faces a full-frame pass missed. Call `close()` when done."""

    def __init__(self, model: bytes, *, mode: RunningMode, every_n: int = 30, detector: Detector = "cascade") -> None:
        if detector not in ("cascade", "blazeface"):
            raise ValueError(f"detector must be 'cascade' or 'blazeface', but got {detector!r}")
        self._model = model
        self._mode = mode
        self._detector_name = detector
        self._blazeface: Any = None
        if detector == "blazeface":  # loaded now, not on the first search: a shopper should not wait for it
            from tryon.engine.face_detector import BlazeFaceFullRange

            self._blazeface = BlazeFaceFullRange()
        self._every_n = max(1, every_n)
        self._calls = 0
        self._crop_landmarker: Any = None
        self._cascade: Any = None
        self._tracked: list[Face] = []
        self._thread: ThreadPoolExecutor | None = None
        self._pending: Future[list[Box]] | None = None

    def close(self) -> None:
        if self._crop_landmarker is not None:
            close_landmarker(self._crop_landmarker)
            self._crop_landmarker = None
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=True)
            self._thread = None

    def forget(self) -> None:
        """Stop following the faces found so far."""
        self._tracked = []

    def find(self, frame: np.ndarray, found: list[Face]) -> list[Face]:
        """Faces in RGB uint8 `frame` not among `found`: tracked ones from the last frame, plus cascade hits."""
        boxes: list[Box] = [(*f.bbox_xyxy, f.score) for f in self._tracked if not _covered(f.bbox_xyxy, found)]
        for box in self._new_cascade_boxes(frame, searching=not found and not boxes):
            if not _covered(box, found) and all(_box_iou(box, b) < _DUPLICATE_IOU for b in boxes):
                boxes.append(box)
        extra: list[Face] = []
        for box in boxes:
            face = self._landmark_crop(frame, box)
            if face is not None and not _covered(face.bbox_xyxy, found + extra):
                extra.append(face)
        self._tracked = extra
        self._calls += 1
        return extra

    def _new_cascade_boxes(self, frame: np.ndarray, *, searching: bool) -> list[Box]:
        """Cascade boxes for this frame: at once in image mode; in video mode whatever the background
        pass finished since the last call (a few ms old), starting a new pass when one is due."""
        if self._mode == "image":
            return self.search_boxes(frame)
        boxes: list[Box] = []
        if self._pending is not None and self._pending.done():
            boxes = self._pending.result()
            self._pending = None
        if self._pending is None and (searching or self._calls % self._every_n == 0):
            if self._thread is None:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tryon-cascade")
            self._pending = self._thread.submit(self.search_boxes, frame)
        return boxes

    def wait_for_search(self, timeout_s: float | None = None) -> None:
        """Block until a background search in flight has finished, so the next frame takes its boxes: what a
        camera's frame interval gives a machine that keeps up (offline video, results that must not depend on
        the machine's speed). Does nothing in image mode or when no search is running."""
        pending = self._pending
        if pending is not None:
            wait([pending], timeout=timeout_s)

    def search_boxes(self, frame: np.ndarray) -> list[Box]:
        """Candidate face boxes from the chosen detector (on the background thread in video mode)."""
        if self._detector_name == "cascade":
            return self._cascade_boxes(frame)
        boxes: list[Box] = self._blazeface.detect(frame)
        return boxes

    def _cascade_boxes(self, frame: np.ndarray) -> list[Box]:
        """Haar-cascade face boxes on the frame shrunk to 640 px (~45 ms here; in video mode on the
        background thread). A coarser pass (480 px, scale step 1.2, ~15 ms) missed a 130 px face in a
        720p frame, the kiosk case this pass exists for."""
        import cv2

        if self._cascade is None:
            cascades = cv2.data.haarcascades  # type: ignore[attr-defined]  # cv2's stubs omit cv2.data
            self._cascade = cv2.CascadeClassifier(cascades + "haarcascade_frontalface_default.xml")
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        scale = min(1.0, _CASCADE_SIDE_PX / max(gray.shape))
        if scale < 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        rects, _, weights = self._cascade.detectMultiScale3(
            gray, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24), outputRejectLevels=True
        )
        boxes = []
        for (x, y, w, h), weight in zip(rects, np.ravel(weights), strict=False):
            confidence = float(np.clip(weight / 5.0, 0.0, 1.0))  # cascade level weights run to ~5
            boxes.append((x / scale, y / scale, (x + w) / scale, (y + h) / scale, confidence))
        return boxes

    def _landmark_crop(self, frame: np.ndarray, box: Box) -> Face | None:
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
            self._crop_landmarker = create_landmarker(self._model, "image", 1)
        faces = detect_faces(self._crop_landmarker, crop)
        if not faces:
            return None
        face = Face(points=faces[0].points, score=score)
        return face.translated((float(left), float(top)), scale=1.0 / scale)
