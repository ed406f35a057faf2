"""The kiosk's rules in plain Python (no Qt), with an injectable clock: when a shopper's session starts and
ends, and the operator's PIN gate with its lockout."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Clock = Callable[[], float]
PinResult = Literal["ok", "wrong", "locked"]


class ShopperSession:
    """Attract mode until a face is seen; then a session, which ends `idle_reset_s` after the last face."""

    def __init__(self, idle_reset_s: float, *, clock: Clock = time.monotonic) -> None:
        self.idle_reset_s = idle_reset_s
        self._clock = clock
        self.active = False
        self.last_face_at = 0.0
        self.started_at = 0.0

    def saw_frame(self, faces_found: bool) -> bool:
        """Record a frame; True when this frame starts a new session."""
        if not faces_found:
            return False
        now = self._clock()
        self.last_face_at = now
        if self.active:
            return False
        self.active = True
        self.started_at = now
        return True

    def due_for_reset(self) -> bool:
        """True once, when an active session has gone `idle_reset_s` without a face (then it is over)."""
        if self.active and self._clock() - self.last_face_at >= self.idle_reset_s:
            self.active = False
            return True
        return False

    def end(self) -> None:
        """End the session now ("Start over")."""
        self.active = False


@dataclass
class PinGate:
    """The operator's exit PIN: `attempts` wrong PINs lock the gate for `lockout_s`, doubling with each
    further lockout (reset by a right PIN). Compared in constant time."""

    pin: str
    attempts: int = 3
    lockout_s: float = 60.0
    clock: Clock = time.monotonic
    _wrong: int = 0
    _lockouts: int = 0
    _locked_until: float = 0.0

    def locked_for(self) -> float:
        """Seconds until a PIN may be tried again (0 when open)."""
        return max(0.0, self._locked_until - self.clock())

    def try_pin(self, entered: str) -> PinResult:
        if self.locked_for() > 0:
            return "locked"
        if hmac.compare_digest(entered.encode(), self.pin.encode()):
            self._wrong = self._lockouts = 0
            return "ok"
        self._wrong += 1
        if self._wrong >= self.attempts:
            self._wrong = 0
            self._locked_until = self.clock() + self.lockout_s * (2**self._lockouts)
            self._lockouts += 1
        return "wrong"
