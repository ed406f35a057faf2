"""Saving try-on pictures as PNG or JPEG with the shade in the file's metadata, and reading it back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tryon.catalog.model import Shade
from tryon.errors import ImageError, OutputError
from tryon.files import atomic_path

_EXIF_IMAGE_DESCRIPTION = 0x010E
_EXIF_SOFTWARE = 0x0131
_PNG_KEY = "tryon"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class TryonMetadata:
    """What a saved try-on picture shows; stored as JSON in the file."""

    shade_id: str
    shade_name: str
    brand: str
    collection: str
    finish: str
    color: str
    intensity: float
    software: str = "Tryon"
    layout: str = "picture"  # "picture", "before-after" or "compare"
    compared_shade_ids: tuple[str, ...] = ()  # every shade in a compare collage, in tile order

    @classmethod
    def from_shade(
        cls, shade: Shade, *, intensity: float, layout: str = "picture", compared: Sequence[Shade] = ()
    ) -> TryonMetadata:
        return cls(
            shade_id=shade.id,
            shade_name=shade.name,
            brand=shade.brand,
            collection=shade.collection,
            finish=shade.finish,
            color=shade.color,
            intensity=round(float(intensity), 3),
            layout=layout,
            compared_shade_ids=tuple(other.id for other in compared),
        )


def save_image(
    path: Path, pixels: np.ndarray, *, metadata: TryonMetadata | None = None, jpeg_quality: int = 92
) -> Path:
    """Write RGB uint8 (H, W, 3), or one 8-bit channel (H, W), to PNG or JPEG (by suffix), atomically
    (`tryon.files`), with `metadata` as JSON in a PNG iTXt chunk `tryon` (UTF-8) or in the JPEG's EXIF
    ImageDescription (ASCII, so non-ASCII letters are JSON-escaped: "Lumière" comes back whole).

    Raises:
        ImageError: unsupported suffix.
        OutputError: the file cannot be written (missing or read-only folder, full disk).
    """
    from PIL import Image, PngImagePlugin

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ImageError(f"{path}: cannot save as {suffix or 'no suffix'!r}; use .png, .jpg or .jpeg")
    image = Image.fromarray(np.ascontiguousarray(pixels), mode="L" if pixels.ndim == 2 else "RGB")
    fields = asdict(metadata) if metadata is not None else None
    with atomic_path(path) as temp:
        try:
            if suffix == ".png":
                info = PngImagePlugin.PngInfo()
                if fields is not None:
                    info.add_itxt(_PNG_KEY, json.dumps(fields, ensure_ascii=False))
                image.save(temp, format="PNG", pnginfo=info)
            else:
                exif = Image.Exif()
                if fields is not None:
                    exif[_EXIF_IMAGE_DESCRIPTION] = json.dumps(fields, ensure_ascii=True)
                    exif[_EXIF_SOFTWARE] = "Tryon"
                image.save(temp, format="JPEG", quality=jpeg_quality, exif=exif.tobytes())
        except OSError as exc:
            raise OutputError(f"{path}: cannot write image ({exc})") from None
    return path


def read_metadata(path: Path) -> TryonMetadata | None:
    """The try-on metadata saved in a PNG or JPEG by `save_image`, or None if it has none.

    Raises:
        ImageError: the file cannot be opened as an image.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.format == "PNG":
                text = image.info.get(_PNG_KEY)
            else:
                text = image.getexif().get(_EXIF_IMAGE_DESCRIPTION)
    except (OSError, UnidentifiedImageError) as exc:
        raise ImageError(f"{path}: cannot read image ({exc})") from None
    if not text:
        return None
    try:
        fields = json.loads(text)
        fields["compared_shade_ids"] = tuple(fields.get("compared_shade_ids", ()))
        return TryonMetadata(**fields)
    except (TypeError, ValueError, AttributeError):
        return None
