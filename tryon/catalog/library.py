"""Loading shade catalogs: one file (`load_catalog`), the shipped folder plus brand folders (`load_library`),
the catalog files of folders (`catalog_files`) and the one rule that spans files: shade ids are unique.

The format is defined by `tryon/catalog/shade_catalog.schema.json` and documented in `docs/shades.md`;
`tryon.catalog.format` validates it. A minimal catalog file::

    {"brand": "Example Cosmetics", "collection": "Velvet 2027",
     "shades": [{"id": "velvet-ruby", "name": "Ruby Hour", "color": "#9B1B30", "finish": "matte"}]}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tryon.catalog.finishes import finish_of
from tryon.catalog.format import CheckedCatalog, Problem, check_catalog_text
from tryon.catalog.model import Catalog, Liner, Ombre, Shade
from tryon.errors import ShadeError
from tryon.resources import bundled_path

SHADES_DIR = bundled_path("assets/shades")


def shade_from_raw(raw: dict[str, Any], *, brand: str, collection: str, currency: str | None = None) -> Shade:
    """A `Shade` from a validated shade object, with per-finish defaults filled in."""
    finish = raw["finish"]
    defaults = finish_of(finish)
    ombre = raw.get("ombre")
    liner = raw.get("liner")
    return Shade(
        id=raw["id"],
        name=raw["name"].strip(),
        color=raw["color"].upper(),
        finish=finish,
        opacity=float(raw.get("opacity", 0.8)),
        gloss=float(raw.get("gloss", defaults.default_gloss)),
        shimmer_color=raw.get("shimmer_color", "#FFFFFF").upper(),
        shimmer_density=float(raw.get("shimmer_density", defaults.default_shimmer_density)),
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


class ShadeIds:
    """The rule that spans catalog files: a shade id is unique across every catalog Tryon loads.
    The first file to use an id owns it; a later file using it gets a located problem."""

    def __init__(self) -> None:
        self._owners: dict[str, Path | None] = {}

    def clashes(self, path: Path | None, shade_ids: Iterable[tuple[str, int | None]]) -> list[Problem]:
        """A problem for each of `path`'s (id, line) pairs that an earlier file owns (nothing is recorded)."""
        return [
            Problem(
                Path(str(path)),
                line,
                f"shade '{shade_id}'",
                "id",
                f"is already used in {self._owners[shade_id]}; ids must be unique across all catalogs",
            )
            for shade_id, line in shade_ids
            if shade_id in self._owners and self._owners[shade_id] != path
        ]

    def claim(self, path: Path | None, shade_ids: Iterable[tuple[str, int | None]]) -> None:
        """Record `path` as the owner of those of its ids nobody owns yet."""
        for shade_id, _ in shade_ids:
            self._owners.setdefault(shade_id, path)


def library_from_catalogs(loaded: list[Catalog | ShadeError]) -> ShadeLibrary:
    """Assemble a library from loaded catalogs (in order) and load errors. A shade whose id an earlier
    catalog already uses is left out (an error names it); the catalog's other shades stay."""
    catalogs: list[Catalog] = []
    errors: list[ShadeError] = []
    ids = ShadeIds()
    for item in loaded:
        if isinstance(item, ShadeError):
            errors.append(item)
            continue
        own_ids = [(shade.id, None) for shade in item.shades]
        clashes = ids.clashes(item.path, own_ids)
        errors += [ShadeError(f"{clash}; this shade is left out") for clash in clashes]
        ids.claim(item.path, own_ids)
        clashing = {clash.where for clash in clashes}
        kept = tuple(shade for shade in item.shades if f"shade '{shade.id}'" not in clashing)
        if kept:
            catalogs.append(item if len(kept) == len(item.shades) else replace(item, shades=kept))
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
