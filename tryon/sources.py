"""Where frames come from: image files and video files (cameras and streams live in the app)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from tryon.errors import ImageError, SourceError


def read_image(path: Path) -> np.ndarray:
    """Read an image file as RGB uint8 (H, W, 3) (grayscale and alpha are converted).

    Raises:
        ImageError: missing file, or not an image OpenCV can decode.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: image file not found")
    data = np.fromfile(path, dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise ImageError(f"{path}: not a readable image (expected PNG, JPEG, BMP, TIFF or WebP)")
    return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


class VideoFile:
    """Frames of a video file as RGB uint8, with their timestamps in ms from the file's frame rate."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"{self.path}: video file not found")
        self._capture = cv2.VideoCapture(str(self.path))
        if not self._capture.isOpened():
            raise SourceError(f"{self.path}: cannot open as a video (unsupported or corrupt file)")
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and fps > 0 else 30.0
        self.frame_count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.size_wh = (
            int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (timestamp_ms, frame) until the file ends."""
        index = 0
        while True:
            ok, bgr = self._capture.read()
            if not ok:
                return
            yield round(index * 1000.0 / self.fps), cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            index += 1

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> VideoFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
