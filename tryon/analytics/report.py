"""`tryon report`: a self-contained HTML report for a brand (plots embedded as SVG, no network needed to open it),
and optionally the per-shade table as CSV.

Definitions (also printed in the report): a **try** is one `shade_shown` event (a shade on the lips while a face
was in view); **dwell** is its time with a face in view; **to picture** = pictures taken with the shade on ÷
tries; **to share** = pictures shared with the shade on ÷ tries. **New shades** are those in a catalog's latest
version that no earlier version of it had.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa

from tryon.analytics.schema import catalog_shades, events
from tryon.analytics.store import AnalyticsError, Store, safe_cell


@dataclass(frozen=True)
class ShadeRow:
    catalog_id: str
    shade_id: str
    name: str
    tries: int
    median_dwell_s: float
    snapshots: int
    shares: int
    new: bool

    @property
    def to_picture(self) -> float:
        return self.snapshots / self.tries if self.tries else 0.0

    @property
    def to_share(self) -> float:
        return self.shares / self.tries if self.tries else 0.0


@dataclass(frozen=True)
class Report:
    shades: tuple[ShadeRow, ...]
    devices: tuple[tuple[str, int, int, int, int], ...]  # device, sessions, tries, pictures, shares
    catalogs: tuple[tuple[str, int, int, int], ...]  # catalog, tries, pictures, shares
    days: tuple[tuple[datetime.date, int], ...]  # tries per day
    top_trend: dict[str, list[int]]  # shade name → tries per day (the top 5)
    simulated_events: int
    events: int
    since: datetime.datetime | None
    catalog: str | None


def _check_catalog(store: Store, catalog: str) -> None:
    """A catalog the database knows (its shades were recorded, or its events were), else a clear error: a report
    of nothing for a mistyped name would look like a catalog nobody tried."""
    with store.engine.connect() as connection:
        known = set(connection.execute(sa.select(catalog_shades.c.catalog_id).distinct()).scalars())
        known |= set(connection.execute(sa.select(events.c.catalog_id).distinct()).scalars()) - {None, ""}
    if catalog not in known:
        listed = "; ".join(f'"{name}"' for name in sorted(known)) or "none: no events recorded yet"
        raise AnalyticsError(f"--catalog {catalog!r}: not in this database; its catalogs: {listed}")


def build_report(store: Store, *, since: datetime.datetime | None = None, catalog: str | None = None) -> Report:
    """Compute the report's numbers from the store (filters: events at or after `since`, one catalog id)."""
    conditions = []
    if since is not None:
        conditions.append(events.c.at >= since)
    if catalog is not None:
        _check_catalog(store, catalog)
        conditions.append(sa.or_(events.c.catalog_id == catalog, events.c.kind.in_(("session_start", "session_end"))))
    where = sa.and_(sa.true(), *conditions)
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                events.c.kind,
                events.c.at,
                events.c.session_id,
                events.c.device_id,
                events.c.catalog_id,
                events.c.shade_id,
                events.c.dwell_ms,
                events.c.simulated,
            ).where(where)
        ).all()
        names = {
            r.shade_id: r.shade_name
            for r in connection.execute(sa.select(catalog_shades.c.shade_id, catalog_shades.c.shade_name))
        }
        versions = connection.execute(
            sa.select(
                catalog_shades.c.catalog_id,
                catalog_shades.c.catalog_version,
                catalog_shades.c.shade_id,
                catalog_shades.c.first_seen,
            )
        ).all()
    new_shades = _new_shades(versions)
    per_shade: dict[tuple[str, str], dict[str, Any]] = {}
    per_device: dict[str, dict[str, Any]] = {}
    per_catalog: dict[str, list[int]] = {}
    per_day: dict[datetime.date, int] = {}
    per_day_shade: dict[tuple[str, datetime.date], int] = {}
    for row in rows:
        device = per_device.setdefault(row.device_id, {"sessions": set(), "tries": 0, "pictures": 0, "shares": 0})
        if row.kind == "session_start":
            device["sessions"].add(row.session_id)
            continue
        if row.shade_id is None:
            continue
        key = (row.catalog_id, row.shade_id)
        entry = per_shade.setdefault(key, {"dwell": [], "snapshots": 0, "shares": 0})
        counts = per_catalog.setdefault(row.catalog_id, [0, 0, 0])
        if row.kind == "shade_shown":
            entry["dwell"].append((row.dwell_ms or 0) / 1000.0)
            device["tries"] += 1
            counts[0] += 1
            day = _as_utc(row.at).date()
            per_day[day] = per_day.get(day, 0) + 1
            per_day_shade[(row.shade_id, day)] = per_day_shade.get((row.shade_id, day), 0) + 1
        elif row.kind == "snapshot":
            entry["snapshots"] += 1
            device["pictures"] += 1
            counts[1] += 1
        elif row.kind == "shared":
            entry["shares"] += 1
            device["shares"] += 1
            counts[2] += 1
    shades = tuple(
        sorted(
            (
                ShadeRow(
                    cid,
                    sid,
                    names.get(sid, sid),
                    len(v["dwell"]),
                    float(np.median(v["dwell"])) if v["dwell"] else 0.0,
                    v["snapshots"],
                    v["shares"],
                    (cid, sid) in new_shades,
                )
                for (cid, sid), v in per_shade.items()
                if v["dwell"]
            ),
            key=lambda r: (-r.tries, r.shade_id),
        )
    )
    days = tuple(sorted(per_day.items()))
    top = shades[:5]
    trend = {r.name: [per_day_shade.get((r.shade_id, d), 0) for d, _ in days] for r in top}
    return Report(
        shades=shades,
        devices=tuple(
            sorted((d, len(v["sessions"]), v["tries"], v["pictures"], v["shares"]) for d, v in per_device.items())
        ),
        catalogs=tuple(sorted((c, *v) for c, v in per_catalog.items())),  # type: ignore[misc]
        days=days,
        top_trend=trend,
        simulated_events=sum(1 for r in rows if r.simulated),
        events=len(rows),
        since=since,
        catalog=catalog,
    )


