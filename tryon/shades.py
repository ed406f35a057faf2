"""Lipstick shades and brand catalogs, loaded and validated from `assets/shades/*.json`.

A catalog file::

    {"brand": "Example Cosmetics", "collection": "Velvet 2027",
     "shades": [{"id": "velvet-ruby", "name": "Ruby Hour", "color": "#9B1B30",
                 "finish": "matte", "opacity": 0.85}]}

Per shade: `id` (lowercase letters, digits and dashes, unique across catalogs), `name`, `color`
(sRGB hex `#RRGGBB`), `finish` (one of `FINISHES`), optional `opacity` (0–1, default 0.8),
`gloss` (0–1, strength of highlights), `shimmer_color` (hex), `shimmer_density` (0–1), `tags`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tryon.errors import ShadeError

SHADES_DIR = Path(__file__).resolve().parent.parent / "assets" / "shades"
FINISHES = ("matte", "satin", "gloss", "sheer", "shimmer", "metallic")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SHADE_FIELDS = {"id", "name", "color", "finish", "opacity", "gloss", "shimmer_color", "shimmer_density", "tags"}
_CATALOG_FIELDS = {"brand", "collection", "shades"}
# Per-finish defaults for optional parameters a shade file may leave out.
_DEFAULT_GLOSS = {"matte": 0.0, "satin": 0.35, "gloss": 0.8, "sheer": 0.5, "shimmer": 0.45, "metallic": 0.6}


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """'#RRGGBB' → (r, g, b) ints in 0–255."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


@dataclass(frozen=True)
class Shade:
    """One lipstick shade. Colours are sRGB hex; amounts are in [0, 1]."""

    id: str
    name: str
    color: str
    finish: str
    opacity: float = 0.8
    gloss: float = 0.0
    shimmer_color: str = "#FFFFFF"
    shimmer_density: float = 0.0
    tags: tuple[str, ...] = ()
    brand: str = ""
    collection: str = ""

    def __post_init__(self) -> None:
        if not _HEX.match(self.color):
            raise ValueError(f"color must be '#RRGGBB', but got {self.color!r}")
        if self.finish not in FINISHES:
            raise ValueError(f"finish must be one of {FINISHES}, but got {self.finish!r}")
        for name in ("opacity", "gloss", "shimmer_density"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], but got {value}")

    @property
    def rgb(self) -> tuple[int, int, int]:
        """The shade colour as sRGB (r, g, b) in 0–255."""
        return hex_to_rgb(self.color)

    @property
    def shimmer_rgb(self) -> tuple[int, int, int]:
        return hex_to_rgb(self.shimmer_color)


@dataclass(frozen=True)
class Catalog:
    """A brand collection: the shades of one catalog file, in file order."""

    brand: str
    collection: str
    shades: tuple[Shade, ...] = field(repr=False)
    path: Path | None = None


def _problem(path: Path, where: str, field_name: str, message: str) -> ShadeError:
    return ShadeError(f"{path}: {where}: field '{field_name}' {message}")


def _check_unit(path: Path, where: str, raw: dict[str, Any], name: str, default: float) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _problem(path, where, name, f"must be a number between 0 and 1, but got {value!r}")
    if not 0.0 <= float(value) <= 1.0:
        raise _problem(path, where, name, f"must be between 0 and 1, but got {value!r}")
    return float(value)


def _check_text(path: Path, where: str, raw: dict[str, Any], name: str) -> str:
    if name not in raw:
        raise _problem(path, where, name, "is missing")
    value = raw[name]
    if not isinstance(value, str) or not value.strip():
        raise _problem(path, where, name, f"must be a non-empty string, but got {value!r}")
    return value.strip()


def _check_hex(path: Path, where: str, value: Any, name: str) -> str:
    if not isinstance(value, str) or not _HEX.match(value):
        raise _problem(path, where, name, f"must be an sRGB hex colour like '#9B1B30', but got {value!r}")
    return value.upper()


