"""Right-to-left text in drawings: charts and authors' SVG figures, read back from the PDF.

WeasyPrint draws SVG text one character after another in stored order, so without
files/svgbidi.py Hebrew comes out reversed and Arabic unjoined. These tests print a
drawn chart and an SVG figure through the real fetcher and html_to_pdf, then read each
character and its position back with PDFium: the characters of one baseline, sorted
left to right, must be the text as a reader of Hebrew or Arabic sees it, Arabic as the
presentation forms of its joined shapes. The web edition keeps logical order and says
the direction, for the browser.

Fonts: Source Sans 3 (a dependency), Heebo (fontpkg-heebo) for Hebrew and Noto Sans
Arabic (fontpkg-noto-sans-arabic), both in the test extra; a test skips naming the one
it lacks.
"""

from __future__ import annotations

import base64
import importlib.util
import os
from pathlib import Path
from xml.etree import ElementTree

import pypdfium2
import pytest
from pypdf import PdfReader

from casestudy.brand.chart import ChartStyle
from casestudy.brand.load import load_brand
from casestudy.files.bidi import base_is_rtl, visual
from casestudy.files.fetch import CHART_URL
from casestudy.files.svg import sanitize
from casestudy.render.draw import draw_svg
from casestudy.render.pdf import html_to_pdf
from casestudy.series import build
from casestudy.source.chart import Chart, Series
from conftest import invoke, make_study
from pdfinfo import read_pdf, to_unicode

NS = {"s": "http://www.w3.org/2000/svg"}


def font_file(package: str, stem: str) -> Path:
    """A font file of an installed fontpkg package, or a skip naming the package."""
    spec = importlib.util.find_spec(package.replace("-", "_"))
    if spec is None or spec.origin is None:
        pytest.skip(f"needs the font package {package} (pip install {package})")
    found = sorted((Path(spec.origin).parent / "files").glob(f"{stem}*.ttf"))
    if not found:
        pytest.skip(f"{package} has no {stem}*.ttf")
    return found[0]


@pytest.fixture(scope="module")
def fonts() -> dict[str, Path]:
    return {"Source Sans 3": font_file("fontpkg-source-sans-3", "SourceSans3["),
            "Heebo": font_file("fontpkg-heebo", "Heebo"),
            "Noto Sans Arabic": font_file("fontpkg-noto-sans-arabic", "NotoSansArabic")}


def style(fonts: dict[str, Path]) -> ChartStyle:
    return ChartStyle(font="Source Sans 3", font_file=fonts["Source Sans 3"],
                      families=tuple(fonts), ink="#102030", muted="#607080", grid="#d0d4d8",
                      baseline="#a0a8b0", accent="#c04010", palette=("#102030", "#c04010"))


CATEGORIES = ["אירופה", "مصر", "ישראל 2024 (IAI)", "Italy"]
CHART = Chart(type="bar", x="region", categories=CATEGORIES,
              series=[Series("share", [40, 25, 20, 15], ["40", "25", "20", "15"])],
              csv_bytes=b"", title="ייצוא ביטחוני לפי אזור", note="מקור: משרד הביטחון, 2024.")

FIGURE = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120" font-family="{family}">
  <text x="20" y="30" font-size="16">שלום עולם</text>
  <text x="20" y="60" font-size="16">السلام عليكم</text>
  <text x="380" y="90" font-size="16" direction="rtl">משרד הביטחון (MoD).</text>
  <text x="20" y="110" font-size="12">Plain Latin stays put</text>
