"""The published web edition of a series: its shared assets and its landing page.

::

    <out>/index.html            the series index: every study that has a web edition
    <out>/assets/web.css        the web stylesheet
    <out>/assets/brand.css      the brand: @font-face rules and the series colours
    <out>/assets/logo.svg
    <out>/assets/fonts/*.woff2  the brand fonts, cut to the characters the series uses
    <out>/<slug>/index.html     each study's web edition (build.py), with its figures
    <out>/<slug>/<slug>.pdf     and its PDF beside it

The folder is a static site: copy it to a web server as it is. Every page links only
inside it. ``write_site`` runs after the studies are built and is skipped when
nothing it shows has changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import webfonts
from .brand import BRANDING
from .cache import STATE_DIR, engine_digest, inputs_digest
from .fetch import inside, real, served_bytes
from .schema import SeriesConfig
from .write import atomic_write, check_target

ASSETS = "assets"
SITE_STATE = "site.json"
_SITE_FORMAT = 1


@dataclass(frozen=True)
class SiteAssets:
    """The URLs of the shared assets, as seen from a study's page."""

    stylesheets: tuple[str, ...] = (f"../{ASSETS}/web.css", f"../{ASSETS}/brand.css")
    logo: str = f"../{ASSETS}/logo.svg"


def brand_css(series: SeriesConfig, fonts_css: str) -> str:
    """The series brand as CSS: its fonts, the two font stacks web.css uses, and its
    colours (no inline style in a page)."""
    from .brand import font_stacks

    colors, stacks = series.colors, font_stacks(series)
    return (f"{fonts_css}\n:root {{ --serif: {stacks['serif']}; --sans: {stacks['sans']}; "
            f"--primary: {colors.primary}; --accent: {colors.accent}; "
            f"--muted: {colors.muted}; --tint: {colors.tint}; }}\n")


def _read(path: Path, root: Path | None = None) -> str:
    """A file's text; "" for one that cannot or must not be read (a link out of the
    study, a FIFO: the checker reports those; here they only add no letters)."""
    from .load import read_text

    return read_text(path, [], root) or ""


def series_text(roots: list[Path], series: SeriesConfig) -> list[str]:
    """Every text the web pages of the series can show: the studies' sources, the
    series settings and the templates (a superset of the rendered text: the Markdown
    marks it adds are in the base set anyway)."""
    texts = [json.dumps(series.model_dump(mode="json"), ensure_ascii=False)]
    texts += [_read(p) for p in sorted((BRANDING / "templates").glob("*.html"))]
    for root in roots:
        texts.append(_read(root / "study.yaml", root))
        if inside(real(root / "sections"), real(root)):
            texts += [_read(p, root) for p in sorted((root / "sections").glob("*.md"))]
    return texts


def _site_digest(roots: list[Path], series: SeriesConfig, out: Path) -> str:
    digest = hashlib.sha256(engine_digest() + f"site {_SITE_FORMAT}\n".encode())
    digest.update(series.model_dump_json().encode())
    for root in roots:
        page, pdf = out / root.name / "index.html", out / root.name / f"{root.name}.pdf"
        digest.update(f"\n{root.name}\0{inputs_digest(root, series)}\0{page.is_file()}\0"
                      f"{pdf.stat().st_size if pdf.is_file() else -1}".encode())
    return digest.hexdigest()


def _load_state(out: Path) -> dict:
    try:
        state = json.loads((out / STATE_DIR / SITE_STATE).read_text("utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def write_site(out: Path, roots: list[Path], series: SeriesConfig) -> Path:
    """Write the shared assets and the series index for the studies in ``roots``
    (every study of the series: those without a web edition in ``out`` are left out
    of the index). Returns the index page."""
    out = Path(out)
    index = out / "index.html"
    digest = _site_digest(roots, series, out)
    state = _load_state(out)
    assets = out / ASSETS
    # never written through a link a repository ships (see build.check_targets)
    for path, folder in ((assets, True), (assets / "fonts", True), (index, False),
                         (out / STATE_DIR / SITE_STATE, False)):
        check_target(path, (out,), folder=folder)
    if state.get("digest") == digest and index.is_file() and _fonts_present(assets):
        return index
    assets.mkdir(parents=True, exist_ok=True)
    write_brand_files(assets)
    chars = webfonts.charset(series_text(roots, series))
    font_key = webfonts.key(chars)
    if state.get("fonts") != font_key or not _fonts_present(assets):
        _write_fonts(assets / "fonts", chars)
    css = brand_css(series, webfonts.font_face_css("fonts/"))
    atomic_write(assets / "brand.css", css.encode(), durable=False)
    atomic_write(index, _index_html(out, roots, series).encode("utf-8"), durable=False)
    record = {"digest": digest, "fonts": font_key}
    atomic_write(out / STATE_DIR / SITE_STATE, json.dumps(record).encode(), durable=False)
    return index


def write_brand_files(assets: Path) -> None:
    """web.css and the logo (sanitized, as the PDF draws it) into ``assets``."""
    atomic_write(assets / "web.css", (BRANDING / "web.css").read_bytes(), durable=False)
    atomic_write(assets / "logo.svg", served_bytes(BRANDING / "logo.svg"), durable=False)


def _fonts_present(assets: Path) -> bool:
    return all((assets / "fonts" / face.filename).is_file() for face in webfonts.faces())


def _write_fonts(folder: Path, chars: str) -> None:
    made = webfonts.make_faces(chars)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in made.items():
        atomic_write(folder / name, data, durable=False)
    for stale in folder.glob("*.woff2"):  # faces of an older brand
        if stale.name not in made:
            stale.unlink()


def _index_html(out: Path, roots: list[Path], series: SeriesConfig) -> str:
    from .load import read_text
    from .markdown import key_points, parse_section
    from .render import entry_for, render_index
    from .schema import SECTIONS, StudyMeta
    from .yamlfile import read_yaml

    summary = next(s for s in SECTIONS if s.id == "summary")
    entries = []
    for root in roots:
        if not (out / root.name / "index.html").is_file():
            continue  # not built (yet): no dead link on the index
        if not inside(real(root / "study.yaml"), real(root)):
            continue
        doc = read_yaml(root / "study.yaml")
        try:
            meta = StudyMeta.model_validate(doc.data)
        except ValueError:  # a study that no longer validates keeps its page, not its entry
            continue
        text = read_text(root / "sections" / summary.filename, [], root)
        points = key_points(parse_section(text)) if text else []
        pdf = out / root.name / f"{root.name}.pdf"
        entries.append(entry_for(meta, root.name, points, pdf.stat().st_size
                                 if pdf.is_file() else 0))
    entries.sort(key=lambda e: (e.meta.series_number, e.meta.country.name))
    return render_index(entries, series, [f"{ASSETS}/web.css", f"{ASSETS}/brand.css"],
                        f"{ASSETS}/logo.svg")


def copy_pdf(pdf: Path, folder: Path) -> int:
    """Copy the study's PDF into its web edition's folder; its size, or 0 if none."""
    if not pdf.is_file():
        return 0
    shutil.copyfile(pdf, folder / pdf.name)
    return pdf.stat().st_size
