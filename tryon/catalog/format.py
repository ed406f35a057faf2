"""The shade catalog format: validation against the shipped JSON Schema, with every problem located.

`tryon/catalog/shade_catalog.schema.json` is the one definition of the format (fields, types, ranges,
defaults, the format version that introduced each field). `check_catalog_text` applies it and the
rules a schema cannot express (unique ids, prices need a currency) and adds warnings for likely
mistakes (near-identical colours, names differing only in case, colours lipstick does not come in).
Each `Problem` names the file, line, shade, field, what is wrong and, where useful, how to fix it.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA_PATH = Path(__file__).with_name("shade_catalog.schema.json")
# Text starting with one of these runs as a formula when a catalog's text ends up in a spreadsheet
# (OWASP's CSV-injection rule): `=HYPERLINK(…)`, `=cmd|' /C calc'!A0`, `@SUM(…)`.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_MESSAGE = "starts with {start!r}, which spreadsheets run as a formula; remove the leading character"
CURRENT_FORMAT = 2
NEAR_DUPLICATE_DELTA_E = 1.0


@dataclass(frozen=True)
class Problem:
    """One finding in a catalog. `line` is 1-based (None when unknown); `field` is dotted for nested ones."""

    path: Path
    line: int | None
    where: str  # "catalog", "shade 'x-red'" or "shade #3"
    field: str | None
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        subject = f"field '{self.field}' " if self.field else ""
        label = "warning: " if self.severity == "warning" else ""
        return f"{place}: {label}{self.where}: {subject}{self.message}"


@functools.cache
def schema() -> dict[str, Any]:
    """The shipped JSON Schema of a catalog file."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Merge a local `$ref` target with the node's own keywords (the node's win)."""
    if "$ref" not in node:
        return node
    target = schema()
    for part in node["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    merged = {**_resolve(target), **node}
    del merged["$ref"]
    return merged


_TYPE_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "object": "an object",
    "array": "a list",
}


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


Report = Callable[[str | None, str], None]  # (field, message)


def _validate(value: Any, node: dict[str, Any], field: str | None, report: Report, file_format: int) -> bool:
    """Check `value` against a schema node; report problems; True when valid."""
    node = _resolve(node)
    expect = node.get("x-expect")
    kind = node.get("type")
    if kind is not None and not _type_ok(value, kind):
        report(field, f"must be {expect or _TYPE_NAMES[kind]}, but got {_short(value)}")
        return False
    if "enum" in node and value not in node["enum"]:
        options = node["enum"]
        close = difflib.get_close_matches(str(value).lower(), options, n=1) if isinstance(value, str) else []
        hint = f"; did you mean '{close[0]}'?" if close else ""
        report(field, f"must be one of {', '.join(options)}, but got {_short(value)}{hint}")
        return False
    if isinstance(value, str):
        too_short = len(value) < node.get("minLength", 0)
        if too_short or ("pattern" in node and not re.search(node["pattern"], value)):
            report(field, f"must be {expect or 'a valid string'}, but got {_short(value)}{_fix_for(field, value)}")
            return False
        if len(value) > node.get("maxLength", len(value)):
            report(field, f"must be at most {node['maxLength']} characters, but got {len(value)}")
            return False
    if kind in ("number", "integer"):
        low, high = node.get("minimum"), node.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            hint = " (a fraction: 0.85 means 85 %)" if high == 1 and value > 1 else ""
            report(field, f"must be {bounds}, but got {_short(value)}{hint}")
            return False
    if kind == "array":
        if len(value) < node.get("minItems", 0):
            report(field, f"must be {expect or 'a non-empty list'}, but got {_short(value)}")
            return False
        if node.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
            report(field, f"must be {expect or 'a list without repeats'}, but got {_short(value)}")
            return False
        if "items" in node and field != "shades":  # shades are checked one by one by the caller
            return all(_validate(v, node["items"], field, report, file_format) for v in value)
    if kind == "object":
        return _validate_object(value, node, field, report, file_format)
    return True


