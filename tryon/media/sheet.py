"""Swatch sheets: every shade of a catalog on every face of a folder, as PNG, PDF or a self-contained HTML page.

Rendering is spread over processes (one model per process, faces landmarked once per process and
reused), so large catalogs × many faces use every core.
"""

from __future__ import annotations

import base64
import html
import io
import json
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from tryon.catalog.model import Catalog, Shade
from tryon.errors import ImageError, OutputError, TryonError
from tryon.files import atomic_path, write_text
from tryon.media.compose import caption_font
from tryon.media.swatch import chip_and_lips

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

    from tryon.engine.pipeline import FrameResult, Pipeline

TILE_WH = (200, 150)
FORMATS = ("png", "pdf", "html")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
_ROWS_PER_PDF_PAGE = 14
# PNG sheets past these open in few viewers (and trip Pillow's decompression-bomb guard at ~89 MP).
MAX_PNG_SIDE_PX = 16_384
MAX_PNG_PIXELS = 80_000_000


def face_images(folder: Path) -> list[Path]:
    """The face photos of `folder`: those its `manifest.json` lists (the eval layout), else every image
    file except `*.lips.png` / `*.mouth.png` masks, sorted by name.

    Raises:
        ImageError: no such folder, or no images in it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ImageError(f"{folder}: faces folder not found")
    manifest = folder / "manifest.json"
    if manifest.is_file():
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8"))
            entries = entries.get("faces", entries) if isinstance(entries, dict) else entries
            paths = [folder / entry["image"] for entry in entries]
        except (ValueError, TypeError, KeyError) as exc:
            raise ImageError(f"{manifest}: not a faces manifest (a list of entries with 'image'): {exc}") from None
    else:
        paths = sorted(
            p
            for p in folder.iterdir()
            if p.suffix.lower() in _IMAGE_SUFFIXES and not p.name.endswith((".lips.png", ".mouth.png"))
        )
    if not paths:
        raise ImageError(f"{folder}: no face photos (.jpg, .png, .webp) in it")
    return paths


@dataclass(frozen=True)
class FaceTiles:
    """One face: its bare-lips tile and one tile per shade (RGB uint8 `TILE_WH`), or why it has none."""

    path: Path
    bare: np.ndarray | None = field(repr=False)
    tiles: dict[str, np.ndarray] = field(repr=False)
    problem: str = ""


_process_pipeline: Pipeline | None = None
_process_faces: dict[Path, tuple[np.ndarray, FrameResult, tuple[int, int, int, int] | None]] = {}


def _prepared(path: Path) -> tuple[np.ndarray, FrameResult, tuple[int, int, int, int] | None]:
    """Load and landmark a face once per process."""
    global _process_pipeline
    if path not in _process_faces:
        from tryon.engine.pipeline import Pipeline
        from tryon.media.sources import read_image

        if _process_pipeline is None:
            _process_pipeline = Pipeline(mode="image")
        image = read_image(path)
        result = _process_pipeline.process(image, None)
        _process_faces[path] = (image, result, _mouth_crop(result) if result.faces_found else None)
    return _process_faces[path]


def _mouth_crop(result: FrameResult) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the lower face around the largest face's mouth, in the tiles' aspect."""
    face = result.faces[0]
    outer = face.lips_outer
    cx, cy = outer.mean(axis=0)
    width = 2.4 * face.lips_width_px
    height = width * TILE_WH[1] / TILE_WH[0]
    cy -= 0.08 * height  # a little nose above the lips, chin below
    img_h, img_w = result.original.shape[:2]
    width, height = min(width, img_w), min(height, img_h)
    x0 = int(np.clip(cx - width / 2, 0, img_w - width))
    y0 = int(np.clip(cy - height / 2, 0, img_h - height))
    return x0, y0, x0 + int(width), y0 + int(height)


