"""`casestudy preview`: the author's loop. Save a file, and the page shows it.

A preview session renders one study's web edition into a temporary folder and serves
it (serve.py) on 127.0.0.1. It watches the study folder, series.yaml, the brand files
of the series (``_brand.yml``, ``brand/``) and the package's branding (watchfiles).
On each change it checks the study again and, when it has no errors, renders a new
page: the open page reloads itself. Errors are listed over the last good page and
reported to ``on_event``. The PDF is rebuilt in the background on a warm worker
(workers.py); a newer save stops an older render and starts again.

Nothing of the preview is written into the repository or into ``build/``; closing the
session stops its threads and worker and removes its temporary folder.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from ..brand.load import BRANDING, Brand
from ..errors import CasestudyError
from .assets import BrandAssets

log = logging.getLogger(__name__)
WATCH_STEP_MS = 30  # how long the watcher waits for more changes before it reports them
PDF_SETTLE = 0.4  # seconds without a newer save before a PDF render starts
WATCH_READY = 10.0  # seconds the watchers may take to start
PDF_TIMEOUT = 600.0
PDF_MEMORY_MB = 4096


@dataclass
class Event:
    """What the preview tells its caller: ``kind`` is page, problems, pdf or error."""

    kind: str
    message: str
    lines: tuple[str, ...] = ()
    seconds: float = 0.0


def pick_study(arg: str | None, repo: Path) -> Path:
    """The study to preview: the one named, else the one the working folder is in,
    else the only study of the series."""
    from ..errors import StudyNotFound
    from ..source.load import resolve_studies

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


def brand_paths(repo: Path) -> list[Path]:
    """The series' brand files, where present: _brand.yml and the brand/ folder."""
    return [p for p in (repo / "_brand.yml", repo / "brand") if p.exists()]


