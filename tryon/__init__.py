"""Tryon: real-time lipstick virtual try-on engine (no Qt in this package)."""

from tryon.errors import ImageError, ModelError, ShadeError, SourceError, TryonError

__all__ = ["ImageError", "ModelError", "ShadeError", "SourceError", "TryonError"]
__version__ = "0.1.0"
