"""`tryon bench`: per-stage latency percentiles and the naive-blend ratio, measured in one run."""

from __future__ import annotations

import functools
import os
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tryon.catalog.finishes import FINISHES, finish_of
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


@dataclass(frozen=True)
class Percentiles:
    """Latency of `n` timed calls, ms."""

    p50: float
    p95: float
    n: int


def _percentiles(samples_ms: list[float]) -> Percentiles:
    array = np.array(samples_ms)
    return Percentiles(float(np.percentile(array, 50)), float(np.percentile(array, 95)), len(samples_ms))


@dataclass(frozen=True)
class ResolutionBench:
    """Every stage at one frame size (`size_wh` px): landmarks per frame over `frames` frames of the demo
    face; mask, render (per finish, in place; satin is `render_ms`), render into a frame copy, mask +
    render, the naive blend per call; the whole pipeline per frame, its landmark filtering stage (optical-flow
    pose + One-Euro, `smoothing_ms`) and its fps; PNG/JPEG export."""

    size_wh: tuple[int, int]
    frames: int
    landmarks_ms: Percentiles
    frames_with_face: int
    mask_ms: Percentiles
    render_ms_by_finish: dict[str, Percentiles]
    render_into_copy_ms: Percentiles
    mask_plus_render_ms: Percentiles
    naive_ms: Percentiles
    pipeline_ms: Percentiles
    smoothing_ms: Percentiles
    pipeline_fps: float
    export_png_ms: Percentiles
    export_jpeg_ms: Percentiles

    @property
    def render_ms(self) -> Percentiles:
        return self.render_ms_by_finish["satin"]

    def to_json(self) -> dict[str, Any]:
        report = asdict(self)
        report["size_wh"] = list(self.size_wh)
        report["render_ms"] = asdict(self.render_ms)
        return report


@dataclass(frozen=True)
class BenchReport:
    """`tryon bench`: 1280×720 and 1920×1080 measured in one run, start-up time and peak memory."""

    hd: ResolutionBench
    full_hd: ResolutionBench
    startup_ms: float
    peak_rss_mb: float
    cpu_count: int

    def to_json(self) -> dict[str, Any]:
        """The JSON report (its keys are what scripts read: keep them). Ratios are of p50s at 1280×720."""
        hd = self.hd
        naive = hd.naive_ms.p50
        return {
            "landmarks_ms_p50": hd.landmarks_ms.p50,
            "mask_ms_p50": hd.mask_ms.p50,
            "render_ms_p50": hd.render_ms.p50,
            "smoothing_ms_p50": hd.smoothing_ms.p50,
            "naive_ms_p50": naive,
            "render_vs_naive": hd.render_ms.p50 / naive,
            "render_into_copy_vs_naive": hd.render_into_copy_ms.p50 / naive,
            "mask_plus_render_vs_naive": hd.mask_plus_render_ms.p50 / naive,
            "pipeline_fps": hd.pipeline_fps,
            "startup_ms": self.startup_ms,
            "peak_rss_mb": self.peak_rss_mb,
            "cpu_count": self.cpu_count,
            "1280x720": hd.to_json(),
            "1920x1080": self.full_hd.to_json(),
        }


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
    """A crimson in `finish`, with the same shine (0.6) for every finish that shines."""
    spec = finish_of(finish)
    return Shade(
        id=f"bench-{finish}",
        name=finish,
        color="#B0122B",
        finish=finish,
        opacity=0.85,
        gloss=0.6 if spec.default_gloss > 0 else 0.0,
        shimmer_density=spec.default_shimmer_density,
    )


