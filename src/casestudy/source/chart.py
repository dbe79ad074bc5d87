"""Charts from data: a ``::: chart`` block's settings and its CSV, read and checked.

A chart is data plus a declarative spec; nothing an author writes is executed. The
spec is the ``key: value`` lines of the block (see docs/authors.md); the data is one
CSV file in the study, named relative to the section file. Every mistake is a located
Problem: spec mistakes at the section's line, data mistakes at ``file.csv:line:col``.
Drawing is draw.py's job; this module only reads and validates.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, error, warning
from ..files.fetch import Refused, local_data

# type -> what it draws; one category axis (x) and one or more value columns (y)
TYPES = {
    "bar": "Bar chart",
    "hbar": "Horizontal bar chart",
    "grouped-bar": "Grouped bar chart",
    "stacked-bar": "Stacked bar chart",
    "line": "Line chart",
    "area": "Stacked area chart",
}
MULTI = ("grouped-bar", "stacked-bar", "line", "area")  # may have several y columns
HIGHLIGHTS = ("bar", "hbar", "line")  # one category drawn in the accent colour
STACKED = ("stacked-bar", "area")
KEYS = ("data", "type", "x", "y", "title", "unit", "highlight", "legend", "note", "alt")
REQUIRED = ("data", "type", "x", "y")
MAX_CSV_BYTES = 1_000_000  # a chart's data is a few kilobytes; more is a mistake
MAX_ROWS = 200  # categories on one axis; past this no chart can be read
MAX_CELL = 500  # characters in one cell
# a header under the 1 MB cap can name 100,000 columns: a guess at a misspelt name is
# made among at most this many, and a message lists at most this many of them
MAX_SUGGEST = 200
MAX_LISTED = 20
MAX_VALUE, MIN_VALUE = 1e15, 1e-6  # beyond these, a different unit reads better
PALETTE_SIZE = 6  # series the brand palette tells apart (brand.chart_style)
# Not in a cell: controls (no SVG can hold them; a terminal or spreadsheet obeys them)
# and the bidi embeddings and overrides, which reorder a label invisibly (as in YAML).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e]")
_SETTING = re.compile(r"^([A-Za-z][\w-]*)\s*:\s?(.*)$")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Row:
    """A CSV record: the line it starts on, its cells, and the column of each cell."""

    line: int
    cells: list[str]
    cols: list[int]


@dataclass(frozen=True)
class Setting:
    """One ``key: value`` line of a chart block, with where its value starts."""

    key: str
    value: str
    line: int
    col: int


@dataclass
class Series:
    name: str  # the legend label
    values: list[float]
    texts: list[str]  # the cells as written, for labels and alt text


@dataclass
class Chart:
    """A checked chart: everything draw.py needs, nothing it must look up."""

    type: str
    x: str
    categories: list[str]
    series: list[Series]
    csv_bytes: bytes
    title: str = ""
    unit: str = ""
    highlight: str | None = None
    alt: str = ""
    note: str = ""
    spec: dict[str, str] = field(default_factory=dict)

    @property
    def alt_text(self) -> str:
        return self.alt or generated_alt(self)


@dataclass(frozen=True)
class DataFile:
    """A chart's CSV as read: its bytes (no more than the cap and one), its header and
    rows (None when it is refused), the problems of reading it, or why it could not be
    opened (``unreadable``, the system's words; then nothing else is set)."""

    raw: bytes
    table: tuple[list[str], list[Row]] | None
    problems: list[Problem]
    unreadable: str | None = None


@dataclass
class ChartMemo:
    """What one build of a study has parsed of its charts, so that the checker, the
    glyph rule and the renderer (print and web) share one reading: a block's settings
    (by section and lines), its chart (by section, line and settings) and each CSV (by
    path). A loaded Study holds one (``Study.charts``); it lives as long as the Study."""

    settings: dict[tuple[Path, tuple[tuple[str, int, int], ...]],
                   tuple[list[Setting], list[Problem]]] = field(default_factory=dict)
    charts: dict[tuple[Path, int, tuple[Setting, ...]],
                 tuple[Chart | None, list[Problem]]] = field(default_factory=dict)
    data: dict[Path, DataFile] = field(default_factory=dict)


def parse_settings(lines: list[tuple[str, int, int]], path: Path,
                   memo: ChartMemo | None = None) -> tuple[list[Setting], list[Problem]]:
    """``key: value`` lines (text, line, col of the text) into settings (parsed once
    per ``memo``)."""
    if memo is None:
        return _parse_settings(lines, path)
    key = (path, tuple(lines))
    if key not in memo.settings:
        memo.settings[key] = _parse_settings(lines, path)
    settings, problems = memo.settings[key]
    return list(settings), list(problems)


def _parse_settings(lines: list[tuple[str, int, int]], path: Path
                    ) -> tuple[list[Setting], list[Problem]]:
    out: list[Setting] = []
    problems: list[Problem] = []
    for text, line, col in lines:
        m = _SETTING.match(text)
        if not m:
            problems.append(error(path, line, col, f"not a chart setting: {text[:40]!r}; write "
                                                   "'key: value' (" + ", ".join(KEYS) + ")"))
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key in ("caption", "source"):
            problems.append(error(path, line, col, f"'{m.group(1)}:' must be a paragraph of its "
                                                   "own: leave a blank line before it"))
        elif key not in KEYS:
            problems.append(error(path, line, col, f"unknown chart setting {key!r}"
                                                   + _did_you_mean(key, KEYS)))
        elif any(s.key == key for s in out):
            problems.append(error(path, line, col, f"chart setting {key!r} is given twice"))
        else:
            out.append(Setting(key, value, line, col + m.start(2)))
    return out, problems


def _did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    if len(choices) > MAX_SUGGEST:  # difflib over a huge header, once per miss: quadratic
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close and word:  # a short name for a long column: "revenue" for "revenue_usd"
        close = [c for c in choices if c.lower().startswith(word.lower())][:1]
    return f"; did you mean {close[0]!r}?" if close else ""


def _listed(names: list[str]) -> str:
    """Names for a message, the first MAX_LISTED of them: a header can hold 100,000."""
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f", ... ({len(names)} in all)" if len(names) > MAX_LISTED else "")


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def load_chart(root: Path, section: Path, settings: list[Setting], line: int,
               memo: ChartMemo | None = None) -> tuple[Chart | None, list[Problem]]:
    """The chart of a block opened at ``section``:``line``, or None and why not (worked
    out once per ``memo``, its CSV read once)."""
    if memo is None:
        return _load_chart(root, section, settings, line, None)
    key = (section, line, tuple(settings))
    if key not in memo.charts:
        memo.charts[key] = _load_chart(root, section, settings, line, memo)
    chart, problems = memo.charts[key]
    return chart, list(problems)


