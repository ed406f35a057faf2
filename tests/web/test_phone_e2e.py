"""The phone page end to end in a real browser: Debian's chromium (headless, a fake front camera playing a clip of
the public-domain demo face), driven by Selenium through chromium-driver, against `tryon serve`'s app over HTTPS
on 127.0.0.1 — the stream starts, a shade tap changes the lips in the frames the page shows, "Save picture"
downloads a full-resolution picture whose metadata names the shade. All traffic stays on 127.0.0.1 (a WebSocket;
no WebRTC, so no ICE)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tryon.colour import delta_e_2000, rgb_to_lab
from tryon.media.export import read_metadata
from tryon.media.swatch import on_lips_lab
from tryon.web.certificate import self_signed
from tryon.web.phone import phone_app
from tryon.web.share import BackgroundServer

pytestmark = pytest.mark.slow


PAGE_LOADS_UNLIMITED = 1_000_000  # requests a minute per address: no rate limit in these tests


@pytest.fixture(scope="module")
def server(tmp_path_factory, library) -> Iterator[BackgroundServer]:  # noqa: ANN001
    cert, key = self_signed("127.0.0.1", tmp_path_factory.mktemp("certs"))
    running = BackgroundServer(
        phone_app(library.shades, max_phones=2, requests_per_minute=PAGE_LOADS_UNLIMITED),  # see test_browser_engine
        "127.0.0.1",
        0,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture
def browser(tmp_path: Path, server: BackgroundServer, face_clip: Path, chromium):  # noqa: ANN001, ANN201
    from selenium import webdriver

    clip = face_clip
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",  # the test user says yes to the camera
        f"--use-file-for-fake-video-capture={clip}",
        "--ignore-certificate-errors",  # the server's certificate is self-signed
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",  # nothing but 127.0.0.1 resolves
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}}
    )
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = chromium(options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.get(f"https://127.0.0.1:{server.port}/stream")
    yield driver, downloads
    driver.quit()


def frames_shown(driver) -> int:  # noqa: ANN001
    return int(driver.execute_script("return Number(document.getElementById('view').dataset.frames || 0)"))


def wait_frames(driver, wait_until, count: int) -> int:  # noqa: ANN001
    start = frames_shown(driver)
    return wait_until(
        lambda: (shown := frames_shown(driver)) >= start + count and shown, what=f"{count} new frames on the page"
    )


def canvas_picture(driver) -> np.ndarray:  # noqa: ANN001
    """What the page shows, read back from its canvas (RGB uint8)."""
    url = driver.execute_script("return document.getElementById('view').toDataURL('image/png')")
    data = base64.b64decode(url.split(",", 1)[1])
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def lip_colour(picture: np.ndarray, landmarker) -> np.ndarray:  # noqa: ANN001
    from tryon.engine.mask import lip_mask

    faces = landmarker.detect(picture, None)
    assert faces, "no face in the page's picture"
    mask = lip_mask(picture, faces[0], refine=False)
    y0, y1, x0, x1 = mask.roi
    return np.median(rgb_to_lab(picture[y0:y1, x0:x1][mask.alpha > 0.9]), axis=0)


def tap_shade(driver, shade_id: str) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    chip = driver.find_element(By.CSS_SELECTOR, f'.chip[data-shade="{shade_id}"]')
    driver.execute_script("arguments[0].scrollIntoView({inline: 'center'})", chip)
    chip.click()


def test_a_shade_tap_changes_the_lips_on_the_page_and_save_downloads_the_picture(
    browser, library, landmarker, wait_until
) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    driver, downloads = browser
    wait_frames(driver, wait_until, 5)
    assert driver.find_element(By.ID, "message").text == ""
    colours = {}
    for shade_id in ("mv-ruby-hour", "ll-coral-wave"):
        tap_shade(driver, shade_id)
        wait_frames(driver, wait_until, 6)
        colours[shade_id] = lip_colour(canvas_picture(driver), landmarker)
    ruby, coral = (np.array(on_lips_lab(library.get(s))) for s in ("mv-ruby-hour", "ll-coral-wave"))
    assert delta_e_2000(colours["mv-ruby-hour"], ruby) < delta_e_2000(colours["mv-ruby-hour"], coral)
    assert delta_e_2000(colours["ll-coral-wave"], coral) < delta_e_2000(colours["ll-coral-wave"], ruby)
    assert delta_e_2000(colours["mv-ruby-hour"], colours["ll-coral-wave"]) > 10

    driver.find_element(By.ID, "save").click()
    # Chromium writes a download to a .crdownload file and renames it when it is whole.
    (picture,) = wait_until(lambda: list(downloads.glob("*.jpg")), what="the downloaded picture")
    metadata = read_metadata(picture)
    assert metadata is not None
    assert metadata.shade_id == "ll-coral-wave"
    assert cv2.imread(str(picture)).shape[:2] == (480, 640)  # the camera's full resolution


def test_a_refused_camera_says_so(server: BackgroundServer, tmp_path: Path, chromium, wait_until) -> None:  # noqa: ANN001
    from selenium import webdriver
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--ignore-certificate-errors",
        "--use-fake-device-for-media-stream",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"profile.default_content_setting_values.media_stream_camera": 2})  # deny
    driver = chromium(options)
    try:
        driver.get(f"https://127.0.0.1:{server.port}/stream")
        wait_until(lambda: "refused" in driver.find_element(By.ID, "message").text, what="'camera refused' on the page")
    finally:
        driver.quit()


def test_for_you_and_on_lips_chips_on_the_phone(browser, wait_until) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    driver, _ = browser
    wait_frames(driver, wait_until, 3)
    chips = driver.find_elements(By.CSS_SELECTOR, ".chip img")
    assert chips
    assert driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", chips[0]) == 112
    driver.find_element(By.ID, "foryou").click()
    wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#advice button"), what="the advice's shade buttons")
    text = driver.find_element(By.ID, "advice").text
    assert "ITA" in text
    first = driver.find_elements(By.CSS_SELECTOR, "#advice button")[0].get_attribute("data-shade")
    selected = driver.find_element(By.CSS_SELECTOR, '.chip[aria-selected="true"]').get_attribute("data-shade")
    assert selected == first
