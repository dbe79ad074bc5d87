"""Build studies: check, render, write; a series on a pool of warm workers.

``build_one`` is the one function that strings the steps of one study together,
readable top to bottom (``build_study``, the public entry point, first reads the
series and its brand when it is not given them). It reads and validates everything
before it writes anything: a study with errors is not built, and its previous outputs
stay as they were. A study whose inputs have not changed since its last build is
skipped (see cache.py).

This module decides what to build; the PDF is render/'s, the web edition web/'s
(``web/edition.py`` for a study's page, ``web/site.py`` for the index and the shared
assets). ``build_series`` builds many studies: the up-to-date ones are skipped in this
process, the rest go to worker processes (workers.py) within a time and memory limit.
"""

from __future__ import annotations

import calendar
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..brand.load import load_brand
from ..brand.model import BRANDING, Brand
from ..errors import (
    BuildError,
    CasestudyError,
    Problem,
    ProblemsFound,
    UnsafeTarget,
)
from ..files.fonts import memory_only
from ..files.write import atomic_write, check_target, remove_temporaries
from ..parallel import default_jobs
from ..render.cache import STATE_DIR, inputs_digest, output_paths, record, up_to_date
from ..source.load import COUNTRIES, STUDY_FILE, load_series, load_study
from ..source.schema import SeriesConfig, StudyMeta
from ..web.edition import CHARTS, STALE_SECONDS, build_edition, writing
from ..web.site import start_fonts, write_site
from .workers import Outcome, Task, run_pool

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ..source.load import Study

FORMATS = ("pdf", "html", "docx")  # "all": pdf and html; docx only when asked


@dataclass
class BuildResult:
    slug: str
    outputs: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: bool = False
    seconds: float = 0.0


def needed_formats(formats: tuple[str, ...]) -> tuple[str, ...]:
    """The web edition carries its PDF: building "html" needs the PDF too."""
    return ("pdf", *formats) if "html" in formats and "pdf" not in formats else formats


def build_study(root: Path, out: Path = Path("build"), formats: tuple[str, ...] = ("pdf",),
                series: SeriesConfig | None = None, repo: Path | None = None,
                force: bool = False, brand: Brand | None = None,
                digest: str | None = None, site: bool = True) -> BuildResult:
    """Build one study into ``out``: the public ``casestudy.build_study``, which is
    :func:`build_one` with ``series`` and ``brand`` read from ``repo`` (the study's
    series; default: two folders up) when not given. They are read here, once: nothing
    below takes a missing brand, and nothing in the package calls this (the package
    loads the series and its brand where it starts, and calls :func:`build_one`).
    """
    root, out = Path(root), Path(out)
    if series is None or brand is None:
        # as build_one does first: before anything is read
        check_targets(out, root.name, () if repo is None else (repo,))
        where = repo or root.resolve().parent.parent
        series = load_series(where) if series is None else series
        brand = load_brand(where) if brand is None else brand
    return build_one(root, out, formats, series, brand, repo=repo, force=force,
                     digest=digest, site=site)