class Preview:
    """One study, rendered and served while its files change (see the module doc)."""

    def __init__(self, root: Path, repo: Path | None = None, host: str = "127.0.0.1",
                 port: int = 0, pdf: bool = True,
                 on_event: Callable[[Event], None] | None = None):
        from ..source.load import find_repo

        self.root = Path(root).resolve()
        self.repo = Path(repo).resolve() if repo else find_repo(self.root)
        self.slug = self.root.name
        self.host, self.port = host, port
        self.on_event = on_event or (lambda event: None)
        self.tmp = Path(tempfile.mkdtemp(prefix="casestudy-preview-"))
        self._lock = threading.Condition()
        self._serial = 0  # bumps on every change of the state below
        self.page_version = 0  # bumps with every page rendered without errors
        self._page: Path | None = None
        self._problems: list[str] = []
        self._full = False  # the last new page needs a full reload (brand or series changed)
        self._changed_paths: set[str] = set()
        self._assets = BrandAssets(self.assets_folder())
        self._brand_folders: list[Path] = []  # watched for the brand (see _watch_brand)
        self._brand_files: list[Path] = []
        self._rewatch = threading.Event()
        self._parsed: dict[str, Any] = {}
        self._watching = (threading.Event(), threading.Event())
        self._pdf_state = "PDF: waiting for a page without errors" if pdf else "PDF: off"
        self._pdf_version = 0
        self._pdf_file: Path | None = None
        self._renders = 0
        self._stop = threading.Event()
        self._dirty = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pdf = _PdfBuilder(self) if pdf else None
        self.server: Any = None

    # ------------------------------------------------------------ what the server asks

    def assets_folder(self) -> Path:
        return self.tmp / "assets"

    def page_folder(self) -> Path | None:
        with self._lock:
            return self._page

    def pdf_file(self) -> Path | None:
        with self._lock:
            return self._pdf_file

    def state(self) -> dict:
        return {"version": self.page_version, "problems": list(self._problems),
                "pdf": self._pdf_state, "pdf_version": self._pdf_version, "full": self._full}

    def wait_for_change(self, seen: int, timeout: float) -> tuple[dict, int]:
        """The state once it differs from serial ``seen`` (or after ``timeout``)."""
        with self._lock:
            self._lock.wait_for(lambda: self._serial != seen or self._stop.is_set(), timeout)
            return self.state(), self._serial

    def _changed(self, **values: Any) -> None:
        with self._lock:
            for name, value in values.items():
                setattr(self, name, value)
            self._serial += 1
            self._lock.notify_all()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.server.port}/{self.slug}/"

    # ---------------------------------------------------------------- life cycle

    def start(self) -> Preview:
        """Render the first page, start serving, watching and building the PDF."""
        from .serve import start_server

        try:
            before = self._snapshot()
            self.refresh()
            self.server = start_server(self.host, self.port, self)
            self._spawn(self._watch_loop, "preview-watch")
            self._spawn(self._watch_files, "preview-watch-top")
            # once both watchers see every change, catch up with any made before
            if not all(ready.wait(WATCH_READY) for ready in self._watching):
                self._report(Event("error", "the file watcher is slow to start; changes "
                                   "made in the first seconds may be missed"))
            if self._snapshot() != before:
                self.refresh()
        except BaseException:
            self.close()
            raise
        self._spawn(self._render_loop, "preview-render")
        if self._pdf is not None:
            self._spawn(self._pdf.loop, "preview-pdf")
            self._pdf.request()
        return self

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def close(self) -> None:
        """Stop serving, watching and rendering; remove the temporary folder."""
        if self.server is not None:
            self.server.closing.set()
        self._stop.set()
        self._dirty.set()
        with self._lock:
            self._lock.notify_all()
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
        while not self._stop.wait(0.5):
            pass

    # ------------------------------------------------------------------ watching

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

    def _watch_brand(self, brand: Brand) -> None:
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

    def _watch_loop(self) -> None:
        from watchfiles import watch

        session = self

        class _Until:  # watchfiles asks this whether to stop: closed, or new folders
            def is_set(self) -> bool:
                return session._stop.is_set() or session._rewatch.is_set()

        while not self._stop.is_set():
            self._rewatch.clear()
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
                self._report(Event("error", f"stopped watching {self.root}: {exc}"))
                return
            if self._rewatch.is_set() and not self._stop.is_set():
                self._saw({(None, str(self.repo / "brand"))})  # what changed meanwhile

    def _watch_files(self) -> None:
        """series.yaml, _brand.yml and brand files beside them, through their folder
        without going down into it (an editor that saves by renaming would leave a watch
        on the file itself behind)."""
        from watchfiles import watch

        def wanted(change: Any, path: str) -> bool:
            return path in {str(f) for f in self.watched()[1]}

        try:
            for changes in watch(self.repo, recursive=False, step=WATCH_STEP_MS,
                                 stop_event=self._stop, rust_timeout=200, yield_on_timeout=True,
                                 raise_interrupt=False, watch_filter=wanted):
                self._watching[1].set()
                if changes:
                    self._saw(changes)
        except Exception as exc:
            self._report(Event("error", f"stopped watching {self.repo}: {exc}"))

    def _snapshot(self) -> list[tuple[str, int, int]]:
        """Size and time of every file the watchers see (the package's branding aside)."""
        folders, files = self.watched()
        found = []
        from ..brand.load import brand_folder_files

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

    def _render_loop(self) -> None:
        study = str(self.root) + "/"
        while not self._stop.is_set():
            self._dirty.wait()
            if self._stop.is_set():
                return
            self._dirty.clear()
            with self._lock:
                paths, self._changed_paths = self._changed_paths, set()
            # a change of the study itself swaps the page's content in place; one of the
            # series or the brand may change the stylesheets too: the page reloads whole
            full = any(not p.startswith(study) for p in paths)
            if self.refresh(full) and self._pdf is not None:
                self._pdf.request()

    # ------------------------------------------------------------------ rendering

    def _report(self, event: Event) -> None:
        try:
            self.on_event(event)
        except Exception:  # a caller's printing must not stop the preview
            log.exception("preview event handler")

    def refresh(self, full: bool = True) -> bool:
        """Check and render the study; True when a new page was written (``full``: the
        open page must reload whole, not only swap its content)."""
        from ..brand.load import load_brand
        from ..check.study import check_study
        from ..errors import ProblemsFound, display_path
        from ..source.load import load_series, load_study

        started = time.perf_counter()
        try:
            series = load_series(self.repo)
            brand = load_brand(self.repo)
            self._watch_brand(brand)
            study = load_study(self.root, self._parse)
            problems = list(brand.problems) + check_study(study, series, brand=brand)
            errors = [p for p in problems if p.is_error]
            if errors:
                self._changed(_problems=[self._located(p.path, str(p)) for p in errors])
                self._report(Event("problems", f"{len(errors)} error(s); the page shows "
                                   "the last version without errors",
                                   tuple(str(p) for p in errors),
                                   time.perf_counter() - started))
                return False
            folder = self._write_page(study, series, brand)
            old = self._page
            self._changed(_page=folder, page_version=self.page_version + 1, _problems=[],
                          _full=full)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except ProblemsFound as exc:  # a _brand.yml with errors
            errors = [p for p in exc.problems if p.is_error]
            self._changed(_problems=[self._located(p.path, str(p)) for p in errors])
            self._report(Event("problems", "the brand cannot be read",
                               tuple(str(p) for p in errors), time.perf_counter() - started))
            return False
        except CasestudyError as exc:
            self._changed(_problems=[self._located(exc.path, str(exc))])
            self._report(Event("problems", "the study cannot be read", (str(exc),),
                               time.perf_counter() - started))
            return False
        except Exception as exc:  # a bug: say so, keep serving the last good page
            log.exception("preview of %s", self.root)
            message = f"{display_path(self.root)}: error: internal error ({exc!r})"
            self._changed(_problems=[message])
            self._report(Event("error", message))
            return False
        warned = [str(p) for p in problems]
        self._report(Event("page", f"page updated ({len(warned)} warning(s))", tuple(warned),
                           time.perf_counter() - started))
        return True

    def _located(self, path: str | None, line: str) -> str:
        """A problem's line for the page: its path relative to the series repository
        (the terminal keeps paths relative to the working folder, as check does)."""
        from ..errors import display_path

        if path is None:
            return line
        shown = display_path(path)
        try:
            relative = Path(path).resolve().relative_to(self.repo).as_posix()
        except ValueError:
            return line
        return relative + line[len(shown):] if line.startswith(shown) else line

    def _parse(self, text: str) -> Any:
        """markdown.parse_section, remembered: a save changes one section, not eight.
        (Rendering a parsed section again gives the same HTML: it is not consumed.)"""
        from ..source.markdown import parse_section

        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = self._parsed[text] = parse_section(text)
            while len(self._parsed) > 64:
                self._parsed.pop(next(iter(self._parsed)))
        return parsed

    def _write_page(self, study: Any, series: Any, brand: Brand) -> Path:
        """A new folder with the page and its figures; the shared assets rewritten."""
        from ..series.build import write_edition

        self._assets.write(brand)
        self._renders += 1
        folder = self.tmp / "pages" / str(self._renders)
        folder.mkdir(parents=True)
        pdf = self.pdf_file()
        write_edition(study, series, folder, pdf.stat().st_size if pdf else 0, brand=brand)
        return folder


