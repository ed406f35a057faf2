"""The moving-lips strips in docs/img, on the astronaut (`skimage.data.astronaut()`, public domain) over a 1280×720
canvas with Ruby Hour on the lips; a thin green line is where the lips really are.

- motion_strip.png: sliding at 400 px/s, with the landmark filter before issue 26 (top) and now — the optical-flow
  pose and lip steps and the re-tuned One-Euro filter — (bottom).
- motion_smile_strip.png: smiling (the corners at 120 px/s) while sliding at 240 px/s, with session 8's filter (the
  pose carried by flow, the lips as MediaPipe reads them; top) and now (the lips carried by their own flow; bottom).

    .venv/bin/python docs/make_motion_strip.py docs/img
"""

from __future__ import annotations

import sys
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


if __name__ == "__main__":
    main(Path(sys.argv[1]))
