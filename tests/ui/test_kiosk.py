"""The kiosk on the real window (offscreen Qt, demo face, real model), its config and its PIN, with a fake clock."""

from __future__ import annotations

import http.client
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from tryon.catalog.library import load_library
from tryon.cli import main
from tryon.web.share import ShareServer, ShareStore
from ui.kiosk.config import KioskConfig, KioskConfigError, load_config
from ui.kiosk.session import PinGate
from ui.kiosk.window import KioskWindow

pytestmark = pytest.mark.gui


def blank_clip(folder: Path) -> Path:
    clip = folder / "nobody.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 25, (320, 240))
    for _ in range(50):
        writer.write(np.full((240, 320, 3), 160, np.uint8))
    writer.release()
    return clip


def open_kiosk(qtbot, clock, config: KioskConfig) -> KioskWindow:  # noqa: ANN001
    """A running kiosk window for `config`, its share server on 127.0.0.1; end it with `exit_kiosk()`."""
    store = ShareStore(ttl_s=config.link_ttl_s, clock=clock)
    server = ShareServer(store, "127.0.0.1", 0, clock=clock)
    server.start()
    window = KioskWindow(load_library(), config, share_server=server, store=store, clock=clock)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.start()
    return window


@pytest.fixture
def kiosk(qtbot, clock) -> Iterator[KioskWindow]:  # noqa: ANN001
    window = open_kiosk(qtbot, clock, KioskConfig(exit_pin="4071", camera="demo", idle_reset_s=30, pin_lockout_s=60))
    yield window
    window.exit_kiosk()


def _session_started(window: KioskWindow) -> bool:
    frame = window.last_frame
    return window.session.active and frame is not None and frame.result.faces_found


def _fetch(window: KioskWindow, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", window.share_server.port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_face_starts_a_session_and_idle_resets_it_clearing_everything(
    qtbot, kiosk: KioskWindow, clock, tmp_path
) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: _session_started(kiosk), timeout=20_000)
    assert not kiosk.attract.isVisible()
    qtbot.mouseClick(
        kiosk.shades.viewport(),
        Qt.MouseButton.LeftButton,
        pos=kiosk.shades.visualItemRect(kiosk.shades.item(3)).center(),
    )
    chosen = kiosk.shade.id
    assert chosen == kiosk.library.shades[3].id
    qtbot.waitUntil(lambda: kiosk.last_frame is not None and kiosk.last_frame.result.shade.id == chosen, timeout=10_000)
    qtbot.mouseClick(kiosk.snapshot, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kiosk.qr.isVisible(), timeout=10_000)
    link = kiosk.share_url
    path = link.removeprefix(kiosk.config.share_base_url)
    assert len(kiosk.store) == 1
    assert _fetch(kiosk, path) == 200  # the phone can open it

    kiosk.worker.set_source(str(blank_clip(tmp_path)))  # the shopper walks away
    qtbot.waitUntil(lambda: kiosk.last_frame is not None and not kiosk.last_frame.result.faces_found, timeout=10_000)
    clock.now += 29
    kiosk.tick()
    assert kiosk.session.active  # 29 s: not yet
    clock.now += 2
    kiosk.tick()
    assert not kiosk.session.active
    assert kiosk.resets == 1
    assert len(kiosk.store) == 0
    assert kiosk.store.held_bytes() == 0
    assert not kiosk.qr.isVisible()
    assert kiosk.share_url is None
    assert kiosk.shade.id == kiosk.library.shades[0].id
    assert kiosk.last_frame is None or not kiosk.last_frame.result.faces_found
    assert kiosk.attract.isVisible()
    assert _fetch(kiosk, path) == 410  # the old link is dead


def test_attract_carousel_steps_through_shades(qtbot, kiosk: KioskWindow, clock, tmp_path) -> None:  # noqa: ANN001
    kiosk.worker.set_source(str(blank_clip(tmp_path)))
    qtbot.waitUntil(lambda: kiosk.last_frame is not None and not kiosk.last_frame.result.faces_found, timeout=20_000)
    kiosk.session.end()
    seen = []
    for _ in range(3):
        clock.now += kiosk.config.attract_shade_s
        kiosk.tick()
        seen.append(kiosk.shade.id)
    assert len(set(seen)) == 3


