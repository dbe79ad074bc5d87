"""One study's web edition: its page, the files its sections show, its PDF beside it.

::

    <out>/<slug>/index.html     the page (write_edition: the preview writes its pages so too)
    <out>/<slug>/<slug>.pdf     its PDF, copied in
    <out>/<slug>/...            the figures its sections show, at their place in the study

``build_edition`` stages the folder beside it and swaps it in whole, so a reader never
sees half an edition. The series index and the shared assets are site.py's; which
studies are built, and when, is series/build.py's.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..brand.model import Brand
from ..errors import BuildError, display_path
from ..files.fetch import Refused, pillow, real, served_bytes
from ..files.folders import remove_tree
from ..render.cache import STATE_DIR, output_paths
from ..source.schema import SeriesConfig
from .site import ASSETS, copy_pdf, site_assets

if TYPE_CHECKING:
    from ..source.load import Study

STALE_SECONDS = 3600  # a temporary file this old belongs to no live build
_SWAP_ATTEMPTS = 100
# The web edition's column is 44rem (704 px); photos wider than twice that (sharp on
# high-density screens) are scaled down for it. The PDF resamples on its own (pdf.py).
WEB_MAX_WIDTH = 1600
CHARTS = "charts"  # drawn charts, by digest of what they are drawn from (draw.py)
_WEB_SCALED = {".png", ".jpg", ".jpeg", ".webp"}  # not GIF: it may be animated


@contextlib.contextmanager
def writing(target: Path) -> Iterator[None]:
    """An OSError while writing ``target`` (disk full, no permission, a folder in the
    way) is the user's to fix: say which file, without a traceback."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BuildError(f"cannot write {display_path(target)}: {reason}; the previous "
                         "output is unchanged", target) from None


def build_edition(study: Study, series: SeriesConfig, out: Path, brand: Brand) -> Path:
    """<out>/<slug>/index.html with its assets beside it (fonts, CSS, the figures shown):
    the web step of a build (``series/build.py``), after the study's PDF."""
    folder = out / study.slug
    with writing(folder):
        return _stage_edition(study, series, out, folder, brand)


def _stage_edition(study: Study, series: SeriesConfig, out: Path, folder: Path,
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
    from ..render.provenance import html_manifest, manifest
    from .inline import inline_figures  # over render/html.py: loaded with it

    shared = site_assets(brand)
    urls = shared.urls(f"../{ASSETS}/")
    root = real(study.root)
    published: dict[Path, str] = {}
    svgs: dict[str, bytes] = {}  # the sanitized SVGs shown, by URL: inlined in the page

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
            if path.suffix.lower() == ".svg":
                svgs[published[path]] = target.read_bytes()
        return published[path]

    links = WebLinks(stylesheets=shared.stylesheet_urls(f"../{ASSETS}/"),
                     index_url="../index.html",
                     pdf_url=f"{study.slug}.pdf" if pdf_size else "", pdf_size=pdf_size,
                     page_path=f"{study.slug}/index.html",
                     manifest=html_manifest(manifest(study.root, series, brand)))
    html = render_html(study, series, "web", urls, figure_url, links, chart_cache, brand=brand)
    html = inline_figures(html, svgs, _families(brand))
    (folder / "index.html").write_text(html, encoding="utf-8")


def _families(brand: Brand) -> list[str]:
    """The brand's families in the order of its headings stack (Brand.stack): the one
    inlined SVG figures are drawn in (inline.py)."""
    names = list(brand.headings.families or brand.monospace.families)
    for style in (brand.base, brand.headings, brand.monospace):
        names += [n for n in style.families if n not in names]
    return names


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
