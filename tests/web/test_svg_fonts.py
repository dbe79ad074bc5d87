"""SVG figures in the web edition: inlined, so the brand's web fonts draw their text.

The rewriting is tested on its own (ids, styles, fonts, name, size: web/inline.py), then
a built edition in Chromium: which font actually drew each piece of figure text
(CDP's ``CSS.getPlatformFontsForNode``, which names the face and says whether it was a
web font), ids and styles kept inside their figure, no script or handler in the page,
Hebrew read right to left. Fonts: Source Sans 3 (a dependency), Heebo (fontpkg-heebo)
and Noto Sans Arabic (fontpkg-noto-sans-arabic), from the test extra; without Chromium
(apt-get install chromium) or Playwright the browser tests are skipped.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import importlib.util
import io
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import tinycss2
import tinyhtml5
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from casestudy.brand.model import BRANDING
from casestudy.files.svg import sanitize
from casestudy.series.build import build_study
from casestudy.source.load import load_series
from casestudy.web.inline import inline_figures, inline_svg
from conftest import make_study

CHROMIUM = Path(os.environ.get("CASESTUDY_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(os.environ.get("CASESTUDY_AXE", Path(__file__).parents[2]
                          / ".ci/node/node_modules/axe-core/axe.min.js"))
BRAND = ["Source Sans 3", "Heebo"]
HTML_NS, SVG_NS = "http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg"

# two figures with the same id, each with a <style> of its own; the first also with a
# script, a handler, a gradient and a marker referred to by url(#...)
FIGURE_A = """<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200" onload="alert(1)">
  <script>alert(2)</script>
  <style>
    text { fill: rgb(200, 0, 0) }
    .label { letter-spacing: 3px }
    p, .source { color: rgb(200, 0, 0) }
    #mark { stroke: rgb(0, 128, 0) }
    text::selection { fill: rgb(0, 0, 0) }
  </style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>
  <rect id="mark" x="0" y="0" width="600" height="40" fill="url(#g)"/>
  <text id="latin" class="label" x="10" y="80" font-family="Source Sans 3"
        font-size="24">Exports by region, 2024</text>
  <text id="hebrew" x="300" y="150" font-size="30" font-family="Heebo">אירופה</text>
</svg>
"""
FIGURE_B = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100">
  <style>rect { fill: rgb(0, 0, 255) } .label { letter-spacing: 9px }</style>
  <rect id="mark" x="0" y="0" width="300" height="20"/>
  <use href="#mark" y="40"/>
  <text x="10" y="90" font-family="'Noto Sans Arabic', sans-serif">مصر</text>
</svg>
"""
A_ALT, B_ALT = "Regions of the exports, in Latin and Hebrew", "Egypt, in Arabic"
SECTION = f"""

![{A_ALT}](../figures/a.svg)

![{B_ALT}](../figures/b.svg)

::: chart
data: ../figures/regions.csv
type: bar
x: region
y: share
title: Exports by region

Caption: Defence exports by region, labelled in Hebrew and Arabic.
Source: Invented for the test.
:::
"""
REGIONS = "region,share\nאירופה,40\nمصر,25\nישראל 2024 (IAI),20\nItaly,15\n"
BRAND_YML = """typography:
  fonts:
    - family: Heebo
      source: system
      unicode-range: U+0590-05FF
    - family: Noto Sans Arabic
      source: system
      unicode-range: U+0600-06FF
"""


def _inlined(svg: str, alt: str = "A figure", prefix: str = "svg1") -> tuple[str, list[str]]:
    clean = sanitize(svg.encode())
    assert clean.data is not None
    return inline_svg(clean.data, alt, prefix, BRAND)


# ---------------------------------------------------------------- the rewriting


def test_ids_and_every_reference_to_them_get_the_figures_prefix():
    markup, _ = _inlined('<svg xmlns="http://www.w3.org/2000/svg" '
                         'xmlns:xlink="http://www.w3.org/1999/xlink" aria-describedby="d">'
                         '<desc id="d">x</desc><clipPath id="c"/><g id="g" '
                         'style="clip-path: url(#c)" mask="url(&quot;#c&quot;)"/>'
                         '<use xlink:href="#g"/><use href="#g"/></svg>')
    assert re.findall(r' id="([^"]*)"', markup) == ["svg1", "svg1-d", "svg1-c", "svg1-g"]
    assert 'style="clip-path: url(#svg1-c)"' in markup
    assert 'mask="url(&quot;#svg1-c&quot;)"' in markup
    assert 'xlink:href="#svg1-g"' in markup and 'href="#svg1-g"' in markup
    assert 'aria-describedby="svg1-d"' in markup