def _tile(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return cv2.resize(image[y0:y1, x0:x1], TILE_WH, interpolation=cv2.INTER_AREA)


def _render_task(path: Path, shades: Sequence[Shade]) -> FaceTiles:
    from tryon.engine.pipeline import render_masks

    try:
        image, result, box = _prepared(path)
    except TryonError as exc:
        return FaceTiles(path, None, {}, str(exc))
    if box is None:
        return FaceTiles(path, None, {}, f"{path.name}: no face found")
    tiles = {shade.id: _tile(render_masks(image, result.masks, shade), box) for shade in shades}
    return FaceTiles(path, _tile(image, box), tiles)


@dataclass(frozen=True)
class SheetResult:
    """What `render_sheet` made: the face tiles in face order, and faces without a usable face."""

    shades: tuple[Shade, ...]
    faces: tuple[FaceTiles, ...]

    @property
    def problems(self) -> list[str]:
        return [f.problem for f in self.faces if f.problem]


def render_sheet(
    catalogs: Sequence[Catalog],
    faces: Sequence[Path],
    *,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SheetResult:
    """Render every shade of `catalogs` on every face; `jobs` processes (default: all cores)."""
    shades = tuple(s for c in catalogs for s in c.shades)
    if not shades:
        raise TryonError("no shades to put on the sheet")
    jobs = max(1, jobs or os.cpu_count() or 1)
    chunk = max(1, -(-len(shades) // max(1, -(-jobs * 2 // len(faces)))))  # enough tasks to keep every job busy
    tasks = [(path, shades[i : i + chunk]) for path in faces for i in range(0, len(shades), chunk)]
    merged: dict[Path, FaceTiles] = {}
    done = 0
    # "spawn": workers start clean instead of inheriting a forked copy of MediaPipe's threads.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_render_task, path, part) for path, part in tasks]
        for future in as_completed(futures):
            part = future.result()
            previous = merged.get(part.path)
            if previous is None:
                merged[part.path] = part
            else:
                merged[part.path] = FaceTiles(part.path, part.bare, {**previous.tiles, **part.tiles}, part.problem)
            done += 1
            if progress is not None:
                progress(done, len(tasks))
    return SheetResult(shades, tuple(merged[path] for path in faces))


# ----- drawing

_INK, _MUTED, _PAPER = (40, 36, 42), (120, 114, 122), (255, 255, 255)
_LABEL_W, _GAP, _HEADER_H, _SECTION_H = 540, 8, 70, 44
_CHIP_PX = 48  # chip height in the label column; the on-lips swatch beside it is twice as wide


def _shade_label(shade: Shade) -> tuple[str, str]:
    extras = [shade.finish]
    if shade.ombre is not None:
        extras.append("ombre")
    if shade.liner is not None:
        extras.append("liner")
    details = " · ".join(extras + [shade.color])
    if shade.sku:
        details += f" · {shade.sku}"
    if shade.price is not None:
        details += f" · {shade.price:.2f} {shade.currency or ''}".rstrip()
    return shade.name, details


def page_size_wh(rows: Sequence[Shade], face_count: int) -> tuple[int, int]:
    """Pixel size of a sheet page with `rows` shades (plus the bare-lips row) and `face_count` columns."""
    tile_w, tile_h = TILE_WH
    sections = len({(shade.brand, shade.collection) for shade in rows})
    width = _LABEL_W + face_count * (tile_w + _GAP) + _GAP
    height = _HEADER_H + (len(rows) + 1) * (tile_h + _GAP) + sections * _SECTION_H + _GAP
    return width, height


def check_png_size(shades: Sequence[Shade], face_count: int, out: Path) -> None:
    """Refuse a PNG sheet most viewers cannot open (before any rendering).

    Raises:
        ImageError: wider or taller than `MAX_PNG_SIDE_PX`, or over `MAX_PNG_PIXELS`; PDF pages and HTML scale.
    """
    width, height = page_size_wh(shades, face_count)
    if max(width, height) > MAX_PNG_SIDE_PX or width * height > MAX_PNG_PIXELS:
        raise ImageError(
            f"{out}: a PNG sheet of {len(shades)} shades × {face_count} faces would be {width} × {height} px "
            f"(the limit is {MAX_PNG_SIDE_PX} px a side, {MAX_PNG_PIXELS // 1_000_000} MP); write .pdf (paged) "
            "or --format html instead"
        )


def _page(sheet: SheetResult, rows: Sequence[Shade], title: str) -> PILImage:
    from PIL import Image, ImageDraw

    tile_w, tile_h = TILE_WH
    width, height = page_size_wh(rows, len(sheet.faces))
    page = Image.new("RGB", (width, height), _PAPER)
    draw = ImageDraw.Draw(page)
    draw.text((_GAP * 2, 18), title, fill=_INK, font=caption_font(24, bold=True))
    blank = np.full((tile_h, tile_w, 3), 236, np.uint8)

    def paste_row(y: int, tiles: list[np.ndarray | None]) -> None:
        for k, tile in enumerate(tiles):
            page.paste(Image.fromarray(tile if tile is not None else blank), (_LABEL_W + k * (tile_w + _GAP), y))

    y = _HEADER_H
    draw.text((_GAP * 2, y + tile_h / 2 - 10), "Bare lips", fill=_MUTED, font=caption_font(18))
    paste_row(y, [face.bare for face in sheet.faces])
    for k, face in enumerate(sheet.faces):
        label = face.path.stem if not face.problem else f"{face.path.stem}: no face found"
        draw.text((_LABEL_W + k * (tile_w + _GAP), y - 20), label[:28], fill=_MUTED, font=caption_font(13))
    section = None
    y += tile_h + _GAP
    for shade in rows:
        if (shade.brand, shade.collection) != section:  # a heading where a new collection starts
            section = (shade.brand, shade.collection)
            draw.line((_GAP * 2, y + _SECTION_H - 8, width - _GAP, y + _SECTION_H - 8), fill=(220, 214, 222), width=1)
            draw.text(
                (_GAP * 2, y + 10), f"{shade.brand} · {shade.collection}", fill=_INK, font=caption_font(17, bold=True)
            )
            y += _SECTION_H
        # The bullet chip beside the shade on the reference lips (catalog opacity, full intensity).
        swatch = Image.fromarray(chip_and_lips(shade, 1.0, _CHIP_PX))
        page.paste(swatch, (_GAP * 2, y + (tile_h - _CHIP_PX) // 2), swatch)
        name, details = _shade_label(shade)
        text_x = _GAP * 3 + swatch.width
        draw.text((text_x, y + tile_h / 2 - 24), name, fill=_INK, font=caption_font(19, bold=True))
        draw.text((text_x, y + tile_h / 2 + 4), details, fill=_MUTED, font=caption_font(13))
        paste_row(y, [face.tiles.get(shade.id) for face in sheet.faces])
        y += tile_h + _GAP
    return page


def sheet_title(catalogs: Sequence[Catalog]) -> str:
    parts = [f"{c.brand} · {c.collection}" + (f" {c.version}" if c.version else "") for c in catalogs]
    return (
        " + ".join(parts)
        if len(parts) <= 2
        else f"{len(parts)} collections, {sum(len(c.shades) for c in catalogs)} shades"
    )


def save_sheet(sheet: SheetResult, out: Path, *, title: str, fmt: str | None = None) -> Path:
    """Write the sheet as PNG (one image), PDF (pages of `_ROWS_PER_PDF_PAGE` shades) or HTML (one file).

    Raises:
        ImageError: unknown format, or a PNG too big to open (see `check_png_size`).
        OutputError: the file cannot be written.
    """
    out = Path(out)
    fmt = sheet_format(out, fmt)
    if fmt == "html":
        write_text(out, sheet_html(sheet, title))
        return out
    if fmt == "png":
        check_png_size(sheet.shades, len(sheet.faces), out)
    with atomic_path(out) as temp:
        try:
            if fmt == "png":
                _page(sheet, sheet.shades, title).save(temp, format="PNG", compress_level=3)
            else:
                pages = [
                    _page(sheet, sheet.shades[i : i + _ROWS_PER_PDF_PAGE], title)
                    for i in range(0, len(sheet.shades), _ROWS_PER_PDF_PAGE)
                ]
                pages[0].save(temp, format="PDF", save_all=True, append_images=pages[1:], resolution=150)
        except OSError as exc:
            raise OutputError(f"{out}: cannot write the sheet ({exc})") from None
    return out


def sheet_format(out: Path, fmt: str | None = None) -> str:
    """The sheet format: `fmt` if given, else from `out`'s suffix.

    Raises:
        ImageError: not one of `FORMATS`.
    """
    chosen = (fmt or Path(out).suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise ImageError(f"{out}: cannot write a sheet as {chosen!r}; use .png, .pdf or --format html")
    return chosen


def _data_uri(rgb: np.ndarray, fmt: str = "JPEG") -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format=fmt, quality=88)
    mime = "jpeg" if fmt == "JPEG" else "png"
    return f"data:image/{mime};base64,{base64.b64encode(buffer.getvalue()).decode()}"


def sheet_html(sheet: SheetResult, title: str) -> str:
    """A self-contained HTML page (pictures embedded as data URIs) of the sheet."""
    esc = html.escape
    head = "".join(f"<th>{esc(f.path.stem)}{' (no face found)' if f.problem else ''}</th>" for f in sheet.faces)

    def cell(tile: np.ndarray | None, alt: str) -> str:
        return f'<td><img src="{_data_uri(tile)}" alt="{esc(alt)}"></td>' if tile is not None else "<td></td>"

    bare = "".join(cell(f.bare, f"{f.path.stem}, bare lips") for f in sheet.faces)
    rows = []
    section = None
    for shade in sheet.shades:
        if (shade.brand, shade.collection) != section:
            section = (shade.brand, shade.collection)
            rows.append(
                f'<tr><th class="section" colspan="{len(sheet.faces) + 1}">{esc(shade.brand)} · '
                f"{esc(shade.collection)}</th></tr>"
            )
        name, details = _shade_label(shade)
        link = f'<a href="{esc(shade.url)}">{esc(name)}</a>' if shade.url else esc(name)
        swatch = f'<img class="chip" src="{_data_uri(chip_and_lips(shade, 1.0, 56), "PNG")}" alt="{esc(shade.color)}">'
        tiles = "".join(cell(f.tiles.get(shade.id), f"{f.path.stem}, {name}") for f in sheet.faces)
        rows.append(
            f'<tr id="{esc(shade.id)}"><th class="shade">{swatch}<b>{link}</b>'
            f"<small>{esc(details)}</small></th>{tiles}</tr>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; color: #28242a; margin: 24px; }}
table {{ border-collapse: separate; border-spacing: 6px; }}
th {{ font-weight: normal; color: #78727a; font-size: 13px; text-align: left; }}
th.shade {{ min-width: 300px; color: #28242a; font-size: 17px; }}
th.section {{ color: #28242a; font-size: 19px; font-weight: 600; padding-top: 18px; border-bottom: 1px solid #ddd; }}
th.shade small {{ display: block; color: #78727a; font-size: 12px; margin-left: 68px; }}
img.chip {{ float: left; width: 176px; height: 56px; margin-right: 12px; }}
td img {{ display: block; width: {TILE_WH[0]}px; height: {TILE_WH[1]}px; border-radius: 4px; }}
a {{ color: inherit; }}
</style></head><body>
<h1>{esc(title)}</h1>
<table><tr><th></th>{head}</tr>
<tr><th class="shade">Bare lips</th>{bare}</tr>
{chr(10).join(rows)}
</table></body></html>
"""
