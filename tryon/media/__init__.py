"""Frames in (image, video, camera, stream, demo face) and pictures out (export, collages, sheets, video)."""
