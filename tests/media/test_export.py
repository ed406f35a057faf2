from pathlib import Path

import numpy as np
import pytest

from tryon.engine.pipeline import Pipeline, render_variants
from tryon.errors import ImageError
from tryon.media.compose import Look, collage, compose_picture, focus_crop, side_by_side, split_picture, view_layers
from tryon.media.export import TryonMetadata, read_metadata, save_image
from tryon.media.sources import read_image


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_saved_picture_carries_the_shade(tmp_path: Path, astronaut, library, suffix: str) -> None:  # noqa: ANN001
    shade = library.get("nv-rose-gold")
    path = save_image(
        tmp_path / f"look{suffix}", np.array(astronaut), metadata=TryonMetadata.from_shade(shade, intensity=0.7)
    )
    meta = read_metadata(path)
    assert meta is not None
    assert (meta.shade_id, meta.shade_name, meta.brand, meta.finish, meta.intensity) == (
        "nv-rose-gold",
        "Rose Gold Rush",
        "Nova Beauty",
        "metallic",
        0.7,
    )
    back = read_image(path)
    assert back.shape == astronaut.shape
    if suffix == ".png":
        assert np.array_equal(back, astronaut)


def test_unsupported_suffix_is_refused(tmp_path: Path, astronaut) -> None:  # noqa: ANN001
    with pytest.raises(ImageError, match=r"look.gif: cannot save as '.gif'; use .png, .jpg or .jpeg"):
        save_image(tmp_path / "look.gif", np.array(astronaut))


def test_unreadable_image_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "not_a_photo.jpg"
    bad.write_bytes(b"this is text")
    with pytest.raises(ImageError, match=r"not_a_photo.jpg: not a readable image"):
        read_image(bad)
    with pytest.raises(ImageError, match=r"missing.png: image file not found"):
        read_image(tmp_path / "missing.png")


def test_side_by_side_keeps_both_pictures(astronaut) -> None:  # noqa: ANN001
    after = 255 - np.array(astronaut)
    both = side_by_side(np.array(astronaut), after)
    assert both.shape[0] == 512
    assert both.shape[1] > 1024
    # captions sit in a band along the bottom; above it each picture is untouched
    assert np.array_equal(both[:440, :512], astronaut[:440])
    assert np.array_equal(both[:440, -512:], after[:440])
    assert not np.array_equal(both[-20:, :512], astronaut[-20:])


def test_focus_crop_frames_the_box_with_the_asked_aspect() -> None:
    box = (600.0, 200.0, 800.0, 450.0)
    x0, y0, x1, y1 = focus_crop((720, 1280), box, 0.75)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(0.75, abs=0.01)
    assert (x0, y0) <= (600, 200)
    assert x1 >= 800
    assert y1 >= 450
    assert min(x0, y0) >= 0
    assert (x1, y1) <= (1280, 720)
    # a box at the frame edge: the crop moves inside the frame instead of running off it
    x0, y0, x1, y1 = focus_crop((720, 1280), (0.0, 0.0, 100.0, 100.0), 1.0)
    assert (x0, y0) == (0, 0)
    assert x1 - x0 == y1 - y0
    # no box: the largest centred crop
    assert focus_crop((720, 1280), None, 1.0) == (280, 0, 1000, 720)


def test_collage_tiles_carry_their_pictures_and_captions() -> None:
    red = np.zeros((90, 160, 3), np.uint8)
    red[..., 0] = 200
    blue = np.zeros((90, 160, 3), np.uint8)
    blue[..., 2] = 200
    grid = collage([red, blue, red, blue], ["a", "b", "c", "d"], canvas_wh=(326, 186), gap=6)
    assert grid.shape == (186, 326, 3)
    assert grid[10, 10].tolist() == [200, 0, 0]  # top-left tile: red
    assert grid[10, 200].tolist() == [0, 0, 200]  # top-right tile: blue
    assert grid[10, 163].tolist() == [29, 27, 30]  # the gap between them
    with pytest.raises(ValueError, match="one caption per image"):
        collage([red], [], canvas_wh=(100, 100))


def test_compose_picture_layouts(astronaut, library) -> None:  # noqa: ANN001
    shades = [library.get(i) for i in ("mv-ruby-hour", "ll-coral-wave", "nv-galaxy-plum")]
    with Pipeline(mode="image") as pipeline:
        result = pipeline.process(np.array(astronaut), shades[0])
    picture = compose_picture(result, mirror=True)
    assert np.array_equal(picture, result.rendered[:, ::-1])
    before_after = compose_picture(result, layout="before-after")
    assert before_after.shape == result.original.shape
    half = before_after.shape[1] // 2
    # left tile is the bare face, right tile the painted one: they differ only around the lips
    left, right = before_after[:400, : half - 3].astype(int), before_after[:400, half + 3 :][:, : half - 3].astype(int)
    assert 0 < (np.abs(left - right).max(axis=2) > 20).mean() < 0.05
    variants = render_variants(result, shades)
    assert np.array_equal(variants[0], result.rendered)  # the same masks and intensity as the frame's own render
    grid = compose_picture(result, layout="compare", compare=list(zip(shades, variants, strict=True)))
    assert grid.shape == result.original.shape
    # three tiles in one row, each the crop of its own render: the middle tile is the coral one
    tile_w = (grid.shape[1] - 2 * 6) // 3
    middle = grid[: grid.shape[0] // 2, tile_w + 6 : 2 * tile_w + 6]
    assert not np.array_equal(middle, grid[: grid.shape[0] // 2, :tile_w])
    with pytest.raises(ValueError, match="2 to 4 shades"):
        compose_picture(result, layout="compare", compare=[(shades[0], variants[0])])
    with pytest.raises(ValueError, match="unknown layout"):
        compose_picture(result, layout="poster")


def test_collage_metadata_lists_every_shade(tmp_path: Path, astronaut, library) -> None:  # noqa: ANN001
    shades = [library.get("mv-ruby-hour"), library.get("ll-coral-wave")]
    meta = TryonMetadata.from_shade(shades[0], intensity=1.0, layout="compare", compared=shades)
    path = save_image(tmp_path / "grid.jpg", np.array(astronaut), metadata=meta)
    back = read_metadata(path)
    assert back == meta
    assert back.compared_shade_ids == ("mv-ruby-hour", "ll-coral-wave")


def test_view_layers_are_what_each_view_shows(astronaut, library) -> None:  # noqa: ANN001
    shade = library.get("mv-ruby-hour")
    with Pipeline(mode="image") as pipeline:
        result = pipeline.process(np.array(astronaut), shade)
    live, before = view_layers(result, Look(shade, mirror=True))
    assert before is None
    assert np.array_equal(live, result.rendered[:, ::-1])
    bare, _ = view_layers(result, Look(shade, view="before"))
    assert np.array_equal(bare, result.original)
    after, before = view_layers(result, Look(shade, view="split"))
    assert before is not None
    split = split_picture(after, before, 0.5)
    half = split.shape[1] // 2
    assert np.array_equal(split[:, :half], result.original[:, :half])
    assert np.array_equal(split[:, half:], result.rendered[:, half:])
    grid = np.zeros_like(result.rendered)
    assert view_layers(result, Look(shade, view="compare"), compare_grid=grid)[0] is grid
    with pytest.raises(ValueError, match="view must be one of"):
        Look(shade, view="poster")
