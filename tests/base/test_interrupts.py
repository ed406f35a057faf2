"""Stop requests (SIGINT, SIGTERM) become `Interrupted` where code can unwind: never inside an import, never inside
a `held()` block, and only once."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from tryon import interrupts


def _signal_myself(signum: int) -> None:
    """Send `signum` to this process; its handler has run when this returns (or raises)."""
    signal.raise_signal(signum)


def test_a_signal_raises_interrupted_with_the_shells_exit_code() -> None:
    with interrupts.handled(), pytest.raises(interrupts.Interrupted) as raised:
        _signal_myself(signal.SIGTERM)
    assert raised.value.signum == signal.SIGTERM
    assert raised.value.exit_code == 143
    assert isinstance(raised.value, KeyboardInterrupt)  # every `except KeyboardInterrupt` clean-up applies
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers given back


def test_a_signal_during_an_import_waits_for_the_import_to_finish(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    (tmp_path / "importing.py").write_text("import signal\nsignal.raise_signal(signal.SIGINT)\nCOMPLETE = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with interrupts.handled(), pytest.raises(interrupts.Interrupted) as raised:
        import importing  # noqa: F401
    assert raised.value.signum == signal.SIGINT
    assert sys.modules["importing"].COMPLETE  # the module was made whole before the request was raised
    del sys.modules["importing"]


def _held_request(signum: int, *, take: bool) -> int | None:
    """Inside `held()`: signal this process, check it was recorded and not raised; `take` it, or leave it."""
    with interrupts.held():
        _signal_myself(signum)
        assert interrupts.requested() == signum
        return interrupts.take() if take else None


def test_held_requests_wait_and_a_taken_one_is_not_raised() -> None:
    with interrupts.handled():
        with pytest.raises(interrupts.Interrupted):
            _held_request(signal.SIGINT, take=False)  # raised as the block ends
        assert _held_request(signal.SIGTERM, take=True) == signal.SIGTERM  # an event loop handled it itself


def test_after_one_request_the_clean_up_is_not_interrupted_again() -> None:
    cleaned_up = []

    def work_then_clean_up() -> None:
        try:
            _signal_myself(signal.SIGINT)
        finally:
            _signal_myself(signal.SIGTERM)  # a second Ctrl-C or a supervisor's SIGTERM during the clean-up
            cleaned_up.append(True)

    with interrupts.handled(), pytest.raises(interrupts.Interrupted):
        work_then_clean_up()
    assert cleaned_up == [True]


def test_a_signal_during_a_mediapipe_call_waits_for_the_call(monkeypatch) -> None:  # noqa: ANN001
    """MediaPipe's objects interrupted half-made fail later in their finalisers (a SIGTERM during `tryon video` once
    printed "Exception ignored in Image.__del__"): the request is raised when the call has returned."""
    from types import SimpleNamespace

    import numpy as np

    import tryon.engine.mediapipe_model as mediapipe_model

    real = mediapipe_model.to_mp_image

    def image_made_while_a_signal_comes(frame):  # noqa: ANN001, ANN202
        _signal_myself(signal.SIGTERM)
        return real(frame)

    class Landmarker:
        completed = False

        def detect(self, image: object) -> SimpleNamespace:
            self.completed = True
            return SimpleNamespace(face_landmarks=[])

    monkeypatch.setattr(mediapipe_model, "to_mp_image", image_made_while_a_signal_comes)
    landmarker = Landmarker()
    with interrupts.handled(), pytest.raises(interrupts.Interrupted):
        mediapipe_model.detect_faces(landmarker, np.zeros((64, 64, 3), np.uint8))
    assert landmarker.completed
