"""Screenshots of the real window for docs/img, taken from the X screen (not a widget grab).

Run on a virtual screen:
    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python docs/make_screenshots.py docs/img
Needs ImageMagick's `import`. Uses the bundled demo face (public-domain NASA portrait).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from tryon.catalog.library import load_library
from ui.app import MainWindow


def _wait(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def _shoot(path: Path) -> None:
    subprocess.run(["import", "-window", "root", str(path)], check=True)
    print(f"wrote {path}")


def main(out_dir: Path) -> None:
    app = QApplication(sys.argv[:1])
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "shots.ini"), QSettings.Format.IniFormat)
        settings.setValue("pictures_dir", folder)
        window = MainWindow(load_library(), source="demo", settings=settings)
        window.setGeometry(0, 0, 1280, 800)
        window.show()
        window.start()
        window.shades.select_shade("mv-ruby-hour")
        _wait(4)
        _shoot(out_dir / "app_live.png")

        window.shades.select_shade("ll-glass-rose")
        window.set_mode("split")
        window.view.split = 0.47
        _wait(2)
        _shoot(out_dir / "app_split.png")

        window.shades.set_compare(["mv-ruby-hour", "ll-coral-wave", "nv-galaxy-plum", "mv-nude-linen"])
        window.set_mode("compare")
        _wait(2.5)
        _shoot(out_dir / "app_compare.png")

        window.set_mode("live")
        window.shades.select_shade("ll-cherry-glaze")
        _wait(1.5)
        window.save_snapshot()
        window.snapshot_dialog.set_layout("before-after")
        window.snapshot_dialog.save("jpg")
        window.snapshot_dialog.move(190, 90)
        _wait(1.5)
        _shoot(out_dir / "app_snapshot.png")
        window.snapshot_dialog.close()

        window.tabs.setCurrentWidget(window.for_you)
        window.request_advice()
        _wait(4)
        first_pick = window.for_you.picks.item(0)
        window.for_you.picks.itemClicked.emit(first_pick)
        _wait(2)
        _shoot(out_dir / "app_for_you.png")
        window.stop()
        window.close()
    app.quit()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
