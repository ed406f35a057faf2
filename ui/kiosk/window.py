"""The kiosk window: fullscreen, touch-sized, unattended. It draws and forwards; frames come from the same
`Worker` as the desktop app (in a QThread), pictures are encoded off the UI thread and handed to phones by
the share server. What is held, where and for how long: docs/kiosk.md."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from tryon.advisor.advice import Advice
from tryon.analytics.recorder import Recorder, ShopperEvents
from tryon.calibration import load_calibration
from tryon.catalog.library import ShadeLibrary
from tryon.catalog.model import Shade
from tryon.media.compose import Look, compose_picture, faces_box, focus_crop, shade_caption
from tryon.media.export import TryonMetadata, encode_image
from tryon.web.share import ShareServer, ShareStore
from ui.kiosk.config import KioskConfig
from ui.kiosk.session import Clock, PinGate, ShopperSession
from ui.shade_panel import swatch_icon
from ui.view import VideoView
from ui.worker import LiveFrame, Worker, thread_for

log = logging.getLogger("tryon.kiosk")

INTENSITY = 0.85
TOUCH_PX = 72  # ≥ 9 mm on a 21" 1080p screen (~0.24 mm/px) and on a 15" one (~0.17 mm/px)
_TICK_MS = 500
_NO_FRAMES_S = 3.0  # no frame for this long: the camera is away, show the friendly screen
_RESTART_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)
PRIVACY_NOTICE = (
    "Nothing is recorded: the camera picture stays on this screen. A picture you ask for is kept in memory "
    "only until you download it, for 10 minutes at most."
)
_BUTTON_STYLE = (
    "QPushButton { font-size: 22px; font-weight: bold; color: white; background: #8e2442; border: none;"
    " border-radius: 14px; padding: 10px 22px; }"
    "QPushButton:pressed { background: #6d1a33; } QPushButton:disabled { background: #777; }"
)
_BANNER_STYLE = "color: white; background: rgba(20, 18, 22, 190); border-radius: 14px; padding: 14px 22px;"


def _mirrored_box(
    box: tuple[float, float, float, float] | None, width: int
) -> tuple[float, float, float, float] | None:
    """`box` (x0, y0, x1, y1) in a frame `width` px wide, as it lies in the mirrored frame."""
    if box is None:
        return None
    x0, y0, x1, y1 = box
    return width - x1, y0, width - x0, y1


def qr_pixmap(url: str, size_px: int) -> QPixmap:
    """A QR code for `url` (segno, error correction M), black on white with the quiet zone, `size_px` square."""
    import segno

    matrix = np.array(segno.make(url, error="m").matrix, dtype=bool)
    quiet = 4
    modules = np.pad(~matrix, quiet, constant_values=True)  # True = white
    scale = max(1, size_px // modules.shape[0])
    image = np.repeat(np.repeat(modules, scale, axis=0), scale, axis=1).astype(np.uint8) * 255
    image = np.ascontiguousarray(image)
    qimage = QImage(image.data, image.shape[1], image.shape[0], image.strides[0], QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(qimage.copy())


class PinPad(QDialog):
    """An on-screen keypad for the operator's PIN (no keyboard needed). `exit_confirmed` on the right PIN."""

    exit_confirmed = Signal()

    def __init__(self, gate: PinGate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Operator")
        self.gate = gate
        self.entered = ""
        self.display = QLabel("Enter PIN", alignment=Qt.AlignmentFlag.AlignCenter, objectName="pin-display")
        self.display.setStyleSheet("font-size: 28px; padding: 10px;")
        grid = QGridLayout()
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "OK"]
        self.keys: dict[str, QPushButton] = {}
        for index, key in enumerate(keys):
            button = QPushButton(key, objectName=f"pin-{key}")
            button.setMinimumSize(TOUCH_PX, TOUCH_PX)
            button.setStyleSheet("font-size: 24px;")
            button.clicked.connect(lambda _=False, k=key: self.press(k))
            self.keys[key] = button
            grid.addWidget(button, index // 3, index % 3)
        cancel = QPushButton("Cancel")
        cancel.setMinimumHeight(TOUCH_PX)
        cancel.clicked.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.display)
        column.addLayout(grid)
        column.addWidget(cancel)

    def press(self, key: str) -> None:
        if key == "Clear":
            self.entered = ""
        elif key == "OK":
            result = self.gate.try_pin(self.entered)
            self.entered = ""
            if result == "ok":
                self.exit_confirmed.emit()
                self.accept()
                return
            locked = self.gate.locked_for()
            self.display.setText(f"Locked: try again in {locked:.0f} s" if locked > 0 else "Wrong PIN")
            return
        elif len(self.entered) < 8:
            self.entered += key
        self.display.setText("•" * len(self.entered) or "Enter PIN")


