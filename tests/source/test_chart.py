"""Charts from data: each type drawn and read back, every located error, alt text, cache.

The SVG is parsed (ElementTree): bars and points must sit where the data put them,
colours must be the brand's, text must be text in the brand sans.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casestudy.brand.chart import chart_style
from casestudy.brand.load import brand_fonts, default_brand
from casestudy.check.study import check_study
from casestudy.render import draw
from casestudy.render.draw import data_table, draw_svg, drawn, nice_ticks
from casestudy.series.build import build_study
from casestudy.source.chart import (
    MAX_CSV_BYTES,
    MAX_ROWS,
    generated_alt,
    load_chart,
    parse_settings,
)
from casestudy.source.load import load_series, load_study
from conftest import REPO, slim_italy

NS = {"s": "http://www.w3.org/2000/svg"}
BRAND = {"primary": "#102030", "accent": "#c04010", "muted": "#607080", "tint": "#eef1f6"}
STYLE = chart_style(BRAND, default_brand())
SANS = next(f.family for f in brand_fonts(default_brand()) if "Sans" in f.family)
BUDGET = """year,army,navy,air_force
2021,"1,200",980,1100
2022,1250,1010,1150
2023,1310,1090,1220
"""
TOTALS = [1200 + 980 + 1100, 1250 + 1010 + 1150, 1310 + 1090 + 1220]


def study_with(tmp_path: Path, csv: str | bytes, name: str = "d.csv") -> tuple[Path, Path]:
    root = tmp_path / "study"
    (root / "figures").mkdir(parents=True, exist_ok=True)
    (root / "sections").mkdir(exist_ok=True)
    data = csv.encode("utf-8") if isinstance(csv, str) else csv
    (root / "figures" / name).write_bytes(data)
    return root, root / "sections" / "05-ownership.md"


def chart_of(tmp_path: Path, csv: str | bytes, **settings: str):
    root, section = study_with(tmp_path, csv)
    spec = {"data": "../figures/d.csv", **settings}
    lines = [(f"{k}: {v}", i + 10, 1) for i, (k, v) in enumerate(spec.items())]
    parsed, problems = parse_settings(lines, section)
    assert not problems
    return load_chart(root, section, parsed, 9)


def svg_of(tmp_path: Path, csv: str, **settings: str) -> ElementTree.Element:
    chart, problems = chart_of(tmp_path, csv, **settings)
    assert chart is not None, problems
    return ElementTree.fromstring(draw_svg(chart, STYLE, "c"))


def rects(svg: ElementTree.Element) -> list[dict[str, float | str]]:
    out = []
    for r in svg.iterfind(".//s:rect[@class='bar']", NS):
        out.append({k: float(r.get(k, 0)) for k in ("x", "y", "width", "height")}
                   | {"fill": r.get("fill", "")})
    return out


def texts(svg: ElementTree.Element, cls: str | None = None) -> list[str]:
    return [t.text or "" for t in svg.iterfind(".//s:text", NS)
            if cls is None or t.get("class") == cls]


def assert_proportional(sizes: list[float], values: list[float]) -> None:
    """Drawn sizes are the values times one scale (to the 0.1 px the writer rounds to)."""
    scale = sizes[0] / values[0]
    for size, value in zip(sizes, values, strict=True):
        assert size == pytest.approx(value * scale, abs=0.15)


def assert_accessible_text(svg: ElementTree.Element) -> None:
    assert svg.get("role") == "img"
    # every brand family, quoted (CSS needs it), headings face first, no generic family
    assert svg.get("font-family") == f"'{SANS}', 'Source Serif 4'"
    title, desc = svg.find("s:title", NS), svg.find("s:desc", NS)
    assert title is not None and title.text and desc is not None and desc.text
    assert svg.get("aria-labelledby") == "c-title c-desc"
    assert not svg.findall(".//s:path", NS)  # no outlined glyphs: text stays text


# ------------------------------------------------------------------ each chart type


def test_bar_heights_positions_colours_and_labels(tmp_path):
    svg = svg_of(tmp_path, BUDGET, type="bar", x="year", y="army", title="Army",
                 highlight="2022")
    bars = rects(svg)
    assert len(bars) == 3
    assert_proportional([b["height"] for b in bars], [1200, 1250, 1310])
    assert [b["x"] for b in bars] == sorted(b["x"] for b in bars)  # in the CSV's order
    bottoms = {round(b["y"] + b["height"], 1) for b in bars}
    assert len(bottoms) == 1  # every bar stands on the zero line
    assert [b["fill"] for b in bars] == [BRAND["primary"], BRAND["accent"], BRAND["primary"]]
    assert texts(svg, "category") == ["2021", "2022", "2023"]
    assert texts(svg, "value") == ["1,200", "1250", "1310"]  # as the author wrote them
    assert texts(svg, "title") == ["Army"]
    assert_accessible_text(svg)


def test_hbar_widths_and_order(tmp_path):
    csv = ("country,share\nItaly,22.5\nGermany,31\n\"Korea, Republic of\",12.25\n日本,8\n"
           "مصر,4.5\n")
    svg = svg_of(tmp_path, csv, type="hbar", x="country", y="share", highlight="Italy")
    bars = rects(svg)
    assert_proportional([b["width"] for b in bars], [22.5, 31, 12.25, 8, 4.5])
    assert [b["y"] for b in bars] == sorted(b["y"] for b in bars)
    assert len({b["x"] for b in bars}) == 1  # all start at zero
    assert [b["fill"] for b in bars] == [BRAND["accent"]] + [BRAND["primary"]] * 4
    assert texts(svg, "category") == ["Italy", "Germany", "Korea, Republic of", "日本", "مصر"]
    assert_accessible_text(svg)


def test_negative_bars_hang_below_zero(tmp_path):
    svg = svg_of(tmp_path, "y,v\na,3\nb,-1.5\n", type="bar", x="y", y="v")
    up, down = rects(svg)
    assert up["y"] + up["height"] == pytest.approx(down["y"], abs=0.1)  # zero line shared
    assert up["height"] == pytest.approx(2 * down["height"], abs=0.15)


def test_grouped_bar_uses_the_brand_palette_per_series(tmp_path):
    svg = svg_of(tmp_path, BUDGET, type="grouped-bar", x="year", y="army, navy, air_force",
                 legend="Army, Navy, Air Force")
    bars = rects(svg)
    assert len(bars) == 9
    assert [b["fill"] for b in bars[:3]] == list(STYLE.palette[:3])
    assert STYLE.palette[:3] == (BRAND["primary"], BRAND["accent"], BRAND["muted"])
    assert_proportional([b["height"] for b in bars],
                        [1200, 980, 1100, 1250, 1010, 1150, 1310, 1090, 1220])
    assert texts(svg, "legend") == ["Army", "Navy", "Air Force"]
    assert bars[0]["x"] < bars[1]["x"] < bars[2]["x"] < bars[3]["x"]


def test_stacked_bar_segments_touch_and_totals_scale(tmp_path):
    svg = svg_of(tmp_path, BUDGET, type="stacked-bar", x="year", y="army, navy, air_force")
    bars = rects(svg)
    for i in range(3):
        army, navy, air = bars[3 * i: 3 * i + 3]
        assert navy["y"] + navy["height"] == pytest.approx(army["y"], abs=0.15)
        assert air["y"] + air["height"] == pytest.approx(navy["y"], abs=0.15)
    assert_proportional([sum(b["height"] for b in bars[3 * i: 3 * i + 3]) for i in range(3)],
                        TOTALS)
    assert texts(svg, "legend") == ["army", "navy", "air_force"]  # no legend: column names


def _points(el: ElementTree.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in el.get("points", "").split()]  # type: ignore[misc]


def _assert_linear(ys: list[float], values: list[float]) -> None:
    """y = a - b * value for one a and b (SVG's y grows downwards)."""
    b = (ys[0] - ys[-1]) / (values[-1] - values[0])
    a = ys[0] + b * values[0]
    for y, v in zip(ys, values, strict=True):
        assert y == pytest.approx(a - b * v, abs=0.15)


def test_line_points_follow_the_data(tmp_path):
    svg = svg_of(tmp_path, BUDGET, type="line", x="year", y="army, navy")
    lines = svg.findall(".//s:polyline[@class='line']", NS)
    assert [ln.get("stroke") for ln in lines] == list(STYLE.palette[:2])
    army, navy = (_points(ln) for ln in lines)
    _assert_linear([y for _, y in army + navy], [1200, 1250, 1310, 980, 1010, 1090])
    assert [x for x, _ in army] == [x for x, _ in navy]
    assert len(svg.findall(".//s:circle[@class='point']", NS)) == 6
    svg = svg_of(tmp_path, BUDGET, type="line", x="year", y="navy", highlight="2022")
    fills = [c.get("fill") for c in svg.findall(".//s:circle[@class='point']", NS)]
    assert fills == [BRAND["primary"], BRAND["accent"], BRAND["primary"]]
    assert texts(svg, "value") == ["1010", "1090"]  # the highlight and the last value


def test_area_stacks_its_series(tmp_path):
    svg = svg_of(tmp_path, BUDGET, type="area", x="year", y="army, navy, air_force")
    polygons = svg.findall(".//s:polygon[@class='area']", NS)
    assert [p.get("fill") for p in polygons] == list(STYLE.palette[:3])
    tops = [[y for _, y in _points(p)[:3]] for p in polygons]  # the upper edge, left to right
    _assert_linear(tops[0] + tops[2], [1200, 1250, 1310, *TOTALS])


def test_colours_follow_the_brand(tmp_path):
    chart, _ = chart_of(tmp_path, BUDGET, type="bar", x="year", y="army")
    assert chart is not None
    default = draw_svg(chart, chart_style(default_brand().colors, default_brand()))
    rebranded = draw_svg(chart, STYLE)
    assert default_brand().colors["primary"] in default and BRAND["primary"] not in default
    assert BRAND["primary"] in rebranded and default_brand().colors["primary"] not in rebranded
    colours = set(re.findall(r'(?:fill|stroke)="(#[0-9a-f]{6})"', rebranded))
    assert colours <= {STYLE.ink, STYLE.muted, STYLE.grid, STYLE.baseline, STYLE.accent,
                       *STYLE.palette}


def test_same_inputs_same_bytes(tmp_path):
    chart, _ = chart_of(tmp_path, BUDGET, type="stacked-bar", x="year", y="army, navy")
    assert chart is not None
    assert draw_svg(chart, STYLE, "x") == draw_svg(chart, STYLE, "x")


def test_nice_ticks_and_their_labels():
    from casestudy.render.draw import _tick_label

    assert nice_ticks(0, 3.65) == [0, 1, 2, 3, 4]
    assert nice_ticks(0, 3620) == [0, 1000, 2000, 3000, 4000]
    assert nice_ticks(-4, 31) == [-10, 0, 10, 20, 30, 40]

    def labels(lo: float, hi: float) -> list[str]:
        ticks = nice_ticks(lo, hi)
        return [_tick_label(t, ticks[1] - ticks[0]) for t in ticks]

    assert labels(0, 1.1) == ["0.00", "0.25", "0.50", "0.75", "1.00", "1.25"]
    assert labels(0, 12.5) == ["0.0", "2.5", "5.0", "7.5", "10.0", "12.5"]
    assert labels(-3, 0) == ["\u22123", "\u22122", "\u22121", "0"]
    assert labels(0, 1e-6)[-1] == "0.0000010" and labels(0, 1e15)[-1] == "1,000,000,000,000,000"


# ------------------------------------------------------------------ alt text and table


def test_generated_alt_text_lists_the_values():
    study = load_study(REPO / "countries" / "italy")
    section = next(s for s in study.sections if s.spec.id == "ownership")
    assert section.parsed is not None
    block = next(b for b in section.parsed.blocks if b.kind == "chart")
    settings, _ = parse_settings(block.settings, section.path)
    chart, problems = load_chart(study.root, section.path, settings, block.line)
    assert chart is not None and not problems
    assert generated_alt(chart) == (
        "Bar chart of Leonardo DRS annual revenue, 2020–2025 (Billions of current US dollars, "
        "as reported): 2.78 in 2020, 2.88 in 2021, 2.69 in 2022, 2.83 in 2023, 3.23 in 2024 "
        "and 3.65 in 2025.")
    assert chart.alt_text == generated_alt(chart)
    svg = ElementTree.fromstring(draw_svg(chart, STYLE, "c"))
    assert svg.find("s:desc", NS).text == generated_alt(chart)  # type: ignore[union-attr]


def test_alt_text_of_several_series_and_an_authors_alt(tmp_path):
    chart, _ = chart_of(tmp_path, BUDGET, type="line", x="year", y="army, navy",
                        legend="Army, Navy")
    assert chart is not None
    assert chart.alt_text == ("Line chart. Army: 1,200 in 2021, 1250 in 2022 and 1310 in 2023; "
                              "Navy: 980 in 2021, 1010 in 2022 and 1090 in 2023.")
    chart, _ = chart_of(tmp_path, BUDGET, type="bar", x="year", y="army", alt="Rising.")
    assert chart is not None and chart.alt_text == "Rising."


def test_data_table_escapes_cells_and_executes_nothing(tmp_path):
    csv = 'who,v\n"=HYPERLINK(""http://x"",""y"")",1\n<script>,2\n@SUM(A1),3\n'
    chart, problems = chart_of(tmp_path, csv, type="bar", x="who", y="v")
    assert chart is not None, problems
    table = data_table(chart)
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert '=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)' in table
    svg = draw_svg(chart, STYLE)
    assert "<script" not in svg
    assert texts(ElementTree.fromstring(svg), "category")[2] == "@SUM(A1)"


# ------------------------------------------------------------------ the data file


def test_bom_crlf_and_quoted_fields(tmp_path):
    csv = b'\xef\xbb\xbfname,"value"\r\n"Korea, Republic of","1,234.5"\r\n"Say ""hi""",2\r\n'
    chart, problems = chart_of(tmp_path, csv, type="hbar", x="name", y="value")
    assert chart is not None, problems
    assert chart.categories == ["Korea, Republic of", 'Say "hi"']
    assert chart.series[0].values == [1234.5, 2.0]


def _errors(tmp_path: Path, csv: str | bytes, **settings: str) -> list[str]:
    spec = {"type": "bar", "x": "year", "y": "v", **settings}
    chart, problems = chart_of(tmp_path, csv, **spec)
    assert chart is None or not any(p.is_error for p in problems)
    base = str(tmp_path / "study") + "/"
    return [str(p).replace(base, "") for p in problems]


@pytest.mark.parametrize("csv, expected", [
    ("year,v\n2020,1\n2021,n/a\n",
     "figures/d.csv:3:6: error: 'n/a' in column 'v' is not a number"),
    ('year,note,v\n2020,"a, b",1\n2021,"c",2.5.1\n',
     "figures/d.csv:3:10: error: '2.5.1' in column 'v' is not a number"),
    ("year,v\n2020,nan\n", "figures/d.csv:2:6: error: 'nan' in column 'v' is not a number"),
    ("year,v\n2020,2e15\n", "figures/d.csv:2:6: error: '2e15' is too large to chart; use a "
                           "unit such as millions or thousandths"),
    ("year,v\n2020,1e-7\n", "figures/d.csv:2:6: error: '1e-7' is too small to chart; use a "
                           "unit such as millions or thousandths"),
    ("year,v\n2020,=1+1\n", "figures/d.csv:2:6: error: '=1+1' in column 'v' is not a number"),
    ("year,v\n2020,\n", "figures/d.csv:2:6: error: empty cell in column 'v'; every value is "
                        "needed (0, or leave the row out)"),
    ("year,v\n", "figures/d.csv:1:1: error: no data rows below the header: the chart would "
                 "be empty"),
    ("", "figures/d.csv:1:1: error: empty: no header row"),
    ("year,v\n2020,1,3\n", "figures/d.csv:2:1: error: 3 cells; the header has 2"),
    ("year,v,v\n2020,1,3\n", "figures/d.csv:1:1: error: column 'v' appears twice in the header"),
    ('year,v\n2020,"1\n', "figures/d.csv:2:1: error: not valid CSV: unexpected end of data"),
    ("year,v\n2020,1\x00\n", "figures/d.csv:2:1: error: control character U+0000 in a cell"),
    ("year,v\n20\x1b[2J,1\n", "figures/d.csv:2:1: error: control character U+001B in a cell"),
    ("year,v\nEgypt\u202e,1\n", "figures/d.csv:2:1: error: bidi override U+202E in a cell"),
    ("year,v\n20\x9b2J,1\n", "figures/d.csv:2:1: error: control character U+009B in a cell"),
    (b"year,v\n2020,1\ncaf\xe9,2\n",
     "figures/d.csv:3:4: error: not UTF-8 text; save the file as UTF-8 CSV"),
])
def test_located_data_errors(tmp_path, csv, expected):
    assert _errors(tmp_path, csv) == [expected]


def test_multiline_quoted_cell_locates_the_record_start(tmp_path):
    csv = 'year,note,v\n2020,"two\nlines",x\n'
    assert _errors(tmp_path, csv) == [
        "figures/d.csv:2:1: error: 'x' in column 'v' is not a number"]


def test_stacked_charts_refuse_negative_values(tmp_path):
    assert _errors(tmp_path, "year,v\n2020,-1\n", type="stacked-bar") == [
        "figures/d.csv:2:6: error: '-1': a stacked-bar chart stacks values and cannot show "
        "negative ones"]


def test_huge_files_and_rows_are_capped(tmp_path):
    big = "year,v\n" + "2020,1\n" * (MAX_CSV_BYTES // 7 + 1)
    assert _errors(tmp_path, big) == [
        "figures/d.csv:1:1: error: larger than 1000 kB; a chart's data file holds the values "
        "it shows"]
    many = "year,v\n" + "".join(f"{i},1\n" for i in range(MAX_ROWS + 1))
    assert _errors(tmp_path, many) == [
        f"figures/d.csv:{MAX_ROWS + 2}:1: error: more than {MAX_ROWS} rows; a chart cannot "
        "show them legibly"]
    wide = "year,v\n2020," + "1" * 600 + "\n"
    assert _errors(tmp_path, wide) == ["figures/d.csv:2:1: error: a cell longer than 500 "
                                       "characters"]


# ------------------------------------------------------------------ the spec


def test_spec_errors_are_located_at_the_setting(tmp_path):
    csv = "year,revenue\n2020,1\n"
    assert _errors(tmp_path, csv, y="revenu") == [
        "sections/05-ownership.md:13:4: error: column 'revenu' is not in ../figures/d.csv; "
        "did you mean 'revenue'? (columns: year, revenue)"]
    assert _errors(tmp_path, csv, y="revenue", type="barr") == [
        "sections/05-ownership.md:11:7: error: unknown chart type 'barr'; did you mean 'bar'? "
        "(types: bar, hbar, grouped-bar, stacked-bar, line, area)"]
    assert _errors(tmp_path, csv, y="revenue", highlight="2021") == [
        "sections/05-ownership.md:14:12: error: highlight '2021' is not a value of column "
        "'year'; did you mean '2020'?"]
    assert _errors(tmp_path, csv, y="revenue", type="grouped-bar", highlight="2020") == [
        "sections/05-ownership.md:14:12: error: highlight works on bar, hbar and line charts "
        "of one series (the accent colour is also a series colour)"]
    assert _errors(tmp_path, csv, y="revenue, year", type="bar") == [
        "sections/05-ownership.md:13:4: error: a bar chart shows one y column; use grouped-bar, "
        "stacked-bar, line or area for several"]


def test_more_series_than_the_palette_is_a_warning(tmp_path):
    header = ",".join(f"s{i}" for i in range(7))
    csv = f"year,{header}\n2020,{','.join('1' * 7)}\n"
    assert _errors(tmp_path, csv, type="line", y=header.replace(",", ", ")) == [
        "sections/05-ownership.md:13:4: warning: 7 series, more than the 6 colours the brand "
        "palette tells apart"]


@pytest.mark.parametrize("data, message", [
    ("../figures/missing.csv", "data file '../figures/missing.csv' not found (paths are "
                               "relative to the section file: ../figures/data.csv)"),
    ("../../outside.csv", "data path '../../outside.csv' leads outside the study folder"),
    ("/etc/passwd", "data path '/etc/passwd' is absolute; write it relative to the section "
                    "file"),
    ("https://example.org/d.csv", "data 'https://example.org/d.csv' is not a file in the "
                                  "study: put the CSV in figures/ and write its path, e.g. "
                                  "../figures/data.csv"),
    ("../figures/d.txt", "data '../figures/d.txt' is not a .csv file"),
])
def test_data_paths_are_fenced_like_images(tmp_path, data, message):
    (tmp_path / "outside.csv").write_text("year,v\n2020,1\n")
    root, section = study_with(tmp_path, "year,v\n2020,1\n")
    (root / "figures" / "d.txt").write_text("year,v\n2020,1\n")
    settings, _ = parse_settings([(f"data: {data}", 3, 1), ("type: bar", 4, 1),
                                  ("x: year", 5, 1), ("y: v", 6, 1)], section)
    chart, problems = load_chart(root, section, settings, 2)
    assert chart is None
    assert [(p.line, p.col, p.message) for p in problems] == [(3, 7, message)]


def test_study_root_form_is_accepted(tmp_path):
    root, section = study_with(tmp_path, "year,v\n2020,1\n")
    settings, _ = parse_settings([("data: figures/d.csv", 3, 1), ("type: bar", 4, 1),
                                  ("x: year", 5, 1), ("y: v", 6, 1)], section)
    chart, problems = load_chart(root, section, settings, 2)
    assert chart is not None and not problems


def test_settings_errors(tmp_path):
    _, section = study_with(tmp_path, "")
    lines = [("data: ../figures/d.csv", 2, 1), ("colour: red", 3, 1), ("just words", 4, 1),
             ("type: bar", 5, 1), ("Type: line", 6, 1), ("Caption: x", 7, 1),
             ("hightlight: 2020", 8, 1)]
    _, problems = parse_settings(lines, section)
    assert [(p.line, p.message) for p in problems] == [
        (3, "unknown chart setting 'colour'"),
        (4, "not a chart setting: 'just words'; write 'key: value' (data, type, x, y, title, "
            "unit, highlight, legend, note, alt)"),
        (6, "chart setting 'type' is given twice"),
        (7, "'Caption:' must be a paragraph of its own: leave a blank line before it"),
        (8, "unknown chart setting 'hightlight'; did you mean 'highlight'?"),
    ]


# ------------------------------------------------------------------ in a study


CHART = """::: chart
data: ../figures/leonardo-drs-revenue.csv
type: {type}
x: year
y: {y}
title: Leonardo DRS annual revenue

Caption: Revenue.

Source: Filings.
:::
"""


@pytest.fixture
def italy(tmp_path) -> Path:
    """Italy with its chart (section 5) and its conclusion; the other sections cut."""
    repo = tmp_path / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    return slim_italy(repo / "countries" / "italy", keep=("05", "08"))


def _set_chart(study: Path, **values: str) -> Path:
    path = study / "sections" / "05-ownership.md"
    text = path.read_text()
    start = text.index("::: chart")
    end = text.index(":::\n", start + 5) + 4
    path.write_text(text[:start] + CHART.format(**values) + text[end:])
    return path


def test_check_reports_chart_problems_at_their_lines(italy):
    path = _set_chart(italy, type="lines", y="revenue")
    line = path.read_text().splitlines().index("type: lines") + 1
    problems = [str(p) for p in check_study(load_study(italy), brand=default_brand()) if p.is_error]
    assert problems == [f"{path}:{line}:7: error: unknown chart type 'lines'; did you mean "
                        "'line'? (types: bar, hbar, grouped-bar, stacked-bar, line, area)"]
    _set_chart(italy, type="bar", y="revenue")
    problems = [p.message for p in check_study(load_study(italy), brand=default_brand())
                if p.is_error]
    assert problems == ["column 'revenue' is not in ../figures/leonardo-drs-revenue.csv; did "
                        "you mean 'revenue_usd_billions'? (columns: year, "
                        "revenue_usd_billions, source, note)"]
    csv = italy / "figures" / "leonardo-drs-revenue.csv"
    csv.write_text(csv.read_text().replace("2022,2.69", "2022,2.69bn"))
    _set_chart(italy, type="bar", y="revenue_usd_billions")
    problems = [str(p) for p in check_study(load_study(italy), brand=default_brand()) if p.is_error]
    assert problems == [f"{csv}:4:6: error: '2.69bn' in column 'revenue_usd_billions' is not a "
                        "number"]


def test_chart_words_are_not_body_words(italy):
    before = load_study(italy).sections[4].parsed.words  # type: ignore[union-attr]
    path = italy / "sections" / "05-ownership.md"
    path.write_text(path.read_text().replace("title: Leonardo DRS annual revenue, 2020–2025",
                                             "title: many more words in the title now"))
    assert load_study(italy).sections[4].parsed.words == before  # type: ignore[union-attr]


def test_web_edition_inlines_the_chart_with_a_data_table(italy):
    out = italy.parent.parent / "build"
    build_study(italy, out, ("html",), load_series(italy.parent.parent))
    html = (out / "italy" / "index.html").read_text()
    figure = html[html.index('<figure id="figure-1">'):]
    figure = figure[:figure.index("</details>")]
    assert figure.count("<svg ") == 1 and "data:image" not in html
    assert '<title id="figure-1-title">Leonardo DRS annual revenue, 2020–2025</title>' in figure
    assert "<summary>The data</summary>" in figure
    assert '<th scope="col">Billions of current US dollars, as reported</th>' in figure
    assert "<tr><th scope=\"row\">2025</th><td>3.65</td></tr>" in figure
    assert not (out / "italy" / "figures" / "leonardo-drs-revenue.svg").exists()


def test_cache_no_redraw_on_a_no_op_and_a_redraw_on_a_csv_edit(italy, monkeypatch):
    calls: list[str] = []
    real_draw = draw.draw_svg

    def counting(chart, style, ident="chart"):
        calls.append(chart.title)
        return real_draw(chart, style, ident)

    monkeypatch.setattr(draw, "draw_svg", counting)
    series = load_series(italy.parent.parent)
    out = italy.parent.parent / "build"
    build_study(italy, out, ("html",), series)
    assert len(calls) == 1
    cached = list((out / ".casestudy" / "charts").glob("*.svg"))
    assert len(cached) == 1
    first = cached[0].read_bytes()
    # prose edited, chart untouched: the brief is rebuilt, the chart is not redrawn
    prose = italy / "sections" / "08-conclusion.md"
    prose.write_text(prose.read_text() + "\nOne more sentence.\n")
    build_study(italy, out, ("html",), series, force=True)
    assert len(calls) == 1
    # the CSV edited: drawn again, into a new file, from the new data
    csv = italy / "figures" / "leonardo-drs-revenue.csv"
    csv.write_text(csv.read_text().replace("3.65", "3.75"))
    build_study(italy, out, ("html",), series)
    assert len(calls) == 2
    svgs = sorted((out / ".casestudy" / "charts").glob("*.svg"))
    assert len(svgs) == 2 and b"3.75" in max(svgs, key=lambda p: p.stat().st_mtime).read_bytes()
    assert first == cached[0].read_bytes()


def test_cache_key_covers_spec_brand_and_code(tmp_path, monkeypatch):
    chart, _ = chart_of(tmp_path, BUDGET, type="bar", x="year", y="army")
    assert chart is not None
    key = draw.chart_digest(chart, STYLE, "c")
    default = chart_style(default_brand().colors, default_brand())
    assert draw.chart_digest(chart, default, "c") != key
    chart.spec["title"] = "Another"
    assert draw.chart_digest(chart, STYLE, "c") != key
    chart.spec.pop("title")
    assert draw.chart_digest(chart, STYLE, "c") == key
    monkeypatch.setattr(draw, "code_digest", lambda: b"other code")
    assert draw.chart_digest(chart, STYLE, "c") != key
    assert drawn(chart, STYLE, "c", tmp_path / "cache") == drawn(chart, STYLE, "c", None)


# ------------------------------------------------------------------ the template's example


def test_the_stubs_commented_example_is_hidden_and_works_uncommented(series_repo):
    from casestudy.scaffold.new import new_study
    from casestudy.source.body import render_body
    from casestudy.source.parse import parse_section
    from casestudy.source.renderer import RenderContext

    root = new_study(series_repo, "Japan", adjective="Japanese", authors=["A"])
    path = root / "sections" / "03-relationship.md"
    text = path.read_text()
    assert "::: chart" in text
    parsed = parse_section(text)
    assert not parsed.raw_html and not [b for b in parsed.blocks if b.kind == "chart"]
    html = render_body(parsed, RenderContext(image_url=str), "s")
    assert "trade.csv" not in html and "<!--" not in html  # a comment is never printed
    # uncommented, with its CSV in place, the example checks clean
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("<!--"))
    end = lines.index("-->")
    path.write_text("\n".join(lines[:start] + lines[start + 2:end] + lines[end + 1:]) + "\n")
    (root / "figures").mkdir(exist_ok=True)
    (root / "figures" / "trade.csv").write_text(
        "year,us_exports,us_imports\n2015,120,80\n2020,150,95\n2025,210,130\n")
    problems = [p for p in check_study(load_study(root), brand=default_brand())
                if "chart" in p.message or p.path.endswith(".csv") or p.is_error]
    assert problems == []
    assert series_report_charts(series_repo) == {"japan": 1}


def series_report_charts(repo: Path) -> dict[str, int]:
    from casestudy.series.report import series_report

    return {row.slug: row.charts for row in series_report(repo).rows}


def test_html_comments_are_notes_and_other_html_is_still_raw():
    from casestudy.source.body import render_body
    from casestudy.source.parse import parse_section
    from casestudy.source.renderer import RenderContext

    parsed = parse_section("# H\n\nText <!-- inline note --> here.\n\n<!-- a\n\nblock -->\n\n"
                           "<!-- x --> <b>bold</b>\n")
    assert [r.line for r in parsed.raw_html] == [9]
    html = render_body(parsed, RenderContext(image_url=str), "s")
    assert "note" not in html and "block" not in html and "&lt;b&gt;" in html


def test_charts_are_numbered_with_the_figures():
    from casestudy.source.body import render_body
    from casestudy.source.parse import parse_section
    from casestudy.source.renderer import RenderContext

    text = ("# H\n\n::: figure\n![Alt](figures/a.svg)\n\nCaption: An image.\n:::\n\n"
            "::: chart\ndata: ../figures/d.csv\ntype: bar\nx: a\ny: b\n\nCaption: A chart.\n"
            ":::\n\n::: table\nCaption: A table.\n\n| a |\n|---|\n| 1 |\n:::\n")
    seen: list[tuple[list[tuple[str, int, int]], int, int]] = []

    def chart(settings, line, number):
        seen.append((settings, line, number))
        return "<svg></svg>", "<details></details>"

    ctx = RenderContext(image_url=str, chart=chart)
    html = render_body(parse_section(text), ctx, "s")
    assert seen == [([("data: ../figures/d.csv", 10, 1), ("type: bar", 11, 1), ("x: a", 12, 1),
                      ("y: b", 13, 1)], 9, 2)]
    assert '<figure id="figure-2"><svg></svg><figcaption><span class="label">Figure 2.</span>' \
           " A chart.</figcaption></figure><details></details>" in html
    assert "Table 1." in html and ctx.figures == 2


# ------------------------------------------------------------------ any input



_CELLS = st.one_of(st.sampled_from(["0", "-1.5", "1,234", "2e3", "", "nan", "=1+1", '"q"',
                                    "日本", "a,b", "\u202e", "1e308", "-0", "1e-300",
                                    "999999999999999"]),
                   st.text(max_size=8))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELLS, min_size=1, max_size=4), max_size=8),
       kind=st.sampled_from(["bar", "hbar", "grouped-bar", "stacked-bar", "line", "area"]),
       ys=st.sampled_from(["b", "b, c", "c, d, b"]), crlf=st.booleans())
