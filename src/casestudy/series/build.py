"""Build studies: check, render, write; a series on a pool of warm workers.

``build_one`` is the one function that strings the steps of one study together,
readable top to bottom (``build_study``, the public entry point, first reads the
series and its brand when it is not given them). It reads and validates everything
before it writes anything: a study with errors is not built, and its previous outputs
stay as they were. A study whose inputs have not changed since its last build is
skipped (see cache.py).

``build_series`` builds many studies: the up-to-date ones are skipped in this
process, the rest go to worker processes (workers.py) within a time and memory limit.
"""

from __future__ import annotations

import calendar
import contextlib
import errno
import glob
import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..brand.load import load_brand
from ..brand.model import BRANDING, Brand
from ..errors import (
    BuildError,
    CasestudyError,
    Problem,
    ProblemsFound,
    UnsafeTarget,
    display_path,
)
from ..files.fetch import Refused, pillow, real, served_bytes
from ..files.folders import remove_tree
from ..files.fonts import memory_only
from ..files.write import atomic_write, check_target, remove_temporaries
from ..parallel import default_jobs
from ..render.cache import STATE_DIR, inputs_digest, output_paths, record, up_to_date
from ..source.load import COUNTRIES, STUDY_FILE, load_series, load_study
from ..source.schema import SeriesConfig
from ..web.site import ASSETS, copy_pdf, site_assets, start_fonts, write_site
from .workers import Outcome, Task, run_pool

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ..source.load import Study

FORMATS = ("pdf", "html")
STALE_SECONDS = 3600  # a temporary file this old belongs to no live build
_SWAP_ATTEMPTS = 100
# The web edition's column is 44rem (704 px); photos wider than twice that (sharp on
# high-density screens) are scaled down for it. The PDF resamples on its own (pdf.py).
WEB_MAX_WIDTH = 1600
CHARTS = "charts"  # drawn charts, by digest of what they are drawn from (draw.py)
_WEB_SCALED = {".png", ".jpg", ".jpeg", ".webp"}  # not GIF: it may be animated


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
        result.outputs.append(targets[fmt])
    with _writing(out / STATE_DIR):
        record(out, study.slug, digest, todo)
    if "html" in formats and site:
        _write_site(out, root, series, repo, brand)
    result.seconds = time.perf_counter() - started
    return result


def series_roots(root: Path, repo: Path | None = None) -> list[Path]:
    """Every study of the series ``root`` belongs to: the study folders beside it."""

    folder = repo / COUNTRIES if repo is not None else Path(root).parent
    try:
        found = sorted(p for p in folder.iterdir() if (p / STUDY_FILE).is_file())
    except OSError:
        found = []
    return found if any(p.name == Path(root).name for p in found) else [*found, Path(root)]


def _write_site(out: Path, root: Path, series: SeriesConfig, repo: Path | None,
                brand: Brand) -> None:

    with _writing(out / "index.html"):
        write_site(out, series_roots(root, repo), series, brand)


