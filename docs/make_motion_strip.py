"""The moving-lips strips in docs/img, on the astronaut (`skimage.data.astronaut()`, public domain) over a 1280×720
canvas with Ruby Hour on the lips; a thin green line is where the lips really are.

- motion_strip.png: sliding at 400 px/s, with the landmark filter before issue 26 (top) and now — the optical-flow
  pose and lip steps and the re-tuned One-Euro filter — (bottom).
- motion_smile_strip.png: smiling (the corners at 120 px/s) while sliding at 240 px/s, with session 8's filter (the
  pose carried by flow, the lips as MediaPipe reads them; top) and now (the lips carried by their own flow; bottom).
- motion_roll_strip.png: the head rolling ±15° about the neck (the lips at up to 400 px/s), with session 11's flow
  (each window only shifted: it misreads a turning face; top) and now (followed on the previous picture turned and
  scaled as the face is; bottom).
- motion_browser_strip.png: the browser engine (`<tryon-lipstick>` in headless Chromium, its fake camera playing the
  astronaut sliding at 400 px/s at 1280×720) without the optical-flow step (session 10; top) and with it (bottom):
  of 40 views read back from the page, one a second, the five whose painted lips are furthest from the truth (each
  tile says how far: the mean over the 40 lip points).

    .venv/bin/python docs/make_motion_strip.py docs/img      (the browser strip needs Debian's chromium)
"""

from __future__ import annotations

import base64
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
ROLL_SHOWN = (34, 37, 40, 43, 46)  # the head swinging ±15° (a swing every ~12 frames), once the flow has settled
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
    assert rest is not None
    lip_radius = float(np.linalg.norm(rest.mean(axis=0) - np.array(scene.pivot_xy(motion.kind))))
    mouth = MouthWarp(rest, MOTION_FACE_WIDTH_PX, move=motion.mouth) if motion.mouth_px_s else None
    tiles = []
    shade = load_library().get("mv-ruby-hour")
    with Pipeline(mode="video", smoothing_params=params, max_faces=1, flow=flow) as pipeline:
        for index, (timestamp_ms, frame, matrix) in enumerate(
            motion_frames(scene, motion, max(shown) + 1, lip_radius, noise_sigma=2.0, mouth=mouth)
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
    """The browser engine on the astronaut sliding at 400 px/s (`motion_clip`): of 40 views read back from the page,
    the five whose painted lips are furthest from the truth (what the eye would catch), in clip order; `flow=False`:
    the element's flow step bypassed (what it painted before session 11)."""
    from tryon.engine.face import LIP_POINTS
    from tryon.quality.browser import MOTION_HOOK, chromium_sessions, motion_clip, set_attribute, wait_painted
    from tryon.web.phone import phone_app
    from tryon.web.share import BackgroundServer

    server = BackgroundServer(phone_app(load_library().shades), "127.0.0.1", 0)
    server.start()
    views: list[tuple[float, int, np.ndarray]] = []  # (painted lips' error px, clip index, view RGB)
    try:
        with tempfile.TemporaryDirectory() as folder:
            clip = Path(folder) / "slide.y4m"
            truths = motion_clip(clip, 400.0)
            with chromium_sessions(1, clip) as (driver,):
                driver.get(f"http://127.0.0.1:{server.port}/")
                wait_painted(driver)
                for name, value in (("mirror", "false"), ("resolution", "1280x720"), ("shade", "mv-ruby-hour")):
                    set_attribute(driver, name, value)
                if not flow:
                    driver.execute_script(
                        "document.querySelector('tryon-lipstick')._carrier.update = (frame, faces) => faces;"
                    )
                time.sleep(4.0)  # the camera at 1280×720, the smoothing settled
                driver.execute_script(MOTION_HOOK, list(LIP_POINTS))
                last = (
                    "const t = document.querySelector('tryon-lipstick');"
                    "return [t.view.toDataURL('image/png'), window.__motion[window.__motion.length - 1] || null];"
                )
                for _ in range(40):
                    time.sleep(1.0)  # reading the view blocks the page ~150 ms: the next frames come after a gap
                    url, row = driver.execute_script(last)
                    if row is None or row[2] is None or not 0 <= row[0] < len(truths):
                        continue
                    png = np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8)
                    view = cv2.cvtColor(cv2.imdecode(png, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
                    error = float(np.linalg.norm(np.asarray(row[2]) - truths[row[0]], axis=1).mean())
                    views.append((error, row[0], view))
    finally:
        server.stop()
    tiles = []
    for error, index, view in sorted(sorted(views, key=lambda v: v[0])[-5:], key=lambda v: v[1]):
        truth = truths[index][: len(LIPS_OUTER)]
        cx, cy = truth.mean(axis=0)
        x0, y0 = int(cx - CROP_WH[0] / 2), int(cy - CROP_WH[1] / 2)
        tile = np.ascontiguousarray(view[y0 : y0 + CROP_WH[1], x0 : x0 + CROP_WH[0]])
        tile = cv2.resize(tile, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_CUBIC)
        cv2.polylines(tile, [((truth - [x0, y0]) * ZOOM).round().astype(np.int32)], True, (40, 230, 90), 1, cv2.LINE_AA)
        cv2.putText(tile, f"{error:.1f} px", (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (30, 30, 30), 1, cv2.LINE_AA)
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
    pose_only = FlowParams(lip_carry=0.0, smooth_px=0.0, warp=False, landmark_lag=0.0)
    session_8 = strip(
        photo, smile, SMILE_SHOWN, OneEuroParams(), pose_only, "session 8: the pose carried, lips as read"
    )
    now = strip(photo, smile, SMILE_SHOWN, OneEuroParams(), DEFAULT_FLOW, "now: each lip point carried by its own flow")
    save_image(out_dir / "motion_smile_strip.png", np.concatenate([session_8, now], axis=0))
    roll = Motion("rotate", "sine", 400.0)
    session_11 = FlowParams(warp=False, landmark_lag=0.0)
    before = strip(photo, roll, ROLL_SHOWN, OneEuroParams(), session_11, "session 11: the flow's windows only shifted")
    now = strip(
        photo, roll, ROLL_SHOWN, OneEuroParams(), DEFAULT_FLOW, "now: followed on the picture turned as the face"
    )
    save_image(out_dir / "motion_roll_strip.png", np.concatenate([before, now], axis=0))
    if shutil.which("chromium") and shutil.which("chromedriver"):
        before = browser_strip("browser, session 10 (tasks-vision's landmarks, One-Euro): 5 worst of 40", flow=False)
        now = browser_strip("browser, now (pose and lips carried by optical flow): 5 worst of 40", flow=True)
        save_image(out_dir / "motion_browser_strip.png", np.concatenate([before, now], axis=0))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
