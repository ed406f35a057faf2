"""What the `tryon` commands share: the shade library, catalog paths, a progress line, JSON reports."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tryon.catalog.library import ShadeLibrary


def intensity_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1")
    return value


def shade_library(args: argparse.Namespace) -> ShadeLibrary:
    from tryon.catalog.library import load_library

    library = load_library(*(args.catalog or ()))
    for error in library.errors:
        print(f"tryon: warning: skipped catalog: {error}", file=sys.stderr)
    return library


def catalog_paths(paths: Sequence[Path]) -> list[Path]:
    """Files and folders as catalog files (a folder's from `catalog_files`); missing files are kept, the
    checker reports them."""
    from tryon.catalog.library import catalog_files

    return [file for path in paths for file in (catalog_files(path) if path.is_dir() else [path])]


def progress(done: int, total: int, started: float, unit: str = "frames") -> None:
    width = 30
    share = done / total if total > 0 else 0.0
    bar = "#" * int(share * width)
    rate = done / max(1e-6, time.perf_counter() - started)
    total_text = str(total) if total > 0 else "?"
    print(f"\r[{bar:<{width}}] {done}/{total_text} {unit} {rate:5.1f}/s", end="", file=sys.stderr, flush=True)


def write_json(report: dict[str, Any], path: Path | None) -> None:
    text = json.dumps(report, indent=2)
    if path is not None:
        path.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
