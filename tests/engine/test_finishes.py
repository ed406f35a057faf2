"""Finishes read true: metallic vs gloss vs shimmer told apart by measured statistics of painted lips on
real faces; flecks in lip-relative units; full coverage without a rim; the "on lips" swatch matches the lips."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tryon.catalog.model import Shade
from tryon.colour import delta_e_2000, rgb_to_lab
from tryon.engine.lip_patterns import sparkle
from tryon.engine.mask import LipMask, lip_mask
from tryon.engine.pipeline import render_masks
from tryon.media.sources import read_image

EVAL_FACES = ("lapa106_10773046825_0", "celebamaskhq_demo_2", "celebamaskhq_demo_1")


def _shade(finish: str, **extra: object) -> Shade:
    values: dict[str, object] = {"opacity": 1.0, "gloss": 0.7, "shimmer_color": "#FFD0C0", "shimmer_density": 0.5}
    values.update(extra)
    return Shade(id=f"t-{finish}", name=finish, color="#9B1B30", finish=finish, **values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def painted_faces(landmarker, astronaut, eval_faces) -> list[tuple[str, np.ndarray, tuple[LipMask, ...]]]:  # noqa: ANN001
    """The astronaut enlarged to a 107 px mouth, and three eval faces with 200–275 px mouths."""
    enlarged = cv2.resize(astronaut, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_CUBIC)
    images = [("astronaut", np.ascontiguousarray(enlarged))]
    images += [(face.name, face.image) for face in eval_faces if face.name in EVAL_FACES]
    assert len(images) == 1 + len(EVAL_FACES)
    painted = [
        (name, image, tuple(lip_mask(image, face) for face in landmarker.detect(image))) for name, image in images
    ]
    assert all(masks for _, _, masks in painted)
    return painted


def _added_light(image: np.ndarray, masks: tuple[LipMask, ...], finish: str) -> tuple[float, float]:
    """What a finish adds over matte on the lips' core: the share of pixels it lightens by > 3 L*, and the
    median chroma it adds per unit of lightness there (≈ 0: white light; > 0: light in the shade's colour)."""
    alpha = np.max([m.full_frame(image.shape[:2]) for m in masks], axis=0)
    core = alpha > 0.95
    matte = rgb_to_lab(render_masks(image, masks, _shade("matte"))).astype(np.float64)
    lab = rgb_to_lab(render_masks(image, masks, _shade(finish))).astype(np.float64)
    lighter = lab[..., 0] - matte[..., 0]
    lit = core & (lighter > 3.0)
    chroma_added = np.hypot(lab[..., 1], lab[..., 2]) - np.hypot(matte[..., 1], matte[..., 2])
    return float(lit.sum() / core.sum()), float(np.median(chroma_added[lit] / lighter[lit]))


def test_metallic_and_gloss_are_told_apart_on_real_faces(painted_faces) -> None:  # noqa: ANN001
    for name, image, masks in painted_faces:
        gloss_area, gloss_tint = _added_light(image, masks, "gloss")
        metal_area, metal_tint = _added_light(image, masks, "metallic")
        assert metal_area > gloss_area + 0.1, f"{name}: a metal's sheen is broad, a gloss's glint narrow"
        assert metal_tint > 0.2, f"{name}: a metal reflects in its own colour ({metal_tint:+.2f})"
        assert abs(gloss_tint) < 0.05, f"{name}: a gloss reflects white light ({gloss_tint:+.2f})"


def _fleck_detail(image: np.ndarray, masks: tuple[LipMask, ...]) -> float:
    """Fine detail (L* above its 1 px blur, spread over the lips' core) that the flecks of a shimmer add."""
    core = np.max([m.full_frame(image.shape[:2]) for m in masks], axis=0) > 0.95
    with_flecks = rgb_to_lab(render_masks(image, masks, _shade("shimmer")))[..., 0]
    plain = rgb_to_lab(render_masks(image, masks, _shade("shimmer", shimmer_density=0.0, shimmer_color="#FFFFFF")))
    added = with_flecks - plain[..., 0]
    return float((added - cv2.GaussianBlur(added, (0, 0), 1.0))[core].std())


def test_shimmer_flecks_show_on_big_mouths(painted_faces) -> None:  # noqa: ANN001
    for name, image, masks in painted_faces:
        detail = _fleck_detail(image, masks)
        assert detail > 1.0, f"{name}: the flecks add {detail:.2f} L* of fine detail"


def _flat_lips(width_px: int) -> LipMask:
    """A lip-shaped strip `width_px` wide whose every pixel is lip, for the fleck pattern alone."""
    height = width_px // 3
    ones = np.ones((height, width_px), np.float32)
    corners = np.array([[0.0, height / 2], [float(width_px), height / 2]], np.float32)
    return LipMask(roi=(0, height, 0, width_px), alpha=ones, opening=np.zeros_like(ones), corners_xy=corners)


def _fleck_sizes(width_px: int) -> tuple[float, float]:
    """(mean fleck area in px, std / mean of the pattern) for a mouth `width_px` wide."""
    mask = _flat_lips(width_px)
    rows, cols = np.indices(mask.alpha.shape)
    field = sparkle(mask, rows.ravel(), cols.ravel(), 0.5).reshape(mask.alpha.shape)
    count, _, stats, _ = cv2.connectedComponentsWithStats((field > 0.05).astype(np.uint8))
    areas = stats[1:, cv2.CC_STAT_AREA]
    return float(areas.mean()) if count > 1 else 0.0, float(field.std() / max(field.mean(), 1e-6))


def test_flecks_scale_with_the_mouth_and_fade_into_a_sheen_when_tiny() -> None:
    area_150, _ = _fleck_sizes(150)
    area_300, _ = _fleck_sizes(300)
    assert area_300 / area_150 == pytest.approx(4.0, rel=0.3)  # twice the width: four times the fleck area
    _, spread_45 = _fleck_sizes(45)
    assert spread_45 < 0.01  # a 45 px mouth: an even soft sheen, no single-pixel salt
    assert _fleck_sizes(45)[0] > 0  # … which is still there


def test_full_coverage_leaves_no_rim_inside_the_mask(eval_dir: Path, landmarker) -> None:  # noqa: ANN001
    # celebamaskhq_demo_0 wears coral lipstick; a deep berry at opacity 1 must cover it to the mask's edge.
    image = read_image(eval_dir / "faces" / "celebamaskhq_demo_0.jpg")
    masks = tuple(lip_mask(image, face) for face in landmarker.detect(image))
    painted = rgb_to_lab(
        render_masks(image, masks, Shade(id="t", name="t", color="#5A1030", finish="matte", opacity=1.0))
    )
    alpha = np.max([m.full_frame(image.shape[:2]) for m in masks], axis=0)
    lips = (alpha >= 0.5).astype(np.uint8)
    ring = (lips > 0) & (cv2.erode(lips, np.ones((5, 5), np.uint8)) == 0)  # the outer 2 px of the painted lips
    body = cv2.erode(lips, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))) > 0
    left, right = body.copy(), body.copy()
    left[:, image.shape[1] // 2 :] = False
    right[:, : image.shape[1] // 2] = False
    noise = float(delta_e_2000(np.median(painted[left], axis=0), np.median(painted[right], axis=0)))
    rim = float(delta_e_2000(np.median(painted[ring], axis=0), np.median(painted[body], axis=0)))
    assert alpha[ring].mean() > 0.85  # the edge is covered, not half-mixed with the old colour
    assert rim < max(3.5, 2 * noise), f"rim ΔE2000 {rim:.2f}, left vs right half of the lips {noise:.2f}"


def test_on_lips_swatch_matches_the_lips_the_app_paints(library, landmarker) -> None:  # noqa: ANN001
    from tryon.media.swatch import on_lips, reference_lips

    image, mask, (x0, y0, x1, y1) = reference_lips()
    full = read_image(Path(__file__).resolve().parents[2] / "assets" / "demo" / "astronaut.png")
    live_masks = tuple(lip_mask(full, face) for face in landmarker.detect(full))
    live_alpha = np.max([m.full_frame(full.shape[:2]) for m in live_masks], axis=0) > 0.9
    size = (x1 - x0, y1 - y0)
    chip_alpha = mask.full_frame(image.shape[:2])[y0:y1, x0:x1] > 0.9
    worst = 0.0
    for shade in library.shades:
        swatch = rgb_to_lab(on_lips(shade, 0.85, size))[chip_alpha]
        painted = rgb_to_lab(render_masks(full, live_masks, shade, intensity=0.85))[live_alpha]
        worst = max(worst, float(delta_e_2000(np.median(swatch, axis=0), np.median(painted, axis=0))))
    assert worst < 3.0, f"the on-lips swatch is {worst:.2f} ΔE2000 from the painted lips"
