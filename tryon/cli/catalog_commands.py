"""`tryon shades`, `shades check`, `shades import`, `sheet`: the brand tools."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from tryon.cli.common import catalog_paths, progress, shade_library
from tryon.errors import TryonError
from tryon.files import check_output, write_text


def cmd_shades(args: argparse.Namespace) -> int:
    library = shade_library(args)
    for catalog in library.catalogs:
        print(f"{catalog.brand} — {catalog.collection}")
        for shade in catalog.shades:
            print(f"  {shade.id:<20} {shade.name:<22} {shade.color}  {shade.finish:<8} opacity {shade.opacity:.2f}")
    print(f"{len(library.shades)} shades in {len(library.catalogs)} catalogs")
    return 0 if library.catalogs else 1


def cmd_shades_check(args: argparse.Namespace) -> int:
    from tryon.catalog.library import ShadeIds, catalog_files, check_catalog

    files = catalog_paths(args.paths)
    if not files:
        raise TryonError(f"no catalog files (*.json) in {', '.join(map(str, args.paths))}")
    ids = ShadeIds()
    checked_set = {f.resolve() for f in files}
    for shipped in catalog_files():  # ids must be unique across every catalog Tryon loads
        if shipped.resolve() not in checked_set:
            ids.claim(shipped, check_catalog(shipped).shade_ids)
    errors = warnings = shades = 0
    for path in files:
        checked = check_catalog(path)
        shades += len((checked.raw or {}).get("shades", []))
        # ids clash across files even when a file has other errors
        problems = [*checked.problems, *ids.clashes(path, checked.shade_ids)]
        ids.claim(path, checked.shade_ids)
        problems.sort(key=lambda p: p.line or 0)
        for problem in problems:
            print(problem)
        errors += sum(p.severity == "error" for p in problems)
        warnings += sum(p.severity == "warning" for p in problems)
        if not problems:
            print(f"{path}: ok, {len((checked.raw or {}).get('shades', []))} shades")
    print(f"checked {len(files)} file(s), {shades} shade(s): {errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


def cmd_shades_import(args: argparse.Namespace) -> int:
    from tryon.catalog.csv_import import catalog_json, import_csv
    from tryon.catalog.library import ShadeIds

    out = check_output(args.output or args.csv.with_suffix(".json"), suffixes=(".json",), inputs=[args.csv])
    data, checked = import_csv(
        args.csv, brand=args.brand, collection=args.collection, version=args.version, currency=args.currency
    )
    ids = ShadeIds()  # ids must be unique across every catalog Tryon loads: refuse one already taken
    for catalog in shade_library(args).catalogs:
        ids.claim(catalog.path, [(shade.id, None) for shade in catalog.shades])
    problems = [*checked.problems, *ids.clashes(out, checked.shade_ids)]
    problems = [replace(p, path=args.csv) for p in problems]
    for problem in problems:
        print(problem)
    errors = sum(problem.severity == "error" for problem in problems)
    if errors:
        print(f"{args.csv}: {errors} error(s); nothing written", file=sys.stderr)
        return 1
    write_text(out, catalog_json(data))
    print(f"{out}: {len(data['shades'])} shades from {args.csv}")
    return 0


def cmd_sheet(args: argparse.Namespace) -> int:
    from tryon.catalog.library import load_catalog
    from tryon.media.sheet import check_png_size, face_images, render_sheet, save_sheet, sheet_format, sheet_title

    fmt = sheet_format(args.output, args.format)
    check_output(args.output)
    catalogs = [load_catalog(path) for path in catalog_paths(args.catalogs)]
    faces = face_images(args.faces)
    if fmt == "png":
        check_png_size([shade for catalog in catalogs for shade in catalog.shades], len(faces), args.output)
    started = time.perf_counter()
    sheet = render_sheet(
        catalogs, faces, jobs=args.jobs, progress=lambda done, total: progress(done, total, started, "tasks")
    )
    print(file=sys.stderr)
    for problem in sheet.problems:
        print(f"tryon: warning: {problem}", file=sys.stderr)
    out = save_sheet(sheet, args.output, title=sheet_title(catalogs), fmt=fmt)
    seconds = time.perf_counter() - started
    print(f"{out}: {len(sheet.shades)} shades × {len(faces)} faces in {seconds:.1f} s")
    return 0
