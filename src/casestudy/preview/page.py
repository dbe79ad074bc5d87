"""One step of the preview's loop: check the study and, without errors, render its page.

Each page goes into a new folder (the server may still be sending the last one); the
folder before it is removed once the state names the new one. Errors leave the last
good page in place and are listed over it, located relative to the series repository.
Sections are parsed again only when their text changed.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..brand.load import load_brand
from ..brand.model import Brand
from ..check.study import check_study
from ..errors import CasestudyError, ProblemsFound, display_path
from ..source.load import load_series, load_study
from ..source.parse import parse_section
from ..source.schema import SeriesConfig
from ..web.edition import write_edition
from .assets import BrandAssets
from .state import Event, State

log = logging.getLogger(__name__)


class PageWriter:
    """Checks and renders one study's page into ``tmp/pages/``; the brand into ``assets``.

    ``on_brand`` is told the brand each time it is read (the watcher follows its files).
    """

    def __init__(self, root: Path, repo: Path, tmp: Path, state: State, assets: BrandAssets,
                 on_brand: Callable[[Brand], None]):
        self.root, self.repo, self.tmp = root, repo, tmp
        self._state = state
        self._assets = assets
        self._on_brand = on_brand
        self._parsed: dict[str, Any] = {}
        self._renders = 0
        # series.yaml and the brand as the last refresh read them (None when they could
        # not be read): the PDF's build takes these rather than reading them again
        self.house: tuple[SeriesConfig, Brand] | None = None

    def refresh(self, full: bool = True) -> bool:
        """Check and render the study; True when a new page was written (``full``: the
        open page must reload whole, not only swap its content)."""
        state = self._state
        started = time.perf_counter()
        try:
            self.house = None
            series = load_series(self.repo)
            brand = load_brand(self.repo)
            self.house = (series, brand)
            self._on_brand(brand)
            study = load_study(self.root, self.parse)
            problems = list(brand.problems) + check_study(study, series, brand=brand)
            errors = [p for p in problems if p.is_error]
            if errors:
                state.changed(problems=[self._located(p.path, str(p)) for p in errors])
                state.report(Event("problems", f"{len(errors)} error(s); the page shows "
                                   "the last version without errors",
                                   tuple(str(p) for p in errors),
                                   time.perf_counter() - started))
                return False
            folder = self._write_page(study, series, brand)
            old = state.page
            state.changed(page=folder, page_version=state.page_version + 1, problems=[],
                          full=full)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except ProblemsFound as exc:  # a _brand.yml with errors
            errors = [p for p in exc.problems if p.is_error]
            state.changed(problems=[self._located(p.path, str(p)) for p in errors])
            state.report(Event("problems", "the brand cannot be read",
                               tuple(str(p) for p in errors), time.perf_counter() - started))
            return False
        except CasestudyError as exc:
            state.changed(problems=[self._located(exc.path, str(exc))])
            state.report(Event("problems", "the study cannot be read", (str(exc),),
                               time.perf_counter() - started))
            return False
        except Exception as exc:  # a bug: say so, keep serving the last good page
            log.exception("preview of %s", self.root)
            message = f"{display_path(self.root)}: error: internal error ({exc!r})"
            state.changed(problems=[message])
            state.report(Event("error", message))
            return False
        warned = [str(p) for p in problems]
        state.report(Event("page", f"page updated ({len(warned)} warning(s))", tuple(warned),
                           time.perf_counter() - started))
        return True

    def _located(self, path: str | None, line: str) -> str:
        """A problem's line for the page: its path relative to the series repository
        (the terminal keeps paths relative to the working folder, as check does)."""
        if path is None:
            return line
        shown = display_path(path)
        try:
            relative = Path(path).resolve().relative_to(self.repo).as_posix()
        except ValueError:
            return line
        return relative + line[len(shown):] if line.startswith(shown) else line

    def parse(self, text: str) -> Any:
        """markdown.parse_section, remembered: a save changes one section, not eight.
        (Rendering a parsed section again gives the same HTML: it is not consumed.)"""
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = self._parsed[text] = parse_section(text)
            while len(self._parsed) > 64:
                self._parsed.pop(next(iter(self._parsed)))
        return parsed

    def _write_page(self, study: Any, series: Any, brand: Brand) -> Path:
        """A new folder with the page and its figures; the shared assets rewritten."""
        self._assets.write(brand)
        self._renders += 1
        folder = self.tmp / "pages" / str(self._renders)
        folder.mkdir(parents=True)
        with self._state.lock:
            pdf = self._state.pdf_file
        write_edition(study, series, folder, pdf.stat().st_size if pdf else 0, brand=brand)
        return folder
