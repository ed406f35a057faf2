"""Lipstick shades and brand catalogs, loaded from `assets/shades/*.json`.

The format is defined by `tryon/shade_catalog.schema.json` and documented in `docs/shades.md`;
`tryon.shade_format` validates it. A minimal catalog file::

    {"brand": "Example Cosmetics", "collection": "Velvet 2027",
     "shades": [{"id": "velvet-ruby", "name": "Ruby Hour", "color": "#9B1B30", "finish": "matte"}]}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tryon.errors import ShadeError
from tryon.shade_format import CheckedCatalog, Problem, check_catalog_text

SHADES_DIR = Path(__file__).resolve().parent.parent / "assets" / "shades"
FINISHES = ("matte", "satin", "gloss", "sheer", "shimmer", "metallic")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Per-finish defaults for optional parameters a shade file may leave out.
_DEFAULT_GLOSS = {"matte": 0.0, "satin": 0.35, "gloss": 0.8, "sheer": 0.5, "shimmer": 0.45, "metallic": 0.6}


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """'#RRGGBB' → (r, g, b) ints in 0–255."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


@dataclass(frozen=True)
class Ombre:
    """Two-tone lips: `inner_color` from the mouth line over `inner_ratio` of the lip depth, fading
    over `feather` (share of lip depth) into the shade's colour at the lip edge."""

    inner_color: str
    inner_ratio: float = 0.45
    feather: float = 0.5

    @property
    def inner_rgb(self) -> tuple[int, int, int]:
        return hex_to_rgb(self.inner_color)


@dataclass(frozen=True)
class Liner:
    """Lip liner along the outer lip edge, `width_mm` wide on real lips (a mouth is ~50 mm wide)."""

    color: str
    width_mm: float = 0.8

    @property
    def rgb(self) -> tuple[int, int, int]:
        return hex_to_rgb(self.color)


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
    shimmer_size: float = 1.0
    ombre: Ombre | None = None
    liner: Liner | None = None
    tags: tuple[str, ...] = ()
    sku: str | None = None
    url: str | None = None
    price: float | None = None
    currency: str | None = None
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
    format: int = 1
    version: str | None = None
    warnings: tuple[Problem, ...] = field(default=(), repr=False)


def shade_from_raw(raw: dict[str, Any], *, brand: str, collection: str, currency: str | None = None) -> Shade:
    """A `Shade` from a validated shade object, with per-finish defaults filled in."""
    finish = raw["finish"]
    ombre = raw.get("ombre")
    liner = raw.get("liner")
    return Shade(
        id=raw["id"],
        name=raw["name"].strip(),
        color=raw["color"].upper(),
        finish=finish,
        opacity=float(raw.get("opacity", 0.8)),
        gloss=float(raw.get("gloss", _DEFAULT_GLOSS[finish])),
        shimmer_color=raw.get("shimmer_color", "#FFFFFF").upper(),
        shimmer_density=float(raw.get("shimmer_density", 0.5 if finish in ("shimmer", "metallic") else 0.0)),
        shimmer_size=float(raw.get("shimmer_size", 1.0)),
        ombre=None
        if ombre is None
        else Ombre(ombre["inner_color"].upper(), **{k: float(v) for k, v in ombre.items() if k != "inner_color"}),
        liner=None if liner is None else Liner(liner["color"].upper(), float(liner.get("width_mm", 0.8))),
        tags=tuple(raw.get("tags", ())),
        sku=raw.get("sku"),
        url=raw.get("url"),
        price=None if raw.get("price") is None else float(raw["price"]),
        currency=currency,
        brand=brand,
        collection=collection,
    )


def check_catalog(path: Path) -> CheckedCatalog:
    """Every problem in one catalog file (unreadable file, invalid JSON, schema, rules, warnings)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return CheckedCatalog(None, (Problem(path, None, "file", None, "shade catalog not found"),))
    except (OSError, UnicodeDecodeError) as exc:
        return CheckedCatalog(None, (Problem(path, None, "file", None, f"cannot be read as UTF-8 text ({exc})"),))
    return check_catalog_text(text, path)


def catalog_from_checked(checked: CheckedCatalog, path: Path) -> Catalog:
    """The `Catalog` of a checked file.

    Raises:
        ShadeError: the file has errors; the message is the first one and how many more there are.
    """
    errors = checked.errors
    if errors or checked.raw is None:
        more = f" (and {len(errors) - 1} more: run `tryon shades check {path}`)" if len(errors) > 1 else ""
        raise ShadeError(f"{errors[0]}{more}")
    raw = checked.raw
    brand, collection = raw["brand"].strip(), raw["collection"].strip()
    shades = tuple(
        shade_from_raw(s, brand=brand, collection=collection, currency=raw.get("currency")) for s in raw["shades"]
    )
    return Catalog(
        brand=brand,
        collection=collection,
        shades=shades,
        path=path,
        format=raw.get("format", 1),
        version=raw.get("version"),
        warnings=checked.warnings,
    )


def load_catalog(path: Path) -> Catalog:
    """Load and validate one catalog file (warnings are kept in `Catalog.warnings`).

    Raises:
        ShadeError: naming the file, line, shade and field, with what is wrong.
    """
    path = Path(path)
    return catalog_from_checked(check_catalog(path), path)


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


def catalog_files(*folders: Path) -> list[Path]:
    """The `*.json` catalog files of `folders` (default: `assets/shades/`), each folder sorted by name.

    Raises:
        ShadeError: a folder does not exist.
    """
    files: list[Path] = []
    for folder in folders or (SHADES_DIR,):
        folder = Path(folder)
        if not folder.is_dir():
            raise ShadeError(f"{folder}: shade folder not found")
        files += sorted(folder.glob("*.json"))
    return files


def library_from_catalogs(loaded: list[Catalog | ShadeError]) -> ShadeLibrary:
    """Assemble a library from loaded catalogs (in order) and load errors; a shade id already used by
    an earlier catalog makes the later catalog an error."""
    catalogs: list[Catalog] = []
    errors: list[ShadeError] = []
    owners: dict[str, Path | None] = {}
    for item in loaded:
        if isinstance(item, ShadeError):
            errors.append(item)
            continue
        clash = next((s.id for s in item.shades if s.id in owners), None)
        if clash is not None:
            errors.append(
                ShadeError(
                    f"{item.path}: shade '{clash}': field 'id' is already used in {owners[clash]}; "
                    "ids must be unique across catalogs"
                )
            )
            continue
        owners.update({s.id: item.path for s in item.shades})
        catalogs.append(item)
    return ShadeLibrary(catalogs=tuple(catalogs), errors=tuple(errors))


def load_library(*folders: Path | None) -> ShadeLibrary:
    """Load every `*.json` catalog in `assets/shades/` and in any extra `folders`.

    A broken file is reported in `errors` and skipped; the others still load.
    """
    paths = catalog_files(SHADES_DIR, *(f for f in folders if f is not None and Path(f).resolve() != SHADES_DIR))
    loaded: list[Catalog | ShadeError] = []
    for path in paths:
        try:
            loaded.append(load_catalog(path))
        except ShadeError as exc:
            loaded.append(exc)
    return library_from_catalogs(loaded)