def read_data(path: Path, memo: ChartMemo | None = None) -> DataFile:
    """The CSV at ``path`` (local_data's answer), read no further than the cap and
    parsed; once per ``memo``."""
    if memo is not None and path in memo.data:
        return memo.data[path]
    try:
        with open(path, "rb") as handle:  # no further than the cap: a huge file is refused
            raw = handle.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        found = DataFile(b"", None, [], f"{exc.strerror}")
    else:
        table, problems = read_csv(raw, path)
        found = DataFile(raw, table, problems)
    if memo is not None:
        memo.data[path] = found
    return found


def _load_chart(root: Path, section: Path, settings: list[Setting], line: int,
                memo: ChartMemo | None) -> tuple[Chart | None, list[Problem]]:
    spec = {s.key: s for s in settings}
    problems = [error(section, line, 1, f"chart has no '{key}:' setting")
                for key in REQUIRED if key not in spec or not spec[key].value]
    given = spec.get("type")
    if given and given.value and given.value not in TYPES:
        problems.append(error(section, given.line, given.col,
                              f"unknown chart type {given.value!r}"
                              + _did_you_mean(given.value, list(TYPES))
                              + " (types: " + ", ".join(TYPES) + ")"))
    if problems:
        return None, problems
    kind = spec["type"].value
    ys = split_list(spec["y"].value)
    if len(ys) > 1 and kind not in MULTI:
        s = spec["y"]
        problems.append(error(section, s.line, s.col, f"a {kind} chart shows one y column; "
                              "use grouped-bar, stacked-bar, line or area for several"))
    if "highlight" in spec and (kind not in HIGHLIGHTS or len(ys) > 1):
        s = spec["highlight"]
        problems.append(error(section, s.line, s.col, "highlight works on bar, hbar and line "
                                                      "charts of one series (the accent colour "
                                                      "is also a series colour)"))
    legend = split_list(spec["legend"].value) if "legend" in spec else []
    if legend and len(legend) != len(ys):
        s = spec["legend"]
        problems.append(error(section, s.line, s.col, f"legend names {len(legend)} series but "
                                                      f"y has {len(ys)} columns"))
    if len(ys) > PALETTE_SIZE:
        s = spec["y"]
        problems.append(warning(section, s.line, s.col, f"{len(ys)} series, more than the "
                                f"{PALETTE_SIZE} colours the brand palette tells apart"))
    data = spec["data"]
    try:
        path = local_data(root, section.parent, data.value)
    except Refused as exc:
        problems.append(error(section, data.line, data.col, str(exc)))
        return None, problems
    found = read_data(path, memo)
    if found.unreadable is not None:
        problems.append(error(section, data.line, data.col,
                              f"{data.value!r}: {found.unreadable}"))
        return None, problems
    raw, table = found.raw, found.table
    problems += found.problems
    if table is None:
        return None, problems
    header, rows = table
    columns = {}
    position = {name: i for i, name in reversed(list(enumerate(header)))}  # first of each
    for key in ("x", "y"):
        s = spec[key]
        names = [s.value] if key == "x" else ys
        for name in names:
            if name not in position:
                problems.append(error(section, s.line, s.col + s.value.find(name),
                                      f"column {name!r} is not in {data.value}"
                                      + _did_you_mean(name, header)
                                      + " (columns: " + _listed(header) + ")"))
            else:
                columns[name] = position[name]
    if not rows:
        problems.append(error(path, 1, 1, "no data rows below the header: the chart would "
                                          "be empty"))
    if any(p.is_error for p in problems):
        return None, problems
    x = columns[spec["x"].value]
    categories = [row.cells[x].strip() for row in rows]
    series = []
    stacked = kind in STACKED
    for i, name in enumerate(ys):
        col = columns[name]
        values, texts = [], []
        for row in rows:
            cell = row.cells[col].strip()
            value = parse_number(cell)
            where = (path, row.line, row.cols[col])
            if value is None:
                problems.append(error(*where, f"{cell[:30]!r} in column {name!r} is not a "
                                              "number" if cell else
                                              f"empty cell in column {name!r}; every value "
                                              "is needed (0, or leave the row out)"))
            elif value and not MIN_VALUE <= abs(value) <= MAX_VALUE:
                size = "large" if abs(value) > 1 else "small"
                problems.append(error(*where, f"{cell!r} is too {size} to chart; use a unit "
                                              "such as millions or thousandths"))
            elif stacked and value < 0:
                problems.append(error(*where, f"{cell!r}: a {kind} chart stacks "
                                              "values and cannot show negative ones"))
            values.append(value or 0.0)
            texts.append(cell)
        unit = spec["unit"].value if "unit" in spec and len(ys) == 1 else ""
        series.append(Series(legend[i] if legend else unit or name, values, texts))
    highlight = spec["highlight"].value if "highlight" in spec else None
    if highlight is not None and highlight not in categories:
        s = spec["highlight"]
        problems.append(error(section, s.line, s.col, f"highlight {highlight!r} is not a "
                                                      f"value of column {spec['x'].value!r}"
                                                      + _did_you_mean(highlight, categories)))
    if any(p.is_error for p in problems):
        return None, problems
    chart = Chart(kind, spec["x"].value, categories, series, raw,
                  title=spec["title"].value if "title" in spec else "",
                  unit=spec["unit"].value if "unit" in spec else "",
                  highlight=highlight, alt=spec["alt"].value if "alt" in spec else "",
                  note=spec["note"].value if "note" in spec else "",
                  spec={k: s.value for k, s in sorted(spec.items())})
    return chart, problems