def build_one(root: Path, out: Path, formats: tuple[str, ...], series: SeriesConfig,
              brand: Brand, *, repo: Path | None = None, force: bool = False,
              digest: str | None = None, site: bool = True) -> BuildResult:
    """Build one study of ``series`` into ``out``, in ``brand`` (the series' own,
    ``load_brand(repo)``); raise ProblemsFound if it has errors.

    The web edition ("html") is ``out/<slug>/index.html`` with its PDF beside it (the
    PDF is built too unless current); with ``site``, the series index and the shared
    assets are written after it (see site.py; ``build_series`` does that once for all).
    Skipped (``result.skipped``) when its outputs are up to date, unless ``force``;
    a format that is up to date is not built again.
    Raises UnsafeTarget, before reading or writing anything there, when ``out`` or one
    of the study's outputs in it is a symbolic link (see :func:`check_targets`).
    ``repo`` is the study's series (default: two folders up), whose studies the series
    index lists. ``digest`` is :func:`inputs_digest` of the study when the caller has just computed
    it (before anything was read, so that an edit made meanwhile rebuilds next time).
    """
    # imported here: a no-op rebuild of a whole series needs none of them
    from ..check.study import check_study

    started = time.perf_counter()
    root, out = Path(root), Path(out)
    check_targets(out, root.name, () if repo is None else (repo,))
    repo = repo or root.resolve().parent.parent
    if digest is None:
        digest = inputs_digest(root, series, brand)
    targets = output_paths(out, root.name)
    formats = needed_formats(formats)
    todo = tuple(f for f in formats if force or not up_to_date(out, root.name, digest, (f,)))
    if not todo:
        if "html" in formats and site:
            _write_site(out, root, series, repo, brand)
        return BuildResult(root.name, [targets[f] for f in formats], skipped=True,
                           seconds=time.perf_counter() - started)

    memory_only()  # a build opens nothing outside the study, the branding and the fonts
    study = load_study(root)
    problems = check_study(study, series, brand=brand)
    if any(p.is_error for p in problems):
        raise ProblemsFound(problems)
    result = BuildResult(study.slug, warnings=problems)
    for fmt in formats:
        if fmt == "pdf" and "pdf" in todo:
            _build_pdf(study, series, targets["pdf"], digest, brand)
        elif fmt == "html" and "html" in todo:
            _build_web(study, series, out, brand)
        elif fmt == "docx" and "docx" in todo:
            _build_docx(study, targets["docx"], brand)
        result.outputs.append(targets[fmt])
    with writing(out / STATE_DIR):
        record(out, study.slug, digest, todo)
    if "html" in formats and site:
        _write_site(out, root, series, repo, brand, {root.name: study.meta} if study.meta else {})
    result.seconds = time.perf_counter() - started
    return result


def _build_web(study: Study, series: SeriesConfig, out: Path, brand: Brand) -> Path:
    """The study's web edition (web/edition.py), its PDF beside it."""
    return build_edition(study, series, out, brand)


def series_roots(root: Path, repo: Path | None = None) -> list[Path]:
    """Every study of the series ``root`` belongs to: the study folders beside it."""

    folder = repo / COUNTRIES if repo is not None else Path(root).parent
    try:
        found = sorted(p for p in folder.iterdir() if (p / STUDY_FILE).is_file())
    except OSError:
        found = []
    return found if any(p.name == Path(root).name for p in found) else [*found, Path(root)]


def _write_site(out: Path, root: Path, series: SeriesConfig, repo: Path | None,
                brand: Brand, metas: dict[str, StudyMeta] | None = None) -> None:

    with writing(out / "index.html"):
        write_site(out, series_roots(root, repo), series, brand, metas)


def _build_pdf(study: Study, series: SeriesConfig, target: Path, digest: str,
               brand: Brand) -> Path:
    # imported here: the renderer (Jinja2, markdown-it, pandoc's wrapper: 0.1 s) and
    # WeasyPrint (0.5 s) load in the worker that renders, never in a command that
    # only decides what is up to date
    from ..render.html import render_html
    from ..render.pdf import html_to_pdf
    from ..render.provenance import manifest, xmp_description

    remove_temporaries(target, older_than=STALE_SECONDS)
    html = render_html(study, series, "print", brand=brand,
                       chart_cache=target.parent / STATE_DIR / CHARTS)
    roots = [study.root, BRANDING, *brand.font_roots()]
    assert study.meta is not None
    epoch = calendar.timegm(study.meta.date.timetuple())
    made_from = xmp_description(manifest(study.root, series, brand))
    data = html_to_pdf(html, study.root, roots, bytes.fromhex(digest)[:16], study.root, epoch,
                       made_from)
    with writing(target):
        atomic_write(target, data)
    return target


def _build_docx(study: Study, target: Path, brand: Brand) -> Path:
    """The reviewers' Word copy (render/docx.py), in the brand's styles."""
    from ..render.docx import docx_bytes, word_copy  # the worker that renders, only
    from ..render.docxstyle import reference_docx

    assert study.meta is not None
    date = study.meta.date
    with reference_docx(brand, study.root) as reference:
        data = docx_bytes(word_copy(study, brand), reference, study.root,
                          (date.year, date.month, date.day))
    with writing(target):
        atomic_write(target, data)
    return target


def check_targets(out: Path, slug: str, bases: tuple[Path, ...] = ()) -> None:
    """Raise UnsafeTarget when ``out``, a folder on the way to it below ``bases`` (and
    the working folder), or anything a build of ``slug`` reads, replaces or removes in
    it, is a symbolic link or of the wrong kind: a repository that ships ``build`` as a
    link to another folder must not make a build delete or write there."""
    check_target(out, (*bases, Path.cwd()), folder=True)
    for path in (out / slug, out / STATE_DIR, out / STATE_DIR / CHARTS):
        check_target(path, (out,), folder=True)
    for path in (*output_paths(out, slug).values(), out / STATE_DIR / f"{slug}.json"):
        check_target(path, (out,))


