"""`tryon eval` and `tryon bench`: accuracy against human masks, speed per stage (and of the window)."""

from __future__ import annotations

import argparse
import sys

from tryon.cli.common import progress, write_json
from tryon.errors import TryonError
from tryon.files import check_output


def cmd_eval(args: argparse.Namespace) -> int:
    from tryon.media.sources import read_image
    from tryon.quality.eval import evaluate, jitter

    if args.json is not None:
        check_output(args.json)
    if args.overlays is not None and args.overlays.exists() and not args.overlays.is_dir():
        raise TryonError(f"{args.overlays}: is a file; --overlays needs a folder")
    if args.browser and not args.motion:
        raise TryonError("--browser goes with --motion (tryon eval --motion --browser)")
    if args.motion:
        return _eval_motion(args)
    if args.tones is not None:
        return _eval_tones(args)
    if args.jitter is not None:
        jitter_result = jitter(read_image(args.jitter), frames=args.frames)
        if jitter_result.frames_with_face_raw < 2:
            raise TryonError(f"{args.jitter}: no face found in the frames; jitter needs a face that stays in view")
        jitter_report = jitter_result.to_json()
        print("  ".join(f"{k} {v:.3f}" for k, v in jitter_report.items()))
        write_json(jitter_report, args.json)
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
    if report.colour_fidelity:
        print("colour fidelity at full coverage (median over faces and swatches):")
        for finish, stats in report.colour_fidelity.items():
            print(
                f"  {finish:<9} ΔE2000 {stats['delta_e2000_median']:5.2f}  at the lips' lightness "
                f"{stats['delta_e2000_at_lip_lightness_median']:5.2f}  |hue| {stats['hue_diff_deg_median']:4.1f}°  "
                f"chroma ratio {stats['chroma_ratio_median']:.2f}"
            )
    summary = report.to_json()
    print("  ".join(f"{k} {summary[k]:.3f}" if isinstance(summary[k], float) else f"{k} {summary[k]}" for k in keys))
    for group, row in summary["per_group"].items():  # the set has a groups.csv
        print(
            f"  {group:<8} {row['n']:>3} faces, {row['found']} found: IoU {fmt(row['mean_iou'])}  "
            f"BF {fmt(row['mean_boundary_f'])}  teeth {fmt(row['mean_teeth_spill'])}  "
            f"skin {fmt(row['mean_skin_spill'])}"
        )
    write_json(summary, args.json)
    if args.overlays is not None:
        from tryon.quality.eval import write_overlays

        paths = write_overlays(args.faces, [row.name for row in report.worst(args.worst)], args.overlays)
        print(
            f"wrote overlays of the {len(paths)} faces with the lowest IoU to {args.overlays} "
            "(green: lips in both masks, red: engine only, blue: human only; yellow: paint on the mouth)",
            file=sys.stderr,
        )
    return 0


def _eval_tones(args: argparse.Namespace) -> int:
    import time

    from tryon.quality.tones import CONFIDENT, measure_tones, summarise

    started = time.perf_counter()
    readings = measure_tones(args.tones, progress=lambda done, total: progress(done, total, started, "faces"))
    print(file=sys.stderr)
    report = summarise(readings)
    print(
        f"{'group':<8} {'faces':>5} {'ITA° median':>12} {'confident':>10} {'gain median':>12} {'relit moves':>12}"
        f" {'palest pick':>12}  read ≥ 2 classes off"
    )
    for group, row in report["groups"].items():
        ita = "-" if row["ita_deg_median"] is None else f"{row['ita_deg_median']:.1f}"
        gain = "-" if row["exposure_gain_median"] is None else f"{row['exposure_gain_median']:.2f}"
        palest = "-" if row["palest_nude_or_natural_l"] is None else f"L* {row['palest_nude_or_natural_l']:.0f}"
        moves = f"≤ {row['relit_max_move_deg']:.1f}°"
        wrong = ", ".join(row["confident_two_classes_off"]) or "none"
        print(
            f"{group:<8} {row['faces']:>5} {ita:>12} {row['confident_share']:>10.2f} {gain:>12} {moves:>12}"
            f" {palest:>12}  {wrong}"
        )
    print(f"(confident: confidence ≥ {CONFIDENT}; classes: dark, brown | tan, intermediate | light, very light;")
    print(" relit: ±20 % exposure, ±8 % red/blue casts, ITA° moves of readings still confident;")
    print(" palest pick: the lightest nude or natural pick, L* in the tube or on the lips, whichever is higher)")
    write_json(report, args.json)
    return 0


