"""Shade navigation: every neighbour really moves the asked way, nearest first — over the shipped catalogs and
over generated ones (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tryon.advisor.navigate import (
    DIRECTIONS,
    MAX_FINISH_TWIN_DELTA_E,
    MIN_CHROMA_STEP,
    MIN_HUE_STEP_DEG,
    MIN_LIGHTNESS_STEP,
    WARM_POLE_DEG,
    ShadeSpace,
    in_other_finishes,
    neighbours,
    shade_lab,
)
from tryon.catalog.finishes import FINISHES
from tryon.catalog.model import Shade
from tryon.colour import chroma, delta_e_2000, hue_deg
from tryon.media.swatch import on_lips_lab


def warm_distance(lab: np.ndarray) -> float:
    return abs((float(hue_deg(lab)) - WARM_POLE_DEG + 180.0) % 360.0 - 180.0)


def assert_moves(origin: Shade, direction: str, steps: list, lab_of=shade_lab) -> None:  # noqa: ANN001
    start = lab_of(origin)
    for step in steps:
        end = lab_of(step.shade)
        assert step.shade.id != origin.id
        if direction == "deeper":
            assert end[0] <= start[0] - MIN_LIGHTNESS_STEP + 1e-6
        elif direction == "lighter":
            assert end[0] >= start[0] + MIN_LIGHTNESS_STEP - 1e-6
        elif direction == "brighter":
            assert chroma(end) >= chroma(start) + MIN_CHROMA_STEP - 1e-6
        elif direction == "softer":
            assert chroma(end) <= chroma(start) - MIN_CHROMA_STEP + 1e-6
        elif direction == "warmer":
            assert warm_distance(end) <= warm_distance(start) - MIN_HUE_STEP_DEG + 1e-6
        else:
            assert warm_distance(end) >= warm_distance(start) + MIN_HUE_STEP_DEG - 1e-6
        assert step.delta_e == pytest.approx(float(delta_e_2000(start, end)))
    assert [s.delta_e for s in steps] == sorted(s.delta_e for s in steps)


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_shipped_catalogs_every_neighbour_moves_the_asked_way(library, direction: str) -> None:  # noqa: ANN001
    shades = library.shades
    reached = 0
    for origin in shades:
        steps = neighbours(origin, direction, shades, count=5)  # type: ignore[arg-type]
        assert_moves(origin, direction, steps)
        on_lips = neighbours(origin, direction, shades, count=5, colour_of=on_lips_lab)  # type: ignore[arg-type]
        assert_moves(origin, direction, on_lips, lab_of=lambda shade: np.array(on_lips_lab(shade)))
        reached += bool(steps)
    assert reached >= len(shades) // 2, f"only {reached}/{len(shades)} shades have a {direction} neighbour"


def test_shipped_examples_read_right_on_the_lips(library) -> None:  # noqa: ANN001
    """As the app compares them: by the engine's render on the reference lips."""
    space = ShadeSpace(library.shades, colour_of=on_lips_lab)

    def first(shade_id: str, direction: str) -> str:
        return space.neighbours(library.get(shade_id), direction, count=1)[0].shade.id  # type: ignore[arg-type]

    assert first("mv-classic-red", "deeper") == "mv-ruby-hour"  # a deeper red, not a brown
    assert first("ll-watermelon", "warmer") == "ll-coral-wave"  # pink-red → coral
    assert first("mv-petal", "warmer") == "ll-bare-tint"  # pink → peach nude
    assert first("nv-red-nova", "cooler") == "ll-cherry-glaze"


def test_a_sheer_gloss_is_not_deeper_on_the_lips_than_its_bullet_says(library) -> None:  # noqa: ANN001
    """Cherry Glaze's bullet is deeper than Rue Rouge's, but at 75 % opacity with a gloss it shows lighter: by
    bullet colour it would be the 'deeper' step; on the lips it is not."""
    rouge, glaze = library.get("mv-classic-red"), library.get("ll-cherry-glaze")
    assert shade_lab(glaze)[0] < shade_lab(rouge)[0] - 3
    assert on_lips_lab(glaze)[0] > on_lips_lab(rouge)[0]
    by_bullet = [s.shade.id for s in neighbours(rouge, "deeper", library.shades)]
    on_lips = [s.shade.id for s in neighbours(rouge, "deeper", library.shades, colour_of=on_lips_lab)]
    assert "ll-cherry-glaze" in by_bullet
    assert "ll-cherry-glaze" not in on_lips


def test_other_finishes_are_near_in_colour(library) -> None:  # noqa: ANN001
    origin = library.get("mv-classic-red")
    twins = in_other_finishes(origin, library.shades)
    assert set(twins) >= {"gloss", "satin", "shimmer"}
    assert twins["gloss"].shade.id == "ll-cherry-glaze"
    for finish, step in twins.items():
        assert step.shade.finish == finish != origin.finish
        assert step.delta_e <= MAX_FINISH_TWIN_DELTA_E


def test_unknown_direction_is_refused(library) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="direction must be one of"):
        neighbours(library.shades[0], "bluer", library.shades)  # type: ignore[arg-type]


hex_colour = st.integers(0, 0xFFFFFF).map(lambda v: f"#{v:06X}")
catalog = st.lists(st.tuples(hex_colour, st.sampled_from(sorted(FINISHES))), min_size=2, max_size=40)


@settings(max_examples=150, deadline=None)
@given(colours=catalog, direction=st.sampled_from(DIRECTIONS), pick=st.integers(0, 39))
def test_generated_catalogs_neighbours_move_the_asked_way_nearest_first(colours, direction, pick) -> None:  # noqa: ANN001
    shades = [
        Shade(id=f"s{i}", name=f"S{i}", color=colour, finish=finish) for i, (colour, finish) in enumerate(colours)
    ]
    origin = shades[pick % len(shades)]
    steps = neighbours(origin, direction, shades, count=len(shades))
    assert_moves(origin, direction, steps)
    # Nearest first among all that qualify: asking for fewer returns the head of the same list.
    assert [s.shade.id for s in neighbours(origin, direction, shades, count=2)] == [s.shade.id for s in steps[:2]]