def _as_utc(at: datetime.datetime) -> datetime.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=datetime.UTC)


def _new_shades(versions: Sequence[Any]) -> set[tuple[str, str]]:
    """(catalog id, shade id) of shades in each catalog's latest version (by first seen) absent from earlier ones."""
    by_catalog: dict[str, dict[str, tuple[datetime.datetime, set[str]]]] = {}
    for row in versions:
        entry = by_catalog.setdefault(row.catalog_id, {})
        first, shades = entry.get(row.catalog_version, (_as_utc(row.first_seen), set()))
        shades.add(row.shade_id)
        entry[row.catalog_version] = (min(first, _as_utc(row.first_seen)), shades)
    new: set[tuple[str, str]] = set()
    for catalog_id, by_version in by_catalog.items():
        if len(by_version) < 2:
            continue
        ordered = sorted(by_version.items(), key=lambda item: (item[1][0], item[0]))
        latest = ordered[-1][1][1]
        earlier = set().union(*(shades for _, (_, shades) in ordered[:-1]))
        new |= {(catalog_id, s) for s in latest - earlier}
    return new


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _plots(report: Report) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    top = report.shades[:15]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    axes.barh([r.name for r in reversed(top)], [r.tries for r in reversed(top)], color="#8e2442")
    axes.set_xlabel("tries")
    axes.set_title("Most tried shades")
    bars = _svg(figure)
    plt.close(figure)
    figure, axes = plt.subplots(figsize=(8, 3.5))
    dates = np.array([np.datetime64(d) for d, _ in report.days])
    axes.plot(dates, [n for _, n in report.days], color="#333", label="all shades")
    for name, series in report.top_trend.items():
        axes.plot(dates, series, label=name)
    axes.set_ylabel("tries per day")
    axes.legend(fontsize=7, ncol=2)
    figure.autofmt_xdate()
    trend = _svg(figure)
    plt.close(figure)
    return bars, trend


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _percent(value: float) -> str:
    return f"{value:.1%}"


# Per skin-depth group: reference faces, and those the catalogs' shades give a fitting nude / natural
# (`tryon.advisor.coverage.GroupCoverage` fields; computed by the CLI, which may use the advisor).
DepthCoverage = Sequence[tuple[str, int, int, int]]


