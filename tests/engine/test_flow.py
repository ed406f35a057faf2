"""The optical-flow step (`tryon.engine.flow`), as a property of its own: real image texture (the astronaut)
moved by known offsets — and its mouth opened or smiling by a warp with a known truth — and landmarks with an
error like MediaPipe's on a moving face (a pose offset and a lip shape that change from frame to frame). It places
the face and its lips closer to the truth than those landmarks, never lags the lips' own movement (each lip point
follows the picture), and starts afresh when the measurement jumps away."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tryon.engine.face import LIP_POINTS, Face
from tryon.engine.flow import FlowCarrier, FlowParams
from tryon.quality.motion import MouthWarp

LIPS = list(LIP_POINTS)


def _moved(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, matrix, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def _mediapipe_like(
    truth: np.ndarray, last_truth: np.ndarray, rng: np.random.Generator, pose_px: float = 1.2
) -> np.ndarray:
    """`truth` with a pose error (the whole face off by ~`pose_px`, a new offset each frame), a little per-point
    noise and a lag of a tenth of the frame's motion (since `last_truth`): how MediaPipe's VIDEO landmarks err on a
    moving face (docs/quality.md, "Moving lips": they trail by 0.10-0.16 of each frame's motion)."""
    lag = 0.1 * (truth - last_truth)
    return truth - lag + rng.normal(0.0, pose_px, 2) + rng.normal(0.0, 0.1, truth.shape)


@pytest.mark.parametrize("speed_px_s", [120.0, 400.0])
def test_the_face_is_placed_closer_to_the_truth_than_the_landmarks(
    astronaut: np.ndarray, astronaut_face: Face, speed_px_s: float
) -> None:
    rng = np.random.default_rng(5)
    carrier = FlowCarrier()
    measured_errors, carried_errors = [], []
    amplitude = 120.0
    last_truth = astronaut_face.points.astype(np.float64)
    for i in range(60):
        offset = np.array([amplitude * np.sin(i * speed_px_s / 30.0 / amplitude), 0.0])  # peak speed, at 30 fps
        truth = astronaut_face.points.astype(np.float64) + offset
        measured = _mediapipe_like(truth, last_truth, rng)
        last_truth = truth
        (shown,) = carrier.update(_moved(astronaut, *offset), (Face(points=measured.astype(np.float32)),))
        if i >= 15:  # once the carried pose has settled
            measured_errors.append(np.linalg.norm(measured[LIPS] - truth[LIPS], axis=1).mean())
            carried_errors.append(np.linalg.norm(shown.points[LIPS] - truth[LIPS], axis=1).mean())
    assert np.mean(carried_errors) < np.mean(measured_errors) / 2, (np.mean(measured_errors), np.mean(carried_errors))


@pytest.mark.parametrize("move", ["open", "smile"])
def test_the_lips_own_movement_is_followed_at_once(astronaut: np.ndarray, astronaut_face: Face, move: str) -> None:
    """The mouth opens (or smiles) in the picture — a warp with a known truth — by up to 2 px a frame while the
    head slides: the lips shown follow the true lips frame by frame, never trailing the movement (a filter that
    blended the lips' shape over time, without looking at the picture, would trail by pixels)."""
    rng = np.random.default_rng(9)
    carrier = FlowCarrier()
    rest = astronaut_face.points.astype(np.float64)
    width = float(np.ptp(rest[:, 0]))
    mouth = MouthWarp(rest[LIPS], width, canvas_wh=(astronaut.shape[1], astronaut.shape[0]), move=move)
    depth = 0.1 * width if move == "open" else 0.06 * width
    shown_errors, measured_errors = [], []
    for i in range(40):
        offset = np.array([3.0 * i, 0.0])
        amount = depth * float(np.clip((i - 15) / 12, 0.0, 1.0))  # still, then moving over 12 frames, then held
        truth = mouth.moved(rest, amount) + offset
        truth[LIPS] = mouth.lips(amount) + offset
        measured = truth + rng.normal(0.0, 0.8, truth.shape)
        picture = _moved(mouth.apply(astronaut, amount), *offset)
        (shown,) = carrier.update(picture, (Face(points=measured.astype(np.float32)),))
        if 15 <= i:
            shown_errors.append(np.linalg.norm(shown.points[LIPS] - truth[LIPS], axis=1).mean())
            measured_errors.append(np.linalg.norm(measured[LIPS] - truth[LIPS], axis=1).mean())
    assert max(shown_errors) < 1.5, np.round(shown_errors, 2)  # a trailing filter: 2-6 px behind while it moves
    assert np.mean(shown_errors) < np.mean(measured_errors)


def test_the_lips_shape_error_is_averaged_out(astronaut: np.ndarray, astronaut_face: Face) -> None:
    """MediaPipe's lip shape is off differently in every frame (1-2 px per point on a moving face): the lips shown
    follow the picture's own motion and are closer to the truth than the landmarks; with the lip step off (the pose
    only) they are not."""
    errors = {}
    for label, params in (("lips", FlowParams()), ("pose only", FlowParams(lip_carry=0.0))):
        rng = np.random.default_rng(3)
        carrier = FlowCarrier(params)
        shown_errors, measured_errors = [], []
        last_truth = astronaut_face.points.astype(np.float64)
        for i in range(45):
            offset = np.array([80.0 * np.sin(i * 300.0 / 30.0 / 80.0), 0.0])
            truth = astronaut_face.points.astype(np.float64) + offset
            measured = _mediapipe_like(truth, last_truth, rng)
            last_truth = truth
            measured[LIPS] += rng.normal(0.0, 1.2, (len(LIPS), 2))
            (shown,) = carrier.update(_moved(astronaut, *offset), (Face(points=measured.astype(np.float32)),))
            if i >= 15:
                shown_errors.append(np.linalg.norm(shown.points[LIPS] - truth[LIPS], axis=1).mean())
                measured_errors.append(np.linalg.norm(measured[LIPS] - truth[LIPS], axis=1).mean())
        errors[label] = (float(np.mean(measured_errors)), float(np.mean(shown_errors)))
    assert errors["lips"][1] < 0.65 * errors["lips"][0], errors  # 2.26 → 1.30 px when written
    assert errors["pose only"][1] > 1.2 * errors["lips"][1], errors  # the shape error passes the pose step (1.74)


def test_a_turning_face_is_followed_on_the_picture_turned_as_it_is(astronaut: np.ndarray, astronaut_face: Face) -> None:
    """The head rolls ±15° about a point below the chin, up to 6° a frame, and the landmarks are exactly right: all
    the error shown is the flow's. Lucas-Kanade's windows only shift, so each one's content has turned between the
    frames; followed on the previous picture warped by the pose, the lips stay within a fraction of a pixel (0.12 px
    on average, at most 0.18, when written), where the shifted windows alone were 0.43 px off (up to 0.67)."""
    rest = astronaut_face.points.astype(np.float64)
    pivot = (float(rest[:, 0].mean()), float(rest[:, 1].max()) + 40.0)
    errors = {}
    for label, params in (("warped", FlowParams()), ("shifted", FlowParams(warp=False))):
        carrier = FlowCarrier(params)
        shown_errors = []
        for i in range(50):
            matrix = cv2.getRotationMatrix2D(pivot, 15.0 * np.sin(2 * np.pi * i / 24), 1.0)
            size = (astronaut.shape[1], astronaut.shape[0])
            picture = cv2.warpAffine(astronaut, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            truth = rest @ matrix[:, :2].T + matrix[:, 2]
            (shown,) = carrier.update(picture, (Face(points=truth.astype(np.float32)),))
            if i >= 15:
                shown_errors.append(float(np.linalg.norm(shown.points[LIPS] - truth[LIPS], axis=1).mean()))
        errors[label] = (float(np.mean(shown_errors)), max(shown_errors))
    assert errors["warped"][0] < 0.25, errors
    assert errors["warped"][1] < 0.4, errors
    assert errors["shifted"][0] > 2 * errors["warped"][0], errors


def test_a_jump_in_the_landmarks_is_taken_as_it_is(astronaut: np.ndarray, astronaut_face: Face) -> None:
    """Landmarks 60 px away from where the flow carried the face (a cut, another face): no blending."""
    carrier = FlowCarrier()
    points = astronaut_face.points
    for _ in range(5):
        carrier.update(astronaut, (Face(points=points),))
    jumped = points + np.float32([60.0, 0.0])
    (shown,) = carrier.update(astronaut, (Face(points=jumped),))
    np.testing.assert_allclose(shown.points, jumped, atol=1e-4)
    carrier.reset()
    (shown,) = carrier.update(astronaut, (Face(points=points),))
    assert shown is not None


@pytest.mark.parametrize(("jump_px", "from_frame", "within_px"), [(100.0, 0, 3.0), (115.0, 3, 4.0)])
def test_a_face_that_jumps_is_followed_or_let_go_never_held_off_its_place(
    astronaut: np.ndarray, astronaut_face: Face, jump_px: float, from_frame: int, within_px: float
) -> None:
    """The face, 240 px wide on a 720p canvas, jumps sideways in one frame (a very fast shake, a cut) and stays.
    100 px is followed by the flow at once: it runs on the box around both the last estimate and the face found now
    (on the last estimate's box alone, the face had left it; the carried pose landed 12 px off). 115 px is beyond
    the reach of its pyramid (~105 px), so the carried pose lands ~12 px off — under the reset threshold (19 px), and
    it used to be held there, fading 5 % a frame (still 7 px off half a second later). A disagreement that lasts is
    not MediaPipe's noise: from the third frame after the jump the landmarks are taken."""
    from tryon.engine.landmarks import lips_at_rest
    from tryon.engine.pipeline import Pipeline
    from tryon.quality.motion import MovingScene

    scene = MovingScene(astronaut, astronaut_face, 240.0)
    width, height = scene.frame(np.eye(3)[:2]).shape[1::-1]
    rest = lips_at_rest(scene.frame(np.float64([[1, 0, 0], [0, 1, 0]])))
    assert rest is not None
    rng = np.random.default_rng(1)
    errors = []
    with Pipeline(mode="video", max_faces=1) as pipeline:
        for index in range(35):
            shift = 0.0 if index < 15 else jump_px
            frame = scene.frame(np.float64([[1, 0, shift], [0, 1, 0]]))
            noisy = np.clip(frame + rng.normal(0.0, 3.0, frame.shape), 0, 255).astype(np.uint8)
            result = pipeline.process(noisy, None, timestamp_ms=round(index * 1000 / 30))
            assert result.faces, f"no face in frame {index}"
            truth = rest + np.float64([shift, 0.0])
            errors.append(float(np.linalg.norm(result.faces[0].lip_points - truth, axis=1).mean()))
    assert (width, height) == (1280, 720)
    assert max(errors[:15]) < 1.5, errors[:15]  # at rest
    after = errors[15 + from_frame :]
    assert max(after) < within_px, [round(e, 1) for e in errors[15:]]
