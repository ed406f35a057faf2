"""Re-make `assets/demo/astronaut.landmarks.json`: the landmark model's 478 points on the bundled demo face.

The "on lips" swatches (`tryon.media.swatch.on_lips`) paint every shade on these lips without running
MediaPipe; `tests/media/test_swatch.py` checks the file still matches the model.

    .venv/bin/python docs/make_reference_lips.py
"""

from __future__ import annotations

import json

from tryon.engine.landmarks import FaceLandmarker
from tryon.media.sources import DEMO_FACE_PATH, read_image
from tryon.media.swatch import REFERENCE_LANDMARKS_PATH


def main() -> None:
    with FaceLandmarker(mode="image", max_faces=1) as landmarker:
        (face,) = landmarker.detect(read_image(DEMO_FACE_PATH))
    points = [[round(float(x), 2), round(float(y), 2)] for x, y in face.points]
    REFERENCE_LANDMARKS_PATH.write_text(json.dumps({"image": DEMO_FACE_PATH.name, "points_xy": points}) + "\n")
    print(f"wrote {REFERENCE_LANDMARKS_PATH}")


if __name__ == "__main__":
    main()
