"""The wheel is the product too: built from the checkout, installed into a fresh venv, it runs on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, session_processes) -> Path:  # noqa: ANN001
    out = tmp_path_factory.mktemp("dist")
    built = session_processes.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        timeout_s=100,
    )
    assert built.returncode == 0, built.stderr
    (built,) = out.glob("tryon-*.whl")
    return built


def test_wheel_carries_the_model_the_catalogs_and_the_demo_face(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("models/face_landmarker.task", "assets/demo/astronaut.png", "assets/shades/nova-stardust.json"):
        assert f"tryon/_bundled/{shipped}" in names
    assert "tryon/catalog/shade_catalog.schema.json" in names
    assert "tryon/advisor/reference_faces.json" in names  # the report's skin-depth section reads it
    # The browser engine: its page, its constants and the vendored MediaPipe WebAssembly (phone_app checks them).
    for served in (
        "tryon-lipstick.js",
        "engine/constants.json",
        "engine/squares.js",
        "engine/flow.js",
        "vendor/tasks-vision/vision_wasm_module_internal.wasm",
    ):
        assert f"tryon/web/static/{served}" in names
    assert "ui/app.py" in names
    assert not any(name.startswith("tests/") for name in names)


@pytest.mark.slow
def test_installed_wheel_lists_shades_and_renders_a_photo(wheel: Path, tmp_path: Path, astronaut, processes) -> None:  # noqa: ANN001
    from tryon.media.export import read_metadata, save_image

    def run(*command: str, **options: object) -> subprocess.CompletedProcess[str]:
        return processes.run(list(command), timeout_s=100, **options)

    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", "--without-pip", str(venv)).returncode == 0
    python = venv / "bin" / "python"
    installed = run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel))
    assert installed.returncode == 0, installed.stderr
    # The dependencies (mediapipe, OpenCV, Qt…) come from this venv's site-packages, added as a plain path:
    # its .pth files (the editable install of the checkout among them) are not read, so only the wheel's
    # tryon can be imported.
    fresh_site = Path(
        run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    )
    (fresh_site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TRYON_EVAL_DIR")}
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = run(str(python), "-c", "import tryon; print(tryon.__file__)", cwd=work, env=env)
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr

    tryon = str(venv / "bin" / "tryon")
    listed = run(tryon, "shades", cwd=work, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "38 shades in 3 catalogs" in listed.stdout
    photo = save_image(work / "face.png", np.array(astronaut))
    rendered = run(tryon, "render", str(photo), "--shade", "mv-ruby-hour", "-o", "look.png", cwd=work, env=env)
    assert rendered.returncode == 0, rendered.stderr
    assert "Ruby Hour (matte) on 1 face(s)" in rendered.stdout
    metadata = read_metadata(work / "look.png")
    assert metadata is not None
    assert metadata.shade_id == "mv-ruby-hour"
