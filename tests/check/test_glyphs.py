"""Glyph coverage (glyphs.py) and fallback fonts: every printed character has a brief font.

The kitchen-sink fixture prints Japanese and Arabic; its series declares two small
subsets of OFL Noto fonts as fallbacks (tests/fixtures/kitchen-sink/fonts/).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from casestudy.brand import fontmap
from casestudy.brand.load import brand_fonts, default_brand, load_brand
from casestudy.check import glyphs
from casestudy.check.study import check_paths, check_study
from casestudy.errors import ConfigError
from casestudy.files import fonts as fontfiles
from casestudy.render.cache import inputs_digest
from casestudy.source.labels import printed_text
from casestudy.source.load import load_series, load_study
from conftest import FIXTURES, cut_sections, invoke

KITCHEN = FIXTURES / "kitchen-sink"
STUDY = "countries/kitchen-sink"


@pytest.fixture
def sink(tmp_path: Path) -> Path:
    """A copy of the kitchen-sink series (series.yaml, fonts, the study)."""
    shutil.copytree(KITCHEN, tmp_path / "series", ignore=shutil.ignore_patterns("golden"))
    return tmp_path / "series"


def without_fallbacks(root: Path) -> None:
    text = (root / "series.yaml").read_text()
    (root / "series.yaml").write_text(text[: text.index("fallback_fonts:")])


def set_fallbacks(root: Path, block: str) -> None:
    without_fallbacks(root)
    with open(root / "series.yaml", "a") as handle:
        handle.write("fallback_fonts:\n" + block)


def errors_of(problems) -> list[str]:
    return [f"{Path(p.path).name}:{p.line}:{p.col}: {p.message}" for p in problems if p.is_error]


# ---------------------------------------------------------------- the check rule


def _checked(sink: Path) -> list:
    """The problems of the kitchen sink's study, in its series and the series' brand."""
    return check_study(load_study(sink / STUDY), load_series(sink), brand=load_brand(sink))


def test_japanese_without_a_fallback_font_is_a_located_error(sink):
    without_fallbacks(sink)
    result = invoke(sink, "check", "kitchen-sink")
    assert result.exit_code == 1
    # the page of other scripts (05-ownership.md, its chart's owners.csv) adds one per run
    errors = [line for line in result.output.splitlines() if ": error: " in line
              and "/05-ownership.md:" not in line and "/owners.csv:" not in line]
    assert errors == [
        f"{STUDY}/figures/chart.svg:3:90: error: U+53D7 受, U+6CE8 注 (Han) are in none of "
        "the fonts it names (Source Sans 3); add a fallback font for Han to the brand",
        f"{STUDY}/figures/chart.svg:9:57: error: U+8B77 護, U+885B 衛, U+8266 艦 (Han) are in "
        "none of the fonts it names (Source Sans 3); add a fallback font for Han to the brand",
        f"{STUDY}/sections/01-summary.md:3:38: error: U+4E09 三, U+83F1 菱, U+91CD 重 and 2 "
        "more (Han) are in no brief font; add a fallback font for Han to the brand",
        f"{STUDY}/sections/01-summary.md:4:53: error: U+9632 防, U+885B 衛, U+88C5 装 and 2 "
        "more (Han) are in no brief font; add a fallback font for Han to the brand",
        f"{STUDY}/sections/02-imperative.md:16:42: error: U+300C 「, U+65E5 日, U+7C73 米 and "
        "8 more (Common, Han, Hiragana) are in no brief font; add a fallback font for Han "
        "and Hiragana to the brand",
        f"{STUDY}/sections/02-imperative.md:18:58: error: U+0627 ا, U+0644 ل, U+0634 ش and "
        "9 more (Arabic) are in no brief font; add a fallback font for Arabic to the brand",
        f"{STUDY}/study.yaml:3:41: error: U+6771 東, U+4EAC 京 (Han) are in no brief font; "
        "add a fallback font for Han to the brand",
        f"{STUDY}/study.yaml:13:27: error: U+5C71 山, U+7530 田, U+82B1 花 and 1 more (Han) "
        "are in no brief font; add a fallback font for Han to the brand",
        f"{STUDY}/study.yaml:16:54: error: U+65E5 日, U+672C 本, U+8A9E 語 (Han) are in no "
        "brief font; add a fallback font for Han to the brand",
    ]
    # each position is where the run starts in the file, as an editor counts columns
    line = (sink / STUDY / "sections/01-summary.md").read_text().splitlines()[2]
    assert line[37:42] == "三菱重工業"


def test_with_the_fallback_fonts_declared_the_study_is_clean(sink):
    result = invoke(sink, "check", "kitchen-sink")
    assert ": error: " not in result.output, result.output
    assert result.exit_code == 0


def test_one_character_is_named_with_its_script(sink):
    without_fallbacks(sink)
    section = sink / STUDY / "sections/08-conclusion.md"
    section.write_text("# Conclusion\n\nThe word 三 alone; and a note.[^n]\n\n"
                       "[^n]: In the note: ש.\n")
    found = errors_of(_checked(sink))
    assert "08-conclusion.md:3:10: U+4E09 三 (Han) is in no brief font; add a fallback font " \
           "for Han to the brand" in found
    assert "08-conclusion.md:5:20: U+05E9 ש (Hebrew) is in no brief font; add a fallback " \
           "font for Hebrew to the brand" in found


def test_what_is_not_printed_is_not_judged_and_entities_are(sink):
    """Link targets, image paths and alt text, footnote labels: not on the page; an
    entity is, and is found on its line."""
    without_fallbacks(sink)
    section = sink / STUDY / "sections/08-conclusion.md"
    section.write_text("# Conclusion\n\nA [link](https://例え.jp/パス) and a note.[^注]\n\n"
                       "An entity: &#x4E09;.\n\nCode `三 and 三`.\n\n"
                       "[^注]: Plain note.\n")
    found = [e for e in errors_of(_checked(sink))
             if e.startswith("08-")]
    assert found == [
        "08-conclusion.md:5:1: U+4E09 三 (Han) is in no brief font; add a fallback font for "
        "Han to the brand",
        "08-conclusion.md:7:7: U+4E09 三 (Han) is in no brief font; add a fallback font for "
        "Han to the brand",
        "08-conclusion.md:7:13: U+4E09 三 (Han) is in no brief font; add a fallback font for "
        "Han to the brand"]


def test_a_run_is_one_message_and_a_long_file_is_summed_up(sink):
    without_fallbacks(sink)
    lines = "\n\n".join(f"第{i}章の本文、三菱重工業。" for i in range(30))
    (sink / STUDY / "sections/08-conclusion.md").write_text("# Conclusion\n\n" + lines + "\n")
    found = [e for e in errors_of(_checked(sink))
             if e.startswith("08-")]
    assert len(found) == glyphs.MAX_PER_FILE + 1
    assert found[0] == ("08-conclusion.md:1:1: 40 more places in this file hold characters "
                        "in no brief font (the first 20 are listed)")
    # a digit (a letter or number the brand has) ends a run; punctuation does not
    assert found[1].startswith("08-conclusion.md:3:1: U+7B2C 第 (Han) is in no brief font")
    assert found[2].startswith("08-conclusion.md:3:3: U+7AE0 章, U+306E の, U+672C 本 and 8 "
                               "more (Han, Hiragana, Common)")


def test_series_prose_is_judged_at_its_line(sink):
    text = (sink / "series.yaml").read_text().replace(
        'publisher: "Meridian Institute for Strategy and Security"',
        'publisher: "Meridian Institute ✦ Strategy"')
    (sink / "series.yaml").write_text(text)
    shutil.copytree(sink / STUDY, sink / "countries/second")
    message = ("series.yaml:4:32: error: U+2726 ✦ (Common) is in no brief font; add a "
               "fallback font that has them to the brand")
    result = invoke(sink, "check")
    assert result.exit_code == 1
    assert result.output.count(message) == 1  # every brief prints it; said once
    report = json.loads(invoke(sink, "series", "--format", "json").output)
    assert [(p["line"], p["col"], p["rule"]) for p in report["series_problems"]] == [
        (4, 32, "check"), (12, 1, "brand")]  # and fallback_fonts, which moved to _brand.yml
    assert not [p for row in report["studies"] for p in row["problems"]
                if p["path"] == "series.yaml"]
    # a line added above it moves the finding, though no setting changed: check's
    # remembered findings are keyed on series.yaml as written, not only on its values
    (sink / "series.yaml").write_text("# a comment\n" + text)
    again = invoke(sink, "check")
    assert again.output.count(message.replace("series.yaml:4:32", "series.yaml:5:32")) == 1
    assert "series.yaml:4:32" not in again.output


def test_controls_are_named_and_ignorables_need_no_glyph(sink):
    section = sink / STUDY / "sections/08-conclusion.md"
    section.write_text("# Conclusion\n\nJoiners\u200d and marks\u200e need no glyph; a bell "
                       "\x07 does not print.\n")
    found = [e for e in errors_of(_checked(sink))
             if e.startswith("08-")]
    assert found == ["08-conclusion.md:3:43: U+0007 is a control character, which cannot be "
                     "printed; remove it"]


@pytest.mark.parametrize("written", ["figures/chart.svg", "../figures/chart.svg"])
def test_svg_text_must_name_a_brief_font(sink, written):
    """Either way an author may write a figure's path: the rule missed every SVG written
    from the section's folder (../figures/x.svg, the form check recommends), whose text
    the PDF then drew in a machine font."""
    section = sink / STUDY / "sections/04-sectors.md"
    section.write_text(section.read_text().replace("](figures/chart.svg)", f"]({written})"))
    svg = sink / STUDY / "figures/chart.svg"
    text = svg.read_text()
    svg.write_text(text.replace(' font-family="Source Sans 3, Noto Sans JP"', "")
                   .replace('font-size="11"', 'font-size="11" font-family="Arial, sans-serif"'))
    found = [e for e in errors_of(_checked(sink))
             if e.startswith("chart.svg")]
    assert found[0] == ('chart.svg:3:71: SVG text names no font-family, so the PDF would draw '
                        'it in a font of this machine; add font-family="Source Sans 3" (or '
                        "another brief font)")
    assert found[-1] == ("chart.svg:10:86: SVG text asks for font-family 'Arial', not a brief "
                         "font, so the PDF would draw it in a font of this machine; use only "
                         "Heebo, NanumGothic, Noto Sans Arabic, Noto Sans JP, Source Sans 3, "
                         "Source Serif 4")
    assert len(found) == 5


def test_svg_style_rules_are_judged(sink):
    svg = sink / STUDY / "figures/chart.svg"
    text = svg.read_text().replace(' font-family="Source Sans 3, Noto Sans JP"', "")
    svg.write_text(text.replace("<rect", "<style>\n  text { font-family: Helvetica; }\n"
                                "</style><rect", 1))
    found = [e for e in errors_of(_checked(sink))
             if e.startswith("chart.svg")]
    assert found == ["chart.svg:3:10: SVG text asks for font-family 'Helvetica', not a brief "
                     "font, so the PDF would draw it in a font of this machine; use only Heebo, "
                     "NanumGothic, Noto Sans Arabic, Noto Sans JP, Source Sans 3, Source Serif 4"]


# ---------------------------------------------------------------- declaring fallbacks


@pytest.mark.parametrize(("block", "where", "message"), [
    ('  - family: "X"\n    file: fonts/missing.otf\n', "14:11",
     "fallback_fonts[0].file: font file 'fonts/missing.otf' not found in the series folder"),
    ('  - family: "X"\n    file: ../outside.otf\n', "14:11",
     "fallback_fonts[0].file: font file '../outside.otf' leads outside the series folder"),
    ('  - family: "X"\n    file: fonts/OFL-NotoSansCJK.txt\n', "14:11",
     "fallback_fonts[0].file: font file 'fonts/OFL-NotoSansCJK.txt' must be a .ttf or .otf "
     "file"),
    ('  - family: "X"\n    file: fonts/NotoSansCJKjp-subset.otf\n    scripts: [Kanji]\n',
     "15:14", "fallback_fonts[0].scripts: 'Kanji' is not a Unicode script name (Han, "
     "Hiragana, Arabic, ...)"),
    ('  - family: "X"\n    file: fonts/NotoSansCJKjp-subset.otf\n    unicode_range: "U+ZZ"\n',
     "15:20", "fallback_fonts[0].unicode_range: 'U+ZZ' is not a unicode-range such as "
     "U+3000-30FF"),
    ('  - family: "X"\n    file: NotoSansX.ttf\n    package: fontpkg-not-installed\n', "14:11",
     "fallback_fonts[0].file: font package 'fontpkg-not-installed' is not installed; pip "
     "install fontpkg-not-installed"),
])
def test_a_bad_fallback_declaration_is_located(sink, block, where, message):
    set_fallbacks(sink, block)
    if "not a font" in message:
        (sink / "fonts/fake.ttf").write_bytes(b"not a font")
    with pytest.raises(ConfigError) as caught:
        load_series(sink)
    assert f"series.yaml:{where}: error: {message}" in str(caught.value)
    result = invoke(sink, "check", "kitchen-sink")
    assert result.exit_code == 2 and message in result.output


def test_a_file_that_is_no_font_is_refused(sink):
    (sink / "fonts/fake.ttf").write_bytes(b"not a font at all")
    set_fallbacks(sink, '  - family: "X"\n    file: fonts/fake.ttf\n')
    with pytest.raises(ConfigError, match=r"series.yaml:14:11: error: fallback_fonts\[0\].file: "
                                          r"fake.ttf cannot be read as a font"):
        load_series(sink)


def test_series_yaml_fallback_fonts_are_used_with_a_warning_that_they_moved(sink):
    """The fixture keeps the series.yaml form (by scripts), which upgrade would move."""
    result = invoke(sink, "check")
    assert result.output.count(
        "series.yaml:12:1: warning: 'fallback_fonts' belongs in _brand.yml now: each font "
        "under typography.fonts with its unicode-range; `casestudy upgrade` moves them there "
        "(used as they are meanwhile)") == 1
    brand = load_brand(sink)
    assert [(f.family, f.scripts) for f in brand.fonts if f.fallback] == [
        ("Noto Sans JP", ("Han", "Hiragana", "Katakana")), ("Noto Sans Arabic", ("Arabic",)),
        ("Heebo", ("Hebrew",)), ("NanumGothic", ("Hangul",))]
    assert brand.base.families == ("Source Serif 4", "Noto Sans JP", "Noto Sans Arabic",
                                   "Heebo", "NanumGothic")
    without_fallbacks(sink)
    assert load_brand(sink).problems == ()


def test_a_fallback_from_an_installed_font_package(sink):
    """A fallback may come from a font package (here the brand's own sans, as a stand-in)."""
    set_fallbacks(sink, '  - family: "Package Sans"\n    package: fontpkg-source-sans-3\n'
                        '    file: files/SourceSans3[wght].ttf\n')
    load_series(sink)
    [font] = [f for f in load_brand(sink).fonts if f.fallback]
    assert font.path == brand_fonts(default_brand())[2].path
    # series.yaml's fallbacks are read as _brand.yml's unicode-range fonts are: after the
    # first family of every role
    assert load_brand(sink).stack("base") == '"Source Serif 4", "Package Sans", "Source Sans 3"'
    assert load_brand(sink).stack("headings") == '"Source Sans 3", "Package Sans", "Source Serif 4"'


def test_fallback_files_are_fetchable_one_by_one(sink):
    load_series(sink)
    roots = load_brand(sink).font_roots()
    assert (sink / "fonts/NotoSansCJKjp-subset.otf").resolve() in roots
    assert (sink / "fonts").resolve() not in roots  # not the folder: only the fonts declared
    assert sink.resolve() not in roots


def test_scripts_limit_a_fallback_to_its_characters(sink):
    """The CSS unicode-range lists only what the font has, of the scripts declared."""
    load_series(sink)
    jp = next(f for f in load_brand(sink).fonts if f.family == "Noto Sans JP")
    limited = fontmap.fallback_unicode_range(jp, load_brand(sink).fonts)
    ranges = fontfiles.parse_unicode_range(limited)
    covered = {c for a, b in ranges for c in range(a, b + 1)}
    assert ord("三") in covered and ord("「") in covered
    assert ord("A") not in covered  # the font has Latin too: the brand fonts draw that
    assert covered <= fontfiles.font_cmap(jp.path)


# ---------------------------------------------------------------- caches and digests


def test_cmaps_are_cached_by_font_hash_and_a_broken_cache_costs_only_time(sink, check_cache,
                                                                        monkeypatch):
    monkeypatch.setitem(fontfiles._DISK, "cache", True)  # a build in this process turned it off
    fontfiles._cmap.cache_clear()
    font = sink / "fonts/NotoSansCJKjp-subset.otf"
    first = fontfiles.font_cmap(font)
    stored = check_cache / "fonts" / f"cmap-1-{fontfiles.font_digest(font)}.json"
    assert json.loads(stored.read_text())  # ranges of code points
    stored.write_text("[[19968, 19968]]")  # what a cache says is believed...
    fontfiles._cmap.cache_clear()
    assert fontfiles.font_cmap(font) == {19968}
    stored.write_text("{not json")  # ...and a broken one is rebuilt
    fontfiles._cmap.cache_clear()
    assert fontfiles.font_cmap(font) == first
    fontfiles._cmap.cache_clear()


def test_a_build_reads_and_writes_no_cmap_cache(sink, check_cache, tmp_path):
    from casestudy.series.build import build_study

    cut_sections(sink / STUDY)  # any build: its prose does not matter
    series = load_series(sink)  # reading series.yaml checks its fonts (through the cache)
    shutil.rmtree(check_cache / "fonts", ignore_errors=True)
    fontfiles._cmap.cache_clear()
    build_study(sink / STUDY, tmp_path / "out", ("pdf",), series)
    assert not (check_cache / "fonts").exists()
    fontfiles._cmap.cache_clear()


def test_the_check_cache_sees_a_change_of_fallback_fonts(sink, check_cache):
    without_fallbacks(sink)
    root = sink / STUDY
    bare = check_paths([root], check_cache, load_series(sink),
                        brand=load_brand(sink))
    assert any(p.is_error for p in bare[0])
    shutil.copytree(KITCHEN / "fonts", sink / "fonts", dirs_exist_ok=True)
    (sink / "series.yaml").write_text((KITCHEN / "series.yaml").read_text())
    again = check_paths([root], check_cache, load_series(sink),
                        brand=load_brand(sink))
    assert not any(p.is_error for p in again[0])


def test_the_build_digest_holds_the_fallback_fonts(sink):
    series = load_series(sink)
    before = inputs_digest(sink / STUDY, series, load_brand(sink))
    font = sink / "fonts/NotoSansArabic-subset.ttf"
    with open(font, "ab") as handle:
        handle.write(b"\0")
    assert inputs_digest(sink / STUDY, load_series(sink), load_brand(sink)) != before


# ---------------------------------------------------------------- what the templates print


def _covered_by_brand(text: str) -> list[str]:
    coverage = fontmap.Coverage(brand_fonts(default_brand()))
    return [text[a:b] for a, b in coverage.uncovered(text)]


def test_everything_the_templates_and_css_print_is_in_the_brand_fonts():
    """Generated text: "Page N of M", "Figure", list markers, quotes the CSS adds."""
    from casestudy.brand.model import BRANDING

    # the running heads are set in brief.html's <style> (a brand may override it); the
    # folio's words are a label, and rtl.css has a marker of its own
    css = (BRANDING / "brief.css").read_text() + (BRANDING / "rtl.css").read_text() + "".join(
        t.read_text() for t in sorted((BRANDING / "templates").glob("*.html")))
    strings = re.findall(r'(?:content|list-style-type)\s*:[^;]*?"((?:[^"\\]|\\.)*)"', css)
    assert any("\\2013" in s for s in strings) and any("\\2039" in s for s in strings)
    # the labels and dates of the languages in Latin script: the brand fonts draw them
    for language in ("en", "fr", "de", "it", "es", "pl"):
        assert _covered_by_brand("".join(printed_text(language))) == [], language
    decoded = [re.sub(r"\\([0-9A-Fa-f]{1,6})\s?", lambda m: chr(int(m.group(1), 16)), s)
               for s in strings]
    assert _covered_by_brand("".join(decoded)) == []
    for template in (BRANDING / "templates").glob("*.html"):
        text = re.sub(r"\{[{%#].*?[}%#]\}|<[^>]*>", " ", template.read_text(), flags=re.S)
        assert _covered_by_brand(text) == [], template.name
    # the markers WeasyPrint draws for disc, decimal and the en dash are in Source Serif 4
    serif = fontfiles.font_cmap(brand_fonts(default_brand())[0].path)
    assert {ord("•"), ord("–"), ord("›"), ord("\u2010")} <= serif
    assert ord("◦") not in serif  # the default nested marker, hence the CSS above


def test_lines_are_counted_as_the_checker_counts_them(sink):
    """markdown-it ends a line at a lone carriage return; the checker's lines end at
    newlines only, and its columns count from there."""
    without_fallbacks(sink)
    section = sink / STUDY / "sections/08-conclusion.md"
    section.write_bytes("# Conclusion\r\rA 三 here.\nAnd 本.\n".encode())
    found = [e for e in errors_of(_checked(sink))
             if e.startswith("08-")]
    assert [e.split(" U+")[0] for e in found] == ["08-conclusion.md:1:17:",
                                                  "08-conclusion.md:2:5:"]


CHART_BLOCK = """
::: chart
data: ../figures/orders.csv
type: bar
x: program
y: ships
title: Orders by program

Caption: Orders by program, with Japanese names from the CSV.

Source: The kitchen sink.
:::
"""


def _with_chart(root: Path) -> Path:
    study = root / STUDY
    (study / "figures" / "orders.csv").write_text(
        "program,ships\nF-35,4\n\"護衛艦, new\",7\n", "utf-8")
    section = study / "sections" / "04-sectors.md"
    section.write_text(section.read_text("utf-8") + CHART_BLOCK, "utf-8")
    return study


def test_a_charts_csv_labels_are_judged_at_their_cell(sink):
    """A chart draws its x column and y names from the CSV: with no font for them, the
    error is at the cell (the settings are section text, judged with it)."""
    _with_chart(sink)
    without_fallbacks(sink)
    result = invoke(sink, "check", "kitchen-sink")
    assert (f"{STUDY}/figures/orders.csv:3:2: error: U+8B77 護, U+885B 衛, U+8266 艦 (Han) "
            "are in no brief font; add a fallback font for Han to the brand") in result.output


def test_a_chart_is_drawn_in_brief_fonts_only(sink, tmp_path):
    """With the fallback fonts declared, the chart's Japanese labels are drawn by the
    brief's fallback font, and no machine font (this machine has Noto Sans CJK, which
    fontconfig offers when WeasyPrint misses a quoted name); the web edition's chart
    lists every brand font, quoted, and no generic family."""
    import pdfplumber

    from casestudy.series.build import build_study
    from pdfinfo import read_pdf

    study = _with_chart(cut_sections(sink / STUDY, keep=("04",)).parent.parent)
    assert invoke(sink, "check", "kitchen-sink").exit_code == 0
    series = load_series(sink)
    out = tmp_path / "out"
    build_study(study, out, ("html",), series)
    families = sorted({f.family for f in load_brand(sink).fonts})
    assert read_pdf(out / "kitchen-sink.pdf").foreign_fonts(families) == set()
    with pdfplumber.open(out / "kitchen-sink.pdf") as pdf:
        drawn = {(c["text"], c["fontname"].split("+")[-1]) for page in pdf.pages
                 for c in page.chars if c["text"] and c["text"] in "護衛艦"}
    assert drawn and all(font.startswith("Noto-Sans-JP") for _, font in drawn), drawn
    page = (out / "kitchen-sink" / "index.html").read_text("utf-8")
    family = re.findall(r'<svg[^>]*font-family="([^"]+)"', page)[-1]
    assert family.startswith("&#x27;Source Sans 3&#x27;, ") or family.startswith("'Source")
    assert "Noto Sans JP" in family and "sans-serif" not in family


@pytest.mark.parametrize("declared", [
    "font-family=\"'Source Sans 3', 'Noto Sans JP'\"",
    "font-family='\"Source Sans 3\", \"Noto Sans JP\"'",
    "style=\"font-family: 'Source Sans 3', 'Noto Sans JP'\"",
])
def test_an_svg_figure_with_quoted_font_names_draws_in_brief_fonts(sink, tmp_path, declared):
    """Quoted names, as browsers need them, are given to WeasyPrint bare: it would miss the
    brief's "Noto Sans JP" and take the machine's Noto Sans CJK JP."""
    from casestudy.series.build import build_study
    from pdfinfo import read_pdf

    cut_sections(sink / STUDY, keep=("04",))  # the section that shows the figure
    svg = sink / STUDY / "figures" / "chart.svg"
    svg.write_text(svg.read_text("utf-8").replace(
        'font-family="Source Sans 3, Noto Sans JP"', declared, 1), "utf-8")
    assert declared in svg.read_text("utf-8")
    series = load_series(sink)
    result = build_study(sink / STUDY, tmp_path / "out", ("pdf",), series)
    families = sorted({f.family for f in load_brand(sink).fonts})
    assert read_pdf(result.outputs[0]).foreign_fonts(families) == set()


def test_bare_font_families_keeps_everything_else():
    from casestudy.files.svgfonts import bare_font_families

    svg = (b'<svg font-family="&#x27;Source Sans 3&#x27;, &quot;Noto Sans JP&quot;">'
           b'<style>text { font-family: "A B", \'C\'; fill: red }</style>'
           b'<text style="font-family: &quot;D&quot;; font-size: 3px">x</text></svg>')
    assert bare_font_families(svg) == (
        b'<svg font-family="Source Sans 3, Noto Sans JP">'
        b'<style>text { font-family: A B, C; fill: red }</style>'
        b'<text style="font-family: D; font-size: 3px">x</text></svg>')