def _validate_object(
    value: dict[str, Any], node: dict[str, Any], field: str | None, report: Report, file_format: int
) -> bool:
    properties: dict[str, Any] = node.get("properties", {})
    prefix = f"{field}." if field else ""
    ok = True
    for key in value:
        if key in properties:
            continue
        ok = False
        close = difflib.get_close_matches(key, list(properties), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        owner = (
            "a shade field"
            if "finish" in properties
            else ("a catalog field" if "shades" in properties else f"a field of '{field}'")
        )
        report(f"{prefix}{key}", f"is not {owner}; {hint}(known: {', '.join(properties)})")
    for key in node.get("required", []):
        if key not in value:
            ok = False
            report(f"{prefix}{key}", "is missing")
    for key, child in properties.items():
        if key not in value:
            continue
        since = _resolve(child).get("x-since", 1)
        if since > file_format:
            ok = False
            report(f"{prefix}{key}", f'needs format {since}: add "format": {since} at the top of the file')
            continue
        ok = _validate(value[key], child, f"{prefix}{key}", report, file_format) and ok
    return ok


def _fix_for(field: str | None, value: str) -> str:
    """A suggested correction for common string mistakes."""
    if field and field.split(".")[-1] in ("color", "shimmer_color", "inner_color"):
        digits = re.sub(r"[^0-9A-Fa-f]", "", value)
        if len(digits) == 3:
            return f"; short hex is not accepted, write '#{''.join(c * 2 for c in digits).upper()}'"
        if len(digits) == 6 and not value.startswith("#"):
            return f"; write '#{digits.upper()}'"
    if field == "id" and value.strip():
        suggestion = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
        if suggestion:
            return f"; e.g. '{suggestion}'"
    return ""


def _shade_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the items of the top-level "shades" list in JSON `text` (empty if not found)."""
    match = re.search(r'"shades"\s*:\s*\[', text)
    if match is None:
        return []
    decoder, pos = json.JSONDecoder(), match.end()
    spans: list[tuple[int, int]] = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return spans
        try:
            _, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return spans
        spans.append((pos, end))
        pos = end


class _Locator:
    """Line numbers of shades and their fields in a catalog's JSON text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = _shade_spans(text)
        self._newlines = [match.start() for match in re.finditer("\n", text)]  # a line lookup is a bisect

    def line(self, shade_index: int | None, field: str | None) -> int | None:
        """The line of `field` (dotted path) in shade `shade_index` (None: the catalog); where the
        field is absent, the line of its closest present parent."""
        start, end = (0, len(self.text)) if shade_index is None else self.spans[shade_index]
        for part in (field or "").split(".") if field else ():
            found = self.text.find(f'"{part}"', start, end)
            if found < 0:
                break
            start = found
        return bisect.bisect_left(self._newlines, start) + 1


@dataclass(frozen=True)
class CheckedCatalog:
    """The validated raw catalog (None when it has errors) and every problem found."""

    raw: dict[str, Any] | None
    problems: tuple[Problem, ...]
    shade_ids: tuple[tuple[str, int | None], ...] = ()  # every text id in the file with its line, errors or not

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")


def check_catalog_text(text: str, path: Path) -> CheckedCatalog:
    """Validate a catalog's JSON text; all problems are collected, none raised."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(path, exc.lineno, f"column {exc.colno}", None, f"invalid JSON: {exc.msg}")
        return CheckedCatalog(None, (problem,))
    except (ValueError, RecursionError) as exc:  # e.g. a 5000-digit number, or lists nested 10 000 deep
        return CheckedCatalog(None, (Problem(path, None, "file", None, f"not a usable JSON catalog ({exc})"),))
    locator = _Locator(text)
    return check_catalog_data(
        raw,
        path,
        lambda index, field: locator.line(index, field) if index is None or index < len(locator.spans) else None,
    )


def check_catalog_data(raw: Any, path: Path, line_of: Callable[[int | None, str | None], int | None]) -> CheckedCatalog:
    """Validate parsed catalog data; `line_of(shade_index or None, field)` places problems in the source."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        problems.append(
            Problem(path, 1, "catalog", None, "top level must be an object with brand, collection and shades")
        )
        return CheckedCatalog(None, tuple(problems))

    listed: list[Any] = raw["shades"] if isinstance(raw.get("shades"), list) else []
    shade_ids = tuple(
        (shade["id"], line_of(index, "id"))
        for index, shade in enumerate(listed)
        if isinstance(shade, dict) and isinstance(shade.get("id"), str)
    )

    def report_at(index: int | None, where: str, severity: str = "error") -> Report:
        return lambda field, message: problems.append(
            Problem(path, line_of(index, field), where, field, message, severity)
        )

    root = schema()
    declared = raw.get("format", 1)
    declared_ok = isinstance(declared, int) and not isinstance(declared, bool) and declared >= 1
    if declared_ok and declared > CURRENT_FORMAT:  # a newer file: nothing else in it can be judged
        report_at(None, "catalog")(
            "format", f"is {declared}, newer than this Tryon reads (up to {CURRENT_FORMAT}); update Tryon"
        )
        return CheckedCatalog(None, tuple(problems), shade_ids)
    file_format = declared if declared_ok else CURRENT_FORMAT  # a broken "format" is reported below
    _validate_object(raw, root, None, report_at(None, "catalog"), file_format)
    if declared_ok and declared >= 2 and "version" not in raw:
        report_at(None, "catalog")("version", 'is missing (required from format 2), e.g. "version": "2027.1"')
    for field, value in _text_fields(raw, ("brand", "collection")):
        if value.startswith(FORMULA_STARTS):
            report_at(None, "catalog")(field, _FORMULA_MESSAGE.format(start=value[0]))
    shades = listed
    shade_node = root["$defs"]["shade"]
    seen_ids: dict[str, int] = {}
    for index, shade in enumerate(shades):
        where = (
            f"shade '{shade['id']}'"
            if isinstance(shade, dict) and isinstance(shade.get("id"), str)
            else f"shade #{index + 1}"
        )
        report = report_at(index, where)
        if not isinstance(shade, dict):
            report(None, f"must be {_resolve(shade_node)['x-expect']}, but got {_short(shade)}")
            continue
        _validate(shade, shade_node, None, report, file_format)
        shade_id = shade.get("id")
        if isinstance(shade_id, str):
            if shade_id in seen_ids:
                report(
                    "id",
                    f"is used twice in this catalog (first by shade #{seen_ids[shade_id] + 1}); ids must be unique",
                )
            seen_ids.setdefault(shade_id, index)
        for field, value in _text_fields(shade, ("name", "sku", "url", "tags")):
            if value.startswith(FORMULA_STARTS):
                report(field, _FORMULA_MESSAGE.format(start=value[0]))
        if "price" in shade and "currency" not in raw:
            report("price", 'needs the catalog\'s "currency" (e.g. "currency": "EUR" at the top of the file)')
    if not any(p.severity == "error" for p in problems):
        problems += _warnings(shades, path, line_of)
    has_errors = any(p.severity == "error" for p in problems)
    problems.sort(key=lambda p: p.line if p.line is not None else 1 << 30)
    return CheckedCatalog(None if has_errors else raw, tuple(problems), shade_ids)


