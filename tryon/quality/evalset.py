"""Faces with human lip masks, in the layout of `../shared/eval/` (manifest.json + per-face files)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from tryon.errors import TryonError
from tryon.media.sources import read_image


class EvalSetError(TryonError):
    """A faces directory is not in the expected layout."""


@dataclass(frozen=True)
class EvalFace:
    """One face photo and its human masks, all the same size.

    `image` RGB uint8 (H, W, 3); `lips` and `mouth` bool (H, W) (`mouth` all False when closed).
    """

    name: str
    image: np.ndarray = field(repr=False)
    lips: np.ndarray = field(repr=False)
    mouth: np.ndarray = field(repr=False)
    note: str = ""

    @property
    def mouth_open(self) -> bool:
        return bool(self.mouth.any())

    @property
    def mouth_covered(self) -> bool:
        """The manifest note says something covers the mouth (its spill numbers are meaningless)."""
        note = self.note.lower()
        return any(word in note for word in ("fingers over", "hand over", "covered", "occluded mouth"))


def _read_mask(path: Path, size_hw: tuple[int, int], what: str) -> np.ndarray:
    if not path.is_file():
        raise EvalSetError(f"{path}: {what} mask not found")
    mask = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if mask is None:
        raise EvalSetError(f"{path}: {what} mask is not a readable image")
    if mask.shape != size_hw:
        raise EvalSetError(
            f"{path}: {what} mask is {mask.shape[1]}x{mask.shape[0]}, image is {size_hw[1]}x{size_hw[0]}"
        )
    return mask > 127


def manifest_entries(folder: Path) -> list[dict[str, object]]:
    """The validated entries of `folder/manifest.json`."""
    folder = Path(folder)
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise EvalSetError(f"{folder}: no manifest.json (expected a list of faces with name, image, lips_mask)")
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EvalSetError(f"{manifest}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}") from None
    if not isinstance(entries, list) or not entries:
        raise EvalSetError(f"{manifest}: must be a non-empty JSON list of faces")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise EvalSetError(f"{manifest}: entry #{i + 1} must be an object")
        for key in ("name", "image", "lips_mask"):
            if not isinstance(entry.get(key), str):
                raise EvalSetError(f"{manifest}: entry #{i + 1}: field '{key}' is missing or not a string")
    return entries


def load_face(folder: Path, entry: dict[str, object]) -> EvalFace:
    """Load one manifest entry's image and masks."""
    folder = Path(folder)
    name = str(entry["name"])
    image = read_image(folder / str(entry["image"]))
    size_hw = image.shape[:2]
    lips = _read_mask(folder / str(entry["lips_mask"]), size_hw, "lips")
    mouth_path = entry.get("mouth_mask")
    if isinstance(mouth_path, str):
        mouth = _read_mask(folder / mouth_path, size_hw, "mouth")
    else:
        mouth = np.zeros(size_hw, dtype=bool)
    return EvalFace(name=name, image=image, lips=lips, mouth=mouth, note=str(entry.get("note", "")))


def load_eval_set(folder: Path) -> list[EvalFace]:
    """Every face of a faces directory, in manifest order."""
    return [load_face(folder, entry) for entry in manifest_entries(folder)]
