"""What each lipstick finish is: its defaults in a catalog, how the renderer treats it, how a chip shows it.

One table, read by the catalog loader (defaults), the renderer (`tryon.engine.render`), the swatch
chips of sheets and of the app (`tryon.media.swatch`) and the benchmark. The finish names must match
the `finish` enum of `shade_catalog.schema.json` (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finish:
    """One finish. Lightness values are CIE L* (0–100); shares are in [0, 1].

    Catalog defaults (a shade file may override them):
        default_gloss: strength of specular highlights.
        default_shimmer_density: share of sparkle cells holding a fleck.
    Rendering:
        detail_kept_bright / detail_kept_dark: share of the lips' own lightness detail kept above /
            below their mean. Matte flattens shine (keeps little of the bright side) but keeps creases.
        coverage_lightness / coverage_chroma: how far the colour moves from the lips' own toward the
            shade's before opacity applies (1 = all the way; sheer is translucent).
        highlight_gain_l: L* added at a full highlight of a glossy shade (light off a wet film): a
            narrow, bright specular point.
        highlight_whitening: how much a full highlight loses chroma (light off a clear film is white).
        sparkles: draws flecks fixed on the lips (shimmer, metallic).
        metallic_contrast: extra share of the lips' smooth shading (metals show lit vs shaded strongly).
        sheen_gain_l: L* added across the broad lit part of the lips (a metal's wide specular lobe,
            following the lips' own shading and curvature), in the shade's own colour.
        sheen_chroma_gain: chroma multiplier at the sheen's peak (metals reflect in their own colour).
    Chips:
        chip_highlight_alpha: opacity (0–255) of the white highlight on a swatch chip; 0 = none.
    """

    name: str
    default_gloss: float
    default_shimmer_density: float = 0.0
    detail_kept_bright: float = 0.95
    detail_kept_dark: float = 0.95
    coverage_lightness: float = 1.0
    coverage_chroma: float = 1.0
    highlight_gain_l: float = 0.0
    highlight_whitening: float = 0.8
    sparkles: bool = False
    metallic_contrast: float = 0.0
    sheen_gain_l: float = 0.0
    sheen_chroma_gain: float = 1.0
    chip_highlight_alpha: int = 0


_TABLE = (
    # Matte: shine compressed to 45 %, creases kept at 90 % so the lips do not look painted flat.
    Finish("matte", default_gloss=0.0, detail_kept_bright=0.45, detail_kept_dark=0.9),
    Finish("satin", default_gloss=0.35, highlight_gain_l=14.0, chip_highlight_alpha=90),
    Finish("gloss", default_gloss=0.8, highlight_gain_l=34.0, chip_highlight_alpha=200),
    # Sheer: the lips' own lightness stays (all detail), moved 45 % of the way; chroma 75 %.
    Finish(
        "sheer",
        default_gloss=0.5,
        detail_kept_bright=1.0,
        detail_kept_dark=1.0,
        coverage_lightness=0.45,
        coverage_chroma=0.75,
        highlight_gain_l=24.0,
        chip_highlight_alpha=110,
    ),
    Finish(
        "shimmer",
        default_gloss=0.45,
        default_shimmer_density=0.5,
        highlight_gain_l=18.0,
        sparkles=True,
        chip_highlight_alpha=120,
    ),
    # Metallic: a wide sheen in the shade's own colour over the lit lips and deeper shading, a small
    # specular point that stays coloured, fine sparkle on top — told apart from gloss's white glints.
    Finish(
        "metallic",
        default_gloss=0.6,
        default_shimmer_density=0.5,
        highlight_gain_l=10.0,
        highlight_whitening=0.2,
        sparkles=True,
        metallic_contrast=0.6,
        sheen_gain_l=16.0,
        sheen_chroma_gain=1.2,
        chip_highlight_alpha=160,
    ),
)

FINISH_TABLE: dict[str, Finish] = {finish.name: finish for finish in _TABLE}
FINISHES: tuple[str, ...] = tuple(FINISH_TABLE)


def finish_of(name: str) -> Finish:
    """The `Finish` called `name`.

    Raises:
        ValueError: not one of `FINISHES` (catalog files are validated before they get here).
    """
    try:
        return FINISH_TABLE[name]
    except KeyError:
        raise ValueError(f"finish must be one of {FINISHES}, but got {name!r}") from None
