"""`tryon render`, `mask`, `video`: lipstick on photos and video files."""

from __future__ import annotations

import argparse
import sys
import time

from tryon.cli.common import progress, shade_library
from tryon.errors import ImageError, SourceError
from tryon.files import check_output


def cmd_render(args: argparse.Namespace) -> int:
    from tryon.engine.pipeline import Pipeline
    from tryon.media.compose import side_by_side
    from tryon.media.export import IMAGE_SUFFIXES, TryonMetadata, save_image
    from tryon.media.sources import read_image

    check_output(args.output, suffixes=IMAGE_SUFFIXES, inputs=[args.image])
    shade = shade_library(args).get(args.shade)
    frame = read_image(args.image)
    if args.calibration is not None:
        from tryon.calibration import load_calibration

        frame = load_calibration(args.calibration).correct_frame(frame)
    with Pipeline(mode="image") as pipeline:
        result = pipeline.process(frame, shade, intensity=args.intensity)
    if not result.faces_found:
        print(f"tryon: warning: no face found in {args.image}; saved it unchanged", file=sys.stderr)
    picture = side_by_side(frame, result.rendered) if args.compare else result.rendered
    save_image(args.output, picture, metadata=TryonMetadata.from_shade(shade, intensity=args.intensity))
    print(f"{args.output}: {shade.name} ({shade.finish}) on {len(result.faces)} face(s)")
    return 0


def cmd_mask(args: argparse.Namespace) -> int:
    import numpy as np

    from tryon.engine.pipeline import Pipeline
    from tryon.media.export import save_image
    from tryon.media.sources import read_image

    if args.output.suffix.lower() != ".png":
        raise ImageError(f"{args.output}: the mask must be saved as .png (8-bit, lossless)")
    check_output(args.output, suffixes=(".png",), inputs=[args.image])
    frame = read_image(args.image)
    with Pipeline(mode="image") as pipeline:
        result = pipeline.process(frame, None)
    alpha = np.zeros(frame.shape[:2], dtype=np.float32)
    for mask in result.masks:
        alpha = np.maximum(alpha, mask.full_frame(frame.shape[:2]))
    mask_u8 = np.round(alpha * 255).astype(np.uint8)
    save_image(args.output, mask_u8)  # one 8-bit channel: the alpha
    if not result.faces_found:
        print(f"tryon: warning: no face found in {args.image}; the mask is empty", file=sys.stderr)
    print(f"{args.output}: lip mask of {len(result.faces)} face(s), {frame.shape[1]}x{frame.shape[0]}")
    return 0


def cmd_video(args: argparse.Namespace) -> int:
    from tryon.engine.pipeline import Pipeline
    from tryon.media.sources import VideoFile
    from tryon.media.video_writer import CODECS, open_video_output

    check_output(args.output, suffixes=CODECS, inputs=[args.input])
    shade = shade_library(args).get(args.shade)
    with VideoFile(args.input) as video:
        with (
            Pipeline(mode="video") as pipeline,
            open_video_output(args.output, fps=video.fps, size_wh=video.size_wh) as output,
        ):
            started = time.perf_counter()
            with_face = 0
            for timestamp_ms, frame in video:
                result = pipeline.process(frame, shade, intensity=args.intensity, timestamp_ms=timestamp_ms)
                if not result.faces_found:
                    # A file is not a camera: wait for the small-face search this frame started, so a face too
                    # small for MediaPipe's own detector has lipstick from the next frame, on any machine.
                    pipeline.wait_for_search()
                output.write(result.rendered)
                with_face += result.faces_found
                if output.frames_written % 5 == 0 or output.frames_written == video.frame_count:
                    progress(output.frames_written, video.frame_count, started)
            print(file=sys.stderr)
            if output.frames_written == 0:
                raise SourceError(f"{args.input}: the video has no readable frames; nothing was written")
    done = output.frames_written
    print(f"{args.output}: {done} frames, a face in {with_face}, {shade.name} ({shade.finish})")
    return 0
