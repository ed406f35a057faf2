"""The browser engine measured in a real browser: Debian's headless Chromium, driven by Selenium, with a fake camera
playing a Y4M clip of a real face, on 127.0.0.1 only.

`parity` compares what `<tryon-lipstick>` paints with what the Python engine (`tryon render`) paints on the very
frame the browser shows: the changed pixels' IoU and the median ΔE2000 inside them. `run_browser_bench` is
`tryon bench --browser`: frames shown per second, per-stage milliseconds, time to the first painted lips, page
weight on the wire and the server's CPU per shopper with 1 and N browser sessions. `browser_acquisition` is
`tryon eval --motion --browser`: how many frames a face of a given size waits for its lipstick.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tryon.catalog.model import Shade
from tryon.colour import delta_e_2000, rgb_to_lab
from tryon.quality.phone_bench import process_cpu_seconds

# One shade per finish, then an ombre and a liner: the parity set.
PARITY_SHADES = (
    "mv-ruby-hour", "mv-mauve-silk", "ll-cherry-glaze", "ll-watermelon", "nv-red-nova", "nv-rose-gold",
    "nv-berry-ombre", "nv-nude-liner",
)  # fmt: skip
CHANGED_LEVELS = 2  # a pixel whose channels moved by more than this (of 255) was painted
# Chromium on loopback only: no name resolves but 127.0.0.1, WebRTC may not use UDP, no background services.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--enable-unsafe-swiftshader",  # WebGL2 on the CPU where there is no GPU
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",  # the shopper says yes to the camera
    "--ignore-certificate-errors",  # tryon serve's certificate is self-signed
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
# Recorded from the page's first script on: every tryon-frame's detail, and tryon-ready's.
RECORDER = (
    "window.__tryonFrames = []; window.__tryonReady = null;"
    "document.addEventListener('tryon-frame', e => window.__tryonFrames.push(e.detail), true);"
    "document.addEventListener('tryon-ready', e => { window.__tryonReady = e.detail; }, true);"
)


def write_y4m(path: Path, frames: Sequence[np.ndarray], fps: int = 30) -> Path:
    """RGB uint8 frames (all one size, even sides) as a Y4M clip (YUV 4:2:0) Chromium's fake camera plays in a loop."""
    height, width = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def portrait_still(size_wh: tuple[int, int] = (640, 480)) -> np.ndarray:
    """The bundled demo face (public-domain NASA portrait) cropped to the face, filling a `size_wh` frame: RGB uint8,
    a mouth ~110 px wide at 640×480."""
    from tryon.media.sources import DEMO_FACE_PATH, read_image

    portrait = read_image(DEMO_FACE_PATH)
    scale = portrait.shape[1] / 512  # the crop below is in the 512 px original's pixels
    x0, y0, x1, y1 = (round(v * scale) for v in (96, 24, 360, 222))
    return cv2.resize(portrait[y0:y1, x0:x1], size_wh, interpolation=cv2.INTER_AREA)


def chrome_options(camera_clip: Path, *, extra: Sequence[str] = (), mobile: bool = False) -> Any:
    """Selenium ChromeOptions for a loopback-only headless Chromium whose camera plays `camera_clip`, with the
    DevTools network log (`performance`) and the console (`browser`) recorded."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    for flag in (*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={camera_clip}", *extra):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    if mobile:
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}}
        )
    return options


def record_frames(driver: Any) -> None:
    """From the next page load on, keep every tryon-frame event's detail in `window.__tryonFrames`."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})


def element_state(driver: Any) -> dict[str, Any]:
    """The element's frames painted so far and the page's message line."""
    state: dict[str, Any] = driver.execute_script(
        "const t = document.querySelector('tryon-lipstick'), m = document.getElementById('message');"
        "return {frames: t ? t.frames : 0, message: m ? m.textContent : ''};"
    )
    return state


def view_rgb(driver: Any) -> np.ndarray:
    """What `<tryon-lipstick>` shows now, read from its `view` canvas: RGB uint8 (H, W, 3)."""
    url = driver.execute_script("return document.querySelector('tryon-lipstick').view.toDataURL('image/png')")
    data = np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8)
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if decoded is None:
        raise RuntimeError("the element's view did not read back as a PNG")
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def set_attribute(driver: Any, name: str, value: str) -> None:
    driver.execute_script(
        "document.querySelector('tryon-lipstick').setAttribute(arguments[0], arguments[1])", name, value
    )


