"""Where Tryon's bundled files are: the landmark model, the shipped shade catalogs, the demo face.

An installed wheel carries them as package data in `tryon/_bundled/` (the build maps the repo's
top-level `models/` and `assets/` there); a checkout (or an editable install) reads them from the
repo's `models/` and `assets/` directly.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from tryon.errors import ModelError

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


def read_verified(path: Path, sha256: str, what: str, restore_hint: str) -> bytes:
    """The bytes of a vendored model at `path`, after checking its sha256 (`what` names it in messages,
    `restore_hint` says how to get it back).

    Raises:
        ModelError: the file is missing, unreadable or its checksum does not match.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{what} not found at {path}: {restore_hint}") from None
    except OSError as exc:
        raise ModelError(f"{what} at {path} cannot be read ({exc.strerror}): {restore_hint}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ModelError(
            f"{what} at {path} is corrupt: sha256 {digest[:12]}…, "
            f"expected {sha256[:12]}… ({len(data)} bytes); {restore_hint}"
        )
    return data
