"""The web edition in the series' brand: its fonts (fallbacks included), logo, colours,
extra.css and the files that names, and the masthead override of the series index."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from casestudy.brand.load import load_brand
from casestudy.brand.webfonts import _nearest, faces
from casestudy.files.fetch import served_bytes
from casestudy.series import build
from conftest import FIXTURES, REPO, invoke, slim_italy

HARBOR = FIXTURES / "brands" / "harbor"
KITCHEN = FIXTURES / "kitchen-sink"


def _harbor_repo(root: Path) -> Path:
    repo = root / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    slim_italy(repo / "countries" / "italy", keep=("06", "07"))  # €, § and é
    shutil.copytree(HARBOR, repo, dirs_exist_ok=True)
    # extra.css names a file beside it; brand/ also holds a file it does not name
    (repo / "brand" / "tex").mkdir()
    (repo / "brand" / "tex" / "dots.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
        '<circle cx="4" cy="4" r="1" fill="#fff"/><script>alert(1)</script></svg>')
    (repo / "brand" / "private-notes.txt").write_text("not for the web")
    with open(repo / "brand" / "extra.css", "a", encoding="utf-8") as handle:
        handle.write('\n.masthead { background-image: url("tex/dots.svg"); }\n')
    return repo


@pytest.fixture(scope="module")
def harbor_site(tmp_path_factory) -> Path:
    repo = _harbor_repo(tmp_path_factory.mktemp("harbor-web"))
    build.build_study(repo / "countries/italy", repo / "build", ("html",))
    return repo / "build"


def _published(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*")
            if p.is_file() and ".casestudy" not in p.parts}


def test_the_web_edition_publishes_the_brands_assets_and_nothing_else(harbor_site):
    assets = {p for p in _published(harbor_site) if p.startswith("assets/")}
    fonts = {p for p in assets if p.startswith("assets/fonts/")}
    assert assets - fonts == {"assets/web.css", "assets/rtl.css", "assets/brand.css",
                              "assets/logo.png",
                              "assets/brand/extra.css", "assets/brand/tex/dots.svg"}
    # Plex only (Harbor's variable sans and static serif), at 400, 600 (its headings
    # weight) and 700; nothing of the default brand's Source fonts
    assert fonts == {f"assets/fonts/ibm-plex-{family}-{style}-{weight}.woff2"
                     for family in ("sans", "serif") for style in ("normal", "italic")
                     for weight in (400, 600, 700)}
    # the SVG that extra.css names is published sanitized, as a figure is
    dots = (harbor_site / "assets/brand/tex/dots.svg").read_bytes()
    assert b"<script" not in dots and b"<circle" in dots
    logo = (harbor_site / "assets/logo.png").read_bytes()
    assert logo == served_bytes(HARBOR / "brand/harbor-logo.png")


def test_the_page_links_the_brand_and_extra_css_last(harbor_site):
    page = (harbor_site / "italy/index.html").read_text("utf-8")
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert sheets == ["../assets/web.css", "../assets/brand.css", "../assets/brand/extra.css"]
    assert '<img src="../assets/logo.png" alt="Harbor Policy Group anchor">' in page
    assert "<style>" not in page  # the brand is a stylesheet, allowed by the page's CSP
    css = (harbor_site / "assets/brand.css").read_text("utf-8")
    assert "--primary: #0b5d3b;" in css and "--accent: #c98a00;" in css
    assert '--font-base: "IBM Plex Serif", "IBM Plex Sans"' in css
    assert "Source" not in css
    index = (harbor_site / "index.html").read_text("utf-8")
    assert 'href="assets/brand/extra.css"' in index and 'src="assets/logo.png"' in index


def test_what_extra_css_may_not_load_is_an_error_at_its_line(tmp_path):
    repo = _harbor_repo(tmp_path)
    (repo / "secret.png").write_bytes((REPO / "docs" / "cover.png").read_bytes())
    extra = repo / "brand" / "extra.css"
    lines = len(extra.read_text("utf-8").splitlines())
    with open(extra, "a", encoding="utf-8") as handle:
        handle.write(".cover-band { background-image: url(../secret.png); }\n"
                     ".byline { background: url(https://tracker.example/x.png); }\n"
                     '@import "missing.css";\n'
                     ".a { fill: url(#grad); }\n")
    result = invoke(repo, "check")
    assert result.exit_code == 2, result.output
    shown = "brand/extra.css"
    assert f"{shown}:{lines + 1}:33: error: '../secret.png' leads outside brand/" in result.output
    assert f"{shown}:{lines + 2}:23: error: 'https://tracker.example/x.png' is fetched " \
           "from elsewhere" in result.output
    assert f"{shown}:{lines + 3}:9: error: 'missing.css' is not a file in brand/" \
        in result.output
    assert "#grad" not in result.output
    assert "Traceback" not in result.output


def test_each_web_font_has_only_the_series_characters_and_its_weight(harbor_site):
    face = TTFont(harbor_site / "assets/fonts/ibm-plex-sans-normal-600.woff2")
    assert "fvar" not in face  # pinned: a static instance
    assert face["OS/2"].usWeightClass == 600
    chars = set(face.getBestCmap())
    assert {ord("€"), ord("§"), ord("é")} <= chars  # in the study, beyond the base set
    assert ord("Ж") not in chars  # in the font, not in the series


def test_a_series_index_masthead_can_be_overridden(tmp_path):
    repo = _harbor_repo(tmp_path)
    (repo / "brand/templates/index.html").write_text(
        '{% extends "casestudy/index.html" %}\n{% block masthead %}'
        '<header class="masthead"><p>Harbor index masthead</p></header>{% endblock %}\n')
    build.build_study(repo / "countries/italy", repo / "build", ("html",))
    index = (repo / "build/index.html").read_text("utf-8")
    assert "Harbor index masthead" in index and "publisher-name" not in index


def test_fallback_fonts_reach_the_web_edition_limited_to_their_ranges(tmp_path):
    repo = tmp_path / "ks"
    shutil.copytree(KITCHEN, repo)
    out = repo / "build"
    build.build_study(repo / "countries" / "kitchen-sink", out, ("html",))
    css = (out / "assets/brand.css").read_text("utf-8")
    brand = load_brand(repo)
    fallbacks = [f for f in brand.fonts if f.fallback]
    assert fallbacks, "the kitchen sink declares fallback fonts"
    for font in fallbacks:
        rule = next(line for line in css.splitlines() if f'"{font.family}"' in line
                    and "@font-face" in line)
        assert "unicode-range: U+" in rule
        name = re.search(r'url\("fonts/([^"]+)"\)', rule).group(1)
        cmap = set(TTFont(out / "assets/fonts" / name).getBestCmap())
        assert cmap and all(c > 0x2FF for c in cmap if c > 0x20)  # only its script's
    # the Japanese and Arabic of the study are in those files
    page = (out / "kitchen-sink/index.html").read_text("utf-8")
    used = {ord(c) for c in page if ord(c) > 0x2FF and c.isalpha()}
    published = set()
    for face in faces(brand):
        published |= set(TTFont(out / "assets/fonts" / face.filename).getBestCmap())
    assert used and used <= published


@pytest.mark.parametrize(("available", "wanted", "picked"), [
    ([300, 400, 600, 700], 400, 400),
    ([300, 500, 700], 400, 500),
    ([300, 600], 400, 300),
    ([300, 400, 700], 600, 700),
    ([300, 400], 700, 400),
    ([500, 700], 300, 500),
])
def test_static_faces_are_chosen_as_a_browser_matches_weights(available, wanted, picked):
    assert _nearest(available, wanted) == picked


def test_a_broken_index_override_is_an_error_at_its_line(tmp_path):
    """An override of the series index is the publisher's code like the others: its
    mistake is said at its own line, without a traceback (it was a traceback)."""
    repo = _harbor_repo(tmp_path)
    (repo / "brand/templates/index.html").write_text(
        '{% extends "casestudy/index.html" %}\n{% block masthead %}\n{{ nope( }}\n'
        "{% endblock %}\n", "utf-8")
    result = invoke(repo, "build", "--format", "html")
    assert result.exit_code != 0
    assert "brand/templates/index.html:3:1: error: brand template: " in result.output
    assert "Traceback" not in result.output
