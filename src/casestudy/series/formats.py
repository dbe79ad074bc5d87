"""Render a series report: a rich table, JSON, CSV, or one self-contained HTML page.

The JSON layout is documented in ``docs/series-json.md`` and versioned by
``JSON_SCHEMA_VERSION``: scripts and dashboards read it, so a change of shape bumps the
version. The HTML page (``branding/templates/series.html``) carries everything inline
(CSS, an SVG chart; no scripts, no web fonts, no links out) so that it opens anywhere,
offline, and can be mailed as one file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..brand.load import default_brand
from ..brand.model import BRANDING
from ..errors import ERROR, INFO, UNSAFE_CHARACTERS, WARNING, CasestudyError, printable
from ..source.schema import SECTIONS
from ..version import __version__
from .report import Finding, SectionRow, SeriesReport, StudyRow

JSON_SCHEMA_VERSION = 1
FORMATS = ("table", "json", "csv", "html")
# section status -> colour in the HTML chart (the table uses the CSS classes)
_SEVERITY_STYLE = {ERROR: "bold red", WARNING: "yellow"}
STATUS_COLORS = {"ok": "#2e7d4f", "short": "#c98300", "long": "#c98300",
                 "missing": "#b3261e", "unreadable": "#b3261e", "optional": "#8a94a3"}


def render(report: SeriesReport, fmt: str) -> str:
    """The report in ``fmt`` (one of FORMATS) as text; the table without colour."""
    if fmt == "table":
        out = io.StringIO()
        console = Console(file=out, width=160, no_color=True, highlight=False)
        print_table(report, console)
        return out.getvalue()
    renderers = {"json": to_json, "csv": to_csv, "html": to_html}
    if fmt not in renderers:
        raise CasestudyError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
    return renderers[fmt](report)


def _html_reference(match: re.Match[str]) -> str:
    return f"&#x{ord(match.group()):x};"


class _Rel:
    """Paths relative to the series repository, with forward slashes."""

    def __init__(self, repo: Path):
        self.repo = repo.resolve()

    def __call__(self, path: Path | str) -> str:
        try:
            return Path(path).resolve().relative_to(self.repo).as_posix()
        except ValueError:
            return Path(path).as_posix()


# ---------------------------------------------------------------- JSON and CSV


def report_data(report: SeriesReport) -> dict[str, Any]:
    """The report as plain JSON-ready data (the layout of docs/series-json.md)."""
    rel = _Rel(report.repo)
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "generator": f"casestudy {__version__}",
        "series_name": report.series_name,
        "as_of": report.as_of.isoformat(),
        "current_template_version": report.current_template_version,
        "sections": [{"number": s.number, "id": s.id, "heading": s.heading,
                      "required": s.required, "min_words": s.min_words,
                      "max_words": s.max_words} for s in SECTIONS],
        "totals": {"studies": len(report.rows), "errors": report.count(ERROR),
                   "warnings": report.count(WARNING), "infos": report.count(INFO),
                   "failed": report.failed(), "failed_strict": report.failed(strict=True)},
        "studies": [_study_data(row, rel, report.current_template_version)
                    for row in report.rows],
        "series_problems": [_problem_data(f, rel) for f in report.series_findings],
    }


def _problem_data(finding: Finding, rel: _Rel) -> dict[str, Any]:
    problem = finding.problem
    return {"path": rel(problem.path), "line": problem.line, "col": problem.col,
            "severity": problem.severity, "rule": finding.rule, "message": problem.message}


def _study_data(row: StudyRow, rel: _Rel, current: int) -> dict[str, Any]:
    return {
        "slug": row.slug,
        "path": rel(row.root),
        "title": row.title,
        "country": row.country,
        "country_code": row.country_code,
        "series_number": row.series_number,
        "status": row.status,
        "date": row.date.isoformat() if row.date else None,
        "authors": row.authors,
        "has_sponsor": bool(row.sponsor.strip()) if row.sponsor is not None else None,
        "sections": [{"id": s.spec.id, "number": s.spec.number, "status": s.status,
                      "words": s.words, "min_words": s.spec.min_words,
                      "max_words": s.spec.max_words, "heading": s.heading,
                      "default_heading": s.default_heading} for s in row.sections],
        "placeholders": row.placeholders,
        "footnotes": row.footnotes,
        "figures": row.figures,
        "figures_missing_alt": row.figures_missing_alt,
        "charts": row.charts,
        "citations": row.citations,
        "sources": [{**s, "file": rel(Path(str(s["file"])))} for s in row.sources],
        "template": {"version": row.template_version, "current": current,
                     "status": row.template_status},
        "pdf": {"path": rel(row.pdf) if row.pdf else None, "status": row.pdf_status,
                "made_from": row.pdf_made_from, "changed": row.pdf_changed},
        "counts": {"errors": row.errors, "warnings": row.warnings, "infos": row.count(INFO)},
        "failed": row.failed(),
        "failed_strict": row.failed(strict=True),
        "problems": [_problem_data(f, rel) for f in row.findings],
    }


def to_json(report: SeriesReport) -> str:
    # json escapes C0 controls itself; DEL, C1 and bidi controls are escaped here too, so
    # that the report is safe to print (the data is the same)
    text = json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n"
    return UNSAFE_CHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


CSV_COLUMNS = (["slug", "path", "title", "country", "country_code", "series_number",
                "status", "date", "authors", "has_sponsor"]
               + [f"{s.id}_{k}" for s in SECTIONS for k in ("words", "status")]
               + ["placeholders", "footnotes", "figures", "figures_missing_alt", "charts",
                  "errors", "warnings", "infos", "template_version", "template_status",
                  "pdf_status", "pdf_made_from"])


# A cell a spreadsheet would run as a formula (or, after a tab or CR, split): the OWASP
# rule is to make it text by putting a single quote in front.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell that no spreadsheet runs: text starting like a formula is quoted with
    a leading ``'``, and control characters are shown as escapes (``\\x1b``)."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return "'" + text if value.startswith(_FORMULA_START) else text


def to_csv(report: SeriesReport) -> str:
    """One line per study (CSV_COLUMNS); authors joined with '; ', empty for null.

    Text cells pass through :func:`csv_cell` (formula injection, control characters)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for study in report_data(report)["studies"]:
        flat = {**study, **study["counts"], "authors": "; ".join(study["authors"]),
                "template_version": study["template"]["version"],
                "template_status": study["template"]["status"],
                "pdf_status": study["pdf"]["status"],
                "pdf_made_from": study["pdf"]["made_from"]}
        for s in study["sections"]:
            flat[f"{s['id']}_words"], flat[f"{s['id']}_status"] = s["words"], s["status"]
        writer.writerow(["" if flat[c] is None else csv_cell(flat[c]) for c in CSV_COLUMNS])
    return out.getvalue()


