"""The kiosk's configuration: one flat TOML file (`tryon kiosk --config kiosk.toml`), every key optional
except `exit_pin`, each documented in docs/kiosk.md. Plain Python (no Qt): the CLI checks it before the
window opens, and a bad key or value is one line naming the key."""

from __future__ import annotations

import difflib
import ipaddress
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tryon.errors import TryonError


class KioskConfigError(TryonError):
    """The kiosk configuration file is missing, unreadable or has a bad key or value."""


@dataclass(frozen=True)
class KioskConfig:
    """What `docs/kiosk.md` documents, with its defaults. Times are seconds."""

    exit_pin: str
    idle_reset_s: float = 30.0
    camera: str = "0"
    share_bind: str = "127.0.0.1:8765"
    share_url: str = ""
    phone_url: str = ""
    link_ttl_s: float = 600.0
    share_requests_per_minute: int = 30
    pin_attempts: int = 3
    pin_lockout_s: float = 60.0
    attract_shade_s: float = 3.0
    catalogs: tuple[str, ...] = ()
    far_faces: bool = True
    max_faces: int = 2
    analytics: bool = True
    analytics_db: str = ""
    device_id: str = ""
    retention_days: float = 365.0
    calibration: str = ""  # the camera's colour calibration file (tryon calibrate), beside the config or absolute
    true_colours: bool = False  # with a calibration: show and save frames in the chart's true colours

    @property
    def share_host_port(self) -> tuple[str, int]:
        host, _, port = self.share_bind.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def share_bind_warning(self) -> str | None:
        """What the operator should hear about `share_bind`, if anything: a wildcard address serves the shoppers'
        pictures on every network this machine is on, not only the shop's."""
        host, port = self.share_host_port
        if not ipaddress.ip_address(host).is_unspecified:
            return None
        return (
            f"share_bind {self.share_bind}: the pictures are served on every network this machine is on; give "
            f"this machine's address on the shop's network instead (e.g. 192.168.1.20:{port})"
        )

    @property
    def share_base_url(self) -> str:
        """Where phones reach the share server: `share_url`, else http://`share_bind`."""
        if self.share_url:
            return self.share_url.rstrip("/")
        host, port = self.share_host_port
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


_NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "retention_days": (1.0, 3650.0),
    "idle_reset_s": (5.0, 3600.0),
    "link_ttl_s": (30.0, 86_400.0),
    "pin_lockout_s": (1.0, 86_400.0),
    "attract_shade_s": (0.5, 60.0),
}
_INT_RANGES: dict[str, tuple[int, int]] = {
    "share_requests_per_minute": (1, 10_000),
    "pin_attempts": (1, 20),
    "max_faces": (1, 4),
}
_PIN = re.compile(r"[0-9]{4,8}")  # with fullmatch: `^…$` and match() let "4071\n" through, a PIN no one can type


def _problem(path: Path, key: str, message: str) -> KioskConfigError:
    return KioskConfigError(f"{path}: {key}: {message}")


def _check_bind(path: Path, value: str) -> None:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise _problem(path, "share_bind", f"must be HOST:PORT with a port 1–65535, got {value!r}")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise _problem(path, "share_bind", f"HOST must be an IP address (e.g. 192.168.1.20), got {host!r}") from None


def parse_config(path: Path, values: dict[str, Any]) -> KioskConfig:
    """Validate `values` (as read from `path`) into a KioskConfig. Raises KioskConfigError."""
    known = {f.name: f for f in fields(KioskConfig)}
    for key, value in values.items():
        if isinstance(value, dict):
            raise _problem(path, key, "sections are not used: the kiosk file is flat (key = value lines)")
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f"; known keys: {', '.join(sorted(known))}"
            raise _problem(path, key, f"unknown key{hint}")
    if "exit_pin" not in values:
        raise _problem(path, "exit_pin", 'missing: set the operator\'s exit PIN, 4–8 digits, e.g. exit_pin = "4071"')
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "exit_pin":
            if not isinstance(value, str) or not _PIN.fullmatch(value):
                raise _problem(path, key, f'must be 4–8 digits in quotes, e.g. "4071", got {value!r}')
        elif key in _NUMBER_RANGES:
            low, high = _NUMBER_RANGES[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                unit = "days" if key == "retention_days" else "seconds"
                raise _problem(path, key, f"must be a number of {unit} from {low:g} to {high:g}, got {value!r}")
            value = float(value)
        elif key in _INT_RANGES:
            low_i, high_i = _INT_RANGES[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low_i <= value <= high_i:
                raise _problem(path, key, f"must be a whole number from {low_i} to {high_i}, got {value!r}")
        elif key == "camera":
            if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
                raise _problem(path, key, f'must be a camera index, "demo", a video file or a URL, got {value!r}')
            value = str(value)
        elif key == "share_bind":
            if not isinstance(value, str):
                raise _problem(path, key, f'must be "HOST:PORT", got {value!r}')
            _check_bind(path, value)
        elif key in ("share_url", "phone_url"):
            if not isinstance(value, str) or (value and not re.match(r"^https?://[^\s/]+", value)):
                raise _problem(
                    path, key, f"must start with http:// or https:// (the address phones open), got {value!r}"
                )
        elif key == "catalogs":
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise _problem(path, key, f'must be a list of folder paths, e.g. ["/srv/shades"], got {value!r}')
            missing = [v for v in value if not (path.parent / v).is_dir()]
            if missing:
                raise _problem(path, key, f"no such folder: {missing[0]}")
            value = tuple(str((path.parent / v).resolve()) for v in value)
        elif key in ("analytics_db", "device_id"):
            if not isinstance(value, str) or len(value) > 400:
                raise _problem(path, key, f"must be text in quotes, got {value!r}")
            if key == "analytics_db" and value and "://" not in value:
                value = str((path.parent / value).resolve())  # a file beside the config
            if key == "device_id" and len(value) > 64:
                raise _problem(path, key, "must be at most 64 characters")
        elif key == "calibration":
            from tryon.calibration import CalibrationError, load_calibration

            if not isinstance(value, str) or not value:
                raise _problem(path, key, f'must be a file path in quotes, e.g. "calibration.json", got {value!r}')
            value = str((path.parent / value).resolve())
            try:
                load_calibration(Path(value))
            except CalibrationError as exc:
                raise _problem(path, key, str(exc)) from None
        elif key in ("far_faces", "analytics", "true_colours"):
            if not isinstance(value, bool):
                raise _problem(path, key, f"must be true or false, got {value!r}")
        clean[key] = value
    if clean.get("true_colours") and not clean.get("calibration"):
        raise _problem(path, "true_colours", 'needs calibration = "FILE" (made by `tryon calibrate`)')
    return KioskConfig(**clean)


def load_config(path: Path) -> KioskConfig:
    """Read and validate the kiosk's TOML file. Raises KioskConfigError with one line naming the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KioskConfigError(f"{path}: config file not found (see docs/kiosk.md for an example)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KioskConfigError(f"{path}: cannot read the config file ({exc})") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KioskConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(path, values)
