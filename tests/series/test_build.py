"""`casestudy build`: the PDF is read back and checked, not trusted."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from casestudy.brand.load import default_brand
from casestudy.errors import BuildError, ProblemsFound
from casestudy.series.build import build_study
from casestudy.source.load import load_series
from conftest import FIXTURES, REPO, invoke, make_study
from pdfinfo import read_pdf

SERIES = load_series(REPO)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    study = make_study(tmp_path_factory.mktemp("src") / "norway")
    build_study(study, out, ("pdf", "html"), SERIES)
    return out


@pytest.fixture(scope="module")
def facts(built):
    return read_pdf(built / "norway.pdf")


def test_cover_has_everything_a_brief_needs(facts):
    cover = facts.pages[0]
    for text in ("Meridian Institute for Strategy and Security", "FORWARD INDUSTRY PROGRAM",
                 "ISSUE BRIEF", "Minimal study", "A tiny fixture for the tests",
                 "By Test Author", "January 15, 2026",
                 "Allied Defense-Industrial Partnerships", "No. 9", "DRAFT"):
        assert text in cover, text
    assert "Page 1" not in cover


def test_every_page_but_the_cover_has_running_head_and_page_n_of_m(facts):
    total = len(facts.pages)
    assert total >= 8
    for number, text in enumerate(facts.pages[1:], start=2):
        assert f"Page {number} of {total}" in text
        assert "MINIMAL STUDY" in text  # the running head (short title, set in capitals)


def test_contents_lists_sections_with_their_pages(facts):
    toc = facts.pages[1]
    assert "CONTENTS" in toc
    for heading in ("The imperative of allied industrial integration",
                    "The state of the US-Norwegian defense-industrial relationship",
                    "Sector by sector", "Conclusion", "About the authors"):
        assert heading in toc
    # the page number printed in the contents is the page the heading is on
    page = next(i for i, t in enumerate(facts.pages[2:], 3) if "Sector by sector Land" in t
                or "Sector by sector" in t and "Land systems" in t)
    assert f"Sector by sector {page}" in toc


def test_footnotes_sit_on_the_page_of_their_call_numbered_through(facts):
    for marker, note in (("The imperative marker sentence", "Imperative footnote text"),
                         ("The sectors marker sentence", "Sectors footnote text")):
        pages = [i for i, t in enumerate(facts.pages) if note in t]
        assert len(pages) == 1, note
        assert marker in facts.pages[pages[0]]
    text = " ".join(facts.pages)
    # numbered through the brief: relationship's note is 2, sectors' notes 3 and 4
    assert "1. Imperative footnote text" in text
    assert "2. First note." in text
    assert "4. Sectors footnote text." in text


def test_figures_and_tables_are_numbered_with_source(facts):
    text = " ".join(facts.pages)
    assert "Figure 1. Two bars. Source: Invented." in text
    assert "Table 1. Two sectors compared." in text
    assert "Source: Invented for the tests." in text
    assert "Allies that build together fight together." in text


def test_author_text_is_never_a_template(facts):
    text = " ".join(facts.pages)
    assert "{{ 7*7 }}" in text
    assert "{% if true %}x{% endif %}" in text


def test_back_matter_from_study_yaml(facts):
    last = facts.pages[-1]
    assert "About the authors" in last
    assert "Test Author" in last and "Test Author writes fixtures." in last
    assert "FORWARD INDUSTRY PROGRAM" in last


def test_metadata_outline_and_tags(facts):
    meta = facts.reader.metadata
    assert meta.title == "Minimal study: A tiny fixture for the tests"
    assert meta.author == "Test Author"
    assert meta.subject == "A tiny fixture for the tests"
    assert meta["/Keywords"] == "Testing"
    root = facts.reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert facts.outline == [
        (0, "Key points"),
        (0, "The imperative of allied industrial integration"),
        (0, "The state of the US-Norwegian defense-industrial relationship"),
        (0, "Sector by sector"), (1, "Land systems"), (1, "Surface warships"),
        (0, "Cross-border ownership"),
        (0, "Security of supply: contact, contracts, and control"),
        (0, "Recommendations"), (0, "Conclusion"), (0, "About the authors"),
    ]


def test_links_internal_and_external(facts):
    uris, internal = facts.links()
    assert "https://example.org/tests" in uris
    assert "https://example.org/imperative" in uris
    assert internal >= 8  # the contents entries and the footnote calls


def test_only_the_brand_fonts_are_used_and_embedded(facts):
    fonts = facts.fonts()
    assert fonts, "no fonts found"
    for name, embedded in fonts:
        assert embedded, name
        assert name.replace("-", "").startswith(("SourceSerif4", "SourceSans3")), name
    # the SVG figure's text (a form of its own) included
    assert facts.foreign_fonts(["Source Serif 4", "Source Sans 3"]) == set()


def test_web_edition_has_its_assets(built):
    """The page's figures beside it; the stylesheets, logo and fonts shared in ../assets."""
    folder = built / "norway"
    html = (folder / "index.html").read_text()
    assert "Imperative footnote text" in html
    assert 'href="#fn-1"' in html
    assert "file://" not in html
    for asset in ("../assets/web.css", "../assets/brand.css", "../assets/logo.svg"):
        assert (folder / asset).is_file()
        assert f'"{asset}"' in html
    # an SVG figure is published beside the page and inlined in it (web/inline.py)
    assert (folder / "figures" / "chart.svg").is_file() and 'class="svg-figure' in html
    assert not (folder / "assets").exists()  # no copy of the fonts per study


