"""`tryon web build`: the try-on as a self-contained static folder that any web host or CDN serves, with no Tryon
process behind it — for a brand's own product pages.

The folder::

    index.html       the phone page (shade chips, intensity, hold for before, Save picture) on <tryon-lipstick>
    embed.html       the two lines a brand pastes into its own page, and the element running under them
    sw.js            a service worker: a second visit starts offline
    _headers         the response headers the host should send (Netlify / Cloudflare Pages format; docs/web.md
                     has them for nginx and others)
    tryon-<hash>/    everything else, under a name made of its contents' sha256: the element and its engine, the
                     tasks-vision files, the model, the catalog (catalog.json) and the chips' on-lips swatches —
                     a CDN may cache it forever; a new build is a new folder

Every URL is relative, so the folder works under any path. The catalogs are checked by `tryon shades check`'s
checker before anything is written, and the folder is written beside its final place and moved there whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tryon.catalog.model import Shade
from tryon.web.engine_constants import web_catalog
from tryon.web.page_files import PageFile, page_files
from tryon.web.phone import CONTENT_SECURITY_POLICY

ASSETS_PREFIX = "tryon-"
# tryon serve's pages only (the server stream and its busy page need a server); index.html is rewritten below.
_SERVER_ONLY = ("index.html", "stream.html", "busy.html", "stream.js")


@dataclass(frozen=True)
class Site:
    """A built folder: where, the content-hashed assets folder's name, and how many files and bytes."""

    folder: Path
    assets: str
    files: int
    bytes: int


def _asset_files(served: dict[str, PageFile], shades: Sequence[Shade]) -> dict[str, bytes]:
    from tryon.web.phone import swatch_png

    assets = {name: file.data for name, file in served.items() if name not in _SERVER_ONLY}
    assets["catalog.json"] = json.dumps(web_catalog(tuple(shades)), ensure_ascii=False).encode()
    for shade in shades:
        assets[f"swatches/{shade.id}.png"] = swatch_png(shade)
    return assets


def _digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()[:16]


def _policy(events_url: str | None) -> str:
    """The pages' Content-Security-Policy: tryon serve's, with the events collector's origin allowed to connect."""
    origin = _origin(events_url) if events_url else ""
    return CONTENT_SECURITY_POLICY.replace("connect-src 'self'", f"connect-src 'self' {origin}".rstrip())


def _policy_meta(events_url: str | None) -> str:
    """The policy as a <meta> (frame-ancestors cannot be set there; `_headers` sets it): a host that sends no
    headers still keeps MediaPipe's usage-metrics request from leaving the page."""
    policy = "; ".join(part for part in _policy(events_url).split("; ") if not part.startswith("frame-ancestors"))
    return f'<meta http-equiv="Content-Security-Policy" content="{_attribute(policy)}">'


def _index(template: str, assets: str, events_url: str | None) -> str:
    page = template.replace('href="/static/', f'href="{assets}/').replace('src="/static/', f'src="{assets}/')
    page = page.replace('catalog="/catalog.json"', f'catalog="{assets}/catalog.json"')
    page = page.replace('<meta charset="utf-8">', f'<meta charset="utf-8">\n{_policy_meta(events_url)}', 1)
    body = (
        f'<body data-catalog="{assets}/catalog.json" data-swatches="{assets}/swatches/" data-advice="" '
        f'data-stream="" data-service-worker="sw.js" data-events="{_attribute(events_url or "")}">'
    )
    start = page.index("<body")
    return page[:start] + body + page[page.index(">", start) + 1 :]


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _embed(assets: str, base_url: str, first_shade: str, events_url: str | None) -> str:
    base = base_url if not base_url or base_url.endswith("/") else base_url + "/"
    script = f'<script type="module" src="{base}{assets}/tryon-lipstick.js"></script>'
    element = (
        f'<tryon-lipstick catalog="{base}{assets}/catalog.json" shade="{first_shade}" intensity="0.85" '
        'mirror="true"></tryon-lipstick>'
    )
    escaped = "\n".join(_attribute(line) for line in (script, element))
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{_policy_meta(events_url)}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tryon — embed the lipstick try-on in your page</title>
<link rel="stylesheet" href="{assets}/style.css">
</head>
<body class="embed">
<main>
<h1>Put the try-on on your product page</h1>
<p>Paste these two lines where the try-on should appear (the camera picture never leaves the shopper's browser):</p>
<pre id="snippet">{escaped}</pre>
<p>Attributes: <code>shade</code> (a shade id from the catalog), <code>intensity</code> (0–1), <code>mirror</code>
(true/false); each takes effect on the next frame. Your page's Content-Security-Policy must allow scripts from this
folder, <code>'wasm-unsafe-eval'</code>, <code>connect-src</code> and <code>worker-src</code> to it (see
<code>_headers</code>). Served from your page's own origin, faces are found in a worker beside the page (faster);
from another origin, on the page itself.</p>
<div class="preview">
<tryon-lipstick catalog="{assets}/catalog.json" shade="{first_shade}" intensity="0.85" mirror="true"></tryon-lipstick>
</div>
<script type="module" src="{assets}/tryon-lipstick.js"></script>
</main>
</body>
</html>
"""


def _service_worker(assets: str, names: Sequence[str]) -> str:
    urls = ["./", "index.html", "embed.html", *(f"{assets}/{name}" for name in sorted(names))]
    template = (Path(__file__).resolve().parent / "service-worker.js").read_text(encoding="utf-8")
    return template.replace('"__CACHE__"', json.dumps(assets)).replace("__FILES__", json.dumps(urls, indent=0))


def _headers(assets: str, events_url: str | None) -> str:
    policy = _policy(events_url)
    return f"""# Response headers for this folder (Netlify / Cloudflare Pages `_headers` format; docs/web.md: nginx).
/*
  Content-Security-Policy: {policy}
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
  Permissions-Policy: camera=(self)
/{assets}/*
  Cache-Control: public, max-age=31536000, immutable
/*.wasm
  Content-Type: application/wasm
/index.html
  Cache-Control: no-cache
/embed.html
  Cache-Control: no-cache
/sw.js
  Cache-Control: no-cache
"""


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def build_site(out_dir: Path, shades: Sequence[Shade], *, events_url: str | None = None, base_url: str = "") -> Site:
    """Write the static folder for `shades` (already checked) to `out_dir`, replacing what was there.

    `events_url`: where the page posts its anonymous try-on events (a `tryon serve` collector's /events, or any
    host's); None: the page records nothing. `base_url`: the folder's public URL, for the lines embed.html shows.
    """
    if not shades:
        raise ValueError("no shades to build a page for")
    served = page_files()  # checked against the pinned hashes once
    assets = _asset_files(served, shades)
    folder_name = ASSETS_PREFIX + _digest(assets)
    template = served["index.html"].data.decode("utf-8")
    top = {
        "index.html": _index(template, folder_name, events_url).encode(),
        "embed.html": _embed(folder_name, base_url, shades[0].id, events_url).encode(),
        "sw.js": _service_worker(folder_name, list(assets)).encode(),
        "_headers": _headers(folder_name, events_url).encode(),
    }
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    try:
        staging.chmod(0o755)  # mkdtemp's 0700 would hide the folder from the web server's user
        for name, data in top.items():
            (staging / name).write_bytes(data)
        for name, data in assets.items():
            path = staging / folder_name / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
        os.replace(staging, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    total = sum(len(d) for d in top.values()) + sum(len(d) for d in assets.values())
    return Site(out_dir, folder_name, len(top) + len(assets), total)
