"""Writing files so that nothing is lost: every file the product writes goes through here.

A file is written to a hidden temporary file in its target's folder, flushed and fsynced, then moved
over the target with `os.replace` (atomic on POSIX and Windows). On an error or Ctrl-C the previous
file is intact and the temporary file is removed; after a `kill -9` the previous file is intact and
at most a hidden `.NAME.tryon-*` file is left beside it. `check_output` runs before any work, so a
bad output path costs the user nothing.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

from tryon.errors import OutputError

TEMP_MARK = ".tryon-"  # hidden temporary files are named `.NAME.tryon-<8 hex digits>.SUFFIX`


def _temp_beside(path: Path) -> Path:
    """A hidden, unused name in `path`'s folder that keeps its suffix (OpenCV picks a container by it)."""
    return path.with_name(f".{path.stem}{TEMP_MARK}{secrets.token_hex(4)}{path.suffix}")


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); folders cannot be opened for this on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (e.g. certain network mounts) refuse fsync on folders; the rename stands
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path` for a writer that needs a file name (OpenCV, Pillow, a
    process pool); when the block ends normally the file is fsynced and moved over `path`.

    Raises:
        OutputError: the temporary file cannot be completed or moved (the message names `path`).
    """
    path = Path(path)
    temp = _temp_beside(path)
    try:
        yield temp
        if not temp.is_file():
            raise OutputError(f"{path}: nothing was written")
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temp, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(OSError):  # on success it was renamed; on any error or Ctrl-C it goes
            temp.unlink()
    _fsync_folder(path.parent)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically (see the module docstring); returns `path`.

    Raises:
        OutputError: the folder is missing or not writable, or the disk is full.
    """
    with atomic_path(path) as temp, open(temp, "xb") as out:  # atomic_path turns an OSError into OutputError
        out.write(data)
    return Path(path)


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 `text` to `path` atomically; returns `path`.

    Raises:
        OutputError: as `write_bytes`.
    """
    return write_bytes(path, text.encode("utf-8"))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they point
        return a.resolve() == b.resolve()


def check_output(path: Path, *, suffixes: Iterable[str] | None = None, inputs: Iterable[Path] = ()) -> Path:
    """Check an output path before any work is done; returns it.

    `suffixes` (lowercase, with the dot) are the formats the command can write; `inputs` are the files
    it reads, which the output must not overwrite.

    Raises:
        OutputError: unsupported suffix, the output is one of the inputs, the folder does not exist or
            is not writable, or the path is a folder.
    """
    path = Path(path)
    if suffixes is not None:
        allowed = tuple(suffixes)
        if path.suffix.lower() not in allowed:
            got = repr(path.suffix) if path.suffix else "no suffix"
            raise OutputError(f"{path}: cannot write {got}; use {', '.join(allowed)}")
    for source in inputs:
        if _same_file(path, Path(source)):
            raise OutputError(f"{path}: is the input file; choose another output name so the input is kept")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: folder {folder} is not writable")
    return path