def bench_resolution(size_wh: tuple[int, int], *, frames: int, repeats: int = 200) -> ResolutionBench:
    """Time every stage on `frames` frames of the demo face (a real portrait in gentle motion); the
    per-call stages (mask, render, naive blend) `repeats` times on the middle frame. Frames are made
    one at a time, outside the timed calls, so peak memory is the pipeline's, not the benchmark's."""
    demo = DemoSource(size_wh=size_wh)

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
    if middle is None:
        raise ModelError("the landmark model found no face in the demo frames; reinstall with ./dev")
    frame, face = middle
    mask_ms = _percentiles(_time(lambda: lip_mask(frame, face), repeats))
    mask = lip_mask(frame, face)
    shades = {finish: _shade(finish) for finish in FINISHES}
    satin = shades["satin"]
    # Rendered as the live view renders (`Pipeline.process(in_place=True)`): no full-frame copy, only
    # the lips are written. Here they are written to a second buffer so every repeat reads the same
    # unpainted frame.
    canvas = frame.copy()
    render_ms_by_finish = {
        finish: _percentiles(_time(functools.partial(apply_shade, frame, mask, shade, out=canvas), repeats))
        for finish, shade in shades.items()
    }
    render_into_copy_ms = _percentiles(_time(lambda: apply_shade(frame, mask, satin), repeats))
    mask_plus_render_ms = _percentiles(
        _time(lambda: apply_shade(frame, lip_mask(frame, face), satin, out=canvas), repeats)
    )
    naive_ms = _percentiles(_time(lambda: naive_blend(frame, face.lips_outer, satin), repeats))

    with Pipeline(mode="video", max_faces=1) as pipeline:
        total_ms, smoothing_ms = [], []
        shade = shades["gloss"]
        for i in range(frames):
            clip_frame = demo.frame(i)
            start = time.perf_counter()
            result = pipeline.process(clip_frame, shade, intensity=0.9, timestamp_ms=i * 33, in_place=True)
            total_ms.append((time.perf_counter() - start) * 1000)
            smoothing_ms.append(result.timings.smoothing_ms)
    pipeline_fps = 1000.0 / float(np.mean(total_ms[5:]))
    exports = max(3, repeats // 20)
    with tempfile.TemporaryDirectory() as folder:
        rendered = apply_shade(frame, mask, shade)
        meta = TryonMetadata.from_shade(shade, intensity=0.9)
        export_png_ms = _percentiles(
            _time(lambda: save_image(Path(folder) / "a.png", rendered, metadata=meta), exports, 1)
        )
        export_jpeg_ms = _percentiles(
            _time(lambda: save_image(Path(folder) / "a.jpg", rendered, metadata=meta), exports, 1)
        )
    return ResolutionBench(
        size_wh=size_wh,
        frames=frames,
        landmarks_ms=_percentiles(landmark_ms[5:]),
        frames_with_face=found_faces,
        mask_ms=mask_ms,
        render_ms_by_finish=render_ms_by_finish,
        render_into_copy_ms=render_into_copy_ms,
        mask_plus_render_ms=mask_plus_render_ms,
        naive_ms=naive_ms,
        pipeline_ms=_percentiles(total_ms[5:]),
        smoothing_ms=_percentiles(smoothing_ms[5:]),
        pipeline_fps=pipeline_fps,
        export_png_ms=export_png_ms,
        export_jpeg_ms=export_jpeg_ms,
    )


def startup_ms() -> float:
    """Cold start of a fresh pipeline (model check + load) to the first rendered frame."""
    frame = DemoSource().frame(0)
    start = time.perf_counter()
    with Pipeline(mode="video") as pipeline:
        pipeline.process(frame, _shade("satin"), timestamp_ms=0)
    return (time.perf_counter() - start) * 1000


def run_bench(*, frames: int = 120, repeats: int = 200) -> BenchReport:
    """The full benchmark, measured in one run."""
    start_ms = startup_ms()
    hd = bench_resolution((1280, 720), frames=frames, repeats=repeats)
    full_hd = bench_resolution((1920, 1080), frames=frames, repeats=repeats)
    return BenchReport(
        hd=hd,
        full_hd=full_hd,
        startup_ms=start_ms,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        cpu_count=len(os.sched_getaffinity(0)),
    )