def test_each_style_rule_is_limited_to_its_figure():
    markup, styles = _inlined(FIGURE_A)
    css = styles[0]
    assert ".svg1:is(text) { fill: rgb(200, 0, 0) }" in css
    assert ".svg1:is(.svg1-label)" in css
    assert ".svg1:is(p), .svg1:is(.svg1-source)" in css
    assert ".svg1:is(#svg1-mark)" in css
    assert ".svg1:is(text)::selection" in css  # a pseudo-element outside :is()
    assert 'class="svg1 svg1-label"' in markup
    # no selector of the figure stands alone: each begins with the figure's scope
    for rule in css.splitlines():
        assert all(s.startswith(".svg1:is(") for s in _selectors(rule.split("{")[0])), rule
    # and every element of the figure carries the class
    for tag in re.findall(r"<[a-zA-Z][^>]*>", markup):
        assert "svg1" in re.search(r' class="([^"]*)"', tag).group(1).split(), tag


def _selectors(text: str) -> list[str]:
    """A selector list split at its top-level commas."""
    selectors, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            selectors.append(text[start:i].strip())
            start = i + 1
    return [*selectors, text[start:].strip()]


def test_a_stray_bracket_cannot_close_the_scope_early():
    _, styles = _inlined('<svg xmlns="http://www.w3.org/2000/svg"><style>'
                         "x), html, :is(y { fill: red } text { fill: blue }</style></svg>")
    assert "html" not in styles[0]


def test_font_lists_get_the_brands_families_before_any_generic_one():
    markup, _ = _inlined(FIGURE_B)
    assert ('font-family="&quot;Noto Sans Arabic&quot;, &quot;Source Sans 3&quot;, '
            '&quot;Heebo&quot;, sans-serif"') in markup
    bare, _ = _inlined('<svg xmlns="http://www.w3.org/2000/svg"><text>x</text></svg>')
    # a figure that names no font: the brand's, and what an <img> had, on its root
    root = re.match(r"<svg[^>]*>", bare)
    assert root is not None
    for attr in ('font-family="&quot;Source Sans 3&quot;, &quot;Heebo&quot;"',
                 'direction="ltr"', 'font-size="16"'):
        assert attr in root.group()


def test_the_alt_text_names_the_figure_and_its_size_scales():
    markup, _ = _inlined(FIGURE_A, alt='Regions & "shares"')
    root = re.match(r"<svg[^>]*>", markup)
    assert root is not None
    assert 'role="img" aria-label="Regions &amp; &quot;shares&quot;"' in root.group()
    assert 'viewBox="0 0 600 200"' in root.group() and 'class="svg-figure svg1"' in root.group()
    assert "onload" not in markup and "script" not in markup
    decorative, _ = _inlined(FIGURE_B, alt="")
    assert 'aria-hidden="true"' in decorative and 'role="img"' not in decorative


def test_the_pages_policy_allows_the_figures_styles_by_their_hash():
    clean = sanitize(b'<svg xmlns="http://www.w3.org/2000/svg"><style>g > text { fill: red }'
                     b"</style></svg>")
    assert clean.data is not None
    page = ('<html><head><meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'self'; img-src 'self'\"></head><body>"
            '<p id="svg1">taken</p><img src="figures/x%20y.svg" alt="X"></body></html>')
    out = inline_figures(page, {"figures/x%20y.svg": clean.data}, BRAND)
    assert '<svg id="svg2"' in out  # svg1 is a page id already
    assert ".svg2:is(g &gt; text)" in out  # written escaped, read decoded
    decoded = ".svg2:is(g > text) { fill: red }"
    source = base64.b64encode(hashlib.sha256(decoded.encode()).digest()).decode()
    assert f"'sha256-{source}'" in re.search(r"style-src[^;]*", out).group()


_CSS = ["text { fill: red }", "x), html, :is(y", "a::before, b:after", "#a .b > c", "{", "}",
        "(", ")", "[", "]", ",", ";", ":", "</style><p>", "<![CDATA[", "]]>", "&amp;",
        "@media print {", "@font-face { src: url(#a) }", "url(#a)", "\\", '"', "'", "é東א"]
_ELEMENTS = ['<rect id="a" class="b c" fill="url(#a)"/>', '<use href="#a"/>',
             '<text font-family="X, serif">t</text>', "<title>&lt;b&gt;</title>",
             '<a href="#a"><text>x</text></a>', '<g style="font-family: Y; fill: url(&quot;#a'
             '&quot;)"><circle r="1"/></g>', "<script>alert(1)</script>",
             '<text onclick="x" aria-labelledby="a b">&lt;/svg&gt;&lt;p&gt;</text>']