def _coverage_html(coverage: DepthCoverage) -> str:
    if not coverage:
        return ""
    rows = [
        [group, str(faces), f"{nude} of {faces}", f"{natural} of {faces}"] for group, faces, nude, natural in coverage
    ]
    short = [group for group, faces, nude, natural in coverage if faces and min(nude, natural) < faces]
    finding = (
        "<p><b>Not every skin depth is served:</b> "
        + "; ".join(
            f"{group}: no fitting nude for {faces - nude} of {faces} faces, no natural for {faces - natural}"
            for group, faces, nude, natural in coverage
            if group in short
        )
        + ".</p>"
        if short
        else "<p>Every reference face, deep to light, has a nude and a natural among these shades.</p>"
    )
    return "".join(
        [
            "<h2>Skin depths the shades serve</h2>",
            "<p>From the catalogs alone, no shopper data: the advisor's nude and natural rules run on the skin and",
            " lip colours of 50 reference portraits grouped deep / medium / light by eye. A face counts when some",
            " shade makes a nude (a little deeper than the skin, never paler) or a natural (its own lips, one or two",
            " steps deeper) for it.</p>",
            _table(["skin depth", "reference faces", "with a nude", "with a natural"], rows),
            finding,
        ]
    )


def render_html(report: Report, coverage: DepthCoverage = ()) -> str:
    """The report as one HTML page; `coverage`: the skin-depth table (see `DepthCoverage`), left out when empty."""
    bars, trend = _plots(report) if report.shades else ("", "")
    shade_rows = [
        [
            r.name + (" ★ new" if r.new else ""),
            r.catalog_id,
            str(r.tries),
            f"{r.median_dwell_s:.1f} s",
            _percent(r.to_picture),
            _percent(r.to_share),
        ]
        for r in report.shades
    ]
    new = [r for r in report.shades if r.new]
    rest = [r for r in report.shades if not r.new]

    def summary(rows: list[ShadeRow]) -> list[str]:
        tries = sum(r.tries for r in rows)
        return [
            str(len(rows)),
            f"{tries / len(rows):.1f}" if rows else "0",
            f"{np.median([r.median_dwell_s for r in rows]):.1f} s" if rows else "–",
            _percent(sum(r.snapshots for r in rows) / tries) if tries else "–",
            _percent(sum(r.shares for r in rows) / tries) if tries else "–",
        ]

    banner = (
        f"<p class='simulated'>SIMULATED DATA: {report.simulated_events:,} of {report.events:,} events were made by "
        "<code>tryon analytics simulate</code>, not by shoppers.</p>"
        if report.simulated_events
        else ""
    )
    scope = f"since {report.since:%Y-%m-%d}" if report.since else "all time"
    if report.catalog:
        scope += f", catalog {html.escape(report.catalog)}"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Tryon report</title><style>",
        "body{font:15px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222}",
        "table{border-collapse:collapse;width:100%;margin:8px 0 24px}",
        "th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}",
        "th{background:#f4f1f2}.simulated{background:#fff1c2;border:1px solid #e0b400;padding:8px;font-weight:bold}",
        "svg{max-width:100%;height:auto}</style></head><body>",
        f"<h1>Which shades get tried</h1>{banner}<p>{report.events:,} events, {scope}. ",
        "A <b>try</b> is a shade on the lips while a face was in view; <b>dwell</b> its time with a face in view; ",
        "<b>to picture</b> and <b>to share</b> are pictures taken and shared with the shade on, per try. ",
        "<b>New</b> shades are in a catalog's latest version and in no earlier one.</p>",
        bars,
        "<h2>Shades</h2>",
        _table(["shade", "catalog", "tries", "median dwell", "to picture", "to share"], shade_rows),
        "<h2>New shades against the rest</h2>",
        _table(
            ["", "shades", "tries per shade", "median dwell", "to picture", "to share"],
            [["new", *summary(new)], ["the rest", *summary(rest)]],
        ),
        "<h2>Per catalog</h2>",
        _table(
            ["catalog", "tries", "pictures", "shares"], [[c, str(t), str(p), str(s)] for c, t, p, s in report.catalogs]
        ),
        "<h2>Per kiosk or device</h2>",
        _table(
            ["device", "sessions", "tries", "pictures", "shares"],
            [[d, str(n), str(t), str(p), str(s)] for d, n, t, p, s in report.devices],
        ),
        "<h2>Trend</h2>",
        trend,
        _coverage_html(coverage),
        "</body></html>",
    ]
    return "".join(parts)


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "catalog",
            "shade_id",
            "shade",
            "new",
            "tries",
            "median_dwell_s",
            "pictures",
            "shares",
            "to_picture",
            "to_share",
        ]
    )
    for r in report.shades:
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    r.catalog_id,
                    r.shade_id,
                    r.name,
                    r.new,
                    r.tries,
                    f"{r.median_dwell_s:.2f}",
                    r.snapshots,
                    r.shares,
                    f"{r.to_picture:.4f}",
                    f"{r.to_share:.4f}",
                )
            ]
        )
    return out.getvalue()