def test_each_edition_links_its_stylesheet_once(built):
    from casestudy.render.html import render_html
    from casestudy.source.load import load_study

    web = (built / "norway" / "index.html").read_text()
    # the shared web.css and the series' brand.css, each once
    assert web.count('rel="stylesheet"') == 2
    assert web.count("assets/web.css") == 1 and web.count("assets/brand.css") == 1
    study = make_study(built.parent / "links" / "norway")
    printed = render_html(load_study(study), SERIES, "print", brand=default_brand())
    assert printed.count('rel="stylesheet"') == 1 and printed.count("brief.css") == 1


def test_two_builds_are_byte_identical(tmp_path, built):
    study = make_study(tmp_path / "norway")
    build_study(study, tmp_path / "out", ("pdf",), SERIES)
    first = (tmp_path / "out" / "norway.pdf").read_bytes()
    assert first == (built / "norway.pdf").read_bytes()


def test_a_failing_build_keeps_the_previous_pdf(tmp_path, built):
    out = tmp_path / "out"
    out.mkdir()
    previous = (built / "norway.pdf").read_bytes()
    (out / "norway.pdf").write_bytes(previous)
    study = make_study(tmp_path / "norway", FIXTURES / "check" / "images")
    with pytest.raises(ProblemsFound):
        build_study(study, out, ("pdf",), SERIES)
    assert (out / "norway.pdf").read_bytes() == previous
    assert sorted(p.name for p in out.iterdir()) == ["norway.pdf"]


def test_a_crash_while_writing_keeps_the_previous_pdf(tmp_path, built, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    previous = (built / "norway.pdf").read_bytes()
    (out / "norway.pdf").write_bytes(previous)

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(BuildError) as caught:
        build_study(make_study(tmp_path / "norway"), out, ("pdf",), SERIES)
    assert caught.value.message == (f"cannot write {out / 'norway.pdf'}: No space left on "
                                    "device; the previous output is unchanged")
    assert hashlib.sha256((out / "norway.pdf").read_bytes()).digest() == \
        hashlib.sha256(previous).digest()
    assert sorted(p.name for p in out.iterdir()) == ["norway.pdf"]


def test_cli_reports_errors_and_does_not_build(tmp_path, series_repo):
    make_study(series_repo / "countries" / "norway", FIXTURES / "check" / "html-and-links")
    result = invoke(series_repo, "build", "norway")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "countries/norway/sections/05-ownership.md:3:13: error: raw HTML is not allowed "
        "('<img src=\"file:///etc/passwd\">'); use Markdown")
    assert "norway: not built" in result.stderr
    assert not (series_repo / "build").exists()


def test_a_photo_is_embedded_at_print_resolution_and_a_small_image_as_it_is(tmp_path):
    from PIL import Image

    study = make_study(tmp_path / "norway")
    noise = Image.effect_noise((3600, 2400), 40).convert("RGB")  # a camera photo: 8.6 MP
    noise.save(study / "figures" / "photo.jpg", quality=90)
    Image.effect_noise((300, 200), 40).convert("RGB").save(study / "figures" / "small.png")
    section = study / "sections" / "03-relationship.md"
    text = section.read_text("utf-8").replace("figures/chart.svg", "figures/photo.jpg")
    section.write_text(text + "\n![A small image](figures/small.png)\n", "utf-8")
    pdf = build_study(study, tmp_path / "out", ("pdf",), SERIES).outputs[0]

    sizes = {image.image.size for page in read_pdf(pdf).reader.pages for image in page.images}
    # the figure spans the text column (under 7 in of a letter page): at most 300 dpi
    photo = next(size for size in sizes if size != (300, 200))
    assert sizes == {photo, (300, 200)}
    assert 1500 < photo[0] <= 300 * 7 and abs(photo[0] * 2 - photo[1] * 3) <= 3
    assert pdf.stat().st_size < (study / "figures" / "photo.jpg").stat().st_size / 3


