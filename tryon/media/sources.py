"""Where frames come from: image files, video files, cameras and streams, and the bundled demo face."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from tryon.errors import ImageError, SourceError
from tryon.resources import bundled_path


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


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own log while probing capture backends."""
    previous = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(previous)


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


_STREAM_TIMEOUT_MS = 4000


class CaptureSource:
    """A live source read frame by frame: camera index ("0"), video file (loops) or stream URL.

    `read()` returns the newest RGB uint8 frame or raises `SourceError` when the source stops.
    """

    def __init__(self, spec: str) -> None:
        self.spec = spec
        with _quiet_opencv():  # each backend that fails to open it logs a warning; the error below says it once
            if spec.isdigit():
                self._capture = cv2.VideoCapture(int(spec))
            elif "://" in spec:  # a stream that does not answer fails in seconds, not FFmpeg's default 30 s
                timeouts = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, _STREAM_TIMEOUT_MS, cv2.CAP_PROP_READ_TIMEOUT_MSEC]
                self._capture = cv2.VideoCapture(spec, cv2.CAP_FFMPEG, [*timeouts, _STREAM_TIMEOUT_MS])
            else:
                self._capture = cv2.VideoCapture(spec)
        if not self._capture.isOpened():
            raise SourceError(f"cannot open camera or stream {spec!r}")
        self._loops = not spec.isdigit() and "://" not in spec
        self.realtime = not self._loops  # cameras and streams deliver at their own pace; files do not
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1 <= fps <= 240 else 30.0

    def read(self) -> np.ndarray:
        ok, bgr = self._capture.read()
        if not ok and self._loops:  # a video file plays again from the start, like a demo clip
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, bgr = self._capture.read()
        if not ok:
            raise SourceError(f"camera or stream {self.spec!r} stopped sending frames")
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        self._capture.release()


DEMO_FACE_PATH = bundled_path("assets/demo/astronaut.png")


class DemoSource:
    """A bundled real face (public-domain NASA portrait) with gentle, natural head motion.

    Frames are RGB uint8 at `size_wh`: the portrait, cropped to head and shoulders, moves by a
    slow sway, nod and lean (a few px and under 3 degrees), like someone at a laptop. Frame `i`
    is a pure function of `i`, so runs are repeatable.
    """

    def __init__(
        self, *, size_wh: tuple[int, int] = (1280, 720), fps: float = 30.0, face_path: Path | None = None
    ) -> None:
        self.size_wh = size_wh
        self.fps = fps
        self.realtime = False
        portrait = read_image(face_path or DEMO_FACE_PATH)
        width, height = size_wh
        # Crop to the frame's aspect ratio from the top (head and shoulders, as a laptop webcam
        # frames them), then fill the frame.
        crop_h = min(portrait.shape[0], round(portrait.shape[1] * height / width))
        self._portrait = cv2.resize(portrait[:crop_h], size_wh, interpolation=cv2.INTER_CUBIC)
        self._next_index = 0

    @property
    def portrait(self) -> np.ndarray:
        """The unmoved picture (RGB uint8 (H, W, 3)) that `matrix` moves into each frame."""
        return self._portrait

    def matrix(self, index: int) -> np.ndarray:
        """The 2×3 affine transform (float64) that makes frame `index` from `portrait`: where everything in it is."""
        t = index / self.fps
        angle = 2.5 * np.sin(2 * np.pi * t / 5.3)
        dx = 14.0 * np.sin(2 * np.pi * t / 7.1)
        dy = 6.0 * np.sin(2 * np.pi * t / 3.7 + 1.0)
        zoom = 1.0 + 0.03 * np.sin(2 * np.pi * t / 9.0)
        width, height = self.size_wh
        # Zoomed in 6% so the sway never shows the picture's edge.
        matrix = cv2.getRotationMatrix2D((width / 2, height * 0.4), angle, 1.06 * zoom)
        matrix[:, 2] += (dx, dy)
        return matrix

    def frame(self, index: int) -> np.ndarray:
        """Frame number `index` (RGB uint8 (H, W, 3))."""
        return cv2.warpAffine(
            self._portrait, self.matrix(index), self.size_wh, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )

    def read(self) -> np.ndarray:
        """The next frame, as a live source would give it (same interface as `CaptureSource`)."""
        frame = self.frame(self._next_index)
        self._next_index += 1
        return frame

    def close(self) -> None:
        """Nothing to release; here so every live source closes the same way."""

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        """Endless (timestamp_ms, frame) pairs."""
        index = 0
        while True:
            yield round(index * 1000.0 / self.fps), self.frame(index)
            index += 1


V4L2_SYSFS = Path("/sys/class/video4linux")


def list_cameras(sysfs: Path = V4L2_SYSFS, *, max_index: int = 8) -> list[tuple[int, str]]:
    """The cameras as (index for `CaptureSource`, name), without opening any.

    On Linux they are read from `sysfs` (video4linux): each capture node's name, skipping the
    metadata nodes UVC webcams add (their `index` is not 0). Elsewhere indices 0..max_index-1 are
    probed by opening them, which takes a moment per index.
    """
    if sysfs.is_dir():
        cameras = []
        for node in sorted(sysfs.glob("video*"), key=lambda p: int(p.name[5:]) if p.name[5:].isdigit() else 1 << 30):
            if not node.name[5:].isdigit():
                continue
            index_file = node / "index"
            if index_file.is_file() and index_file.read_text().strip() not in ("", "0"):
                continue  # a second node of the same device: metadata, not frames
            name_file = node / "name"
            name = name_file.read_text().strip() if name_file.is_file() else ""
            cameras.append((int(node.name[5:]), name or f"Camera {node.name[5:]}"))
        return cameras
    if Path("/dev").is_dir():  # Linux without video4linux: no cameras
        return []
    found = []
    for index in range(max_index):
        with _quiet_opencv():
            capture = cv2.VideoCapture(index)
        if capture.isOpened():
            found.append((index, f"Camera {index}"))
        capture.release()
    return found


def open_source(spec: str | None, fps: float = 30.0) -> tuple[CaptureSource | DemoSource, str]:
    """Open `spec` ("demo", camera index, file or URL; None = camera 0, else the demo face).

    Returns the source and a message for the window ("" when there is nothing to say).

    Raises:
        SourceError: an explicitly requested source cannot be opened.
    """
    if spec == "demo":
        return DemoSource(fps=fps), "Demo face"
    try:
        return CaptureSource(spec or "0"), ""
    except SourceError:
        if spec is None:  # no camera at all: the demo face keeps the app useful
            return DemoSource(fps=fps), "No camera found — showing the demo face"
        raise