</svg>
"""


def print_pdf(tmp_path: Path, fonts: dict[str, Path], body: str) -> Path:
    faces = "".join(f'@font-face {{ font-family: "{name}"; src: url("{path.as_uri()}"); }}\n'
                    for name, path in fonts.items())
    families = ", ".join(f'"{name}"' for name in fonts)
    html = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>t</title><style>"
            f"{faces} @page {{ size: 200mm 150mm; margin: 5mm }} "
            f"body {{ font-family: {families} }} img {{ display: block; width: 180mm }}"
            f"</style></head><body>{body}</body></html>")
    roots = [tmp_path, *{path.parent for path in fonts.values()}]
    pdf = html_to_pdf(html, tmp_path, roots, b"0123456789abcdef", tmp_path, 1_700_000_000)
    out = tmp_path / "out.pdf"
    out.write_bytes(pdf)
    return out


def lines_drawn(path: Path, page: int = 0) -> list[str]:
    """Each baseline's characters left to right, as PDFium reads them from the page."""
    pdf = pypdfium2.PdfDocument(str(path))
    rows: dict[float, list[tuple[float, str]]] = {}
    try:
        text = pdf[page].get_textpage()
        for i in range(text.count_chars()):
            char = text.get_text_range(i, 1)
            if not char.strip():
                continue
            left, bottom, _right, _top = text.get_charbox(i, loose=True)
            rows.setdefault(round(bottom), []).append((left, char))
    finally:
        pdf.close()
    # one line's fonts (Hebrew, Arabic, Latin) descend to within a few points
    merged: list[tuple[float, list[tuple[float, str]]]] = []
    for y in sorted(rows, reverse=True):
        if merged and merged[-1][0] - y <= 4:
            merged[-1][1].extend(rows[y])
        else:
            merged.append((y, list(rows[y])))
    return ["".join(ch for _, ch in sorted(row)) for _, row in merged]


def drawn_text_of(path: Path, family: str) -> set[str]:
    """What the glyphs drawn in ``family`` stand for (their ToUnicode), figures included:
    PDFium's text reading turns presentation forms back into letters, this does not."""
    out: set[str] = set()
    todo = [page["/Resources"] for page in PdfReader(str(path)).pages]
    while todo:
        resources = todo.pop().get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            if family.replace(" ", "-") in str(font["/BaseFont"]) and "/ToUnicode" in font:
                out.update(to_unicode(font).values())
        for xobject in (resources.get("/XObject") or {}).values():
            if "/Resources" in xobject.get_object():
                todo.append(xobject.get_object()["/Resources"])
    return out


