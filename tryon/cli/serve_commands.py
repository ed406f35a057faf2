"""`tryon serve`: the phone page (the phone's own camera, lipstick painted here, shown in its browser)."""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
import time
from pathlib import Path

from tryon.cli.common import shade_library
from tryon.errors import TryonError


def bind_arg(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    try:
        ipaddress.ip_address(host.strip("[]"))
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not IP:PORT (e.g. 192.168.1.20:8443)") from None
    if not sep or not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: the port must be 0–65535 (0: any free port)")
    return host.strip("[]"), number


def _check_certificate(certfile: str, keyfile: str) -> None:
    """Refuse, before anything starts, a certificate and key that TLS cannot use (uvicorn would fail on its
    thread with a traceback, and the failure would read like a busy address)."""
    import ssl

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except ssl.SSLError:
        raise TryonError(
            f"--cert {certfile} --key {keyfile}: not a PEM certificate and its matching private key "
            "(or use --self-signed)"
        ) from None
    except OSError as exc:
        raise TryonError(f"--cert {certfile} --key {keyfile}: cannot read ({exc.strerror})") from None


def cmd_serve(args: argparse.Namespace) -> int:
    from tryon.web.phone import phone_app
    from tryon.web.share import BackgroundServer

    host, port = args.bind
    certfile = keyfile = None
    if args.self_signed:
        from tryon.web.certificate import self_signed

        cert, key = self_signed(host)
        certfile, keyfile = str(cert), str(key)
    elif args.cert or args.key:
        if not (args.cert and args.key):
            raise TryonError("give both --cert FILE and --key FILE (or --self-signed)")
        for path in (args.cert, args.key):
            if not Path(path).is_file():
                raise TryonError(f"{path}: file not found")
        certfile, keyfile = str(args.cert), str(args.key)
        _check_certificate(certfile, keyfile)
    library = shade_library(args)
    recorder = server = events_store = None
    # Ctrl-C or SIGTERM (tryon.interrupts), whenever it comes, ends here: the server stops, its phones' sessions
    # end, and the recorder writes every event before the process exits (with 0: stopping is how a server ends).
    try:
        if not args.no_analytics:
            from tryon.analytics.recorder import Recorder
            from tryon.analytics.store import default_url, open_store

            device = f"phones-{socket.gethostname()}"[:64]
            url = args.analytics_db or default_url()
            recorder = Recorder(url, device, catalogs=library.catalogs)
            # The collector's: POST /events writes through it, committed per request. (The recorder remembers the
            # catalogs' shades for the report.)
            events_store = open_store(url)
        from tryon.web.collector import EventCatalog

        app = phone_app(
            library.shades,
            max_phones=args.max_phones,
            recorder=recorder,
            requests_per_minute=600 * args.phones_per_address,
            events_store=events_store,
            event_catalog=EventCatalog.from_catalogs(library.catalogs),
            events_per_minute=args.events_per_minute,
            allow_origins=args.allow_origin or (),
            device_id=f"web-{socket.gethostname()}"[:64],
        )
        server = BackgroundServer(
            app,
            host,
            port,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
            clients_per_address=args.phones_per_address,
        )
        try:
            server.start()
        except OSError as exc:
            server = None
            raise TryonError(f"{host}:{port}: cannot listen there ({exc})") from None
        scheme = "https" if certfile else "http"
        print(
            f"Tryon for phones at {scheme}://{host}:{server.port}/ — up to {args.max_phones} phones; Ctrl-C stops",
            flush=True,
        )
        if not certfile and not ipaddress.ip_address(host).is_loopback:
            print(
                "tryon: warning: without --self-signed or --cert, phones refuse the camera on a plain http page",
                file=sys.stderr,
            )
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        if server is not None:
            server.stop()
        if recorder is not None:
            recorder.close()
        if events_store is not None:
            events_store.close()


def origin_arg(text: str) -> str:
    """An --allow-origin value: scheme://host[:port], nothing after it."""
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise argparse.ArgumentTypeError(f"{text!r} is not an origin like https://brand.example")
    return f"{parts.scheme}://{parts.netloc}"
