"""Shoppers at a distance: 1280×720 video clips built from real face photos shrunk to 45–60 px wide, moving a
little from frame to frame, with their human lip masks carried along; and what the video pipeline makes of them
(lip IoU per frame, frames until the lips are first painted, time per frame).

Used by the tests (IoU through the video path) and by `tryon bench --far-faces` (recall, time-to-lipstick and
cost per frame for each far-face detector).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tryon.engine.pipeline import Pipeline
from tryon.quality.evalset import EvalFace
from tryon.quality.metrics import iou

FRAME_WH = (1280, 720)
FPS = 30.0
WARM_UP_S = 0.5  # the bar: lipstick within half a second of walking in


@dataclass(frozen=True)
class Placed:
    """A face photo shrunk by `scale` and pasted with its top-left at `xy` in the first frame."""

    face: EvalFace
    scale: float
    xy: tuple[int, int]


def place_faces(faces: Sequence[EvalFace], face_width_px: float, face_widths: Sequence[float]) -> list[Placed]:
    """Lay `faces` (with their measured face widths in their photos) side by side across a 720p frame, each
    shrunk so that its face is `face_width_px` wide."""
    width, height = FRAME_WH
    placed = []
    for index, (face, measured) in enumerate(zip(faces, face_widths, strict=True)):
        scale = face_width_px / measured
        x = int((index + 0.5) * width / len(faces) - face.image.shape[1] * scale / 2)
        y = int(height * 0.45 - face.image.shape[0] * scale / 2)
        placed.append(Placed(face, scale, (x, y)))
    return placed


def _background() -> np.ndarray:
    """A plain shop-like background: a soft vertical gradient with some texture (no faces in it)."""
    width, height = FRAME_WH
    rng = np.random.default_rng(3)
    ramp = np.linspace(150, 95, height, dtype=np.float32)[:, None, None] * np.array([1.0, 0.97, 0.92], np.float32)
    noise = cv2.GaussianBlur(rng.normal(0, 12, (height, width)).astype(np.float32), (0, 0), 6)[:, :, None]
    background: np.ndarray = np.clip(np.broadcast_to(ramp, (height, width, 3)) + noise, 0, 255).astype(np.uint8)
    return background


def clip_frames(
    placed: Sequence[Placed], frames: int, *, step_px: float = 2.0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`frames` RGB uint8 720p frames with the placed faces drifting `step_px` per frame (back and forth), and
    for each the human lip mask (bool, frame size) moved and scaled the same way."""
    background = _background()
    width, height = FRAME_WH
    for index in range(frames):
        frame = background.copy()
        lips = np.zeros((height, width), bool)
        drift = step_px * (index % 40 if index % 80 < 40 else 40 - index % 40)
        for item in placed:
            matrix = np.array([[item.scale, 0, item.xy[0] + drift], [0, item.scale, item.xy[1]]], np.float32)
            face_px = cv2.warpAffine(item.face.image, matrix, FRAME_WH, flags=cv2.INTER_AREA)
            cover = cv2.warpAffine(np.ones(item.face.image.shape[:2], np.uint8), matrix, FRAME_WH) > 0
            frame[cover] = face_px[cover]
            moved = cv2.warpAffine(item.face.lips.astype(np.uint8) * 255, matrix, FRAME_WH, flags=cv2.INTER_AREA)
            lips |= moved >= 128
        yield frame, lips