def parse_number(cell: str) -> float | None:
    """A cell as a finite number: 1234, -2.5, 1,234.5, 3e6; never nan, inf or a formula."""
    if not cell or not _NUMBER.match(cell) or not any(c.isdigit() for c in cell):
        return None
    value = float(cell.replace(",", ""))
    return value if math.isfinite(value) else None


def read_csv(raw: bytes, path: Path) -> tuple[tuple[list[str], list[Row]] | None,
                                              list[Problem]]:
    """Header and (line, cells) rows of a CSV file, or None and a located problem.

    UTF-8 (a byte-order mark is dropped), any line ending, RFC 4180 quoting. Nothing in
    a cell is interpreted: ``=SUM(A1)`` is text like any other.
    """
    if len(raw) > MAX_CSV_BYTES:
        return None, [error(path, 1, 1, f"larger than {MAX_CSV_BYTES // 1000} kB; a chart's "
                                        "data file holds the values it shows")]
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = body[:exc.start]
        line = before.count(b"\n") + 1
        col = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        return None, [error(path, line, col, "not UTF-8 text; save the file as UTF-8 CSV")]
    lines = [line.rstrip("\r") for line in text.split("\n")]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines
            if any(len(c) > MAX_CELL for c in cells):
                return None, [error(path, line, 1, f"a cell longer than {MAX_CELL} characters")]
            bad = next((m for c in cells if (m := _CONTROL.search(c))), None)
            if bad:
                kind = "bidi override" if bad.group() >= "\u202a" else "control character"
                return None, [error(path, line, 1, f"{kind} U+{ord(bad.group()):04X} in a "
                                                   "cell")]
            if header is None:
                header = [c.strip() for c in cells]
                seen: set[str] = set()  # one pass: a header can hold 100,000 names
                twice: set[str] = set()
                for name in filter(None, header):
                    (twice if name in seen else seen).add(name)
                dup = sorted(twice)
                if dup:
                    return None, [error(path, line, 1, f"column {dup[0]!r} appears twice in "
                                                       "the header")]
                continue
            first = line - sum(c.count("\n") for c in cells)
            if len(cells) != len(header):
                return None, [error(path, first, 1, f"{len(cells)} cells; the header has "
                                                    f"{len(header)}")]
            if len(rows) >= MAX_ROWS:
                return None, [error(path, first, 1, f"more than {MAX_ROWS} rows; a chart "
                                                    "cannot show them legibly")]
            rows.append(Row(first, cells, _columns(lines[first - 1], len(cells))))
    except csv.Error as exc:
        return None, [error(path, reader.line_num, 1, f"not valid CSV: {exc}")]
    if header is None:
        return None, [error(path, 1, 1, "empty: no header row")]
    return (header, rows), []


