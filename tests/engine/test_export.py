from pathlib import Path

import numpy as np
import pytest

from tryon.errors import ImageError
from tryon.export import TryonMetadata, read_metadata, save_image, side_by_side
from tryon.sources import read_image


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
    assert np.array_equal(both[100:, :512], astronaut[100:])
    assert np.array_equal(both[100:, -512:], after[100:])