class KioskWindow(QWidget):
    """Attract screen until a face is seen; a session with shades, "For you", pictures to phones; reset after
    `idle_reset_s` without a face. Exits only by the operator's PIN."""

    _picture_encoded = Signal(object, object)  # (jpeg bytes, shade names) from the encoder thread

    def __init__(
        self,
        library: ShadeLibrary,
        config: KioskConfig,
        *,
        share_server: ShareServer | None = None,
        store: ShareStore | None = None,
        clock: Clock = time.monotonic,
        demo_fps: float = 30.0,
        recorder: Recorder | None = None,
    ) -> None:
        super().__init__()
        self.recorder = recorder
        self.events = ShopperEvents(recorder, library.catalogs)
        self.setWindowTitle("Tryon kiosk")
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint)
        self.setStyleSheet("background: #111014;")
        self.library = library
        self.config = config
        self.clock = clock
        self.session = ShopperSession(config.idle_reset_s, clock=clock)
        self.pin_gate = PinGate(config.exit_pin, config.pin_attempts, config.pin_lockout_s, clock)
        self.store = store if store is not None else ShareStore(ttl_s=config.link_ttl_s, clock=clock)
        self.share_server = share_server
        self.shade: Shade = library.shades[0]
        self.last_frame: LiveFrame | None = None
        self.last_frame_at = clock()
        self.share_url: str | None = None
        self.resets = 0
        self.restarts = 0
        self._attract_index = 0
        self._last_attract_step = clock()
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tryon-kiosk-encode")
        self._picture_encoded.connect(self._on_picture_encoded)
        self._demo_fps = demo_fps
        self._closing = False

        self.view = VideoView()
        self.view.placeholder = "Starting the camera…"
        self.attract = QLabel(
            f"<div style='font-size:40px;font-weight:bold'>Try a lipstick — step closer</div>"
            f"<div style='font-size:18px;margin-top:8px'>{PRIVACY_NOTICE}</div>",
            objectName="attract",
            wordWrap=True,
            alignment=Qt.AlignmentFlag.AlignCenter,
        )
        self.attract.setStyleSheet(_BANNER_STYLE)
        self.away = QLabel(
            "<div style='font-size:34px;font-weight:bold'>The camera is taking a short break</div>"
            "<div style='font-size:20px'>It will be back in a moment.</div>",
            objectName="camera-away",
            alignment=Qt.AlignmentFlag.AlignCenter,
            visible=False,
        )
        self.away.setStyleSheet(_BANNER_STYLE)
        self.shades = QListWidget(objectName="kiosk-shades")
        self.shades.setViewMode(QListWidget.ViewMode.IconMode)  # swatch above its name
        self.shades.setFlow(QListWidget.Flow.LeftToRight)
        self.shades.setWrapping(False)
        self.shades.setMovement(QListWidget.Movement.Static)
        self.shades.setIconSize(QSize(TOUCH_PX * 3 // 2, TOUCH_PX // 2))
        self.shades.setFixedHeight(TOUCH_PX * 2)
        self.shades.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.shades.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.shades.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)  # swipe
        self.shades.setStyleSheet(
            "QListWidget { background: rgba(20,18,22,200); color: white; font-size: 17px; border: none; }"
            "QListWidget::item { padding: 6px 12px; } QListWidget::item:selected { background: #8e2442; }"
        )
        self.shades.setHorizontalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        for shade in library.shades:
            item = QListWidgetItem(swatch_icon(shade, INTENSITY), shade.name)
            item.setData(Qt.ItemDataRole.UserRole, shade.id)
            item.setSizeHint(QSize(TOUCH_PX * 2 + 24, TOUCH_PX * 2 - 24))
            self.shades.addItem(item)
        self.shades.itemClicked.connect(self._on_shade_clicked)
        self.snapshot = QPushButton("Take picture", objectName="kiosk-snapshot")
        self.for_you = QPushButton("For you", objectName="kiosk-for-you")
        self.start_over = QPushButton("Start over", objectName="kiosk-start-over")
        for button in (self.snapshot, self.for_you, self.start_over):
            button.setMinimumSize(TOUCH_PX * 3, TOUCH_PX)
            button.setStyleSheet(_BUTTON_STYLE)
        self.snapshot.clicked.connect(self.take_picture)
        self.for_you.clicked.connect(self.request_advice)
        self.start_over.clicked.connect(lambda: self.reset_session("start over"))
        self.advice = QLabel(objectName="kiosk-advice", wordWrap=True, visible=False)
        self.advice.setStyleSheet(_BANNER_STYLE + "font-size: 18px;")
        self.qr = QLabel(objectName="kiosk-qr", alignment=Qt.AlignmentFlag.AlignCenter, visible=False)
        self.qr.setStyleSheet("background: white; border-radius: 14px; padding: 16px;")
        self.qr_text = QLabel(objectName="kiosk-qr-text", wordWrap=True, visible=False)
        self.qr_text.setStyleSheet(_BANNER_STYLE + "font-size: 20px;")
        self.qr_done = QPushButton("Done", objectName="kiosk-qr-done", visible=False)
        self.qr_done.setMinimumSize(TOUCH_PX * 2, TOUCH_PX)
        self.qr_done.setStyleSheet(_BUTTON_STYLE)
        self.qr_done.clicked.connect(self.hide_qr)
        self.operator = QPushButton("", objectName="kiosk-operator")  # a plain corner: hold it to exit
        self.operator.setFixedSize(TOUCH_PX, TOUCH_PX)
        self.operator.setStyleSheet("background: transparent; border: none;")
        self._operator_hold = QTimer(self, singleShot=True, interval=2000)
        self._operator_hold.timeout.connect(self.ask_pin)
        self.operator.pressed.connect(self._operator_hold.start)
        self.operator.released.connect(self._operator_hold.stop)

        buttons = QHBoxLayout()
        for button in (self.start_over, self.for_you):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.snapshot)
        share = QVBoxLayout()
        share.addStretch(1)
        share.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        share.addWidget(self.qr_text)
        share.addWidget(self.qr_done, 0, Qt.AlignmentFlag.AlignHCenter)
        share.addStretch(1)
        overlay = QVBoxLayout()
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.operator)
        overlay.addLayout(top)
        overlay.addWidget(self.attract)
        overlay.addWidget(self.away)
        overlay.addWidget(self.advice)
        overlay.addStretch(1)
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addLayout(share)
        overlay.addLayout(middle)
        overlay.addWidget(self.shades)
        overlay.addLayout(buttons)
        self.view.setLayout(overlay)
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.addWidget(self.view)

        self.thread: QThread | None = None
        self.worker: Worker | None = None
        self._start_worker()
        self._ticker = QTimer(self, interval=_TICK_MS)
        self._ticker.timeout.connect(self.tick)
        self._show_attract(True)

    # ----- worker
    def _start_worker(self) -> None:
        options = {"max_faces": self.config.max_faces, "far_faces": self.config.far_faces}
        calibration = load_calibration(Path(self.config.calibration)) if self.config.calibration else None
        self.worker = Worker(
            self.config.camera,
            demo_fps=self._demo_fps,
            max_retry_s=30.0,
            pipeline_options=options,
            calibration=calibration,
            true_colours=self.config.true_colours,
        )
        self.thread = thread_for(self.worker, self)
        self.worker.frame_ready.connect(self.on_frame)
        self.worker.status.connect(self.on_status)
        self.worker.error.connect(self.on_worker_error)
        self.worker.advice_ready.connect(self.on_advice)
        self.worker.advice_failed.connect(self.on_advice_failed)
        self._push_look()

    def start(self) -> None:
        """Start the camera, the clock tick and the share server."""
        if self.thread is not None:
            self.thread.start()
        self._ticker.start()

    def _stop_worker(self) -> None:
        if self.worker is not None and self.thread is not None:
            self.worker.stop()
            self.thread.quit()
            self.thread.wait(5000)
        self.worker = None
        self.thread = None

    @Slot(str)
    def on_worker_error(self, message: str) -> None:
        """The pipeline stopped: log it (words only, never pixels) and start a new worker after a pause."""
        log.error("kiosk worker stopped: %s", message)
        if self._closing:
            return
        delay = _RESTART_DELAYS_S[min(self.restarts, len(_RESTART_DELAYS_S) - 1)]
        self.restarts += 1
        self._show_away(True)
        QTimer.singleShot(int(delay * 1000), self._restart_worker)

    def _restart_worker(self) -> None:
        if self._closing:
            return
        self._stop_worker()
        self._start_worker()
        self.start()

    def _push_look(self) -> None:
        if self.worker is None:
            return
        self.worker.set_look(
            Look(shade=self.shade, intensity=INTENSITY, mirror=True, display_wh=self.view.display_size())
        )

    # ----- frames and the clock
    @Slot(object)
    def on_frame(self, frame: LiveFrame) -> None:
        self.last_frame = frame
        self.last_frame_at = self.clock()
        self._show_away(False)
        if self.session.saw_frame(frame.result.faces_found):
            self._show_attract(False)
            self.events.new_session()
            self._record("session_start")
        if self.session.active:
            self.events.frame(self.shade.id, frame.result.faces_found)
        self.view.set_frames(frame.display, None, captured_s=frame.captured_s)

    @Slot(str)
    def on_status(self, message: str) -> None:
        if "retrying" in message:
            log.warning("kiosk camera: %s", message)
            self._show_away(True)

    @Slot()
    def tick(self) -> None:
        """Every half second: end an idle session, step the attract carousel, notice a silent camera."""
        now = self.clock()
        if self.session.due_for_reset():
            self.reset_session("idle")
        if not self.session.active and now - self._last_attract_step >= self.config.attract_shade_s:
            self._last_attract_step = now
            self._attract_index = (self._attract_index + 1) % len(self.library.shades)
            self.set_shade(self.library.shades[self._attract_index].id)
        if now - self.last_frame_at > _NO_FRAMES_S:
            self._show_away(True)

    # ----- shopper actions
    def set_shade(self, shade_id: str) -> None:
        self.shade = self.library.get(shade_id)
        for row in range(self.shades.count()):
            if self.shades.item(row).data(Qt.ItemDataRole.UserRole) == shade_id:
                self.shades.setCurrentRow(row)
                self.shades.scrollToItem(self.shades.item(row))
        self._push_look()

    def _on_shade_clicked(self, item: QListWidgetItem) -> None:
        self.set_shade(str(item.data(Qt.ItemDataRole.UserRole)))

    @Slot()
    def take_picture(self) -> None:
        """Freeze the frame and hand it to the share server (encoded off the UI thread); a QR code follows."""
        frame = self.last_frame
        if frame is None or not frame.result.faces_found or frame.result.shade is None:
            self._say("Step in front of the camera first")
            return
        shade, result = frame.result.shade, frame.result
        names = [shade_caption(shade) + (f" — {shade.brand}" if shade.brand else "")]

        def encode() -> None:
            # Cropped around the faces (head and shoulders), not the whole shop: what a phone should get.
            full = compose_picture(result, mirror=True)
            x0, y0, x1, y1 = focus_crop(full.shape[:2], _mirrored_box(faces_box(result.faces), full.shape[1]), 4 / 3)
            picture = np.ascontiguousarray(full[y0:y1, x0:x1])
            jpeg = encode_image(picture, metadata=TryonMetadata.from_shade(shade, intensity=result.intensity))
            self._picture_encoded.emit(jpeg, names)

        self.snapshot.setEnabled(False)
        self._record("snapshot", shade)
        self._encoder.submit(encode)

    @Slot(object, object)
    def _on_picture_encoded(self, jpeg: bytes, names: list[str]) -> None:
        self.snapshot.setEnabled(True)
        if not self.session.active:
            return  # the shopper left while it was encoding: keep nothing
        token = self.store.add(jpeg, names)
        if token is None:  # a hundred pictures waiting already: this shopper has plenty to download
            self.qr_text.setText("Too many pictures are waiting to be downloaded: scan one of them first.")
            self.qr_text.setVisible(True)
            return
        self.share_url = f"{self.config.share_base_url}/s/{token}"
        self.qr.setPixmap(qr_pixmap(self.share_url, 320))
        minutes = round(self.config.link_ttl_s / 60)
        self.qr_text.setText(
            f"Scan with your phone's camera to get your picture. The link works once, for {minutes} min."
        )
        for widget in (self.qr, self.qr_text, self.qr_done):
            widget.setVisible(True)

    @Slot()
    def hide_qr(self) -> None:
        for widget in (self.qr, self.qr_text, self.qr_done):
            widget.setVisible(False)
        self.qr.clear()
        self.share_url = None

    @Slot()
    def request_advice(self) -> None:
        if self.worker is None:
            return
        self.for_you.setEnabled(False)
        self._say("Look at the camera for a moment…")
        self.worker.request_advice(tuple(self.library.shades))

    @Slot(object)
    def on_advice(self, advice: Advice) -> None:
        self.for_you.setEnabled(True)
        if not self.session.active or not advice.picks:
            self.advice.setVisible(False)
            return
        lines = [f"<b>{advice.summary()}</b>"]
        if advice.caveat:
            lines.append(f"<i>{advice.caveat}</i>")
        lines += [f"<i>{sentence}</i>" for sentence in advice.missing]
        lines += [f"{i}. <b>{p.shade.name}</b> — {p.reason}" for i, p in enumerate(advice.picks[:3], 1)]
        self.advice.setText("<br>".join(lines))
        self.advice.setVisible(True)
        self.set_shade(advice.picks[0].shade.id)

    @Slot(str)
    def on_advice_failed(self, message: str) -> None:
        self.for_you.setEnabled(True)
        self._say(message)

    def _say(self, text: str) -> None:
        self.advice.setText(text)
        self.advice.setVisible(True)

    # ----- session
    def reset_session(self, why: str) -> None:
        """A new shopper: clear the shade, the advice, the QR code, every picture and share link in memory,
        and the face tracking."""
        dropped = self.store.clear()
        if self.session.active or why == "idle":
            self.events.flush()
            self._record("session_end")
        self.hide_qr()
        self.advice.clear()
        self.advice.setVisible(False)
        self.session.end()
        self.last_frame = None  # the shopper's last frame (and its "before" pixels) goes too
        self._attract_index = 0
        self._last_attract_step = self.clock()
        self.set_shade(self.library.shades[0].id)
        if self.worker is not None:
            self.worker.reset_tracking()
        self.resets += 1
        self._show_attract(True)
        log.info("kiosk session reset (%s); %d picture(s) dropped", why, dropped)

    # ----- analytics (anonymous; nothing about the face)
    def _record(self, kind: str, shade: Shade | None = None, **fields: object) -> None:
        self.events.record(kind, shade, **fields)

    def picture_downloaded(self) -> None:
        """Called by the share server's thread when a phone downloads a picture: a share by QR."""
        self._record("shared", self.shade, value="qr")

    def _show_attract(self, on: bool) -> None:
        self.attract.setVisible(on)
        for widget in (self.snapshot, self.for_you, self.start_over):
            widget.setVisible(not on)

    def _show_away(self, on: bool) -> None:
        self.away.setVisible(on)

    # ----- operator
    @Slot()
    def ask_pin(self) -> PinPad:
        pad = PinPad(self.pin_gate, self)
        pad.exit_confirmed.connect(self.exit_kiosk)
        pad.open()
        return pad

    @Slot()
    def exit_kiosk(self) -> None:
        """Close for good (after the operator's PIN, or a SIGTERM/SIGINT from the system)."""
        self._exit_allowed = True
        self.close()

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        if not getattr(self, "_exit_allowed", False):
            event.ignore()  # Alt+F4 and the like: only the operator's PIN closes the kiosk
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the camera, the timers, the encoder and the share server; drop every picture."""
        self._closing = True
        self._ticker.stop()
        self._stop_worker()
        self._encoder.shutdown(wait=True)
        self.store.clear()
        if self.share_server is not None:
            self.share_server.stop()
        if self.recorder is not None:
            self.events.flush()
            if self.session.active:
                self._record("session_end")
            self.recorder.close()
