"""Writing a video file that is either whole or not there: frames go to a hidden temporary file, which
is checked (every frame readable back) and then moved over the target (`tryon.files.atomic_path`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from tryon.errors import OutputError
from tryon.files import atomic_path

CODECS = {".mp4": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}  # suffix → FourCC OpenCV writes everywhere


class VideoOutput:
    """Accepts RGB uint8 frames of `size_wh` for a video at `fps`; see `open_video_output`."""

    def __init__(self, writer: cv2.VideoWriter, size_wh: tuple[int, int]) -> None:
        self._writer = writer
        self.size_wh = size_wh
        self.frames_written = 0

    def write(self, rgb: np.ndarray) -> None:
        """Append one RGB uint8 (H, W, 3) frame of `size_wh`."""
        if (rgb.shape[1], rgb.shape[0]) != self.size_wh:
            raise ValueError(
                f"frame must be {self.size_wh[0]}x{self.size_wh[1]}, but got {rgb.shape[1]}x{rgb.shape[0]}"
            )
        self._writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self.frames_written += 1


def _readable_frames(path: Path) -> int:
    """How many frames OpenCV can decode from `path` (reads them all: the only check a truncated file fails)."""
    capture = cv2.VideoCapture(str(path))
    count = 0
    try:
        while capture.isOpened() and capture.grab():
            count += 1
    finally:
        capture.release()
    return count


@contextlib.contextmanager
def open_video_output(path: Path, *, fps: float, size_wh: tuple[int, int]) -> Iterator[VideoOutput]:
    """A `VideoOutput` writing `path` (.mp4, .avi or .mkv) atomically.

    When the block ends, the file must hold every frame written (OpenCV only warns when a write fails,
    e.g. on a full disk): then it replaces `path`. On an error, Ctrl-C, or no frames, nothing is left.

    Raises:
        OutputError: unsupported suffix, the file cannot be opened, a frame was lost, or no frames.
    """
    path = Path(path)
    codec = CODECS.get(path.suffix.lower())
    if codec is None:
        raise OutputError(f"{path}: cannot write video as {path.suffix!r}; use {', '.join(CODECS)}")
    with atomic_path(path) as temp:
        writer = cv2.VideoWriter(str(temp), cv2.VideoWriter.fourcc(*codec), fps, size_wh)
        if not writer.isOpened():
            raise OutputError(f"{path}: cannot open for writing as {path.suffix} video")
        output = VideoOutput(writer, size_wh)
        try:
            yield output
        finally:
            writer.release()
        if output.frames_written == 0:
            raise OutputError(f"{path}: no frames to write; nothing was saved")
        readable = _readable_frames(temp)
        if readable != output.frames_written:
            raise OutputError(
                f"{path}: only {readable} of {output.frames_written} frames could be written "
                "(is the disk full?); nothing was saved"
            )
