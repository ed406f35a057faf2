"""`tryon bench --soak N`: the kiosk's pipeline over N frames of the demo face with shopper cycles (pictures
shared and taken, sessions reset) and the process's resident memory sampled, to show it stays flat."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

SAMPLE_EVERY = 1000  # frames between RSS samples
CYCLE_FRAMES = 900  # a "shopper" every 30 s of 30 fps video: a picture shared and taken, then a reset
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") / 1024.0


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * _PAGE_KB / 1024.0


@dataclass(frozen=True)
class SoakReport:
    """RSS (MB) every SAMPLE_EVERY frames. Memory may swing between two levels as the allocator returns and takes
    back a buffer; what matters is a trend, so growth compares the highest (and lowest) sample of the last tenth
    of the run with those of the first tenth after warm-up (the first 10 %)."""

    frames: int
    seconds: float
    rss_mb: tuple[float, ...]
    cycles: int
    faces_found_share: float

    def _deciles(self) -> tuple[list[float], list[float]]:
        after = list(self.rss_mb[max(1, len(self.rss_mb) // 10) :])
        tenth = max(1, len(after) // 10)
        return after[:tenth], after[-tenth:]

    @property
    def growth_after_warm_up(self) -> float:
        """Change of the highest RSS from the first to the last tenth after warm-up (share)."""
        first, last = self._deciles()
        return (max(last) - max(first)) / max(first)

    @property
    def floor_growth_after_warm_up(self) -> float:
        first, last = self._deciles()
        return (min(last) - min(first)) / min(first)

    def to_json(self) -> dict[str, object]:
        return {
            "frames": self.frames,
            "seconds": round(self.seconds, 1),
            "fps": round(self.frames / self.seconds, 1),
            "shopper_cycles": self.cycles,
            "faces_found_share": round(self.faces_found_share, 4),
            "rss_mb_every_1000_frames": [round(v, 1) for v in self.rss_mb],
            "rss_growth_after_warm_up": round(self.growth_after_warm_up, 4),
            "rss_floor_growth_after_warm_up": round(self.floor_growth_after_warm_up, 4),
            "rss_min_max_after_warm_up_mb": [
                round(min(self.rss_mb[len(self.rss_mb) // 10 :]), 1),
                round(max(self.rss_mb[len(self.rss_mb) // 10 :]), 1),
            ],
        }


def run_soak(frames: int, *, progress: object = None) -> SoakReport:
    """Run the kiosk pipeline (video mode, two faces, far-face search) on `frames` demo frames, with a shopper
    cycle every CYCLE_FRAMES frames: a picture encoded, shared and downloaded, then the session reset."""
    from tryon.catalog.library import load_library
    from tryon.engine.pipeline import Pipeline
    from tryon.media.compose import compose_picture
    from tryon.media.export import TryonMetadata, encode_image
    from tryon.media.sources import DemoSource
    from tryon.web.share import ShareStore

    shades = load_library().shades
    source = DemoSource(fps=1000.0)
    store = ShareStore(ttl_s=600)
    samples: list[float] = []
    found = cycles = 0
    started = time.perf_counter()
    with Pipeline(mode="video", max_faces=2, far_faces=True) as pipeline:
        for index in range(frames):
            shade = shades[(index // 90) % len(shades)]
            result = pipeline.process(
                source.frame(index), shade, intensity=0.85, timestamp_ms=index * 33, in_place=True
            )
            found += result.faces_found
            if index % CYCLE_FRAMES == CYCLE_FRAMES - 1:
                picture = compose_picture(result, mirror=True)
                token = store.add(
                    encode_image(picture, metadata=TryonMetadata.from_shade(shade, intensity=0.85)), [shade.name]
                )
                if token is None:
                    raise RuntimeError("the share store refused a picture: pictures are not being released")
                store.take(token)
                store.clear()
                pipeline.reset()
                cycles += 1
            if index % SAMPLE_EVERY == 0:
                samples.append(rss_mb())
                if callable(progress):
                    progress(index, frames, started)
    samples.append(rss_mb())
    return SoakReport(frames, time.perf_counter() - started, tuple(samples), cycles, found / max(1, frames))


def flat_enough(report: SoakReport, tolerance: float = 0.05) -> bool:
    """Neither the peaks nor the troughs of RSS grow by more than `tolerance` from the first to the last tenth."""
    return abs(report.growth_after_warm_up) <= tolerance and abs(report.floor_growth_after_warm_up) <= tolerance
