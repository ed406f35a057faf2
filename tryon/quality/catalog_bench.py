"""`tryon bench --catalog-sizes`: how checking and loading a catalog grow with its shade count.

Each size runs in a fresh interpreter so its peak memory is its own. The catalogs are generated
(seeded): random sRGB colours, every finish, one brand file per size.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tryon.catalog.finishes import FINISHES
from tryon.files import write_text

_MEASURE = """
import json, resource, sys, time
from pathlib import Path
from tryon.catalog.library import check_catalog, load_library
path = Path(sys.argv[1])
t0 = time.perf_counter(); checked = check_catalog(path); t1 = time.perf_counter()
library = load_library(path.parent); t2 = time.perf_counter()
print(json.dumps({"check_s": t1 - t0, "load_s": t2 - t1, "warnings": len(checked.warnings),
                  "errors": len(checked.errors), "loaded": len(library.shades),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
"""


@dataclass(frozen=True)
class CatalogScale:
    """One generated catalog of `shades` shades: `check_catalog` and `load_library` seconds (the library
    includes the shipped catalogs), the warnings found, the shades loaded and the process's peak RSS."""

    shades: int
    check_s: float
    load_s: float
    warnings: int
    errors: int
    loaded: int
    peak_rss_mb: float


def generated_catalog(count: int, *, seed: int = 0) -> dict[str, Any]:
    """A valid format-2 catalog of `count` shades with random colours (a few near-duplicates among them)."""
    rng = random.Random(seed)
    shades = [
        {
            "id": f"gen-{i:06d}",
            "name": f"Generated {i}",
            "color": f"#{rng.randrange(0x1000000):06X}",
            "finish": FINISHES[i % len(FINISHES)],
        }
        for i in range(count)
    ]
    return {"format": 2, "brand": "Generated", "collection": f"{count} shades", "version": "1", "shades": shades}


def measure_catalog(count: int, *, seed: int = 0) -> CatalogScale:
    """Check and load a generated catalog of `count` shades in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"generated-{count}.json"
        write_text(path, json.dumps(generated_catalog(count, seed=seed), indent=1))
        result = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, timeout=3600, check=True
        )
    return CatalogScale(shades=count, **json.loads(result.stdout.strip().splitlines()[-1]))


def run_catalog_bench(sizes: list[int]) -> list[dict[str, Any]]:
    """Every size measured in turn, as JSON-ready rows."""
    return [asdict(measure_catalog(count)) for count in sizes]
