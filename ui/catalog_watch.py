"""Hot reload of shade catalogs: watch the folders, reload on save, keep the last good version of a broken file."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal, Slot

from tryon.catalog.library import (
    ShadeLibrary,
    catalog_files,
    catalog_from_checked,
    check_catalog,
    library_from_catalogs,
)
from tryon.catalog.model import Catalog
from tryon.errors import ShadeError
from tryon.media.swatch import DEFAULT_INTENSITY, ICON_SIZE_PX, chip_and_lips

_SETTLE_MS = 150  # editors write a file in several steps; reload once they are done


class CatalogWatcher(QObject):
    """Watches catalog folders; emits the reloaded library and the problems of broken files.

    A file that fails its check keeps its last good version in the library (if it ever had one),
    and its problems are reported through `problems` until it is fixed. Reloads run on a background
    thread (a retailer's 10,000-shade folder takes seconds with its swatch chips), so the window
    keeps drawing; the results arrive on the UI thread.
    """

    library_changed = Signal(object)  # ShadeLibrary
    problems = Signal(list)  # list[str]: one line per problem, [] when every file is fine
    _loaded = Signal(object, list)  # from the loading thread: (ShadeLibrary, problems)

    def __init__(self, folders: Sequence[Path], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folders = [Path(f) for f in folders]
        self._last_good: dict[Path, Catalog] = {}
        self._watcher = QFileSystemWatcher(self)
        self._timer = QTimer(self, singleShot=True, interval=_SETTLE_MS)
        self._timer.timeout.connect(self.reload)
        self._watcher.directoryChanged.connect(lambda _path: self._timer.start())
        self._watcher.fileChanged.connect(lambda _path: self._timer.start())
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tryon-catalogs")
        self._loaded.connect(self._apply)
        self.library, self.current_problems = self._load()
        self._watch()

    def close(self) -> None:
        """Stop reloading (a reload under way finishes, its result is dropped)."""
        self._timer.stop()
        self._watcher.removePaths(self._watcher.directories() + self._watcher.files())
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _watch(self) -> None:
        folders = [f for f in self.folders if f.is_dir()]
        paths = [str(f) for f in folders] + [str(p) for p in catalog_files(*folders)] if folders else []
        watched = set(self._watcher.directories() + self._watcher.files())
        missing = [p for p in paths if p not in watched]
        if missing:
            self._watcher.addPaths(missing)

    def _load(self) -> tuple[ShadeLibrary, list[str]]:
        """Every catalog, broken files replaced by their last good version; the problems as text."""
        loaded: list[Catalog | ShadeError] = []  # only catalogs here: a broken file is its last good version or absent
        problems: list[str] = []
        paths: list[Path] = []
        for folder in self.folders:
            try:
                paths += catalog_files(folder)
            except ShadeError as exc:  # a folder deleted or unmounted while the app runs
                problems.append(str(exc))
        for path in paths:
            checked = check_catalog(path)
            try:
                catalog = catalog_from_checked(checked, path)
            except ShadeError:
                problems += [str(p) for p in checked.errors]
                if path in self._last_good:
                    loaded.append(self._last_good[path])
                continue
            self._last_good[path] = catalog
            loaded.append(catalog)
        library = library_from_catalogs(loaded)
        for shade in library.shades:  # draw the swatches here, not on the UI thread (cached per shade)
            chip_and_lips(shade, DEFAULT_INTENSITY, ICON_SIZE_PX)
        return library, problems + [str(e) for e in library.errors]  # the library's own errors: id clashes

    def reload(self) -> None:
        """Reload every catalog in the background (also called on file changes, after they settle);
        `library_changed` and `problems` follow on the UI thread."""
        self._pool.submit(self._load_in_background)

    def _load_in_background(self) -> None:
        try:
            library, problems = self._load()
        except Exception as exc:  # noqa: BLE001 - a reload that fails keeps the catalogs shown, and says why
            library, problems = self.library, [f"the catalogs could not be reloaded: {exc}"]
        self._loaded.emit(library, problems)

    @Slot(object, list)
    def _apply(self, library: ShadeLibrary, problems: list[str]) -> None:
        self.library, self.current_problems = library, problems
        self._watch()  # editors that save by renaming replace the watched file
        self.library_changed.emit(self.library)
        self.problems.emit(self.current_problems)
