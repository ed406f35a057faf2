"""What the `tryon` commands share: the shade library, catalog paths, a progress line, JSON reports."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tryon.files import write_text

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
    """Write `report` to `path` (atomically; the path was checked with `check_output` before the work)."""
    if path is not None:
        write_text(path, json.dumps(report, indent=2) + "\n")
        print(f"wrote {path}", file=sys.stderr)


def int_in_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in [`low`, `high`] (no upper bound when `high` is None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{text!r} must be {bounds}")
        return value

    return parse
