"""The moving-lips strips in docs/img, on the astronaut (`skimage.data.astronaut()`, public domain) over a 1280×720
canvas with Ruby Hour on the lips; a thin green line is where the lips really are.

- motion_strip.png: sliding at 400 px/s, with the landmark filter before issue 26 (top) and now — the optical-flow
  pose and lip steps and the re-tuned One-Euro filter — (bottom).
- motion_smile_strip.png: smiling (the corners at 120 px/s) while sliding at 240 px/s, with session 8's filter (the
  pose carried by flow, the lips as MediaPipe reads them; top) and now (the lips carried by their own flow; bottom).
- motion_browser_strip.png: the browser engine (`<tryon-lipstick>` in headless Chromium, its fake camera playing the
  astronaut sliding at 400 px/s at 1280×720) without the optical-flow step (session 10; top) and with it (bottom):
  of ~40 views read back from the page, the five painted at the face's fastest.

    .venv/bin/python docs/make_motion_strip.py docs/img      (the browser strip needs Debian's chromium)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from skimage import data

from tryon.catalog.library import load_library
from tryon.engine.face import LIPS_OUTER
from tryon.engine.flow import FlowParams
from tryon.engine.landmarks import FaceLandmarker, lips_at_rest
from tryon.engine.pipeline import DEFAULT_FLOW, Pipeline
from tryon.engine.smoothing import OneEuroParams
from tryon.media.export import save_image
from tryon.quality.motion import (
    MOTION_FACE_WIDTH_PX,
    PREVIOUS_SMOOTHING,
    Motion,
    MouthWarp,
    MovingScene,
    motion_frames,
    mouth_opening,
)

SLIDE_SHOWN = (22, 26, 30, 34, 38)  # frames moving (the slide starts at frame 15)
SMILE_SHOWN = (18, 21, 24, 27, 30)  # the smile coming (it starts at frame 15 and peaks at frame 31)
CROP_WH = (180, 110)
ZOOM = 2


def strip(
    photo: np.ndarray,
    motion: Motion,
    shown: tuple[int, ...],
    params: OneEuroParams,
    flow: FlowParams | None,
    label: str,
) -> np.ndarray:
    with FaceLandmarker(mode="image") as landmarker:
        face = landmarker.detect(photo)[0]
    scene = MovingScene(photo, face, MOTION_FACE_WIDTH_PX)
    rest = lips_at_rest(scene.frame(np.eye(2, 3)))
    mouth = MouthWarp(rest, MOTION_FACE_WIDTH_PX, move=motion.mouth) if motion.mouth_px_s else None
    tiles = []
    shade = load_library().get("mv-ruby-hour")
    with Pipeline(mode="video", smoothing_params=params, max_faces=1, flow=flow) as pipeline:
        for index, (timestamp_ms, frame, matrix) in enumerate(
            motion_frames(scene, motion, max(shown) + 1, 60.0, noise_sigma=2.0, mouth=mouth)
        ):
            result = pipeline.process(frame, shade, timestamp_ms=timestamp_ms)
            if index not in shown:
                continue
            lips = rest if mouth is None else mouth.lips(mouth_opening(motion, index / 30, MOTION_FACE_WIDTH_PX))
            truth = lips[: len(LIPS_OUTER)] @ matrix[:, :2].T + matrix[:, 2]  # the outer contour, as outlined
            cx, cy = truth.mean(axis=0)
            x0, y0 = int(cx - CROP_WH[0] / 2), int(cy - CROP_WH[1] / 2)
            tile = np.ascontiguousarray(result.rendered[y0 : y0 + CROP_WH[1], x0 : x0 + CROP_WH[0]])
            tile = cv2.resize(tile, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_CUBIC)
            contour = ((truth - [x0, y0]) * ZOOM).round().astype(np.int32)
            cv2.polylines(tile, [contour], True, (40, 230, 90), 1, cv2.LINE_AA)
            tiles.append(tile)
    return _row(tiles, label)


def browser_strip(label: str, *, flow: bool) -> np.ndarray:
    """Five views of the browser engine on the astronaut sliding at 400 px/s (`motion_clip`), at the face's fastest;
    `flow=False`: the element's flow step bypassed (what it painted before session 11)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tryon.quality.browser import chrome_options, motion_clip, set_attribute, stamped_index, view_rgb
    from tryon.web.phone import phone_app
    from tryon.web.share import BackgroundServer

    server = BackgroundServer(phone_app(load_library().shades), "127.0.0.1", 0)
    server.start()
    views: dict[int, np.ndarray] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            clip = Path(folder) / "slide.y4m"
            truths = motion_clip(clip, 400.0)
            options = chrome_options(clip)
            options.binary_location = shutil.which("chromium") or "chromium"
            driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)
            try:
                driver.get(f"http://127.0.0.1:{server.port}/")
                painted = "return document.querySelector('tryon-lipstick').frames"
                wait = time.monotonic() + 120
                while driver.execute_script(painted) < 3 and time.monotonic() < wait:
                    time.sleep(0.1)
                for name, value in (("mirror", "false"), ("resolution", "1280x720"), ("shade", "mv-ruby-hour")):
                    set_attribute(driver, name, value)
                if not flow:
                    driver.execute_script(
                        "document.querySelector('tryon-lipstick')._carrier.update = (frame, faces) => faces;"
                    )
                time.sleep(4.0)  # the camera at 1280×720, the smoothing settled
                for _ in range(40):
                    view = view_rgb(driver)
                    index = stamped_index(view)
                    if view.shape[1] == 1280 and 1 <= index < len(truths) - 1:
                        views[index] = view
            finally:
                driver.quit()
    finally:
        server.stop()
    speed = {i: float(np.linalg.norm(truths[i + 1].mean(axis=0) - truths[i - 1].mean(axis=0))) for i in views}
    tiles = []
    for index in sorted(sorted(views, key=speed.__getitem__)[-5:]):
        truth = truths[index][: len(LIPS_OUTER)]
        cx, cy = truth.mean(axis=0)
        x0, y0 = int(cx - CROP_WH[0] / 2), int(cy - CROP_WH[1] / 2)
        tile = np.ascontiguousarray(views[index][y0 : y0 + CROP_WH[1], x0 : x0 + CROP_WH[0]])
        tile = cv2.resize(tile, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_CUBIC)
        cv2.polylines(tile, [((truth - [x0, y0]) * ZOOM).round().astype(np.int32)], True, (40, 230, 90), 1, cv2.LINE_AA)
        tiles.append(tile)
    return _row(tiles, label)