def _eval_motion(args: argparse.Namespace) -> int:
    import time

    from tryon.media.sources import DEMO_FACE_PATH, read_image
    from tryon.quality.evalset import load_face, manifest_entries
    from tryon.quality.motion import evaluate_motion

    demo = ("astronaut (demo face)", read_image(DEMO_FACE_PATH))
    faces = [demo]
    if args.faces is not None:
        entries = manifest_entries(args.faces)[: args.max_faces]
        faces += [(str(entry["name"]), load_face(args.faces, entry).image) for entry in entries]
    started = time.perf_counter()
    report = evaluate_motion(
        faces,
        seconds=args.seconds,
        acquisition_face=demo,
        progress=lambda done, total: progress(done, total, started, "runs"),
    )
    print(file=sys.stderr)
    header = f"{'motion':<40} {'filter':<7} {'mean':>6} {'p95':>6} {'max':>6} {'% mouth':>8} {'jitter':>7}"
    print(f"{header}  (lip points, px; mean over {len(faces)} faces)")
    for row in report.table():
        jitter = "" if row["jitter_rms_px"] is None else f"{row['jitter_rms_px']:7.3f}"
        print(
            f"{row['motion']:<40} {row['filter']:<7} {row['error_px_mean']:6.2f} {row['error_px_p95']:6.2f} "
            f"{row['error_px_max']:6.2f} {row['error_pct_mouth_mean']:8.1f} {jitter}"
        )
    print("frames to first lipstick / after the face came back (30 fps, paced):")
    for detector, run in report.acquisitions:
        print(
            f"  {detector:<9} face {run.face_width_px:3.0f} px: {run.first_lipstick_frames} / {run.reacquired_frames}"
        )
    out = report.to_json()
    if args.browser:
        out.update(_browser_figures())
    write_json(out, args.json)
    return 0


def _browser_figures() -> dict[str, list[dict[str, object]]]:
    """The in-browser engine's frames to lipstick per face width and its lips' error on a sliding face, printed and
    as JSON rows ("browser_acquisition", "browser_motion")."""
    from dataclasses import asdict

    try:
        from tryon.quality.browser import browser_acquisition, browser_motion
    except ImportError as exc:
        raise TryonError(f"tryon eval --motion --browser needs selenium ({exc}); ./dev installs it") from None
    try:
        appearing, moving = browser_acquisition(), browser_motion()
    except RuntimeError as exc:
        raise TryonError(f"tryon eval --motion --browser: {exc}") from None
    print("in the browser, 1280x720: camera frames to lipstick per appearance (frames the page processed first):")
    for run in appearing:
        shown = ", ".join(f"{c} ({p})" for c, p in zip(run.camera_frames, run.page_frames, strict=True))
        print(f"  face {run.face_width_px:3.0f} px: {shown or 'no appearance seen'}; found in {run.found_in}")
    print("in the browser, 1280x720, the demo face sliding (sine): lip points' error per painted frame, px:")
    for moved in moving:
        print(
            f"  {moved.speed_px_s:3.0f} px/s: shown {moved.shown_mean_px:.2f} mean / {moved.shown_p95_px:.2f} p95 /"
            f" {moved.shown_max_px:.2f} max; tasks-vision raw {moved.raw_mean_px:.2f} / {moved.raw_p95_px:.2f};"
            f" {moved.frames} frames, {moved.fps} fps"
        )
    return {
        "browser_acquisition": [asdict(run) for run in appearing],
        "browser_motion": [asdict(moved) for moved in moving],
    }


