"""The kitchen sink, built on letter and A4: held as pictures, and read back.

Every page is rendered with PDFium (pypdfium2) at a low resolution and compared with the golden
images in ``tests/fixtures/kitchen-sink/golden/<size>/``, within a tolerance, in the
manner of WeasyPrint's own drawing tests. After a deliberate change of the rendering,
look at the new pages and regenerate them:

    CASESTUDY_REGEN=1 python -m pytest tests/end_to_end/test_kitchen_sink.py

A failing comparison names the page and how much differs, and saves the difference
image beside the test's temporary files.

Its section ``05-ownership.md`` is the reference page of other scripts: Hebrew and
Arabic spans in an English paragraph, a ``::: chart`` labelled in four scripts, then a
block of Hebrew, Arabic, Korean and Japanese, each with emphasis and a block quote. When
regenerating, look there for: right-to-left runs in reading order and right-aligned
blocks (the Hebrew block's comma at a line's left end, its italic title crossing a line
end), joined Arabic (the chart's too), no empty boxes, nothing slanted but Latin, Korean
lines ending only at spaces, and lines with those scripts spaced as the English ones.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from casestudy.brand.load import load_brand
from casestudy.series.build import build_study
from casestudy.source.load import load_series
from conftest import FIXTURES
from pdfinfo import page_images, read_pdf, to_unicode

KITCHEN = FIXTURES / "kitchen-sink"
GOLDEN = KITCHEN / "golden"
DPI = 30
# a pixel differs when its grey level moves by more than this (anti-aliasing moves less)
LEVELS = 64
MAX_DIFFERING = 0.004  # of a page's pixels: a moved word is about 0.1 %, a reflow far more
SIZES = ("letter", "a4")

@pytest.fixture(scope="module", params=SIZES)
def built(request, tmp_path_factory) -> tuple[str, Path, object]:
    size = request.param
    root = tmp_path_factory.mktemp(f"kitchen-{size}") / "series"
    shutil.copytree(KITCHEN, root, ignore=shutil.ignore_patterns("golden"))
    config = root / "series.yaml"
    config.write_text(config.read_text().replace("page_size: letter", f"page_size: {size}"))
    series = load_series(root)
    out = root / "build"
    result = build_study(root / "countries" / "kitchen-sink", out, ("pdf",), series)
    return size, result.outputs[0], series


def test_only_brief_fonts_are_embedded(built):
    """No machine font: every font drawn with, in pages and in SVG forms, is a brand font
    or a declared fallback (and the fallbacks are really used)."""
    _, pdf, series = built
    facts = read_pdf(pdf)
    families = sorted({f.family for f in load_brand(series.root).fonts})
    assert facts.foreign_fonts(families) == set()
    names = facts.font_names()
    assert any(n.startswith("Noto-Sans-JP") for n in names)
    assert any(n.startswith("Noto-Sans-Arabic") for n in names)
    assert any(n.startswith("Heebo") for n in names)
    assert any(n.startswith("NanumGothic") for n in names)
    assert not [n for n in names if "Oblique" in n]  # a synthetic slant (tests/oblique.py)
    assert all(embedded for _, embedded in facts.fonts())


def test_japanese_is_drawn_with_real_glyphs_of_the_fallback_font(built):
    """Text extraction would find the text even if it were drawn as empty boxes: look at the
    glyphs instead. Each Japanese character is a real glyph (not 0, .notdef) of the
    embedded fallback font, and the page shows ink where it stands."""
    _, pdf, _ = built
    facts = read_pdf(pdf)
    glyphs: dict[int, str] = {}
    for page in facts.reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            if str(font["/BaseFont"]).split("+", 1)[-1].startswith("Noto-Sans-JP"):
                glyphs.update(to_unicode(font))
    drawn = set(glyphs.values())
    assert set("三菱重工業防衛装備庁日米") <= drawn
    assert 0 not in glyphs  # .notdef is never drawn for a character
    assert "三菱重工業" in " ".join(facts.pages)


def _render(pdf: Path, folder: Path) -> list[Path]:
    """The pages as grey PNGs, page-01.png on (the golden images' names)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, image in enumerate(page_images(pdf, DPI, grey=True), 1):
        paths.append(folder / f"page-{number:02d}.png")
        image.save(paths[-1], optimize=True)
    return paths


def test_pages_match_the_golden_images(built, tmp_path):
    from PIL import Image, ImageChops

    size, pdf, _ = built
    pages = _render(pdf, tmp_path / "pages")
    golden = GOLDEN / size
    if os.environ.get("CASESTUDY_REGEN"):
        shutil.rmtree(golden, ignore_errors=True)
        golden.mkdir(parents=True)
        for page in pages:
            shutil.copyfile(page, golden / page.name)
        pytest.skip(f"regenerated {len(pages)} golden pages in {golden}: look at them")
    expected = sorted(golden.glob("page-*.png"))
    assert [p.name for p in pages] == [p.name for p in expected], (
        f"{size}: {len(pages)} pages, the golden images have {len(expected)}")
    failures = []
    for page, want in zip(pages, expected, strict=True):
        with Image.open(page) as got_image, Image.open(want) as want_image:
            if got_image.size != want_image.size:
                failures.append(f"{page.name}: {got_image.size} pixels, not {want_image.size}")
                continue
            diff = ImageChops.difference(got_image.convert("L"), want_image.convert("L"))
            histogram = diff.histogram()
            differing = sum(histogram[LEVELS + 1:]) / (diff.width * diff.height)
            if differing > MAX_DIFFERING:
                saved = tmp_path / f"{size}-{page.stem}-diff.png"
                diff.point(lambda v: 255 if v > LEVELS else 0).save(saved)
                failures.append(f"{page.name}: {differing:.2%} of its pixels differ "
                                f"(the tolerance is {MAX_DIFFERING:.2%}); difference in {saved}")
    assert not failures, f"{size}: " + "; ".join(failures)


def test_a_long_table_crosses_a_page_with_its_head_repeated(built):
    _, pdf, _ = built
    pages = read_pdf(pdf).pages
    with_rows = [i for i, text in enumerate(pages) if "Mogami-class frigate" in text]
    assert len(with_rows) >= 2, "the table fits on one page: make it longer"
    assert all("Sector Partner Program Form" in pages[i] for i in with_rows)
    # the table starts on the page of the text before it: no page is left empty before it
    assert "the table below is long enough to cross a page" in pages[with_rows[0]]


def test_table_cells_are_not_hyphenated(built):
    """Narrow cells break between words only ("Interceptor pro-gramme" is what auto
    hyphenation made of them)."""
    _, pdf, _ = built
    [page] = [text for text in read_pdf(pdf).pages if "Narrow cells" in text]
    words = set(page.split())
    for word in ("Interceptor", "programme", "production", "stockpiles", "Maintenance",
                 "Coproduction", "Sustainment", "arrangement", "Interoperability",
                 "requirements", "destroyers", "Electronics"):
        assert word in words, f"{word!r} was broken: {page}"
    assert not [w for w in words if w.endswith(("-", "\u2010")) and w != "-"]


def test_no_page_ends_with_a_heading(built):
    """A heading is kept with the first lines of what follows it (break-after: avoid,
    orphans): the last line of body text on a page is never a heading."""
    import pdfplumber

    _, pdf, _ = built
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages[2:]:  # after the cover and the contents
            body = [c for c in page.chars if c["size"] > 8 and c["text"].strip()]
            if not body:
                continue
            bottom = max(c["bottom"] for c in body)
            last = [c for c in body if abs(c["bottom"] - bottom) < 2]
            heading = all(c["size"] >= 11.4 and ("Bold" in c["fontname"] or "Semi" in
                                                   c["fontname"]) for c in last)
            text = "".join(c["text"] for c in sorted(last, key=lambda c: c["x0"]))
            assert not heading, f"page {page.page_number} ends with the heading {text!r}"


@pytest.fixture(scope="module")
def many_headings(tmp_path_factory) -> Path:
    """A study whose conclusion is forty subsections of uneven length: without the rule,
    some heading lands at the foot of a page."""
    root = tmp_path_factory.mktemp("headings") / "series"
    shutil.copytree(KITCHEN, root, ignore=shutil.ignore_patterns("golden"))
    words = "The relationship between the two industries rests on contracts and trust. "
    parts = ["# Conclusion\n"]
    for i in range(40):
        parts.append(f"## Point number {i + 1}\n\n" + words * (3 + (i * 7) % 11) + "\n")
    (root / "countries/kitchen-sink/sections/08-conclusion.md").write_text("\n".join(parts))
    result = build_study(root / "countries" / "kitchen-sink", root / "build", ("pdf",),
                         load_series(root))
    return result.outputs[0]


def test_no_heading_is_left_at_the_foot_of_a_page(many_headings):
    test_no_page_ends_with_a_heading(("letter", many_headings, None))
