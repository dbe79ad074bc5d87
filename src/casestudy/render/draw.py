"""Draw a checked chart as SVG in the brand: text as text, the same bytes every time.

A small writer of our own (see docs/charts.md for why not Vega-Lite or matplotlib):
it knows the six chart types of chart.py, reads every colour, size and the typeface
from :class:`casestudy.brand.chart.ChartStyle`, measures text with the brand font's own
advance widths (fontTools), and writes numbers rounded to 0.1 px so that the output
depends on nothing but the chart and the style. Drawn charts are kept by digest in
the build folder, so a chart is drawn again only when its data, spec, the brand or
this code changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import stat
import time
from contextvars import ContextVar
from functools import cache
from html import escape
from pathlib import Path

from ..brand.chart import ChartStyle
from ..brand.load import default_brand
from ..files.bidi import base_is_rtl
from ..files.write import atomic_write
from ..source.chart import STACKED, Chart

_CODE = (Path(__file__).parent.parent / "source" / "chart.py", Path(__file__))
KEEP_DAYS = 30  # a kept chart unused this long is removed (see drawn)
MAX_KEPT = 4_000_000  # bytes read of a kept chart (200 rows of 7 series draw far less)


def _n(value: float) -> str:
    """A coordinate: 0.1 px is finer than any printer, and keeps the bytes stable."""
    text = f"{round(value, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _family(style: ChartStyle) -> str:
    """A CSS font-family value: every brand family, headings face first, each quoted (a
    browser drops ``Source Sans 3`` unquoted: ``3`` is not an identifier). No generic
    family: a character the first face lacks is drawn by the brand's other fonts and
    fallbacks, never by one of the machine's (the glyph rule reads the CSV for that).
    The PDF's fetcher gives WeasyPrint the names bare (svg.bare_font_families)."""
    return ", ".join(f"'{name}'" for name in (style.families or (style.font,)))


def _e(text: str) -> str:
    return escape(text, quote=True)


# the font file text is measured with: the chart style's, while draw_svg runs
_MEASURED: ContextVar[Path | None] = ContextVar("measured_font", default=None)


def _default_font() -> Path:
    """What a chart style without a font file measures with: the default brand's
    headings face, as chart_style would choose it (the first brand font otherwise)."""
    brand = default_brand()
    return brand.upright(brand.headings.families[0]) or brand.fonts[0].path


@cache
def _advances(path: Path) -> tuple[dict[int, int], float, int]:
    """A font's advance width per code point, its units per em, a default."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as tt:
        cmap = tt.getBestCmap()
        hmtx = tt["hmtx"].metrics
        widths = {code: hmtx[name][0] for code, name in cmap.items() if name in hmtx}
        upem = tt["head"].unitsPerEm
    return widths, float(upem), round(upem * 0.55)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` set at ``size`` px in the chart's typeface (bold about 6% wider)."""
    widths, upem, default = _advances(_MEASURED.get() or _default_font())
    units = sum(widths.get(ord(ch), default) for ch in text)
    return units / upem * size * (1.06 if bold else 1.0)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering lo..hi: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [k * step for k in range(first, last + 1)]