def test_any_csv_gives_a_chart_or_located_problems(tmp_path, rows, kind, ys, crlf):
    import csv as csvmod
    import io

    buffer = io.StringIO()
    writer = csvmod.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["a", "b", "c", "d"])
    writer.writerows(rows)
    chart, problems = chart_of(tmp_path, buffer.getvalue(), type=kind, x="a", y=ys)
    for p in problems:
        assert p.line >= 1 and p.col >= 1 and p.message
    if chart is None:
        assert any(p.is_error for p in problems)
        return
    svg = ElementTree.fromstring(draw_svg(chart, STYLE, "c"))  # well-formed, always
    assert svg.find("s:desc", NS) is not None
    assert data_table(chart).count("<tr>") == len(chart.categories) + 1


def test_long_category_labels_wrap_and_many_years_thin_out(tmp_path):
    csv = ('name,v\n"Ministry of Defence procurement agency, a very long name indeed",12\n'
           "Leonardo DRS,3\nFincantieri,2\nAvio,1\nIveco Defence Vehicles,1\n")
    svg = svg_of(tmp_path, csv, type="bar", x="name", y="v")
    first = next(t for t in svg.iterfind(".//s:text", NS) if t.get("class") == "category")
    lines = [span.text or "" for span in first.iterfind("s:tspan", NS)]
    assert len(lines) == 2 and lines[0].startswith("Ministry") and lines[1].endswith("…")
    assert first.find("s:tspan", NS).get("x") == first.get("x")  # type: ignore[union-attr]
    tips = [t.text for t in svg.iterfind(".//s:rect/s:title", NS)]
    assert tips[0] == "Ministry of Defence procurement agency, a very long name indeed: 12"
    years = "year,v\n" + "".join(f"{1990 + i},{i}\n" for i in range(36))
    svg = svg_of(tmp_path, years, type="bar", x="year", y="v")
    shown = texts(svg, "category")
    assert len(rects(svg)) == 36 and 6 <= len(shown) < 36 and shown[0] == "1990"


