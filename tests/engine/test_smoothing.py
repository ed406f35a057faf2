import numpy as np

from tryon.engine.face import Face
from tryon.engine.smoothing import LandmarkSmoother


def _noisy(face: Face, rng: np.random.Generator, sigma: float, shift=(0.0, 0.0)) -> Face:  # noqa: ANN001
    return Face(points=face.points + np.float32(shift) + rng.normal(0, sigma, face.points.shape).astype(np.float32))


def test_still_face_jitter_is_reduced(astronaut_face: Face) -> None:
    rng = np.random.default_rng(7)
    smoother = LandmarkSmoother()
    raw, smooth = [], []
    for i in range(120):
        noisy = _noisy(astronaut_face, rng, 0.8)
        raw.append(noisy.lips_outer)
        smooth.append(smoother.update((noisy,), i * 33)[0].lips_outer)

    def rms_step(seq: list) -> float:  # noqa: ANN001
        steps = np.diff(np.array(seq[20:]), axis=0)
        return float(np.sqrt((steps**2).sum(axis=-1).mean()))

    assert rms_step(smooth) < rms_step(raw) / 3


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
