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
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from html import unescape
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from .brand import BRANDING, Brand, ChartStyle, chart_style, default_brand
from .chart import load_chart, parse_settings
from .draw import data_table, drawn
from .errors import BuildError
from .fetch import CHART_URL, Refused, local_image
from .load import Study
from .markdown import RenderContext, render_body
from .schema import SeriesConfig
from .svg import sanitize
from .version import __version__


def _css_url(url: str) -> str:
    return url.replace("\\", "%5C").replace('"', "%22").replace("\n", "%0A")


def brand_css(brand: Brand, url: dict[Path, str]) -> str:
    """The brand as CSS: @font-face rules and the custom properties brief.css reads."""
    from .fontmap import fallback_unicode_range

    rules = []
    for f in brand.fonts:
        # WeasyPrint takes a face's unicode-range as its whole character set: a limited
        # fallback lists only what it really has, as the glyph rule judges it
        limited = fallback_unicode_range(f) if f.fallback else f.unicode_range
        rules.append(
            f'@font-face {{ font-family: "{f.family}"; src: url("{_css_url(url[f.path])}"); '
            f"font-style: {f.style};{f' font-weight: {f.weight};' if f.weight else ''}"
            f"{f' unicode-range: {limited};' if limited else ''} }}")
    props = {f"--{role}": value for role, value in brand.colors.items()}
    props.update({
        "--font-base": brand.stack("base"), "--font-headings": brand.stack("headings"),
        "--font-mono": brand.stack("monospace"),
        "--base-size": brand.base.size or "10.5pt",
        "--base-line-height": brand.base.line_height or "1.45",
        "--mono-size": brand.monospace.size or "0.92em",
        "--link-color": brand.link.get("color", "var(--primary)"),
    })
    if "decoration" in brand.link:
        props["--link-decoration"] = brand.link["decoration"]
    rules.append(":root {\n" + "".join(f"  {k}: {v};\n" for k, v in props.items()) + "}")
    heads = brand.headings
    extra = "".join(f" {prop}: {value};" for prop, value in (
        ("font-weight", heads.weight), ("line-height", heads.line_height),
        ("color", heads.color)) if value)
    if extra:
        rules.append(f".title, main > h1, h2, h3, h4 {{{extra} }}")
    return "\n".join(rules)


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


def _chart(root: Path, section: Path, style: ChartStyle, mode: str, cache_dir: Path | None,
           lines: list[tuple[str, int, int]], line: int, number: int) -> tuple[str, str]:
    """A chart block's figure content, drawn from its CSV, and what follows the figure."""
    settings, problems = parse_settings(lines, section)
    chart, problems = (load_chart(root, section, settings, line) if not problems
                       else (None, problems))
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
                brand: Brand | None = None, chart_cache: Path | None = None) -> str:
    """The brief as one HTML document.

    ``mode`` is "print" (footnotes float to the page foot, resources as file URLs) or
    "web" (endnotes; resources by the URLs in ``asset_url``, keyed by source path; each
    image a section shows by ``figure_url(path)``, which publishes it; a
    Content-Security-Policy that allows no script and nothing from elsewhere).
    Charts are drawn from their CSV (kept in ``chart_cache`` when given, see draw.py):
    in print as an SVG image with the alt text, on the web inline, with a data table.
    The study must have passed ``check_study`` without errors. ``brand`` defaults to
    the package's neutral brand.
    """
    brand = brand or default_brand()
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

    ctx = RenderContext(image_url=image_url, mode=mode)
    style = chart_style(brand.colors, brand)
    sections = []
    for section in study.sections:
        if section.parsed is None:
            continue
        ctx.chart = partial(_chart, study.root, section.path, style, mode, chart_cache)
        heading = section.parsed.heading or section.spec.default_heading(meta.country.adjective)
        anchor = f"s-{section.spec.id}"
        body = Markup(render_body(section.parsed, ctx, anchor))
        sections.append(RenderedSection(section.spec.id, anchor, heading, body))
    # the cover band and the masthead are drawn in the primary colour, a dark one: the
    # logo for dark backgrounds when the brand has one
    logos = {size: url(logo.dark or logo.path) for size, logo in brand.logos.items()}
    try:
        template = _environment(brand.templates).get_template(
            "brief.html" if mode == "print" else "web.html")
        html = template.render(
            meta=meta, series=series, sections=sections, version=__version__,
            brand_css=Markup(brand_css(brand, {f.path: url(f.path) for f in brand.fonts})),
            page_size="letter" if series.page_size == "letter" else "A4",
            logo_url=logos, logo_alt=brand.logos["medium"].alt or f"{series.publisher} logo",
            stylesheet_url=url(BRANDING / ("brief.css" if mode == "print" else "web.css")),
            extra_css_url=url(brand.extra_css) if brand.extra_css else None,
            author_names=_names([a.name for a in meta.authors]),
            date_long=_long_date(meta.date),
            endnotes=[(n, Markup(body)) for n, body in ctx.endnotes],
        )
    except jinja2.TemplateError as exc:
        if brand.templates is None:
            raise  # our own templates: a bug, with its traceback
        raise BuildError(f"brand template: {exc.message or exc}", _template_path(brand, exc),
                         getattr(exc, "lineno", None) or 1) from None
    return html if mode == "print" else with_csp(html)


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


def _template_path(brand: Brand, exc: jinja2.TemplateError) -> Path | None:
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    if name and brand.templates is not None:
        return Path(name) if Path(name).is_absolute() else brand.templates / name
    return brand.templates
