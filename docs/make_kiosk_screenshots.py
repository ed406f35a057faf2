"""Screenshots of the kiosk for docs/img, taken from the X screen, and the phone page from headless Chromium.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python docs/make_kiosk_screenshots.py docs/img

Needs ImageMagick's `import` and Debian's `chromium`. Faces: the public-domain NASA astronaut and the 2012
official portrait of Barack Obama (docs/faces).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from make_screenshots import _shoot, _wait  # docs/ is on the path when this script runs
from PySide6.QtWidgets import QApplication
from skimage import data

from tryon.catalog.library import load_library
from tryon.media.sources import read_image
from tryon.quality.far_faces import clip_frames
from tryon.web.share import ShareServer, ShareStore
from ui.kiosk.config import KioskConfig
from ui.kiosk.window import KioskWindow

FACES = Path(__file__).resolve().parent / "faces"


def _write_clip(path: Path, frames: list[np.ndarray]) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (1280, 720))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def _two_shoppers(count: int) -> list[np.ndarray]:
    """Two public-domain faces about 1.2 m from the camera (faces ~150 px wide), swaying a little."""
    background = next(clip_frames([], 1))[0]
    heads = [data.astronaut()[0:300, 110:360], read_image(FACES / "obama_2012.jpg")[20:470, 60:460]]
    heads = [
        cv2.resize(head, (260, int(260 * head.shape[0] / head.shape[1])), interpolation=cv2.INTER_AREA)
        for head in heads
    ]
    frames = []
    for index in range(count):
        frame = background.copy()
        for slot, head in enumerate(heads):
            dx = int(6 * np.sin(index / 9 + slot))
            x, y = 250 + slot * 520 + dx, 170
            frame[y : y + head.shape[0], x : x + head.shape[1]] = head
        frames.append(frame)
    return frames


def main(out_dir: Path) -> None:
    app = QApplication(sys.argv[:1])
    out_dir.mkdir(parents=True, exist_ok=True)
    library = load_library()
    with tempfile.TemporaryDirectory() as folder:
        empty = _write_clip(Path(folder) / "empty.avi", [next(clip_frames([], 1))[0]] * 60)
        shoppers = _write_clip(Path(folder) / "shoppers.avi", _two_shoppers(300))
        store = ShareStore(ttl_s=600)
        server = ShareServer(store, "127.0.0.1", 0)
        server.start()
        config = KioskConfig(exit_pin="4071", camera=str(empty), share_bind=f"127.0.0.1:{server.port}")
        window = KioskWindow(library, config, share_server=server, store=store)
        window.setGeometry(0, 0, 1280, 800)
        window.show()
        window.start()
        _wait(4)
        _shoot(out_dir / "kiosk_attract.png")

        window.worker.set_source(str(shoppers))
        _wait(3)
        window.set_shade("mv-ruby-hour")
        _wait(3)
        _shoot(out_dir / "kiosk_two_faces.png")

        window.take_picture()
        _wait(2)
        _shoot(out_dir / "kiosk_share.png")
        url = window.share_url
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=390,844",
                f"--screenshot={out_dir / 'kiosk_phone_page.png'}",
                str(url),
            ],
            check=True,
            capture_output=True,
        )
        print(f"wrote {out_dir / 'kiosk_phone_page.png'}")
        window.exit_kiosk()
    app.quit()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
