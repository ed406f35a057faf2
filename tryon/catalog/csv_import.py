"""Brand spreadsheets (CSV) → catalog files, with the catalog checker's messages located by CSV row.

Columns (header row required, any order, names case-insensitive; empty cells mean "not given"):
`id`, `name`, `color`, `finish` (required); `opacity`, `gloss`, `shimmer_color`, `shimmer_density`,
`shimmer_size`, `ombre_inner_color`, `ombre_inner_ratio`, `ombre_feather`, `liner_color`,
`liner_width_mm`, `sku`, `url`, `price`, `tags` (separated by `;` or `|`). Comma, semicolon or tab
delimited; UTF-8 with or without BOM. See docs/shades.md.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from pathlib import Path
from typing import Any

from tryon.catalog.format import CURRENT_FORMAT, CheckedCatalog, Problem, check_catalog_data
from tryon.errors import ShadeError

NUMBER_COLUMNS = (
    "opacity",
    "gloss",
    "shimmer_density",
    "shimmer_size",
    "ombre_inner_ratio",
    "ombre_feather",
    "liner_width_mm",
    "price",
)
TEXT_COLUMNS = ("id", "name", "color", "finish", "shimmer_color", "ombre_inner_color", "liner_color", "sku", "url")
COLUMNS = (*TEXT_COLUMNS, *NUMBER_COLUMNS, "tags")
_NESTED = {"ombre_": "ombre", "liner_": "liner"}


def _number(text: str) -> float | str:
    """A cell as a number; decimal commas (European spreadsheets) are accepted. Unparseable text is
    returned unchanged so the checker reports it with the column name."""
    try:
        return float(text.replace(",", ".", 1) if "." not in text else text)
    except ValueError:
        return text


def _shade_from_row(row: dict[str, str]) -> dict[str, Any]:
    shade: dict[str, Any] = {}
    for column, cell in row.items():
        cell = (cell or "").strip()
        if not cell:
            continue
        value: Any = _number(cell) if column in NUMBER_COLUMNS else cell
        if column == "tags":
            value = [t.strip() for t in cell.replace("|", ";").split(";") if t.strip()]
        nested = next((group for prefix, group in _NESTED.items() if column.startswith(prefix)), None)
        if nested is not None:
            shade.setdefault(nested, {})[column.removeprefix(f"{nested}_")] = value
        else:
            shade[column] = value
    return shade


def import_csv(
    path: Path, *, brand: str, collection: str, version: str, currency: str | None = None
) -> tuple[dict[str, Any], CheckedCatalog]:
    """Read a brand spreadsheet into catalog data (format `CURRENT_FORMAT`) and check it.

    Problems name the CSV file and row. Unknown columns are errors with a "did you mean" hint.

    Raises:
        ShadeError: the file cannot be read or has no header row.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ShadeError(f"{path}: spreadsheet not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ShadeError(f"{path}: cannot be read as UTF-8 text ({exc}); save the sheet as 'CSV UTF-8'") from None
    if not text.strip():
        raise ShadeError(
            f"{path}: the spreadsheet is empty; the first row must name the columns ({', '.join(COLUMNS[:4])}, …)"
        )
    dialect = _dialect(text)
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    reader.fieldnames = header
    rows = list(reader)
    row_lines = _row_lines(text, dialect, len(rows))
    data: dict[str, Any] = {
        "format": CURRENT_FORMAT,
        "brand": brand,
        "collection": collection,
        "version": version,
        **({"currency": currency} if currency else {}),
        "shades": [_shade_from_row({k: v for k, v in row.items() if k}) for row in rows],
    }

    def line_of(index: int | None, field: str | None) -> int | None:
        return row_lines[index] if index is not None and index < len(row_lines) else 1

    checked = check_catalog_data(data, path, line_of)
    problems = list(checked.problems)
    for column in header:
        if column and column not in COLUMNS:
            close = difflib.get_close_matches(column, COLUMNS, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.insert(
                0, Problem(path, 1, "header", column, f"is not a known column; {hint}(known: {', '.join(COLUMNS)})")
            )
    if not rows:
        problems.append(Problem(path, 2, "sheet", None, "has a header row but no shades"))
    errors = any(p.severity == "error" for p in problems)
    return data, CheckedCatalog(None if errors else checked.raw, tuple(problems), checked.shade_ids)


class _Excel(csv.excel):
    """RFC 4180 as Excel and LibreOffice write it: `"` quotes, doubled `""` inside, any delimiter."""

    delimiter = ","


def _dialect(text: str, *, sample_rows: int = 50) -> type[csv.Dialect]:
    """RFC 4180 quoting with the delimiter (`,` `;` or tab) that splits the header and the first data rows
    into the same number of cells, the most cells winning (a delimiter inside a quoted name does not count)."""
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text), dialect=_Excel, delimiter=delimiter)
        try:
            widths = [len(row) for row, _ in zip(reader, range(sample_rows + 1), strict=False) if row]
        except csv.Error:
            continue
        if not widths:
            continue
        consistent = sum(width == widths[0] for width in widths)
        score = (consistent if widths[0] > 1 else 0, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return type("_Sheet", (_Excel,), {"delimiter": best})


def _row_lines(text: str, dialect: Any, count: int) -> list[int]:
    """The 1-based line where each data row starts (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text), dialect=dialect)
    next(reader, None)
    lines = []
    start = reader.line_num + 1
    for _ in range(count):
        if next(reader, None) is None:
            break
        lines.append(start)
        start = reader.line_num + 1
    return lines


def catalog_json(data: dict[str, Any]) -> str:
    """Catalog data as the shipped files are written: one shade per line."""
    head = {k: v for k, v in data.items() if k != "shades"}
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "shades": [')
    lines.append(",\n".join("    " + json.dumps(s, ensure_ascii=False) for s in data["shades"]))
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"
