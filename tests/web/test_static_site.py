"""`tryon web build`: a static folder that runs the try-on with no Tryon process behind it — served here by Python's
own `http.server` on 127.0.0.1 and opened in headless Chromium with a fake camera playing a real face."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from tryon.cli import main
from tryon.quality.browser import chrome_options, element_state, network_requests, portrait_still, view_rgb, write_y4m

BRAND = {
    "format": 2,
    "brand": "Brand Test",
    "collection": "Launch",
    "version": "2027.3",
    "shades": [
        {"id": "bt-launch-red", "name": "Launch Red", "color": "#B0172B", "finish": "satin"},
        {"id": "bt-launch-nude", "name": "Launch Nude", "color": "#B98274", "finish": "matte"},
    ],
}


def brand_catalog(folder: Path, shades: list[dict[str, object]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "launch.json"
    path.write_text(json.dumps({**BRAND, "shades": shades or BRAND["shades"]}), encoding="utf-8")
    return folder


def test_a_brand_catalog_is_what_the_built_page_offers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    brand = str(brand_catalog(tmp_path / "brand"))
    cdn, events = "https://cdn.brand.example/tryon/", "https://brand.example/events"
    assert main(["web", "build", str(out), "--catalog", brand, "--base-url", cdn, "--events-url", events]) == 0
    assert "2 shades from 1 catalog(s)" in capsys.readouterr().out
    (assets,) = [p for p in out.iterdir() if p.is_dir()]
    assert re.fullmatch(r"tryon-[0-9a-f]{16}", assets.name)
    catalog = json.loads((assets / "catalog.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in catalog["shades"]] == ["bt-launch-red", "bt-launch-nude"]  # the brand's, no others
    assert (assets / "swatches" / "bt-launch-red.png").read_bytes().startswith(b"\x89PNG")
    assert (assets / "vendor" / "tasks-vision" / "vision_wasm_module_internal.wasm").stat().st_size > 10_000_000
    index = (out / "index.html").read_text(encoding="utf-8")
    assert not re.search(r'(src|href|catalog)="/', index)  # relative URLs only: the folder works under any path
    assert "connect-src 'self' https://brand.example;" in index  # the policy travels with the page
    assert f'data-catalog="{assets.name}/catalog.json"' in index
    assert 'data-events="https://brand.example/events"' in index
    assert 'data-advice=""' in index  # no server to measure with: no "For you"
    embed = (out / "embed.html").read_text(encoding="utf-8")
    assert f"https://cdn.brand.example/tryon/{assets.name}/tryon-lipstick.js" in embed
    assert "&lt;tryon-lipstick catalog=" in embed
    headers = (out / "_headers").read_text(encoding="utf-8")
    assert "Content-Type: application/wasm" in headers
    assert "connect-src 'self' https://brand.example;" in headers
    assert f"/{assets.name}/*\n  Cache-Control: public, max-age=31536000, immutable" in headers
    worker = (out / "sw.js").read_text(encoding="utf-8")
    assert f'"{assets.name}/vendor/tasks-vision/vision_wasm_module_internal.wasm"' in worker
    # A rebuild with another catalog replaces the folder whole: a new asset folder, the old one gone.
    brand_catalog(tmp_path / "brand2", [{"id": "bt-other", "name": "Other", "color": "#AA3355", "finish": "gloss"}])
    assert main(["web", "build", str(out), "--catalog", str(tmp_path / "brand2")]) == 0
    (rebuilt,) = [p for p in out.iterdir() if p.is_dir()]
    assert rebuilt.name != assets.name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site")]


def test_a_broken_catalog_is_refused_with_the_checkers_message_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = brand_catalog(tmp_path / "brand", [{"id": "bt-bad", "name": "Bad", "color": "#12345", "finish": "matte"}])
    assert main(["shades", "check", str(bad)]) == 1
    checker = [line for line in capsys.readouterr().out.splitlines() if "#12345" in line or "color" in line]
    assert checker
    out = tmp_path / "site"
    assert main(["web", "build", str(out), "--catalog", str(bad)]) == 1
    err = capsys.readouterr().err
    assert checker[0] in err  # the very line `tryon shades check` prints
    assert "nothing was built" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brand"]  # no half-built folder either


@pytest.mark.slow
def test_the_built_folder_runs_on_a_plain_static_server_and_offline_on_the_next_visit(
    tmp_path: Path, processes, chromium, library, wait_until
) -> None:  # noqa: ANN001
    """The folder on `python -m http.server` (no Tryon process serves it), its events going to a collector on another
    origin (as a brand's page on its CDN posting to its collector): lips painted in the view, the events stored,
    every request to 127.0.0.1, and a second visit with the host gone paints from the service worker's cache."""
    import sqlalchemy as sa

    from tryon.analytics.schema import events
    from tryon.analytics.store import Store, sqlite_url
    from tryon.web.phone import phone_app
    from tryon.web.share import BackgroundServer

    out = tmp_path / "site"
    out.mkdir()
    server = processes.start([sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0", "-d", str(out)])
    port = int(re.search(r"port (\d+)", server.wait_for("Serving HTTP on 127.0.0.1 port ")).group(1))
    origin = f"http://127.0.0.1:{port}"
    store = Store(sqlite_url(tmp_path / "events.sqlite"))
    collector = BackgroundServer(phone_app(library.shades, events_store=store, allow_origins=[origin]), "127.0.0.1", 0)
    collector.start()
    events_url = f"http://127.0.0.1:{collector.port}/events"
    assert main(["web", "build", str(out), "--events-url", events_url]) == 0
    clip = write_y4m(tmp_path / "still.y4m", [portrait_still()] * 2)
    driver = chromium(chrome_options(clip, mobile=True))
    try:
        driver.get(f"{origin}/index.html")

        def painting() -> bool:
            state = element_state(driver)
            assert "cannot" not in state["message"], state["message"]
            return (state["frames"] or 0) >= 5

        wait_until(painting, what="the static page's first painted frames", timeout_s=90)
        driver.execute_script("document.querySelector('tryon-lipstick').setAttribute('intensity', '0')")
        start = element_state(driver)["frames"]
        wait_until(lambda: element_state(driver)["frames"] >= start + 3, what="3 bare frames")
        bare = view_rgb(driver)
        driver.execute_script("document.querySelector('tryon-lipstick').setAttribute('intensity', '1')")
        start = element_state(driver)["frames"]
        wait_until(lambda: element_state(driver)["frames"] >= start + 3, what="3 painted frames")
        painted = view_rgb(driver)
        changed = np.abs(painted.astype(np.int16) - bare).max(axis=2) > 2
        assert changed.sum() > 1500  # the lips, painted in the element's view

        def stored_kinds() -> set[str]:
            with store.engine.connect() as connection:
                return {row[0] for row in connection.execute(sa.select(events.c.kind))}

        wait_until(lambda: "session_start" in stored_kinds(), what="the page's events at the collector")
        for item in network_requests(driver):
            if item["kind"] == "request":
                assert item["url"].startswith((origin + "/", events_url, "data:", "blob:")), item["url"]
        wait_until(
            lambda: (
                driver.execute_script("return !!navigator.serviceWorker.controller")
                or driver.execute_script("return navigator.serviceWorker.ready.then(r => !!r.active)")
            ),
            what="the service worker to take over",
        )
        server.kill_group()
        server.wait()
        # A second visit with the host gone: the page, the engine, the model and the WebAssembly from the cache.
        driver.get(f"{origin}/index.html")
        wait_until(painting, what="painted frames with the server stopped", timeout_s=90)
    finally:
        driver.quit()
        collector.stop()
        store.close()
