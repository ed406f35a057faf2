import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from tryon.errors import SourceError
from tryon.media.grabber import FrameGrabber
from tryon.media.sources import CaptureSource, DemoSource, list_cameras


class _Counting:
    """A fast real-time source whose frames carry their number in the first pixel; fails after `limit`."""

    realtime = True
    fps = 200.0

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.sent = 0
        self.closed = False

    def read(self) -> np.ndarray:
        if self.sent >= self.limit:
            raise SourceError("camera 'test' stopped sending frames")
        time.sleep(0.005)
        frame = np.zeros((4, 4, 3), np.uint8)
        frame[0, 0, 0] = self.sent % 256
        self.sent += 1
        return frame

    def close(self) -> None:
        self.closed = True


def test_grabber_gives_the_newest_frame_and_drops_stale_ones() -> None:
    source = _Counting(limit=60)
    grabber = FrameGrabber(source)
    seen: list[int] = []

    def consume_until_the_source_fails() -> None:
        while True:
            captured = grabber.latest(timeout_s=2.0)
            assert captured is not None
            seen.append(captured.index)
            time.sleep(0.03)  # a consumer 6× slower than the source

    try:
        with pytest.raises(SourceError, match="stopped sending frames"):
            consume_until_the_source_fails()
    finally:
        grabber.close()
    assert source.closed
    assert seen == sorted(set(seen))  # never the same frame twice, never an older one
    assert len(seen) < 30  # most frames were skipped, not queued
    assert grabber.dropped >= 60 - len(seen) - 1
    assert seen[-1] >= 58  # the last frame before the failure was still delivered


def test_grabber_paces_sources_that_are_not_real_time() -> None:
    demo = DemoSource(size_wh=(320, 180), fps=20.0)
    grabber = FrameGrabber(demo)
    try:
        first = grabber.latest()
        time.sleep(0.5)
        later = grabber.latest()
    finally:
        grabber.close()
    # 0.5 s at 20 fps: about 10 frames produced, not hundreds
    assert 6 <= later.index - first.index <= 14
    assert later.frame.shape == (180, 320, 3)


def test_video_file_source_loops_and_a_missing_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "three.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for value in (0, 120, 240):
        writer.write(np.full((48, 64, 3), value, np.uint8))
    writer.release()
    source = CaptureSource(str(path))
    try:
        levels = [int(source.read().mean()) for _ in range(5)]
    finally:
        source.close()
    assert not source.realtime
    assert levels[3] == pytest.approx(levels[0], abs=3)  # after the third frame it starts again
    with pytest.raises(SourceError, match="cannot open camera or stream .*gone.mp4"):
        CaptureSource(str(tmp_path / "gone.mp4"))


def test_cameras_are_listed_by_name_without_opening_them(tmp_path: Path) -> None:
    # a video4linux tree like a laptop's: a webcam (capture node 0 + metadata node 1) and a USB camera
    for node, index, name in (
        ("video0", "0", "Integrated Camera"),
        ("video1", "1", "Integrated Camera"),
        ("video2", "0", "HD Pro Webcam C920"),
    ):
        (tmp_path / node).mkdir()
        (tmp_path / node / "index").write_text(index + "\n")
        (tmp_path / node / "name").write_text(name + "\n")
    assert list_cameras(tmp_path) == [(0, "Integrated Camera"), (2, "HD Pro Webcam C920")]
    empty = tmp_path / "none"
    empty.mkdir()
    assert list_cameras(empty) == []
    if not Path("/sys/class/video4linux").is_dir() or not any(Path("/sys/class/video4linux").iterdir()):
        assert list_cameras() == []  # this machine: no webcam


def test_any_capture_failure_becomes_a_source_error() -> None:
    class Broken:
        realtime = True
        fps = 30.0

        def read(self) -> np.ndarray:
            raise RuntimeError("USB transfer failed")

        def close(self) -> None:
            pass

    grabber = FrameGrabber(Broken())
    try:
        with pytest.raises(SourceError, match="the source failed: USB transfer failed"):
            grabber.latest(timeout_s=2.0)
    finally:
        grabber.close()
