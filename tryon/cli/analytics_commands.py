"""`tryon report` and `tryon analytics simulate|export|purge`: the brand report and the event store's upkeep."""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tryon.cli.common import int_in_range
from tryon.errors import TryonError
from tryon.files import check_output, write_text

if TYPE_CHECKING:
    from tryon.analytics.store import Store


def db_url(text: str) -> str:
    """A database URL, or a path to an SQLite file."""
    from tryon.analytics.store import url_of

    return url_of(text)


def date_arg(text: str) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from None
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)


def _store(args: argparse.Namespace, *, creates: bool = False, writes: bool = False) -> Store:
    """The database of `--db`: only a command that `creates` events may start a new one; one that only reads opens
    a file this user may not write read-only."""
    from tryon.analytics.store import open_store

    return open_store(args.db, must_exist=not creates, writes=creates or writes)


def _database_file(args: argparse.Namespace) -> list[Path]:
    """The SQLite file `--db` names (as an input no output may overwrite)."""
    from tryon.analytics.store import default_url, sqlite_path

    path = sqlite_path(args.db or default_url())
    return [] if path is None else [path]


def cmd_report(args: argparse.Namespace) -> int:
    from tryon.analytics.report import build_report, render_csv, render_html

    check_output(args.output, suffixes=(".html", ".htm"), inputs=_database_file(args))
    if args.csv is not None:
        check_output(args.csv, suffixes=(".csv",), inputs=_database_file(args))
    store = _store(args)
    try:
        started = time.perf_counter()
        report = build_report(store, since=args.since, catalog=args.catalog)
        coverage = _depth_coverage(args)
        write_text(args.output, render_html(report, coverage))
        if args.csv is not None:
            write_text(args.csv, render_csv(report))
    finally:
        store.close()
    flag = f" ({report.simulated_events:,} simulated)" if report.simulated_events else ""
    seconds = time.perf_counter() - started
    print(f"{args.output}: {len(report.shades)} shades from {report.events:,} events{flag} in {seconds:.1f} s")
    served = ", ".join(f"{group} {nude}/{faces}" for group, faces, nude, _ in coverage)
    print(f"  skin depths with a fitting nude (reference faces): {served}")
    return 0


def _depth_coverage(args: argparse.Namespace) -> list[tuple[str, int, int, int]]:
    """The skin-depth table of the report: the installed catalogs (only --catalog's when given)."""
    from tryon.advisor.coverage import depth_coverage
    from tryon.advisor.recommend import LipsReference
    from tryon.analytics.simulate import catalog_id
    from tryon.catalog.library import load_library
    from tryon.media.swatch import on_lips_lab, reference_lip_lab

    library = load_library()
    catalogs = [c for c in library.catalogs if args.catalog is None or catalog_id(c) == args.catalog]
    shades = [shade for catalog in catalogs for shade in catalog.shades]
    coverage = depth_coverage(shades, LipsReference(on_lips_lab, reference_lip_lab()))
    return [(c.group, c.faces, c.with_nude, c.with_natural) for c in coverage]


def cmd_simulate(args: argparse.Namespace) -> int:
    from tryon.analytics.events import utc_now
    from tryon.analytics.simulate import catalog_versions, simulate
    from tryon.cli.common import shade_library

    library = shade_library(args)
    store = _store(args, creates=True)
    try:
        store.record_catalogs(catalog_versions(library.catalogs), utc_now() - datetime.timedelta(days=60))
        started = time.perf_counter()
        batch, written = [], 0
        for event in simulate(library.catalogs, args.events, args.seed):
            batch.append(event)
            if len(batch) == 10_000:
                store.add(batch)
                written += len(batch)
                batch = []
        store.add(batch)
        written += len(batch)
        seconds = time.perf_counter() - started
    finally:
        store.close()
    print(f"{written:,} simulated events (seed {args.seed}) in {seconds:.1f} s, {written / seconds:,.0f} events/s")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.output is not None:
        check_output(args.output, suffixes=(".csv",), inputs=_database_file(args))
    store = _store(args)
    try:
        text = store.export_csv(args.since)
    finally:
        store.close()
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_text(args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from tryon.analytics.events import utc_now

    if sum((args.simulated, args.before is not None, args.older_than_days is not None)) != 1:
        raise TryonError("say what to delete, one of: --before DATE, --older-than-days N, --simulated")
    store = _store(args, writes=True)
    try:
        if args.simulated:
            deleted = store.delete_simulated()
        else:
            cutoff = args.before or utc_now() - datetime.timedelta(days=args.older_than_days)
            deleted = store.delete_before(cutoff)
    finally:
        store.close()
    print(f"deleted {deleted:,} events")
    return 0


def add_commands(commands: argparse._SubParsersAction, catalog_option: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    db_help = "database: an SQLite file or a postgresql+psycopg:// URL (default: this user's analytics file)"
    report = commands.add_parser("report", help="the brand report: which shades get tried, kept and shared (HTML)")
    report.add_argument("--db", type=db_url, help=db_help)
    report.add_argument("--since", type=date_arg, help="only events on or after this day (YYYY-MM-DD, UTC)")
    report.add_argument("--catalog", help='only this catalog ("Brand / Collection")')
    report.add_argument("-o", "--output", type=Path, required=True, help="report.html")
    report.add_argument("--csv", type=Path, help="also the per-shade table as CSV")
    report.set_defaults(run=cmd_report)

    analytics = commands.add_parser("analytics", help="the event store: simulate, export, purge")
    actions = analytics.add_subparsers(dest="action", required=True, metavar="ACTION")
    simulate = actions.add_parser("simulate", parents=[catalog_option], help="add seeded simulated sessions (marked)")
    simulate.add_argument("--db", type=db_url, help=db_help)
    simulate.add_argument(
        "--events", type=int_in_range(1, 100_000_000), required=True, help="about how many events (1 to 100 million)"
    )
    simulate.add_argument("--seed", type=int_in_range(0, 2**32 - 1), default=1, help="0 to 2³²−1 (default 1)")
    simulate.set_defaults(run=cmd_simulate)
    export = actions.add_parser("export", help="every event as CSV (spreadsheet-safe)")
    export.add_argument("--db", type=db_url, help=db_help)
    export.add_argument("--since", type=date_arg)
    export.add_argument("-o", "--output", type=Path, help="events.csv (default: standard output)")
    export.set_defaults(run=cmd_export)
    purge = actions.add_parser("purge", help="delete events: older than a day or an age, or the simulated ones")
    purge.add_argument("--db", type=db_url, help=db_help)
    purge.add_argument("--before", type=date_arg)
    purge.add_argument(
        "--older-than-days", type=int_in_range(1, 36_500), help="delete events older than this many days (1–36500)"
    )
    purge.add_argument("--simulated", action="store_true")
    purge.set_defaults(run=cmd_purge)
