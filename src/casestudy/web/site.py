"""The published web edition of a series: its shared assets and its landing page.

::

    <out>/index.html            the series index: every study that has a web edition
    <out>/assets/web.css        the web stylesheet
    <out>/assets/brand.css      the brand: @font-face rules, colours, font stacks
    <out>/assets/brand/         the series' brand/extra.css, when it has one (linked
                                last), with the files of brand/ its url()s name
    <out>/assets/logo.svg       the brand's logo (sanitized; or .png), and logo-<size>.*
                                for sizes drawn from other files
    <out>/assets/fonts/*.woff2  the brand fonts, cut to the characters the series uses
    <out>/<slug>/index.html     each study's web edition (edition.py), with its figures
    <out>/<slug>/<slug>.pdf     and its PDF beside it

The folder is a static site: copy it to a web server as it is. Every page links only
inside it. ``write_site`` runs after the studies are built and is skipped when
nothing it shows has changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from ..brand import webfonts
from ..brand.model import BRANDING, Brand, brand_folder_files
from ..brand.stylesheet import brand_css
from ..files.fetch import Refused, inside, local_data, local_image, real, served_bytes, svg_figure
from ..files.write import atomic_write, check_target
from ..files.yamlfile import read_yaml
from ..render.cache import STATE_DIR, brand_digest, engine_digest, text_digest
from ..source.chart import MAX_CSV_BYTES, parse_settings
from ..source.labels import printed_text
from ..source.load import read_text
from ..source.schema import SECTIONS, SeriesConfig, StudyMeta

ASSETS = "assets"
SITE_STATE = "site.json"
_SITE_FORMAT = 2  # 2: the fonts cover what the figures draw
FIGURES = "figures"  # study_texts' key for what a study's figures and charts draw
CHART_MARKS = "\u2212"  # the minus sign draw.py writes numbers with (the rest is ASCII)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class SiteAssets:
    """The brand's files as the web edition publishes them in ``assets/``: each source
    file's name there, and the stylesheets in the order pages link them."""

    files: dict[Path, str]
    stylesheets: tuple[str, ...]
    logos: dict[str, str]  # size (small, medium, large) -> name

    def urls(self, prefix: str) -> dict[Path, str]:
        return {path: prefix + name for path, name in self.files.items()}

    def stylesheet_urls(self, prefix: str) -> tuple[str, ...]:
        return tuple(prefix + name for name in self.stylesheets)


def site_assets(brand: Brand) -> SiteAssets:
    # rtl.css: linked only by the pages of right-to-left studies (web.html)
    files: dict[Path, str] = {BRANDING / "web.css": "web.css", BRANDING / "rtl-web.css": "rtl.css"}
    logos: dict[str, str] = {}
    # the masthead is drawn in the primary colour, as the cover band is: the dark logo
    for size in ("small", "medium", "large"):  # the masthead's first: it is "logo"
        logo = brand.logos[size]
        source = logo.dark or logo.path
        name = "logo" if not logos else f"logo-{size}"
        files.setdefault(source, name + source.suffix.lower())
        logos[size] = files[source]
    sheets = ["web.css", "brand.css"]
    if brand.extra_css:
        # at its place under brand/, with the files its url()s name: they stay relative
        folder = brand.extra_css.parent
        for path in [brand.extra_css, *brand.extra_files]:
            files.setdefault(path, f"brand/{path.relative_to(folder).as_posix()}")
        sheets.append(files[brand.extra_css])
    return SiteAssets(files, tuple(sheets), logos)


def _read(path: Path, root: Path | None = None) -> str:
    """A file's text; "" for one that cannot or must not be read (a link out of the
    study, a FIFO: the checker reports those; here they only add no letters)."""

    return read_text(path, [], root) or ""


def study_texts(root: Path) -> dict[str, str]:
    """A study's text as the web edition's shared parts use it, each file read once:
    ``study.yaml`` and ``sections/<name>.md`` by those names ("" for one that cannot or
    must not be read), and under ``figures`` what its SVG figures and charts draw
    (:func:`figure_text`). The fonts' characters and the index's key points come from it."""
    texts = {"study.yaml": _read(root / "study.yaml", root)}
    if inside(real(root / "sections"), real(root)):
        for path in sorted((root / "sections").glob("*.md")):
            texts[f"sections/{path.name}"] = _read(path, root)
    texts[FIGURES] = figure_text(root, texts)
    return texts