@dataclass(frozen=True)
class FarFaceRun:
    """What the video pipeline did on one clip: per frame the lips IoU (painted alpha > 0.5 vs human, all faces
    together; None before any lip pixel), whether every placed face had painted lips, and ms per frame."""

    ious: tuple[float | None, ...]
    all_painted: tuple[bool, ...]
    frame_ms: tuple[float, ...]

    @property
    def warm_up_frames(self) -> int:
        return int(WARM_UP_S * FPS)

    def mean_iou_after_warm_up(self) -> float:
        values = [v if v is not None else 0.0 for v in self.ious[self.warm_up_frames :]]
        return float(np.mean(values)) if values else 0.0

    def painted_share_after_warm_up(self) -> float:
        values = self.all_painted[self.warm_up_frames :]
        return float(np.mean(values)) if values else 0.0

    def painted_share_after_first_paint(self) -> float:
        """Tracking, independent of how fast the search ran: share of frames with both faces painted from the
        first frame that had them."""
        first = self.frames_to_first_paint()
        return float(np.mean(self.all_painted[first:])) if first is not None else 0.0

    def mean_iou_after_first_paint(self) -> float:
        first = self.frames_to_first_paint()
        if first is None:
            return 0.0
        return float(np.mean([v if v is not None else 0.0 for v in self.ious[first:]]))

    def frames_to_first_paint(self) -> int | None:
        return next((i for i, painted in enumerate(self.all_painted) if painted), None)


def run_clip(
    placed: Sequence[Placed], frames: int, *, far_faces: bool, paced: bool = False, shade: object = None
) -> FarFaceRun:
    """Feed a clip to a video-mode Pipeline (BlazeFace far-face search if `far_faces`, else the Haar cascade).
    `paced`: deliver frames at 30 fps in real time (for time-to-lipstick); else as fast as processed, each frame
    waiting for the background search started before it, so the same frames are painted on any machine."""
    ious: list[float | None] = []
    painted: list[bool] = []
    frame_ms: list[float] = []
    with Pipeline(mode="video", max_faces=max(2, len(placed)), far_faces=far_faces) as pipeline:
        started = time.perf_counter()
        for index, (frame, lips) in enumerate(clip_frames(placed, frames)):
            if paced:
                delay = started + index / FPS - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            else:
                pipeline.wait_for_search()
            t0 = time.perf_counter()
            result = pipeline.process(frame, shade, timestamp_ms=int(index * 1000 / FPS))  # type: ignore[arg-type]
            frame_ms.append((time.perf_counter() - t0) * 1000)
            alpha = np.zeros(lips.shape, np.float32)
            for mask in result.masks:
                alpha = np.maximum(alpha, mask.full_frame(lips.shape))
            found = alpha > 0.5
            ious.append(iou(found, lips) if found.any() else None)
            painted.append(_every_face_painted(placed, found, index))
    return FarFaceRun(tuple(ious), tuple(painted), tuple(frame_ms))


def _every_face_painted(placed: Sequence[Placed], found: np.ndarray, index: int) -> bool:
    """Whether each placed face has painted lip pixels inside its own box."""
    del index
    for item in placed:
        height, width = (np.array(item.face.image.shape[:2]) * item.scale).astype(int)
        x0 = max(0, item.xy[0] - 100)
        region = found[max(0, item.xy[1]) : item.xy[1] + height, x0 : item.xy[0] + width + 100]
        if region.sum() < 5:
            return False
    return True


@dataclass(frozen=True)
class RecallRow:
    """One detector at one face width over the eval faces: found / tried, and detect time percentiles (ms)."""

    detector: str
    face_width_px: int
    found: int
    tried: int
    ms_p50: float
    ms_p95: float

    @property
    def recall(self) -> float:
        return self.found / self.tried if self.tried else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "detector": self.detector,
            "face_width_px": self.face_width_px,
            "found": self.found,
            "tried": self.tried,
            "recall": round(self.recall, 3),
            "detect_ms_p50": round(self.ms_p50, 1),
            "detect_ms_p95": round(self.ms_p95, 1),
        }


