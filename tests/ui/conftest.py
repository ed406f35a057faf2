"""UI test set-up: Qt offscreen, and a guard that fails any test leaving a QThread running."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _no_dangling_qthreads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Record every QThread a test starts; fail the test if one still runs at its end (after 1 s of
    grace for a thread that is already stopping)."""
    from PySide6.QtCore import QDeadlineTimer, QThread

    started: list[QThread] = []
    original_start = QThread.start

    def recording_start(thread: QThread, *args: object) -> None:
        started.append(thread)
        original_start(thread, *args)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield
    running = []
    for thread in started:
        try:
            if thread.isRunning() and not thread.wait(QDeadlineTimer(1000)):
                running.append(thread)
        except RuntimeError:  # the C++ object is gone: its thread is gone too
            continue
    if running:
        for thread in running:  # stop them so later tests start clean
            thread.quit()
            thread.wait(5000)
        pytest.fail(
            f"the test left {len(running)} QThread(s) running; stop them (worker.stop(), thread.quit(), wait())"
        )
