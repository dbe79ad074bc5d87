"""Study -> HTML with the series brand (Jinja2, autoescaped, StrictUndefined).

Author text is rendered by markdown.py and handed to the template as safe HTML; it
is never itself treated as a template, so ``{{ 7*7 }}`` in a section stays as typed.
The templates are ours (``branding/templates``), each block of which a series may
override with its own in ``brand/templates/`` (publisher's code, trusted as such);
the brand's colours and fonts arrive as CSS custom properties made here from values
brand.py has validated, never from raw text.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from html import unescape
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from ..brand.chart import ChartStyle, chart_style
from ..brand.model import BRANDING, Brand
from ..brand.stylesheet import brand_css, font_faces
from ..errors import BuildError
from ..files.fetch import CHART_URL, Refused, local_image
from ..files.svg import sanitize
from ..source.body import render_body
from ..source.chart import load_chart, parse_settings
from ..source.citations import ibid_variant, style_path
from ..source.keypoints import key_points
from ..source.load import Study, series_root
from ..source.renderer import RenderContext
from ..source.schema import SeriesConfig, StudyMeta
from ..version import __version__
from .cite import Citer, format_citations
from .draw import data_table, drawn
from .labels import Labels, study_labels
from .scripts import isolate_rtl, join_hangul, ltr_paragraphs, root_direction, upright


def logo_alt(brand: Brand, series: SeriesConfig) -> str:
    return brand.logos["medium"].alt or f"{series.publisher} logo"


@cache
def _environment(overrides: Path | None = None) -> jinja2.Environment:
    """Our templates; with ``overrides`` (a brand's templates/ folder) theirs first, and
    ours still reachable as ``casestudy/<name>`` so that theirs can extend ours."""
    ours = jinja2.FileSystemLoader(BRANDING / "templates")
    loader: jinja2.BaseLoader = ours
    if overrides is not None:
        loader = jinja2.ChoiceLoader([jinja2.PrefixLoader({"casestudy": ours}),
                                      jinja2.FileSystemLoader(overrides), ours])
    return jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class WebLinks:
    """Where a web edition's neighbours are, as URLs relative to its page; ``site_url``
    (series.yaml), when set, makes the ones readers' tools need absolute."""

    stylesheets: tuple[str, ...]
    index_url: str = ""
    pdf_url: str = ""
    pdf_size: int = 0
    page_path: str = ""  # the page's path under the site, e.g. "italy/index.html"
    manifest: str = ""  # what the page was made from (provenance.py), as JSON


@dataclass
class RenderedSection:
    id: str
    anchor: str
    heading: str
    body: Markup


def _long_date(day: dt.date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _names(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def _absolute(series: SeriesConfig, path: str) -> str:
    """A path under the site as an absolute URL when the series says where it is."""
    return series.site_url.rstrip("/") + "/" + path if series.site_url and path else ""


def _json_ld(data: dict) -> Markup:
    """JSON for a <script type="application/ld+json"> block: nothing in it can close it."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return Markup(text)


def _publisher(series: SeriesConfig, brand: Brand) -> dict:
    """The publisher for JSON-LD: series.yaml's, with the brand's short name and home
    page (_brand.yml's meta) where series.yaml has none."""
    url = series.website or brand.home
    return {"@type": "Organization", "name": series.publisher, **({"url": url} if url else {}),
            **({"alternateName": brand.short_name} if brand.short_name else {})}


def _report_metadata(study: Study, series: SeriesConfig, web: WebLinks,
                     points: list[str], brand: Brand) -> dict:
    """What readers' tools read: Highwire citation_* (Zotero, Google Scholar), Open
    Graph, and JSON-LD of type Report with the series as isPartOf."""
    meta = study.meta
    assert meta is not None
    site = web.page_path.rsplit("/", 1)[0] + "/" if "/" in web.page_path else ""
    pdf_abs = _absolute(series, site + web.pdf_url) if web.pdf_url else ""
    page_abs = _absolute(series, web.page_path)
    index_abs = _absolute(series, "index.html")
    title = f"{meta.title}: {meta.subtitle}" if meta.subtitle else meta.title
    description = points[0] if points else (meta.subtitle or meta.title)
    report: dict = {
        "@context": "https://schema.org", "@type": "Report",
        "name": title, "headline": meta.title,
        "author": [{"@type": "Person", "name": a.name,
                    **({"affiliation": {"@type": "Organization", "name": a.affiliation}}
                       if a.affiliation else {})} for a in meta.authors],
        "datePublished": meta.date.isoformat(), "inLanguage": meta.language,
        "publisher": _publisher(series, brand),
        "isPartOf": {"@type": "CreativeWorkSeries", "name": series.series_name,
                     **({"url": index_abs} if index_abs else {})},
        "reportNumber": str(meta.series_number), "position": meta.series_number,
        "about": {"@type": "Country", "name": meta.country.name},
        "description": description,
    }
    if meta.subtitle:
        report["alternativeHeadline"] = meta.subtitle
    if meta.topics:
        report["keywords"] = list(meta.topics)
    if page_abs:
        report["url"] = page_abs
    if web.pdf_url:
        report["encoding"] = {"@type": "MediaObject", "encodingFormat": "application/pdf",
                              "contentUrl": pdf_abs or web.pdf_url}
    return {"title": title, "description": description, "pdf_url": pdf_abs or web.pdf_url,
            "page_url": page_abs, "date_highwire": meta.date.strftime("%Y/%m/%d"),
            "json_ld": _json_ld(report), "manifest": web.manifest}


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(1, round(size / 1e3))} KB"


def _chart(study: Study, section: Path, style: ChartStyle, mode: str, cache_dir: Path | None,
           lines: list[tuple[str, int, int]], line: int, number: int) -> tuple[str, str]:
    """A chart block's figure content, drawn from its CSV, and what follows the figure
    (the chart the checker read, ``study.charts``, when it did)."""
    settings, problems = parse_settings(lines, section, study.charts)
    chart, problems = (load_chart(study.root, section, settings, line, study.charts)
                       if not problems else (None, problems))
    if chart is None:  # check_study reports these, located, before any build
        first = next(p for p in problems if p.is_error)
        raise BuildError(first.message, first.path, first.line, first.col)
    svg = drawn(chart, style, f"figure-{number}", cache_dir)
    alt = escape(chart.alt_text)
    if mode == "web":  # inline, through the sanitizer every SVG figure passes (svg.py)
        clean = sanitize(svg.encode("utf-8"))
        if clean.data is None:
            raise BuildError(f"a drawn chart was refused: {clean.findings[-1].message}",
                             section, line)
        return Markup(clean.data.decode("utf-8")), Markup(data_table(chart))
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img class="chart" src="{CHART_URL}{data}" alt="{alt}">', ""


def render_html(study: Study, series: SeriesConfig, mode: str = "print",
                asset_url: dict[Path, str] | None = None,
                figure_url: Callable[[Path], str] | None = None,
                web: WebLinks | None = None, chart_cache: Path | None = None,
                *, brand: Brand) -> str:
    """The brief as one HTML document.

    ``mode`` is "print" (footnotes float to the page foot, resources as file URLs) or
    "web" (endnotes; resources by the URLs in ``asset_url``, keyed by source path; each
    image a section shows by ``figure_url(path)``, which publishes it; the stylesheets,
    the series index and the PDF by ``web``; a Content-Security-Policy that allows no
    script and nothing from elsewhere). Charts are drawn from their CSV (kept in
    ``chart_cache`` when given, see draw.py): in print as an SVG image with the alt text,
    on the web inline, with a data table. The study must have passed ``check_study``
    without errors. ``brand`` is the series' (``load_brand(repo)``): in print its CSS
    is in the page, on the web it is the series' ``brand.css`` (site.py), one of
    ``web.stylesheets``.
    """
    meta = study.meta
    if meta is None:
        raise BuildError("study.yaml is invalid; run `casestudy check`", study.study_file)
    urls = asset_url or {}

    def url(path: Path) -> str:
        return urls.get(path) or path.as_uri()

    section_dir = study.root / "sections"  # image paths are relative to the section file

    def image_url(src: str) -> str:
        try:
            path = local_image(study.root, src, section_dir)
        except Refused as exc:  # check_study reports these with their line first
            raise BuildError(str(exc), study.root) from None
        return figure_url(path) if figure_url else url(path)

    style = chart_style(brand.colors, brand)

    def chart(section: Path) -> Callable[..., tuple[str, str]]:
        return partial(_chart, study, section, style, mode, chart_cache)

    citer = _citations(study, series, image_url, mode, chart)
    labels = study_labels(meta, series)
    ctx = RenderContext(image_url=image_url, mode=mode, citer=citer,
                        labels=_caption_labels(labels))
    sections = _sections(study, ctx, meta.country.adjective, chart)
    web = web or WebLinks(stylesheets=())
    summary = next((s.parsed for s in study.sections
                    if s.spec.id == "summary" and s.parsed is not None), None)
    points = key_points(summary) if summary is not None else []
    # the cover band and the masthead are drawn in the primary colour, a dark one: the
    # logo for dark backgrounds when the brand has one
    logos = {size: url(logo.dark or logo.path) for size, logo in brand.logos.items()}
    printed = mode == "print"
    html = _render_template(
        brand, "brief.html" if printed else "web.html",
        web=web,
        cite=_report_metadata(study, series, web, points, brand) if not printed else {},
        meta=meta, series=series, sections=sections, version=__version__,
        brand_css=Markup(brand_css(brand, font_faces(brand, {f.path: url(f.path)
                                                            for f in brand.fonts}),
                                   screen=False))
        if printed else "",
        page_size="letter" if series.page_size == "letter" else "A4",
        logo_url=logos, logo_alt=logo_alt(brand, series),
        stylesheet_url=url(BRANDING / "brief.css"),
        extra_css_url=url(brand.extra_css) if brand.extra_css and printed else None,
        **_language_context(labels, meta, web, url),
        endnotes=[(n, Markup(body)) for n, body in ctx.endnotes],
        bibliography=[Markup(entry) for entry in (citer.bibliography if citer else [])],
    )
    # markup around other scripts' text, on the whole page: the author's text, the
    # formatted citations and the template's alike (scripts.py)
    html = isolate_rtl(upright(ltr_paragraphs(root_direction(html, meta.language))))
    return join_hangul(html) if printed else with_csp(html)


def _language_context(labels: Labels, meta: StudyMeta, web: WebLinks,
                      url: Callable[[Path], str]) -> dict[str, object]:
    """What the templates print in the study's language: the labels, the authors' names,
    the date and the PDF's size written its way; a right-to-left study's mirrored layout."""
    return {"labels": labels, "author_names": labels.names([a.name for a in meta.authors]),
            "date_long": labels.date(meta.date),
            "pdf_size": labels.size(web.pdf_size) if web.pdf_size else "",
            "rtl_stylesheet_url": url(BRANDING / "rtl.css"),
            "rtl_web_stylesheet_url": url(BRANDING / "rtl-web.css")}


def _caption_labels(labels: Labels) -> dict[str, str]:
    """The labels the Markdown renderer writes itself: figure and table numbers, sources,
    and the key points' heading when the author wrote none."""
    return {name: labels[name] for name in ("figure", "table", "source", "key-points")}


def _sections(study: Study, ctx: RenderContext, adjective: str,
              chart: Callable[[Path], Callable[..., tuple[str, str]]]) -> list[RenderedSection]:
    sections = []
    for section in study.sections:
        if section.parsed is None:
            continue
        ctx.chart = chart(section.path)
        heading = section.parsed.heading or (
            ctx.labels["key-points"] if section.spec.id == "summary" and "key-points" in ctx.labels
            else section.spec.default_heading(adjective))
        anchor = f"s-{section.spec.id}"
        body = Markup(render_body(section.parsed, ctx, anchor))
        sections.append(RenderedSection(section.spec.id, anchor, heading, body))
    return sections


def _citations(study: Study, series: SeriesConfig, image_url: Callable[[str], str],
               mode: str, chart: Callable[[Path], Callable[..., tuple[str, str]]]
               ) -> Citer | None:
    """The brief's citations, formatted: a first rendering finds them in note order."""
    if not any(s.parsed and s.parsed.citations for s in study.sections):
        return None
    citer = Citer()
    first = RenderContext(image_url=image_url, mode=mode, citer=citer)
    _sections(study, first, "", chart)
    settings = series.citations
    repo = series_root(study.root) or study.root
    style = style_path(ibid_variant(settings.style) if settings.ibid else settings.style, repo)
    format_citations(citer, first.footnotes, study.library.files, style,
                     settings.bibliography, study.meta.language if study.meta else "en")
    return citer


_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')


def _source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(html: str) -> str:
    """A policy for this page: no script, no frame, no form, nothing fetched from another
    origin; its own styles (the inline ones by hash), fonts and images only."""
    blocks = sorted({_source(m) for m in _STYLE_BLOCK.findall(html)})
    attrs = sorted({_source(unescape(m)) for m in _STYLE_ATTR.findall(html)})
    styles = ["'self'", *blocks, *(["'unsafe-hashes'", *attrs] if attrs else [])]
    return "; ".join(["default-src 'none'", "style-src " + " ".join(styles), "img-src 'self'",
                      "font-src 'self'", "base-uri 'none'", "form-action 'none'"])


def with_csp(html: str) -> str:
    """``html`` with its Content-Security-Policy <meta> at the top of <head> (after the
    charset), before anything it governs. Author text is escaped: every <style> is ours."""
    meta = (f'<meta http-equiv="Content-Security-Policy" '
            f'content="{content_security_policy(html)}">')
    head = re.search(r"<head\b[^>]*>\s*(<meta charset=[^>]*>)?", html, re.IGNORECASE)
    if head is None:
        raise BuildError("the web template has no <head> for the Content-Security-Policy")
    return html[:head.end()] + "\n" + meta + html[head.end():]


def _render_template(brand: Brand, name: str, **context: object) -> str:
    """Our template ``name``, or the brand's override of it; an error in an override is
    the publisher's to fix, located in their file (one in ours is a bug: its traceback)."""
    try:
        return _environment(brand.templates).get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        if brand.templates is None:
            raise
        raise BuildError(f"brand template: {exc.message or exc}", _template_path(brand, exc),
                         getattr(exc, "lineno", None) or 1) from None


def _template_path(brand: Brand, exc: jinja2.TemplateError) -> Path | None:
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    if name and brand.templates is not None:
        return Path(name) if Path(name).is_absolute() else brand.templates / name
    return brand.templates


@dataclass
class IndexEntry:
    """One study on the series index."""

    meta: StudyMeta
    page_url: str
    pdf_url: str
    pdf_size: str
    points: list[str]

    @property
    def author_names(self) -> str:
        return _names([a.name for a in self.meta.authors])

    @property
    def date_long(self) -> str:
        return _long_date(self.meta.date)


def render_index(entries: list[IndexEntry], series: SeriesConfig, stylesheets: list[str],
                 logo_url: str, brand: Brand) -> str:
    """The series' landing page: every study with a web edition, by series number. A
    brand may override its ``masthead`` block (brand/templates/index.html)."""
    index_abs = _absolute(series, "index.html")
    collection = {
        "@context": "https://schema.org", "@type": "CreativeWorkSeries",
        "name": series.series_name,
        "publisher": _publisher(series, brand),
        **({"url": index_abs} if index_abs else {}),
        "hasPart": [{"@type": "Report", "name": e.meta.title, "position": e.meta.series_number,
                     "url": _absolute(series, e.page_url) or e.page_url,
                     "datePublished": e.meta.date.isoformat()} for e in entries],
    }
    return with_csp(_render_template(
        brand, "index.html", entries=entries, series=series, stylesheets=stylesheets,
        logo_url=logo_url, logo_alt=logo_alt(brand, series), version=__version__,
        page_url=index_abs, json_ld=_json_ld(collection)))


def entry_for(study_meta: StudyMeta, slug: str, summary_points: list[str],
              pdf_size: int) -> IndexEntry:
    return IndexEntry(study_meta, f"{slug}/index.html",
                      f"{slug}/{slug}.pdf" if pdf_size else "",
                      _size(pdf_size) if pdf_size else "", summary_points)