def test_kept_charts_unused_for_a_month_are_removed(tmp_path):
    import os
    import time

    chart, _ = chart_of(tmp_path, BUDGET, type="bar", x="year", y="army")
    assert chart is not None
    cache = tmp_path / "cache"
    cache.mkdir()
    month_ago = time.time() - (draw.KEEP_DAYS + 1) * 86400
    stale, recent = cache / "stale.svg", cache / "recent.svg"
    for path in (stale, recent):
        path.write_text("<svg/>")
    os.utime(stale, (month_ago, month_ago))
    drawn(chart, STYLE, "c", cache)  # drawn anew: the stale chart goes, the recent stays
    kept = cache / f"{draw.chart_digest(chart, STYLE, 'c')}.svg"
    assert sorted(p.name for p in cache.iterdir()) == sorted([kept.name, "recent.svg"])
    os.utime(kept, (month_ago, month_ago))
    drawn(chart, STYLE, "c", cache)  # used again: touched, so it is kept
    assert kept.stat().st_mtime > month_ago + 86400


@pytest.mark.parametrize("kind", ["bar", "hbar", "grouped-bar", "stacked-bar", "line", "area"])
def test_drawn_charts_pass_the_svg_sanitizer_untouched(tmp_path, kind):
    """The PDF and the web edition get every SVG through svg.sanitize; a chart loses
    nothing there (no finding, the same elements and text)."""
    from casestudy.files.svg import sanitize

    ys = "army" if kind in ("bar", "hbar") else "army, navy"
    chart, _ = chart_of(tmp_path, BUDGET, type=kind, x="year", y=ys, title="Tí­tulo 日本",
                        note="Note: <b>not</b> markup & more")
    assert chart is not None
    svg = draw_svg(chart, STYLE, "c")
    clean = sanitize(svg.encode())
    assert clean.findings == [] and clean.data is not None
    before, after = ElementTree.fromstring(svg), ElementTree.fromstring(clean.data)
    assert [(e.tag, e.text, sorted(e.attrib.items())) for e in before.iter()] == \
           [(e.tag, e.text, sorted(e.attrib.items())) for e in after.iter()]