def test_the_web_edition_scales_photos_down_and_publishes_only_what_is_shown(tmp_path):
    from PIL import Image

    study = make_study(tmp_path / "norway")
    figures = study / "figures"
    photo = Image.effect_noise((3600, 2400), 40).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the camera on its side: shown turned 90 degrees
    photo.save(figures / "photo.jpg", quality=90, exif=exif)
    Image.effect_noise((300, 200), 40).convert("RGB").save(figures / "small.png")
    (figures / "data.csv").write_text("year,value\n2024,1\n")
    section = study / "sections" / "03-relationship.md"
    section.write_text(section.read_text("utf-8").replace("figures/chart.svg",
                                                          "figures/photo.jpg")
                       + "\n![A small image](figures/small.png)\n", "utf-8")
    build_study(study, tmp_path / "out", ("html",), SERIES)

    served = tmp_path / "out" / "norway" / "figures"
    with Image.open(served / "photo.jpg") as image:
        assert (image.format, image.size) == ("JPEG", (1600, 2400))  # upright, 1600 wide
    assert (served / "photo.jpg").stat().st_size < (figures / "photo.jpg").stat().st_size / 2
    assert (served / "small.png").read_bytes() == (figures / "small.png").read_bytes()
    assert sorted(p.name for p in served.iterdir()) == ["photo.jpg", "small.png"]


@pytest.fixture(scope="module")
def notes_and_lists(tmp_path_factory) -> tuple[list[dict], str]:
    """A section whose numbered list runs on under three subheadings (1-3, 4-5, 6) and
    whose note has two paragraphs, a list, a quote and a list starting at 2: the PDF's
    text lines (pdfplumber: text and position) and the web edition's HTML."""
    import pdfplumber

    out = tmp_path_factory.mktemp("out")
    study = make_study(tmp_path_factory.mktemp("src") / "norway", FIXTURES / "notes-and-lists")
    build_study(study, out, ("pdf", "html"), SERIES)
    with pdfplumber.open(out / "norway.pdf") as pdf:
        lines = [line for page in pdf.pages for line in page.extract_text_lines()]
    return lines, (out / "norway" / "index.html").read_text("utf-8")


def test_numbered_lists_keep_their_numbers_in_the_pdf(notes_and_lists):
    text = [line["text"] for line in notes_and_lists[0]]
    assert "1. Fund the joint programme office." in text
    assert "4. Qualify a second source for every critical casting." in text
    assert "5. Share test ranges with the partner’s firms." in text
    assert "6. Write the exemption into the NDAA." in text
    assert "2. a numbered step two" in text and "3. a numbered step three" in text  # in a note


def test_a_footnote_keeps_its_paragraphs_lists_and_quotes_in_the_pdf(notes_and_lists):
    lines = notes_and_lists[0]
    at = {line["text"]: line for line in lines}
    first = next(line for line in lines if "The first paragraph of a long note" in line["text"])
    second = at["A second paragraph, after a blank line, that must not run into the first."]
    points = [at["• a first listed point"], at["• a second listed point"]]
    quote = at["A quoted sentence from the white paper, «with guillemets»."]
    assert first["text"].startswith("5")  # the note's number, then its first paragraph
    # each block on its own line(s), in order; the list and the quote indented
    tops = [first["top"], second["top"], *(p["top"] for p in points), quote["top"]]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
    assert second["x0"] == pytest.approx(first["x0"], abs=1)
    assert all(p["x0"] > second["x0"] + 3 for p in points) and quote["x0"] > second["x0"] + 8


def test_a_footnote_keeps_its_paragraphs_lists_and_quotes_on_the_web(notes_and_lists):
    html = notes_and_lists[1]
    note = html[html.index('<li id="fn-5"'):html.index("</ol> <a href=\"#fnref-5\"")]
    assert ("<p>The first paragraph of a long note, which cites the ministry.</p>\n"
            "<p>A second paragraph, after a blank line, that must not run into the first.</p>"
            ) in note
    assert "<ul>\n<li>a first listed point</li>\n<li>a second listed point</li>\n</ul>" in note
    assert "<blockquote>\n<p>A quoted sentence" in note and '<ol start="2">' in note
    assert '<ol start="4">' in html and "counter-reset" not in html  # browsers read start