def _build_pdf(study: Study, series: SeriesConfig, target: Path, digest: str,
               brand: Brand) -> Path:
    # imported here: the renderer (Jinja2, markdown-it, pandoc's wrapper: 0.1 s) and
    # WeasyPrint (0.5 s) load in the worker that renders, never in a command that
    # only decides what is up to date
    from ..render.html import render_html
    from ..render.pdf import html_to_pdf

    remove_temporaries(target, older_than=STALE_SECONDS)
    html = render_html(study, series, "print", brand=brand,
                       chart_cache=target.parent / STATE_DIR / CHARTS)
    roots = [study.root, BRANDING, *brand.font_roots()]
    assert study.meta is not None
    epoch = calendar.timegm(study.meta.date.timetuple())
    data = html_to_pdf(html, study.root, roots, bytes.fromhex(digest)[:16], study.root, epoch)
    with _writing(target):
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


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[None]:
    """An OSError while writing ``target`` (disk full, no permission, a folder in the
    way) is the user's to fix: say which file, without a traceback."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BuildError(f"cannot write {display_path(target)}: {reason}; the previous "
                         "output is unchanged", target) from None


def _build_web(study: Study, series: SeriesConfig, out: Path, brand: Brand) -> Path:
    """<out>/<slug>/index.html with its assets beside it (fonts, CSS, the figures shown)."""
    folder = out / study.slug
    with _writing(folder):
        return _write_web(study, series, out, folder, brand)


def _write_web(study: Study, series: SeriesConfig, out: Path, folder: Path,
               brand: Brand) -> Path:
    """The edition is staged in a hidden folder and swapped in whole. It holds the page,
    its PDF, and only the files the sections show: nothing else of the study (no data,
    notes, READMEs, dotfiles or HTML) is published; the brand's assets are the series'
    (site.py)."""
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_editions(out, study.slug)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=f".{study.slug}.web.{os.getpid()}."))
    try:

        pdf_size = copy_pdf(output_paths(out, study.slug)["pdf"], staging)
        write_edition(study, series, staging, pdf_size, out / STATE_DIR / CHARTS, brand=brand)
        os.chmod(staging, 0o755)
        _swap_in(staging, folder, out, study.slug)
    except BaseException:
        remove_tree(staging)
        raise
    return folder / "index.html"


def write_edition(study: Study, series: SeriesConfig, folder: Path, pdf_size: int,
                  chart_cache: Path | None = None, *, brand: Brand) -> None:
    """The study's page in ``folder``, with the files its sections show (published at
    their place in the study, sanitized or scaled: ``_copy_for_web``). The shared assets
    are at ``../assets`` (site.py), the series index at ``../index.html``, the PDF (when
    ``pdf_size``) beside the page. The preview writes its pages with this too."""
    from ..render.html import WebLinks, render_html  # here: 0.1 s a no-op build skips

    shared = site_assets(brand)
    urls = shared.urls(f"../{ASSETS}/")
    root = real(study.root)
    published: dict[Path, str] = {}

    def figure_url(path: Path) -> str:
        """Publish a file a section shows, at its place in the study; its URL."""
        if path not in published:
            rel = path.relative_to(root)
            target = folder / rel
            if target.exists():  # the page and its PDF are there first
                raise BuildError(f"its web address would be {rel.as_posix()}, which the "
                                 "web edition's own file takes; rename or move it", path)
            target.parent.mkdir(parents=True, exist_ok=True)
            _copy_for_web(path, target)
            published[path] = quote(rel.as_posix())  # `chart #1?.svg` stays one name
        return published[path]

    links = WebLinks(stylesheets=shared.stylesheet_urls(f"../{ASSETS}/"),
                     index_url="../index.html",
                     pdf_url=f"{study.slug}.pdf" if pdf_size else "", pdf_size=pdf_size,
                     page_path=f"{study.slug}/index.html")
    html = render_html(study, series, "web", urls, figure_url, links, chart_cache, brand=brand)
    (folder / "index.html").write_text(html, encoding="utf-8")


def _swap_in(staging: Path, folder: Path, out: Path, slug: str) -> None:
    """Put the finished edition at ``folder``; the old edition stays whole until then.

    A folder cannot be renamed over a folder that holds files, so the old one is moved
    aside first; a concurrent build may put its own edition in between, so that is
    retried (the last build wins, each edition whole). The aside folder always goes.
    """
    old = Path(tempfile.mkdtemp(dir=out, prefix=f".{slug}.web.{os.getpid()}."))
    try:
        for attempt in range(_SWAP_ATTEMPTS):
            with contextlib.suppress(FileNotFoundError):  # another build moved it first
                os.replace(folder, old / f"edition-{attempt}")
            try:
                os.replace(staging, folder)
                return
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
        raise BuildError(f"other builds kept replacing {display_path(folder)}; try again",
                         folder)
    finally:
        remove_tree(old)


def _remove_stale_editions(out: Path, slug: str) -> None:
    """The staging folders of web builds that were killed (a crashed or killed ``build``
    process, whose own pool could not clean up): only real folders of this user with
    the names builds give them, and only once no live build could still be writing."""
    pattern = re.compile(rf"\.{re.escape(slug)}\.web\.\d+\.[A-Za-z0-9_]+")
    for path in out.glob(f".{glob.escape(slug)}.web.*"):
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if (pattern.fullmatch(path.name) and stat.S_ISDIR(info.st_mode)
                and info.st_uid == os.getuid()
                and time.time() - info.st_mtime > STALE_SECONDS):
            remove_tree(path)


def _copy_for_web(source: Path, target: Path) -> None:
    """Publish one file: an SVG sanitized (the bytes the PDF drew); a raster image wider
    than WEB_MAX_WIDTH scaled down (turned upright first, colour profile kept); anything
    else copied. Only images the checker passed get here, so decoding is bounded."""
    suffix = source.suffix.lower()
    if suffix == ".svg":
        try:
            target.write_bytes(served_bytes(source))
        except Refused as exc:
            raise BuildError(str(exc), source) from None
        return
    if suffix in _WEB_SCALED:
        from PIL import ImageOps

        Image = pillow()
        try:
            with Image.open(source) as image:
                if image.width > WEB_MAX_WIDTH:
                    kind, profile = image.format, image.info.get("icc_profile")
                    upright = ImageOps.exif_transpose(image)
                    upright.thumbnail((WEB_MAX_WIDTH, upright.height), Image.Resampling.LANCZOS)
                    options = {"quality": 85} if kind == "JPEG" else {}
                    upright.save(target, kind, icc_profile=profile, optimize=True, **options)
                    return
        except Exception:  # Pillow raises many kinds for odd files: then serve it as it is
            with contextlib.suppress(OSError):
                target.unlink()
    shutil.copyfile(source, target)


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

        with _writing(out / "index.html"):
            write_site(out, every, series, brand)
    return [outcomes[root] for root in roots]


def check_formats(fmt: str) -> tuple[str, ...]:
    if fmt == "all":
        return FORMATS
    if fmt not in FORMATS:
        raise BuildError(f"unknown format {fmt!r}; use pdf, html or all")
    return (fmt,)

