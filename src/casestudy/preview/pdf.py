"""The preview's PDF, built in the background on one warm worker process (workers.py).

A request comes with every new page. A burst of saves settles before a render starts;
a newer request stops an older render (its worker is killed and a new one forked from
the warm server), so the PDF shown follows the newest save. A render that fails, or
outlives its time or memory limit, leaves the last PDF in place.
"""

from __future__ import annotations

import logging
import threading
import time
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from ..brand.model import Brand
from ..errors import display_path
from ..series.build import build_task
from ..series.workers import Task, remove_leftovers, remove_worker_tempdir, start_worker
from ..source.schema import SeriesConfig
from .state import Event, State

log = logging.getLogger(__name__)
PDF_SETTLE = 0.4  # seconds without a newer save before a PDF render starts
PDF_TIMEOUT = 600.0
PDF_MEMORY_MB = 4096


class PdfBuilder:
    """The PDF of the study at ``root``, written into ``out``; its loop runs in a thread
    of the session."""

    def __init__(self, root: Path, repo: Path, out: Path, state: State):
        self.root, self.repo, self.out = root, repo, out
        self.slug = root.name
        self.state = state
        self._wanted = 0
        self._done = 0  # the request last taken up
        self._cond = threading.Condition()
        self._worker: Any = None
        self._house: tuple[SeriesConfig, Brand] | None = None  # the request's

    def _news(self) -> bool:
        return self._wanted != self._done or self.state.stop.is_set()

    def request(self, house: tuple[SeriesConfig, Brand] | None) -> None:
        """Build the PDF again, with series.yaml and the brand as the page's refresh
        read them (``house``; None when they could not be read: then no PDF)."""
        with self._cond:
            self._house = house
            self._wanted += 1
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        self._drop_worker()

    def _drop_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
            remove_leftovers(self.out, self.slug, worker.process.pid)
            remove_worker_tempdir(worker.process.pid)  # WeasyPrint's temporary fonts

    def loop(self) -> None:
        """Render the PDF whenever asked; a bug here is reported, not the end of PDFs."""
        while not self.state.stop.is_set():
            try:
                self._loop()
                return
            except Exception as exc:
                log.exception("preview PDF")
                self._drop_worker()
                self._done = self._wanted  # not again until the next save
                self.state.changed(pdf_state="PDF: internal error; the last PDF stays")
                self.state.report(Event("error", f"PDF: internal error ({exc!r})"))
                self.state.stop.wait(1.0)

    def _loop(self) -> None:
        state = self.state
        stop = state.stop
        try:
            while not stop.is_set():
                with self._cond:
                    self._cond.wait_for(self._news)
                    if stop.is_set():
                        return
                    done = self._done = self._wanted
                    house = self._house
                # let a burst of saves settle, and the browser show the page first
                if stop.wait(PDF_SETTLE) or self._wanted != done:
                    continue
                if house is None:
                    continue  # series.yaml or the brand cannot be read: the page says so
                series, brand = house
                if self._worker is None or not self._worker.process.is_alive():
                    self._worker = start_worker(PDF_MEMORY_MB, build_task)
                worker = self._worker
                state.changed(pdf_state="PDF: building…")
                worker.give(Task(self.root, self.out, ("pdf",), series, False, brand),
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
                        state.changed(pdf_state="PDF: the renderer stopped (time or "
                                                "memory limit); the last PDF stays")
                    continue
                worker.task = None
                if outcome.status in ("built", "skipped"):
                    pdf = self.out / f"{self.slug}.pdf"
                    stamp = time.strftime("%H:%M:%S")
                    state.changed(pdf_file=pdf, pdf_version=state.pdf_version + 1,
                                  pdf_state=f"PDF: ready ({stamp})")
                    state.report(Event("pdf", f"PDF rebuilt: {display_path(pdf)}",
                                       seconds=outcome.seconds))
                elif outcome.status == "problems":
                    state.changed(pdf_state="PDF: not built (the study has errors)")
                else:
                    state.changed(pdf_state="PDF: failed; the last PDF stays")
                    state.report(Event("error", outcome.message))
        finally:
            self._drop_worker()
