"""Recording without slowing anything: `Recorder.record` only puts an event on a queue; a background thread opens
the store (running its migrations), writes the queue in batches (one transaction each: a batch is committed
whole or not at all) and deletes events older than the retention period. `ShadeDwell` turns frames into
`shade_shown` events whose dwell counts only the time a face was in view."""

from __future__ import annotations

import datetime
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from tryon.analytics.events import Event, catalog_key, catalog_rows, new_session_id, utc_now
from tryon.catalog.model import Catalog, Shade

log = logging.getLogger("tryon.analytics")

BATCH = 500
FLUSH_S = 5.0  # one transaction every 5 s at most: a commit a second measurably slowed compare view
QUEUE_LIMIT = 50_000  # beyond this (a store that is gone for a long while) events are dropped and counted
_MAX_FRAME_GAP_S = 0.5  # a longer gap between frames (a stall, a sleep) does not count as dwell
_RETENTION_EVERY_S = 3600.0


class Recorder:
    """Queue events and write them on a background thread to the store at `url`. `enabled=False` records nothing
    (the opt-out). Call `close()` to write what is queued and stop."""

    def __init__(
        self,
        url: str,
        device_id: str,
        *,
        enabled: bool = True,
        retention_days: float = 365.0,
        catalogs: Sequence[Catalog] = (),
        flush_s: float = FLUSH_S,
    ) -> None:
        self.url = url
        self.device_id = device_id
        self.enabled = enabled
        self.retention_days = retention_days
        self.dropped = 0
        self.written = 0
        self.error: str | None = None
        self._queue: queue.Queue[Event | None] = queue.Queue(QUEUE_LIMIT)
        self._catalogs = catalog_rows(catalogs)  # remembered in the store: the report's "new shades"
        self._flush_s = flush_s
        self._thread: threading.Thread | None = None
        if enabled:
            self._thread = threading.Thread(target=self._run, name="tryon-analytics", daemon=True)
            self._thread.start()

    def set_enabled(self, enabled: bool) -> None:
        """The opt-out switch, at run time: off stops recording (what is queued is still written); on starts."""
        self.enabled = enabled
        if enabled and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="tryon-analytics", daemon=True)
            self._thread.start()

    def record(self, kind: str, session_id: str, **fields: object) -> None:
        """Queue one event now (never blocks, never raises on a full queue: the event is dropped and counted)."""
        if not self.enabled:
            return
        event = Event(kind, utc_now(), session_id, self.device_id, **fields)  # type: ignore[arg-type]
        self.add(event)

    def add(self, event: Event) -> None:
        if not self.enabled:
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1

    def close(self, timeout_s: float = 10.0) -> None:
        """Write what is queued and stop the thread."""
        if self._thread is None:
            return
        self._queue.put(None)  # blocks only if the queue is full, which a running writer empties
        self._thread.join(timeout_s)
        self._thread = None

    def _run(self) -> None:
        from tryon.analytics.store import Store

        try:
            store = Store(self.url)
            if self._catalogs:
                store.record_catalogs(self._catalogs, utc_now())
        except Exception as exc:  # noqa: BLE001 - analytics must never take the app down
            self.error = str(exc)
            log.error("analytics disabled: %s", exc)
            return
        last_retention = 0.0
        stopping = False
        try:
            while not stopping:
                batch: list[Event] = []
                deadline = time.monotonic() + self._flush_s
                while len(batch) < BATCH:
                    try:
                        item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                    except queue.Empty:
                        break
                    if item is None:
                        stopping = True
                        break
                    batch.append(item)
                if batch:
                    try:
                        store.add(batch)
                        self.written += len(batch)
                    except Exception as exc:  # noqa: BLE001 - keep the app running; say it once per failure
                        self.dropped += len(batch)
                        log.error("analytics: %d events not written: %s", len(batch), exc)
                if time.monotonic() - last_retention > _RETENTION_EVERY_S:
                    last_retention = time.monotonic()
                    cutoff = utc_now() - datetime.timedelta(days=self.retention_days)
                    store.delete_before(cutoff)
        finally:
            store.close()


class ShadeDwell:
    """Per frame: which shade is on and whether a face is seen; emits one `shade_shown` event per stretch of a
    shade, with its dwell counted only while a face was in view (a stretch without a face emits nothing)."""

    def __init__(self, emit: Callable[[str, int], None], clock: Callable[[], float] = time.monotonic) -> None:
        self._emit = emit  # (shade id, dwell ms)
        self._clock = clock
        self._shade: str | None = None
        self._dwell_s = 0.0
        self._last: float | None = None
        self._last_face = False

    def frame(self, shade_id: str | None, face_seen: bool) -> None:
        now = self._clock()
        if shade_id != self._shade:
            self.flush()
            self._shade = shade_id
        elif self._last is not None and self._last_face and face_seen:
            self._dwell_s += min(now - self._last, _MAX_FRAME_GAP_S)
        self._last = now
        self._last_face = face_seen

    def flush(self) -> None:
        """Emit the current stretch (when it had a face in view) and start counting afresh."""
        if self._shade is not None and self._dwell_s > 0:
            self._emit(self._shade, int(round(self._dwell_s * 1000)))
        self._dwell_s = 0.0
        self._last = None


class ShopperEvents:
    """One shopper's events for `recorder` (None: nothing is recorded): the session id, each shade's catalog and
    version, and the dwell of the shade on the lips — what the app, the kiosk and the phone page all record."""

    def __init__(
        self, recorder: Recorder | None, catalogs: Sequence[Catalog] = (), shades: Iterable[Shade] = ()
    ) -> None:
        """Shades come from `catalogs` (with their versions) and `shades` (without a catalog version)."""
        self.recorder = recorder
        self.session_id = new_session_id()
        self._dwell = ShadeDwell(self._shown)
        self._versions: dict[str, str] = {}
        self._shades: dict[str, Shade] = {}
        self.set_shades(catalogs, shades)

    def set_shades(self, catalogs: Sequence[Catalog] = (), shades: Iterable[Shade] = ()) -> None:
        """The shades (and catalog versions) events may name, after a catalog reload."""
        self._versions = {catalog_key(c.brand, c.collection): c.version or "" for c in catalogs}
        self._shades = {s.id: s for s in shades} | {s.id: s for c in catalogs for s in c.shades}

    def new_session(self) -> None:
        """A new shopper: the shade on the lips so far is counted, and a new session id starts."""
        self._dwell.flush()
        self.session_id = new_session_id()

    def record(self, kind: str, shade: Shade | None = None, **fields: object) -> None:
        if self.recorder is None:
            return
        if shade is not None:
            catalog_id = catalog_key(shade.brand, shade.collection)
            fields.update(catalog_id=catalog_id, catalog_version=self._versions.get(catalog_id, ""), shade_id=shade.id)
        self.recorder.record(kind, self.session_id, **fields)

    def frame(self, shade_id: str | None, face_seen: bool) -> None:
        """One frame: the shade on the lips (None: none) and whether a face was in view."""
        self._dwell.frame(shade_id, face_seen)

    def flush(self) -> None:
        """Count the shade on the lips so far (the session ends, or the window closes)."""
        self._dwell.flush()

    def _shown(self, shade_id: str, dwell_ms: int) -> None:
        shade = self._shades.get(shade_id)
        if shade is not None:
            self.record("shade_shown", shade, dwell_ms=dwell_ms)
