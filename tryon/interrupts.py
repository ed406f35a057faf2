"""Ctrl-C and SIGTERM for Tryon's programs, from their first instant to their last.

A stop request — SIGINT from a terminal's Ctrl-C, SIGTERM from `kill`, systemd or a kiosk's supervisor — becomes
`Interrupted` (a `KeyboardInterrupt`), raised where Python code can unwind: `finally` blocks run, atomic writes drop
their temporaries, servers flush their events. Two kinds of code cannot take an exception at any instant, and there
the request is held and raised (or handed over) once they are done:

- an import in progress: an extension module interrupted in its initialisation is left half made (numpy then fails
  to import, or the interpreter aborts: seen with Ctrl-C 0.2 s into `tryon app`). A request that comes during an
  import is raised when the outermost import of the main thread returns;
- code run by Qt's event loop: an exception cannot unwind through C++ (PySide prints it and carries on), and a
  handler that closed the window from inside whatever slot was running could deadlock on that slot's own lock. A Qt
  program runs inside `held()` and is woken through `signal.set_wakeup_fd` (`ui.stop_signals`);
- a call into MediaPipe (`tryon.engine.mediapipe_model`): its Python objects interrupted half-made fail later in
  their finalisers ("Exception ignored in Image.__del__"); the request waits the few milliseconds of the call.

After the first request has been raised, later ones are held: a clean-up, once begun, runs to its end.
All of this concerns the main thread only, where Python runs signal handlers.
"""

from __future__ import annotations

import builtins
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A stop request (SIGINT or SIGTERM) raised in the main thread; `exit_code` is the shell's 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class _State:
    """The main thread's: whether handlers are installed, how many holds (held() blocks and imports in progress),
    the first request not yet raised or taken, and whether one was raised (the rest are then held)."""

    def __init__(self) -> None:
        self.installed = False
        self.holds = 0
        self.pending: int | None = None
        self.raised = False
        self.before_start: dict[int, Any] | None = None  # the handlers `hold_from_start` replaced


_state = _State()
_original_import = builtins.__import__


def _on_signal(signum: int, _frame: object) -> None:
    if _state.pending is None:
        _state.pending = signum
    if _state.holds == 0:
        _raise_pending()


def _raise_pending() -> None:
    """Raise the pending request, unless one was raised before (then it stays held)."""
    signum = _state.pending
    if signum is None or _state.raised:
        return
    _state.pending = None
    _state.raised = True
    raise Interrupted(signum)


def _import_holding_requests(*args: Any, **kwargs: Any) -> Any:
    """`__import__` that holds a stop request until the outermost import of the main thread has returned."""
    if threading.current_thread() is not threading.main_thread():
        return _original_import(*args, **kwargs)
    _state.holds += 1
    try:
        return _original_import(*args, **kwargs)
    finally:
        _state.holds -= 1
        if _state.holds == 0:
            _raise_pending()


def _record(signum: int, _frame: object) -> None:
    if _state.pending is None:
        _state.pending = signum


def hold_from_start() -> None:
    """For a program's first module (`tryon.cli` run as `tryon` or `python -m tryon.cli`): from now until
    `handled()` begins, a stop request is only recorded; `handled()` keeps it, and `raise_pending()` raises it
    where the program can unwind. Without this, Ctrl-C while the program's own modules are still being imported
    (before `handled()`) ends in Python's default: a traceback out of an import, exit −2. Main thread only."""
    if _state.installed or _state.before_start is not None or threading.current_thread() is not threading.main_thread():
        return
    _state.before_start = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        signal.signal(signum, _record)


def raise_pending() -> None:
    """Raise a stop request recorded before `handled()` began (see `hold_from_start`); nothing when none is."""
    if _state.installed and _state.holds == 0:
        _raise_pending()


@contextmanager
def handled(*, final: bool = False) -> Iterator[None]:
    """Within: SIGINT and SIGTERM raise `Interrupted`, held during imports and `held()` blocks.

    On leaving, the previous handlers come back; with `final` (the process's own entry point) both signals are
    ignored from then on instead: all that is left is the interpreter's exit, and a traceback from it helps no one.
    Outside the main thread this does nothing (signals are the main thread's).
    """
    if _state.installed or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = _state.before_start or {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    early = _state.pending if _state.before_start is not None else None  # recorded since `hold_from_start`
    _state.before_start = None
    _state.installed, _state.holds, _state.pending, _state.raised = True, 0, early, False
    builtins.__import__ = _import_holding_requests
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN if final else previous[signum])
        builtins.__import__ = _original_import
        _state.installed = False


@contextmanager
def held() -> Iterator[None]:
    """Within: a stop request is recorded (`requested`), not raised; on leaving, one still pending is raised.

    For code that runs inside an event loop, which looks at `requested()` or is woken by `signal.set_wakeup_fd`,
    and around calls into libraries whose objects break when interrupted half-made (MediaPipe's `Image` then fails
    in its finaliser). On any thread but the main one this does nothing: signals are the main thread's."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state.holds += 1
    try:
        yield
    finally:
        _state.holds -= 1
        if _state.holds == 0:
            _raise_pending()


def requested() -> int | None:
    """The stop signal received and not yet raised or taken, if any."""
    return _state.pending


def take() -> int | None:
    """The pending stop signal, which is then handled by the caller (not raised when `held()` ends)."""
    signum, _state.pending = _state.pending, None
    return signum
