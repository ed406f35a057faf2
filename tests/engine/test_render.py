import cv2
import numpy as np
import pytest

from tryon.catalog.finishes import FINISHES
from tryon.catalog.model import Liner, Ombre, Shade
from tryon.colour import delta_e_2000, rgb_to_lab
from tryon.engine.face import Face
from tryon.engine.lip_patterns import lip_depth
from tryon.engine.mask import lip_mask
from tryon.engine.render import apply_shade, shade_lab
from tryon.quality.metrics import teeth_spill, texture_correlation


def test_pixels_beyond_3px_outside_the_lips_are_bit_identical(astronaut_face, astronaut, library) -> None:  # noqa: ANN001
    mask = lip_mask(astronaut, astronaut_face)
    outer = np.zeros(astronaut.shape[:2], dtype=np.uint8)
    cv2.fillPoly(outer, [np.round(astronaut_face.lips_outer).astype(np.int32)], 1)
    near = cv2.dilate(outer, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))) > 0
    for shade in library.shades:
        out = apply_shade(astronaut, mask, shade)
        assert np.array_equal(out[~near], astronaut[~near]), shade.id
    assert astronaut.flags.writeable is False  # input untouched (would have raised otherwise)


def test_lip_colour_moves_toward_the_shade(astronaut_face, astronaut, library) -> None:  # noqa: ANN001
    core = lip_mask(astronaut, astronaut_face).full_frame(astronaut.shape[:2]) > 0.95
    before = rgb_to_lab(astronaut[core]).mean(axis=0)
    for shade in library.shades:
        after = rgb_to_lab(apply_shade(astronaut, lip_mask(astronaut, astronaut_face), shade)[core]).mean(axis=0)
        target = shade_lab(shade)
        # Hue/chroma judged on a*b*: the rendered lips are closer to the shade than bare lips were.
        assert np.linalg.norm(after[1:] - target[1:]) < np.linalg.norm(before[1:] - target[1:]), shade.id


