"""`tryon web build`: the static folder for a brand's own pages (tryon.web.site)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tryon.cli.common import catalog_paths
from tryon.errors import TryonError


def cmd_web_build(args: argparse.Namespace) -> int:
    from tryon.catalog.library import ShadeIds, catalog_files, check_catalog, load_catalog
    from tryon.web.site import build_site

    out: Path = args.out_dir
    if out.exists() and not out.is_dir():
        raise TryonError(f"{out}: is a file; tryon web build writes a folder")
    if args.events_url is not None and not args.events_url.startswith(("https://", "http://", "/")):
        raise TryonError(f"--events-url {args.events_url!r}: give an http(s):// URL or a path on the same host")
    files = catalog_paths(args.catalog) if args.catalog else catalog_files()
    if not files:
        raise TryonError(f"no catalog files (*.json) in {', '.join(map(str, args.catalog))}")
    # The same checker and messages as `tryon shades check`; one error and nothing is written.
    ids = ShadeIds()
    errors = 0
    for path in files:
        checked = check_catalog(path)
        problems = sorted([*checked.problems, *ids.clashes(path, checked.shade_ids)], key=lambda p: p.line or 0)
        ids.claim(path, checked.shade_ids)
        for problem in problems:
            print(problem, file=sys.stderr)
        errors += sum(p.severity == "error" for p in problems)
    if errors:
        raise TryonError(f"{errors} error(s) in the catalogs (listed above); nothing was built")
    shades = [shade for path in files for shade in load_catalog(path).shades]
    site = build_site(out, shades, events_url=args.events_url, base_url=args.base_url)
    print(
        f"wrote {site.folder}: {len(shades)} shades from {len(files)} catalog(s), {site.files} files,"
        f" {site.bytes / 1e6:.1f} MB; assets in {site.assets}/ (cache forever); serve with the headers in _headers"
    )
    return 0