def test_a_shipped_link_in_the_chart_cache_is_never_followed(italy, tmp_path):
    """A repository could ship build/.casestudy/charts, or a kept chart, as a link: the
    build refuses either with a located error, reading and writing nothing through it."""
    from casestudy.errors import CasestudyError

    series = load_series(italy.parent.parent)
    out = italy.parent.parent / "build"
    outside = tmp_path / "outside"
    outside.mkdir()
    (out / ".casestudy").mkdir(parents=True)
    (out / ".casestudy" / "charts").symlink_to(outside)
    with pytest.raises(CasestudyError, match="is a symbolic link"):
        build_study(italy, out, ("html",), series)
    assert list(outside.iterdir()) == []
    (out / ".casestudy" / "charts").unlink()
    build_study(italy, out, ("html",), series)
    kept = next((out / ".casestudy" / "charts").glob("*.svg"))
    secret = outside / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>forged</text></svg>')
    kept.unlink()
    kept.symlink_to(secret)
    with pytest.raises(CasestudyError, match="is a symbolic link"):  # not read, not written
        build_study(italy, out, ("html",), series, force=True)
    assert "forged" not in (out / "italy" / "index.html").read_text()  # the old edition
    assert secret.read_text().endswith("forged</text></svg>")


def test_one_build_parses_each_csv_and_svg_figure_once(italy, monkeypatch):
    """Check, glyph coverage and both renders (print and web) share one reading of a
    chart's CSV (Study.charts) and one sanitizing of an SVG figure (fetch.svg_figure)."""
    from casestudy.files import fetch
    from casestudy.source import chart as chart_module

    shutil.copyfile(REPO / "tests/fixtures/minimal/figures/chart.svg",
                    italy / "figures" / "bars.svg")
    section = italy / "sections" / "06-supply-chain.md"
    section.write_text(section.read_text() + "\n::: figure\n![Two bars](../figures/bars.svg)"
                       "\n\nCaption: Two bars.\n\nSource: Invented.\n:::\n")
    svg = (italy / "figures" / "bars.svg").read_bytes()
    csvs: list[Path] = []
    svgs: list[bytes] = []
    read_csv, sanitize = chart_module.read_csv, fetch.sanitize

    def counting_csv(raw, path):
        csvs.append(path)
        return read_csv(raw, path)

    def counting_svg(data):
        svgs.append(data)
        return sanitize(data)

    monkeypatch.setattr(chart_module, "read_csv", counting_csv)
    monkeypatch.setattr(fetch, "sanitize", counting_svg)
    monkeypatch.setattr(fetch, "_judged", {})  # nothing judged before this build
    out = italy.parent.parent / "build"
    build_study(italy, out, ("pdf", "html"), load_series(italy.parent.parent))
    assert (out / "italy.pdf").is_file() and (out / "italy" / "figures" / "bars.svg").is_file()
    assert [p.name for p in csvs] == ["leonardo-drs-revenue.csv"]
    assert svgs.count(svg) == 1