def figure_text(root: Path, texts: dict[str, str]) -> str:
    """The characters the SVG figures and the charts the sections show draw: the web
    edition inlines them (inline.py), so the web fonts must have their glyphs. A
    superset: every character of the sanitized SVG (markup too, all ASCII) and of each
    chart's CSV. A figure or CSV the checker refuses adds nothing (it is not built)."""
    # here: the Markdown parser loads only when the fonts' characters are worked out
    from ..source.parse import parse_section

    out = [CHART_MARKS]
    sections = root / "sections"
    for name, text in texts.items():
        lowered = text.lower()
        if not name.startswith("sections/") or ("svg" not in lowered and "chart" not in lowered):
            continue  # shows no SVG and no chart: not parsed again (a no-op build reads this)
        parsed = parse_section(text)
        for ref in parsed.images:
            try:
                path = local_image(root, ref.value, sections)
                figure = svg_figure(path) if path.suffix.lower() == ".svg" else None
            except (Refused, OSError):
                continue
            if figure is not None and figure.data is not None:
                out.append(unescape(_TAG.sub(" ", figure.data.decode("utf-8"))))
        for block in parsed.blocks:
            if block.kind != "chart":
                continue
            settings = {s.key: s.value for s in parse_settings(block.settings,
                                                               sections / name)[0]}
            try:  # its bytes only: the build parses each CSV once (Study.charts)
                path = local_data(root, sections, settings.get("data", ""))
                with open(path, "rb") as handle:  # no further than the cap, as read_data
                    raw = handle.read(MAX_CSV_BYTES + 1)
            except (Refused, OSError):
                continue
            if len(raw) <= MAX_CSV_BYTES:
                out.append(raw.decode("utf-8", "replace"))
    return "".join(out)


def series_text(roots: list[Path], series: SeriesConfig, brand: Brand,
                texts: dict[Path, dict[str, str]] | None = None) -> list[str]:
    """Every text the web pages of the series can show: the studies' sources (from
    ``texts``, by study, when the caller has read them: :func:`study_texts`), the
    series settings and the templates (a superset of the rendered text: the Markdown
    marks it adds are in the base set anyway)."""
    out = [json.dumps(series.model_dump(mode="json"), ensure_ascii=False)]
    out += [_read(p) for p in sorted((BRANDING / "templates").glob("*.html"))]
    if brand.templates is not None:
        out += [_read(p) for p in sorted(brand.templates.glob("*.html"))]
    out += [logo.alt or "" for logo in brand.logos.values()]
    for root in roots:
        out += (texts[root] if texts is not None else study_texts(root)).values()
        meta = _meta(root)  # the labels, dates and names in the study's language
        out += (printed_text(meta.language, series.labels, series.label)
                if meta is not None else [])
    return out


