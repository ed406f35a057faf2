"""The phone page in headless Chromium at a phone's viewport (390×844), fed by a fake camera playing the bundled
public-domain demo face: the try-on running in the browser with a gloss and a metallic shade
(docs/img/phone_live_gloss.png, phone_live_metallic.png), "For you" (phone_for_you.png), and a browser without
WebGL getting the one-line explanation and the server stream's button (phone_fallback.png).

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
from tryon.quality.browser import CHROMIUM_FLAGS
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
        clip = write_y4m(Path(folder) / "face.y4m")
        try:
            driver = browser(clip)
            try:
                driver.get(f"https://127.0.0.1:{server.port}/")
                wait(lambda: driver.execute_script("return document.querySelector('tryon-lipstick').frames") > 10)
                for shade_id, name in (
                    ("ll-cherry-glaze", "gloss"),
                    ("nv-rose-gold", "metallic"),
                ):
                    chip = driver.find_element(By.CSS_SELECTOR, f'.chip[data-shade="{shade_id}"]')
                    driver.execute_script("arguments[0].scrollIntoView({inline: 'center'})", chip)
                    chip.click()
                    time.sleep(1.5)
                    shoot(driver, out_dir / f"phone_live_{name}.png")
                driver.find_element(By.ID, "foryou").click()
                wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#advice button"))
                time.sleep(1.5)
                shoot(driver, out_dir / "phone_for_you.png")
            finally:
                driver.quit()
            driver = browser(clip, "--disable-3d-apis")  # no WebGL: the engine cannot run in this browser
            try:
                driver.get(f"https://127.0.0.1:{server.port}/")
                wait(lambda: "WebGL2" in driver.find_element(By.ID, "message").text)
                shoot(driver, out_dir / "phone_fallback.png")
            finally:
                driver.quit()
        finally:
            server.stop()


def browser(clip: Path, *extra: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*CHROMIUM_FLAGS, "--hide-scrollbars", f"--use-file-for-fake-video-capture={clip}", *extra):
        options.add_argument(flag)
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}}
    )
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(condition: object, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError("the page did not get there")
        time.sleep(0.1)


def shoot(driver: webdriver.Chrome, path: Path) -> None:
    driver.save_screenshot(str(path))
    print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
