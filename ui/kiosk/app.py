"""`tryon kiosk`: start the share server and the fullscreen kiosk window from a checked config."""

from __future__ import annotations

import logging
import socket

from tryon.analytics.recorder import Recorder
from tryon.catalog.library import ShadeLibrary, load_library
from tryon.errors import TryonError
from tryon.web.share import ShareServer, ShareStore
from ui.kiosk.config import KioskConfig
from ui.kiosk.window import KioskWindow
from ui.stop_signals import application


def _recorder(config: KioskConfig, library: ShadeLibrary) -> Recorder:
    """The kiosk's event recorder: `analytics_db` (default: this machine's per-user SQLite file), named by
    `device_id` (default: "kiosk-" + the host name); `analytics = false` records nothing."""
    from tryon.analytics.store import url_of

    device = config.device_id or f"kiosk-{socket.gethostname()}"[:64]
    return Recorder(
        url_of(config.analytics_db),
        device,
        enabled=config.analytics,
        retention_days=config.retention_days,
        catalogs=library.catalogs,
    )


def run_kiosk(config: KioskConfig) -> int:
    """Run the kiosk until the operator exits (PIN) or the system stops it (SIGTERM/SIGINT); the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if config.share_bind_warning:
        logging.getLogger("tryon.kiosk").warning(config.share_bind_warning)
    with application("Tryon kiosk") as (app, stop_signals):
        library = load_library(*config.catalogs)
        if not library.shades:
            raise TryonError("no usable shade catalog: " + "; ".join(map(str, library.errors)))
        recorder = _recorder(config, library)
        window_ref: list[KioskWindow] = []
        store = ShareStore(
            ttl_s=config.link_ttl_s, on_taken=lambda: window_ref[0].picture_downloaded() if window_ref else None
        )
        host, port = config.share_host_port
        server = ShareServer(
            store, host, port, requests_per_minute=config.share_requests_per_minute, phone_url=config.phone_url
        )
        try:
            server.start()
        except OSError as exc:
            raise TryonError(f"share_bind {config.share_bind}: cannot listen there ({exc})") from None
        window = KioskWindow(library, config, share_server=server, store=store, recorder=recorder)
        window_ref.append(window)
        screen = app.primaryScreen()
        if screen is not None:
            window.setGeometry(screen.geometry())  # without a window manager showFullScreen alone does not resize
        # The system stopping the kiosk ends it as the operator's PIN would: session ended, pictures dropped, server
        # down.
        stop_signals.received.connect(window.exit_kiosk)
        stop_signals.received.connect(app.quit)
        window.showFullScreen()
        window.start()
        return int(app.exec())