# ---------------------------------------------------------------- terminal table


# what authors wrote (folder names, names, headings in messages) reaches the terminal as
# text: control characters shown as escapes (errors.printable), rich markup escaped
def _plain(text: str) -> str:
    return escape(printable(text, lines=False))


def _words_cell(section: SectionRow) -> str:
    """Words in range plain green; out of range yellow with an arrow (readable without
    colour); a missing required section red."""
    if section.words is None:
        return {"missing": "[bold red]miss[/]", "unreadable": "[bold red]??[/]"}.get(
            section.status, "[dim]-[/]")
    mark = {"short": "↓", "long": "↑"}.get(section.status, "")
    return f"[{'yellow' if mark else 'green'}]{section.words}{mark}[/]"


def rich_table(report: SeriesReport, authors: bool = True) -> Table:
    """A compact table: one row per study, problems in colour; about 120 columns wide,
    150 with ``authors``."""
    table = Table(title=f"{report.series_name}: series report, {report.as_of}",
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
                  title_justify="left",
                  caption="1-8: words per section (↓ short, ↑ long, miss: required but "
                          "missing, -: optional, absent); TODO: placeholders; Fn: footnotes; "
                          "Fig: figures; Alt: figures without alt text; Ch: charts drawn from "
                          "data", caption_justify="left")
    table.add_column("No.", justify="right", no_wrap=True)
    for name in ("Study", "Status", "Date"):
        table.add_column(name, no_wrap=True)
    if authors:
        table.add_column("Authors", max_width=26, overflow="ellipsis", no_wrap=True)
    for spec in SECTIONS:
        table.add_column(str(spec.number), justify="right", no_wrap=True)
    for name in ("TODO", "Fn", "Fig", "Alt", "Ch", "Err", "Warn", "Tpl", "PDF"):
        table.add_column(name, justify="right", no_wrap=True)
    current = report.current_template_version
    for row in report.rows:
        status = {"final": "[bold]final[/]", "review": "[cyan]review[/]"}.get(
            row.status or "", f"[dim]{row.status or '?'}[/]")
        template = {"current": f"[green]v{row.template_version}[/]",
                    "outdated": f"[yellow]v{row.template_version}<v{current}[/]",
                    "newer": f"[yellow]v{row.template_version}>v{current}[/]"}.get(
            row.template_status, "[dim]-[/]")
        pdf = {"current": "[green]ok[/]", "stale": "[yellow]stale[/]"}.get(
            row.pdf_status, "[red]missing[/]" if row.status == "final" else "[dim]none[/]")
        if row.pdf_made_from in ("stale", "foreign"):  # what the PDF itself says (verify)
            pdf = f"[yellow]{row.pdf_made_from}[/]"
        table.add_row(
            str(row.series_number or "?"), f"{_plain(row.slug)} [dim]{row.country_code or ''}[/]",
            status, str(row.date or "?"), *([_plain(", ".join(row.authors))] if authors else []),
            *map(_words_cell, row.sections),
            f"[yellow]{row.placeholders}[/]" if row.placeholders else "[dim]0[/]",
            str(row.footnotes), str(row.figures),
            f"[red]{row.figures_missing_alt}[/]" if row.figures_missing_alt else "[dim]0[/]",
            str(row.charts) if row.charts else "[dim]0[/]",
            f"[bold red]{row.errors}[/]" if row.errors else "[dim]0[/]",
            f"[yellow]{row.warnings}[/]" if row.warnings else "[dim]0[/]", template, pdf)
    return table


