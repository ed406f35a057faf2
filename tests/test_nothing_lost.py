"""Nothing lost, nothing half-written: atomic writes, input ≠ output, checked writes, real faults
(SIGINT, kill -9, a full disk, a read-only folder) against the real CLI."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tryon.cli import main
from tryon.errors import OutputError
from tryon.files import TEMP_MARK, atomic_path, check_output, write_bytes
from tryon.media.sources import DemoSource, read_image

TRYON = [sys.executable, "-m", "tryon.cli"]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if TEMP_MARK in p.name)


def _clip(path: Path, frames: int, size_wh: tuple[int, int] = (640, 360)) -> Path:
    demo = DemoSource(size_wh=size_wh)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, size_wh)
    for index in range(frames):
        writer.write(cv2.cvtColor(demo.frame(index), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


@pytest.fixture
def astronaut_file(tmp_path: Path, astronaut) -> Path:  # noqa: ANN001
    path = tmp_path / "astronaut.png"
    cv2.imwrite(str(path), cv2.cvtColor(np.array(astronaut), cv2.COLOR_RGB2BGR))
    return path


@contextlib.contextmanager
def _tmpfs(mount_point: Path, options: str, processes) -> Iterator[Path]:  # noqa: ANN001
    """A small tmpfs at `mount_point` (needs root's mount, as on these machines and in CI)."""
    mount_point.mkdir()
    mounted = processes.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount_point)], timeout_s=60)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        processes.run(["umount", "-l", str(mount_point)], timeout_s=60)


@pytest.fixture
def tiny_disk(tmp_path: Path, processes) -> Iterator[Path]:  # noqa: ANN001
    """A 256 KiB disk that fills up."""
    with _tmpfs(tmp_path / "tiny", "size=256k", processes) as mount_point:
        yield mount_point


# ----- the helper


def test_a_failed_replace_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    target = write_bytes(tmp_path / "report.json", b"good")

    def disk_full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OutputError, match=r"report.json: cannot write \(No space left on device\)"):
        write_bytes(target, b"new")
    assert target.read_bytes() == b"good"
    assert _leftovers(tmp_path) == []


def test_ctrl_c_inside_a_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = write_bytes(tmp_path / "look.png", b"good")

    def interrupted_write() -> None:
        with atomic_path(target) as temp:
            temp.write_bytes(b"half")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_write()
    assert target.read_bytes() == b"good"
    assert _leftovers(tmp_path) == []


def test_kill_9_mid_write_leaves_the_old_file_and_at_most_a_hidden_temporary(tmp_path: Path, processes) -> None:  # noqa: ANN001
    target = write_bytes(tmp_path / "look.png", b"good")
    code = (
        "import sys, threading; from pathlib import Path; from tryon.files import atomic_path\n"
        "with atomic_path(Path(sys.argv[1])) as temp:\n"
        "    temp.write_bytes(b'half'); print('writing', flush=True); threading.Event().wait()\n"
    )
    writer = processes.start([sys.executable, "-c", code, str(target)])
    writer.wait_for("writing\n")
    writer.kill_group()
    writer.wait()
    assert target.read_bytes() == b"good"
    left = _leftovers(tmp_path)
    assert len(left) == 1
    assert left[0].startswith(".look.tryon-")  # hidden, and named for what it was


def test_check_output_refuses_before_any_work(tmp_path: Path) -> None:
    photo = write_bytes(tmp_path / "photo.jpg", b"x")
    with pytest.raises(OutputError, match="is the input file"):
        check_output(tmp_path / "." / "photo.jpg", inputs=[photo])
    with pytest.raises(OutputError, match="cannot write '.gif'; use .png, .jpg"):
        check_output(tmp_path / "a.gif", suffixes=(".png", ".jpg"))
    with pytest.raises(OutputError, match="folder .*nowhere does not exist"):
        check_output(tmp_path / "nowhere" / "a.png")
    with pytest.raises(OutputError, match="is a folder"):
        check_output(tmp_path)


# ----- the commands