def _row(tiles: list[np.ndarray], label: str) -> np.ndarray:
    row = np.concatenate([np.pad(t, ((0, 0), (0, 6), (0, 0)), constant_values=255) for t in tiles], axis=1)
    band = np.full((34, row.shape[1], 3), 255, np.uint8)
    cv2.putText(band, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (30, 30, 30), 2, cv2.LINE_AA)
    return np.concatenate([band, row], axis=0)


def main(out_dir: Path) -> None:
    photo = np.ascontiguousarray(data.astronaut())
    slide = Motion("translate", "sweep", 400.0)
    before = strip(
        photo, slide, SLIDE_SHOWN, PREVIOUS_SMOOTHING, None, "before: the filter tuned on still faces (lipstick trails)"
    )
    now = strip(photo, slide, SLIDE_SHOWN, OneEuroParams(), DEFAULT_FLOW, "now: pose and lips carried by optical flow")
    save_image(out_dir / "motion_strip.png", np.concatenate([before, now], axis=0))
    smile = Motion("translate", "sine", 240.0, mouth_px_s=120.0, mouth="smile")
    pose_only = FlowParams(lip_carry=0.0, smooth_px=0.0)
    session_8 = strip(
        photo, smile, SMILE_SHOWN, OneEuroParams(), pose_only, "session 8: the pose carried, lips as read"
    )
    now = strip(photo, smile, SMILE_SHOWN, OneEuroParams(), DEFAULT_FLOW, "now: each lip point carried by its own flow")
    save_image(out_dir / "motion_smile_strip.png", np.concatenate([session_8, now], axis=0))
    if shutil.which("chromium") and shutil.which("chromedriver"):
        before = browser_strip("browser, session 10: tasks-vision's landmarks, One-Euro", flow=False)
        now = browser_strip("browser, now: pose and lips carried by optical flow, as the desktop", flow=True)
        save_image(out_dir / "motion_browser_strip.png", np.concatenate([before, now], axis=0))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