def print_table(report: SeriesReport, console: Console) -> None:
    """The table, then every error and warning as ``path:line:col: severity: message``
    and a one-line summary (notes of severity info are in the JSON and HTML only)."""
    console.print(rich_table(report, authors=console.width >= 150))
    for finding in report.findings():
        problem = finding.problem
        if problem.severity != INFO:
            where, _, message = str(problem).partition(f": {problem.severity}: ")
            console.print(Text.assemble(f"{printable(where, lines=False)}: ",
                                        (problem.severity, _SEVERITY_STYLE[problem.severity]),
                                        f": {printable(message, lines=False)}"),
                          highlight=False, soft_wrap=True)
    n = len(report.rows)
    console.print(f"{n} {'study' if n == 1 else 'studies'}: {report.count(ERROR)} error(s), "
                  f"{report.count(WARNING)} warning(s), {report.count(INFO)} note(s)",
                  markup=False, highlight=False)


# ---------------------------------------------------------------- HTML


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(BRANDING / "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


@dataclass
class _Bar:
    """One section of one study in the chart: the range band, then a bar or a label."""

    status: str
    tip: str
    x: float
    band_x: float
    band_w: float
    color: str
    words: int | None
    w: float = 0.0
    label: str = ""
    label_x: float = 0.0
    anchor: str = "start"
    label_fill: str = "#3c4653"


@dataclass
class _ChartRow:
    slug: str
    note: str
    y: int
    shade: bool
    bars: list[_Bar]


CELL_W, GAP, LABEL_W, ROW_H, HEAD_H = 116, 16, 210, 30, 44  # chart geometry, in px


def _bar(row: StudyRow, section: SectionRow, x: float, scale: float) -> _Bar:
    spec, words = section.spec, section.words
    bar = _Bar(section.status,
               f"{row.slug}, {spec.id}: {'no' if words is None else words} words "
               f"(range {spec.min_words}–{spec.max_words}): {section.status}",
               x, round(x + spec.min_words * scale, 1),
               round((spec.max_words - spec.min_words) * scale, 1),
               STATUS_COLORS[section.status], words)
    if words is None:
        bar.label = "missing" if section.status == "missing" else "–"
    else:
        bar.w = round(words * scale, 1)
        if bar.w > CELL_W - 34:  # no room right of the bar: the number goes inside, white
            bar.label_x, bar.anchor, bar.label_fill = round(x + bar.w - 3, 1), "end", "#fff"
        else:
            bar.label_x = round(x + bar.w + 3, 1)
    return bar


def _chart(report: SeriesReport) -> dict[str, Any]:
    """The chart's geometry: a row (bar group) per study, a cell per section, each bar
    against the section's word range on a scale shared down the column."""
    xs = [LABEL_W + j * (CELL_W + GAP) for j in range(len(SECTIONS))]
    scales = [CELL_W / max(spec.max_words * 1.15, 1,
                           *(r.sections[j].words or 0 for r in report.rows))
              for j, spec in enumerate(SECTIONS)]
    rows = [_ChartRow(row.slug, f"No. {row.series_number or '?'} · {row.status or '?'}",
                      HEAD_H + i * ROW_H, i % 2 == 0,
                      [_bar(row, s, x, scale)
                       for s, x, scale in zip(row.sections, xs, scales, strict=True)])
            for i, row in enumerate(report.rows)]
    columns = [{"x": x, "number": spec.number, "id": spec.id,
                "range": f"{spec.min_words}–{spec.max_words}"}
               for x, spec in zip(xs, SECTIONS, strict=True)]
    return {"width": LABEL_W + len(SECTIONS) * (CELL_W + GAP),
            "height": HEAD_H + ROW_H * max(len(rows), 1) + 4, "row_h": ROW_H,
            "columns": columns, "rows": rows}


_SECTION_PROBLEMS = ("missing", "unreadable", "short", "long")  # worst first


def section_summary(row: StudyRow) -> dict[str, str]:
    """The table's one cell for a study's sections (the chart above shows each): what is
    wrong, counted, in the colour of the worst; and every section in the tooltip."""
    counts = {status: sum(s.status == status for s in row.sections)
              for status in _SECTION_PROBLEMS}
    wrong = [f"{n} {status}" for status, n in counts.items() if n]
    present = sum(s.words is not None for s in row.sections)
    detail = "; ".join(
        f"{s.spec.number} {s.spec.id}: "
        + (f"{s.words} words" if s.words is not None
           else "absent" if s.status == "optional" else s.status)
        + f" ({s.spec.min_words}–{s.spec.max_words}"
        + ("" if s.spec.required else ", optional") + ")"
        + (f" {s.status}" if s.status in _SECTION_PROBLEMS[2:] else "")
        for s in row.sections)
    worst = next((status for status in _SECTION_PROBLEMS if counts[status]), "ok")
    return {"text": ", ".join(wrong) if wrong else f"{present} in range",
            "css": worst, "title": detail}


def to_html(report: SeriesReport) -> str:
    """One self-contained page: summary cards, chart of section lengths, table, problems."""
    errors, warnings = report.count(ERROR), report.count(WARNING)
    outdated = sum(r.pdf_status != "current" for r in report.rows)
    cards = [
        {"value": len(report.rows), "label": "studies", "tone": ""},
        {"value": sum(r.status == "final" for r in report.rows), "label": "final", "tone": ""},
        {"value": errors, "label": "errors", "tone": "bad" if errors else "good"},
        {"value": warnings, "label": "warnings", "tone": "warn" if warnings else "good"},
        {"value": outdated, "label": "PDFs missing or stale", "tone": "warn" if outdated
         else "good"},
    ]
    legend = [{"color": STATUS_COLORS[k], "label": label} for k, label in
              (("ok", "in range"), ("short", "too short or too long"),
               ("missing", "required but missing"))]

    colors = {**default_brand().colors, **report.colors}
    css = Markup((BRANDING / "series.css").read_text(encoding="utf-8"))  # ours, not input
    page = _environment().get_template("series.html").render(
        report=report, version=__version__, colors=colors, css=css, cards=cards,
        chart=_chart(report), legend=legend, rel=_Rel(report.repo), sections_of=section_summary,
        pdf_class=lambda row: ("bad" if row.status == "final" else "none")
        if row.pdf_status == "missing" else row.pdf_status)
    # control characters become character references: the same text in a browser,
    # harmless on a terminal
    return UNSAFE_CHARACTERS.sub(_html_reference, page)
