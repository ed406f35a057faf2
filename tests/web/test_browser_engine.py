"""The try-on in the shopper's browser: `<tryon-lipstick>` (MediaPipe tasks-vision in WebAssembly, the colour model
in WebGL2) on `tryon serve`'s page, in Debian's headless Chromium with a fake camera playing a real face, on
127.0.0.1 only. It paints like the Python engine, sends no frame anywhere, falls back to the server stream where it
cannot run, and every constant it uses comes from the Python engine."""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tryon.errors import ModelError
from tryon.quality.browser import (
    PARITY_SHADES,
    RECORDER,
    acquisition_clip,
    acquisition_rows,
    appearances,
    chrome_options,
    element_state,
    frames_after,
    measure_motion,
    motion_clip,
    network_requests,
    parity,
    portrait_still,
    set_attribute,
    start_acquisition,
    view_rgb,
    worker_resources,
    write_y4m,
)
from tryon.web.engine_constants import CONSTANTS_PATH, constants_text
from tryon.web.page_files import STATIC_DIR, VENDORED_SHA256, page_files
from tryon.web.phone import CONTENT_SECURITY_POLICY, encode_jpeg, phone_app
from tryon.web.share import BackgroundServer

PAGE_LOADS_UNLIMITED = 1_000_000  # requests a minute per address: no rate limit in these tests


@pytest.fixture(scope="module")
def server(library) -> Iterator[BackgroundServer]:  # noqa: ANN001
    # Every browser here comes from 127.0.0.1, and a page load is ~60 requests: at the server's 600 a minute per
    # address, ten page loads in a minute (a fast machine running this module) would get 429s — the WebAssembly
    # refused, "the face finder could not start". The limit itself is tested in test_hostile_clients.py.
    running = BackgroundServer(
        phone_app(library.shades, max_phones=1, requests_per_minute=PAGE_LOADS_UNLIMITED), "127.0.0.1", 0
    )
    running.start()
    yield running
    running.stop()


