import numpy as np
import pytest

from tryon.engine.face import LIPS_OUTER, Face
from tryon.engine.smoothing import LandmarkSmoother


def _noisy(face: Face, rng: np.random.Generator, sigma: float, shift=(0.0, 0.0)) -> Face:  # noqa: ANN001
    return Face(points=face.points + np.float32(shift) + rng.normal(0, sigma, face.points.shape).astype(np.float32))


def _rms_step(sequence: list) -> float:  # noqa: ANN001
    steps = np.diff(np.array(sequence[20:]), axis=0)
    return float(np.sqrt((steps**2).sum(axis=-1).mean()))


def test_a_still_face_is_held_still(astronaut_face: Face) -> None:
    """Landmark noise as MediaPipe's VIDEO mode shows it on a still face with sensor noise (σ 6 levels: ~0.05 px
    per point): the lipstick does not move at all."""
    rng = np.random.default_rng(7)
    smoother = LandmarkSmoother()
    raw, smooth = [], []
    for i in range(120):
        noisy = _noisy(astronaut_face, rng, 0.05)
        raw.append(noisy.lips_outer)
        smooth.append(smoother.update((noisy,), i * 33)[0].lips_outer)
    assert _rms_step(raw) > 0.05
    assert _rms_step(smooth) < _rms_step(raw) / 10


@pytest.mark.parametrize("speed_px_s", [120.0, 400.0, 600.0])
def test_a_moving_face_is_followed_without_lag(astronaut_face: Face, speed_px_s: float) -> None:
    """A property of the filter, not of the machine: a face sliding at a constant speed (timestamps given, 30 fps),
    with the same landmark noise, is shown within 0.2 px of where it is on average, 0.5 px at most, once moving."""
    rng = np.random.default_rng(3)
    smoother = LandmarkSmoother()
    errors = []
    for i in range(90):
        shift = np.float32([max(0, i - 30) * speed_px_s / 30.0, 0.0])  # still for a second, then sliding
        truth = astronaut_face.points + shift
        shown = smoother.update((_noisy(Face(points=truth), rng, 0.05),), i * 33)[0]
        if i >= 35:
            errors.append(float(np.linalg.norm(shown.lips_outer - truth[list(LIPS_OUTER)], axis=1).mean()))
    assert float(np.mean(errors)) < 0.2
    assert max(errors) < 0.5


def test_fast_move_is_followed_without_lag(astronaut_face: Face) -> None:
    smoother = LandmarkSmoother()
    for i in range(30):
        smoother.update((astronaut_face,), i * 33)
    # The head moves 40 px in 4 frames (~300 px/s) and stops there.
    positions = [
        smoother.update((Face(points=astronaut_face.points + np.float32([10 * k, 0])),), (30 + k) * 33)[0]
        for k in range(1, 5)
    ]
    for k in range(5, 12):
        positions.append(smoother.update((Face(points=astronaut_face.points + np.float32([40, 0])),), (30 + k) * 33)[0])
    lag_after_3_frames = 40 - float((positions[6].points - astronaut_face.points)[:, 0].mean())
    assert lag_after_3_frames < 4.0


def test_lost_face_starts_fresh(astronaut_face: Face) -> None:
    smoother = LandmarkSmoother()
    smoother.update((astronaut_face,), 0)
    smoother.update((), 33)  # face lost
    jumped = Face(points=astronaut_face.points + np.float32([5, 0]))
    (out,) = smoother.update((jumped,), 66)
    np.testing.assert_array_equal(out.points, jumped.points)


def test_tiny_wander_is_held_and_slow_drift_followed(astronaut_face: Face) -> None:
    smoother = LandmarkSmoother()
    width = astronaut_face.bbox_xyxy[2] - astronaut_face.bbox_xyxy[0]
    band = smoother.params.deadband_px * width / 100.0  # ~0.4 px on this face
    out = []
    for i in range(60):  # a wander of ±0.1 px (well inside the band): the output does not move at all
        wobble = 0.1 * np.sin(i / 3.0)
        out.append(smoother.update((Face(points=astronaut_face.points + np.float32([wobble, 0])),), i * 33)[0])
    assert all(np.array_equal(face.points, out[10].points) for face in out[10:])
    # a slow drift of 6 px over 2 s is followed, never more than the band (plus filter lag) behind
    for k in range(1, 61):
        target = astronaut_face.points + np.float32([0.1 * k, 0])
        face = smoother.update((Face(points=target),), (60 + k) * 33)[0]
    assert float(np.abs(face.points - target)[:, 0].max()) < band + 0.5