_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6)
_STYLE = st.lists(st.sampled_from(_CSS) | _TEXT, max_size=12).map(
    lambda parts: "<style>" + "".join(parts).replace("&", "&amp;").replace("<", "&lt;")
    .replace(">", "&gt;") + "</style>")
_FIGURES = st.lists(st.sampled_from(_ELEMENTS) | _STYLE, max_size=12).map(
    lambda parts: '<svg xmlns="http://www.w3.org/2000/svg">' + "".join(parts) + "</svg>")


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(_FIGURES)
def test_any_sanitized_figure_stays_inside_its_svg_in_the_page(figure):
    """Whatever the sanitizer keeps, the inlined markup never raises, and an HTML parser
    reads it as one <svg> holding only SVG elements, every one with the figure's class,
    and style rules that each begin with it."""
    clean = sanitize(figure.encode("utf-8", "surrogatepass"))
    if clean.data is None:
        return
    markup, styles = inline_svg(clean.data, "alt", "svg1", BRAND)
    body = tinyhtml5.parse(f"<!doctype html><p>before</p>{markup}<p>after</p>").find(
        f"{{{HTML_NS}}}body")
    assert [child.tag for child in body] == [f"{{{HTML_NS}}}p", f"{{{SVG_NS}}}svg",
                                             f"{{{HTML_NS}}}p"]
    for element in body[1].iter():
        assert element.tag.startswith(f"{{{SVG_NS}}}"), element.tag
        assert "svg1" in element.get("class", "").split()
        assert not any(name.lower().startswith("on") for name in element.attrib)
        if element.tag == f"{{{SVG_NS}}}style":
            assert (element.text or "") in styles  # what the CSP hashes is what is read
    for css in styles:
        for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True):
            if rule.type == "qualified-rule":
                for selector in _selectors(tinycss2.serialize(rule.prelude)):
                    assert selector.startswith(".svg1:is(") or selector == ".svg1", selector


# ---------------------------------------------------------------- a built edition


def _font_file(package: str, stem: str) -> None:
    spec = importlib.util.find_spec(package.replace("-", "_"))
    if spec is None or spec.origin is None or not sorted(
            (Path(spec.origin).parent / "files").glob(f"{stem}*.ttf")):
        pytest.skip(f"needs the font package {package} (pip install {package})")


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    """A study with the two figures and a chart, built as a web edition."""
    _font_file("fontpkg-heebo", "Heebo")
    _font_file("fontpkg-noto-sans-arabic", "NotoSansArabic")
    repo = tmp_path_factory.mktemp("svgfonts")
    from conftest import REPO
    (repo / "series.yaml").write_bytes((REPO / "series.yaml").read_bytes())
    (repo / "_brand.yml").write_text(BRAND_YML, "utf-8")
    study = make_study(repo / "countries" / "norway")
    (study / "figures" / "a.svg").write_text(FIGURE_A, "utf-8")
    (study / "figures" / "b.svg").write_text(FIGURE_B, "utf-8")
    (study / "figures" / "regions.csv").write_text(REGIONS, "utf-8")
    with open(study / "sections" / "04-sectors.md", "a", encoding="utf-8") as handle:
        handle.write(SECTION)
    out = repo / "build"
    result = build_study(study, out, ("html",), load_series(repo), repo=repo)
    assert not getattr(result, "problems", None) or not any(
        p.is_error for p in result.problems)
    return out


def test_the_web_fonts_hold_every_character_the_figures_and_charts_draw(edition):
    """مصر is in no section: only in figure b and in the chart's CSV."""
    from fontTools.ttLib import TTFont

    arabic = next((edition / "assets" / "fonts").glob("noto-sans-arabic-*.woff2"))
    hebrew = next((edition / "assets" / "fonts").glob("heebo-*.woff2"))
    with TTFont(io.BytesIO(arabic.read_bytes())) as font:
        assert {ord(c) for c in "مصر"} <= set(font.getBestCmap())
    with TTFont(io.BytesIO(hebrew.read_bytes())) as font:
        assert {ord(c) for c in "אירופהישראל"} <= set(font.getBestCmap())