def detection_recall(
    faces: Sequence[EvalFace], face_widths: Sequence[float], widths_px: Sequence[int]
) -> list[RecallRow]:
    """Each face alone in a 720p frame at each width: does each detector box it (centre inside the face's lip-to-
    brow region, size within ½–2× the face width)? With the time of a whole-frame search."""
    from tryon.engine.mediapipe_model import read_model
    from tryon.engine.small_faces import SmallFaceSearch

    model = read_model()
    searches = {
        "cascade": SmallFaceSearch(model, mode="image", detector="cascade"),
        "blazeface": SmallFaceSearch(model, mode="image", detector="blazeface"),
    }
    rows = []
    try:
        for width_px in widths_px:
            for name, search in searches.items():
                found, times = 0, []
                for face, measured in zip(faces, face_widths, strict=True):
                    placed = place_faces([face], width_px, [measured])
                    frame, lips = next(clip_frames(placed, 1))
                    ys, xs = np.nonzero(lips)
                    if len(xs) == 0:
                        continue
                    t0 = time.perf_counter()
                    boxes = search.search_boxes(frame)
                    times.append((time.perf_counter() - t0) * 1000)
                    mouth_x, mouth_y = float(xs.mean()), float(ys.mean())
                    found += any(
                        box[0] <= mouth_x <= box[2]
                        and box[1] - 0.2 * width_px <= mouth_y <= box[3] + 0.3 * width_px
                        and 0.5 * width_px <= box[2] - box[0] <= 2.0 * width_px
                        for box in boxes
                    )
                p50, p95 = np.percentile(times, [50, 95]) if times else (0.0, 0.0)
                rows.append(RecallRow(name, int(width_px), found, len(times), float(p50), float(p95)))
    finally:
        for search in searches.values():
            search.close()
    return rows


def _face_width(entry: dict[str, object]) -> float:
    """The manifest's face width in the photo (px)."""
    value = entry.get("face_width_px")
    if not isinstance(value, int | float):
        raise ValueError(f"{entry.get('name')}: manifest entry has no face_width_px")
    return float(value)


# Frontal faces with precise (parsing-label) lip masks, in pairs: two shoppers at once.
CLIP_PAIRS = (
    ("celebamaskhq_demo_0", "celebamaskhq_demo_2"),
    ("celebamaskhq_b7ef1c65", "celebamaskhq_f2d0ce62"),
    ("celebamaskhq_demo_1", "celebamaskhq_bc318d45"),
)


def far_face_report(
    folder: Path, *, widths_px: Sequence[int] = (60, 45, 36), clip_frames_n: int = 60
) -> dict[str, object]:
    """`tryon bench --far-faces`: detection recall and search time for both detectors on every eval face, and
    paced 30 fps two-face clips through the video pipeline (IoU, painted share, time to first lipstick)."""
    from tryon.catalog.library import load_library
    from tryon.quality.evalset import load_face, manifest_entries

    entries = {str(e["name"]): e for e in manifest_entries(folder)}
    faces = [load_face(folder, e) for e in entries.values()]
    widths = [_face_width(e) for e in entries.values()]
    recall = [row.to_json() for row in detection_recall(faces, widths, widths_px)]
    shade = load_library().get("mv-ruby-hour")
    clips = []
    for pair in CLIP_PAIRS:
        if not all(name in entries for name in pair):
            continue
        pair_faces = [load_face(folder, entries[name]) for name in pair]
        pair_widths = [_face_width(entries[name]) for name in pair]
        for width_px in widths_px[:2]:
            for far in (True, False):
                run = run_clip(
                    place_faces(pair_faces, width_px, pair_widths),
                    clip_frames_n,
                    far_faces=far,
                    paced=True,
                    shade=shade,
                )
                first = run.frames_to_first_paint()
                clips.append(
                    {
                        "faces": list(pair),
                        "face_width_px": width_px,
                        "detector": "blazeface" if far else "cascade",
                        "mean_iou_after_0_5_s": round(run.mean_iou_after_warm_up(), 3),
                        "both_painted_share_after_0_5_s": round(run.painted_share_after_warm_up(), 3),
                        "first_paint_frame": first,
                        "first_paint_ms": None if first is None else round(first * 1000 / FPS),
                        "frame_ms_p50": round(float(np.percentile(run.frame_ms, 50)), 1),
                        "frame_ms_p95": round(float(np.percentile(run.frame_ms, 95)), 1),
                    }
                )
    return {"frame_wh": list(FRAME_WH), "fps": FPS, "detection": recall, "clips": clips}
