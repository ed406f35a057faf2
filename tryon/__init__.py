"""Tryon: real-time lipstick virtual try-on engine (no Qt in this package).

The public API, imported lazily so `import tryon` (and `tryon --help`) stays instant::

    from tryon import Pipeline, load_library
    with Pipeline(mode="image") as pipeline:
        result = pipeline.process(frame, load_library().get("mv-ruby-hour"))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tryon.catalog.library import ShadeLibrary, load_library
    from tryon.catalog.model import Shade
    from tryon.engine.face import Face
    from tryon.engine.mask import LipMask, lip_mask
    from tryon.engine.pipeline import FrameResult, Pipeline
    from tryon.engine.render import apply_shade
    from tryon.errors import ImageError, ModelError, ShadeError, SourceError, TryonError

_HOMES = {
    "Pipeline": "tryon.engine.pipeline",
    "FrameResult": "tryon.engine.pipeline",
    "Face": "tryon.engine.face",
    "LipMask": "tryon.engine.mask",
    "lip_mask": "tryon.engine.mask",
    "apply_shade": "tryon.engine.render",
    "Shade": "tryon.catalog.model",
    "ShadeLibrary": "tryon.catalog.library",
    "load_library": "tryon.catalog.library",
    "TryonError": "tryon.errors",
    "ImageError": "tryon.errors",
    "ModelError": "tryon.errors",
    "ShadeError": "tryon.errors",
    "SourceError": "tryon.errors",
}

__all__ = [
    "Face",
    "FrameResult",
    "ImageError",
    "LipMask",
    "ModelError",
    "Pipeline",
    "Shade",
    "ShadeError",
    "ShadeLibrary",
    "SourceError",
    "TryonError",
    "apply_shade",
    "lip_mask",
    "load_library",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'tryon' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value