def test_a_huge_header_costs_linear_work_and_short_messages(tmp_path):
    """A 130,000-column header (under the 1 MB cap) took minutes to check (a count per
    name); 3,000 unknown y names against 20,000 columns ran difflib over the header for
    each and repeated the header in each message (about 480 MB of messages)."""
    wide = ",".join(f"c{i}" for i in range(130_000))
    dup = wide + ",c7"
    assert len(dup) < 1_000_000
    assert _errors(tmp_path / "a", dup + "\n", x="c0", y="c1") == [
        "figures/d.csv:1:1: error: column 'c7' appears twice in the header"]
    header = ",".join(f"col{i}" for i in range(20_000))
    missing = ", ".join(f"nope{i}" for i in range(3_000))
    found = _errors(tmp_path / "b", header + "\n" + ",".join("1" * 20_000) + "\n",
                    x="col0", y=missing)
    missed = [m for m in found if " is not in ../figures/d.csv " in m]
    assert len(missed) == 3_000
    assert sum(len(m) for m in found) < 3_002 * 300  # each message short
    assert missed[0].endswith("is not in ../figures/d.csv (columns: col0, col1, col2, col3, "
                             "col4, col5, col6, col7, col8, col9, col10, col11, col12, col13, "
                             "col14, col15, col16, col17, col18, col19, ... (20000 in all))")
    # a small header still gets its guess
    near = _errors(tmp_path / "c", "year,value\n2020,1\n", x="year", y="valeu")
    assert "did you mean 'value'?" in near[0]