def build_task(task: Task) -> Outcome:
    """Build one study in this process; never raises for a problem the author caused."""
    started = time.perf_counter()
    try:
        result = build_one(task.root, task.out, task.formats, task.series, task.brand,
                           force=task.force, digest=task.digest,
                           site=False)  # the site: once, after all
    except ProblemsFound as exc:
        return Outcome(task.root, "problems", [], exc.problems,
                       seconds=time.perf_counter() - started)
    except CasestudyError as exc:
        return Outcome(task.root, "failed", [], [], str(exc), time.perf_counter() - started)
    except MemoryError:
        return Outcome(task.root, "failed", [], [],
                       f"{task.root}: error: ran out of memory while rendering; the brief "
                       "is too large or a figure is pathological", time.perf_counter() - started)
    except Exception as exc:  # a bug: keep its traceback for the report, fail this study only
        log.exception("building %s", task.root)
        return Outcome(task.root, "failed", [], [],
                       f"{task.root}: error: internal error ({type(exc).__name__}: {exc}); "
                       "this is a bug in casestudy, please report it with the traceback above",
                       time.perf_counter() - started)
    status = "skipped" if result.skipped else "built"
    return Outcome(task.root, status, result.outputs, result.warnings, "", result.seconds)


def build_series(roots: list[Path], out: Path, formats: tuple[str, ...],
                 series: SeriesConfig, jobs: int | None = None, force: bool = False,
                 timeout: float = 600, memory_mb: int = 4096,
                 on_outcome: Callable[[Outcome], None] | None = None,
                 bases: tuple[Path, ...] = (), repo: Path | None = None,
                 *, brand: Brand) -> list[Outcome]:
    """Build every study in ``roots``, in parallel; the outcomes in the order of ``roots``.

    With "html", the series index and the shared assets of the web edition are written
    once all are built (site.py), listing every study of the series (of ``repo``, or the
    study folders beside ``roots``) that has a web edition in ``out``.

    Up-to-date studies are skipped here, without starting a worker. A study whose
    outputs are symbolic links (or lie behind one below ``bases``) fails at once
    (:func:`check_targets`). Each study that
    is built gets ``timeout`` seconds and its worker ``memory_mb`` of address space.
    Workers start from a forkserver, which imports the calling script's ``__main__``:
    a script that calls this must guard its own work with ``if __name__ == "__main__":``.
    ``brand`` is the series' own (``load_brand(repo)``).
    """
    report = on_outcome or (lambda outcome: None)
    pending: list[Task] = []
    outcomes: dict[Path, Outcome] = {}
    wanted = needed_formats(formats)
    for root in roots:
        started = time.perf_counter()
        try:  # before up_to_date, which reads the outputs
            check_targets(out, root.name, bases)
        except UnsafeTarget as exc:
            outcome = Outcome(root, "failed", [], [], str(exc))
            outcomes[root] = outcome
            report(outcome)
            continue
        digest = inputs_digest(root, series, brand)
        if not force and up_to_date(out, root.name, digest, wanted):
            outcome = Outcome(root, "skipped", [output_paths(out, root.name)[f] for f in wanted],
                              [], seconds=time.perf_counter() - started)
            outcomes[root] = outcome
            report(outcome)
        else:
            pending.append(Task(root, out, formats, series, force, brand, digest))
    every = (sorted({p for root in roots for p in series_roots(root, repo)})
             if "html" in wanted else [])
    if pending and "html" in wanted:

        start_fonts(out, every, series, brand)  # made beside the PDFs
    if pending:
        for outcome in run_pool(build_task, pending, jobs or default_jobs(), timeout,
                                memory_mb, report):
            outcomes[outcome.root] = outcome
    if "html" in wanted and roots:

        with writing(out / "index.html"):
            write_site(out, every, series, brand)
    return [outcomes[root] for root in roots]


def check_formats(fmt: str) -> tuple[str, ...]:
    if fmt == "all":
        return ("pdf", "html")
    if fmt not in FORMATS:
        raise BuildError(f"unknown format {fmt!r}; use pdf, html, docx or all")
    return (fmt,)

