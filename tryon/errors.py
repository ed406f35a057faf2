"""Errors a user can cause. Each message names the thing, the place and the fix."""

from __future__ import annotations


class TryonError(Exception):
    """Base of every error caused by user input, files or devices (not by bugs)."""


class ModelError(TryonError):
    """The landmark model file is missing, corrupt or unloadable."""


class ShadeError(TryonError):
    """A shade catalog is malformed, or a shade id is unknown."""


class ImageError(TryonError):
    """An image or video file cannot be read or written."""


class SourceError(TryonError):
    """A camera, video file or stream cannot be opened or stopped delivering frames."""


class OutputError(TryonError):
    """An output file cannot be written: bad format, missing or read-only folder, disk full, or it is an input."""
