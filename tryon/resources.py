"""Where Tryon's bundled files are: the landmark model, the shipped shade catalogs, the demo face.

An installed wheel carries them as package data in `tryon/_bundled/` (the build maps the repo's
top-level `models/` and `assets/` there); a checkout (or an editable install) reads them from the
repo's `models/` and `assets/` directly.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT_ROOT = Path(__file__).resolve().parent.parent


def bundled_path(relative: str) -> Path:
    """The bundled file or folder at `relative` (e.g. "models/face_landmarker.task", "assets/shades").

    The wheel's copy when there is one, else the checkout's; the path may not exist when neither
    has it (callers report that with a message of their own).
    """
    packaged = resources.files("tryon").joinpath("_bundled", *relative.split("/"))
    if packaged.is_file() or packaged.is_dir():
        return Path(str(packaged))
    return _CHECKOUT_ROOT / relative
