"""The browser engine's constants, taken from the Python engine: one source for both.

`engine_constants()` collects the finish table (`tryon.catalog.finishes`), the renderer's, the lip mask's and the
lip patterns' named coefficients, the landmark smoothing's and the optical flow's parameters and the lip contours'
landmark indices into one JSON-ready dict. `tryon/web/static/engine/constants.json` is that dict, written by
`python -m tryon.web.engine_constants` and checked against it by the test suite, so the shader and the JS never
hold a number copied by hand. `web_shade` is a shade with every default resolved, as the browser engine reads it.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from tryon.catalog.finishes import FINISH_TABLE
from tryon.catalog.model import Shade
from tryon.engine import face, flow, lip_patterns, mask, render
from tryon.engine.flow import FlowParams
from tryon.engine.smoothing import OneEuroParams

CONSTANTS_PATH = Path(__file__).resolve().parent / "static" / "engine" / "constants.json"

# Module constant → key in the JSON, per engine module. Every name must exist (a renamed constant fails the export).
_RENDER = (
    "_REFERENCE_LIP_L", "_LIGHT_ADAPTATION", "_LIGHT_FACTOR_RANGE", "_MAX_BRIGHTENING_L", "_MIN_ALPHA",
    "_MIN_CORE_PIXELS", "_HIGHLIGHT_BLUR_PER_WIDTH", "_HIGHLIGHT_MIN_BLUR_PX", "_HIGHLIGHT_START_L",
    "_HIGHLIGHT_RANGE_L", "_GLOSS_SHARPNESS", "_GLOSS_MAX_WHITENING", "_SHEEN_LIT_L", "_FLECK_LIGHT_BASE",
    "_FLECK_LIGHT_RANGE_L", "_FLECK_LIGHT_LIMITS", "_FLECK_LIFT_L", "_FLECK_LIGHTNESS_SHARE", "_FLECK_TINT_SHARE",
    "_LINER_DETAIL_KEPT",
)  # fmt: skip
_MASK = (
    "_SPLINE_SAMPLES_PER_SEGMENT", "_FEATHER_PER_WIDTH", "_MIN_FEATHER_PX", "_MAX_FEATHER_PX",
    "_OUTSIDE_SUPPORT_PX", "_ROI_MARGIN_PX", "_DARK_SPREADS", "_PALE_SPREADS", "_BRIGHT_SPREADS",
    "_FALLOFF_SPREADS", "_MIN_LIP_REDNESS",
)  # fmt: skip
_FLOW = (
    "_MARGIN",
    "_FOLLOW_EVERY",
    "_LIP_STEP_MAX",
    "_TRIM",
    "_ROUNDS",
    "_WARP_STEP",
    "_EYES",
    "_CHIN",
    "_FOREHEAD",
    "_UPPER_LIP_TOP",
)
_PATTERNS = (
    "_SHIMMER_CELLS_PER_WIDTH", "_FLECK_FADE_PX", "_SOFT_SHEEN", "_FLECK_SHARE_BASE", "_FLECK_SHARE_PER_DENSITY",
    "_FLECK_RADIUS_CELLS", "_MOUTH_WIDTH_MM",
)  # fmt: skip


def _named(module: ModuleType, names: tuple[str, ...]) -> dict[str, Any]:
    """{'reference_lip_l': 55.0, ...}: each `_NAME` of `module` under its lower-case name without the underscore."""
    return {name.lstrip("_").lower(): _plain(getattr(module, name)) for name in names}


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(value)
    return list(value) if isinstance(value, tuple) else value


def engine_constants() -> dict[str, Any]:
    """Everything the browser engine must agree on with the Python engine, JSON-ready."""
    return {
        "about": "Generated from the Python engine by `python -m tryon.web.engine_constants`; do not edit by hand.",
        "finishes": {name: dataclasses.asdict(finish) for name, finish in FINISH_TABLE.items()},
        "render": _named(render, _RENDER),
        "mask": _named(mask, _MASK),
        "patterns": _named(lip_patterns, _PATTERNS),
        "smoothing": dataclasses.asdict(OneEuroParams()),
        "flow": {
            **{name: _plain(value) for name, value in dataclasses.asdict(FlowParams()).items()},
            **_named(flow, _FLOW),
        },
        "landmarks": {
            "count": face.N_LANDMARKS,
            "lips_outer": list(face.LIPS_OUTER),
            "lips_inner": list(face.LIPS_INNER),
        },
    }


def constants_text() -> str:
    """`engine_constants()` as the text of constants.json (sorted keys, one trailing newline)."""
    return json.dumps(engine_constants(), indent=1, sort_keys=True) + "\n"


def web_shade(shade: Shade) -> dict[str, Any]:
    """A shade as the browser engine reads it: every field the renderer uses, defaults resolved."""
    return {
        "id": shade.id,
        "name": shade.name,
        "brand": shade.brand,
        "collection": shade.collection,
        "finish": shade.finish,
        "color": shade.color,
        "opacity": shade.opacity,
        "gloss": shade.gloss,
        "shimmer_color": shade.shimmer_color,
        "shimmer_density": shade.shimmer_density,
        "shimmer_size": shade.shimmer_size,
        "ombre": None if shade.ombre is None else dataclasses.asdict(shade.ombre),
        "liner": None if shade.liner is None else dataclasses.asdict(shade.liner),
        "tags": list(shade.tags),
    }


def web_catalog(shades: list[Shade] | tuple[Shade, ...]) -> dict[str, Any]:
    """The catalog `<tryon-lipstick>` loads: {"format": "tryon-web-catalog", "version": 1, "shades": [...]}."""
    return {"format": "tryon-web-catalog", "version": 1, "shades": [web_shade(shade) for shade in shades]}


if __name__ == "__main__":
    CONSTANTS_PATH.write_text(constants_text(), encoding="utf-8")
    sys.stdout.write(f"wrote {CONSTANTS_PATH}\n")
