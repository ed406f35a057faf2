"""Drive the real window (demo source, real model, real Qt event loop) under the offscreen platform."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2  # imported first on purpose: cv2 sets Qt plugin paths that must not break the app
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tryon.catalog.library import SHADES_DIR, load_library
from tryon.colour import rgb_to_lab
from tryon.media.export import read_metadata
from ui.app import MainWindow
from ui.catalog_watch import CatalogWatcher

pytestmark = pytest.mark.gui


def _settings(tmp_path: Path) -> QSettings:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("pictures_dir", str(tmp_path / "pictures"))
    settings.setValue("mirror", False)
    return settings


def _open(qtbot, tmp_path: Path, source: str, settings: QSettings | None = None) -> MainWindow:  # noqa: ANN001
    win = MainWindow(load_library(), source=source, settings=settings or _settings(tmp_path))
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    win.start()
    return win


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:  # noqa: ANN001
    win = _open(qtbot, tmp_path, "demo")
    yield win
    win.stop()
    assert not win.thread.isRunning()


def _wait_for_shade(qtbot, win: MainWindow, shade_id: str) -> None:  # noqa: ANN001
    qtbot.waitUntil(
        lambda: (
            win.last_frame is not None
            and win.last_frame.result.faces_found
            and win.last_frame.look.shade.id == shade_id
        ),
        timeout=20_000,
    )


def _lip_colour(win: MainWindow) -> np.ndarray:
    result = win.last_frame.result
    lips = result.masks[0].full_frame(result.rendered.shape[:2]) > 0.9
    return rgb_to_lab(win.displayed_frame()[lips]).mean(axis=0)


def _click_swatch(qtbot, win: MainWindow, shade_id: str) -> None:  # noqa: ANN001
    """A real mouse click on the shade's row in the list."""
    shade_list = win.shades.shade_list
    row = next(
        r
        for r in range(shade_list.count())
        if getattr(shade_list.item(r).data(Qt.ItemDataRole.UserRole), "id", None) == shade_id
    )
    shade_list.scrollToItem(shade_list.item(row))
    centre = shade_list.visualItemRect(shade_list.item(row)).center()
    qtbot.mouseClick(shade_list.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def _on_screen_lip_colour(win: MainWindow) -> np.ndarray:
    """Mean Lab of the lips as painted in the view widget (grabbed from the widget, not the frame)."""
    result = win.last_frame.result
    ys, xs = np.nonzero(result.masks[0].full_frame(result.rendered.shape[:2]) > 0.9)
    image = win.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    pixels = pixels[:, : 3 * image.width()].reshape(image.height(), image.width(), 3)
    rect = win.view.picture_rect()
    ratio = image.width() / win.view.width()  # device pixels per widget pixel
    scale = rect.width() / result.rendered.shape[1]
    sx = ((rect.left() + (xs + 0.5) * scale) * ratio).astype(int)
    sy = ((rect.top() + (ys + 0.5) * scale) * ratio).astype(int)
    return rgb_to_lab(pixels[sy, sx]).mean(axis=0)


def _wait_for_a_paint(qtbot, win: MainWindow) -> None:  # noqa: ANN001
    """Until the view has painted a frame received after now."""
    painted = win.displayed_count
    qtbot.waitUntil(lambda: win.displayed_count > painted, timeout=20_000)


def test_shade_click_changes_displayed_lip_colour(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    _click_swatch(qtbot, window, "nv-galaxy-plum")
    _wait_for_shade(qtbot, window, "nv-galaxy-plum")
    _wait_for_a_paint(qtbot, window)
    plum, plum_shown = _lip_colour(window), _on_screen_lip_colour(window)
    _click_swatch(qtbot, window, "ll-coral-wave")
    _wait_for_shade(qtbot, window, "ll-coral-wave")
    _wait_for_a_paint(qtbot, window)
    coral, coral_shown = _lip_colour(window), _on_screen_lip_colour(window)
    # coral is lighter and more yellow (b*) than plum, in the frame and in the pixels on screen
    for light, dark in ((coral, plum), (coral_shown, plum_shown)):
        assert light[0] > dark[0] + 5
        assert light[2] > dark[2] + 10
    assert window.displayed_count > 0


def test_arrow_keys_step_through_shades(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    window.shades.select_shade("mv-ruby-hour")
    first = window.shades.current_shade().id
    qtbot.keyClick(window, Qt.Key.Key_Down)
    second = window.shades.current_shade().id
    assert second != first
    qtbot.keyClick(window, Qt.Key.Key_Up)
    assert window.shades.current_shade().id == first
    window.shades.search.setText("plum")
    window.shades.step_shade(1)
    assert "plum" in window.shades.current_shade().name.lower()


def test_split_divider_drags_and_shows_before_left_after_right(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    window.shades.select_shade("mv-ruby-hour")
    window.set_mode("split")
    _wait_for_shade(qtbot, window, "mv-ruby-hour")
    assert window.view.split == pytest.approx(0.5)
    rect = window.view.picture_rect()
    y = int(rect.center().y())
    qtbot.mousePress(window.view, Qt.MouseButton.LeftButton, pos=QPoint(int(rect.center().x()), y))
    qtbot.mouseMove(window.view, QPoint(int(rect.left() + 0.2 * rect.width()), y))
    qtbot.mouseRelease(window.view, Qt.MouseButton.LeftButton, pos=QPoint(int(rect.left() + 0.2 * rect.width()), y))
    assert window.view.split == pytest.approx(0.2, abs=0.01)

    result = window.last_frame.result
    shown = window.displayed_frame()
    cut = round(0.2 * shown.shape[1])
    assert np.array_equal(shown[:, :cut], result.original[:, :cut])  # before, left of the divider
    assert np.array_equal(shown[:, cut:], result.rendered[:, cut:])  # after: the lips (mid-frame) are painted
    assert not np.array_equal(shown, result.original)

    x = int(rect.left() + 0.95 * rect.width())
    qtbot.mousePress(window.view, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    qtbot.mouseRelease(window.view, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert window.view.split == pytest.approx(0.95, abs=0.01)
    lips = window.last_frame.result.masks[0].full_frame(shown.shape[:2]) > 0
    assert np.array_equal(window.displayed_frame()[lips], window.last_frame.result.original[lips])


def test_compare_grid_shows_each_chosen_shade(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    for shade_id in ("mv-ruby-hour", "ll-coral-wave", "nv-galaxy-plum"):
        window.shades.select_shade(shade_id)
        window.shades.toggle_compare_current()
    window.set_mode("compare")
    qtbot.waitUntil(
        lambda: window.last_frame is not None and window.last_frame.compare_grid is not None, timeout=20_000
    )
    frame = window.last_frame
    assert [s.id for s in frame.look.compare] == ["mv-ruby-hour", "ll-coral-wave", "nv-galaxy-plum"]
    grid = window.displayed_frame()
    assert grid.shape == frame.result.original.shape
    # three tiles in a row, each cropped around the same face: equal away from the lips, different on them
    tile_w = (grid.shape[1] - 2 * 6) // 3
    tiles = [grid[:, i * (tile_w + 6) : i * (tile_w + 6) + tile_w].astype(np.int16) for i in range(3)]
    top = slice(0, grid.shape[0] // 3)
    assert np.abs(tiles[0][top] - tiles[1][top]).max() <= 2
    assert np.abs(tiles[0] - tiles[1]).max() > 60
    assert np.abs(tiles[1] - tiles[2]).max() > 60


def test_snapshot_saves_shows_and_shares(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    window.shades.select_shade("mv-ruby-hour")
    _wait_for_shade(qtbot, window, "mv-ruby-hour")
    qtbot.keyClick(window, Qt.Key.Key_Space)  # the file is written in the background
    qtbot.waitUntil(lambda: window.last_saved is not None, timeout=5000)
    saved = window.last_saved
    assert saved.is_file()
    meta = read_metadata(saved)
    assert meta.shade_id == "mv-ruby-hour"
    assert meta.shade_name == "Ruby Hour"
    assert meta.layout == "picture"

    dialog = window.snapshot_dialog
    assert dialog.isVisible()
    assert not dialog.preview.pixmap().isNull()
    dialog.set_layout("before-after")
    path = dialog.save("jpg")
    qtbot.waitUntil(lambda: dialog.last_saved == path, timeout=5000)
    assert path.suffix == ".jpg"
    assert read_metadata(path).layout == "before-after"
    before_after = cv2.imread(str(path))
    assert before_after.shape[:2] == window.last_frame.result.original.shape[:2]
    dialog.copy.click()
    copied = QApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (before_after.shape[1], before_after.shape[0])


def test_snapshot_collage_names_every_compared_shade(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    for shade_id in ("mv-ruby-hour", "ll-coral-wave"):
        window.shades.select_shade(shade_id)
        window.shades.toggle_compare_current()
    window.set_mode("compare")
    qtbot.waitUntil(
        lambda: window.last_frame is not None and window.last_frame.compare_grid is not None, timeout=20_000
    )
    path = window.save_snapshot()
    qtbot.waitUntil(lambda: window.last_saved == path, timeout=5000)
    meta = read_metadata(path)
    assert meta.layout == "compare"
    assert meta.compared_shade_ids == ("mv-ruby-hour", "ll-coral-wave")


def test_snapshot_collage_is_the_frozen_frames_compare_set(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    for shade_id in ("mv-ruby-hour", "ll-coral-wave"):
        window.shades.select_shade(shade_id)
        window.shades.toggle_compare_current()
    # Live view, not compare: the worker still renders the compare set with every frame.
    qtbot.waitUntil(
        lambda: window.last_frame is not None and len(window.last_frame.compare_frames) == 2, timeout=20_000
    )
    frozen = window.last_frame
    assert frozen.compare_grid is None  # the grid is only composed in compare view
    window.shades.select_shade("nv-galaxy-plum")
    window.shades.toggle_compare_current()  # the panel's set changes after the freeze …
    window.last_frame = frozen
    path = window.save_snapshot()
    window.snapshot_dialog.set_layout("compare")
    collage = window.snapshot_dialog.picture
    assert collage.shape == frozen.result.rendered.shape
    assert [shade.id for shade, _ in window.snapshot_dialog.compare] == ["mv-ruby-hour", "ll-coral-wave"]
    assert np.array_equal(
        window.snapshot_dialog.compare[0][1], frozen.compare_frames[0]
    )  # … the sheet keeps the frame's
    qtbot.waitUntil(lambda: window.last_saved == path, timeout=5000)
    assert read_metadata(path).layout == "picture"  # saved in the view's layout (live → the try-on picture)


def test_settings_persist_between_sessions(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    settings = _settings(tmp_path)
    first = _open(qtbot, tmp_path, "demo", settings)
    first.shades.select_shade("nv-galaxy-plum")
    first.intensity.setValue(40)
    first.mirror.setChecked(True)
    first.overlay.setChecked(True)
    first.set_mode("split")
    first.set_source("demo")
    first.close()
    assert not first.thread.isRunning()

    second = _open(qtbot, tmp_path, None, settings)  # no --source: the last camera choice is used
    try:
        assert second.shades.current_shade().id == "nv-galaxy-plum"
        assert second.intensity.value() == 40
        assert second.mirror.isChecked()
        assert second.overlay.isChecked()
        assert second.mode() == "split"
        qtbot.waitUntil(lambda: second.hint.text() == "Demo face", timeout=10_000)
    finally:
        second.stop()


def test_processing_never_runs_on_the_ui_thread(qtbot, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """Every heavy stage of a frame (landmarks, mask and render, compare renders and grid, the view's layers and
    resize, the advisor's measurement, picture encoding) runs off the UI thread. How long the UI thread ever
    stalls is a speed, on a given machine: `tryon bench --gui` reports it (ui_stall_ms_max, ui_stall_ms_p99)."""
    import ui.snapshot
    import ui.worker
    from tryon.engine.pipeline import Pipeline

    threads: dict[str, set[int]] = {}

    def recorded(name: str, function):  # noqa: ANN001, ANN202
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            threads.setdefault(name, set()).add(threading.get_ident())
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(Pipeline, "process", recorded("pipeline", Pipeline.process))
    for name in ("render_variants", "compose_picture", "view_layers", "fit", "sample_face", "advise"):
        monkeypatch.setattr(ui.worker, name, recorded(name, getattr(ui.worker, name)))
    monkeypatch.setattr(ui.snapshot, "save_image", recorded("save_image", ui.snapshot.save_image))
    win = _open(qtbot, tmp_path, "demo")
    try:
        win.overlay.setChecked(True)
        for shade_id in ("mv-ruby-hour", "ll-coral-wave"):
            win.shades.select_shade(shade_id)
            win.shades.toggle_compare_current()
        win.set_mode("compare")  # the heaviest view: a render per shade and a captioned grid every frame
        qtbot.waitUntil(lambda: win.last_frame is not None and win.last_frame.compare_grid is not None, timeout=20_000)
        win.request_advice()
        win.save_snapshot()
        every_stage = {"pipeline", "render_variants", "compose_picture", "view_layers", "fit", "sample_face", "advise"}
        qtbot.waitUntil(lambda: every_stage | {"save_image"} <= threads.keys(), timeout=30_000)
    finally:
        win.stop()
    ui_thread = threading.main_thread().ident
    assert {name: ids for name, ids in threads.items() if ui_thread in ids} == {}


def test_a_ui_thread_that_falls_behind_gets_the_newest_frame_not_a_queue(
    qtbot, window: MainWindow, monkeypatch, wait_until
) -> None:  # noqa: ANN001
    """While the UI thread is busy the worker keeps finishing frames; each replaces the one waiting, so the UI
    thread then draws one frame, the newest, instead of working through a backlog of stale ones."""
    import ui.worker

    posted: list[object] = []
    real_post = ui.worker.NewestFrame.post
    gate = threading.Lock()
    closed = threading.Event()

    def recording_post(mailbox, frame) -> None:  # noqa: ANN001
        with gate:
            if not closed.is_set():
                posted.append(frame)
                real_post(mailbox, frame)

    monkeypatch.setattr(ui.worker.NewestFrame, "post", recording_post)
    qtbot.waitUntil(lambda: window.displayed_count > 0, timeout=20_000)
    delivered: list[object] = []
    window.worker.frame_ready.connect(delivered.append, Qt.ConnectionType.DirectConnection)  # on the emitting thread
    replaced_before = window.worker.frames_replaced
    # Keep the UI thread busy (polling processes no Qt events) until the worker has replaced three waiting frames...
    wait_until(
        lambda: window.worker.frames_replaced >= replaced_before + 3, what="frames finished while the UI thread is busy"
    )
    with gate:  # ...then post no more, so nothing new arrives while the backlog is looked at
        closed.set()
    QApplication.processEvents()
    assert len(delivered) == 1
    assert delivered[0] is posted[-1]


def _write_video(path: Path, frames: list[np.ndarray], fps: float = 15.0) -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def test_no_face_keeps_the_view_live_with_a_hint(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    wall = np.full((480, 640, 3), (200, 190, 180), dtype=np.uint8)
    video = _write_video(tmp_path / "wall.avi", [wall] * 10)
    win = _open(qtbot, tmp_path, str(video))
    try:
        qtbot.waitUntil(lambda: win.displayed_count >= 5, timeout=20_000)
        assert "move closer" in win.hint.text()
        assert np.array_equal(win.displayed_frame(), win.last_frame.result.original)
    finally:
        win.stop()


def test_two_faces_both_get_the_shade(qtbot, tmp_path: Path, astronaut: np.ndarray) -> None:  # noqa: ANN001
    pair = np.ascontiguousarray(np.concatenate([astronaut, astronaut[:, ::-1]], axis=1))
    video = _write_video(tmp_path / "pair.avi", [pair] * 10)
    win = _open(qtbot, tmp_path, str(video))
    try:
        win.shades.select_shade("mv-ruby-hour")
        qtbot.waitUntil(lambda: win.last_frame is not None and len(win.last_frame.result.faces) == 2, timeout=20_000)
        result = win.last_frame.result
        for mask in result.masks:
            lips = mask.full_frame(pair.shape[:2]) > 0.9
            assert np.abs(result.rendered[lips].astype(int) - result.original[lips]).mean() > 10
    finally:
        win.stop()


class _MjpegStream:
    """An IP-camera-like MJPEG stream on 127.0.0.1 that sends `frames` pictures per connection, then hangs up."""

    def __init__(self, picture: np.ndarray, frames: int) -> None:
        jpeg = cv2.imencode(".jpg", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))[1].tobytes()
        self.connections = 0
        stream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                stream.connections += 1
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                for _ in range(frames):
                    self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg))
                    self.wfile.write(jpeg + b"\r\n")
                    time.sleep(1 / 30)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/video"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_stream_that_stops_mid_session_gives_a_message_and_reconnects(
    qtbot,
    tmp_path: Path,
    astronaut: np.ndarray,  # noqa: ANN001
) -> None:
    stream = _MjpegStream(astronaut, frames=45)
    win = _open(qtbot, tmp_path, stream.url)
    try:
        qtbot.waitUntil(lambda: win.displayed_count > 5, timeout=20_000)
        qtbot.waitUntil(lambda: "stopped sending frames; retrying" in win.hint.text(), timeout=20_000)
        shown_before = win.displayed_count
        qtbot.waitUntil(lambda: stream.connections >= 2 and win.displayed_count > shown_before, timeout=20_000)
        assert win.thread.isRunning()
    finally:
        win.stop()
        stream.close()
    assert not win.thread.isRunning()


def test_missing_source_gives_a_message_not_a_crash(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    win = _open(qtbot, tmp_path, str(tmp_path / "no-such-video.mp4"))
    qtbot.waitUntil(lambda: "retrying" in win.hint.text(), timeout=10_000)
    assert "no-such-video.mp4" in win.hint.text()
    win.stop()
    assert not win.thread.isRunning()


def test_catalog_edits_show_live_and_a_broken_save_keeps_the_last_good_version(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "brand"
    folder.mkdir()
    path = folder / "hot.json"

    def save(color: str) -> None:
        shade = {"id": "hot-1", "name": "Hot One", "color": color, "finish": "matte", "opacity": 1.0}
        path.write_text(json.dumps({"brand": "Hot", "collection": "Reload", "shades": [shade]}), encoding="utf-8")

    save("#B01030")
    watcher = CatalogWatcher([SHADES_DIR, folder])
    win = MainWindow(watcher.library, source="demo", settings=_settings(tmp_path), watcher=watcher)
    qtbot.addWidget(win)
    win.show()
    win.start()
    try:
        win.shades.select_shade("hot-1")
        _wait_for_shade(qtbot, win, "hot-1")
        red = _lip_colour(win)
        save("#F0A8B8")
        qtbot.waitUntil(lambda: win.last_frame.look.shade.color == "#F0A8B8", timeout=5000)
        pink = _lip_colour(win)
        assert pink[0] > red[0] + 10  # the displayed lips got lighter with the new colour
        assert not win.shades.catalog_status.isVisible()

        path.write_text(
            '{"brand": "Hot", "collection": "Reload", "shades": [{"id": "hot-1", "color": "#F0A8B8"', encoding="utf-8"
        )
        qtbot.waitUntil(win.shades.catalog_status.isVisible, timeout=5000)
        assert f"{path}:1: column " in win.shades.catalog_status.text()
        assert "invalid JSON" in win.shades.catalog_status.text()
        assert win.shades.current_shade().id == "hot-1"
        assert win.shades.current_shade().color == "#F0A8B8"  # the last good version stays on the face

        save("#B01030")
        qtbot.waitUntil(lambda: not win.shades.catalog_status.isVisible(), timeout=5000)
        qtbot.waitUntil(lambda: win.last_frame.look.shade.color == "#B01030", timeout=5000)
    finally:
        win.stop()


def test_corrupt_model_gives_a_message_in_the_window(qtbot, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import tryon.engine.mediapipe_model

    corrupt = tmp_path / "face_landmarker.task"
    data = bytearray(tryon.engine.mediapipe_model.MODEL_PATH.read_bytes())
    data[1000] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    monkeypatch.setattr(tryon.engine.mediapipe_model, "MODEL_PATH", corrupt)
    win = _open(qtbot, tmp_path, "demo")
    try:
        qtbot.waitUntil(lambda: "is corrupt" in win.hint.text(), timeout=10_000)
        assert "restore it" in win.hint.text()
        assert win.isVisible()  # the window stays, with the reason and the fix
    finally:
        win.stop()


def test_a_catalog_folder_that_disappears_is_reported_and_the_rest_stays(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "brand"
    folder.mkdir()
    shade = {"id": "gone-1", "name": "Gone", "color": "#B01030", "finish": "matte"}
    (folder / "gone.json").write_text(json.dumps({"brand": "G", "collection": "C", "shades": [shade]}))
    watcher = CatalogWatcher([SHADES_DIR, folder])
    assert "gone-1" in {s.id for s in watcher.library.shades}
    (folder / "gone.json").unlink()
    folder.rmdir()
    with qtbot.waitSignal(watcher.problems, timeout=5000) as problems:
        watcher.reload()
    assert problems.args[0] == [f"{folder}: shade folder not found"]
    assert len(watcher.library.shades) == len(load_library().shades)  # the shipped catalogs are still there


def test_a_picture_that_cannot_be_written_says_so(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the pictures folder should be")
    settings = _settings(tmp_path)
    settings.setValue("pictures_dir", str(blocker))
    win = _open(qtbot, tmp_path, "demo", settings)
    try:
        _wait_for_shade(qtbot, win, win.shades.current_shade().id)
        win.save_snapshot()
        qtbot.waitUntil(lambda: "Could not save the picture" in win.hint.text(), timeout=5000)
        assert "not-a-folder" in win.snapshot_dialog.message.text()
        assert win.last_saved is None
    finally:
        win.stop()


def test_gui_benchmark_reports_what_the_user_sees(tmp_path: Path, processes) -> None:  # noqa: ANN001
    """`tryon bench --gui` in a fresh process (it owns its QApplication), briefly, offscreen."""
    import sys

    out = tmp_path / "gui.json"
    command = [sys.executable, "-m", "tryon.cli", "bench", "--gui", "--seconds", "0.5", "--json", str(out)]
    done = processes.run(command, timeout_s=100)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["frame_size"] == [1280, 720]
    for mode in ("live", "split", "compare"):
        row = report[mode]
        assert row["displayed_fps"] > 0
        assert 0 < row["latency_ms_p50"] <= row["latency_ms_p95"] <= row["latency_ms_max"]
        assert 0 < row["ui_stall_ms_p99"] <= row["ui_stall_ms_max"]  # the UI thread's ticks were measured
        assert row["replaced_frames"] >= 0
        assert 0 < row["lips_offset_px_mean"] < 5  # the painted lips sit on the demo face's true lips
    assert report["displayed_fps"] == report["live"]["displayed_fps"]


def test_a_camera_that_stops_sending_is_reopened(qtbot, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import ui.worker

    opened = []

    class Stalling:
        """Sends five frames, then nothing (a camera that hangs without an error)."""

        realtime = True
        fps = 30.0

        def __init__(self) -> None:
            self.sent = 0
            self.closed = threading.Event()
            self.demo = ui.worker.DemoSource(size_wh=(640, 360))

        def read(self) -> np.ndarray:
            if self.sent >= 5:
                self.closed.wait(10)
                raise ui.worker.SourceError("closed")
            self.sent += 1
            time.sleep(1 / 30)
            return self.demo.frame(self.sent)

        def close(self) -> None:
            self.closed.set()

    def open_stalling(spec, fps=30.0):  # noqa: ANN001, ANN202
        opened.append(Stalling())
        return opened[-1], ""

    monkeypatch.setattr(ui.worker, "open_source", open_stalling)
    win = _open(qtbot, tmp_path, "stalling")
    try:
        qtbot.waitUntil(lambda: "no frame for 3 s" in win.hint.text(), timeout=15_000)
        assert "retrying" in win.hint.text()
        qtbot.waitUntil(lambda: len(opened) >= 2, timeout=10_000)  # opened again after the retry pause
    finally:
        win.stop()


def test_qt_calls_keep_none_alive(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None on every void-returning call, so a window
    that paints for minutes aborted with "deallocating None". The pin in pyproject.toml avoids that build;
    this catches any build that does it again: None's reference count must not sink while the app runs."""
    import sys

    from PySide6.QtGui import QColor, QPainter

    image = QImage(8, 8, QImage.Format.Format_RGB888)
    painter = QPainter(image)
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.setPen(QColor(1, 2, 3))
    painter.end()
    assert sys.getrefcount(None) > before - 100
    window.set_mode("split")  # the most painting per frame
    # Let the start-up work on other threads (the shade comparison, then a few frames' worth of settling) finish
    # first: the objects it frees held references to None too (a CI run saw −1,431 in the first 2 s; a settled
    # window is flat).
    qtbot.waitUntil(lambda: window.navigation.ready and window.displayed_count > 30, timeout=60_000)
    before, shown = sys.getrefcount(None), window.displayed_count
    qtbot.waitUntil(lambda: window.displayed_count >= shown + 60, timeout=60_000)  # 60 painted frames
    assert sys.getrefcount(None) > before - 500
