import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from tryon.errors import SourceError
from tryon.media.grabber import FrameGrabber
from tryon.media.sources import CaptureSource, DemoSource, list_cameras


class _Stepped:
    """A real-time source that makes a frame each time the test allows one (`allow`), so the test knows exactly
    which frames exist; each frame carries its number in the first pixel. Fails once `limit` frames are made."""

    realtime = True
    fps = 30.0

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.asked = 0  # calls of read(): the grabber asks for frame N once it has stored frame N - 1
        self.permitted = 0
        self.closed = False
        self._allowed = threading.Semaphore(0)
        self._asked = threading.Condition()

    def allow(self, frames: int) -> None:
        """Let `frames` more frames be read, and wait until the grabber holds the last of them (it is asking for
        the next one), or has met the failure past `limit` (then it asks no more)."""
        self.permitted += frames
        for _ in range(frames):
            self._allowed.release()
        with self._asked:
            assert self._asked.wait_for(lambda: self.asked > min(self.permitted, self.limit), timeout=60)

    def read(self) -> np.ndarray:
        with self._asked:
            number = self.asked
            self.asked += 1
            self._asked.notify_all()
        self._allowed.acquire()
        if number >= self.limit:
            raise SourceError("camera 'test' stopped sending frames")
        frame = np.zeros((4, 4, 3), np.uint8)
        frame[0, 0, 0] = number
        return frame

    def close(self) -> None:
        self._allowed.release()  # a read waiting for permission ends (the grabber is stopping)
        self.closed = True


def test_grabber_gives_the_newest_frame_and_drops_stale_ones() -> None:
    source = _Stepped(limit=10)
    grabber = FrameGrabber(source)
    try:
        source.allow(1)
        first = grabber.latest(timeout_s=60)
        source.allow(5)  # five frames while the consumer is busy elsewhere
        newest = grabber.latest(timeout_s=60)
        assert grabber.latest(timeout_s=0.05) is None  # nothing new: never the same frame twice
        source.allow(4)
        last = grabber.latest(timeout_s=60)
        source.allow(1)  # the frame past the limit: the source fails
        with pytest.raises(SourceError, match="stopped sending frames"):
            grabber.latest(timeout_s=60)
    finally:
        grabber.close()
    assert source.closed
    assert [first.index, newest.index, last.index] == [0, 5, 9]  # the newest each time, the others skipped
    assert newest.frame[0, 0, 0] == 5
    assert grabber.dropped == 4 + 3


def test_grabber_paces_sources_that_are_not_real_time() -> None:
    demo = DemoSource(size_wh=(320, 180), fps=20.0)
    grabber = FrameGrabber(demo)
    try:
        first = grabber.latest(timeout_s=60)
        started = time.perf_counter()
        time.sleep(0.5)  # a slow consumer, busy for half a second
        later = grabber.latest(timeout_s=60)
        elapsed_s = time.perf_counter() - started
    finally:
        grabber.close()
    # At 20 fps, never more frames than the time allows (a loaded machine only makes fewer): not hundreds
    made, allowed = later.index - first.index, 20 * elapsed_s + 2
    assert 0 < made <= allowed
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
