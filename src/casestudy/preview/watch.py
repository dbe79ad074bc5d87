"""What a preview watches, and the two watcher threads that notice a save.

The study folder, the package's branding and the folders of the series' brand are
watched with everything inside; series.yaml, _brand.yml and brand files beside them
are watched through their folder, without going into it. The brand can change what it
is made of (a new brand/, fonts in another folder): the folder watcher then starts
again on the new folders. Each change is remembered until the render loop asks for it
(``changes``).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from watchfiles import watch

from ..brand.model import BRANDING, Brand, brand_folder_files
from .state import Event, State

WATCH_STEP_MS = 30  # how long the watcher waits for more changes before it reports them
WATCH_READY = 10.0  # seconds the watchers may take to start


class Watcher:
    """The watchers of one study's preview; their loops run in the session's threads."""

    def __init__(self, root: Path, repo: Path, state: State):
        self.root, self.repo = root, repo
        self._state = state
        self._lock = threading.Lock()
        self._brand_folders: list[Path] = []  # watched for the brand (see watch_brand)
        self._brand_files: list[Path] = []
        self._changed_paths: set[str] = set()
        self._rewatch = threading.Event()
        self._dirty = threading.Event()
        self._watching = (threading.Event(), threading.Event())

    def watched(self) -> tuple[list[Path], list[Path]]:
        """(folders watched with everything inside, files watched by their folder): the
        study, our branding, brand/ and the folders of the brand's other files in the
        series; series.yaml, _brand.yml, brand/ itself (so that a new one is seen) and
        brand files that sit beside them."""
        with self._lock:
            extra_folders, extra_files = list(self._brand_folders), list(self._brand_files)
        folders = [self.root, BRANDING, *extra_folders]
        files = [self.repo / "series.yaml", self.repo / "_brand.yml", self.repo / "brand",
                 *extra_files]
        return folders, files

    def watch_brand(self, brand: Brand) -> None:
        """Watch what this brand is made of; the folder watcher starts again when that
        changes (a new brand/, fonts in another folder)."""
        repo = self.repo
        folders = [repo / "brand"] if (repo / "brand").is_dir() else []
        files = []
        for path in brand.files():
            if path.parent == repo:
                files.append(path)
            elif repo in path.parents and not any(f == path.parent or f in path.parents
                                                  for f in folders):
                folders.append(path.parent)
        with self._lock:
            changed = (folders, files) != (self._brand_folders, self._brand_files)
            self._brand_folders, self._brand_files = folders, files
        if changed:
            self._rewatch.set()

    def ready(self) -> bool:
        """Wait until both watchers see every change; False if they are slow to start."""
        return all(ready.wait(WATCH_READY) for ready in self._watching)

    def folders_loop(self) -> None:
        stop, rewatch = self._state.stop, self._rewatch

        class _Until:  # watchfiles asks this whether to stop: closed, or new folders
            def is_set(self) -> bool:
                return stop.is_set() or rewatch.is_set()

        while not stop.is_set():
            rewatch.clear()
            folders = [f for f in self.watched()[0] if f.is_dir()]
            # rust_timeout with yield_on_timeout: the first (empty) yield says it is set
            try:
                for changes in watch(*folders, step=WATCH_STEP_MS, stop_event=_Until(),
                                     rust_timeout=200, yield_on_timeout=True,
                                     raise_interrupt=False):
                    self._watching[0].set()
                    if changes:
                        self._saw(changes)
            except Exception as exc:  # a vanished study folder ends watching, not the server
                self._state.report(Event("error", f"stopped watching {self.root}: {exc}"))
                return
            if rewatch.is_set() and not stop.is_set():
                self._saw({(None, str(self.repo / "brand"))})  # what changed meanwhile

    def files_loop(self) -> None:
        """series.yaml, _brand.yml and brand files beside them, through their folder
        without going down into it (an editor that saves by renaming would leave a watch
        on the file itself behind)."""

        def wanted(change: Any, path: str) -> bool:
            return path in {str(f) for f in self.watched()[1]}

        try:
            for changes in watch(self.repo, recursive=False, step=WATCH_STEP_MS,
                                 stop_event=self._state.stop, rust_timeout=200,
                                 yield_on_timeout=True, raise_interrupt=False,
                                 watch_filter=wanted):
                self._watching[1].set()
                if changes:
                    self._saw(changes)
        except Exception as exc:
            self._state.report(Event("error", f"stopped watching {self.repo}: {exc}"))

    def snapshot(self) -> list[tuple[str, int, int]]:
        """Size and time of every file the watchers see (the package's branding aside)."""
        folders, files = self.watched()
        found = []
        for path in [*files, *(p for f in folders if f != BRANDING
                               for p in brand_folder_files(f))]:
            try:
                info = path.stat()
            except OSError:
                continue
            found.append((str(path), info.st_size, info.st_mtime_ns))
        return sorted(found)

    def _saw(self, changes: set[tuple[Any, str]]) -> None:
        with self._lock:
            self._changed_paths.update(path for _, path in changes)
        self._dirty.set()

    def changes(self) -> set[str] | None:
        """The paths changed since last asked, once there are any; None once the session
        is closing."""
        self._dirty.wait()
        if self._state.stop.is_set():
            return None
        self._dirty.clear()
        with self._lock:
            paths, self._changed_paths = self._changed_paths, set()
        return paths

    def wake(self) -> None:
        """Let ``changes`` return (the session is closing)."""
        self._dirty.set()
