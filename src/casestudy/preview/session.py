"""`casestudy preview`: the author's loop. Save a file, and the page shows it.

A preview session renders one study's web edition into a temporary folder and serves
it (serve.py) on 127.0.0.1. It watches the study folder, series.yaml, the brand files
of the series (``_brand.yml``, ``brand/``) and the package's branding (watch.py).
On each change it checks the study again and, when it has no errors, renders a new
page (page.py): the open page reloads itself. Errors are listed over the last good page
and reported to ``on_event`` (state.py). The PDF is rebuilt in the background on a warm
worker (pdf.py); a newer save stops an older render and starts again.

Nothing of the preview is written into the repository or into ``build/``; closing the
session stops its threads and worker and removes its temporary folder.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import StudyNotFound
from ..source.load import find_repo, resolve_studies
from .assets import BrandAssets
from .page import PageWriter
from .pdf import PdfBuilder
from .serve import start_server
from .state import Event, State
from .watch import Watcher


def pick_study(arg: str | None, repo: Path) -> Path:
    """The study to preview: the one named, else the one the working folder is in,
    else the only study of the series."""
    if arg is not None:
        return resolve_studies([arg], repo)[0].resolve()
    here = Path.cwd().resolve()
    studies = [p.resolve() for p in resolve_studies([], repo)]
    for study in studies:
        if study == here or study in here.parents:
            return study
    if len(studies) == 1:
        return studies[0]
    names = ", ".join(p.name for p in studies) or "none"
    raise StudyNotFound(f"say which study to preview (studies: {names})", repo)


class Preview:
    """One study, rendered and served while its files change (see the module doc).

    The session starts, joins and stops the threads; the watcher, the page writer and
    the PDF builder do the work, and share the state the server shows.
    """

    def __init__(self, root: Path, repo: Path | None = None, host: str = "127.0.0.1",
                 port: int = 0, pdf: bool = True,
                 on_event: Callable[[Event], None] | None = None,
                 allow_hosts: tuple[str, ...] = ()):
        self.root = Path(root).resolve()
        self.repo = Path(repo).resolve() if repo else find_repo(self.root)
        self.slug = self.root.name
        self.host, self.port = host, port
        self.allow_hosts = allow_hosts  # names besides its address a request may use
        self.tmp = Path(tempfile.mkdtemp(prefix="casestudy-preview-"))
        self._state = State(pdf, on_event or (lambda event: None))
        self._watcher = Watcher(self.root, self.repo, self._state)
        self._pages = PageWriter(self.root, self.repo, self.tmp, self._state,
                                 BrandAssets(self.assets_folder()), self._watcher.watch_brand)
        self._pdf = (PdfBuilder(self.root, self.repo, self.tmp / "pdf", self._state)
                     if pdf else None)
        self._threads: list[threading.Thread] = []
        self.server: Any = None

    # ------------------------------------------------------------ what the server asks

    def assets_folder(self) -> Path:
        return self.tmp / "assets"

    def page_folder(self) -> Path | None:
        with self._state.lock:
            return self._state.page

    def pdf_file(self) -> Path | None:
        with self._state.lock:
            return self._state.pdf_file

    @property
    def page_version(self) -> int:
        """Bumps with every page rendered without errors."""
        return self._state.page_version

    def state(self) -> dict:
        return self._state.as_dict()

    def wait_for_change(self, seen: int, timeout: float) -> tuple[dict, int]:
        """The state once it differs from serial ``seen`` (or after ``timeout``)."""
        return self._state.wait_for_change(seen, timeout)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.server.port}/{self.slug}/"

    # ---------------------------------------------------------------- life cycle

    def start(self) -> Preview:
        """Render the first page, start serving, watching and building the PDF."""
        try:
            before = self._watcher.snapshot()
            self.refresh()
            self.server = start_server(self.host, self.port, self, self.allow_hosts)
            self._spawn(self._watcher.folders_loop, "preview-watch")
            self._spawn(self._watcher.files_loop, "preview-watch-top")
            # once both watchers see every change, catch up with any made before
            if not self._watcher.ready():
                self._state.report(Event("error", "the file watcher is slow to start; "
                                         "changes made in the first seconds may be missed"))
            if self._watcher.snapshot() != before:
                self.refresh()
        except BaseException:
            self.close()
            raise
        self._spawn(self._render_loop, "preview-render")
        if self._pdf is not None:
            self._spawn(self._pdf.loop, "preview-pdf")
            self._pdf.request(self._pages.house)
        return self

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def close(self) -> None:
        """Stop serving, watching and rendering; remove the temporary folder."""
        if self.server is not None:
            self.server.closing.set()
        self._state.stop.set()
        self._watcher.wake()
        self._state.wake()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self._pdf is not None:
            self._pdf.stop()
        for thread in self._threads:
            thread.join(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Preview:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait(self) -> None:
        """Block until the session is closed (Ctrl-C raises KeyboardInterrupt here)."""
        while not self._state.stop.wait(0.5):
            pass

    # ------------------------------------------------------------ watching, rendering

    def watched(self) -> tuple[list[Path], list[Path]]:
        """(folders watched with everything inside, files watched by their folder)."""
        return self._watcher.watched()

    def refresh(self, full: bool = True) -> bool:
        """Check and render the study; True when a new page was written (``full``: the
        open page must reload whole, not only swap its content)."""
        return self._pages.refresh(full)

    def _parse(self, text: str) -> Any:
        """A section's text parsed, remembered across saves (PageWriter.parse)."""
        return self._pages.parse(text)

    def _render_loop(self) -> None:
        study = str(self.root) + "/"
        while (paths := self._watcher.changes()) is not None:
            # a change of the study itself swaps the page's content in place; one of the
            # series or the brand may change the stylesheets too: the page reloads whole
            full = any(not p.startswith(study) for p in paths)
            if self.refresh(full) and self._pdf is not None:
                self._pdf.request(self._pages.house)