def _site_digest(roots: list[Path], series: SeriesConfig, out: Path, brand: Brand,
                 texts: dict[Path, dict[str, str]]) -> str:
    """What the shared assets and the index are made of: the brand, series.yaml, each
    study's text and what its figures draw (``texts``: the fonts are cut to it), whether
    it has a page and the size of its PDF."""
    digest = hashlib.sha256(engine_digest() + f"site {_SITE_FORMAT}\n".encode())
    digest.update(brand_digest(brand) + series.model_dump_json().encode())
    for root in roots:
        page, pdf = out / root.name / "index.html", out / root.name / f"{root.name}.pdf"
        digest.update(f"\n{root.name}\0{text_digest(root).hex()}\0{page.is_file()}\0"
                      f"{pdf.stat().st_size if pdf.is_file() else -1}".encode())
        digest.update(b"\0" + texts[root].get(FIGURES, "").encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _load_state(out: Path) -> dict:
    try:
        state = json.loads((out / STATE_DIR / SITE_STATE).read_text("utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def write_site(out: Path, roots: list[Path], series: SeriesConfig, brand: Brand,
               metas: dict[str, StudyMeta] | None = None) -> Path:
    """Write the shared assets and the series index for the studies in ``roots``
    (every study of the series: those without a web edition in ``out`` are left out
    of the index), in ``brand`` (the series'). Returns the index page.

    ``metas`` holds the study.yaml of the studies the caller has loaded (by the
    study's folder name): the index takes theirs rather than reading them again. Each study's text
    is read once here, for the fonts' characters and the index alike."""

    out = Path(out)
    index = out / "index.html"
    texts = {root: study_texts(root) for root in roots}
    digest = _site_digest(roots, series, out, brand, texts)
    state = _load_state(out)
    assets = out / ASSETS
    # never written through a link a repository ships (see build.check_targets)
    for path, folder in ((assets, True), (assets / "fonts", True), (index, False),
                         (out / STATE_DIR / SITE_STATE, False)):
        check_target(path, (out,), folder=folder)
    faces = webfonts.faces(brand)
    if state.get("digest") == digest and index.is_file() and _fonts_present(assets, faces):
        return index
    assets.mkdir(parents=True, exist_ok=True)
    shared = write_brand_files(assets, brand)
    chars = webfonts.charset(series_text(roots, series, brand, texts))
    font_key = webfonts.key(brand, chars)
    if state.get("fonts") != font_key or not _fonts_present(assets, faces):
        _write_fonts(assets / "fonts", brand, chars)
    css = brand_css(brand, webfonts.font_faces("fonts/", faces)) + "\n"
    atomic_write(assets / "brand.css", css.encode(), durable=False)
    html = _index_html(out, roots, series, brand, shared, texts, metas or {})
    atomic_write(index, html.encode("utf-8"), durable=False)
    record = {"digest": digest, "fonts": font_key}
    atomic_write(out / STATE_DIR / SITE_STATE, json.dumps(record).encode(), durable=False)
    return index


def start_fonts(out: Path, roots: list[Path], series: SeriesConfig, brand: Brand) -> None:
    """Begin making the web fonts that :func:`write_site` will write, while the studies
    build (``build_series``); write_site then waits for them. Nothing is begun when
    the fonts in ``out`` are those of the series' text already."""
    try:
        chars = webfonts.charset(series_text(roots, series, brand))
        font_key = webfonts.key(brand, chars)
    except OSError:  # a font that cannot be read: write_site says so, after the builds
        return
    if _load_state(out).get("fonts") != font_key or not _fonts_present(
            out / ASSETS, webfonts.faces(brand)):
        webfonts.start(brand, chars)


def write_brand_files(assets: Path, brand: Brand) -> SiteAssets:
    """web.css, the logos (sanitized, as the PDF draws them) and the series' extra.css
    into ``assets``; what was written, and under which names. Files of an older brand
    (a logo of another type) are removed."""
    shared = site_assets(brand)
    check_target(assets / "brand", (assets,), folder=True)
    for source, name in shared.files.items():
        data = source.read_bytes() if source.suffix == ".css" else served_bytes(source)
        (assets / name).parent.mkdir(parents=True, exist_ok=True)
        check_target(assets / name, (assets,))
        atomic_write(assets / name, data, durable=False)
    names = set(shared.files.values())
    published = [p for p in assets.glob("logo*") if p.is_file()]
    if (assets / "brand").is_dir():

        published += brand_folder_files(assets / "brand")
    for stale in published:  # files of an older brand
        if stale.relative_to(assets).as_posix() not in names:
            stale.unlink()
    return shared


def _fonts_present(assets: Path, faces: list[webfonts.Face]) -> bool:
    return all((assets / "fonts" / face.filename).is_file() for face in faces)


def _write_fonts(folder: Path, brand: Brand, chars: str) -> None:
    made = webfonts.make_faces(brand, chars)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in made.items():
        atomic_write(folder / name, data, durable=False)
    for stale in folder.glob("*.woff2"):  # faces of an older brand
        if stale.name not in made:
            stale.unlink()


def _index_html(out: Path, roots: list[Path], series: SeriesConfig, brand: Brand,
                shared: SiteAssets, texts: dict[Path, dict[str, str]],
                metas: dict[str, StudyMeta]) -> str:
    # here: the renderer and the Markdown parser (0.13 s) load only when the index is
    # written, not when a no-op build finds it up to date
    from ..render.html import entry_for, render_index
    from ..source.keypoints import key_points
    from ..source.parse import parse_section

    summary = next(s for s in SECTIONS if s.id == "summary")
    entries = []
    for root in roots:
        if not (out / root.name / "index.html").is_file():
            continue  # not built (yet): no dead link on the index
        meta = metas.get(root.name) or _meta(root)
        if meta is None:  # a study that no longer validates keeps its page, not its entry
            continue
        text = texts[root].get(f"sections/{summary.filename}")
        points = key_points(parse_section(text)) if text else []
        pdf = out / root.name / f"{root.name}.pdf"
        entries.append(entry_for(meta, root.name, points, pdf.stat().st_size
                                 if pdf.is_file() else 0))
    entries.sort(key=lambda e: (e.meta.series_number, e.meta.country.name))
    return render_index(entries, series, list(shared.stylesheet_urls(f"{ASSETS}/")),
                        f"{ASSETS}/{shared.logos['small']}", brand)


def _meta(root: Path) -> StudyMeta | None:
    """A study's study.yaml, read for the index when the caller has not loaded it."""
    if not inside(real(root / "study.yaml"), real(root)):
        return None
    doc = read_yaml(root / "study.yaml")
    try:
        return StudyMeta.model_validate(doc.data)
    except ValueError:
        return None


def copy_pdf(pdf: Path, folder: Path) -> int:
    """Copy the study's PDF into its web edition's folder; its size, or 0 if none."""
    if not pdf.is_file():
        return 0
    shutil.copyfile(pdf, folder / pdf.name)
    return pdf.stat().st_size