def _bench_browser(args: argparse.Namespace) -> int:
    try:
        from tryon.quality.browser import run_browser_bench
    except ImportError as exc:  # selenium comes with the test extras
        raise TryonError(f"tryon bench --browser needs selenium ({exc}); ./dev installs it") from None
    try:
        report = run_browser_bench(seconds=args.seconds, sessions=args.sessions)
    except RuntimeError as exc:
        raise TryonError(f"tryon bench --browser: {exc}") from None
    for run in report["sessions"]:
        for index, session in enumerate(run["per_session"], 1):
            print(
                f"{run['browsers']} browser(s), #{index}: {session['fps_shown']} fps shown (faces found"
                f" {'in a worker' if session.get('finder') == 'worker' else 'on: ' + str(session.get('finder'))});"
                f" landmarks p50"
                f" {session.get('landmarks_ms_p50')} ms p95 {session.get('landmarks_ms_p95')}; flow p50"
                f" {session.get('flow_ms_p50')} ms p95 {session.get('flow_ms_p95')}; lips (mask) p50"
                f" {session.get('mask_ms_p50')} ms; render p50 {session.get('render_ms_p50')} ms; display p50"
                f" {session.get('display_ms_p50')} ms; grab to painted p50 {session.get('latency_ms_p50')} ms;"
                f" bytes sent while trying on"
                f" {session['bytes_sent_while_trying_on']}"
            )
        print(
            f"{run['browsers']} browser(s): first painted lips {run['first_painted_lips_ms']} ms after page load;"
            f" page weight {[round(b / 1e6, 2) for b in run['page_weight_bytes']]} MB on the wire;"
            f" server CPU {run['server_cpu_cores_per_shopper']} cores per shopper"
        )
    for figure in report.get("parity", []):
        print(
            f"parity {figure['shade_id']:<16} {figure['finish']:<8} changed-pixel IoU {figure['changed_iou']:.3f},"
            f" dE2000 median {figure['median_delta_e']:.2f} p95 {figure['p95_delta_e']:.2f}"
        )
    write_json(report, args.json)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    if args.json is not None:
        check_output(args.json)
    if args.far_faces:
        if args.faces is None:
            raise TryonError("--far-faces needs --faces DIR (a folder with manifest.json, e.g. ../shared/eval)")
        from tryon.quality.far_faces import far_face_report

        far = far_face_report(args.faces)
        for row in far["detection"]:  # type: ignore[attr-defined]
            print(
                f"{row['detector']:<9} {row['face_width_px']:>3} px faces: found {row['found']}/{row['tried']}"
                f" ({row['recall']:.0%}), search p50 {row['detect_ms_p50']} ms p95 {row['detect_ms_p95']} ms"
            )
        for clip in far["clips"]:  # type: ignore[attr-defined]
            print(
                f"{clip['detector']:<9} {clip['face_width_px']:>3} px, 2 faces:"
                f" IoU {clip['mean_iou_after_0_5_s']:.3f}  both painted {clip['both_painted_share_after_0_5_s']:.0%}"
                f"  first lipstick {clip['first_paint_ms']} ms  frame p50 {clip['frame_ms_p50']} ms"
            )
        write_json(far, args.json)
        return 0
    if args.browser:
        return _bench_browser(args)
    if args.events:
        if not args.db:
            raise TryonError("--events needs --db URL (sqlite:///FILE or postgresql+psycopg://user@host/db)")
        from tryon.quality.events_bench import run_events_bench

        try:
            figures = run_events_bench(args.db, args.events, seconds=args.seconds)
        except RuntimeError as exc:
            raise TryonError(f"tryon bench --events: {exc}") from None
        print(
            f"{figures['database']}, {figures['clients']} clients: {figures['requests_per_s']} requests/s"
            f" ({figures['events_per_s']:.0f} events/s), latency p50 {figures['latency_ms_p50']} ms"
            f" p95 {figures['latency_ms_p95']} ms, collector CPU {figures['server_cpu_cores']} cores"
            f" ({figures['cpu_ms_per_request']} ms a request: ~{figures['shoppers_per_collector_core']} shoppers"
            f" per core at one batch per 10 s); {figures['failed_requests']} failed"
        )
        write_json(figures, args.json)
        return 0
    if args.phones:
        if args.transport == "webrtc":
            from tryon.quality.webrtc_bench import run_webrtc_bench

            phones = run_webrtc_bench(args.phones, seconds=args.seconds)
        else:
            from tryon.quality.phone_bench import run_phone_bench

            phones = run_phone_bench(args.phones, seconds=args.seconds)
        per_phone: list[dict[str, float]] = phones["per_phone"]  # type: ignore[assignment]
        for index, run in enumerate(per_phone, 1):
            print(f"phone {index}: {run['fps']} fps, round trip p50 {run['rtt_ms_p50']} ms p95 {run['rtt_ms_p95']} ms")
        print(f"server CPU {phones['server_cpu_cores']} cores ({phones['server_cpu_cores_per_phone']} per phone)")
        write_json(phones, args.json)
        return 0
    if args.soak:
        from tryon.quality.soak import flat_enough, run_soak

        soak = run_soak(args.soak, progress=progress)
        print(file=sys.stderr)
        report = soak.to_json()
        print(
            f"{soak.frames} frames in {report['seconds']} s ({report['fps']} fps), {soak.cycles} shopper cycles;"
            f" RSS after warm-up {report['rss_min_max_after_warm_up_mb']} MB, growth {soak.growth_after_warm_up:+.1%}"
            f" ({'flat' if flat_enough(soak) else 'NOT flat'} within 5 %)"
        )
        write_json({"soak": report}, args.json)
        return 0
    if args.catalog_sizes:
        from tryon.quality.catalog_bench import run_catalog_bench

        rows = run_catalog_bench(args.catalog_sizes)
        for row in rows:
            print(
                f"{row['shades']:>7} shades  check {row['check_s']:6.2f} s  load {row['load_s']:6.2f} s  "
                f"peak {row['peak_rss_mb']:6.0f} MB  {row['warnings']} warning(s)"
            )
        write_json({"catalog_scale": rows}, args.json)
        return 0
    if args.gui:
        from ui.bench_gui import ensure_platform

        ensure_platform()
        from ui.bench_gui import run_gui_bench

        if args.analytics:  # the same run with recording off, then on: the cost of recording
            reports = {
                label: run_gui_bench(seconds=args.seconds, demo_fps=args.source_fps, record=record, cycle_shades_s=0.5)
                for label, record in (("recording_off", False), ("recording_on", True))
            }
        else:
            reports = {"": run_gui_bench(seconds=args.seconds, demo_fps=args.source_fps)}
        for label, gui_report in reports.items():
            for mode, view in gui_report.views.items():
                print(
                    f"{label + ' ' if label else ''}{mode:<8} {view.displayed_fps:5.1f} fps  capture→display p50"
                    f" {view.latency_ms_p50:5.1f} ms  p95 {view.latency_ms_p95:5.1f} ms  dropped {view.dropped_frames}"
                    f" (+{view.replaced_frames} replaced before drawn)  UI stall max {view.ui_stall_ms_max:.0f} ms,"
                    f" p99 {view.ui_stall_ms_p99:.0f} ms  lips off by {view.lips_offset_px_mean:.2f} px"
                    f" (p95 {view.lips_offset_px_p95:.2f})"
                )
            if gui_report.events_recorded is not None:
                print(f"{label}: {gui_report.events_recorded} events recorded")
        if args.analytics:
            write_json({label: r.to_json() for label, r in reports.items()}, args.json)
        else:
            write_json(reports[""].to_json(), args.json)
        return 0
    from tryon.quality.bench import run_bench

    report = run_bench(frames=args.frames, repeats=args.repeats).to_json()
    for key in (
        "landmarks_ms_p50",
        "mask_ms_p50",
        "render_ms_p50",
        "smoothing_ms_p50",
        "naive_ms_p50",
        "render_vs_naive",
        "render_into_copy_vs_naive",
        "mask_plus_render_vs_naive",
        "pipeline_fps",
        "startup_ms",
        "peak_rss_mb",
    ):
        print(f"{key:<26} {report[key]:.2f}")
    write_json(report, args.json)
    return 0
