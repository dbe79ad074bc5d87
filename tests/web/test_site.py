"""The published web edition: the series index, the PDF beside each page, shared WOFF2
fonts cut to the series' text, and the metadata readers' tools use."""

from __future__ import annotations

import io
import json
import re
import shutil
from html.parser import HTMLParser

import pytest
from fontTools.ttLib import TTFont

from casestudy.brand import webfonts
from casestudy.brand.load import load_brand
from casestudy.series.build import build_study
from casestudy.source.keypoints import key_points
from casestudy.source.load import load_series
from casestudy.source.parse import parse_section
from conftest import REPO, make_study


class Page(HTMLParser):
    """The parts of a page the tests read: meta tags, links, JSON-LD, text."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.links: list[tuple[str, str]] = []
        self.scripts: list[tuple[str, str]] = []
        self._script: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("name" in a or "property" in a):
            self.meta.append((a.get("name") or a["property"], a.get("content") or ""))
        elif tag == "a":
            self.links.append((a.get("href") or "", a.get("type") or ""))
        elif tag == "script":
            self._script = a.get("type") or ""
            self.scripts.append((self._script, ""))

    def handle_data(self, data):
        if self._script is not None:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.meta if k == name]

    def json_ld(self) -> dict:
        (kind, text), = self.scripts
        assert kind == "application/ld+json"
        return json.loads(text)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A series of three: Norway and Japan built as web editions, Chile only checked."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / "series.yaml").write_text(
        (REPO / "series.yaml").read_text("utf-8")
        + 'site_url: "https://example.org/briefs/"\n', "utf-8")
    shutil.copyfile(REPO / "_brand.yml", repo / "_brand.yml")  # Meridian's brand
    shutil.copytree(REPO / "brand", repo / "brand")
    norway = make_study(repo / "countries" / "norway")
    japan = make_study(repo / "countries" / "japan")
    meta = japan / "study.yaml"
    meta.write_text(meta.read_text("utf-8")
                    .replace('title: "Minimal study"', 'title: "Kizuna </script><b>&amp; ñandú"')
                    .replace("series_number: 9", "series_number: 2")
                    .replace('name: "Norway"', 'name: "Japan"').replace('"NO"', '"JP"')
                    .replace("Norwegian", "Japanese"), "utf-8")
    summary = japan / "sections" / "01-summary.md"
    summary.write_text("# Key points\n\n- Café culture, naïve façades and the Ωmega team. Second "
                       "sentence is dropped from the index.\n- Another point.\n", "utf-8")
    make_study(repo / "countries" / "chile")
    series = load_series(repo)
    out = repo / "build"
    for study in (norway, japan):
        build_study(study, out, ("html",), series, repo=repo)
    return repo, out


def test_the_index_lists_the_built_studies_by_number(site):
    _, out = site
    html = (out / "index.html").read_text("utf-8")
    page = Page(html)
    hrefs = [href for href, _ in page.links]
    assert hrefs.index("japan/index.html") < hrefs.index("norway/index.html")  # no. 2, no. 9
    assert ("japan/japan.pdf", "application/pdf") in page.links
    assert ("norway/norway.pdf", "application/pdf") in page.links
    assert "chile" not in html  # not built: no dead link
    assert "No. 2 · Japan" in html and "No. 9 · Norway" in html
    assert "By Test Author" in html and "January 15, 2026" in html
    assert "Café culture, naïve façades and the Ωmega team.</li>" in html  # in short: one sentence
    assert "Second sentence" not in html
    assert "Kizuna &lt;/script&gt;&lt;b&gt;&amp;amp; ñandú" in html  # escaped, never markup
    assert page.json_ld()["hasPart"][0]["url"] == "https://example.org/briefs/japan/index.html"
    for asset in ("assets/web.css", "assets/brand.css", "assets/logo.svg"):
        assert f'"{asset}"' in html and (out / asset).is_file()


def test_each_page_links_its_pdf_beside_it_and_the_index(site):
    _, out = site
    for slug in ("norway", "japan"):
        page = Page((out / slug / "index.html").read_text("utf-8"))
        assert ("../index.html", "") in page.links
        assert (f"{slug}.pdf", "application/pdf") in page.links
        assert (out / slug / f"{slug}.pdf").read_bytes() == (out / f"{slug}.pdf").read_bytes()


def test_citation_open_graph_and_json_ld(site):
    _, out = site
    page = Page((out / "norway" / "index.html").read_text("utf-8"))
    assert page.values("citation_title") == ["Minimal study: A tiny fixture for the tests"]
    assert page.values("citation_author") == ["Test Author"]
    assert page.values("citation_publication_date") == ["2026/01/15"]
    assert page.values("citation_publisher") == ["Meridian Institute for Strategy and Security"]
    assert page.values("citation_pdf_url") == ["https://example.org/briefs/norway/norway.pdf"]
    assert page.values("citation_technical_report_number") == ["9"]
    assert page.values("og:title") == ["Minimal study: A tiny fixture for the tests"]
    assert page.values("og:type") == ["article"]
    assert page.values("og:url") == ["https://example.org/briefs/norway/index.html"]
    assert page.values("article:published_time") == ["2026-01-15"]
    report = page.json_ld()
    assert report["@type"] == "Report" and report["@context"] == "https://schema.org"
    assert report["isPartOf"] == {"@type": "CreativeWorkSeries",
                                  "name": "Allied Defense-Industrial Partnerships",
                                  "url": "https://example.org/briefs/index.html"}
    assert report["author"][0]["name"] == "Test Author"
    assert report["datePublished"] == "2026-01-15"
    assert report["encoding"]["contentUrl"] == "https://example.org/briefs/norway/norway.pdf"


def test_json_ld_cannot_be_closed_by_a_title(site):
    _, out = site
    html = (out / "japan" / "index.html").read_text("utf-8")
    block = html.split('<script type="application/ld+json">', 1)[1]
    assert block.index("</script>") > block.index("}\n")  # the first </script> closes it
    report = Page(html).json_ld()
    assert report["headline"] == "Kizuna </script><b>&amp; ñandú"


def test_without_site_url_the_links_stay_relative(tmp_path):
    repo = tmp_path / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    study = make_study(repo / "countries" / "norway")
    build_study(study, repo / "build", ("html",), load_series(repo), repo=repo)
    page = Page((repo / "build" / "norway" / "index.html").read_text("utf-8"))
    assert page.values("citation_pdf_url") == ["norway.pdf"]
    assert page.values("og:url") == []
    assert "url" not in page.json_ld()["isPartOf"]


def test_fonts_are_woff2_subsets_of_the_series_text_shared_by_every_page(site):
    _, out = site
    fonts = sorted((out / "assets" / "fonts").iterdir())
    faces = webfonts.faces(load_brand(out.parent))
    assert [f.name for f in fonts] == sorted(f.filename for f in faces)
    assert len(fonts) == 8 and sum(f.stat().st_size for f in fonts) < 200_000
    for face in faces:
        data = (out / "assets" / "fonts" / face.filename).read_bytes()
        assert data[:4] == b"wOF2"
        cmap = TTFont(io.BytesIO(data)).getBestCmap()
        whole = TTFont(face.font.path).getBestCmap()
        used = {ord(c) for c in "Café naïve façade Ωmega"} & set(whole)  # Japan's summary
        assert used and used <= set(cmap)
        assert ord("ж") in whole and ord("ж") not in cmap  # no text of the series uses it
        assert len(cmap) < 300
    brand = (out / "assets" / "brand.css").read_text()
    for font in fonts:
        assert f'url("fonts/{font.name}") format("woff2")' in brand
    assert "--primary: #1b2a4a" in brand
    for slug in ("norway", "japan"):
        html = (out / slug / "index.html").read_text("utf-8")
        # (the provenance meta names the brand's font files: not a reference to them)
        page = re.sub(r'<meta name="casestudy:manifest" content="[^"]*">', "", html)
        assert "<style" not in page and " style=" not in page and ".ttf" not in page


def test_a_series_unchanged_is_not_written_again(site):
    repo, out = site
    index, font = out / "index.html", next((out / "assets" / "fonts").iterdir())
    before = index.stat().st_mtime_ns, font.stat().st_mtime_ns
    build_study(repo / "countries" / "norway", out, ("html",), load_series(repo), repo=repo)
    assert (index.stat().st_mtime_ns, font.stat().st_mtime_ns) == before


def test_key_points_in_short():
    parsed = parse_section("# Key points\n\n- Short. But the second sentence makes it "
                           "longer than forty.\n- A first sentence that is long enough "
                           "to stand alone. Dropped.\n  - nested, not a point\n- "
                           + "word " * 60 + "\n")
    points = key_points(parsed)
    assert points[0] == "Short. But the second sentence makes it longer than forty."
    assert points[1] == "A first sentence that is long enough to stand alone."
    assert len(points) == 3 and points[2].endswith("word…") and len(points[2]) <= 181


def test_a_page_without_its_study_folder_link_out_is_not_read(tmp_path):
    """The index reads the studies beside the one built; a study.yaml linking out of its
    folder is not read."""
    repo = tmp_path / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    study = make_study(repo / "countries" / "norway")
    evil = repo / "countries" / "evil"
    (evil / "sections").mkdir(parents=True)
    secret = tmp_path / "secret.yaml"
    secret.write_text(re.sub("Minimal study", "Secret ж",
                             (study / "study.yaml").read_text("utf-8")), "utf-8")
    (evil / "study.yaml").symlink_to(secret)
    (repo / "build" / "evil").mkdir(parents=True)
    (repo / "build" / "evil" / "index.html").write_text("old page")
    build_study(study, repo / "build", ("html",), load_series(repo), repo=repo)
    assert "Secret" not in (repo / "build" / "index.html").read_text("utf-8")
    fonts = repo / "build" / "assets" / "fonts"
    for font in fonts.iterdir():
        assert ord("ж") not in TTFont(io.BytesIO(font.read_bytes())).getBestCmap()