def _parse_shade(path: Path, index: int, raw: Any, brand: str, collection: str) -> Shade:
    where = f"shade #{index + 1}"
    if not isinstance(raw, dict):
        raise ShadeError(f"{path}: {where}: must be an object with id, name, color and finish, but got {raw!r}")
    if isinstance(raw.get("id"), str):
        where = f"shade '{raw['id']}'"
    unknown = sorted(set(raw) - _SHADE_FIELDS)
    if unknown:
        raise _problem(path, where, unknown[0], f"is not a shade field (known: {', '.join(sorted(_SHADE_FIELDS))})")
    shade_id = _check_text(path, where, raw, "id")
    if not _ID.match(shade_id):
        raise _problem(path, where, "id", f"must be lowercase letters, digits and dashes, but got {shade_id!r}")
    name = _check_text(path, where, raw, "name")
    if "color" not in raw:
        raise _problem(path, where, "color", "is missing")
    color = _check_hex(path, where, raw["color"], "color")
    finish = raw.get("finish")
    if finish not in FINISHES:
        raise _problem(path, where, "finish", f"must be one of {', '.join(FINISHES)}, but got {finish!r}")
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _problem(path, where, "tags", f"must be a list of strings, but got {tags!r}")
    return Shade(
        id=shade_id,
        name=name,
        color=color,
        finish=finish,
        opacity=_check_unit(path, where, raw, "opacity", 0.8),
        gloss=_check_unit(path, where, raw, "gloss", _DEFAULT_GLOSS[finish]),
        shimmer_color=_check_hex(path, where, raw.get("shimmer_color", "#FFFFFF"), "shimmer_color"),
        shimmer_density=_check_unit(
            path, where, raw, "shimmer_density", 0.5 if finish in ("shimmer", "metallic") else 0.0
        ),
        tags=tuple(tags),
        brand=brand,
        collection=collection,
    )


def load_catalog(path: Path) -> Catalog:
    """Load and validate one catalog file.

    Raises:
        ShadeError: naming the file, the shade and the field, with what is wrong.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ShadeError(f"{path}: shade catalog not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ShadeError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ShadeError(f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise ShadeError(f"{path}: top level must be an object with brand, collection and shades")
    unknown = sorted(set(raw) - _CATALOG_FIELDS)
    if unknown:
        raise _problem(path, "catalog", unknown[0], "is not a catalog field (known: brand, collection, shades)")
    brand = _check_text(path, "catalog", raw, "brand")
    collection = _check_text(path, "catalog", raw, "collection")
    shades_raw = raw.get("shades")
    if not isinstance(shades_raw, list) or not shades_raw:
        raise _problem(path, "catalog", "shades", f"must be a non-empty list of shades, but got {shades_raw!r}")
    shades = tuple(_parse_shade(path, i, s, brand, collection) for i, s in enumerate(shades_raw))
    seen: set[str] = set()
    for shade in shades:
        if shade.id in seen:
            raise _problem(path, f"shade '{shade.id}'", "id", "is used twice in this catalog; ids must be unique")
        seen.add(shade.id)
    return Catalog(brand=brand, collection=collection, shades=shades, path=path)


@dataclass(frozen=True)
class ShadeLibrary:
    """All catalogs that loaded from a folder, plus the errors of those that did not."""

    catalogs: tuple[Catalog, ...]
    errors: tuple[ShadeError, ...] = ()

    @property
    def shades(self) -> tuple[Shade, ...]:
        return tuple(s for c in self.catalogs for s in c.shades)

    def get(self, shade_id: str) -> Shade:
        """The shade with this id.

        Raises:
            ShadeError: no such shade (the message lists near matches).
        """
        for shade in self.shades:
            if shade.id == shade_id:
                return shade
        import difflib

        close = difflib.get_close_matches(shade_id, [s.id for s in self.shades], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `tryon shades` lists them"
        raise ShadeError(f"unknown shade id {shade_id!r}{hint}")


def load_library(folder: Path | None = None) -> ShadeLibrary:
    """Load every `*.json` catalog in `folder` (default `assets/shades/`), sorted by file name.

    A broken file is reported in `errors` and skipped; the others still load. A shade id used in
    two files is an error for the later file.
    """
    folder = SHADES_DIR if folder is None else Path(folder)
    if not folder.is_dir():
        raise ShadeError(f"{folder}: shade folder not found")
    catalogs: list[Catalog] = []
    errors: list[ShadeError] = []
    owners: dict[str, Path] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            catalog = load_catalog(path)
        except ShadeError as exc:
            errors.append(exc)
            continue
        clash = next((s.id for s in catalog.shades if s.id in owners), None)
        if clash is not None:
            errors.append(_problem(path, f"shade '{clash}'", "id", f"is already used in {owners[clash]}"))
            continue
        owners.update({s.id: path for s in catalog.shades})
        catalogs.append(catalog)
    return ShadeLibrary(catalogs=tuple(catalogs), errors=tuple(errors))
