"""`tryon render`, `mask`, `video`: lipstick on photos and video files."""

from __future__ import annotations

import argparse
import sys
import time

from tryon.cli.common import progress, shade_library
from tryon.errors import ImageError, SourceError


def cmd_render(args: argparse.Namespace) -> int:
    from tryon.engine.pipeline import Pipeline
    from tryon.media.compose import side_by_side
    from tryon.media.export import TryonMetadata, save_image
    from tryon.media.sources import read_image

    shade = shade_library(args).get(args.shade)
    frame = read_image(args.image)
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


def cmd_video(args: argparse.Namespace) -> int:
    import cv2

    from tryon.engine.pipeline import Pipeline
    from tryon.media.sources import VideoFile

    shade = shade_library(args).get(args.shade)
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
                    progress(done, video.frame_count, started)
        finally:
            writer.release()
        print(file=sys.stderr)
    if done == 0:
        raise SourceError(f"{args.input}: the video has no readable frames")
    print(f"{args.output}: {done} frames, a face in {with_face}, {shade.name} ({shade.finish})")
    return 0
