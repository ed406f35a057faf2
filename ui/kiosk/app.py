"""`tryon kiosk`: start the share server and the fullscreen kiosk window from a checked config."""

from __future__ import annotations

import logging
import signal
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tryon.catalog.library import load_library
from tryon.errors import TryonError
from tryon.web.share import ShareServer, ShareStore
from ui.kiosk.config import KioskConfig
from ui.kiosk.window import KioskWindow


def run_kiosk(config: KioskConfig) -> int:
    """Run the kiosk until the operator exits (PIN) or the system stops it (SIGTERM/SIGINT); the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Tryon kiosk")
    library = load_library(*config.catalogs)
    if not library.shades:
        raise TryonError("no usable shade catalog: " + "; ".join(map(str, library.errors)))
    store = ShareStore(ttl_s=config.link_ttl_s)
    host, port = config.share_host_port
    server = ShareServer(store, host, port, requests_per_minute=config.share_requests_per_minute)
    try:
        server.start()
    except OSError as exc:
        raise TryonError(f"share_bind {config.share_bind}: cannot listen there ({exc})") from None
    window = KioskWindow(library, config, share_server=server, store=store)
    screen = app.primaryScreen()
    if screen is not None:
        window.setGeometry(screen.geometry())  # without a window manager showFullScreen alone does not resize
    window.showFullScreen()
    window.start()

    def stop(signum: int, _frame: object) -> None:
        window.exit_kiosk()
        QApplication.quit()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    heartbeat = QTimer(window, interval=200)  # lets Python see signals while Qt's loop runs
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start()
    return int(app.exec())
