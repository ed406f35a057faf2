"""The moving-lips strip in docs/img: the astronaut (`skimage.data.astronaut()`, public domain) sliding at 400 px/s
over a 1280×720 canvas, Ruby Hour on the lips, with the landmark filter before issue 26 (top) and now — the
optical-flow pose step and the re-tuned One-Euro filter — (bottom); a thin green line is where the lips really are.

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
from tryon.engine.landmarks import FaceLandmarker, lips_at_rest
from tryon.engine.pipeline import Pipeline
from tryon.engine.smoothing import OneEuroParams
from tryon.media.export import save_image
from tryon.quality.motion import PREVIOUS_SMOOTHING, Motion, MovingScene, motion_frames

SHOWN = (22, 26, 30, 34, 38)  # frames moving (the slide starts at frame 15)
CROP_WH = (180, 110)
ZOOM = 2


def strip(photo: np.ndarray, params: OneEuroParams, label: str, *, flow: bool) -> np.ndarray:
    with FaceLandmarker(mode="image") as landmarker:
        face = landmarker.detect(photo)[0]
    scene = MovingScene(photo, face, 240.0)
    motion = Motion("translate", "sweep", 400.0)
    rest = lips_at_rest(scene.frame(np.eye(2, 3)))[: len(LIPS_OUTER)]  # the outer contour, as the tiles outline it
    tiles = []
    shade = load_library().get("mv-ruby-hour")
    without_flow = {} if flow else {"flow": None}
    with Pipeline(mode="video", smoothing_params=params, max_faces=1, **without_flow) as pipeline:
        for index, (timestamp_ms, frame, matrix) in enumerate(
            motion_frames(scene, motion, max(SHOWN) + 1, 60.0, noise_sigma=2.0)
        ):
            result = pipeline.process(frame, shade, timestamp_ms=timestamp_ms)
            if index not in SHOWN:
                continue
            truth = rest @ matrix[:, :2].T + matrix[:, 2]
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
    before = strip(
        photo, PREVIOUS_SMOOTHING, "before: the filter tuned on still faces (lipstick trails the lips)", flow=False
    )
    now = strip(photo, OneEuroParams(), "now: pose and lips carried by optical flow, held when still", flow=True)
    save_image(out_dir / "motion_strip.png", np.concatenate([before, now], axis=0))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
