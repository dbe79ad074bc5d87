"""Build studies: check, render, write. The one function that strings the steps together.

``build_study`` reads and validates everything before it writes anything: a study
with errors is not built, and its previous outputs stay as they were.
"""

from __future__ import annotations

import calendar
import hashlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .check import check_study
from .errors import BuildError, Problem, ProblemsFound
from .load import Study, load_series, load_study
from .render import BRANDING, brand_fonts, font_roots, render_html
from .schema import SeriesConfig
from .write import atomic_write, remove_stale_temporaries

FORMATS = ("pdf", "html")


@dataclass
class BuildResult:
    slug: str
    outputs: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: bool = False
    seconds: float = 0.0


def source_files(study: Study) -> list[Path]:
    """Every file of the study that can affect its output."""
    files = [study.study_file, *(s.path for s in study.sections if s.present)]
    figures = study.root / "figures"
    if figures.is_dir():
        files += [p for p in figures.rglob("*") if p.is_file()]
    return sorted(files)


def inputs_digest(study: Study, series: SeriesConfig) -> str:
    """A hash of everything that affects the output: sources, series, branding, version."""
    digest = hashlib.sha256()
    digest.update(f"casestudy {__version__}\n".encode())
    digest.update(series.model_dump_json().encode())
    branding = sorted(p for p in BRANDING.rglob("*") if p.is_file())
    fonts = [f.path for f in brand_fonts()]
    for path in (*source_files(study), *branding, *fonts):
        rel = path.relative_to(study.root) if study.root in path.parents else path.name
        digest.update(f"\n{rel}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_study(root: Path, out: Path = Path("build"), formats: tuple[str, ...] = ("pdf",),
                series: SeriesConfig | None = None, repo: Path | None = None) -> BuildResult:
    """Build one study into ``out``; raise ProblemsFound if it has errors."""
    started = time.perf_counter()
    study = load_study(root)
    problems = check_study(study)
    if any(p.is_error for p in problems):
        raise ProblemsFound(problems)
    if series is None:
        series = load_series(repo or root.resolve().parent.parent)
    digest = inputs_digest(study, series)
    result = BuildResult(study.slug, warnings=problems)
    out.mkdir(parents=True, exist_ok=True)
    if "pdf" in formats:
        result.outputs.append(_build_pdf(study, series, out, digest))
    if "html" in formats:
        result.outputs.append(_build_web(study, series, out))
    result.seconds = time.perf_counter() - started
    return result


def _build_pdf(study: Study, series: SeriesConfig, out: Path, digest: str) -> Path:
    from .pdf import html_to_pdf

    target = out / f"{study.slug}.pdf"
    remove_stale_temporaries(out, target.name)
    html = render_html(study, series, "print")
    roots = [study.root, BRANDING, *font_roots()]
    assert study.meta is not None
    epoch = calendar.timegm(study.meta.date.timetuple())
    data = html_to_pdf(html, study.root, roots, bytes.fromhex(digest)[:16], study.root, epoch)
    atomic_write(target, data)
    return target


def _build_web(study: Study, series: SeriesConfig, out: Path) -> Path:
    """build/<slug>/index.html with its assets copied beside it (fonts, CSS, figures)."""
    folder = out / study.slug
    staging = out / f".{study.slug}.web.tmp"
    if staging.exists():
        shutil.rmtree(staging)
    assets = staging / "assets"
    assets.mkdir(parents=True)
    urls: dict[Path, str] = {}
    for path in (*(f.path for f in brand_fonts()), BRANDING / "web.css", BRANDING / "logo.svg"):
        shutil.copyfile(path, assets / path.name)
        urls[path] = f"assets/{path.name}"
    figures = study.root / "figures"
    if figures.is_dir():
        for path in sorted(figures.rglob("*")):
            if path.is_file() and not path.is_symlink():
                rel = path.relative_to(study.root)
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, staging / rel)
                urls[path.resolve()] = rel.as_posix()
    html = render_html(study, series, "web", urls)
    (staging / "index.html").write_text(html, encoding="utf-8")
    # swap the finished folder in: the old edition stays whole until the new one is
    old = out / f".{study.slug}.web.old"
    if old.exists():
        shutil.rmtree(old)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    if old.exists():
        shutil.rmtree(old)
    return folder / "index.html"


def check_formats(fmt: str) -> tuple[str, ...]:
    if fmt == "all":
        return FORMATS
    if fmt not in FORMATS:
        raise BuildError(f"unknown format {fmt!r}; use pdf, html or all")
    return (fmt,)