def _columns(line: str, count: int) -> list[int]:
    """1-based column where each of the ``count`` cells of a record starts in ``line``."""
    cols, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            cols.append(i + 2)
    return (cols + [1] * count)[:count]


def generated_alt(chart: Chart) -> str:
    """What the chart shows, with its values: "Bar chart: 2.78 in 2020, ..., 3.65 in 2025".
    A title, unit, category or series name in a right-to-left script is isolated
    (U+2068 ... U+2069), so that the English sentence around it keeps its order: without
    it, "38 in" and the colon were pulled into a Hebrew label when the text was shown."""
    head = TYPES[chart.type]
    if chart.title:
        head += f" of {_isolated(chart.title.rstrip('.'))}"
    if chart.unit:
        head += f" ({_isolated(chart.unit)})"
    categories = [_isolated(c) for c in chart.categories]
    if len(chart.series) == 1:
        s = chart.series[0]
        return head + ": " + _join([f"{t} in {c}" for t, c in zip(s.texts, categories,
                                                                   strict=True)]) + "."
    parts = []
    for s in chart.series:
        parts.append(f"{_isolated(s.name)}: " + _join([f"{t} in {c}" for t, c in
                                                       zip(s.texts, categories, strict=True)]))
    return head + ". " + "; ".join(parts) + "."


def _isolated(text: str) -> str:
    from ..files.bidi import has_rtl  # here: bidi.py loads HarfBuzz, which check needs not

    return f"\u2068{text}\u2069" if has_rtl(text) else text


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
