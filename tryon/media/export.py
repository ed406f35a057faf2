"""Saving try-on pictures as PNG or JPEG with the shade in the file's metadata, and reading it back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tryon.catalog.model import Shade
from tryon.errors import ImageError
from tryon.files import write_bytes

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


def encode_image(
    pixels: np.ndarray, *, format: str = "jpeg", metadata: TryonMetadata | None = None, jpeg_quality: int = 92
) -> bytes:
    """RGB uint8 (H, W, 3), or one 8-bit channel (H, W), as PNG or JPEG bytes (`format` "png" or "jpeg"), with
    `metadata` as JSON in a PNG iTXt chunk `tryon` (UTF-8) or in the JPEG's EXIF ImageDescription (ASCII, so
    non-ASCII letters are JSON-escaped: "Lumière" comes back whole). In memory: nothing touches the disk.

    Raises:
        ImageError: unsupported format.
    """
    import io

    from PIL import Image, PngImagePlugin

    if format not in ("png", "jpeg"):
        raise ImageError(f"cannot encode as {format!r}; use 'png' or 'jpeg'")
    image = Image.fromarray(np.ascontiguousarray(pixels), mode="L" if pixels.ndim == 2 else "RGB")
    fields = asdict(metadata) if metadata is not None else None
    buffer = io.BytesIO()
    if format == "png":
        info = PngImagePlugin.PngInfo()
        if fields is not None:
            info.add_itxt(_PNG_KEY, json.dumps(fields, ensure_ascii=False))
        image.save(buffer, format="PNG", pnginfo=info)
    else:
        exif = Image.Exif()
        if fields is not None:
            exif[_EXIF_IMAGE_DESCRIPTION] = json.dumps(fields, ensure_ascii=True)
            exif[_EXIF_SOFTWARE] = "Tryon"
        image.save(buffer, format="JPEG", quality=jpeg_quality, exif=exif.tobytes())
    return buffer.getvalue()


def save_image(
    path: Path, pixels: np.ndarray, *, metadata: TryonMetadata | None = None, jpeg_quality: int = 92
) -> Path:
    """Write RGB uint8 (H, W, 3), or one 8-bit channel (H, W), to PNG or JPEG (by suffix) with `metadata`
    (see `encode_image`), atomically (`tryon.files`).

    Raises:
        ImageError: unsupported suffix.
        OutputError: the file cannot be written (missing or read-only folder, full disk).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ImageError(f"{path}: cannot save as {suffix or 'no suffix'!r}; use .png, .jpg or .jpeg")
    data = encode_image(
        pixels, format="png" if suffix == ".png" else "jpeg", metadata=metadata, jpeg_quality=jpeg_quality
    )
    write_bytes(path, data)
    return path


def read_metadata(source: Path | bytes) -> TryonMetadata | None:
    """The try-on metadata saved in a PNG or JPEG by `save_image` or `encode_image` (a file, or its bytes),
    or None if it has none.

    Raises:
        ImageError: the file cannot be opened as an image.
    """
    import io

    from PIL import Image, UnidentifiedImageError

    path = "picture" if isinstance(source, bytes) else source  # for the message
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
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
