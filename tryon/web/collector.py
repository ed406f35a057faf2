"""The events collector: `POST /events` takes a batch of anonymous try-on events from a page (tryon serve's, or a
static build's on a brand's host), checks every one, and stores them through the analytics `Store` — acknowledged
(202) only once committed, and a batch sent again with the same idempotency key stored once.

Body: {"events": [{"kind", "at" (ISO-8601 with a time zone), "session_id", "shade_id"?, "dwell_ms"?, "value"?},
...]}, at most MAX_EVENTS events and MAX_BODY_BYTES bytes. The rules are `tryon.analytics.events`'; the catalog and
device fields are filled in here from the server's catalogs, never taken from the page. One bad event refuses the
whole batch with the reason (400), so a page never half-stores a batch.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tryon.analytics.events import KINDS, Event, catalog_key
from tryon.catalog.model import Catalog, Shade

MAX_EVENTS = 500
MAX_BODY_BYTES = 64 * 1024
MAX_DWELL_MS = 24 * 3600 * 1000
DEFAULT_EVENTS_PER_MINUTE = 120  # requests per client address: a page sends one every 10 s
KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_SESSION = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
_FIELDS = {"kind", "at", "session_id", "shade_id", "dwell_ms", "value"}
_SKEW = datetime.timedelta(days=1)  # a phone's clock may be off, not by more


class EventsRefused(ValueError):
    """The batch cannot be stored as sent; the message says why (it is the 400 response's reason)."""


@dataclass(frozen=True)
class EventCatalog:
    """Which catalog (id, version) each known shade belongs to: `of[shade_id]`."""

    of: Mapping[str, tuple[str, str]]

    @classmethod
    def from_catalogs(cls, catalogs: Sequence[Catalog]) -> EventCatalog:
        return cls({s.id: (catalog_key(c.brand, c.collection), c.version or "") for c in catalogs for s in c.shades})

    @classmethod
    def from_shades(cls, shades: Sequence[Shade]) -> EventCatalog:
        """Without the catalog files at hand: the shade's brand and collection, no version."""
        return cls({s.id: (catalog_key(s.brand, s.collection), "") for s in shades})


def parse_events(body: bytes, known: EventCatalog, device_id: str, now: datetime.datetime) -> list[Event]:
    """Every event of a request body, checked, with its catalog and `device_id` filled in.

    Raises:
        EventsRefused: the body is not such a batch, or one event breaks a rule (its index and field named).
    """
    if len(body) > MAX_BODY_BYTES:
        raise EventsRefused(f"the body is over {MAX_BODY_BYTES // 1024} KiB")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise EventsRefused("the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise EventsRefused('the body must be {"events": [...]}')
    raw_events = data["events"]
    if len(raw_events) > MAX_EVENTS:
        raise EventsRefused(f"{len(raw_events)} events in one request; at most {MAX_EVENTS}")
    return [_event(index, raw, known, device_id, now) for index, raw in enumerate(raw_events)]


def _event(index: int, raw: Any, known: EventCatalog, device_id: str, now: datetime.datetime) -> Event:
    where = f"events[{index}]"
    if not isinstance(raw, dict):
        raise EventsRefused(f"{where}: must be an object")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise EventsRefused(f"{where}: unknown field {sorted(unknown)[0]!r}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise EventsRefused(f"{where}.kind: {kind!r} is not one of {', '.join(KINDS)}")
    at = _time(where, raw.get("at"), now)
    session = raw.get("session_id")
    if not isinstance(session, str) or not _SESSION.match(session):
        raise EventsRefused(f"{where}.session_id: 8-32 letters, digits, '-' or '_'")
    shade_id = raw.get("shade_id")
    catalog_id = catalog_version = ""
    if shade_id is not None:
        if not isinstance(shade_id, str) or shade_id not in known.of:
            raise EventsRefused(f"{where}.shade_id: {shade_id!r} is not a shade of this server's catalogs")
        catalog_id, catalog_version = known.of[shade_id]
    dwell = raw.get("dwell_ms")
    if dwell is not None and (isinstance(dwell, bool) or not isinstance(dwell, int) or not 0 <= dwell <= MAX_DWELL_MS):
        raise EventsRefused(f"{where}.dwell_ms: a whole number of ms from 0 to {MAX_DWELL_MS}")
    value = raw.get("value")
    if value is not None and (not isinstance(value, str) or len(value) > 64):
        raise EventsRefused(f"{where}.value: text of at most 64 characters")
    return Event(kind, at, session, device_id, catalog_id, catalog_version, shade_id, dwell, value)


def _time(where: str, text: Any, now: datetime.datetime) -> datetime.datetime:
    if not isinstance(text, str) or len(text) > 40:
        raise EventsRefused(f"{where}.at: an ISO-8601 time with its time zone, e.g. 2026-12-07T10:00:00Z")
    try:
        at = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise EventsRefused(f"{where}.at: {text!r} is not an ISO-8601 time") from None
    if at.tzinfo is None:
        raise EventsRefused(f"{where}.at: {text!r} has no time zone")
    at = at.astimezone(datetime.UTC)
    if abs(at - now) > _SKEW:
        raise EventsRefused(f"{where}.at: {text!r} is more than a day from the server's time")
    return at


def idempotency_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The batch's key: the Idempotency-Key header, or `idempotency_key` in the URL (a beacon cannot set headers).

    Raises:
        EventsRefused: a key that is not 8-64 letters, digits, '-' or '_'.
    """
    key = headers.get("idempotency-key") or query.get("idempotency_key")
    if key is not None and not KEY.match(key):
        raise EventsRefused("Idempotency-Key: 8-64 letters, digits, '-' or '_'")
    return key
