"""CSV import on real spreadsheet exports (made by LibreOffice Calc: tests/data/csv/make_exports.sh)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tryon.cli import main

DATA = Path(__file__).resolve().parent.parent / "data" / "csv"
EXPECTED_NAMES = ['Rouge "Noir" Edition', "Crème brûlée, nude", "Rosé\nNuit d'été"]


def _import(csv_path: Path, out: Path) -> int:
    argv = ["shades", "import", str(csv_path), "--brand", "Lumière Lab", "--collection", "Export", "--version", "1"]
    return main([*argv, "-o", str(out)])


@pytest.mark.parametrize("export", ["brand-sheet.comma.csv", "brand-sheet.semicolon.csv"])
def test_libreoffice_exports_import_exactly(export: str, tmp_path: Path) -> None:
    out = tmp_path / "catalog.json"
    assert _import(DATA / export, out) == 0
    catalog = json.loads(out.read_text(encoding="utf-8"))
    shades = catalog["shades"]
    assert [shade["name"] for shade in shades] == EXPECTED_NAMES  # doubled quotes, commas, a newline, accents
    assert [shade.get("sku") for shade in shades] == ["RN-01", "CB; 02", '"RN-03"']
    assert [shade.get("opacity") for shade in shades] == [0.85, 0.7, None]  # an empty cell is "not given"
    assert catalog["brand"] == "Lumière Lab"


def test_excel_style_bom_and_crlf_import_the_same(tmp_path: Path) -> None:
    # Excel's "CSV UTF-8" differs from LibreOffice's export by a byte-order mark and CRLF line ends.
    text = (DATA / "brand-sheet.comma.csv").read_text(encoding="utf-8")
    excel = tmp_path / "excel.csv"
    excel.write_bytes("\ufeff".encode() + text.replace("\r\n", "\n").replace("\n", "\r\n").encode())
    out = tmp_path / "catalog.json"
    assert _import(excel, out) == 0
    names = [shade["name"] for shade in json.loads(out.read_text(encoding="utf-8"))["shades"]]
    assert names == EXPECTED_NAMES  # the BOM is dropped, line ends (in a quoted cell too) read as "\n"


def test_formula_cells_are_refused_with_row_and_column(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "catalog.json"
    assert _import(DATA / "formula-sheet.comma.csv", out) == 1
    printed = capsys.readouterr()
    lines = [line for line in printed.out.splitlines() if "formula" in line]
    assert lines == [
        f"{DATA / 'formula-sheet.comma.csv'}:2: shade 'lo-rouge-noir': field 'sku' starts with '=', which "
        "spreadsheets run as a formula; remove the leading character",
        f"{DATA / 'formula-sheet.comma.csv'}:3: shade 'lo-creme-brulee': field 'name' starts with '=', which "
        "spreadsheets run as a formula; remove the leading character",
    ]
    assert "nothing written" in printed.err
    assert not out.exists()