class _PdfBuilder:
    """The PDF, built in the background on one warm worker; a newer request stops an
    older render (the worker is killed and a new one forked from the warm server)."""

    def __init__(self, session: Preview):
        self.session = session
        self.out = session.tmp / "pdf"
        self._wanted = 0
        self._done = 0  # the request last taken up
        self._cond = threading.Condition()
        self._worker: Any = None

    def _news(self) -> bool:
        return self._wanted != self._done or self.session._stop.is_set()

    def request(self) -> None:
        with self._cond:
            self._wanted += 1
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        self._drop_worker()

    def _drop_worker(self) -> None:
        from ..series.build import remove_leftovers
        from ..series.workers import remove_worker_tempdir

        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
            remove_leftovers(self.out, self.session.slug, worker.process.pid)
            remove_worker_tempdir(worker.process.pid)  # WeasyPrint's temporary fonts

    def loop(self) -> None:
        """Render the PDF whenever asked; a bug here is reported, not the end of PDFs."""
        while not self.session._stop.is_set():
            try:
                self._loop()
                return
            except Exception as exc:
                log.exception("preview PDF")
                self._drop_worker()
                self._done = self._wanted  # not again until the next save
                self.session._changed(_pdf_state="PDF: internal error; the last PDF stays")
                self.session._report(Event("error", f"PDF: internal error ({exc!r})"))
                self.session._stop.wait(1.0)

    def _loop(self) -> None:
        from ..brand.load import load_brand
        from ..errors import display_path
        from ..series.workers import Task, start_worker
        from ..source.load import load_series

        session = self.session
        stop = session._stop
        try:
            while not stop.is_set():
                with self._cond:
                    self._cond.wait_for(self._news)
                    if stop.is_set():
                        return
                    done = self._done = self._wanted
                # let a burst of saves settle, and the browser show the page first
                if stop.wait(PDF_SETTLE) or self._wanted != done:
                    continue
                try:
                    series = load_series(session.repo)
                    brand = load_brand(session.repo)
                except CasestudyError:
                    continue  # the page's check reports it
                if self._worker is None or not self._worker.process.is_alive():
                    self._worker = start_worker(PDF_MEMORY_MB)
                worker = self._worker
                session._changed(_pdf_state="PDF: building…")
                worker.give(Task(session.root, self.out, ("pdf",), series, False, brand),
                            PDF_TIMEOUT)
                started = time.perf_counter()
                outcome = None
                while not stop.is_set():
                    ready = wait([worker.conn, worker.process.sentinel], timeout=0.1)
                    if worker.conn in ready:
                        try:
                            outcome = worker.conn.recv()
                        except (EOFError, OSError):
                            pass
                        break
                    if ready or time.perf_counter() - started > PDF_TIMEOUT:
                        break
                    if self._wanted != done:  # a newer save: this render is out of date
                        break
                if stop.is_set():
                    return
                if outcome is None:
                    superseded = self._wanted != done
                    self._drop_worker()
                    if not superseded:
                        session._changed(_pdf_state="PDF: the renderer stopped (time or "
                                                    "memory limit); the last PDF stays")
                    continue
                worker.task = None
                if outcome.status in ("built", "skipped"):
                    pdf = self.out / f"{session.slug}.pdf"
                    stamp = time.strftime("%H:%M:%S")
                    session._changed(_pdf_file=pdf, _pdf_version=session._pdf_version + 1,
                                     _pdf_state=f"PDF: ready ({stamp})")
                    session._report(Event("pdf", f"PDF rebuilt: {display_path(pdf)}",
                                          seconds=outcome.seconds))
                elif outcome.status == "problems":
                    session._changed(_pdf_state="PDF: not built (the study has errors)")
                else:
                    session._changed(_pdf_state="PDF: failed; the last PDF stays")
                    session._report(Event("error", outcome.message))
        finally:
            self._drop_worker()