def _tick_label(value: float, step: float) -> str:
    """A tick value with as many decimals as the step needs (0.25 -> 2), a real minus."""
    decimals = next(d for d in range(12) if abs(round(step, d) - step) < step * 1e-6)
    return f"{value:,.{decimals}f}".replace("-", "\u2212")


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` px."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _category_labels(categories: list[str], width: float, size: float
                     ) -> tuple[list[list[str]], int]:
    """Each category's label as lines fitting ``width``, and which to show (every k-th).

    Short labels (years) that collide are thinned out; longer ones wrap onto two lines
    and, if still too long, end with an ellipsis. The full name stays in each bar's
    tooltip, the alt text and the web edition's table.
    """
    widest = max(text_width(c, size) for c in categories)
    if widest <= width:
        return [[c] for c in categories], 1
    if all(len(c.split()) == 1 for c in categories) and len(categories) > 8:
        every = 1
        while widest > (width + 6) * every - 6 and every < len(categories):
            every += 1
        return [[c] for c in categories], every
    out = []
    for c in categories:
        lines = _wrap(c, width, size)
        if len(lines) > 2:
            lines = [lines[0], " ".join(lines[1:])]
        out.append([_fit(line, width, size) for line in lines])
    return out, 1


def _wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(lines[-1] + " " + word, size, bold) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


class _Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, part: str) -> None:
        self.parts.append(part)

    def text(self, x: float, y: float, text: str, size: float, fill: str, anchor: str = "start",
             weight: int = 400, cls: str = "", more: list[str] | None = None,
             line_height: float = 0) -> None:
        """A text; ``more`` lines below it, ``line_height`` apart, as tspans.

        A text whose first strong character is right-to-left (Hebrew, Arabic) is said to
        be, as ``dir="auto"`` would: a browser then orders it itself, and the PDF's
        fetcher puts it in drawing order (files/svgbidi.py). Its anchor is mirrored
        with it (an rtl text starts at its right), so it sits where an ltr one would.
        """
        attrs = f' class="{cls}"' if cls else ""
        if base_is_rtl(text):
            attrs += ' direction="rtl"'
            anchor = {"start": "end", "end": "start"}.get(anchor, anchor)
        attrs += f' text-anchor="{anchor}"' if anchor != "start" else ""
        attrs += f' font-weight="{weight}"' if weight != 400 else ""
        body = _e(text)
        if more:
            body = f'<tspan x="{_n(x)}">{body}</tspan>' + "".join(
                f'<tspan x="{_n(x)}" dy="{_n(line_height)}">{_e(line)}</tspan>' for line in more)
        self.add(f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill="{fill}"{attrs}>'
                 f"{body}</text>")

    def rect(self, x: float, y: float, w: float, h: float, fill: str, cls: str,
             label: str) -> None:
        # edges rounded, not sizes: bars on one baseline end on the same 0.1 px
        right, bottom = round(x + max(w, 0), 1), round(y + max(h, 0), 1)
        x, y = round(x, 1), round(y, 1)
        w, h = right - x, bottom - y
        self.add(f'<rect class="{cls}" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" '
                 f'height="{_n(h)}" fill="{fill}"><title>{_e(label)}</title></rect>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, cls: str,
             width: float = 1) -> None:
        self.add(f'<line class="{cls}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
                 f'stroke="{stroke}" stroke-width="{_n(width)}"/>')


def draw_svg(chart: Chart, style: ChartStyle, ident: str = "chart") -> str:
    """The chart as a standalone SVG document (also valid inline in HTML)."""
    token = _MEASURED.set(style.font_file)
    try:
        return _draw(chart, style, ident)
    finally:
        _MEASURED.reset(token)


def _draw(chart: Chart, style: ChartStyle, ident: str) -> str:
    s, svg = style, _Svg()
    width, height, pad = s.width, s.height, 8.0
    y = pad
    title_lines = _wrap(chart.title, width - 2 * pad, s.title_size, bold=True) \
        if chart.title else []
    for line in title_lines:
        y += s.title_size * 1.25
        svg.text(pad, y, line, s.title_size, s.ink, weight=700, cls="title")
    if chart.unit:
        y += s.label_size * 1.45
        svg.text(pad, y, chart.unit, s.label_size, s.muted, cls="unit")
    multi = len(chart.series) > 1
    if multi:
        y = _legend(svg, chart, s, pad, y + 8, width - 2 * pad)
    top = y + 16
    bottom = height - pad
    if chart.note:
        note = _wrap(chart.note, width - 2 * pad, s.small_size)
        for i, line in enumerate(reversed(note)):
            svg.text(pad, bottom - 2 - i * s.small_size * 1.3, line, s.small_size, s.muted,
                     cls="note")
        bottom -= len(note) * s.small_size * 1.3 + 10
    if chart.type == "hbar":
        _hbar(svg, chart, s, pad, top, width - pad, bottom)
    else:
        _vertical(svg, chart, s, pad, top, width - pad, bottom)
    title = chart.title or chart.alt_text.split(":")[0]
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" font-family="{_e(_family(s))}" '
            f'class="chart chart-{chart.type}">'
            f'<title id="{ident}-title">{_e(title)}</title>'
            f'<desc id="{ident}-desc">{_e(chart.alt_text)}</desc>')
    return head + "\n" + "\n".join(svg.parts) + "\n</svg>\n"


def _legend(svg: _Svg, chart: Chart, s: ChartStyle, x0: float, y: float, width: float) -> float:
    x, size = x0, s.label_size
    y += size
    for i, series in enumerate(chart.series):
        w = 14 + 6 + text_width(series.name, size) + 18
        if x > x0 and x + w > x0 + width:
            x, y = x0, y + size * 1.6
        color = s.palette[i % len(s.palette)]
        svg.add(f'<rect class="swatch" x="{_n(x)}" y="{_n(y - size * 0.8)}" width="14" '
                f'height="{_n(size * 0.8)}" fill="{color}"/>')
        svg.text(x + 20, y, series.name, size, s.ink, cls="legend")
        x += w
    return y


def _scale(chart: Chart) -> tuple[float, float]:
    """The value range to show: always from zero for bars and stacks."""
    if chart.type in STACKED:
        totals = [sum(s.values[i] for s in chart.series) for i in range(len(chart.categories))]
        return 0.0, max(totals)
    values = [v for s in chart.series for v in s.values]
    lo, hi = min(values), max(values)
    if chart.type == "line" and lo > 0 and lo > 0.6 * hi:
        return lo - (hi - lo) * 0.15, hi  # a line need not start at zero; bars must
    return min(lo, 0.0), max(hi, 0.0)


def _vertical(svg: _Svg, chart: Chart, s: ChartStyle, left: float, top: float, right: float,
              bottom: float) -> None:
    lo, hi = _scale(chart)
    ticks = nice_ticks(lo, hi)
    step = ticks[1] - ticks[0]
    labels = [_tick_label(t, step) for t in ticks]
    axis_w = max(text_width(t, s.small_size) for t in labels) + 8
    x0, x1 = left + axis_w, right
    n = len(chart.categories)
    band = (x1 - x0) / n
    names, every = _category_labels(chart.categories, band - 6, s.small_size)
    rows = max(len(name) for name in names)
    line_h = s.small_size * 1.25
    y1 = bottom - line_h * rows - 6  # the plot's bottom edge, category labels below
    y0 = top
    lo, hi = ticks[0], ticks[-1]

    def ypos(v: float) -> float:
        return y1 - (v - lo) / (hi - lo) * (y1 - y0)

    for t, label in zip(ticks, labels, strict=True):
        if t != 0:
            svg.line(x0, ypos(t), x1, ypos(t), s.grid, "grid")
        svg.text(x0 - 6, ypos(t) + s.small_size * 0.35, label, s.small_size, s.muted, "end",
                 cls="tick")
    for i, name in enumerate(names):
        if i % every == 0:
            svg.text(x0 + band * (i + 0.5), y1 + s.small_size * 1.3, name[0], s.small_size,
                     s.ink, "middle", cls="category", more=name[1:], line_height=line_h)
    zero = ypos(max(lo, min(0.0, hi)))
    if chart.type in ("line", "area"):
        _lines(svg, chart, s, x0, band, ypos)
    else:
        _bars(svg, chart, s, x0, band, ypos, zero)
    svg.line(x0, zero, x1, zero, s.baseline, "baseline")


def _bars(svg: _Svg, chart: Chart, s: ChartStyle, x0: float, band: float, ypos, zero: float
          ) -> None:
    k = len(chart.series)
    inner = min(band * 0.7, 80.0 if k == 1 or chart.type == "stacked-bar" else 32.0 * k)
    label = chart.type == "bar" and len(chart.categories) <= 16
    for i, cat in enumerate(chart.categories):
        base = x0 + band * i + (band - inner) / 2
        stacked = 0.0
        for j, series in enumerate(chart.series):
            value, text = series.values[i], series.texts[i]
            color = s.palette[j % len(s.palette)]
            if chart.type == "bar":
                color = s.accent if cat == chart.highlight else s.palette[0]
            tip = f"{series.name}, {cat}: {text}" if k > 1 else f"{cat}: {text}"
            if chart.type == "stacked-bar":
                top, bot = ypos(stacked + value), ypos(stacked)
                stacked += value
                svg.rect(base, top, inner, bot - top, color, "bar", tip)
                continue
            x, w = (base + inner / k * j, inner / k) if k > 1 else (base, inner)
            top = ypos(max(value, 0.0)) if value >= 0 else zero
            bot = zero if value >= 0 else ypos(value)
            svg.rect(x, top, w - (1 if k > 1 else 0), bot - top, color, "bar", tip)
            if label:
                y = top - 5 if value >= 0 else bot + s.small_size + 2
                svg.text(x + w / 2, y, text, s.small_size, s.ink, "middle", 600, "value")


def _lines(svg: _Svg, chart: Chart, s: ChartStyle, x0: float, band: float, ypos) -> None:
    n = len(chart.categories)
    xs = [x0 + band * (i + 0.5) for i in range(n)]
    below = [0.0] * n
    for j, series in enumerate(chart.series):
        color = s.palette[j % len(s.palette)]
        if chart.type == "area":
            above = [b + v for b, v in zip(below, series.values, strict=True)]
            points = [(x, ypos(v)) for x, v in zip(xs, above, strict=True)]
            back = [(x, ypos(v)) for x, v in reversed(list(zip(xs, below, strict=True)))]
            path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points + back)
            svg.add(f'<polygon class="area" points="{path}" fill="{color}" '
                    f'fill-opacity="0.85"><title>{_e(series.name)}</title></polygon>')
            below = above
            continue
        points = [(x, ypos(v)) for x, v in zip(xs, series.values, strict=True)]
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        svg.add(f'<polyline class="line" points="{path}" fill="none" stroke="{color}" '
                f'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>')
        for i, (x, y) in enumerate(points):
            cat = chart.categories[i]
            hot = cat == chart.highlight
            svg.add(f'<circle class="point" cx="{_n(x)}" cy="{_n(y)}" r="{3.5 if hot else 2.5}" '
                    f'fill="{s.accent if hot else color}"><title>{_e(series.name)}, '
                    f'{_e(cat)}: {_e(series.texts[i])}</title></circle>')
            if hot or (i == n - 1 and len(chart.series) == 1):
                svg.text(x, y - 8, series.texts[i], s.small_size, s.accent if hot else s.ink,
                         "middle", 600, "value")


def _hbar(svg: _Svg, chart: Chart, s: ChartStyle, left: float, top: float, right: float,
          bottom: float) -> None:
    series = chart.series[0]
    lo, hi = _scale(chart)
    ticks = nice_ticks(lo, hi, 4)
    step = ticks[1] - ticks[0]
    label_w = min(max(text_width(c, s.small_size) for c in chart.categories) + 10,
                  (right - left) * 0.4)
    value_w = max(text_width(t, s.small_size) for t in series.texts) + 8
    x0, x1 = left + label_w, right - value_w
    y0, y1 = top, bottom - s.small_size * 1.8
    lo, hi = ticks[0], ticks[-1]

    def xpos(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    for t in ticks:
        if t != 0:
            svg.line(xpos(t), y0, xpos(t), y1, s.grid, "grid")
        svg.text(xpos(t), y1 + s.small_size * 1.4, _tick_label(t, step), s.small_size,
                 s.muted, "middle", cls="tick")
    n = len(chart.categories)
    band = (y1 - y0) / n
    inner = band * 0.7
    zero = xpos(max(lo, min(0.0, hi)))
    for i, cat in enumerate(chart.categories):
        y = y0 + band * i + (band - inner) / 2
        value, text = series.values[i], series.texts[i]
        color = s.accent if cat == chart.highlight else s.palette[0]
        a, b = (zero, xpos(value)) if value >= 0 else (xpos(value), zero)
        svg.rect(a, y, b - a, inner, color, "bar", f"{cat}: {text}")
        svg.text(x0 - 6, y + inner / 2 + s.small_size * 0.35,
                 _fit(cat, label_w - 10, s.small_size), s.small_size, s.ink, "end",
                 cls="category")
        if n <= 30:
            svg.text(b + 4 if value >= 0 else a - 4, y + inner / 2 + s.small_size * 0.35, text,
                     s.small_size, s.ink, "start" if value >= 0 else "end", 600, "value")
    svg.line(zero, y0, zero, y1, s.baseline, "baseline")


def data_table(chart: Chart) -> str:
    """The chart's data as an HTML table (the web edition shows it under <details>)."""
    head = "".join(f"<th scope=\"col\">{_e(s.name)}</th>" for s in chart.series)
    rows = "".join(
        f"<tr><th scope=\"row\">{_e(cat)}</th>"
        + "".join(f"<td>{_e(s.texts[i])}</td>" for s in chart.series) + "</tr>"
        for i, cat in enumerate(chart.categories))
    return (f'<details class="chart-data"><summary>The data</summary>'
            f"<table><thead><tr><th scope=\"col\">{_e(chart.x)}</th>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table></details>")


@cache
def code_digest() -> bytes:
    """The charting code: a change redraws every chart."""
    digest = hashlib.sha256()
    for path in _CODE:
        digest.update(path.read_bytes())
    return digest.digest()


@cache
def _font_digest(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


def chart_digest(chart: Chart, style: ChartStyle, ident: str) -> str:
    """Everything a drawn chart depends on: its data, its spec, the brand and this code."""
    digest = hashlib.sha256(code_digest())
    digest.update(repr(style).encode())
    digest.update(_font_digest(style.font_file or _default_font()))  # what measured the text
    digest.update(repr(sorted(chart.spec.items())).encode() + ident.encode() + b"\0")
    digest.update(chart.csv_bytes)
    return digest.hexdigest()


def drawn(chart: Chart, style: ChartStyle, ident: str, cache_dir: Path | None) -> str:
    """The chart's SVG, from ``cache_dir`` when it was drawn from the same inputs before.

    A kept chart is touched when used; when a new one is drawn, kept charts unused for
    KEEP_DAYS (their CSV or settings changed since) are removed, so the folder stays small.
    """
    if cache_dir is None:
        return draw_svg(chart, style, ident)

    path = cache_dir / f"{chart_digest(chart, style, ident)}.svg"
    try:  # a regular file only: a link (a repository could ship one) is never followed
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)  # a FIFO: no wait
        with os.fdopen(os.open(path, flags), "rb") as handle:
            data = handle.read(MAX_KEPT + 1)
            if stat.S_ISREG(os.fstat(handle.fileno()).st_mode) and len(data) <= MAX_KEPT:
                os.utime(path, follow_symlinks=False)
                return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    svg = draw_svg(chart, style, ident)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(path, svg.encode("utf-8"))
        _prune(cache_dir, time.time() - KEEP_DAYS * 86400)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return svg


def _prune(cache_dir: Path, before: float) -> None:
    for old in cache_dir.glob("*.svg"):
        with contextlib.suppress(OSError):
            if old.lstat().st_mtime < before:
                old.unlink()
