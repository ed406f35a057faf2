"""The optical-flow pose step (`tryon.engine.flow`), as a property of its own: real image texture (the astronaut)
moved by known offsets, landmarks with an error like MediaPipe's on a moving face (a pose offset that changes from
frame to frame). It places the face closer to the truth than those landmarks, never lags the lips' own movement
(their shape is the measured one), and starts afresh when the measurement jumps away."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tryon.engine.face import LIPS_INNER, LIPS_OUTER, Face
from tryon.engine.flow import PoseCarrier

LIPS = list(LIPS_OUTER + LIPS_INNER)


def _moved(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, matrix, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def _mediapipe_like(truth: np.ndarray, rng: np.random.Generator, pose_px: float = 1.2) -> np.ndarray:
    """`truth` with a pose error (the whole face off by ~`pose_px`, a new offset each frame) and a little per-point
    noise: how MediaPipe's landmarks err on a moving face (docs/quality.md, "Moving lips")."""
    return truth + rng.normal(0.0, pose_px, 2) + rng.normal(0.0, 0.1, truth.shape)


@pytest.mark.parametrize("speed_px_s", [120.0, 400.0])
def test_the_face_is_placed_closer_to_the_truth_than_the_landmarks(
    astronaut: np.ndarray, astronaut_face: Face, speed_px_s: float
) -> None:
    rng = np.random.default_rng(5)
    carrier = PoseCarrier()
    measured_errors, carried_errors = [], []
    amplitude = 120.0
    for i in range(60):
        offset = np.array([amplitude * np.sin(i * speed_px_s / 30.0 / amplitude), 0.0])  # peak speed, at 30 fps
        truth = astronaut_face.points.astype(np.float64) + offset
        measured = _mediapipe_like(truth, rng)
        (shown,) = carrier.update(_moved(astronaut, *offset), (Face(points=measured.astype(np.float32)),))
        if i >= 15:  # once the carried pose has settled
            measured_errors.append(np.linalg.norm(measured[LIPS] - truth[LIPS], axis=1).mean())
            carried_errors.append(np.linalg.norm(shown.points[LIPS] - truth[LIPS], axis=1).mean())
    assert np.mean(carried_errors) < np.mean(measured_errors) / 2, (np.mean(measured_errors), np.mean(carried_errors))


def test_the_lips_own_movement_is_followed_at_once(astronaut: np.ndarray, astronaut_face: Face) -> None:
    """The mouth opens by 2 px a frame while the head slides: the lips shown open exactly as measured, frame by
    frame (a filter on the whole shape would trail behind)."""
    rng = np.random.default_rng(9)
    carrier = PoseCarrier()
    lower = [index for index in range(478) if index in (LIPS_OUTER[1:10] + LIPS_INNER[1:10])]  # the lower lip
    gaps_measured, gaps_shown = [], []
    for i in range(40):
        offset = np.array([4.0 * i, 0.0])
        truth = astronaut_face.points.astype(np.float64) + offset
        truth[lower, 1] += 2.0 * max(0, i - 20)  # the lower lip drops from frame 20 on
        measured = _mediapipe_like(truth, rng)
        (shown,) = carrier.update(_moved(astronaut, *offset), (Face(points=measured.astype(np.float32)),))
        gaps_measured.append(measured[14, 1] - measured[13, 1])  # inner lower lip minus inner upper lip
        gaps_shown.append(float(shown.points[14, 1] - shown.points[13, 1]))
    np.testing.assert_allclose(gaps_shown, gaps_measured, atol=0.05)
    assert gaps_shown[-1] - gaps_shown[20] > 30  # it did open


def test_a_jump_in_the_landmarks_is_taken_as_it_is(astronaut: np.ndarray, astronaut_face: Face) -> None:
    """Landmarks 60 px away from where the flow carried the face (a cut, another face): no blending."""
    carrier = PoseCarrier()
    points = astronaut_face.points
    for _ in range(5):
        carrier.update(astronaut, (Face(points=points),))
    jumped = points + np.float32([60.0, 0.0])
    (shown,) = carrier.update(astronaut, (Face(points=jumped),))
    np.testing.assert_allclose(shown.points, jumped, atol=1e-4)
    carrier.reset()
    (shown,) = carrier.update(astronaut, (Face(points=points),))
    assert shown is not None