# Grid cells (L*, a*, b*) for the near-colour search. ΔE2000 ≥ |ΔL*| / S_L and S_L ≤ 1.75, so colours
# under ΔE2000 1 differ by < 1.75 in L*; between sRGB colours ΔE76 is at most ~7.6 × ΔE2000 (measured on
# 400,000 random pairs), so they differ by < 7.6 in a* and b*. Either way they sit in the same or
# neighbouring cells.
_NEAR_COLOUR_CELL = np.array([2.0, 10.0, 10.0])
_NEAR_COLOUR_MAX_DE76 = 8.0  # pairs further apart than this (cheap to compute) cannot be under ΔE2000 1
_NAMED_IN_CLUSTER = 5
_PAIRS_PER_BATCH = 100_000  # a warning names this many shades of a cluster, then counts the rest


def _near_colour_clusters(lab: np.ndarray, threshold: float) -> list[list[int]]:
    """Groups (in index order, each ≥ 2) of the Lab colours (n, 3) linked by ΔE2000 < `threshold`.

    Sub-quadratic: identical colours are merged first, and only colours in the same or a neighbouring
    grid cell are compared."""
    from tryon.colour import delta_e_2000

    unique, inverse = np.unique(lab, axis=0, return_inverse=True)
    parent = list(range(len(unique)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    cells: dict[tuple[int, ...], list[int]] = {}
    for index, cell in enumerate(np.floor(unique / _NEAR_COLOUR_CELL).astype(np.int64).tolist()):
        cells.setdefault(tuple(cell), []).append(index)
    offsets = [(dl, da, db) for dl in (-1, 0, 1) for da in (-1, 0, 1) for db in (-1, 0, 1)]
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    pending_pairs = 0

    def link_close(batch: list[tuple[np.ndarray, np.ndarray]]) -> None:
        left, right = np.concatenate([b[0] for b in batch]), np.concatenate([b[1] for b in batch])
        nearby = np.linalg.norm(unique[left] - unique[right], axis=1) < _NEAR_COLOUR_MAX_DE76 * threshold
        left, right = left[nearby], right[nearby]
        close = delta_e_2000(unique[left], unique[right]) < threshold
        for i, j in zip(left[close].tolist(), right[close].tolist(), strict=True):
            parent[root(i)] = root(j)

    for (cl, ca, cb), members in cells.items():
        own = np.array(members)
        for dl, da, db in offsets:
            if (dl, da, db) < (0, 0, 0):
                continue  # each pair of cells once: the other half of the offsets mirrors these
            neighbours = cells.get((cl + dl, ca + da, cb + db))
            if neighbours is None:
                continue
            other = np.array(neighbours)
            left, right = np.repeat(own, len(other)), np.tile(other, len(own))
            if (dl, da, db) == (0, 0, 0):  # within a cell, each pair once; across cells every pair is new
                keep = left < right
                left, right = left[keep], right[keep]
            pending.append((left, right))
            pending_pairs += len(left)
            if pending_pairs > _PAIRS_PER_BATCH:  # one ΔE2000 call per batch, memory bounded
                link_close(pending)
                pending.clear()
                pending_pairs = 0
    if pending:
        link_close(pending)
    groups: dict[int, list[int]] = {}
    for shade_index, colour_index in enumerate(np.ravel(inverse).tolist()):
        groups.setdefault(root(colour_index), []).append(shade_index)
    return sorted((group for group in groups.values() if len(group) > 1), key=lambda group: group[0])


def _text_fields(obj: dict[str, Any], fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """(field, text) of the string values of `fields` in `obj`, list fields expanded item by item."""
    found = []
    for field in fields:
        value = obj.get(field)
        items = value if isinstance(value, list) else [value]
        found += [(field, item) for item in items if isinstance(item, str)]
    return found


def _warnings(
    shades: list[dict[str, Any]], path: Path, line_of: Callable[[int | None, str | None], int | None]
) -> list[Problem]:
    """Likely mistakes in a valid catalog: near-identical colours, case-only name differences, un-lipstick colours."""
    from tryon.colour import delta_e_2000, rgb_to_lab

    found: list[Problem] = []

    def warn(index: int, field: str, message: str) -> None:
        found.append(Problem(path, line_of(index, field), f"shade '{shades[index]['id']}'", field, message, "warning"))

    rgb = np.array([[int(s["color"][i : i + 2], 16) for i in (1, 3, 5)] for s in shades], dtype=np.uint8)
    lab = rgb_to_lab(rgb).astype(np.float64)
    for cluster in _near_colour_clusters(lab, NEAR_DUPLICATE_DELTA_E):
        first, second, *rest = cluster
        if not rest:
            distance = float(delta_e_2000(lab[first], lab[second]))
            warn(
                second,
                "color",
                f"is nearly the colour of shade '{shades[first]['id']}' (ΔE2000 {distance:.2f} < 1): "
                "shoppers will not see a difference; check the hex values",
            )
            continue
        others = [first, *rest]
        named = ", ".join(f"'{shades[i]['id']}'" for i in others[:_NAMED_IN_CLUSTER])
        more = f" and {len(others) - _NAMED_IN_CLUSTER:,} more" if len(others) > _NAMED_IN_CLUSTER else ""
        warn(
            second,
            "color",
            f"is nearly the colour of {len(others):,} other shades: {named}{more} (each within ΔE2000 1 of another): "
            "shoppers will not see a difference; check the hex values",
        )
    by_folded_name: dict[str, int] = {}
    for i, shade in enumerate(shades):
        j = by_folded_name.setdefault(shade["name"].casefold(), i)
        if j != i and shades[j]["name"] != shade["name"]:
            warn(
                i,
                "name",
                f"{shade['name']!r} differs from shade '{shades[j]['id']}' ({shades[j]['name']!r}) only in case",
            )
    for i, (lightness, a, b) in enumerate(lab):
        reason = _unlipstick_reason(lightness, a, b)
        if reason:
            swapped = "#" + shades[i]["color"][5:7] + shades[i]["color"][3:5] + shades[i]["color"][1:3]
            swapped_lab = rgb_to_lab(np.array([[int(swapped[k : k + 2], 16) for k in (1, 3, 5)]], np.uint8))[0]
            hint = "" if _unlipstick_reason(*swapped_lab) else f"; did red and blue get swapped? ('{swapped.upper()}')"
            warn(i, "color", f"{shades[i]['color']} is {reason}, which lipstick rarely is{hint}")
    return found


def _unlipstick_reason(lightness: float, a: float, b: float) -> str:
    """Why a CIE Lab colour is outside what lipsticks look like ('' when it is plausible)."""
    if lightness > 92:
        return f"almost white (L* {lightness:.0f})"
    if a < -8:
        return f"green (a* {a:.0f})"
    hue = float(np.degrees(np.arctan2(b, a)))
    if np.hypot(a, b) > 20 and -120 < hue < -55:  # plums and violets sit nearer -30°
        return f"blue (hue {hue:.0f}°)"
    if lightness > 60 and np.hypot(a, b) < 6:
        return f"pale grey (chroma {np.hypot(a, b):.0f})"
    return ""
