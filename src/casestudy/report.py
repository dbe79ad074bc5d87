"""Render a series report: a rich table, JSON, CSV, or one self-contained HTML page.

The JSON layout is documented in ``docs/series-json.md`` and versioned by
``JSON_SCHEMA_VERSION``: scripts and dashboards read it, so a change of shape bumps the
version. The HTML page carries everything inline (CSS, an SVG chart, no scripts, no
fonts, no links out) so that it opens anywhere, offline, and can be mailed as one file.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from . import __version__
from .errors import ERROR, WARNING
from .schema import SECTIONS
from .series import INFO, SectionRow, SeriesReport, StudyRow

JSON_SCHEMA_VERSION = 1
FORMATS = ("table", "json", "csv", "html")
_STATUS_COLOR = {"ok": "#2e7d4f", "short": "#c98300", "long": "#c98300",
                 "missing": "#b3261e", "unreadable": "#b3261e", "optional": "#8a94a3"}


def render(report: SeriesReport, fmt: str) -> str:
    """The report in ``fmt`` (one of FORMATS) as text; the table without colour."""
    if fmt == "table":
        out = io.StringIO()
        console = Console(file=out, width=140, no_color=True, highlight=False)
        console.print(rich_table(report))
        for finding in report.findings():
            if finding.problem.severity != INFO:
                console.print(str(finding.problem), markup=False, soft_wrap=True)
        return out.getvalue()
    renderers = {"json": to_json, "csv": to_csv, "html": to_html}
    if fmt not in renderers:
        from .errors import CasestudyError

        raise CasestudyError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
    return renderers[fmt](report)


def _rel(report: SeriesReport, path: Path | str) -> str:
    """A path relative to the series repository, with forward slashes."""
    try:
        return Path(path).resolve().relative_to(report.repo.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


# ---------------------------------------------------------------- JSON and CSV


def report_data(report: SeriesReport) -> dict[str, Any]:
    """The report as plain JSON-ready data (the layout of docs/series-json.md)."""
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
        "studies": [_study_data(report, row) for row in report.rows],
    }


def _study_data(report: SeriesReport, row: StudyRow) -> dict[str, Any]:
    return {
        "slug": row.slug,
        "path": _rel(report, row.root),
        "title": row.title,
        "country": row.country,
        "country_code": row.country_code,
        "series_number": row.series_number,
        "status": row.status,
        "date": row.date.isoformat() if row.date else None,
        "authors": row.authors,
        "has_sponsor": bool(row.sponsor.strip()) if row.sponsor is not None else None,
        "sections": [{"id": s.id, "number": s.number, "status": s.status, "words": s.words,
                      "min_words": s.min_words, "max_words": s.max_words,
                      "heading": s.heading, "default_heading": s.default_heading}
                     for s in row.sections],
        "footnotes": row.footnotes,
        "figures": row.figures,
        "figures_missing_alt": row.figures_missing_alt,
        "template": {"version": row.template_version,
                     "current": report.current_template_version,
                     "status": row.template_status},
        "pdf": {"path": _rel(report, row.pdf) if row.pdf else None, "status": row.pdf_status},
        "counts": {"errors": row.errors, "warnings": row.warnings, "infos": row.count(INFO)},
        "problems": [{"path": _rel(report, f.problem.path), "line": f.problem.line,
                      "col": f.problem.col, "severity": f.problem.severity, "rule": f.rule,
                      "message": f.problem.message} for f in row.findings],
    }


def to_json(report: SeriesReport) -> str:
    return json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n"


def to_csv(report: SeriesReport) -> str:
    """One row per study; sections as ``<id>_words`` and ``<id>_status`` columns."""
    head = ["slug", "path", "title", "country", "country_code", "series_number", "status",
            "date", "authors", "has_sponsor"]
    head += [f"{s.id}_{k}" for s in SECTIONS for k in ("words", "status")]
    head += ["footnotes", "figures", "figures_missing_alt", "errors", "warnings", "infos",
             "template_version", "template_status", "pdf_status"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head)
    for study in report_data(report)["studies"]:
        cells = [study[k] for k in head[:8]] + ["; ".join(study["authors"]), study["has_sponsor"]]
        cells += [v for s in study["sections"] for v in (s["words"], s["status"])]
        cells += [study["footnotes"], study["figures"], study["figures_missing_alt"],
                  *study["counts"].values(), study["template"]["version"],
                  study["template"]["status"], study["pdf"]["status"]]
        writer.writerow(["" if c is None else c for c in cells])
    return out.getvalue()


# ---------------------------------------------------------------- terminal table


def _words_cell(section: SectionRow) -> str:
    if section.words is None:
        return {"missing": "[red]miss[/]", "unreadable": "[red]?[/]"}.get(section.status,
                                                                          "[dim]–[/]")
    return f"[{'green' if section.status == 'ok' else 'yellow'}]{section.words}[/]"


def rich_table(report: SeriesReport) -> Table:
    """A compact table: one row per study, problems in colour."""
    table = Table(title=f"{report.series_name}: series report, {report.as_of}",
                  box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left",
                  caption="1-8: words per section (green in range, yellow out of range, "
                          "red missing)",
                  caption_justify="left")
    for name in ("No.", "Study", "Status", "Date"):
        table.add_column(name, no_wrap=True)
    for spec in SECTIONS:
        table.add_column(str(spec.number), justify="right")
    for name in ("Fn", "Fig", "Err", "Warn", "Tpl", "PDF"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in report.rows:
        status = {"final": "[bold]final[/]", "review": "[cyan]review[/]"}.get(
            row.status or "", f"[dim]{row.status or '?'}[/]")
        figures = str(row.figures) + (f" [red]{row.figures_missing_alt} no alt[/]"
                                      if row.figures_missing_alt else "")
        template = {"current": "[green]v{v}[/]", "outdated": "[yellow]v{v}<v{c}[/]",
                    "newer": "[yellow]v{v}>v{c}[/]"}.get(row.template_status, "[dim]?[/]")
        pdf = {"current": "[green]ok[/]", "stale": "[yellow]stale[/]"}.get(
            row.pdf_status, "[red]missing[/]" if row.status == "final" else "[dim]none[/]")
        table.add_row(
            str(row.series_number or "?"), f"{row.slug} [dim]{row.country_code or ''}[/]",
            status, str(row.date or "?"), *map(_words_cell, row.sections),
            str(row.footnotes), figures,
            f"[bold red]{row.errors}[/]" if row.errors else "[dim]0[/]",
            f"[yellow]{row.warnings}[/]" if row.warnings else "[dim]0[/]",
            template.format(v=row.template_version, c=report.current_template_version), pdf)
    return table


# ---------------------------------------------------------------- HTML

_CSS = """
:root { --primary: %(primary)s; --accent: %(accent)s; --muted: %(muted)s; --tint: %(tint)s; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: #1d232b; background: #fafbfc; }
header { background: var(--primary); color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; } header p { margin: 0; opacity: .85; }
main { padding: 12px 32px 40px; max-width: 1500px; }
h2 { color: var(--primary); font-size: 18px; margin: 28px 0 10px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 16px; }
.card { background: #fff; border: 1px solid #dde2e8; border-radius: 6px; padding: 10px 16px;
  min-width: 110px; } .card b { display: block; font-size: 26px; }
.card.bad b { color: #b3261e; } .card.warn b { color: #c98300; } .card.good b { color: #2e7d4f; }
figure { margin: 0; background: #fff; border: 1px solid #dde2e8; border-radius: 6px;
  padding: 12px; overflow-x: auto; } figcaption { color: var(--muted); font-size: 13px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px;
  margin: 0 4px 0 12px; vertical-align: -1px; }
table { border-collapse: collapse; background: #fff; font-size: 13px; width: 100%%; }
th, td { border-bottom: 1px solid #e4e8ed; padding: 5px 8px; text-align: left;
  white-space: nowrap; } th { background: var(--tint); color: var(--primary); }
td.num, th.num { text-align: right; } td.authors { white-space: normal; min-width: 170px; }
th { vertical-align: bottom; } th .sub { font-weight: 400; font-size: 11px; }
.scroll { overflow-x: auto; border: 1px solid #dde2e8; border-radius: 6px; }
.ok { color: #2e7d4f; } .short, .long, .stale, .outdated, .newer, .warning { color: #c98300; }
.missing, .unreadable, .error, .bad { color: #b3261e; font-weight: 600; }
.optional, .none, .unknown, .info, .zero { color: #8a94a3; }
details { background: #fff; border: 1px solid #dde2e8; border-radius: 6px; margin: 8px 0;
  padding: 6px 12px; } summary { cursor: pointer; font-weight: 600; }
ul.problems { list-style: none; padding: 0; margin: 6px 0; font-size: 13px; }
ul.problems li { padding: 2px 0; } code { font-size: 12px; color: #3c4653; }
.rule { color: var(--muted); font-size: 11px; border: 1px solid #dde2e8; border-radius: 3px;
  padding: 0 4px; margin-left: 6px; }
"""


def _chart(report: SeriesReport) -> str:
    """Word counts per study and section against each section's range, as inline SVG."""
    label_w, cell_w, gap, row_h, head_h = 200, 118, 18, 30, 48
    width = label_w + len(SECTIONS) * (cell_w + gap)
    height = head_h + row_h * max(len(report.rows), 1) + 6
    parts = [f'<svg role="img" aria-label="Section word counts per study" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui, '
             f'sans-serif" font-size="11">']
    for i, _ in enumerate(report.rows):
        if i % 2 == 0:
            parts.append(f'<rect x="0" y="{head_h + i * row_h}" width="{width}" '
                         f'height="{row_h}" fill="#f4f6f9"/>')
    for j, spec in enumerate(SECTIONS):
        x0 = label_w + j * (cell_w + gap)
        words = [r.sections[j].words or 0 for r in report.rows]
        scale = cell_w / max(spec.max_words * 1.15, *words, 1)
        parts.append(f'<text x="{x0}" y="18" font-weight="600" fill="#1b2a4a">{spec.number} '
                     f'{escape(spec.id)}</text><text x="{x0}" y="34" fill="#5f6b7a">'
                     f'{spec.min_words}–{spec.max_words} words</text>')
        for i, row in enumerate(report.rows):
            section, y = row.sections[j], head_h + i * row_h
            tip = (f"{row.slug} · {spec.id}: {section.words if section.words is not None else 'no'}"
                   f" words (range {spec.min_words}–{spec.max_words}), {section.status}")
            parts.append(f'<g><title>{escape(tip)}</title>'
                         f'<rect x="{x0 + spec.min_words * scale:.1f}" y="{y + 6}" '
                         f'width="{(spec.max_words - spec.min_words) * scale:.1f}" '
                         f'height="{row_h - 12}" fill="#dfe5ee" rx="2"/>')
            color = _STATUS_COLOR[section.status]
            if section.words is None:
                label = "missing" if section.status == "missing" else "—"
                parts.append(f'<text x="{x0 + 4}" y="{y + 19}" fill="{color}" '
                             f'font-style="italic">{label}</text></g>')
                continue
            bar = section.words * scale
            text_x, anchor, fill = bar + 3, "start", color
            if bar > cell_w - 30:
                text_x, anchor, fill = bar - 3, "end", "#fff"
            parts.append(f'<rect x="{x0}" y="{y + 10}" width="{bar:.1f}" height="10" '
                         f'fill="{color}" rx="1"/><text x="{x0 + text_x:.1f}" y="{y + 19}" '
                         f'text-anchor="{anchor}" fill="{fill}">{section.words}</text></g>')
    for i, row in enumerate(report.rows):
        y = head_h + i * row_h
        parts.append(f'<text x="4" y="{y + 19}" font-size="12"><tspan font-weight="600">'
                     f'{escape(row.slug)}</tspan><tspan fill="#5f6b7a"> No. '
                     f'{row.series_number or "?"} · {escape(row.status or "?")}</tspan></text>')
    parts.append("</svg>")
    return "".join(parts)


def _cell(value: object, cls: str = "", title: str = "") -> str:
    attrs = (f' class="{cls}"' if cls else "") + (f' title="{escape(title)}"' if title else "")
    return f"<td{attrs}>{escape(str(value))}</td>"


def _table(report: SeriesReport) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("No.", "Study", "Country", "Status", "Date",
                                              "Authors"))
    head += "".join(f'<th class="num" title="{escape(s.heading)} ({s.min_words}–'
                    f'{s.max_words} words)">{s.number}<br><span class="sub">{s.id}</span></th>'
                    for s in SECTIONS)
    head += "".join(f'<th class="num">{h}</th>' for h in ("Notes", "Figures", "No alt",
                                                          "Errors", "Warnings"))
    head += "<th>Template</th><th>PDF</th>"
    rows = []
    for row in report.rows:
        cells = [_cell(row.series_number or "?"),
                 f'<td><a href="#study-{escape(row.slug)}">{escape(row.slug)}</a></td>',
                 _cell(f"{row.country or '?'} ({row.country_code or '?'})"),
                 _cell(row.status or "?"), _cell(row.date or "?")]
        cells.append(f'<td class="authors">{escape(", ".join(row.authors))}</td>')
        for s in row.sections:
            shown = s.words if s.words is not None else ("missing" if s.status == "missing"
                                                         else "–")
            cells.append(_cell(shown, f"num {s.status}", f"{s.status}; {s.min_words}–"
                                                         f"{s.max_words} words"))
        for value, bad in ((row.footnotes, ""), (row.figures, ""),
                           (row.figures_missing_alt, "bad"), (row.errors, "error"),
                           (row.warnings, "warning")):
            cells.append(_cell(value, f"num {bad if value else 'zero'}"))
        version = f"v{row.template_version}" if row.template_version else "?"
        cells.append(_cell(f"{version} ({row.template_status})", row.template_status))
        cells.append(_cell(row.pdf_status, {"missing": "bad" if row.status == "final"
                                            else "none"}.get(row.pdf_status, row.pdf_status)))
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _problems(report: SeriesReport) -> str:
    out = []
    for row in report.rows:
        items = "".join(
            f'<li class="{escape(f.problem.severity)}"><code>{escape(_rel(report, f.problem.path))}'
            f':{f.problem.line}:{f.problem.col}</code> {escape(f.problem.severity)}: '
            f'{escape(f.problem.message)}<span class="rule">{escape(f.rule)}</span></li>'
            for f in row.findings) or "<li class=\"ok\">No problems.</li>"
        summary = (f"{escape(row.slug)}: {row.errors} error(s), {row.warnings} warning(s), "
                   f"{row.count(INFO)} note(s)")
        opened = " open" if row.errors or row.warnings else ""
        out.append(f'<details id="study-{escape(row.slug)}"{opened}><summary>{summary}'
                   f'</summary><ul class="problems">{items}</ul></details>')
    return "".join(out)


def to_html(report: SeriesReport) -> str:
    """One self-contained page: summary, chart of section lengths, table, problems."""
    finals = sum(r.status == "final" for r in report.rows)
    stale = sum(r.pdf_status != "current" for r in report.rows)
    cards = [(len(report.rows), "studies", ""), (finals, "final", ""),
             (report.count(ERROR), "errors", "bad" if report.count(ERROR) else "good"),
             (report.count(WARNING), "warnings", "warn" if report.count(WARNING) else "good"),
             (stale, "PDFs missing or stale", "warn" if stale else "good")]
    legend = "".join(f'<span class="swatch" style="background:{_STATUS_COLOR[k]}"></span>{t}'
                     for k, t in (("ok", "in range"), ("short", "too short or too long"),
                                  ("missing", "required but missing")))
    colors = {k: escape(v) for k, v in report.colors.items()}
    colors = {"primary": "#1b2a4a", "accent": "#b5462f", "muted": "#5f6b7a",
              "tint": "#eef1f6", **colors}
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.series_name)}: series report</title>"
        f"<style>{_CSS % colors}</style></head><body>"
        f"<header><h1>{escape(report.series_name)}</h1><p>Series report as of "
        f"{report.as_of}, made by casestudy {escape(__version__)}</p></header><main>"
        '<div class="cards">' + "".join(f'<div class="card {c}"><b>{n}</b>{escape(t)}</div>'
                                        for n, t, c in cards) + "</div>"
        "<h2>Section lengths against the series ranges</h2>"
        f"<figure>{_chart(report)}<figcaption>Grey band: the section's word range. "
        f"{legend}</figcaption></figure>"
        f"<h2>Studies</h2>{_table(report)}<h2>Problems</h2>{_problems(report)}"
        "</main></body></html>\n")
