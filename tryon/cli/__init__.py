"""`tryon` command line: render, mask, video, shades (and the app, eval and bench when installed)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tryon.errors import ImageError, SourceError, TryonError

if TYPE_CHECKING:
    from tryon.catalog.library import ShadeLibrary


def _intensity(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1")
    return value


def _library(args: argparse.Namespace) -> ShadeLibrary:
    from tryon.catalog.library import load_library

    library = load_library(*(args.catalog or ()))
    for error in library.errors:
        print(f"tryon: warning: skipped catalog: {error}", file=sys.stderr)
    return library


def _cmd_shades(args: argparse.Namespace) -> int:
    library = _library(args)
    for catalog in library.catalogs:
        print(f"{catalog.brand} — {catalog.collection}")
        for shade in catalog.shades:
            print(f"  {shade.id:<20} {shade.name:<22} {shade.color}  {shade.finish:<8} opacity {shade.opacity:.2f}")
    print(f"{len(library.shades)} shades in {len(library.catalogs)} catalogs")
    return 0 if library.catalogs else 1


def _catalog_paths(paths: Sequence[Path]) -> list[Path]:
    """Files and folders as catalog files (a folder's from `catalog_files`); missing files are kept, the
    checker reports them."""
    from tryon.catalog.library import catalog_files

    return [file for path in paths for file in (catalog_files(path) if path.is_dir() else [path])]


def _cmd_shades_check(args: argparse.Namespace) -> int:
    from tryon.catalog.library import ShadeIds, catalog_files, check_catalog

    files = _catalog_paths(args.paths)
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


def _cmd_shades_import(args: argparse.Namespace) -> int:
    from tryon.catalog.csv_import import catalog_json, import_csv

    data, checked = import_csv(
        args.csv, brand=args.brand, collection=args.collection, version=args.version, currency=args.currency
    )
    for problem in checked.problems:
        print(problem)
    if checked.errors:
        print(f"{args.csv}: {len(checked.errors)} error(s); nothing written", file=sys.stderr)
        return 1
    out = args.output or args.csv.with_suffix(".json")
    try:
        out.write_text(catalog_json(data), encoding="utf-8")
    except OSError as exc:
        raise TryonError(f"{out}: cannot write the catalog ({exc})") from None
    print(f"{out}: {len(data['shades'])} shades from {args.csv}")
    return 0


def _cmd_sheet(args: argparse.Namespace) -> int:
    from tryon.catalog.library import load_catalog
    from tryon.media.sheet import face_images, render_sheet, save_sheet, sheet_title

    catalogs = [load_catalog(path) for path in _catalog_paths(args.catalogs)]
    faces = face_images(args.faces)
    started = time.perf_counter()
    sheet = render_sheet(
        catalogs, faces, jobs=args.jobs, progress=lambda done, total: _progress(done, total, started, "tasks")
    )
    print(file=sys.stderr)
    for problem in sheet.problems:
        print(f"tryon: warning: {problem}", file=sys.stderr)
    out = save_sheet(sheet, args.output, title=sheet_title(catalogs), fmt=args.format)
    seconds = time.perf_counter() - started
    print(f"{out}: {len(sheet.shades)} shades × {len(faces)} faces in {seconds:.1f} s")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from tryon.engine.pipeline import Pipeline
    from tryon.media.compose import side_by_side
    from tryon.media.export import TryonMetadata, save_image
    from tryon.media.sources import read_image

    shade = _library(args).get(args.shade)
    frame = read_image(args.image)
    with Pipeline(mode="image") as pipeline:
        result = pipeline.process(frame, shade, intensity=args.intensity)
    if not result.faces_found:
        print(f"tryon: warning: no face found in {args.image}; saved it unchanged", file=sys.stderr)
    picture = side_by_side(frame, result.rendered) if args.compare else result.rendered
    save_image(args.output, picture, metadata=TryonMetadata.from_shade(shade, intensity=args.intensity))
    print(f"{args.output}: {shade.name} ({shade.finish}) on {len(result.faces)} face(s)")
    return 0


def _cmd_mask(args: argparse.Namespace) -> int:
    import numpy as np

    from tryon.engine.pipeline import Pipeline
    from tryon.media.export import save_image
    from tryon.media.sources import read_image

    frame = read_image(args.image)
    with Pipeline(mode="image") as pipeline:
        result = pipeline.process(frame, None)
    if args.output.suffix.lower() != ".png":
        raise ImageError(f"{args.output}: the mask must be saved as .png (8-bit, lossless)")
    alpha = np.zeros(frame.shape[:2], dtype=np.float32)
    for mask in result.masks:
        alpha = np.maximum(alpha, mask.full_frame(frame.shape[:2]))
    mask_u8 = np.round(alpha * 255).astype(np.uint8)
    save_image(args.output, np.repeat(mask_u8[..., None], 3, axis=2))
    if not result.faces_found:
        print(f"tryon: warning: no face found in {args.image}; the mask is empty", file=sys.stderr)
    print(f"{args.output}: lip mask of {len(result.faces)} face(s), {frame.shape[1]}x{frame.shape[0]}")
    return 0


def _progress(done: int, total: int, started: float, unit: str = "frames") -> None:
    width = 30
    share = done / total if total > 0 else 0.0
    bar = "#" * int(share * width)
    rate = done / max(1e-6, time.perf_counter() - started)
    total_text = str(total) if total > 0 else "?"
    print(f"\r[{bar:<{width}}] {done}/{total_text} {unit} {rate:5.1f}/s", end="", file=sys.stderr, flush=True)


def _cmd_video(args: argparse.Namespace) -> int:
    import cv2

    from tryon.engine.pipeline import Pipeline
    from tryon.media.sources import VideoFile

    shade = _library(args).get(args.shade)
    codecs = {".mp4": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}
    codec = codecs.get(args.output.suffix.lower())
    if codec is None:
        raise SourceError(f"{args.output}: cannot write video as {args.output.suffix!r}; use .mp4, .avi or .mkv")
    with VideoFile(args.input) as video, Pipeline(mode="video") as pipeline:
        writer = cv2.VideoWriter(str(args.output), cv2.VideoWriter.fourcc(*codec), video.fps, video.size_wh)
        if not writer.isOpened():
            raise SourceError(f"{args.output}: cannot open for writing")
        started = time.perf_counter()
        done = with_face = 0
        try:
            for timestamp_ms, frame in video:
                result = pipeline.process(frame, shade, intensity=args.intensity, timestamp_ms=timestamp_ms)
                writer.write(cv2.cvtColor(result.rendered, cv2.COLOR_RGB2BGR))
                done += 1
                with_face += result.faces_found
                if done % 5 == 0 or done == video.frame_count:
                    _progress(done, video.frame_count, started)
        finally:
            writer.release()
        print(file=sys.stderr)
    if done == 0:
        raise SourceError(f"{args.input}: the video has no readable frames")
    print(f"{args.output}: {done} frames, a face in {with_face}, {shade.name} ({shade.finish})")
    return 0


def _write_json(report: dict[str, Any], path: Path | None) -> None:
    import json

    text = json.dumps(report, indent=2)
    if path is not None:
        path.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)


def _cmd_eval(args: argparse.Namespace) -> int:
    from tryon.media.sources import read_image
    from tryon.quality.eval import evaluate, jitter

    if args.jitter is not None:
        jitter_report = jitter(read_image(args.jitter), frames=args.frames).to_json()
        print("  ".join(f"{k} {v:.3f}" for k, v in jitter_report.items()))
        _write_json(jitter_report, args.json)
        return 0
    if args.faces is None:
        raise TryonError("give --faces DIR (a folder with manifest.json) or --jitter IMAGE")
    report = evaluate(args.faces)
    print(f"{'face':<32} {'IoU':>6} {'BF':>6} {'teeth':>6} {'skin':>6} {'tex':>6}")

    def fmt(value: float | None) -> str:
        return "     -" if value is None else f"{value:6.3f}"

    for row in report.faces:
        print(
            f"{row.name[:32]:<32} {fmt(row.iou)} {fmt(row.boundary_f)} {fmt(row.teeth_spill)} "
            f"{fmt(row.skin_spill)} {fmt(row.texture_corr)}"
        )
    keys = (
        "n",
        "found",
        "mean_iou",
        "median_iou",
        "mean_boundary_f",
        "mean_teeth_spill",
        "mean_skin_spill",
        "mean_texture_corr",
    )
    summary = report.to_json()
    print("  ".join(f"{k} {summary[k]:.3f}" if isinstance(summary[k], float) else f"{k} {summary[k]}" for k in keys))
    _write_json(summary, args.json)
    if args.overlays is not None:
        from tryon.quality.eval import write_overlays

        paths = write_overlays(args.faces, [row.name for row in report.worst(args.worst)], args.overlays)
        print(
            f"wrote overlays of the {len(paths)} faces with the lowest IoU to {args.overlays} "
            "(green: lips in both masks, red: engine only, blue: human only; yellow: paint on the mouth)",
            file=sys.stderr,
        )
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    if args.gui:
        from ui.bench_gui import ensure_platform

        ensure_platform()
        from ui.bench_gui import run_gui_bench

        report = run_gui_bench(seconds=args.seconds, demo_fps=args.source_fps)
        for mode in ("live", "split", "compare"):
            row = report[mode]
            print(
                f"{mode:<8} {row['displayed_fps']:5.1f} fps  capture→display p50 {row['latency_ms_p50']:5.1f} ms"
                f"  p95 {row['latency_ms_p95']:5.1f} ms  dropped {row['dropped_frames']}"
                f"  UI stall max {row['ui_stall_ms_max']:.0f} ms"
            )
        _write_json(report, args.json)
        return 0
    from tryon.quality.bench import run_bench

    report = run_bench(frames=args.frames, repeats=args.repeats).to_json()
    for key in (
        "landmarks_ms_p50",
        "mask_ms_p50",
        "render_ms_p50",
        "naive_ms_p50",
        "render_vs_naive",
        "render_into_copy_vs_naive",
        "mask_plus_render_vs_naive",
        "pipeline_fps",
        "startup_ms",
        "peak_rss_mb",
    ):
        print(f"{key:<26} {report[key]:.2f}")
    _write_json(report, args.json)
    return 0


def _cmd_app(args: argparse.Namespace) -> int:
    from ui.app import run_app

    return run_app(source=args.source, catalog_dirs=args.catalog or ())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tryon", description="Real-time lipstick virtual try-on.")
    catalog_help = "extra shade catalog folder, besides assets/shades (repeatable)"
    parser.add_argument("--catalog", type=Path, action="append", help=catalog_help)
    # Also accepted after the command (`tryon app --catalog DIR`); SUPPRESS keeps one given before it.
    catalog_option = argparse.ArgumentParser(add_help=False)
    catalog_option.add_argument("--catalog", type=Path, action="append", default=argparse.SUPPRESS, help=catalog_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    shades = commands.add_parser(
        "shades", parents=[catalog_option], help="list the shades of every catalog; check or import catalogs"
    )
    shades.set_defaults(run=_cmd_shades)
    shade_actions = shades.add_subparsers(dest="action", metavar="ACTION")
    check = shade_actions.add_parser("check", help="validate catalog files or folders; print every problem")
    check.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    check.set_defaults(run=_cmd_shades_check)
    importer = shade_actions.add_parser("import", help="convert a brand spreadsheet (CSV) into a catalog file")
    importer.add_argument("csv", type=Path, metavar="FILE.csv")
    importer.add_argument("--brand", required=True)
    importer.add_argument("--collection", required=True)
    importer.add_argument("--version", required=True, help="catalog version, e.g. 2027.1")
    importer.add_argument("--currency", help="ISO 4217 code of the price column, e.g. EUR")
    importer.add_argument("-o", "--output", type=Path, help="catalog file to write (default: FILE.json)")
    importer.set_defaults(run=_cmd_shades_import)

    sheet = commands.add_parser(
        "sheet", parents=[catalog_option], help="swatch sheet: every shade of a catalog on every face of a folder"
    )
    sheet.add_argument("catalogs", type=Path, nargs="+", metavar="CATALOG", help="catalog file or folder")
    sheet.add_argument("--faces", type=Path, required=True, help="folder of face photos (or the eval layout)")
    sheet.add_argument("-o", "--output", type=Path, required=True, help="sheet.png, sheet.pdf or sheet.html")
    sheet.add_argument("--format", choices=("png", "pdf", "html"), help="default: from the output's suffix")
    sheet.add_argument("--jobs", type=int, default=None, help="processes (default: all cores)")
    sheet.set_defaults(run=_cmd_sheet)

    render = commands.add_parser("render", parents=[catalog_option], help="put a shade on the lips in a photo")
    render.add_argument("image", type=Path)
    render.add_argument("--shade", required=True, help="shade id (see `tryon shades`)")
    render.add_argument("--intensity", type=_intensity, default=1.0, help="0 to 1 (default 1)")
    render.add_argument("--compare", action="store_true", help="save before and after side by side")
    render.add_argument("-o", "--output", type=Path, required=True, help="output .png or .jpg")
    render.set_defaults(run=_cmd_render)

    mask = commands.add_parser("mask", parents=[catalog_option], help="write the lip alpha of a photo as an 8-bit PNG")
    mask.add_argument("image", type=Path)
    mask.add_argument("-o", "--output", type=Path, required=True)
    mask.set_defaults(run=_cmd_mask)

    video = commands.add_parser("video", parents=[catalog_option], help="put a shade on the lips in a video file")
    video.add_argument("input", type=Path)
    video.add_argument("--shade", required=True)
    video.add_argument("--intensity", type=_intensity, default=1.0)
    video.add_argument("-o", "--output", type=Path, required=True, help="output .mp4, .avi or .mkv")
    video.set_defaults(run=_cmd_video)

    evaluation = commands.add_parser(
        "eval", parents=[catalog_option], help="score lip masks and renders against human masks"
    )
    evaluation.add_argument("--faces", type=Path, help="folder with manifest.json (layout of shared/eval)")
    evaluation.add_argument("--jitter", type=Path, help="still image: landmark jitter over video-mode frames")
    evaluation.add_argument("--frames", type=int, default=300)
    evaluation.add_argument("--json", type=Path, help="write the report as JSON")
    evaluation.add_argument("--overlays", type=Path, help="write engine-vs-human pictures of the worst faces here")
    evaluation.add_argument("--worst", type=int, default=8, help="with --overlays: how many faces (lowest IoU)")
    evaluation.set_defaults(run=_cmd_eval)

    bench = commands.add_parser(
        "bench", parents=[catalog_option], help="time every stage (p50/p95) and compare with a naive blend"
    )
    bench.add_argument("--frames", type=int, default=120, help="frames per resolution through landmarks and pipeline")
    bench.add_argument("--repeats", type=int, default=200, help="timed calls of mask, render and the naive blend")
    bench.add_argument("--gui", action="store_true", help="measure the real window: displayed fps, capture→display ms")
    bench.add_argument("--seconds", type=float, default=10.0, help="with --gui: seconds measured per view mode")
    bench.add_argument(
        "--source-fps", type=float, default=60.0, help="with --gui: frame rate the demo face is offered at"
    )
    bench.add_argument("--json", type=Path)
    bench.set_defaults(run=_cmd_bench)

    app = commands.add_parser("app", parents=[catalog_option], help="open the desktop try-on app")
    app.add_argument("--source", default=None, help="camera index, video file or stream URL (default: camera 0)")
    app.set_defaults(run=_cmd_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tryon` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except TryonError as exc:
        print(f"tryon: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tryon: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
