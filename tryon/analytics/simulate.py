"""`tryon analytics simulate`: seeded, realistic try-on sessions for tests and demos, every event marked
`simulated` (and any report made from them says so).

Shoppers on 3 kiosks and 2 desktops over the last 28 days; shades chosen with a long-tailed popularity (a few
shades are tried far more than the rest, as in stores), dwell log-normal around 6 s, about 30 % of sessions take
a picture and most pictures are shared (QR on kiosks, file or clipboard on desktops). Each catalog is given an
older version without its last two shades, so the report's "new shades" view has something to show.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence

import numpy as np

from tryon.analytics.events import Event, catalog_key
from tryon.catalog.model import Catalog

DEVICES = (
    ("kiosk-paris-1", "kiosk"),
    ("kiosk-paris-2", "kiosk"),
    ("kiosk-lyon-1", "kiosk"),
    ("desk-a", "desktop"),
    ("desk-b", "desktop"),
)
DAYS = 28
OLD_VERSION = "2026.2"
NEW_SHADES_PER_CATALOG = 2


def catalog_id(catalog: Catalog) -> str:
    return catalog_key(catalog.brand, catalog.collection)


def catalog_versions(catalogs: Sequence[Catalog]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(catalog id, version, shades) rows for `Store.record_catalogs`: an older version without the last shades,
    then the current one."""
    rows = []
    for catalog in catalogs:
        shades = [(s.id, s.name) for s in catalog.shades]
        rows.append((catalog_id(catalog), OLD_VERSION, shades[:-NEW_SHADES_PER_CATALOG]))
        rows.append((catalog_id(catalog), catalog.version or "current", shades))
    return rows


def simulate(
    catalogs: Sequence[Catalog], events: int, seed: int, *, end: datetime.datetime | None = None
) -> Iterator[Event]:
    """About `events` simulated events (whole sessions, in time order per session), reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    end = end or datetime.datetime(2026, 11, 28, 18, 0, tzinfo=datetime.UTC)
    shades = [(catalog, shade) for catalog in catalogs for shade in catalog.shades]
    weights = 1.0 / np.arange(1, len(shades) + 1) ** 0.9
    weights = weights[rng.permutation(len(shades))]
    weights /= weights.sum()
    produced = 0
    while produced < events:
        device, kind = DEVICES[int(rng.integers(len(DEVICES)))]
        day = int(rng.integers(DAYS))
        start = end - datetime.timedelta(days=day, hours=float(rng.uniform(0, 10)))
        session = f"{rng.integers(1 << 62):016x}"[:24]
        at = start
        batch = [Event("session_start", at, session, device, simulated=True)]
        last = None
        for _ in range(int(rng.integers(1, 9))):
            catalog, shade = shades[int(rng.choice(len(shades), p=weights))]
            last = (catalog, shade)
            dwell_ms = int(rng.lognormal(np.log(6000), 0.6))
            at = at + datetime.timedelta(milliseconds=dwell_ms)
            batch.append(
                Event(
                    "shade_shown",
                    at,
                    session,
                    device,
                    catalog_id(catalog),
                    catalog.version or "current",
                    shade.id,
                    dwell_ms,
                    simulated=True,
                )
            )
            if rng.random() < 0.08:
                batch.append(
                    Event(
                        "intensity_changed", at, session, device, value=str(int(rng.integers(40, 101))), simulated=True
                    )
                )
        if kind == "desktop" and rng.random() < 0.15:
            batch.append(Event("compare_used", at, session, device, value=str(int(rng.integers(2, 5))), simulated=True))
        if last is not None and rng.random() < 0.3:
            catalog, shade = last
            ids = (catalog_id(catalog), catalog.version or "current", shade.id)
            batch.append(Event("snapshot", at, session, device, *ids, simulated=True))
            if rng.random() < 0.7:
                method = "qr" if kind == "kiosk" else str(rng.choice(["file", "clipboard"]))
                batch.append(Event("shared", at, session, device, *ids, value=method, simulated=True))
        batch.append(Event("session_end", at + datetime.timedelta(seconds=2), session, device, simulated=True))
        produced += len(batch)
        yield from batch
