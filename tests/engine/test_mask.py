import numpy as np
import pytest

from tryon.engine.face import Face
from tryon.engine.mask import closed_spline, lip_mask
from tryon.quality.metrics import iou


def test_spline_passes_through_every_point() -> None:
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=np.float32)
    curve = closed_spline(square, samples_per_segment=8)
    assert curve.shape == (32, 2)
    np.testing.assert_allclose(curve[::8], square, atol=1e-4)
    # Between vertices the curve bulges smoothly but stays near the polygon.
    assert np.abs(curve).max() < 12


def test_mask_is_soft_float_alpha_over_lip_roi(astronaut_face: Face, astronaut: np.ndarray) -> None:
    mask = lip_mask(astronaut, astronaut_face)
    assert mask.alpha.dtype == np.float32
    assert 0.0 <= mask.alpha.min()
    assert mask.alpha.max() <= 1.0
    assert mask.alpha.max() > 0.99
    soft = (mask.alpha > 0.02) & (mask.alpha < 0.98)
    assert soft.sum() > 20, "edges must be anti-aliased, not hard"
    y0, y1, x0, x1 = mask.roi
    assert (y1 - y0) * (x1 - x0) < 0.02 * astronaut.shape[0] * astronaut.shape[1]


def test_mouth_opening_is_excluded(astronaut_face: Face, astronaut: np.ndarray) -> None:
    """The astronaut smiles with teeth showing: the opening must stay unpainted."""
    mask = lip_mask(astronaut, astronaut_face)
    assert (mask.opening > 0.5).sum() > 50
    assert mask.alpha[mask.opening > 0.99].max() < 0.5


def test_pressed_lips_give_a_solid_mask(astronaut_face: Face, astronaut: np.ndarray) -> None:
    points = astronaut_face.points.copy()
    from tryon.engine.face import LIPS_INNER

    inner = list(LIPS_INNER)
    # Collapse the inner contour onto its centre line (lips pressed together).
    points[inner, 1] = points[inner, 1].mean()
    mask = lip_mask(astronaut, Face(points=points))
    # A zero-area opening covers at most a quarter pixel (the rasteriser's boundary row) ...
    assert mask.opening.max() <= 0.3
    # ... so the lipstick runs across the seam instead of leaving a bare gap.
    y0, _, x0, _ = mask.roi
    seam_y = int(points[inner, 1].mean()) - y0
    centre_x = int(points[inner, 0].mean()) - x0
    assert mask.alpha[seam_y, centre_x - 5 : centre_x + 5].min() > 0.6


@pytest.mark.slow
def test_mean_iou_against_human_masks(eval_faces, landmarker) -> None:  # noqa: ANN001
    scores = []
    for face in eval_faces:
        found = landmarker.detect(face.image)
        best = 0.0  # a face not found counts as 0
        for candidate in found:
            pred = lip_mask(face.image, candidate).full_frame(face.image.shape[:2]) > 0.5
            best = max(best, iou(pred, face.lips))
        scores.append(best)
    mean = float(np.mean(scores))
    print(f"mean lip-mask IoU on {len(scores)} faces: {mean:.3f}")
    assert mean >= 0.70
