#!/usr/bin/env bash
# Re-makes the real LibreOffice CSV exports the CSV-import tests read (Debian's libreoffice-calc):
#   brand-sheet.comma.csv      "Text CSV", UTF-8, comma, quote "  (filter options 44,34,76)
#   brand-sheet.semicolon.csv  the same with ; (59,34,76), as European locales export
#   formula-sheet.comma.csv    text cells that spreadsheets would run as formulas
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
out=$(mktemp -d)
soffice --headless --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1' --outdir "$out/comma" brand-sheet.fods formula-sheet.fods >/dev/null
soffice --headless --convert-to 'csv:Text - txt - csv (StarCalc):59,34,76,1' --outdir "$out/semicolon" brand-sheet.fods >/dev/null
cp "$out/comma/brand-sheet.csv" brand-sheet.comma.csv
cp "$out/comma/formula-sheet.csv" formula-sheet.comma.csv
cp "$out/semicolon/brand-sheet.csv" brand-sheet.semicolon.csv
rm -r "$out"