def test_matte_keeps_lip_texture(astronaut_face, astronaut, library) -> None:  # noqa: ANN001
    full = lip_mask(astronaut, astronaut_face).full_frame(astronaut.shape[:2]) > 0.95
    # The lips' inside: full alpha now reaches the contour, where the painted edge itself (not the
    # lips' texture) dominates a high-pass; one pixel in from it the texture is what is measured.
    core = cv2.erode(full.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    matte = library.get("mv-ruby-hour")
    out = apply_shade(astronaut, lip_mask(astronaut, astronaut_face), matte, intensity=1.0)
    assert texture_correlation(astronaut, out, core) >= 0.8


def test_intensity_zero_changes_nothing_and_scales_effect(astronaut_face, astronaut, library) -> None:  # noqa: ANN001
    mask = lip_mask(astronaut, astronaut_face)
    shade = library.get("mv-classic-red")
    assert np.array_equal(apply_shade(astronaut, mask, shade, intensity=0.0), astronaut)
    region = mask.full_frame(astronaut.shape[:2]) > 0.95

    def change(intensity: float) -> float:
        out = apply_shade(astronaut, mask, shade, intensity=intensity)
        return float(delta_e_2000(rgb_to_lab(astronaut[region]), rgb_to_lab(out[region])).mean())

    assert 0 < change(0.3) < change(0.7) < change(1.0)
    with pytest.raises(ValueError, match="intensity"):
        apply_shade(astronaut, mask, shade, intensity=1.5)


def test_every_finish_looks_different(astronaut_face, astronaut) -> None:  # noqa: ANN001
    mask = lip_mask(astronaut, astronaut_face)
    region = mask.full_frame(astronaut.shape[:2]) > 0.5
    renders = {}
    for finish in FINISHES:
        shade = Shade(
            id=f"t-{finish}",
            name=finish,
            color="#B0122B",
            finish=finish,
            opacity=0.85,
            gloss={"matte": 0.0, "satin": 0.35, "gloss": 0.85, "sheer": 0.5, "shimmer": 0.45, "metallic": 0.6}[finish],
            shimmer_density=0.5 if finish in ("shimmer", "metallic") else 0.0,
        )
        renders[finish] = rgb_to_lab(apply_shade(astronaut, mask, shade)[region])
    for a in FINISHES:
        for b in FINISHES:
            if a < b:
                diff = delta_e_2000(renders[a], renders[b])
                assert np.percentile(diff, 99) > 3.0, (a, b)
    # Gloss is brighter at the highlights than matte; matte flattens them.
    assert np.percentile(renders["gloss"][:, 0], 99) > np.percentile(renders["matte"][:, 0], 99) + 3


def test_shimmer_stays_on_the_lips_when_the_face_moves(astronaut_face, astronaut, library) -> None:  # noqa: ANN001
    """Same face shifted by (7, 4) px: the sparkle pattern shifts with it, it is not fresh noise."""
    shade = library.get("nv-galaxy-plum")
    out1 = apply_shade(astronaut, lip_mask(astronaut, astronaut_face), shade)
    shifted_frame = np.zeros_like(astronaut)
    shifted_frame[4:, 7:] = astronaut[:-4, :-7]
    moved = Face(points=astronaut_face.points + np.float32([7, 4]))
    out2 = apply_shade(shifted_frame, lip_mask(shifted_frame, moved), shade)
    region = lip_mask(astronaut, astronaut_face).full_frame(astronaut.shape[:2]) > 0.95
    ys, xs = np.nonzero(region)
    diff = np.abs(out1[ys, xs].astype(int) - out2[ys + 4, xs + 7].astype(int))
    assert diff.max() <= 2
    # On this 42 px mouth flecks would be single pixels: the shimmer is an even soft sheen over satin …
    satin = Shade(id="t", name="t", color=shade.color, finish="satin", opacity=shade.opacity, gloss=shade.gloss)
    plain = apply_shade(astronaut, lip_mask(astronaut, astronaut_face), satin)
    sheen = np.abs(out1[region].astype(int) - plain[region].astype(int)).max(axis=1)
    assert sheen.min() >= 3
    assert sheen.std() < 4


def test_shimmer_flecks_appear_on_a_bigger_mouth(landmarker, astronaut, library) -> None:  # noqa: ANN001
    big = np.ascontiguousarray(cv2.resize(astronaut, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC))
    (face,) = landmarker.detect(big)
    mask = lip_mask(big, face)
    shade = library.get("nv-galaxy-plum")
    satin = Shade(id="t", name="t", color=shade.color, finish="satin", opacity=shade.opacity, gloss=shade.gloss)
    region = mask.full_frame(big.shape[:2]) > 0.95
    out = apply_shade(big, mask, shade)
    plain = apply_shade(big, mask, satin)
    flecks = np.abs(out[region].astype(int) - plain[region].astype(int)).max(axis=1) > 20
    assert face.lips_width_px > 120
    assert 10 < flecks.sum() < 0.3 * region.sum()  # bright flecks, not a wash


def test_dim_light_gives_dim_lipstick(astronaut_face, astronaut, library) -> None:  # noqa: ANN001
    dim = (astronaut.astype(np.float32) * 0.35).astype(np.uint8)
    mask = lip_mask(astronaut, astronaut_face)
    region = mask.full_frame(astronaut.shape[:2]) > 0.95
    shade = library.get("ll-coral-wave")
    bright_l = rgb_to_lab(apply_shade(astronaut, mask, shade)[region])[:, 0].mean()
    dim_l = rgb_to_lab(apply_shade(dim, mask, shade)[region])[:, 0].mean()
    assert dim_l < bright_l - 15


def _share_of_inner_mouth_kept(eval_faces, landmarker, shade) -> float:  # noqa: ANN001
    kept = []
    for face in eval_faces:
        if not face.mouth_open or face.mouth_covered:
            continue
        rendered = face.image
        for found in landmarker.detect(face.image):
            rendered = apply_shade(rendered, lip_mask(face.image, found), shade)
        spill = teeth_spill(face.image, rendered, face.mouth, face.lips)
        if not np.isnan(spill):
            kept.append(1.0 - spill)
    return float(np.mean(kept))


@pytest.mark.slow
def test_teeth_and_tongue_mostly_unpainted(eval_faces, landmarker, library) -> None:  # noqa: ANN001
    """Regression floor below the level measured on 2026-11-25 (0.856 per-face mean once the edge
    feather stopped at the mouth opening; 0.706 before; the bare outer-minus-inner polygon keeps
    ~0.80 by this measure, see ../shared/NOTES.md)."""
    share_kept = _share_of_inner_mouth_kept(eval_faces, landmarker, library.get("mv-classic-red"))
    print(f"inner-mouth pixels unchanged (ΔE2000 < 3) on open mouths: {share_kept:.3f}")
    assert share_kept >= 0.83


@pytest.mark.slow
@pytest.mark.xfail(
    reason="issue #3 target (95% of inner-mouth pixels unpainted) not reached: landmark contours "
    "sit inside/off the visible opening on bearded, turned and parted-lip faces; needs a segmentation step",
    strict=True,
)
def test_teeth_and_tongue_unpainted_target(eval_faces, landmarker, library) -> None:  # noqa: ANN001
    assert _share_of_inner_mouth_kept(eval_faces, landmarker, library.get("mv-classic-red")) >= 0.95


@pytest.fixture(scope="module")
def close_up(landmarker, astronaut):  # noqa: ANN001, ANN201 - (frame, LipMask): the portrait at 2×, a webcam close-up
    frame = np.ascontiguousarray(cv2.resize(np.array(astronaut), None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
    return frame, lip_mask(frame, landmarker.detect(frame)[0])


def test_ombre_is_darker_at_the_mouth_line_than_at_the_lip_edge(close_up) -> None:  # noqa: ANN001
    astronaut, mask = close_up
    depth, _ = lip_depth(mask)
    on_lips = mask.alpha > 0.6
    inner, outer = on_lips & (depth < 0.3), on_lips & (depth > 0.65)
    assert inner.sum() > 30
    assert outer.sum() > 30
    plain = Shade("t-plain", "Plain", "#D77A8E", "satin", opacity=1.0)
    ombre = Shade("t-ombre", "Ombre", "#D77A8E", "satin", opacity=1.0, ombre=Ombre("#4A0A20", 0.45, 0.5))

    def lightness(shade: Shade, region: np.ndarray) -> float:
        return float(rgb_to_lab(apply_shade(astronaut, mask, shade)[mask.slices][region])[:, 0].mean())

    # plain: inner and outer lips alike; ombre: the inner part much darker, the outer edge near the plain shade
    assert lightness(ombre, inner) < lightness(plain, inner) - 15
    assert lightness(ombre, outer) > lightness(plain, outer) - 8
    assert lightness(ombre, outer) - lightness(ombre, inner) > 12


def test_liner_darkens_the_outer_edge_only(close_up) -> None:  # noqa: ANN001
    astronaut, mask = close_up
    depth, to_edge = lip_depth(mask)
    rim = (mask.alpha > 0.6) & (to_edge <= 3.0)
    middle = (mask.alpha > 0.6) & (to_edge >= 6.0) & (depth > 0.3)  # a 1 mm liner is ~2.8 px on this ~140 px mouth
    assert rim.sum() > 30
    assert middle.sum() > 30
    nude = Shade("t-nude", "Nude", "#C58F83", "matte", opacity=1.0)
    lined = Shade("t-lined", "Lined", "#C58F83", "matte", opacity=1.0, liner=Liner("#3A1410", 1.0))
    plain_out = rgb_to_lab(apply_shade(astronaut, mask, nude)[mask.slices])
    lined_out = rgb_to_lab(apply_shade(astronaut, mask, lined)[mask.slices])
    assert (plain_out[rim][:, 0] - lined_out[rim][:, 0]).mean() > 8  # the rim is drawn darker
    assert np.abs(plain_out[middle] - lined_out[middle]).max() < 1.0  # the middle of the lips is untouched


def test_the_masks_lab_is_used_only_for_the_pixels_it_was_made_from(astronaut_face, astronaut, library) -> None:  # noqa: ANN001
    """A mask carries the Lab of its ROI so the render need not convert it again; given another
    frame (here a dimmed one) the render converts that frame's pixels instead."""
    from dataclasses import replace

    mask = lip_mask(astronaut, astronaut_face)
    bare = replace(mask, source=None, lab=None)
    shade = library.get("ll-coral-wave")
    dim = (astronaut.astype(np.float32) * 0.35).astype(np.uint8)
    for frame in (astronaut, dim):
        np.testing.assert_array_equal(apply_shade(frame, mask, shade), apply_shade(frame, bare, shade))
    with pytest.raises(ValueError, match="source and lab go together"):
        replace(mask, lab=None)