def frames_after(driver: Any, wait: Callable[..., Any], count: int) -> None:
    """Wait until the element has painted `count` more frames (each reads its attributes anew)."""
    start = element_state(driver)["frames"]
    wait(lambda: element_state(driver)["frames"] >= start + count, what=f"{count} more painted frames")


@dataclass(frozen=True)
class Parity:
    """One shade painted by the browser and by the Python engine on the same frame."""

    shade_id: str
    finish: str
    changed_iou: float  # IoU of the pixels each changed
    median_delta_e: float  # ΔE2000 between the two, median over the pixels both changed
    p95_delta_e: float
    browser_changed_px: int
    python_changed_px: int


def parity(driver: Any, shades: Sequence[Shade], wait: Callable[..., Any]) -> list[Parity]:
    """Each of `shades` at intensity 1, browser vs Python, on the bare frame the browser shows (a still clip: the
    element reads intensity 0 first). The element must be showing a face, unmirrored."""
    from tryon.engine.pipeline import Pipeline

    set_attribute(driver, "mirror", "false")
    set_attribute(driver, "intensity", "0")
    frames_after(driver, wait, 3)
    bare = view_rgb(driver)
    set_attribute(driver, "intensity", "1")
    figures = []
    with Pipeline(mode="image", max_faces=2) as python:
        for shade in shades:
            set_attribute(driver, "shade", shade.id)
            frames_after(driver, wait, 3)
            browser = view_rgb(driver)
            painted = python.process(bare, shade, intensity=1.0).rendered
            browser_changed = np.abs(browser.astype(np.int16) - bare).max(axis=2) > CHANGED_LEVELS
            python_changed = np.abs(painted.astype(np.int16) - bare).max(axis=2) > CHANGED_LEVELS
            both = browser_changed & python_changed
            union = int((browser_changed | python_changed).sum())
            delta = delta_e_2000(rgb_to_lab(browser[both]), rgb_to_lab(painted[both])) if both.any() else np.zeros(1)
            figures.append(
                Parity(
                    shade.id,
                    shade.finish,
                    round(float(both.sum()) / max(union, 1), 3),
                    round(float(np.median(delta)), 2),
                    round(float(np.percentile(delta, 95)), 2),
                    int(browser_changed.sum()),
                    int(python_changed.sum()),
                )
            )
    return figures


def worker_resources(driver: Any) -> list[dict[str, Any]]:
    """What the element's face-finding worker loaded ([{"name": URL, "bytes": on the wire}]; empty when faces are
    found on the page), from its tryon-ready event (recorded by RECORDER). DevTools' network log of the page does not
    show a worker's requests."""
    ready = driver.execute_script("return window.__tryonReady")
    if ready is None:
        raise RuntimeError("no tryon-ready event was recorded (record_frames before the page loads)")
    return list(ready.get("worker_resources") or [])


