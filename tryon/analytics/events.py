"""What is recorded: one `Event` per thing a shopper does, with no image, face or identity in it."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tryon.catalog.model import Catalog

Kind = Literal[
    "session_start",  # a shopper started (app opened, kiosk saw a face, a phone connected)
    "session_end",
    "shade_shown",  # a shade was on the lips; dwell_ms counts only time with a face in view
    "intensity_changed",  # value: the new intensity, 0–100
    "compare_used",  # value: how many shades compared
    "snapshot",  # a picture was taken
    "shared",  # value: how it left — file, clipboard, qr, phone
]
KINDS: tuple[str, ...] = (
    "session_start",
    "session_end",
    "shade_shown",
    "intensity_changed",
    "compare_used",
    "snapshot",
    "shared",
)
SHARE_METHODS = ("file", "clipboard", "qr", "phone")


def catalog_key(brand: str, collection: str) -> str:
    """How events and reports name a catalog: "brand / collection"."""
    return f"{brand} / {collection}"


def catalog_rows(catalogs: Sequence[Catalog]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(catalog id, version, [(shade id, name)]) of each catalog, for `Store.record_catalogs`."""
    return [(catalog_key(c.brand, c.collection), c.version or "", [(s.id, s.name) for s in c.shades]) for c in catalogs]


def new_session_id() -> str:
    """A random session id (96 bits): it links a session's events and nothing else."""
    return secrets.token_hex(12)


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Event:
    """One anonymous event. `at` is UTC; `device_id` names the machine or kiosk (set by its owner, not a
    person); `catalog_id` is "brand / collection" and `catalog_version` the catalog's version."""

    kind: str
    at: datetime.datetime
    session_id: str
    device_id: str
    catalog_id: str = ""
    catalog_version: str = ""
    shade_id: str | None = None
    dwell_ms: int | None = None
    value: str | None = None
    simulated: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, but got {self.kind!r}")
        if self.at.tzinfo is None:
            raise ValueError("at must be timezone-aware (UTC)")
        if self.dwell_ms is not None and self.dwell_ms < 0:
            raise ValueError(f"dwell_ms must be >= 0, but got {self.dwell_ms}")
