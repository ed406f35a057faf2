from pathlib import Path

import cv2
import numpy as np
import pytest

from tryon.engine.face import Face
from tryon.engine.landmarks import FaceLandmarker
from tryon.engine.mediapipe_model import MODEL_PATH, read_model
from tryon.errors import ModelError


def test_astronaut_face_has_lips_in_the_lower_face(astronaut_face: Face) -> None:
    face = astronaut_face
    assert face.points.dtype == np.float32
    assert face.points.shape == (478, 2)
    assert face.lips_outer.shape == (20, 2)
    x0, y0, x1, y1 = face.bbox_xyxy
    # The astronaut's face spans roughly x 170-270, y 60-190 in the 512 px photo.
    assert 150 < x0 < 200
    assert 240 < x1 < 300
    lips_y = face.lips_outer[:, 1].mean()
    assert y0 + 0.6 * (y1 - y0) < lips_y < y1
    assert 25 < face.lips_width_px < 60
    # Inner contour lies inside the outer one.
    outer = face.lips_outer.astype(np.float32)
    for point in face.lips_inner:
        assert cv2.pointPolygonTest(outer, (float(point[0]), float(point[1])), True) > -1.0


def test_face_is_immutable(astronaut_face: Face) -> None:
    with pytest.raises(ValueError, match="read-only"):
        astronaut_face.points[0, 0] = 0


def test_face_free_frame_gives_no_faces(landmarker: FaceLandmarker) -> None:
    from skimage import data

    assert landmarker.detect(np.ascontiguousarray(data.coffee())) == ()
    assert landmarker.detect(np.full((480, 640, 3), 128, dtype=np.uint8)) == ()


def test_several_faces_each_found(landmarker: FaceLandmarker, astronaut: np.ndarray) -> None:
    face = astronaut[20:260, 120:330]
    frame = np.full((360, 900, 3), 90, dtype=np.uint8)
    frame[60:300, 60:270] = face
    frame[60:300, 600:810] = face[:, ::-1]
    faces = landmarker.detect(frame)
    assert len(faces) == 2
    centres = sorted(f.lips_outer[:, 0].mean() for f in faces)
    assert centres[0] < 300 < 600 < centres[1]


def test_small_face_in_a_wide_frame_is_found(landmarker: FaceLandmarker, astronaut: np.ndarray) -> None:
    """A kiosk-distance face (~150 px wide in 1280x720) is missed by MediaPipe's short-range
    detector alone; the cascade + enlarged-crop pass finds it."""
    head = cv2.resize(astronaut[20:260, 120:330], None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA)
    frame = np.full((720, 1280, 3), 70, dtype=np.uint8)
    frame[300 : 300 + head.shape[0], 700 : 700 + head.shape[1]] = head
    with FaceLandmarker(mode="image", find_small_faces=False) as plain:
        assert plain.detect(frame) == ()
    faces = landmarker.detect(frame)
    assert len(faces) == 1
    lips = faces[0].lips_outer.mean(axis=0)
    assert 700 < lips[0] < 700 + head.shape[1]
    assert 300 < lips[1] < 300 + head.shape[0]


def test_small_face_is_found_and_kept_in_a_video(astronaut: np.ndarray) -> None:
    """The same in VIDEO mode, where the cascade runs on a background thread: a ~130 px face in a 720p
    stream is found by the search started on the first frame and then landmarked on every frame. (How many
    frames a search takes at a camera's pace is a speed: `tryon bench --far-faces`.)"""
    head = cv2.resize(astronaut, (400, 400), interpolation=cv2.INTER_AREA)
    frame = np.full((720, 1280, 3), 120, dtype=np.uint8)
    frame[200:600, 800:1200] = head
    found = []
    with FaceLandmarker(mode="video") as landmarker:
        for i in range(30):
            found.append(len(landmarker.detect(frame, i * 33)))
            landmarker.wait_for_search()  # a camera slow enough for the search: the next frame takes its boxes
    assert found[0] == 0  # MediaPipe's own detector misses a face this small
    assert all(n == 1 for n in found[1:])


def test_video_mode_needs_increasing_timestamps(astronaut: np.ndarray) -> None:
    with FaceLandmarker(mode="video") as video:
        assert len(video.detect(astronaut, 0)) == 1
        assert len(video.detect(astronaut, 33)) == 1
        with pytest.raises(ValueError, match="must increase"):
            video.detect(astronaut, 33)
        with pytest.raises(ValueError, match="timestamp_ms"):
            video.detect(astronaut)


def test_wrong_frame_type_is_rejected(landmarker: FaceLandmarker) -> None:
    with pytest.raises(ValueError, match=r"RGB uint8 of shape \(H, W, 3\), but got float32"):
        landmarker.detect(np.zeros((10, 10, 3), dtype=np.float32))


def test_missing_model_names_file_and_fix(tmp_path: Path) -> None:
    missing = tmp_path / "face_landmarker.task"
    with pytest.raises(ModelError, match=r"not found at .*face_landmarker.task: restore it with"):
        FaceLandmarker(model_path=missing)


def test_corrupt_model_is_refused_before_loading(tmp_path: Path) -> None:
    corrupt = tmp_path / "face_landmarker.task"
    data = bytearray(MODEL_PATH.read_bytes())
    data[1000] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"is corrupt: sha256 .* expected 64184e229b26.*restore it"):
        read_model(corrupt)


def test_photo_lips_are_the_same_found_on_the_mirrored_photo(landmarker: FaceLandmarker, astronaut: np.ndarray) -> None:
    """Stills average the lips found on the photo and on its mirror image, so mirroring the photo mirrors
    the lips exactly (one view alone is off by the model's one-sided error, about a pixel here)."""
    (face,) = landmarker.detect(astronaut)
    (mirrored,) = landmarker.detect(np.ascontiguousarray(astronaut[:, ::-1]))
    width = astronaut.shape[1]
    order = [(10 - k) % 20 for k in range(20)]
    for own, twin in ((face.lips_outer, mirrored.lips_outer), (face.lips_inner, mirrored.lips_inner)):
        back = twin[order].copy()
        back[:, 0] = width - back[:, 0]
        np.testing.assert_allclose(own, back, atol=0.05)