def network_requests(driver: Any) -> list[dict[str, Any]]:
    """What the page sent since the last call, from the DevTools log: [{"kind": "request", "url", "method",
    "body_bytes"} | {"kind": "websocket_frame", "opcode", "bytes"}], and the response sizes on the wire as
    {"kind": "loaded", "request_id", "bytes"}."""
    sent: list[dict[str, Any]] = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            request = params["request"]
            body = sum(len(part.get("bytes", "")) * 3 // 4 for part in request.get("postDataEntries", []))
            sent.append({"kind": "request", "url": request["url"], "method": request["method"], "body_bytes": body})
        elif method == "Network.webSocketFrameSent":
            frame = params["response"]
            sent.append({"kind": "websocket_frame", "opcode": frame["opcode"], "bytes": len(frame["payloadData"])})
        elif method == "Network.loadingFinished":
            sent.append(
                {"kind": "loaded", "request_id": params["requestId"], "bytes": int(params["encodedDataLength"])}
            )
    return sent


def _stage_figures(frames: list[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    stages = (
        "grab_ms",
        "landmarks_ms",
        "waited_ms",
        "flow_ms",
        "smoothing_ms",
        "mask_ms",
        "render_ms",
        "display_ms",
        "latency_ms",
    )
    for stage in stages:
        values = [f[stage] for f in frames if stage in f]
        if values:
            p50, p95 = np.percentile(values, [50, 95])
            out[f"{stage.removesuffix('_ms')}_ms_p50"] = round(float(p50), 1)
            out[f"{stage.removesuffix('_ms')}_ms_p95"] = round(float(p95), 1)
    return out


@contextmanager
def chromium_sessions(count: int, clip: Path) -> Iterator[list[Any]]:
    """`count` headless Chromium sessions (Debian's chromium and chromium-driver), each with `clip` as its camera;
    quit when the block ends."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        raise RuntimeError("tryon bench --browser needs Debian's chromium and chromium-driver (./dev installs them)")
    drivers: list[Any] = []
    try:
        for _ in range(count):
            options = chrome_options(clip, mobile=False)
            options.binary_location = chromium
            drivers.append(webdriver.Chrome(service=Service(driver_path), options=options))
        yield drivers
    finally:
        for driver in drivers:
            driver.quit()


def _serve(browsers: int = 1) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "tryon.cli", "serve", "--bind", "127.0.0.1:0", "--no-analytics"]
    command += ["--phones-per-address", str(browsers)]  # every browser here comes from 127.0.0.1
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline() if server.stdout else ""
    match = re.search(r"(https?://127\.0\.0\.1:\d+)/", line)
    if match is None:
        server.terminate()
        raise RuntimeError(f"tryon serve did not start: {line!r}")
    return server, match.group(1)


def _session_run(drivers: list[Any], origin: str, shade_id: str) -> dict[str, Any]:
    """Open the page in every browser, wait for painted lips in each, then choose `shade_id`: the time to the first
    painted lips and the bytes each page loaded."""
    for driver in drivers:
        record_frames(driver)
        driver.get(f"{origin}/")
    first_lips_ms: list[float] = []
    weights: list[int] = []
    for driver in drivers:
        deadline = time.monotonic() + 120
        while True:
            frames = driver.execute_script("return window.__tryonFrames")
            painted = [f for f in frames if f.get("painted")]
            if painted:
                first_lips_ms.append(round(float(painted[0]["at_ms"]), 0))
                break
            state = element_state(driver)
            if time.monotonic() > deadline or "cannot" in state["message"] or "could not" in state["message"]:
                raise RuntimeError(
                    f"no painted lips in browser {len(first_lips_ms) + 1} of {len(drivers)} after"
                    f" {state['frames']} frames: {state['message']!r}"
                )
            time.sleep(0.1)
        set_attribute(driver, "shade", shade_id)
        page = sum(item["bytes"] for item in network_requests(driver) if item["kind"] == "loaded")
        weights.append(page + sum(int(item["bytes"]) for item in worker_resources(driver)))
    return {"first_painted_lips_ms": first_lips_ms, "page_weight_bytes": weights}


def run_browser_bench(seconds: float = 10.0, sessions: Sequence[int] = (1, 4)) -> dict[str, Any]:
    """`tryon bench --browser`: for each count in `sessions`, that many headless Chromium sessions of the phone page
    from one `tryon serve` process, each with a fake camera playing the moving demo face (640×480)."""
    from tryon.catalog.library import load_library
    from tryon.media.sources import DemoSource

    library = load_library()
    report: dict[str, Any] = {"seconds": seconds, "frame_wh": [640, 480], "sessions": []}
    with tempfile.TemporaryDirectory(prefix="tryon-browser-bench-") as folder:
        source = DemoSource(size_wh=(640, 480), fps=30)
        moving = write_y4m(Path(folder) / "moving.y4m", [source.frame(i) for i in range(90)])
        still = write_y4m(Path(folder) / "still.y4m", [portrait_still()] * 2)
        for count in sessions:
            server, origin = _serve(count)
            try:
                with chromium_sessions(count, moving) as drivers:
                    loaded = _session_run(drivers, origin, "ll-cherry-glaze")
                    for driver in drivers:
                        driver.execute_script("window.__tryonFrames.length = 0")
                    cpu0, wall0 = process_cpu_seconds(server.pid), time.perf_counter()
                    time.sleep(seconds)
                    cpu = (process_cpu_seconds(server.pid) - cpu0) / (time.perf_counter() - wall0)
                    per_session = []
                    for driver in drivers:
                        frames = driver.execute_script("return window.__tryonFrames")
                        finders = sorted({str(f.get("finder")) for f in frames})
                        per_session.append(
                            {
                                "fps_shown": round(len(frames) / seconds, 1),
                                "finder": "/".join(finders),
                                **_stage_figures(frames),
                            }
                        )
                        sent = network_requests(driver)
                        per_session[-1]["bytes_sent_while_trying_on"] = sum(
                            item.get("body_bytes", 0) + (item["bytes"] if item["kind"] == "websocket_frame" else 0)
                            for item in sent
                        )
            finally:
                server.terminate()
                server.wait(timeout=10)
            report["sessions"].append(
                {
                    "browsers": count,
                    **loaded,
                    "per_session": per_session,
                    "server_cpu_cores": round(cpu, 3),
                    "server_cpu_cores_per_shopper": round(cpu / count, 3),
                }
            )
        server, origin = _serve()
        try:
            with chromium_sessions(1, still) as (driver,):
                driver.get(f"{origin}/")
                wait_painted(driver)
                figures = parity(driver, [library.get(s) for s in PARITY_SHADES], _poll)
                report["parity"] = [asdict(f) for f in figures]
        finally:
            server.terminate()
            server.wait(timeout=10)
    return report


# The acquisition clip: the empty canvas, then the face swaying gently; the camera plays it in a loop, so the face
# appears again and again (each time after a lost track). Every frame's index is written into its top-left corner.
_EMPTY_FRAMES, _FACE_FRAMES = 30, 60
_INDEX_PATCH_PX = 16
# A JS function of a view's 2D context: the index `_stamp_index` wrote into the frame it shows.
_READ_INDEX = (
    "(g => { const d = g.getImageData(4, 4, 17, 1).data, digit = v => Math.round((v - 20) / 20);"
    " return 10 * digit(d[1]) + digit(d[65]); })"
)
_INDEX_RECORDER = (
    "window.__acquisition = [];"
    "document.addEventListener('tryon-frame', e => {"
    " const g = document.querySelector('tryon-lipstick').view.getContext('2d');"
    f" window.__acquisition.push([{_READ_INDEX}(g), e.detail.faces, e.detail.painted, e.detail.found_in]);"
    "}, true);"
)


def _stamp_index(frame: np.ndarray, index: int) -> None:
    """Write `index` (0-99) into RGB `frame`'s top-left corner: two 16 px squares, its tens then its units, each the
    grey level 20 + 20·digit — steps the camera's YUV rounding cannot blur into one another (one grey level per
    index, 2 apart, was misread by one at times: 13 px of error at 400 px/s)."""
    for square, digit in enumerate(divmod(index, 10)):
        frame[:_INDEX_PATCH_PX, square * _INDEX_PATCH_PX : (square + 1) * _INDEX_PATCH_PX] = 20 + 20 * digit


@dataclass(frozen=True)
class BrowserAcquisition:
    """How soon `<tryon-lipstick>` paints a face that appears in a 1280×720 camera, per appearance (the first, then
    each return after 30 frames away): camera frames from the face's first frame to the first painted one, and
    frames the page processed with the face in view before it painted (0: the first it saw); None: not painted
    while the face was there. `found_in`: how often each landmarker found the face ("frame", "square")."""

    face_width_px: float
    camera_frames: tuple[int | None, ...]
    page_frames: tuple[int | None, ...]
    found_in: dict[str, int]


def acquisition_clip(path: Path, face_width_px: float) -> Path:
    """The demo face at `face_width_px` on a 1280×720 canvas: 30 empty frames, then 60 with the face swaying
    (a 30 px/s sine slide, sensor noise σ 2), each frame's index in its top-left corner (`_stamp_index`)."""
    from tryon.engine.landmarks import FaceLandmarker
    from tryon.media.sources import DEMO_FACE_PATH, read_image
    from tryon.quality.motion import CANVAS_WH, Motion, MovingScene, motion_frames

    photo = read_image(DEMO_FACE_PATH)
    with FaceLandmarker(mode="image") as landmarker:
        face = landmarker.detect(photo)[0]
    scene = MovingScene(photo, face, face_width_px)
    shown = [f for _, f, _ in motion_frames(scene, Motion("translate", "sine", 30.0), _FACE_FRAMES, 0.0, noise_sigma=2)]
    empty = np.full((CANVAS_WH[1], CANVAS_WH[0], 3), (118, 112, 106), np.uint8)
    frames = [empty.copy() for _ in range(_EMPTY_FRAMES)] + shown
    for index, frame in enumerate(frames):
        _stamp_index(frame, index)
    return write_y4m(path, frames)


def start_acquisition(driver: Any, url: str) -> None:
    """Open the page at `url` (its camera playing an `acquisition_clip`) at 1280×720, unmirrored, and record from
    now on every frame it paints (`acquisition_rows`)."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _INDEX_RECORDER})
    driver.get(url)
    wait_painted(driver)
    set_attribute(driver, "mirror", "false")  # the index patch stays top left
    set_attribute(driver, "resolution", "1280x720")
    width = "return document.querySelector('tryon-lipstick').view.width"
    try:
        _poll(lambda: driver.execute_script(width) == 1280, what="the camera at 1280x720")
    except RuntimeError as exc:  # say what the element was doing (a CI run once waited here for a minute)
        seen = driver.execute_script(
            "const t = document.querySelector('tryon-lipstick'), v = t._video;"
            "return {view: [t.view.width, t.view.height], video: [v.videoWidth, v.videoHeight, v.readyState],"
            " frames: t.frames, running: t._running, message: (document.getElementById('message') || {}).textContent}"
        )
        raise RuntimeError(f"{exc}; the element: {seen}") from None
    driver.execute_script("window.__acquisition.length = 0")


def acquisition_rows(driver: Any) -> list[list[Any]]:
    """Per frame the page painted since `start_acquisition`: camera frame index, faces, faces painted, found_in."""
    rows: list[list[Any]] = driver.execute_script("return window.__acquisition")
    return rows


def appearances(rows: Sequence[Sequence[Any]], face_width_px: float) -> BrowserAcquisition:
    """Split the page's frames (`acquisition_rows`) into the face's appearances; one whose start was not seen, or
    still under way, is left out."""
    camera: list[int | None] = []
    page: list[int | None] = []
    found_in: dict[str, int] = {}
    current: list[Sequence[Any]] | None = None  # the page's frames of the appearance under way

    def close(frames: list[Sequence[Any]]) -> None:
        painted = [n for n, row in enumerate(frames) if row[2]]
        camera.append(frames[painted[0]][0] - _EMPTY_FRAMES if painted else None)
        page.append(painted[0] if painted else None)

    seen_empty = False
    for row in rows:
        index, _, _, where = row
        if where:
            found_in[where] = found_in.get(where, 0) + 1
        if index < _EMPTY_FRAMES:
            if current:
                close(current)
            current, seen_empty = None, True
        elif seen_empty:  # appearances whose start was seen only
            current = [*(current or []), row]
    return BrowserAcquisition(face_width_px, tuple(camera), tuple(page), found_in)


def browser_acquisition(
    widths_px: Sequence[float] = (100.0, 120.0, 150.0, 200.0, 300.0), seconds: float = 12.0
) -> list[BrowserAcquisition]:
    """`tryon eval --motion --browser`: for each face width, `seconds` of the acquisition clip (`acquisition_clip`)
    through the phone page of a `tryon serve` in headless Chromium at 1280×720, read back frame by frame."""
    results: list[BrowserAcquisition] = []
    server, origin = _serve()
    try:
        for width in widths_px:
            with tempfile.TemporaryDirectory(prefix="tryon-acquisition-") as folder:
                clip = acquisition_clip(Path(folder) / "clip.y4m", width)
                with chromium_sessions(1, clip) as (driver,):
                    start_acquisition(driver, f"{origin}/")
                    time.sleep(seconds)
                    results.append(appearances(acquisition_rows(driver), width))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return results


# Per painted frame, into window.__motion: the clip frame's index (its top-left patch, read back from the view), the
# lip points as the face finder gave them and as painted (after the flow and the smoothing), hooked onto the
# element's own carrier, smoother and view (measuring code only). Its one argument: the lip points' mesh indices.
MOTION_HOOK = """
const t = document.querySelector('tryon-lipstick'), lips = arguments[0];
window.__motion = []; window.__lips = [null, null];
const carry = t._carrier.update.bind(t._carrier);
t._carrier.update = (frame, faces) => { window.__lips = [faces[0], null]; return carry(frame, faces); };
const update = t._smoother.update.bind(t._smoother);
t._smoother.update = (faces, ts) => { const out = update(faces, ts); window.__lips[1] = out[0]; return out; };
const show = t._show.bind(t);
t._show = (frame, paints, shade, intensity) => {
  show(frame, paints, shade, intensity);
  const pick = p => p ? lips.map(i => [p[2 * i], p[2 * i + 1]]) : null;
  window.__motion.push([READ_INDEX(t.view.getContext('2d')), pick(window.__lips[0]), pick(window.__lips[1])]);
};
""".replace("READ_INDEX", _READ_INDEX)


_VIEW_WIDTH = "return document.querySelector('tryon-lipstick').view.width"


@dataclass(frozen=True)
class BrowserMotion:
    """The in-browser engine's lips on the demo face (240 px wide, 1280×720) sliding sideways, sine, peak
    `speed_px_s`: per painted frame, the mean distance of its 40 lip points from the truth, px — `shown` after the
    element's optical flow and smoothing (what it paints), `raw` tasks-vision's landmarks; `fps`: frames painted a
    second."""

    speed_px_s: float
    frames: int
    fps: float
    shown_mean_px: float
    shown_p95_px: float
    shown_max_px: float
    raw_mean_px: float
    raw_p95_px: float


def motion_clip(path: Path, speed_px_s: float) -> list[np.ndarray]:
    """Write a Y4M clip of one period (2 s, 60 frames: the camera's loop is seamless) of the demo face sliding at
    `speed_px_s` as `tryon eval --motion` moves it (sensor noise σ 3, motion blur), each frame's index in its
    top-left corner; return each frame's true lip points ((40, 2) px), as the harness defines them."""
    from tryon.engine.landmarks import FaceLandmarker
    from tryon.media.sources import DEMO_FACE_PATH, read_image
    from tryon.quality.motion import MOTION_FACE_WIDTH_PX, Motion, motion_truths

    photo = read_image(DEMO_FACE_PATH)
    with FaceLandmarker(mode="image") as landmarker:
        face = landmarker.detect(photo)[0]
    frames, truths = motion_truths(photo, face, Motion("translate", "sine", speed_px_s), 60, MOTION_FACE_WIDTH_PX)
    for index, frame in enumerate(frames):
        _stamp_index(frame, index)
    write_y4m(path, frames)
    return truths


def measure_motion(
    driver: Any, url: str, truths: Sequence[np.ndarray], speed_px_s: float, seconds: float, *, min_frames: int = 1
) -> BrowserMotion:
    """Open the page at `url` in `driver` (its camera playing a `motion_clip` with these `truths`) at 1280×720,
    unmirrored, and measure its painted frames against the truths for `seconds` and at least `min_frames` frames."""
    from tryon.engine.face import LIP_POINTS

    driver.get(url)
    wait_painted(driver)
    set_attribute(driver, "mirror", "false")  # the index patch stays top left
    set_attribute(driver, "resolution", "1280x720")
    _poll(lambda: driver.execute_script(_VIEW_WIDTH) == 1280, what="the camera at 1280x720")
    time.sleep(2.0)  # the smoother settles on the new size
    driver.execute_script(MOTION_HOOK, list(LIP_POINTS))
    started = time.monotonic()
    time.sleep(seconds)
    count = "return window.__motion.length"
    _poll(lambda: driver.execute_script(count) >= min_frames, what=f"{min_frames} painted frames")
    elapsed = time.monotonic() - started
    rows = driver.execute_script("return window.__motion")
    painted = [r for r in rows if 0 <= r[0] < len(truths) and r[1] is not None and r[2] is not None]
    if not painted:
        raise RuntimeError(f"no painted frame with a face at {speed_px_s:.0f} px/s")
    raw = np.array([np.linalg.norm(np.asarray(r[1]) - truths[r[0]], axis=1).mean() for r in painted])
    shown = np.array([np.linalg.norm(np.asarray(r[2]) - truths[r[0]], axis=1).mean() for r in painted])
    return BrowserMotion(
        speed_px_s,
        len(painted),
        round(len(rows) / elapsed, 1),
        round(float(shown.mean()), 2),
        round(float(np.percentile(shown, 95)), 2),
        round(float(shown.max()), 2),
        round(float(raw.mean()), 2),
        round(float(np.percentile(raw, 95)), 2),
    )


def browser_motion(speeds_px_s: Sequence[float] = (240.0, 400.0), seconds: float = 10.0) -> list[BrowserMotion]:
    """`tryon eval --motion --browser`: for each speed, `seconds` of `motion_clip` through the phone page of a
    `tryon serve` in headless Chromium (`measure_motion`)."""
    results: list[BrowserMotion] = []
    server, origin = _serve()
    try:
        for speed in speeds_px_s:
            with tempfile.TemporaryDirectory(prefix="tryon-browser-motion-") as folder:
                clip = Path(folder) / "clip.y4m"
                truths = motion_clip(clip, speed)
                with chromium_sessions(1, clip) as (driver,):
                    results.append(measure_motion(driver, f"{origin}/", truths, speed, seconds))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return results


def _poll(condition: Callable[[], Any], *, what: str, timeout_s: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"after {timeout_s:.0f} s still waiting for {what}")
        time.sleep(0.05)
    return value


def wait_painted(driver: Any) -> None:
    """Wait (up to 120 s) until the page's `<tryon-lipstick>` has painted its first frames."""
    _poll(lambda: element_state(driver)["frames"] >= 3, what="the browser engine's first frames", timeout_s=120)