def bracket_shapes(path: Path) -> str:
    """The brackets of the page left to right, top to bottom, as their ink shows them:
    "(" bulges left (its middle left of its ends), ")" right. Read from the picture,
    because a PDF's text of a mirrored glyph names the character it was drawn for."""
    scale = 4
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        page = pdf[0]
        image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        height = page.get_height()
        text = page.get_textpage()
        boxes = [text.get_charbox(i) for i in range(text.count_chars())
                 if text.get_text_range(i, 1) in "()"]
    finally:
        pdf.close()
    shapes = []
    for left, bottom, right, top in sorted(boxes, key=lambda b: (-round(b[1] / 5), b[0])):
        glyph = image.crop((int(left * scale) - 1, int((height - top) * scale) - 1,
                            int(right * scale) + 2, int((height - bottom) * scale) + 2))
        h = glyph.height
        ends = _centre(glyph, range(0, h // 5)) + _centre(glyph, range(h - h // 5, h))
        shapes.append("(" if _centre(glyph, range(2 * h // 5, 3 * h // 5)) * 2 < ends else ")")
    return "".join(shapes)


def _centre(glyph, rows: range) -> float:
    """Where the ink of ``rows`` of a glyph's picture lies, left to right."""
    ink = [(x, 255 - glyph.getpixel((x, y))) for y in rows for x in range(glyph.width)]
    total = sum(v for _, v in ink) or 1
    return sum(x * v for x, v in ink) / total


def seen(text: str) -> str:
    """What a line should read left to right once drawn: spaces aside, as the tests read."""
    return text.replace(" ", "")


def test_chart_labels_title_and_note_read_right_to_left_in_the_pdf(tmp_path, fonts):
    svg = draw_svg(CHART, style(fonts), "c")
    data = base64.b64encode(svg.encode()).decode()
    path = print_pdf(tmp_path, fonts, f'<img src="{CHART_URL}{data}" alt="c">')
    lines = lines_drawn(path)
    # the title as a reader of Hebrew sees it: its first word at the right
    assert lines[0] == "רוזאיפלינוחטיבאוציי"  # ייצוא ביטחוני לפי אזור
    labels = lines[-2]
    # אירופה read from the right; مصر; then numbers and Latin keep their own order
    # inside Hebrew (brackets read by their text here, by their shape below)
    assert labels.startswith("הפוריא" + "رصم")
    assert labels.replace("(", "").replace(")", "") == "הפוריאرصمIAI2024לארשיItaly"
    # the note: its full stop at the left end, where a Hebrew sentence ends
    assert lines[-1] == ".2024,ןוחטיבהדרשמ:רוקמ"
    assert bracket_shapes(path) == "()"  # (IAI) facing out, as the browser draws it
    # مصر joined: initial meem, medial sad, final reh (the presentation forms drawn)
    arabic = drawn_text_of(path, "Noto Sans Arabic")
    assert {"\ufee3", "\ufebc", "\ufeae"} <= arabic
    assert not arabic & set("مصر")


def test_an_svg_figure_is_ordered_and_joined_in_the_pdf(tmp_path, fonts):
    families = ", ".join(fonts)
    (tmp_path / "figure.svg").write_text(FIGURE.format(family=families), "utf-8")
    path = print_pdf(tmp_path, fonts, '<img src="figure.svg" alt="f">')
    lines = lines_drawn(path)
    assert lines[0] == "םלועםולש"  # שלום עולם, read from the right
    # السلام عليكم, the words read from the right (PDFium gives letters for the forms)
    assert lines[1] == "مكيلعمالسلا"
    # drawn joined: lam-alef as its ligature, initial, medial and final forms
    assert {"\ufefc", "\ufedf", "\ufeb4", "\ufecb", "\ufee0", "\ufef4", "\ufedc",
            "\ufee2"} <= drawn_text_of(path, "Noto Sans Arabic")
    # a right-to-left paragraph: the full stop at its left end, (MoD) kept whole
    assert lines[2].replace("(", "").replace(")", "") == ".MoDןוחטיבהדרשמ"
    assert bracket_shapes(path) == "()"
    assert lines[3] == "PlainLatinstaysput"


def test_the_web_edition_keeps_logical_order_and_says_the_direction(fonts):
    svg = draw_svg(CHART, style(fonts), "c")
    clean = sanitize(svg.encode())
    assert clean.data is not None and not clean.findings
    root = ElementTree.fromstring(clean.data)
    texts = {t.text: t for t in root.iterfind(".//s:text", NS)}
    for label in ("אירופה", "مصر", "ישראל 2024 (IAI)"):
        assert texts[label].get("direction") == "rtl", label
    assert texts["ייצוא ביטחוני לפי אזור"].get("direction") == "rtl"
    assert texts["Italy"].get("direction") is None


@pytest.mark.parametrize(("logical", "rtl", "drawn"), [
    ("אירופה", False, "הפוריא"),
    ("abc אירופה (2024) def", False, "abc (2024) הפוריא def"),
    ("משרד הביטחון (MoD).", True, ".(MoD) ןוחטיבה דרשמ"),
    ("ישראל 2024 IAI", True, "IAI 2024 לארשי"),
    ("Plain text", False, "Plain text"),
])
def test_visual_order(logical, rtl, drawn):
    assert visual(logical, rtl) == drawn


# ---------------------------------------------------------------- a study, built

SECTION_CHART = """

::: chart
data: ../figures/regions.csv
type: bar
x: region
y: share
title: ייצוא ביטחוני לפי אזור

Caption: Defence exports by region, labelled in Hebrew and Arabic.
:::
"""
BRAND = """typography:
  fonts:
    - family: Heebo
      source: system
      unicode-range: U+0590-05FF
    - family: Noto Sans Arabic
      source: system
      unicode-range: U+0600-06FF
"""


def test_a_built_brief_draws_its_chart_right_to_left_in_the_brands_fonts(tmp_path, fonts,
                                                                      series_repo):
    """The whole path: the brand's fallbacks declared for Hebrew and Arabic (only the
    base letters' ranges), a ::: chart with Hebrew and Arabic categories, built."""
    study = make_study(series_repo / "countries" / "israel")
    (study / "figures" / "regions.csv").write_text(
        "region,share\nאירופה,40\nمصر,25\nישראל 2024 (IAI),20\nItaly,15\n", "utf-8")
    with open(study / "sections" / "04-sectors.md", "a", encoding="utf-8") as handle:
        handle.write(SECTION_CHART)
    (series_repo / "_brand.yml").write_text(BRAND, "utf-8")
    assert invoke(series_repo, "check", "israel").exit_code == 0
    build.build_study(study, series_repo / "build")
    pdf = series_repo / "build" / "israel.pdf"
    labels = next(line for page in range(len(PdfReader(str(pdf)).pages))
                  for line in lines_drawn(pdf, page) if "Italy" in line)
    assert labels.replace("(", "").replace(")", "") == "הפוריאرصمIAI2024לארשיItaly"
    # joined, and in the brand's Arabic font: no machine font drew a presentation form
    assert {"\ufee3", "\ufebc", "\ufeae"} <= drawn_text_of(pdf, "Noto Sans Arabic")
    families = [f.family for f in load_brand(series_repo).fonts]
    assert read_pdf(pdf).foreign_fonts(families) == set()


# ---------------------------------------------------------------- the web edition, in Chromium

CHROMIUM = Path(os.environ.get("CASESTUDY_CHROMIUM", "/usr/bin/chromium"))


def test_chromium_lays_the_web_charts_labels_out_right_to_left_where_the_pdf_does(fonts):
    """The web edition's chart (sanitized, inlined) in Chromium: each label's first
    character stands at its right end, numbers and Latin in their own order, and each
    rtl text is where its ltr layout would put it (its anchor mirrored with it)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    clean = sanitize(draw_svg(CHART, style(fonts), "c").encode())
    assert clean.data is not None
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.set_content(f"<!doctype html><body>{clean.data.decode()}</body>")
            found = page.evaluate("""() => [...document.querySelectorAll('text')].map(t => ({
                text: t.textContent, anchor: t.getAttribute('text-anchor'),
                x: +t.getAttribute('x'), left: t.getBBox().x,
                starts: [...t.textContent].map((_, i) => t.getStartPositionOfChar(i).x)}))""")
        finally:
            browser.close()
    texts = {t["text"]: t for t in found}
    europe = texts["אירופה"]["starts"]
    assert europe == sorted(europe, reverse=True)  # the first letter rightmost
    mixed = texts["ישראל 2024 (IAI)"]["starts"]
    # ישראל at the right, then 2024, then (IAI) at the left; 2024 and IAI read ltr
    assert mixed[0] > mixed[6] > mixed[12]
    assert mixed[6] < mixed[7] < mixed[8] < mixed[9] and mixed[12] < mixed[13] < mixed[14]
    title = texts["ייצוא ביטחוני לפי אזור"]
    assert title["anchor"] == "end" and title["left"] == pytest.approx(title["x"], abs=1)


@pytest.mark.parametrize("text, rtl", [("", False), (" ", False), ("2025", False),
                                       ("\u2029", False), ("אירופה 2025", True),
                                       ("2025 Europe אירופה", False)])
def test_the_direction_of_a_label_even_an_empty_one(text, rtl):
    """A chart's empty label (a CSV cell left blank) stopped the build with python-bidi's
    "Text contains no paragraphs"; a text without a strong character is left to right."""
    assert base_is_rtl(text) is rtl


def test_the_generated_alt_text_isolates_right_to_left_labels():
    """The chart's alt text is an English sentence around its labels: each Hebrew or
    Arabic piece is isolated, so a reader (or a screen reader's display) keeps "40 in"
    and the punctuation in the sentence's order, not pulled into the Hebrew run."""
    from bidi import get_display

    alt = CHART.alt_text
    assert alt.startswith("Bar chart of \u2068ייצוא ביטחוני לפי אזור\u2069: 40 in \u2068")
    assert alt.count("\u2068") == alt.count("\u2069") == 4  # the title, three labels
    shown = get_display(alt)  # as drawn, left to right, in an English line
    assert shown.startswith("Bar chart of ") and shown.endswith(".")
    assert [m for m in ("40 in", "25 in", "20 in", "15 in") if m in shown] == [
        "40 in", "25 in", "20 in", "15 in"]
    assert Chart(type="bar", x="year", categories=["2020"], csv_bytes=b"",
                 series=[Series("n", [1.0], ["1"])]).alt_text == "Bar chart: 1 in 2020."
