"""The `tryon` command: parser and entry point. The commands live in `catalog_commands`, `picture_commands`
and `measure_commands`; this package is the one place in `tryon` that may reach the Qt app (`ui`)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from tryon import interrupts

# Run as the program (`tryon`, `python -m tryon.cli`; not imported by tests or other code): a stop request from
# here on is held until `main` can raise it where it unwinds, even while the commands below are being imported.
if sys.argv[:1] == ["-m"] or Path(sys.argv[0]).name == "tryon":
    interrupts.hold_from_start()

from tryon.cli import (  # noqa: E402 - after the hold above, on purpose
    advice_commands,
    analytics_commands,
    catalog_commands,
    measure_commands,
    picture_commands,
    serve_commands,
    web_commands,
)
from tryon.cli.common import int_in_range, intensity_arg
from tryon.errors import TryonError


def _cmd_app(args: argparse.Namespace) -> int:
    from tryon.calibration import load_calibration

    if args.true_colours and args.calibration is None:
        raise TryonError("--true-colours needs --calibration FILE (made by `tryon calibrate`)")
    calibration = load_calibration(args.calibration) if args.calibration else None
    from ui.app import run_app

    return run_app(
        source=args.source, catalog_dirs=args.catalog or (), calibration=calibration, true_colours=args.true_colours
    )


def _cmd_kiosk(args: argparse.Namespace) -> int:
    from ui.kiosk.config import load_config

    config = load_config(args.config)  # a bad key or value stops here, in one line, before any window
    from ui.kiosk.app import run_kiosk

    return run_kiosk(config)


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
    shades.set_defaults(run=catalog_commands.cmd_shades)
    shade_actions = shades.add_subparsers(dest="action", metavar="ACTION")
    check = shade_actions.add_parser("check", help="validate catalog files or folders; print every problem")
    check.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    check.set_defaults(run=catalog_commands.cmd_shades_check)
    importer = shade_actions.add_parser("import", help="convert a brand spreadsheet (CSV) into a catalog file")
    importer.add_argument("csv", type=Path, metavar="FILE.csv")
    importer.add_argument("--brand", required=True)
    importer.add_argument("--collection", required=True)
    importer.add_argument("--version", required=True, help="catalog version, e.g. 2027.1")
    importer.add_argument("--currency", help="ISO 4217 code of the price column, e.g. EUR")
    importer.add_argument("-o", "--output", type=Path, help="catalog file to write (default: FILE.json)")
    importer.set_defaults(run=catalog_commands.cmd_shades_import)

    sheet = commands.add_parser(
        "sheet", parents=[catalog_option], help="swatch sheet: every shade of a catalog on every face of a folder"
    )
    sheet.add_argument("catalogs", type=Path, nargs="+", metavar="CATALOG", help="catalog file or folder")
    sheet.add_argument("--faces", type=Path, required=True, help="folder of face photos (or the eval layout)")
    sheet.add_argument("-o", "--output", type=Path, required=True, help="sheet.png, sheet.pdf or sheet.html")
    sheet.add_argument("--format", choices=("png", "pdf", "html"), help="default: from the output's suffix")
    sheet.add_argument(
        "--jobs",
        type=int_in_range(1, os.cpu_count() or 1),
        default=None,
        help="processes, 1 to the cores (default: all)",
    )
    sheet.set_defaults(run=catalog_commands.cmd_sheet)

    render = commands.add_parser("render", parents=[catalog_option], help="put a shade on the lips in a photo")
    render.add_argument("image", type=Path)
    render.add_argument("--shade", required=True, help="shade id (see `tryon shades`)")
    render.add_argument("--intensity", type=intensity_arg, default=1.0, help="0 to 1 (default 1)")
    render.add_argument("--compare", action="store_true", help="save before and after side by side")
    render.add_argument(
        "--calibration", type=Path, help="the camera's colour calibration: correct the photo to true colours first"
    )
    render.add_argument("-o", "--output", type=Path, required=True, help="output .png or .jpg")
    render.set_defaults(run=picture_commands.cmd_render)

    mask = commands.add_parser("mask", parents=[catalog_option], help="write the lip alpha of a photo as an 8-bit PNG")
    mask.add_argument("image", type=Path)
    mask.add_argument("-o", "--output", type=Path, required=True)
    mask.set_defaults(run=picture_commands.cmd_mask)

    video = commands.add_parser("video", parents=[catalog_option], help="put a shade on the lips in a video file")
    video.add_argument("input", type=Path)
    video.add_argument("--shade", required=True)
    video.add_argument("--intensity", type=intensity_arg, default=1.0)
    video.add_argument("-o", "--output", type=Path, required=True, help="output .mp4, .avi or .mkv")
    video.set_defaults(run=picture_commands.cmd_video)

    evaluation = commands.add_parser(
        "eval", parents=[catalog_option], help="score lip masks and renders against human masks"
    )
    evaluation.add_argument("--faces", type=Path, help="folder with manifest.json (layout of shared/eval)")
    evaluation.add_argument("--jitter", type=Path, help="still image: landmark jitter over video-mode frames")
    evaluation.add_argument("--frames", type=int_in_range(2), default=300, help="with --jitter: frames to run")
    evaluation.add_argument(
        "--motion",
        action="store_true",
        help="instead: lip error on moving faces (slides, rolls, zooms) and how soon lipstick appears; "
        "the demo face, plus up to --max-faces of --faces DIR",
    )
    evaluation.add_argument(
        "--tones", type=Path, help="instead: the advisor's skin reading per skin-tone group (a folder with groups.csv)"
    )
    evaluation.add_argument(
        "--browser",
        action="store_true",
        help="with --motion: also the in-browser engine (headless Chromium): how soon it paints faces 100-300 px wide,"
        " and its lips' error on a face sliding at 240 and 400 px/s",
    )
    evaluation.add_argument("--max-faces", type=int_in_range(0, 100), default=4, help="with --motion (default 4)")
    evaluation.add_argument("--seconds", type=float, default=4.0, help="with --motion: seconds per motion")
    evaluation.add_argument("--json", type=Path, help="write the report as JSON")
    evaluation.add_argument("--overlays", type=Path, help="write engine-vs-human pictures of the worst faces here")
    evaluation.add_argument("--worst", type=int, default=8, help="with --overlays: how many faces (lowest IoU)")
    evaluation.set_defaults(run=measure_commands.cmd_eval)

    bench = commands.add_parser(
        "bench", parents=[catalog_option], help="time every stage (p50/p95) and compare with a naive blend"
    )
    bench.add_argument(
        "--frames",
        type=int_in_range(10),  # the first 5 frames warm up and are not counted
        default=120,
        help="frames per resolution through landmarks and pipeline (at least 10)",
    )
    bench.add_argument(
        "--repeats", type=int_in_range(1), default=200, help="timed calls of mask, render and the naive blend"
    )
    bench.add_argument("--gui", action="store_true", help="measure the real window: displayed fps, capture→display ms")
    bench.add_argument(
        "--analytics", action="store_true", help="with --gui: run with event recording off, then on (shades changing)"
    )
    bench.add_argument(
        "--seconds", type=float, default=10.0, help="with --gui, --phones or --browser: seconds measured"
    )
    bench.add_argument(
        "--source-fps", type=float, default=60.0, help="with --gui: frame rate the demo face is offered at"
    )
    bench.add_argument(
        "--catalog-sizes",
        type=lambda text: [int_in_range(1)(part) for part in text.split(",")],
        help="instead: check and load generated catalogs of these shade counts, e.g. 1000,10000,50000",
    )
    bench.add_argument(
        "--far-faces", action="store_true", help="instead: far-face detectors (cascade vs BlazeFace) on --faces DIR"
    )
    bench.add_argument("--faces", type=Path, help="with --far-faces: folder with manifest.json (layout of shared/eval)")
    bench.add_argument(
        "--soak", type=int_in_range(1000), help="instead: run the kiosk pipeline this many frames and sample memory"
    )
    bench.add_argument(
        "--phones", type=int_in_range(1, 16), help="instead: this many simulated phones stream to tryon serve"
    )
    bench.add_argument(
        "--transport", choices=("websocket", "webrtc"), default="websocket", help="with --phones: how frames travel"
    )
    bench.add_argument(
        "--browser",
        action="store_true",
        help="instead: the phone page's in-browser engine in headless Chromium (fps, stages, first lips, parity)",
    )
    bench.add_argument(
        "--sessions",
        type=lambda text: [int_in_range(1, 8)(part) for part in text.split(",")],
        default=[1, 4],
        help="with --browser: browser sessions at once, per run, e.g. 1,4",
    )
    bench.add_argument(
        "--events",
        type=int_in_range(1, 64),
        help="instead: this many clients post event batches to a tryon serve collector (with --db URL)",
    )
    bench.add_argument("--db", help="with --events: the analytics database (sqlite:///FILE or postgresql+psycopg://…)")
    bench.add_argument("--json", type=Path)
    bench.set_defaults(run=measure_commands.cmd_bench)

    advise = commands.add_parser(
        "advise", parents=[catalog_option], help="measure skin and lips in a photo and pick shades for that face"
    )
    advise.add_argument("image", type=Path)
    advise.add_argument("--json", action="store_true", help="print the measurement and picks as JSON")
    advise.add_argument("--count", type=int_in_range(1, 20), default=6, help="how many picks (default 6)")
    advise.add_argument("--calibration", type=Path, help="this camera's colour calibration (tryon calibrate)")
    advise.set_defaults(run=advice_commands.cmd_advise)

    calibrate = commands.add_parser(
        "calibrate", help="measure a camera's colours on a ColorChecker Classic (24 patches) for true colours"
    )
    calibrate.add_argument("image", type=Path, nargs="?", help="a picture of the chart, taken with that camera")
    calibrate.add_argument("--camera", help="instead: take the chart from this camera (index, stream URL or video)")
    calibrate.add_argument("--name", help="the camera's name, kept in the file (default: the picture's or camera's)")
    calibrate.add_argument(
        "-o", "--output", type=Path, default=Path("calibration.json"), help="default calibration.json"
    )
    calibrate.set_defaults(run=advice_commands.cmd_calibrate)

    serve = commands.add_parser(
        "serve", parents=[catalog_option], help="the phone page: try shades live with the phone's own camera"
    )
    serve.add_argument(
        "--bind", type=serve_commands.bind_arg, default=("127.0.0.1", 8443), help="IP:PORT (default 127.0.0.1:8443)"
    )
    serve.add_argument("--cert", type=Path, help="TLS certificate (PEM)")
    serve.add_argument("--key", type=Path, help="TLS private key (PEM)")
    serve.add_argument("--self-signed", action="store_true", help="make (once) and use a self-signed certificate")
    serve.add_argument("--max-phones", type=int_in_range(1, 64), default=4, help="phones at once (default 4)")
    serve.add_argument(
        "--phones-per-address",
        type=int_in_range(1, 256),
        default=1,
        help="phones that may share one network address (a shop's NAT, a load test): scales the per-address "
        "connection and request limits (default 1: 16 connections, 600 requests a minute)",
    )
    serve.add_argument(
        "--events-per-minute",
        type=int_in_range(0, 1_000_000),
        default=120,
        help="POST /events requests per client address a minute (default 120; 0: no limit, for load tests)",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        type=serve_commands.origin_arg,
        metavar="ORIGIN",
        help="a site whose pages may post events here (CORS), e.g. https://brand.example; repeatable",
    )
    serve.add_argument("--no-analytics", action="store_true", help="record no try-on events")
    serve.add_argument("--analytics-db", type=analytics_commands.db_url, help="events database (default: per user)")
    serve.set_defaults(run=serve_commands.cmd_serve)

    analytics_commands.add_commands(commands, catalog_option)

    web = commands.add_parser("web", help="the try-on for a brand's own web pages (docs/web.md)")
    web_commands_parser = web.add_subparsers(dest="web_command", required=True, metavar="build")
    build = web_commands_parser.add_parser(
        "build", help="write a static folder any web host serves: the try-on runs in the shopper's browser"
    )
    build.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    build.add_argument(
        "--catalog",
        type=Path,
        action="append",
        help="a catalog file or folder of them (repeatable; default: the shipped catalogs)",
    )
    build.add_argument("--events-url", help="where the page posts its try-on events (e.g. https://host/events)")
    build.add_argument("--base-url", default="", help="the folder's public URL, for the lines embed.html shows")
    build.set_defaults(run=web_commands.cmd_web_build)

    kiosk = commands.add_parser("kiosk", help="run the fullscreen in-store kiosk (config: docs/kiosk.md)")
    kiosk.add_argument(
        "--config", type=Path, default=Path("kiosk.toml"), help="the kiosk's TOML file (default: kiosk.toml)"
    )
    kiosk.set_defaults(run=_cmd_kiosk)

    app = commands.add_parser("app", parents=[catalog_option], help="open the desktop try-on app")
    app.add_argument("--source", default=None, help="camera index, video file or stream URL (default: camera 0)")
    app.add_argument("--calibration", type=Path, help="the camera's colour calibration (tryon calibrate): for advice")
    app.add_argument(
        "--true-colours", action="store_true", help="with --calibration: show and save frames in true colours"
    )
    app.set_defaults(run=_cmd_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `tryon` command; returns the exit code.

    Ctrl-C and SIGTERM are handled from the first line to the last (`tryon.interrupts`): a command stopped by one
    exits with 130 or 143 and no traceback, after its clean-up; the app, the kiosk and `serve` stop as they would on
    their own and exit with 0. With `argv` None this call is the program (the console script, `python -m tryon.cli`):
    from its end to the interpreter's exit both signals are ignored.
    """
    with interrupts.handled(final=argv is None):
        try:
            interrupts.raise_pending()  # a stop request that came while the program was starting
            args = build_parser().parse_args(argv)
            return int(args.run(args))
        except TryonError as exc:
            print(f"tryon: error: {exc}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # `tryon advise photo.jpg | head -3`: the reader has gone, which is no error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush does not fail again
            return 128 + signal.SIGPIPE
        except KeyboardInterrupt as exc:
            signum = exc.signum if isinstance(exc, interrupts.Interrupted) else signal.SIGINT
            print("tryon: interrupted" if signum == signal.SIGINT else "tryon: stopped (SIGTERM)", file=sys.stderr)
            return 128 + signum