def test_operator_exit_needs_the_pin_and_wrong_pins_lock(qtbot, kiosk: KioskWindow, clock) -> None:  # noqa: ANN001
    kiosk.close()  # Alt+F4 and the like do nothing
    assert kiosk.isVisible()
    pad = kiosk.ask_pin()
    for _ in range(3):
        for key in "1234":
            qtbot.mouseClick(pad.keys[key], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(pad.keys["OK"], Qt.MouseButton.LeftButton)
    assert "Locked" in pad.display.text()
    for key in "4071":
        pad.press(key)
    pad.press("OK")
    assert kiosk.isVisible()  # even the right PIN waits out the lockout
    clock.now += 61
    for key in "4071":
        qtbot.mouseClick(pad.keys[key], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.keys["OK"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not kiosk.isVisible(), timeout=10_000)


def test_pin_lockouts_double(clock) -> None:
    gate = PinGate("4071", attempts=2, lockout_s=10, clock=clock)
    assert [gate.try_pin("0000"), gate.try_pin("0000")] == ["wrong", "wrong"]
    assert gate.try_pin("4071") == "locked"
    clock.now += 10
    assert [gate.try_pin("1"), gate.try_pin("2")] == ["wrong", "wrong"]
    assert gate.locked_for() == pytest.approx(20)
    clock.now += 20
    assert gate.try_pin("4071") == "ok"


def test_a_lost_camera_shows_a_friendly_screen_and_keeps_trying(qtbot, clock) -> None:  # noqa: ANN001
    config = KioskConfig(exit_pin="4071", camera="97")  # no such camera
    window = KioskWindow(load_library(), config, clock=clock)
    qtbot.addWidget(window)
    window.show()
    window.start()
    try:
        qtbot.waitUntil(lambda: window.away.isVisible(), timeout=15_000)
        assert "break" in window.away.text()
        qtbot.waitUntil(lambda: window.worker._retry_s > 2.0, timeout=15_000)  # backing off
    finally:
        window.exit_kiosk()


def test_a_crashed_pipeline_is_restarted(qtbot, kiosk: KioskWindow, monkeypatch) -> None:  # noqa: ANN001
    from tryon.engine.pipeline import Pipeline

    qtbot.waitUntil(lambda: _session_started(kiosk), timeout=20_000)
    real_process = Pipeline.process
    calls = {"n": 0}

    def failing_once(self, *args, **kwargs):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("simulated inference failure")
        return real_process(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "process", failing_once)
    first_worker = kiosk.worker
    qtbot.waitUntil(lambda: kiosk.restarts == 1 and kiosk.worker is not first_worker, timeout=15_000)
    kiosk.last_frame = None
    qtbot.waitUntil(lambda: kiosk.last_frame is not None and kiosk.last_frame.result.faces_found, timeout=20_000)


def test_for_you_in_the_kiosk_picks_and_applies_a_shade(qtbot, kiosk: KioskWindow) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: _session_started(kiosk), timeout=20_000)
    qtbot.mouseClick(kiosk.for_you, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "1. " in kiosk.advice.text(), timeout=20_000)
    assert "ITA" in kiosk.advice.text()
    first_pick = kiosk.advice.text().split("1. <b>")[1].split("</b>")[0]
    assert kiosk.shade.name == first_pick


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('exit_pin = "4071"\nidle_reset = 30\n', "idle_reset: unknown key (did you mean 'idle_reset_s'?)"),
        ('exit_pin = "4071"\nidle_reset_s = "soon"\n', "idle_reset_s: must be a number of seconds"),
        ('exit_pin = "4071"\nidle_reset_s = 2\n', "idle_reset_s: must be a number of seconds from 5"),
        ("idle_reset_s = 30\n", "exit_pin: missing"),
        ("exit_pin = 4071\n", "exit_pin: must be 4–8 digits in quotes"),
        ('exit_pin = "4071\\n"\n', "exit_pin: must be 4–8 digits in quotes"),  # a PIN no one could type
        ('exit_pin = "4071"\nshare_bind = "localhost:80"\n', "share_bind: HOST must be an IP address"),
        ('exit_pin = "4071"\nshare_bind = "127.0.0.1:99999"\n', "share_bind: must be HOST:PORT"),
        ('exit_pin = "4071"\n[server]\nport = 1\n', "server: sections are not used"),
        ('exit_pin = "4071"\nfar_faces = "yes"\n', "far_faces: must be true or false"),
        ('exit_pin = "4071"\ncatalogs = ["nowhere"]\n', "catalogs: no such folder: nowhere"),
        ('exit_pin = "4071\n', "not valid TOML"),
        ('exit_pin = "4071"\ncalibration = "shop.json"\n', "calibration: "),
        ('exit_pin = "4071"\ntrue_colours = true\n', 'true_colours: needs calibration = "FILE"'),
    ],
)
def test_config_errors_are_one_line_naming_the_key(tmp_path: Path, text: str, message: str, capsys) -> None:  # noqa: ANN001
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KioskConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        load_config(path)
    assert main(["kiosk", "--config", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert message in err


def test_a_wildcard_share_address_is_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    wildcard = ipaddress.ip_address(0)  # the unspecified address, only parsed here: nothing binds
    for bind, warned in ((f"{wildcard}:8765", True), ("[::]:8765", True), ("192.168.1.20:8765", False)):
        path.write_text(f'exit_pin = "4071"\nshare_bind = "{bind}"\n', encoding="utf-8")
        warning = load_config(path).share_bind_warning
        assert (warning is not None) == warned
    path.write_text(f'exit_pin = "4071"\nshare_bind = "{wildcard}:8765"\n', encoding="utf-8")
    assert "served on every network this machine is on" in load_config(path).share_bind_warning


def test_a_good_config_keeps_its_values(tmp_path: Path) -> None:
    (tmp_path / "brand").mkdir()
    path = tmp_path / "kiosk.toml"
    path.write_text(
        'exit_pin = "90210"\nidle_reset_s = 45\ncamera = 1\nshare_bind = "127.0.0.1:8080"\n'
        'share_url = "http://192.168.1.20:8080"\nlink_ttl_s = 300\ncatalogs = ["brand"]\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert (config.exit_pin, config.idle_reset_s, config.camera, config.link_ttl_s) == ("90210", 45.0, "1", 300.0)
    assert config.share_host_port == ("127.0.0.1", 8080)
    assert config.share_base_url == "http://192.168.1.20:8080"
    assert config.catalogs == (str((tmp_path / "brand").resolve()),)


def test_a_calibrated_kiosk_shows_true_colours_and_measures_with_the_chart(qtbot, clock, tmp_path: Path) -> None:  # noqa: ANN001
    """calibration = FILE (a chart under a warm shop light) with true_colours: every frame the shopper sees is
    corrected (bluer than the camera's warm frame), and For you measures against the chart."""
    from tests.charts import chart_picture
    from tryon.calibration import calibrate

    calibrate(chart_picture((1.3, 1.0, 0.6)), "shop camera").save(tmp_path / "shop.json")
    path = tmp_path / "kiosk.toml"
    text = 'exit_pin = "4071"\ncamera = "demo"\ncalibration = "shop.json"\ntrue_colours = true\n'
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    assert config.calibration == str((tmp_path / "shop.json").resolve())
    window = open_kiosk(qtbot, clock, config)
    try:
        qtbot.waitUntil(lambda: _session_started(window), timeout=20_000)
        from tryon.media.sources import DemoSource

        shown = window.last_frame.result.original.astype(float)  # the frame the lipstick was painted on
        demo = DemoSource().frame(0).astype(float)  # what the camera (the demo face) sends
        # Corrected for the warm shop light, the shopper's view is bluer than the camera's frame.
        assert shown[..., 2].mean() - shown[..., 0].mean() > demo[..., 2].mean() - demo[..., 0].mean() + 10
        qtbot.mouseClick(window.for_you, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "1. " in window.advice.text(), timeout=20_000)
    finally:
        window.exit_kiosk()


def test_the_kiosk_records_sessions_dwell_and_qr_shares(qtbot, clock, tmp_path: Path) -> None:  # noqa: ANN001
    import sqlalchemy as sa

    from tryon.analytics.recorder import Recorder
    from tryon.analytics.store import Store, sqlite_url

    url = sqlite_url(tmp_path / "kiosk.sqlite")
    config = KioskConfig(exit_pin="4071", camera="demo")
    holder: list[KioskWindow] = []
    store = ShareStore(ttl_s=600, clock=clock, on_taken=lambda: holder[0].picture_downloaded())
    server = ShareServer(store, "127.0.0.1", 0, clock=clock)
    server.start()
    window = KioskWindow(
        load_library(),
        config,
        share_server=server,
        store=store,
        clock=clock,
        recorder=Recorder(url, "kiosk-test", flush_s=0.2),
    )
    holder.append(window)
    qtbot.addWidget(window)
    window.show()
    window.start()
    try:
        qtbot.waitUntil(lambda: _session_started(window), timeout=20_000)
        window.set_shade("mv-ruby-hour")
        qtbot.wait(1000)
        window.take_picture()
        qtbot.waitUntil(lambda: window.share_url is not None, timeout=10_000)
        assert _fetch(window, window.share_url.removeprefix(config.share_base_url) + "/download") == 200
        window.reset_session("start over")
    finally:
        window.exit_kiosk()
    engine = Store(url).engine
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT kind, shade_id, dwell_ms, value FROM events ORDER BY id")).all()
    engine.dispose()
    kinds = [r.kind for r in rows]
    assert kinds[0] == "session_start"
    assert "session_end" in kinds
    assert any(r.kind == "shade_shown" and r.shade_id == "mv-ruby-hour" and r.dwell_ms > 500 for r in rows)
    assert any(r.kind == "snapshot" and r.shade_id == "mv-ruby-hour" for r in rows)
    assert any(r.kind == "shared" and r.value == "qr" for r in rows)