@pytest.mark.parametrize("command", ["render", "mask", "video"])
def test_input_as_output_is_refused_before_any_work(
    command: str,
    tmp_path: Path,
    astronaut_file: Path,
    monkeypatch,
    capsys,  # noqa: ANN001
) -> None:
    import tryon.engine.pipeline

    def no_work(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the pipeline was started before the output was checked")

    monkeypatch.setattr(tryon.engine.pipeline.Pipeline, "__init__", no_work)
    source = _clip(tmp_path / "clip.avi", 3) if command == "video" else astronaut_file
    argv = {
        "render": ["render", str(source), "--shade", "mv-ruby-hour", "-o", str(source)],
        "mask": ["mask", str(source), "-o", str(source)],
        "video": ["video", str(source), "--shade", "mv-ruby-hour", "-o", str(source)],
    }[command]
    before = source.read_bytes()
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "is the input file" in err[0]
    assert source.read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "{img}", "--shade", "mv-ruby-hour", "-o", "{tmp}/out.webp"], "cannot write '.webp'"),
        (["render", "{img}", "--shade", "mv-ruby-hour", "-o", "{tmp}/no/out.png"], "does not exist"),
        (["mask", "{img}", "-o", "{tmp}/no/m.png"], "does not exist"),
        (["video", "{clip}", "--shade", "mv-ruby-hour", "-o", "{tmp}/out.mov"], "cannot write '.mov'"),
        (["eval", "--jitter", "{img}", "--frames", "5", "--json", "{tmp}/no/x.json"], "does not exist"),
        (["bench", "--frames", "10", "--json", "{tmp}/no/x.json"], "does not exist"),
    ],
)
def test_outputs_are_checked_before_the_work(
    tmp_path: Path,
    astronaut_file: Path,
    monkeypatch,
    capsys,
    argv: list[str],
    message: str,  # noqa: ANN001
) -> None:
    import tryon.engine.pipeline

    def no_work(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("work started before the output was checked")

    monkeypatch.setattr(tryon.engine.pipeline.Pipeline, "__init__", no_work)
    clip = _clip(tmp_path / "clip.avi", 2)
    args = [a.format(tmp=tmp_path, img=astronaut_file, clip=clip) for a in argv]
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "--frames", "5"], "'5' must be at least 10"),
        (["bench", "--repeats", "0"], "'0' must be at least 1"),
        (["sheet", "assets/shades", "--faces", ".", "-o", "s.pdf", "--jobs", "0"], "'0' must be between 1 and"),
        (["eval", "--jitter", "x.png", "--frames", "zero"], "'zero' is not a whole number"),
    ],
)
def test_numeric_arguments_are_checked(argv: list[str], message: str, capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_jitter_on_a_face_free_photo_is_an_error_not_zero(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((360, 640, 3), 180, np.uint8))
    assert main(["eval", "--jitter", str(blank), "--frames", "5"]) == 1
    assert "no face found" in capsys.readouterr().err


def test_a_video_without_frames_leaves_nothing(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    empty = _clip(tmp_path / "empty.avi", 0)
    out = tmp_path / "out.avi"
    assert main(["video", str(empty), "--shade", "mv-ruby-hour", "-o", str(out)]) == 1
    assert "empty.avi: the video has no readable frames; nothing was written" in capsys.readouterr().err
    assert not out.exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("moment", ["starting", "writing"])
def test_a_signal_during_video_keeps_the_previous_output(
    tmp_path: Path, processes, signum: int, code: int, moment: str
) -> None:  # noqa: ANN001
    clip = _clip(tmp_path / "long.avi", 240)
    out = tmp_path / "out.avi"
    _clip(out, 3)  # a good previous result
    previous = out.read_bytes()
    video = processes.start([*TRYON, "video", str(clip), "--shade", "mv-ruby-hour", "-o", str(out)])
    if moment == "starting":
        time.sleep(0.3)  # the moment under test: importing OpenCV and MediaPipe, loading the model
    else:
        video.wait_for("frames", stream="stderr")  # the progress line is up: frames are being written
    video.send_signal(signum)
    assert video.wait() == code, video.describe()
    assert "Traceback" not in video.stderr
    assert out.read_bytes() == previous
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_full_disk_stops_video_with_an_error_and_leaves_nothing(tiny_disk: Path, tmp_path: Path, processes) -> None:  # noqa: ANN001
    clip = _clip(tmp_path / "clip.avi", 30)
    result = processes.run(
        [*TRYON, "video", str(clip), "--shade", "mv-ruby-hour", "-o", str(tiny_disk / "out.avi")], timeout_s=100
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("tryon: error: ")
    assert "out.avi" in last
    assert "Traceback" not in result.stderr
    assert list(tiny_disk.iterdir()) == []


def test_a_full_disk_keeps_the_previous_picture(tiny_disk: Path, astronaut_file: Path, capsys) -> None:  # noqa: ANN001
    out = tiny_disk / "look.png"
    out.write_bytes(b"previous look")
    (tiny_disk / "ballast").write_bytes(b"\0" * (256 * 1024 - 64 * 1024))  # leave less room than a PNG needs
    assert main(["render", str(astronaut_file), "--shade", "mv-ruby-hour", "-o", str(out)]) == 1
    assert "cannot write" in capsys.readouterr().err
    assert out.read_bytes() == b"previous look"
    assert _leftovers(tiny_disk) == []


def test_a_read_only_folder_is_refused_before_the_work(tmp_path: Path, astronaut_file: Path, capsys, processes) -> None:  # noqa: ANN001
    with _tmpfs(tmp_path / "ro", "ro,size=64k", processes) as read_only:
        assert main(["render", str(astronaut_file), "--shade", "mv-ruby-hour", "-o", str(read_only / "o.png")]) == 1
    assert "is not writable" in capsys.readouterr().err


def test_jpeg_metadata_keeps_accented_names(tmp_path: Path, astronaut_file: Path) -> None:
    from tryon.media.export import read_metadata

    out = tmp_path / "look.jpg"
    assert main(["render", str(astronaut_file), "--shade", "ll-glass-rose", "-o", str(out)]) == 0
    metadata = read_metadata(out)
    assert metadata is not None
    assert metadata.brand == "Lumière Lab"
    assert read_image(out).shape == (512, 512, 3)


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.3, 0.8, 1.5])
def test_kill_9_during_render_leaves_the_old_picture_or_the_new_one_whole(
    delay_s: float, tmp_path: Path, astronaut, processes
) -> None:  # noqa: ANN001
    from tryon.media.export import save_image

    # A big photo, so the kill lands in reading, rendering or writing depending on the delay.
    big = save_image(tmp_path / "big.png", cv2.resize(np.array(astronaut), (4000, 4000)))
    out = tmp_path / "look.png"
    save_image(out, np.array(astronaut))
    previous = out.read_bytes()
    render = processes.start([*TRYON, "render", str(big), "--shade", "mv-ruby-hour", "-o", str(out)])
    time.sleep(delay_s)  # the moment of the kill: in reading, rendering or writing
    render.kill_group()
    render.wait()
    after = out.read_bytes()
    if after != previous:  # the render had finished: then the new picture is whole
        assert read_image(out).shape == (4000, 4000, 3)
    assert all(name.startswith(".look.tryon-") for name in _leftovers(tmp_path))  # at most hidden temporaries


@pytest.mark.slow
def test_kill_9_during_video_keeps_the_previous_output(tmp_path: Path, processes) -> None:  # noqa: ANN001
    clip = _clip(tmp_path / "long.avi", 240)
    out = tmp_path / "out.avi"
    _clip(out, 3)
    previous = out.read_bytes()
    video = processes.start([*TRYON, "video", str(clip), "--shade", "mv-ruby-hour", "-o", str(out)])
    video.wait_for("frames", stream="stderr")
    video.kill_group()
    video.wait()
    assert out.read_bytes() == previous
    left = _leftovers(tmp_path)
    assert len(left) == 1
    assert left[0].startswith(".out.tryon-")
    assert left[0].endswith(".avi")