def request(
    server: BackgroundServer, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_the_engine_constants_are_the_python_engines() -> None:
    assert CONSTANTS_PATH.read_text(encoding="utf-8") == constants_text(), (
        "tryon/web/static/engine/constants.json is stale: run `python -m tryon.web.engine_constants`"
    )
    constants = json.loads(constants_text())
    assert set(constants["finishes"]) == {"matte", "satin", "gloss", "sheer", "shimmer", "metallic"}
    assert constants["render"]["reference_lip_l"] == 55.0
    shader = (STATIC_DIR / "engine" / "renderer.js").read_text(encoding="utf-8")
    # The shader takes every render coefficient from constants.json, none typed in: each appears as C.render.<key>.
    for key in ("max_brightening_l", "highlight_range_l", "gloss_sharpness", "fleck_lift_l", "liner_detail_kept"):
        assert f"R.{key}" in shader


def test_the_vendored_files_are_pinned_and_a_changed_byte_stops_the_server(tmp_path: Path) -> None:
    readme = (STATIC_DIR / "vendor" / "tasks-vision" / "README.md").read_text(encoding="utf-8")
    for relative, sha256 in VENDORED_SHA256.items():
        data = (STATIC_DIR / relative).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha256
        assert f"| `{Path(relative).name}` | {len(data):,} | `{sha256}` |" in readme
    assert "1.1.0" in readme
    assert "Apache-2.0" in readme
    copy = tmp_path / "static"
    shutil.copytree(STATIC_DIR, copy)
    wasm = copy / "vendor" / "tasks-vision" / "vision_wasm_module_internal.wasm"
    data = bytearray(wasm.read_bytes())
    data[1000] ^= 0xFF
    wasm.write_bytes(bytes(data))
    with pytest.raises(
        ModelError, match=r"browser engine file vendor/tasks-vision/vision_wasm_module_internal\.wasm .* is corrupt"
    ):
        page_files(copy)


def test_every_response_carries_a_same_origin_policy(server: BackgroundServer) -> None:
    assert "connect-src 'self'" in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY  # no third-party origin allowed anywhere
    for method, path, status in (
        ("GET", "/", 200),
        ("GET", "/stream", 200),
        ("GET", "/static/tryon-lipstick.js", 200),
        ("GET", "/static/engine/constants.json", 200),
        ("GET", "/static/face_landmarker.task", 200),
        ("GET", "/catalog.json", 200),
        ("GET", "/swatch/mv-ruby-hour.png", 200),
        ("GET", "/static/nothing.js", 404),
        ("GET", "/static/index.html", 404),  # pages only at their own paths
        ("POST", "/", 405),
        ("GET", "/static/../phone.py", 404),
    ):
        got, headers, _ = request(server, method, path)
        assert got == status, path
        assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, path
        assert headers.get("x-content-type-options") == "nosniff", path


def test_the_webassembly_is_served_as_wasm_compressed_and_cacheable(server: BackgroundServer) -> None:
    path = "/static/vendor/tasks-vision/vision_wasm_module_internal.wasm"
    status, headers, body = request(server, "GET", path, headers={"accept-encoding": "gzip"})
    assert status == 200
    assert headers["content-type"] == "application/wasm"
    assert headers["content-encoding"] == "gzip"
    assert "max-age=86400" in headers["cache-control"]
    raw = gzip.decompress(body)
    assert hashlib.sha256(raw).hexdigest() == VENDORED_SHA256[path.removeprefix("/static/")]
    assert len(body) < 0.5 * len(raw)
    status, headers, body = request(server, "GET", path)  # a client that cannot unzip gets the bytes as they are
    assert "content-encoding" not in headers
    assert len(body) == len(raw)


def test_our_own_pages_name_no_other_origin() -> None:
    ours = [p for p in STATIC_DIR.rglob("*") if p.is_file() and "vendor" not in p.parts and p.suffix != ".md"]
    assert {p.name for p in ours} >= {"index.html", "page.js", "tryon-lipstick.js", "renderer.js", "mask.js"}
    for path in ours:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(https?:|wss?:)//", text), f"{path.name} names an absolute URL"


def test_the_catalog_for_the_element_has_every_shade_resolved(server: BackgroundServer, library) -> None:  # noqa: ANN001
    status, _, body = request(server, "GET", "/catalog.json")
    catalog = json.loads(body)
    assert status == 200
    assert catalog["format"] == "tryon-web-catalog"
    assert [s["id"] for s in catalog["shades"]] == [s.id for s in library.shades]
    metallic = next(s for s in catalog["shades"] if s["id"] == "nv-rose-gold")
    assert metallic["finish"] == "metallic"
    assert metallic["shimmer_density"] == 0.5
    assert metallic["shimmer_size"] == 1.0
    ombre = next(s for s in catalog["shades"] if s["id"] == "nv-berry-ombre")
    assert ombre["ombre"] == {"inner_color": "#6E1233", "inner_ratio": 0.45, "feather": 0.5}


def test_for_you_measures_one_picture_and_refuses_anything_else(server: BackgroundServer) -> None:
    face = encode_jpeg(portrait_still(), quality=90)
    status, headers, body = request(server, "POST", "/advice", face, {"content-type": "image/jpeg"})
    assert status == 200, body
    advice = json.loads(body)
    assert "ITA" in advice["summary"]
    assert len(advice["picks"]) == 4
    assert headers["cache-control"] == "no-store"
    blank = encode_jpeg(np.full((480, 640, 3), 128, np.uint8))
    status, _, body = request(server, "POST", "/advice", blank)
    assert status == 422
    assert "No face" in json.loads(body)["error"]
    status, _, body = request(server, "POST", "/advice", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    assert status == 400
    assert "JPEG" in json.loads(body)["error"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/advice")
    conn.putheader("content-length", "2000001")  # refused on the header, before a byte of the body is read
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()
    status, _, _ = request(server, "POST", "/catalog.json", face)
    assert status == 405


# --- in the browser -------------------------------------------------------------------------------------------


@pytest.fixture
def still_face(tmp_path: Path) -> Path:
    return write_y4m(tmp_path / "still.y4m", [portrait_still()] * 2)


@pytest.fixture
def moving_face(tmp_path: Path) -> Path:
    from tryon.media.sources import DemoSource

    source = DemoSource(size_wh=(640, 480), fps=30)
    return write_y4m(tmp_path / "moving.y4m", [source.frame(i) for i in range(60)])


def open_page(chromium, clip: Path, url: str, wait_until, *, extra: tuple[str, ...] = (), before_load: str = ""):  # noqa: ANN001, ANN201
    """A phone-sized Chromium on `url` with `clip` as its camera; `before_load`: a script run before the page's own."""
    driver = chromium(chrome_options(clip, mobile=True, extra=extra))
    if before_load:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": before_load})
    driver.get(url)
    return driver


def next_frame(driver) -> dict:  # noqa: ANN001
    """The detail of the element's next tryon-frame event."""
    detail: dict = driver.execute_async_script(
        "const done = arguments[0];"
        "document.querySelector('tryon-lipstick').addEventListener('tryon-frame', e => done(e.detail), {once: true});"
    )
    return detail


def shown_shade(driver) -> str:  # noqa: ANN001
    return str(driver.execute_script("return document.querySelector('tryon-lipstick').getAttribute('shade')"))


def wait_painting(driver, wait_until) -> None:  # noqa: ANN001
    def started() -> bool:
        state = element_state(driver)
        assert "cannot" not in state["message"], state["message"]
        assert "could not" not in state["message"], state["message"]
        return state["frames"] >= 3

    wait_until(started, what="the browser engine's first painted frames", timeout_s=90)


@pytest.mark.slow
def test_the_browser_paints_like_the_python_engine_for_every_finish(
    server: BackgroundServer, chromium, still_face: Path, library, wait_until
) -> None:  # noqa: ANN001
    from tryon.media.export import read_metadata

    driver = open_page(chromium, still_face, f"http://127.0.0.1:{server.port}/", wait_until)
    try:
        wait_painting(driver, wait_until)
        assert next_frame(driver)["finder"] == "worker"  # Chromium finds the faces beside the page
        figures = parity(driver, [library.get(s) for s in PARITY_SHADES], wait_until)
        assert {f.finish for f in figures} == {"matte", "satin", "gloss", "sheer", "shimmer", "metallic"}
        for figure in figures:
            assert figure.python_changed_px > 1500, figure  # a real mouth, ~100 px wide
            assert figure.changed_iou >= 0.85, figure
            # One shade of each finish within 3; ombre and liner (their depth across the lips comes from the two
            # engines' slightly different landmarks and distance maps) within 4.
            assert figure.median_delta_e <= (3.0 if figure.shade_id in PARITY_SHADES[:6] else 4.0), figure
        # What the element shows is readable at any moment and is the camera frame's size.
        assert view_rgb(driver).shape == (480, 640, 3)
        # snapshot(): a PNG of the view with the shade in the metadata tryon.media.export reads.
        png = base64.b64decode(
            driver.execute_async_script(
                "const done = arguments[0];"
                "document.querySelector('tryon-lipstick').snapshot().then(b => b.arrayBuffer()).then(a => {"
                " let s = ''; for (const x of new Uint8Array(a)) s += String.fromCharCode(x); done(btoa(s)); });"
            )
        )
        metadata = read_metadata(png)
        assert metadata is not None
        assert metadata.shade_id == PARITY_SHADES[-1]
        assert metadata.intensity == 1.0
    finally:
        driver.quit()


@pytest.mark.slow
def test_nothing_leaves_the_phone_while_trying_on(
    server: BackgroundServer, chromium, moving_face: Path, wait_until
) -> None:  # noqa: ANN001
    """10 s of live try-on, shades tapped and the slider moved: no frame, no picture, no other origin."""
    import time

    from selenium.webdriver.common.by import By

    origin = f"http://127.0.0.1:{server.port}"
    driver = open_page(chromium, moving_face, f"{origin}/", wait_until, before_load=RECORDER)
    try:
        wait_painting(driver, wait_until)
        loading = network_requests(driver)
        # The face-finding worker's own requests (not in the page's log): its scripts, from this server only. The
        # WebAssembly and the model it runs were fetched by the page and handed over.
        loaded_by_worker = worker_resources(driver)
        assert loaded_by_worker, "the worker reported nothing loaded"
        for item in loaded_by_worker:
            assert item["name"].startswith(f"{origin}/static/"), item
            assert item["name"].endswith((".js", ".mjs")), item
        started, painted_at_start = time.monotonic(), element_state(driver)["frames"]
        for shade_id in ("ll-cherry-glaze", "nv-rose-gold", "mv-ruby-hour"):
            chip = driver.find_element(By.CSS_SELECTOR, f'.chip[data-shade="{shade_id}"]')
            driver.execute_script("arguments[0].scrollIntoView({inline: 'center'})", chip)
            chip.click()
            frames_after(driver, wait_until, 5)
            assert (
                driver.execute_script("return document.querySelector('tryon-lipstick').getAttribute('shade')")
                == shade_id
            )
        driver.execute_script(
            "const s = document.getElementById('intensity'); s.value = 40; s.dispatchEvent(new Event('input'))"
        )
        # The window watched: at least 10 s and at least 20 painted frames, however slow the machine is.
        wait_until(
            lambda: time.monotonic() - started >= 10 and element_state(driver)["frames"] > painted_at_start + 20,
            what="10 s and 20 frames of try-on",
            every_s=0.2,
        )
        during = network_requests(driver)
        assert element_state(driver)["message"] == ""
    finally:
        driver.quit()
    requests = [item for item in loading + during if item["kind"] == "request"]
    assert requests, "the DevTools network log recorded nothing"
    for item in requests:
        assert item["url"].startswith((origin + "/", "data:", "blob:")), item["url"]
    assert not [item for item in during if item["kind"] == "websocket_frame"]
    # The only bodies: the anonymous events batch (JSON, well under 1 KiB; this server collects none and says 404).
    sent = [item for item in during if item["kind"] == "request" and (item["body_bytes"] or item["method"] != "GET")]
    for item in sent:
        assert (item["method"], item["url"]) == ("POST", f"{origin}/events"), item
        assert item["body_bytes"] <= 1024, item


@pytest.mark.slow
def test_for_you_sends_exactly_one_picture(server: BackgroundServer, chromium, still_face: Path, wait_until) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    driver = open_page(chromium, still_face, f"http://127.0.0.1:{server.port}/", wait_until)
    try:
        wait_painting(driver, wait_until)
        network_requests(driver)
        assert "sends 1 picture" in driver.find_element(By.ID, "foryou").text  # said on the button itself
        driver.find_element(By.ID, "foryou").click()
        wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#advice button"), what="the advice's shade buttons")
        assert "ITA" in driver.find_element(By.ID, "advice").text
        first = driver.find_elements(By.CSS_SELECTOR, "#advice button")[0].get_attribute("data-shade")
        assert shown_shade(driver) == first
        sent = [item for item in network_requests(driver) if item["kind"] == "request" and item["method"] != "GET"]
    finally:
        driver.quit()
    pictures = [(item["method"], item["url"].rsplit("/", 1)[1]) for item in sent if not item["url"].endswith("/events")]
    assert pictures == [("POST", "advice")]


@pytest.mark.slow
def test_without_webgl_the_page_says_so_and_offers_the_server_stream(
    server: BackgroundServer, chromium, still_face: Path, wait_until
) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    driver = open_page(
        chromium, still_face, f"http://127.0.0.1:{server.port}/", wait_until, extra=("--disable-3d-apis",)
    )
    try:
        wait_until(lambda: "WebGL2" in element_state(driver)["message"], what="the no-WebGL2 message")
        link = driver.find_element(By.ID, "fallback")
        assert link.is_displayed()
        assert "server" in link.text
        link.click()
        wait_until(lambda: driver.current_url.endswith("/stream"), what="the server stream page")
        wait_until(
            lambda: (
                int(driver.execute_script("return Number(document.getElementById('view').dataset.frames || 0)")) >= 3
            ),
            what="server-rendered frames on the fallback page",
        )
    finally:
        driver.quit()


# A browser whose workers cannot run the landmarker (WebKit gives workers no WebGL on OffscreenCanvas): the worker
# starts and says so, as tasks-vision's failure there would.
_WORKERS_WITHOUT_WEBGL = """
window.Worker = class extends Worker {
  constructor(url, options) {
    const says = 'postMessage({type: "error", message: "Error: no WebGL2 context on an OffscreenCanvas here"})';
    super(URL.createObjectURL(new Blob([says], {type: "text/javascript"})), options);
  }
};
"""


@pytest.mark.slow
def test_where_a_worker_cannot_find_faces_the_page_finds_them_itself(
    server: BackgroundServer, chromium, still_face: Path, wait_until
) -> None:  # noqa: ANN001
    driver = open_page(
        chromium, still_face, f"http://127.0.0.1:{server.port}/", wait_until, before_load=_WORKERS_WITHOUT_WEBGL
    )
    try:
        wait_painting(driver, wait_until)
        detail = next_frame(driver)
        assert detail["finder"] == "page"
        assert detail["faces"] == 1, detail
        assert detail["painted"] == 1, detail
        assert element_state(driver)["message"] == ""
    finally:
        driver.quit()


@pytest.mark.slow
def test_the_page_reports_which_shades_were_tried(
    library, chromium, still_face: Path, tmp_path: Path, wait_until
) -> None:  # noqa: ANN001
    """tryon serve's page posts its anonymous events to /events: the session, each shade with its dwell."""
    from selenium.webdriver.common.by import By

    from tryon.analytics.store import Store, sqlite_url

    store = Store(sqlite_url(tmp_path / "events.sqlite"))
    server = BackgroundServer(phone_app(library.shades, events_store=store), "127.0.0.1", 0)
    server.start()
    driver = open_page(chromium, still_face, f"http://127.0.0.1:{server.port}/", wait_until)
    try:
        wait_painting(driver, wait_until)
        for shade_id in ("ll-cherry-glaze", "nv-rose-gold"):
            chip = driver.find_element(By.CSS_SELECTOR, f'.chip[data-shade="{shade_id}"]')
            driver.execute_script("arguments[0].scrollIntoView({inline: 'center'})", chip)
            chip.click()
            frames_after(driver, wait_until, 10)

        def shades_recorded() -> set[str]:
            import sqlalchemy as sa

            from tryon.analytics.schema import events

            query = sa.select(events.c.shade_id).where(events.c.kind == "shade_shown", events.c.dwell_ms > 0)
            with store.engine.connect() as connection:
                return {row[0] for row in connection.execute(query)}

        # The page sends a batch every 10 s; the dwell of a shade is recorded when the next one is chosen.
        recorded = wait_until(lambda: shades_recorded() >= {"ll-cherry-glaze"} and shades_recorded(), what="events")
        assert "ll-cherry-glaze" in recorded
        csv = store.export_csv()
        assert ",session_start," in csv
        assert "Lumière Lab / Glass Gloss" in csv
    finally:
        driver.quit()
        server.stop()
        store.close()


@pytest.mark.slow
@pytest.mark.parametrize("face_width_px", [110.0])
def test_a_small_face_gets_lipstick_in_the_browser_as_soon_as_it_appears(
    server: BackgroundServer, chromium, tmp_path: Path, wait_until, face_width_px: float
) -> None:  # noqa: ANN001
    """A face 110 px wide in a 1280x720 camera — too small for the landmarker's own detector on the whole frame —
    appears, leaves and comes back in a loop: each time the page paints it within 6 of the frames it processed
    (counted in the page's frames, not in time: a slow machine processes fewer camera frames, not fewer of its own)."""
    clip = acquisition_clip(tmp_path / "small.y4m", face_width_px)
    driver = chromium(chrome_options(clip))
    try:
        start_acquisition(driver, f"http://127.0.0.1:{server.port}/")
        wait_until(
            lambda: len(appearances(acquisition_rows(driver), face_width_px).page_frames) >= 3,
            what="three appearances of the face",
            timeout_s=120,
        )
        found = appearances(acquisition_rows(driver), face_width_px)
    finally:
        driver.quit()
    assert all(frames is not None and frames <= 6 for frames in found.page_frames), found
    assert found.found_in.get("square", 0) > found.found_in.get("frame", 0), found  # found by the square search


def test_switching_the_camera_resolution_while_painting_never_stops_the_element(
    server: BackgroundServer, chromium, tmp_path: Path, wait_until
) -> None:  # noqa: ANN001
    """`resolution` changed back and forth while frames flow, faster than the camera restarts: the element ends at
    the size asked for last, keeps painting and raises no error (camera restarts are queued, frames grabbed while
    one runs are skipped)."""
    clip = acquisition_clip(tmp_path / "hd.y4m", 200.0)  # a 1280x720 camera (the fake one scales it to 640x480)
    driver = open_page(chromium, clip, f"http://127.0.0.1:{server.port}/", wait_until)
    try:
        wait_painting(driver, wait_until)
        driver.execute_script(
            "window.__tryonErrors = []; document.querySelector('tryon-lipstick')"
            ".addEventListener('tryon-error', e => __tryonErrors.push(e.detail))"
        )
        for resolution in ("1280x720", "640x480", "1280x720", "640x480", "1280x720", "640x480", "1280x720"):
            set_attribute(driver, "resolution", resolution)
            frames_after(driver, wait_until, 1)
        width = "return document.querySelector('tryon-lipstick').view.width"
        wait_until(lambda: driver.execute_script(width) == 1280, what="the view at 1280x720")
        frames_after(driver, wait_until, 3)
        assert driver.execute_script("return window.__tryonErrors") == []
    finally:
        driver.quit()


@pytest.mark.slow
def test_the_browser_engine_is_measured_on_a_sliding_face(server: BackgroundServer, chromium, tmp_path: Path) -> None:  # noqa: ANN001
    """`tryon eval --motion --browser`'s moving-lips figures: a clip of the demo face sliding at 240 px/s, each
    painted frame's lips against the truth of the clip frame it showed. Frames matched to the wrong truth would be
    tens of px off; the element's flow and smoothing place the lips closer to the truth than tasks-vision's
    landmarks (measured: 0.48-0.66 px against 1.11-1.20 on average)."""
    clip = tmp_path / "sliding.y4m"
    truths = motion_clip(clip, 240.0)
    driver = chromium(chrome_options(clip))
    try:
        run = measure_motion(driver, f"http://127.0.0.1:{server.port}/", truths, 240.0, 0.0, min_frames=20)
    finally:
        driver.quit()
    assert run.frames >= 15, run  # of the 20 painted: those with a face and a readable index
    assert run.shown_mean_px < 4.0, run
    assert run.shown_mean_px < run.raw_mean_px, run


# In a page of the server: engine/flow.js's FlowCarrier over PNG frames (base64) and the landmarks found in each
# (flat lists), returning each frame's carried landmarks.
_CARRY_FRAMES = """
const [pngs, faces, done] = arguments;
(async () => {
  const { FlowCarrier } = await import('/static/engine/flow.js');
  const C = await (await fetch('/static/engine/constants.json')).json();
  const carrier = new FlowCarrier(C, document.createElement('canvas')), out = [];
  for (let i = 0; i < pngs.length; i++) {
    const bytes = Uint8Array.from(atob(pngs[i]), c => c.charCodeAt(0));
    const frame = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    out.push(Array.from(carrier.update(frame, [Float32Array.from(faces[i])])[0]));
    frame.close();
  }
  return out;
})().then(done, e => done(String(e.stack || e)));
"""


@pytest.mark.slow
def test_the_browser_carries_a_moving_face_as_the_python_engine_does(
    server: BackgroundServer,
    chromium,
    still_face: Path,
    astronaut: np.ndarray,
    astronaut_face,  # noqa: ANN001
) -> None:
    """engine/flow.js against tryon.engine.flow.FlowCarrier on the same frames and the same MediaPipe landmarks: the
    demo face sliding at 400 px/s (sensor noise, motion blur; every second frame of 30 fps, as the browser paints
    at 720p), then jumping 64 px in one frame (~72 px with the slide: well within the flow's reach of ~105 px, where
    the outcome hangs on single points). The browser places the lips where the Python engine does (the same
    pyramid, Lucas-Kanade, similarity and blend, every constant from constants.json), closer to the truth than the
    landmarks themselves, and follows the jump."""
    from tryon.engine.face import LIP_POINTS
    from tryon.engine.flow import FlowCarrier
    from tryon.engine.landmarks import FaceLandmarker
    from tryon.quality.motion import Motion, motion_truths

    frames, truths = motion_truths(astronaut, astronaut_face, Motion("translate", "sine", 400.0), 32)
    frames, truths = frames[::2], truths[::2]  # 15 frames a second, as the browser paints them at 720p
    stamps = [1000 + round(index * 2000 / 30) for index in range(len(frames))]
    # 640×480 views of the 720p frames (fewer bytes to hand over), the view moved 64 px from the 11th frame on.
    x0, y0 = (np.concatenate(truths).mean(axis=0) - (368, 260)).astype(int)
    lefts = [x0 + (64 if index >= 10 else 0) for index in range(len(frames))]
    views = [np.ascontiguousarray(f[y0 : y0 + 480, left : left + 640]) for f, left in zip(frames, lefts, strict=True)]
    truths = [t - (left, y0) for t, left in zip(truths, lefts, strict=True)]
    with FaceLandmarker(mode="video", max_faces=1) as landmarker:
        found = [landmarker.detect(view, stamp) for view, stamp in zip(views, stamps, strict=True)]
    assert all(len(faces) == 1 for faces in found)
    python_carrier = FlowCarrier()
    python = [python_carrier.update(view, faces)[0].lip_points for view, faces in zip(views, found, strict=True)]
    pngs = [base64.b64encode(cv2.imencode(".png", v[:, :, ::-1])[1].tobytes()).decode() for v in views]  # RGB → BGR
    driver = chromium(chrome_options(still_face))
    try:
        driver.set_script_timeout(120)
        driver.get(f"http://127.0.0.1:{server.port}/static/engine/constants.json")
        faces = [f[0].points.ravel().tolist() for f in found]
        carried = driver.execute_async_script(_CARRY_FRAMES, pngs, faces)
    finally:
        driver.quit()
    assert isinstance(carried, list), carried  # else the script's error
    browser = [np.asarray(points).reshape(-1, 2)[list(LIP_POINTS)] for points in carried]

    def error(lips: list[np.ndarray]) -> np.ndarray:
        return np.array([np.linalg.norm(p - t, axis=1).mean() for p, t in zip(lips, truths, strict=True)])

    apart = np.array([np.linalg.norm(b - p, axis=1).mean() for b, p in zip(browser, python, strict=True)])
    raw, shown = error([f[0].lip_points for f in found]), error(browser)
    assert apart.max() < 0.1, apart.round(3)  # px, mean over the 40 lip points
    # Measured (session 12): 0.83 px against 1.18 on average, at most 1.2 against 3.1; at the jump 1.2 against 3.1;
    # the two engines 0.016-0.034 px apart.
    assert shown[1:].mean() < 0.9 * raw[1:].mean(), (shown.round(2), raw.round(2))
    assert shown[1:].max() < raw[1:].max(), (shown.round(2), raw.round(2))
    assert shown[10] < 2.0 < raw[10], (shown.round(2), raw.round(2))  # the jump: MediaPipe lags, the flow does not
