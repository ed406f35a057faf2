"""`tryon bench`: per-stage latency percentiles and the naive-blend ratio, measured in one run."""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tryon.catalog.finishes import FINISHES
from tryon.catalog.model import Shade
from tryon.engine.face import Face
from tryon.engine.landmarks import FaceLandmarker
from tryon.engine.mask import lip_mask
from tryon.engine.pipeline import Pipeline
from tryon.engine.render import apply_shade
from tryon.errors import ModelError
from tryon.media.export import TryonMetadata, save_image
from tryon.media.sources import DemoSource
from tryon.quality.naive import naive_blend


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    array = np.array(samples_ms)
    return {"p50": float(np.percentile(array, 50)), "p95": float(np.percentile(array, 95)), "n": len(samples_ms)}


def _time(fn: Callable[[], object], repeats: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _shade(finish: str) -> Shade:
    return Shade(
        id=f"bench-{finish}",
        name=finish,
        color="#B0122B",
        finish=finish,
        opacity=0.85,
        gloss=0.0 if finish == "matte" else 0.6,
        shimmer_density=0.5 if finish in ("shimmer", "metallic") else 0.0,
    )


def bench_resolution(size_wh: tuple[int, int], *, frames: int, repeats: int = 200) -> dict[str, object]:
    """Time every stage on `frames` frames of the demo face (a real portrait in gentle motion); the
    per-call stages (mask, render, naive blend) `repeats` times on the middle frame. Frames are made
    one at a time, outside the timed calls, so peak memory is the pipeline's, not the benchmark's."""
    demo = DemoSource(size_wh=size_wh)
    report: dict[str, object] = {"size_wh": list(size_wh), "frames": frames}

    with FaceLandmarker(mode="video", max_faces=1) as landmarker:
        landmark_ms = []
        found_faces = 0
        middle: tuple[np.ndarray, Face] | None = None
        for i in range(frames):
            frame = demo.frame(i)
            start = time.perf_counter()
            found = landmarker.detect(frame, i * 33)
            landmark_ms.append((time.perf_counter() - start) * 1000)
            found_faces += bool(found)
            if found and (middle is None or i <= frames // 2):
                middle = (frame, found[0])
    report["landmarks_ms"] = _percentiles(landmark_ms[5:])
    report["frames_with_face"] = found_faces
    if middle is None:
        raise ModelError("the landmark model found no face in the demo frames; reinstall with ./dev")
    frame, face = middle
    report["mask_ms"] = _percentiles(_time(lambda: lip_mask(frame, face), repeats))
    mask = lip_mask(frame, face)
    shades = {finish: _shade(finish) for finish in FINISHES}
    satin = shades["satin"]
    # Rendered as the live view renders (`Pipeline.process(in_place=True)`): no full-frame copy, only
    # the lips are written. Here they are written to a second buffer so every repeat reads the same
    # unpainted frame.
    canvas = frame.copy()
    report["render_ms_by_finish"] = {
        finish: _percentiles(_time(lambda shade=shade: apply_shade(frame, mask, shade, out=canvas), repeats))
        for finish, shade in shades.items()
    }
    report["render_ms"] = report["render_ms_by_finish"]["satin"]
    report["render_into_copy_ms"] = _percentiles(_time(lambda: apply_shade(frame, mask, satin), repeats))
    report["mask_plus_render_ms"] = _percentiles(
        _time(lambda: apply_shade(frame, lip_mask(frame, face), satin, out=canvas), repeats)
    )
    report["naive_ms"] = _percentiles(_time(lambda: naive_blend(frame, face.lips_outer, satin), repeats))

    with Pipeline(mode="video", max_faces=1) as pipeline:
        total_ms = []
        shade = shades["gloss"]
        for i in range(frames):
            clip_frame = demo.frame(i)
            start = time.perf_counter()
            pipeline.process(clip_frame, shade, intensity=0.9, timestamp_ms=i * 33, in_place=True)
            total_ms.append((time.perf_counter() - start) * 1000)
    report["pipeline_ms"] = _percentiles(total_ms[5:])
    report["pipeline_fps"] = 1000.0 / float(np.mean(total_ms[5:]))
    exports = max(3, repeats // 20)
    with tempfile.TemporaryDirectory() as folder:
        rendered = apply_shade(frame, mask, shade)
        meta = TryonMetadata.from_shade(shade, intensity=0.9)
        report["export_png_ms"] = _percentiles(
            _time(lambda: save_image(Path(folder) / "a.png", rendered, metadata=meta), exports, 1)
        )
        report["export_jpeg_ms"] = _percentiles(
            _time(lambda: save_image(Path(folder) / "a.jpg", rendered, metadata=meta), exports, 1)
        )
    return report


def startup_ms() -> float:
    """Cold start of a fresh pipeline (model check + load) to the first rendered frame."""
    frame = DemoSource().frame(0)
    start = time.perf_counter()
    with Pipeline(mode="video") as pipeline:
        pipeline.process(frame, _shade("satin"), timestamp_ms=0)
    return (time.perf_counter() - start) * 1000


def run_bench(*, frames: int = 120, repeats: int = 200) -> dict[str, object]:
    """The full benchmark report (JSON-ready)."""
    start_ms = startup_ms()
    hd = bench_resolution((1280, 720), frames=frames, repeats=repeats)
    full_hd = bench_resolution((1920, 1080), frames=frames, repeats=repeats)
    render_p50 = hd["render_ms"]["p50"]  # type: ignore[index]
    naive_p50 = hd["naive_ms"]["p50"]  # type: ignore[index]
    mask_plus_render_p50 = hd["mask_plus_render_ms"]["p50"]  # type: ignore[index]
    return {
        "landmarks_ms_p50": hd["landmarks_ms"]["p50"],  # type: ignore[index]
        "mask_ms_p50": hd["mask_ms"]["p50"],  # type: ignore[index]
        "render_ms_p50": render_p50,
        "naive_ms_p50": naive_p50,
        "render_vs_naive": render_p50 / naive_p50,
        "render_into_copy_vs_naive": hd["render_into_copy_ms"]["p50"] / naive_p50,  # type: ignore[index]
        "mask_plus_render_vs_naive": mask_plus_render_p50 / naive_p50,
        "pipeline_fps": hd["pipeline_fps"],
        "startup_ms": start_ms,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "cpu_count": len(os.sched_getaffinity(0)),
        "1280x720": hd,
        "1920x1080": full_hd,
    }
