"""The chart engine benchmark: the Italy chart drawn by each candidate engine, in one run.

    python bench/charts.py [--repeat 30] [--out DIR]
    python bench/charts.py --engine own|matplotlib|vega --repeat 0   # import cost alone

Each engine draws the same bar chart (the Italy figure: six bars, one highlighted, the
brand colours and the brand sans) as SVG with its text as text:

- own: casestudy.render.draw, the small SVG writer over the brand (what the build uses);
- matplotlib: the Agg-free SVG backend with ``svg.fonttype: none`` (text kept as text);
- vega: a Vega-Lite spec rendered by vl-convert-python (Rust, no browser).

For each engine the script measures, in a fresh child process, the import cost
(the engine's own modules: casestudy's schema and brand, which every engine here
reads, are imported first), the first draw (fonts loaded, caches filled) and the
median time to draw one chart over --repeat further draws; all engines in the same run, so the
ratios compare. With --out it writes each engine's SVG there, to be looked at.
matplotlib and vl-convert-python are not dependencies of casestudy: install them in
the environment to measure them (an engine that is missing is reported as such).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CSV = REPO / "countries/italy/figures/leonardo-drs-revenue.csv"
TITLE = "Leonardo DRS annual revenue, 2020–2025"
UNIT = "Billions of current US dollars, as reported"
ENGINES = ("own", "matplotlib", "vega")


def _data() -> tuple[list[str], list[float]]:
    import csv

    with open(CSV, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["year"] for r in rows], [float(r["revenue_usd_billions"]) for r in rows]


def _import(engine: str):  # noqa: ANN202  # returns a draw function, engine-specific
    """Import what ``engine`` needs and return a function that draws the chart as SVG."""
    if engine == "own":
        from casestudy.brand.chart import chart_style
        from casestudy.brand.load import load_brand
        from casestudy.render.draw import draw_svg
        from casestudy.source.chart import load_chart, parse_settings

        brand = load_brand(REPO)  # this series' brand, as the build draws it
        style = chart_style(brand.colors, brand)
        section = REPO / "countries/italy/sections/05-ownership.md"
        lines = [("data: ../figures/leonardo-drs-revenue.csv", 1, 1), ("type: bar", 2, 1),
                 ("x: year", 3, 1), ("y: revenue_usd_billions", 4, 1), (f"title: {TITLE}", 5, 1),
                 (f"unit: {UNIT}", 6, 1), ("highlight: 2025", 7, 1)]

        def draw_own() -> str:  # reads and checks the CSV too, as a build does
            settings, _ = parse_settings(lines, section)
            chart, problems = load_chart(REPO / "countries/italy", section, settings, 1)
            assert chart is not None, problems
            return draw_svg(chart, style)

        return draw_own
    if engine == "matplotlib":
        import io

        import matplotlib

        matplotlib.use("svg")
        import matplotlib.pyplot as plt
        from matplotlib import font_manager

        from casestudy.brand.load import brand_fonts, default_brand
        from casestudy.source.schema import Colors

        for font in brand_fonts(default_brand()):
            font_manager.fontManager.addfont(str(font.path))
        colors = Colors()
        plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "casestudy",
                             "font.family": "Source Sans 3", "font.size": 9})

        def draw_matplotlib() -> str:
            years, values = _data()
            fig, ax = plt.subplots(figsize=(6.25, 3.33))
            bar_colors = [colors.accent if y == "2025" else colors.primary for y in years]
            ax.bar(years, values, color=bar_colors, width=0.7)
            for x, v in zip(years, values, strict=True):
                ax.text(x, v + 0.05, f"{v:.2f}", ha="center", va="bottom", fontweight="bold",
                        color=colors.primary)
            ax.set_title(TITLE, loc="left", fontweight="bold", color=colors.primary)
            ax.set_ylabel(UNIT, color=colors.muted)
            ax.grid(axis="y", color="#d7dade")
            ax.set_axisbelow(True)
            for side in ("top", "right", "left"):
                ax.spines[side].set_visible(False)
            out = io.StringIO()
            fig.savefig(out, format="svg", metadata={"Date": None})
            plt.close(fig)
            return out.getvalue()

        return draw_matplotlib
    if engine == "vega":
        import vl_convert as vlc

        from casestudy.brand.load import brand_fonts, default_brand
        from casestudy.source.schema import Colors

        for folder in sorted({str(f.path.parent) for f in brand_fonts(default_brand())}):
            vlc.register_font_directory(folder)
        colors = Colors()

        def draw_vega() -> str:
            years, values = _data()
            spec = {
                "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
                "width": 560, "height": 220,
                "title": {"text": TITLE, "subtitle": UNIT, "anchor": "start",
                          "color": colors.primary, "subtitleColor": colors.muted},
                "config": {"font": "Source Sans 3", "view": {"stroke": None}},
                "data": {"values": [{"year": y, "v": v} for y, v in
                                    zip(years, values, strict=True)]},
                "layer": [
                    {"mark": {"type": "bar", "width": {"band": 0.7}},
                     "encoding": {
                         "x": {"field": "year", "type": "ordinal", "title": None,
                               "axis": {"labelAngle": 0}},
                         "y": {"field": "v", "type": "quantitative", "title": None},
                         "color": {"condition": {"test": "datum.year == '2025'",
                                                 "value": colors.accent},
                                   "value": colors.primary}}},
                    {"mark": {"type": "text", "dy": -8, "fontWeight": "bold",
                              "color": colors.primary},
                     "encoding": {"x": {"field": "year", "type": "ordinal"},
                                  "y": {"field": "v", "type": "quantitative"},
                                  "text": {"field": "v", "format": ".2f"}}}],
            }
            return vlc.vegalite_to_svg(json.dumps(spec))

        return draw_vega
    raise SystemExit(f"unknown engine {engine!r}")


def child(engine: str, repeat: int, out: Path | None) -> dict[str, object]:
    """Run in a fresh process: import cost, then the median draw time."""
    import casestudy.brand.load
    import casestudy.source.schema  # noqa: F401  # shared by every engine here: not its cost

    casestudy.brand.load.brand_fonts(casestudy.brand.load.default_brand())
    started = time.perf_counter()
    try:
        draw = _import(engine)
    except ImportError as exc:
        return {"engine": engine, "missing": str(exc)}
    imported = time.perf_counter() - started
    result: dict[str, object] = {"engine": engine, "import_ms": imported * 1000}
    if repeat:
        t0 = time.perf_counter()
        svg = draw()  # the first draw: loading fonts and caches happens here
        result["first_ms"] = (time.perf_counter() - t0) * 1000
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            svg = draw()
            times.append(time.perf_counter() - t0)
        result.update(draw_ms=statistics.median(times) * 1000, svg_bytes=len(svg.encode()),
                      same_bytes=svg == draw())
        if out:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{engine}.svg").write_text(svg, encoding="utf-8")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=ENGINES)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.engine:
        print(json.dumps(child(args.engine, args.repeat, args.out)))
        return
    results = []
    for engine in ENGINES:
        cmd = [sys.executable, __file__, "--engine", engine, "--repeat", str(args.repeat)]
        if args.out:
            cmd += ["--out", str(args.out)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout))
    own = next(r for r in results if r["engine"] == "own")
    print(f"{'engine':<12}{'import ms':>10}{'1st draw':>10}{'draw ms':>10}{'x own':>8}"
          f"{'SVG bytes':>11}  same bytes")
    for r in results:
        if "missing" in r:
            print(f"{r['engine']:<12}  not installed ({r['missing']})")
            continue
        ratio = float(r["draw_ms"]) / float(own["draw_ms"])  # type: ignore[arg-type]
        print(f"{r['engine']:<12}{r['import_ms']:>10.1f}{r['first_ms']:>10.1f}"
              f"{r['draw_ms']:>10.2f}{ratio:>8.1f}"
              f"{r['svg_bytes']:>11}  {r['same_bytes']}")


if __name__ == "__main__":
    main()
