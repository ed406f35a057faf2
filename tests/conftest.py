"""Shared fixtures: real faces (astronaut, ../shared/eval), the shipped shades, one landmarker. What every test runs
under (time limits, the processes it starts, waiting for things) is the `harness` plugin beside this file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest_plugins = ("harness",)

ROOT = Path(__file__).resolve().parent.parent


def find_eval_dir() -> Path | None:
    """The shared human-labelled faces: $TRYON_EVAL_DIR, else `shared/eval` beside the checkout."""
    candidates = [Path(os.environ["TRYON_EVAL_DIR"])] if os.environ.get("TRYON_EVAL_DIR") else []
    candidates += [parent / "shared" / "eval" for parent in ROOT.parents[:3]]
    return next((c for c in candidates if (c / "manifest.json").is_file()), None)


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    found = find_eval_dir()
    if found is None:
        message = "no shared/eval faces beside the checkout (set TRYON_EVAL_DIR)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}: CI must run the accuracy tests, not skip them")  # never a silent skip in CI
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def eval_faces(eval_dir: Path):  # noqa: ANN201 - list[EvalFace]
    from tryon.quality.evalset import load_eval_set

    return load_eval_set(eval_dir)


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    image = np.ascontiguousarray(data.astronaut())
    image.setflags(write=False)
    return image


@pytest.fixture(scope="session")
def library():  # noqa: ANN201 - ShadeLibrary
    from tryon.catalog.library import load_library

    return load_library()


@pytest.fixture(scope="session")
def landmarker() -> Iterator[object]:
    from tryon.engine.landmarks import FaceLandmarker

    with FaceLandmarker(mode="image") as found:
        yield found


@pytest.fixture(scope="session")
def astronaut_face(landmarker, astronaut):  # noqa: ANN001, ANN201
    faces = landmarker.detect(astronaut)
    assert len(faces) == 1
    return faces[0]
