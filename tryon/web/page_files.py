"""The files of the web pages, held in memory, checked: the phone page, the browser engine (`<tryon-lipstick>`), the
vendored MediaPipe tasks-vision files and the landmark model, each with its media type and caching rule.

The vendored files and the model are sha256-pinned: a changed or missing byte stops the server from starting with
a message naming the file and how to restore it, instead of serving a browser something unknown.
"""

from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass, field
from pathlib import Path

from tryon.resources import read_verified

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = "vendor/tasks-vision"
MODEL_NAME = "face_landmarker.task"
# @mediapipe/tasks-vision 1.1.0 from npm, unchanged (tryon/web/static/vendor/tasks-vision/README.md).
VENDORED_SHA256 = {
    f"{VENDOR_DIR}/vision_bundle.mjs": "9d5fc9ef74b22329cf9aa88dc543956d192b8c254210b187271614713eb5b10c",
    f"{VENDOR_DIR}/vision_wasm_module_internal.js": "70eff3956521b7de058d7173a4935c95e4a223c26ea624b9f5a936d3a043dcb0",
    f"{VENDOR_DIR}/vision_wasm_module_internal.wasm": (
        "ee03b14a878e6c3c053a1bfa62e166dc45244be54dc0bbe61c578f710b771f6a"
    ),
}
_RESTORE = "restore it with `git checkout -- tryon/web/static/vendor` (see the README beside it)"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".task": "application/octet-stream",
    ".png": "image/png",
}
# Page code revalidates on every load (a new release shows at once); the big pinned files are kept for a day.
REVALIDATE, KEEP_A_DAY = "no-cache", "public, max-age=86400"


@dataclass(frozen=True)
class PageFile:
    """One file as served: its bytes, media type and Cache-Control."""

    data: bytes = field(repr=False)
    media_type: str
    cache_control: str

    @functools.cached_property
    def gzipped(self) -> bytes | None:
        """The bytes gzip-compressed (once, then kept), or None when that would not help."""
        packed = gzip.compress(self.data, compresslevel=6, mtime=0)
        return packed if len(packed) < 0.9 * len(self.data) else None


def page_files(static_dir: Path = STATIC_DIR) -> dict[str, PageFile]:
    """Every file under `static_dir` by its path relative to it ("engine/mask.js", "vendor/tasks-vision/...") plus
    the landmark model as MODEL_NAME. READMEs and unknown types are left out.

    Raises:
        ModelError: a vendored file or the model is missing or does not match its sha256.
    """
    from tryon.engine.mediapipe_model import read_model

    files: dict[str, PageFile] = {}
    for path in sorted(static_dir.rglob("*")):
        relative = path.relative_to(static_dir).as_posix()
        media_type = MEDIA_TYPES.get(path.suffix)
        if not path.is_file() or media_type is None or relative in VENDORED_SHA256:
            continue
        files[relative] = PageFile(path.read_bytes(), media_type, REVALIDATE)
    for relative, sha256 in VENDORED_SHA256.items():
        data = read_verified(static_dir / relative, sha256, f"browser engine file {relative}", _RESTORE)
        files[relative] = PageFile(data, MEDIA_TYPES[Path(relative).suffix], KEEP_A_DAY)
    files[MODEL_NAME] = PageFile(read_model(), MEDIA_TYPES[".task"], KEEP_A_DAY)
    return files
