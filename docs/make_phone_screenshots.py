"""The phone page in headless Chromium at a phone's viewport (390×844), fed by a fake camera playing the bundled
public-domain demo face: docs/img/phone_live.png and docs/img/phone_for_you.png.

    .venv/bin/python docs/make_phone_screenshots.py docs/img      (needs Debian's chromium and chromium-driver)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import cv2
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tryon.catalog.library import load_library
from tryon.media.sources import DemoSource
from tryon.web.certificate import self_signed
from tryon.web.phone import phone_app
from tryon.web.share import BackgroundServer


def write_y4m(path: Path, frames: int = 60, size_wh: tuple[int, int] = (480, 640)) -> Path:
    """A portrait clip, as a phone held upright sends."""
    width, height = size_wh
    source = DemoSource(size_wh=(height, height))  # square, then cropped to portrait
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(frames):
            frame = source.frame(index)
            x0 = (frame.shape[1] - width) // 2
            out.write(b"FRAME\n" + cv2.cvtColor(frame[:, x0 : x0 + width].copy(), cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        cert, key = self_signed("127.0.0.1", Path(folder))
        server = BackgroundServer(
            phone_app(load_library().shades), "127.0.0.1", 0, ssl_certfile=str(cert), ssl_keyfile=str(key)
        )
        server.start()
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--ignore-certificate-errors",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={write_y4m(Path(folder) / 'face.y4m')}",
        ):
            options.add_argument(flag)
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}}
        )
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            driver.get(f"https://127.0.0.1:{server.port}/")
            time.sleep(4)
            chip = driver.find_element(By.CSS_SELECTOR, '.chip[data-shade="mv-ruby-hour"]')
            driver.execute_script("arguments[0].scrollIntoView({inline: 'center'})", chip)
            chip.click()
            time.sleep(2)
            driver.save_screenshot(str(out_dir / "phone_live.png"))
            print(f"wrote {out_dir / 'phone_live.png'}")
            driver.find_element(By.ID, "foryou").click()
            time.sleep(4)
            driver.save_screenshot(str(out_dir / "phone_for_you.png"))
            print(f"wrote {out_dir / 'phone_for_you.png'}")
        finally:
            driver.quit()
            server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
