"""Find faces and their landmarks: MediaPipe on the whole frame, mirror-averaged lips on photos, and a
search for faces too small for MediaPipe's detector. Returns frozen `Face` values in pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tryon.engine.face import Face, check_frame
from tryon.engine.mediapipe_model import RunningMode, close_landmarker, create_landmarker, detect_faces, read_model
from tryon.engine.photo_mirror import mirror_averaged
from tryon.engine.small_faces import Detector, SmallFaceSearch


class FaceLandmarker:
    """Find up to `max_faces` faces and their 478 landmarks.

    `mode="image"` treats every call independently (photos; lips averaged with the mirrored photo's);
    `mode="video"` tracks across calls and needs strictly increasing integer millisecond timestamps.
    Faces too small for MediaPipe's short-range detector come from `SmallFaceSearch` with
    `small_face_detector` ("cascade", or "blazeface" for far faces), in video mode on a background thread
    every `small_face_every_n` frames (1: a new search as soon as one ends). Use as a context manager, or
    call `close()`.
    """

    def __init__(
        self,
        *,
        mode: RunningMode = "image",
        max_faces: int = 4,
        model_path: Path | None = None,
        find_small_faces: bool = True,
        small_face_every_n: int = 30,
        small_face_detector: Detector = "cascade",
    ) -> None:
        if mode not in ("image", "video"):
            raise ValueError(f"mode must be 'image' or 'video', but got {mode!r}")
        if max_faces < 1:
            raise ValueError(f"max_faces must be >= 1, but got {max_faces}")
        self.mode: RunningMode = mode
        self.max_faces = max_faces
        model = read_model(model_path)
        self._landmarker = create_landmarker(model, mode, max_faces)
        self._small_faces = (
            SmallFaceSearch(model, mode=mode, every_n=small_face_every_n, detector=small_face_detector)
            if find_small_faces
            else None
        )
        self._last_ts = -1

    def __enter__(self) -> FaceLandmarker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release MediaPipe's graphs (explicitly: its finalizer misbehaves at interpreter exit)."""
        if self._landmarker is not None:
            close_landmarker(self._landmarker)
            self._landmarker = None
        if self._small_faces is not None:
            self._small_faces.close()

    def forget_tracked_faces(self) -> None:
        """Drop the small faces being followed from frame to frame (they are searched for again)."""
        if self._small_faces is not None:
            self._small_faces.forget()

    def wait_for_search(self, timeout_s: float | None = None) -> None:
        """Block until the small-face search running in the background (video mode) has finished; see
        `SmallFaceSearch.wait_for_search`."""
        if self._small_faces is not None:
            self._small_faces.wait_for_search(timeout_s)

    def detect(self, frame: np.ndarray, timestamp_ms: int | None = None) -> tuple[Face, ...]:
        """Landmarks of the faces in an RGB uint8 (H, W, 3) frame, largest first.

        In video mode `timestamp_ms` is required and must increase from call to call.
        """
        check_frame(frame)
        landmarker = self._landmarker
        if landmarker is None:
            raise ValueError("FaceLandmarker is closed")
        if self.mode == "video":
            if timestamp_ms is None:
                raise ValueError("video mode needs timestamp_ms")
            if timestamp_ms <= self._last_ts:
                raise ValueError(f"timestamp_ms must increase: got {timestamp_ms} after {self._last_ts}")
            self._last_ts = int(timestamp_ms)
            # +1: the warm-up inference used timestamp 0, so callers may start at 0.
            faces = detect_faces(landmarker, frame, int(timestamp_ms) + 1)
        else:
            faces = detect_faces(landmarker, frame)
            if faces:
                faces = mirror_averaged(frame, faces, lambda mirrored: detect_faces(landmarker, mirrored))
        if self._small_faces is not None and len(faces) < self.max_faces:
            faces += self._small_faces.find(frame, faces)
        faces.sort(key=lambda f: -(f.bbox_xyxy[2] - f.bbox_xyxy[0]))
        return tuple(faces[: self.max_faces])


def lips_at_rest(image: np.ndarray, *, frames: int = 10) -> np.ndarray | None:
    """The lip points (`Face.lip_points`, float64 (40, 2)) VIDEO mode settles on for a still RGB uint8 `image`: the
    median over `frames` frames of its largest face, unsmoothed; None when no face is found. What a moving copy of
    `image` is measured against (`tryon eval --motion`, `tryon bench --gui`)."""
    found = []
    with FaceLandmarker(mode="video", max_faces=1) as landmarker:
        for index in range(frames):
            faces = landmarker.detect(image, index * 33)
            if faces:
                found.append(faces[0].lip_points)
    return np.median(np.stack(found), axis=0).astype(np.float64) if found else None