def test_the_page_inlines_the_sanitized_figures(edition):
    page = (edition / "norway" / "index.html").read_text("utf-8")
    assert '<img src="figures/a.svg"' not in page and '<img src="figures/b.svg"' not in page
    assert page.count('class="svg-figure') == 3  # the minimal study's chart.svg too
    svg_parts = re.findall(r"<svg\b.*?</svg>", page, re.DOTALL)
    assert not any(re.search(r"<script|\son\w+=|javascript:", s, re.I) for s in svg_parts)
    # the published files stay, sanitized, for whoever links to them
    assert "onload" not in (edition / "norway" / "figures" / "a.svg").read_text("utf-8")


# ---------------------------------------------------------------- in Chromium


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser_page(edition):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(edition)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                         args=["--headless", "--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page(viewport={"width": 1000, "height": 900})
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text)
                        if m.type == "error" else None)
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/norway/index.html")
                page.evaluate("document.fonts.ready")
                page.locator("figure svg.svg-figure").first.scroll_into_view_if_needed()
                if os.environ.get("CASESTUDY_SCREENSHOT"):
                    page.locator("figure:has(svg.svg-figure)").first.screenshot(
                        path=os.environ["CASESTUDY_SCREENSHOT"])
                ids = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
                    'svg.svg-figure')].map(s => [s.getAttribute('aria-label'), s.id]))""")
                yield page, errors, ids[A_ALT], ids[B_ALT]
            finally:
                browser.close()
    finally:
        server.shutdown()


def _fonts_of(page, selector: str) -> list[dict]:
    """The faces Chromium drew the text of ``selector`` with (CDP)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


def test_figure_text_is_drawn_in_the_brands_web_fonts(browser_page):
    page, _, a, b = browser_page
    latin = _fonts_of(page, f"#{a}-latin")  # the web face keeps its variable font's name
    assert [(f["familyName"].startswith("Source Sans 3"), f["isCustomFont"])
            for f in latin] == [(True, True)]
    hebrew = _fonts_of(page, f"#{a}-hebrew")
    assert [(f["familyName"], f["isCustomFont"]) for f in hebrew] == [("Heebo", True)]
    arabic = _fonts_of(page, f"#{b} text")  # named with sans-serif: not the machine's sans
    assert [(f["familyName"], f["isCustomFont"]) for f in arabic] == [
        ("Noto Sans Arabic", True)]
    # the chart, inline already: its Arabic label too
    chart = page.evaluate("""() => { const t = [...document.querySelectorAll('svg.chart text')]
        .find(t => t.textContent === 'مصر'); t.id = 'arabic-label'; return t.id }""")
    assert [(f["familyName"], f["isCustomFont"]) for f in _fonts_of(page, f"#{chart}")] == [
        ("Noto Sans Arabic", True)]


def test_ids_and_styles_stay_in_their_figure(browser_page):
    page, errors, a, b = browser_page
    found = page.evaluate("""([a, b]) => {
        const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
        const style = (s, p) => getComputedStyle(document.querySelector(s))[p];
        return {
            unique: ids.length === new Set(ids).size,
            aText: style(`#${a}-latin`, 'fill'), aSpacing: style(`#${a}-latin`, 'letterSpacing'),
            aRect: style(`#${a}-mark`, 'fill'), aStroke: style(`#${a}-mark`, 'stroke'),
            bRect: style(`#${b} rect`, 'fill'), bText: style(`#${b} text`, 'fill'),
            bUse: document.querySelector(`#${b} use`).getAttribute('href'),
            chartRect: style('svg.chart rect', 'fill'),
            pageP: style('main p', 'color'), pageSource: style('p.source', 'color'),
            caption: style('figcaption .label', 'letterSpacing'),
        } }""", [a, b])
    assert found["unique"]
    assert found["aText"] == "rgb(200, 0, 0)"  # its own style applies (the CSP allows it)
    assert found["aSpacing"] == "3px" and found["aStroke"] == "rgb(0, 128, 0)"
    assert found["aRect"] == f'url("#{a}-g")'
    assert found["bRect"] == "rgb(0, 0, 255)" and found["bText"] != "rgb(200, 0, 0)"
    assert found["bUse"] == f"#{b}-mark"
    # the copy <use> draws is styled as the figure says (blue), as it was in an <img>
    shot = Image.open(io.BytesIO(page.locator(f"#{b}").screenshot()))
    assert shot.convert("RGB").getpixel((shot.width // 2, shot.height // 2)) == (0, 0, 255)
    assert found["chartRect"] != "rgb(0, 0, 255)"
    assert found["pageP"] != "rgb(200, 0, 0)" and found["pageSource"] != "rgb(200, 0, 0)"
    assert found["caption"] not in ("3px", "9px")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_no_script_or_handler_reaches_the_page(browser_page):
    page, *_ = browser_page
    found = page.evaluate("""() => ({
        scripts: [...document.querySelectorAll('script')].map(s => s.type),
        handlers: [...document.querySelectorAll('svg *, svg')].flatMap(e =>
            [...e.attributes].map(a => a.name)).filter(n => /^on/i.test(n)) })""")
    assert set(found["scripts"]) <= {"application/ld+json"}  # data, never run
    assert found["handlers"] == []


def test_figures_are_named_by_their_alt_text_and_scale_with_the_column(browser_page):
    page, *_ = browser_page
    named = page.get_by_role("img", name=A_ALT)
    assert named.count() == 1
    box = named.bounding_box()
    assert box is not None and box["width"] / box["height"] == pytest.approx(3, rel=0.02)
    page.set_viewport_size({"width": 400, "height": 900})
    narrow = named.bounding_box()
    assert narrow is not None and narrow["width"] < 400
    assert narrow["width"] / narrow["height"] == pytest.approx(3, rel=0.02)
    page.set_viewport_size({"width": 1000, "height": 900})


def test_no_serious_accessibility_violation_in_the_inlined_figures(browser_page):
    if not AXE.is_file():
        pytest.skip(f"axe-core missing at {AXE} (npm install --prefix .ci/node axe-core@4)")
    page, *_ = browser_page
    page.evaluate(AXE.read_text("utf-8"))  # evaluated, not a <script>: the page's CSP stays
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
    serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in found
               if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_hebrew_in_a_figure_reads_right_to_left(browser_page):
    page, _, a, _ = browser_page
    starts = page.evaluate("""a => { const t = document.querySelector(`#${a}-hebrew`);
        return [...t.textContent].map((_, i) => t.getStartPositionOfChar(i).x) }""", a)
    assert starts == sorted(starts, reverse=True)  # the first letter rightmost
    assert page.evaluate("a => getComputedStyle(document.getElementById(a)).direction",
                         a) == "ltr"


def test_figures_on_a_right_to_left_page_are_laid_out_as_on_a_left_to_right_one(browser_page):
    """direction is inherited: an inlined figure's root says ltr (as an <img> had it) and
    web.css says so for a drawn chart, so a Hebrew study's page does not turn their
    anchors and runs around (the chart's own right-to-left labels say so themselves)."""
    page, *_ = browser_page
    markup, _ = _inlined(FIGURE_A)
    chart = page.evaluate("document.querySelector('svg.chart').outerHTML")
    css = (BRANDING / "web.css").read_text("utf-8")
    context = page.context.browser.new_context()
    tab = context.new_page()
    try:
        found = []
        for direction in ("ltr", "rtl"):
            tab.set_content(f'<html dir="{direction}" lang="he"><head><style>{css}</style>'
                            f"</head><body><main><figure>{markup}</figure><figure>{chart}"
                            "</figure></main></body></html>")
            found.append(tab.evaluate("""() => [...document.querySelectorAll('text')].map(
                t => [...t.textContent].map((_, i) => t.getStartPositionOfChar(i).x))"""))
    finally:
        context.close()
    assert found[0] == found[1]
    hebrew = found[1][1]
    assert hebrew == sorted(hebrew, reverse=True)


def test_the_preview_draws_the_figures_with_their_own_styles(edition, browser_page):
    """The preview replaces the page's policy with its own (a nonce for its script); the
    hashes of the inlined figures' styles go with it, or a figure loses its <style>."""
    page, *_ = browser_page
    repo = edition.parent
    child = subprocess.Popen([sys.executable, "-m", "casestudy", "preview", "norway",
                              "--no-pdf"], cwd=repo, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(child.stdout or []), daemon=True).start()
        deadline = time.monotonic() + 120
        url = None
        while url is None and time.monotonic() < deadline and child.poll() is None:
            url = next((m.group() for line in list(lines)
                        if (m := re.search(r"http://127\.0\.0\.1:\d+/norway/", line))), None)
            time.sleep(0.1)
        assert url, "".join(lines)
        context = page.context.browser.new_context()
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.goto(url)
        fill = tab.evaluate("""() => getComputedStyle(document.querySelector(
            'svg[aria-label="Regions of the exports, in Latin and Hebrew"] text')).fill""")
        context.close()
    finally:
        child.terminate()
        child.wait(timeout=60)
    assert fill == "rgb(200, 0, 0)"
    assert not [e for e in errors if "Content Security Policy" in e], errors
