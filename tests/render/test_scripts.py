"""Other languages and scripts in a built brief, read back from the PDF with PDFium.

One English study (the minimal one) is given a Hebrew phrase that crosses italics, a
marked Hebrew span, a ``::: {lang=he}`` quotation, a Hebrew citation whose italic title
is a run of its own (from the reference list, unmarked) and a Korean passage, and is
built in both editions. The PDF is read back: each line's characters sorted by their
position on the page (right-to-left runs must read in the order a Hebrew reader sees
them), where each line of Korean ends, and which font and matrix draw each character
of a script without italics.

Fonts: Heebo (fontpkg-heebo) and Noto Sans Arabic (fontpkg-noto-sans-arabic) from the
test extra, a Hangul subset of Nanum Gothic kept as a fixture
(tests/fixtures/scripts/fonts, OFL).
"""

from __future__ import annotations

import ctypes
import json
import re
import shutil
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from test_rtl_drawings import BRAND as RTL_BRAND
from test_rtl_drawings import font_file, lines_drawn

from casestudy.brand.load import default_brand, load_brand
from casestudy.render.html import render_html
from casestudy.render.scripts import isolate_rtl, join_hangul, upright
from casestudy.series.build import build_study
from casestudy.source.load import load_series, load_study
from conftest import FIXTURES, REPO, invoke, make_study
from pdfinfo import read_pdf

SCRIPTS = FIXTURES / "scripts"
KOREAN = re.search(r'KOREAN = \((.*?)\)\n', (SCRIPTS / "text.py").read_text("utf-8"), re.S)
KOREAN_MD = "".join(json.loads(s) for s in re.findall(r'"[^"]*"', KOREAN.group(1)))
KOREAN_TEXT = KOREAN_MD.replace("*", "")

GREEK = " ".join(["alpha beta gamma delta epsilon zeta eta theta iota kappa"] * 9)
SECTION = f"""

{GREEK} 한국의 방위산업은 {GREEK} שלום עולם {GREEK}

The ministry משרד *הביטחון הישראלי* said so, as did [משרד החוץ]{{lang=he}} officials.

::: {{lang=he}}
> הביטחון הוא *מעל הכול*, אמר השר.
:::

A note on the national security literature.[@cohen2020]

::: {{lang=ko}}
{KOREAN_MD} {KOREAN_MD}
:::
"""
REFERENCES = [{"id": "cohen2020", "type": "book",
               "author": [{"family": "כהן", "given": "דוד"}], "title": "ביטחון לאומי",
               "publisher": "Am Oved", "publisher-place": "Tel Aviv",
               "issued": {"date-parts": [[2020]]}}]
BRAND = RTL_BRAND + """    - family: Nanum Gothic
      source: file
      unicode-range: U+1100-11FF, U+3130-318F, U+AC00-D7A3
      files:
        - path: fonts/NanumGothic-subset.ttf
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    font_file("fontpkg-heebo", "Heebo")
    font_file("fontpkg-noto-sans-arabic", "NotoSansArabic")
    repo = tmp_path_factory.mktemp("scripts") / "repo"
    (repo / "countries").mkdir(parents=True)
    (repo / "fonts").mkdir()
    shutil.copyfile(SCRIPTS / "fonts" / "NanumGothic-subset.ttf",
                    repo / "fonts" / "NanumGothic-subset.ttf")
    (repo / "series.yaml").write_text((REPO / "series.yaml").read_text("utf-8")
                                      + "citations:\n  bibliography: true\n", "utf-8")
    (repo / "_brand.yml").write_text(BRAND, "utf-8")
    study = make_study(repo / "countries" / "israel")
    (study / "references.json").write_text(json.dumps(REFERENCES, ensure_ascii=False), "utf-8")
    with open(study / "sections" / "04-sectors.md", "a", encoding="utf-8") as handle:
        handle.write(SECTION)
    result = invoke(repo, "check", "israel")
    assert result.exit_code == 0, result.output
    build_study(study, repo / "build", ("pdf", "html"), load_series(repo))
    return repo / "build" / "israel.pdf", repo / "build" / "israel" / "index.html"


def all_lines(pdf: Path) -> list[str]:
    count = len(pypdfium2.PdfDocument(str(pdf)))
    return [line for page in range(count) for line in lines_drawn(pdf, page)]


def test_hebrew_crossing_italics_reads_right_to_left_in_the_pdf(built):
    lines = all_lines(built[0])
    # משרד הביטחון הישראלי, the last word leftmost, each word's first letter rightmost
    assert any("Theministryילארשיהןוחטיבהדרשמsaidso," in line for line in lines)
    assert any("asdidץוחהדרשמofficials." in line for line in lines)


def test_a_hebrew_citation_with_an_italic_title_reads_right_to_left(built):
    # PDFium reads a bracket after right-to-left text as its mirror: brackets left out
    lines = [re.sub("[()]", "", line) for line in all_lines(built[0])]
    # the note: דוד כהן, *ביטחון לאומי* (Tel Aviv: Am Oved, 2020).
    assert any("ימואלןוחטיב,ןהכדודTelAviv:AmOved,2020" in line for line in lines), lines
    # the bibliography: כהן, דוד. *ביטחון לאומי*. Tel Aviv: Am Oved, 2020.
    assert any("ימואלןוחטיב.דוד,ןהכ" in line for line in lines)


def test_a_hebrew_block_is_right_to_left_and_starts_at_the_right(built):
    """The ``::: {lang=he}`` quotation: its first word at the right end of the column
    (less the quotation's indent), its full stop at the line's left end."""
    pdf = pypdfium2.PdfDocument(str(built[0]))
    for page in pdf:
        text = page.get_textpage()
        hit = text.search("השר").get_next()
        if hit is None:
            continue
        chars = [(text.get_charbox(i), text.get_text_range(i, 1))
                 for i in range(text.count_chars()) if text.get_text_range(i, 1).strip()]
        column_right = max(box[2] for box, _ in chars)
        y = text.get_charbox(hit[0])[1]
        line = sorted((box[0], box[2], ch) for box, ch in chars if abs(box[1] - y) < 3)
        assert line[0][2] == "." and line[-1][2] == "ה", line
        assert column_right - line[-1][1] < 20  # the indent of a quotation, 1.2em
        return
    pytest.fail("the Hebrew quotation is not in the PDF")


def test_korean_lines_end_where_the_source_has_a_space(built):
    pdf = pypdfium2.PdfDocument(str(built[0]))
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    lines = [line.strip() for line in text.splitlines()
             if re.search("[\uac00-\ud7a3]", line) and not re.search("[a-z]", line)]
    assert len(lines) >= 3
    assert "\u2060" not in text  # the joiners are not in the text a reader copies
    source = f"{KOREAN_TEXT} {KOREAN_TEXT}"
    for line in lines:
        at = source.find(line)
        assert at >= 0, line
        after = source[at + len(line):at + len(line) + 1]
        assert after in (" ", ""), f"{line!r} breaks inside a word"


def _fonts_of(pdf: Path, pattern: str) -> dict[str, tuple[str, tuple[float, ...]]]:
    """Each character matching ``pattern``: the font that draws it and its matrix."""
    out = {}
    doc = pypdfium2.PdfDocument(str(pdf))
    for page in doc:
        text = page.get_textpage()
        for i in range(text.count_chars()):
            char = text.get_text_range(i, 1)
            if not re.match(pattern, char):
                continue
            name = ctypes.create_string_buffer(256)
            flags = ctypes.c_int()
            pdfium_c.FPDFText_GetFontInfo(text.raw, i, name, 256, ctypes.byref(flags))
            matrix = pdfium_c.FS_MATRIX()
            pdfium_c.FPDFText_GetMatrix(text.raw, i, ctypes.byref(matrix))
            out.setdefault(char, (name.value.decode(), (matrix.b, matrix.c)))
    return out


def test_every_font_is_the_brands(built):
    """The word joiners and the spans bring in no machine font (WeasyPrint names a
    font from a file by its PostScript name: NanumGothic)."""
    families = [f.family for f in load_brand(built[0].parent.parent).fonts]
    assert read_pdf(built[0]).foreign_fonts([*families, "NanumGothic"]) == set()


def test_scripts_without_italics_are_never_slanted(built):
    drawn = _fonts_of(built[0], "[\u0590-\u05ff\uac00-\ud7a3]")
    assert {"ה", "ב", "방", "육"} <= set(drawn)
    for char, (font, skew) in drawn.items():
        assert not re.search("italic|oblique", font, re.I), (char, font)
        assert skew == (0, 0), (char, skew)


def test_a_line_with_a_fallback_script_is_as_tall_as_its_neighbours(built):
    """The baselines of the paragraph that has a Korean and a Hebrew word among its
    Latin ones (the fallback fonts are taller than the text face) are evenly spaced."""
    pdf = pypdfium2.PdfDocument(str(built[0]))
    for page in pdf:
        text = page.get_textpage()
        if "한국의" not in text.get_text_range():
            continue
        baselines: dict[float, str] = {}
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
            drawn = text.get_text_bounded(*obj.get_bounds())
            baselines[round(obj.get_matrix().get()[5], 2)] = drawn
        ys = sorted((y for y, drawn in baselines.items()
                     if re.search(r"alpha|kappa|theta|zeta|한국|שלום", drawn)), reverse=True)
        gaps = [a - b for a, b in zip(ys, ys[1:], strict=False) if a - b < 30]  # one paragraph
        assert len(gaps) >= 4
        assert max(gaps) - min(gaps) < 0.15, gaps
        return
    pytest.fail("the paragraph is not in the PDF")


def test_both_editions_carry_lang_and_dir(built):
    web = built[1].read_text("utf-8")
    assert '<span lang="he" dir="rtl"><span class="upright">משרד החוץ</span></span>' in web
    assert '<div lang="he" dir="rtl">' in web and '<div lang="ko" dir="ltr">' in web
    assert "\u2060" not in web  # the web edition breaks Korean with CSS (keep-all)
    assert ('The ministry <span dir="rtl"><span class="upright">משרד</span> <em><span '
            'class="upright">הביטחון הישראלי</span></em></span> said so') in web


def test_the_markup_never_changes_the_text():
    html = ('<p>Cohen, <i>ספר &amp; הביטחון</i> and 한국의 <b>방위</b>산업 '
            '<a href="#x">שלום</a> <em>עולם</em>!<span class="footnote">הערה 1</span></p>')
    for step in (isolate_rtl, upright, join_hangul):
        out = step(html)
        assert re.sub(r"<[^>]*>|\u2060", "", out) == re.sub(r"<[^>]*>", "", html)
    assert isolate_rtl(html) == (
        '<p>Cohen, <span dir="rtl"><i>ספר &amp; הביטחון</i></span> and 한국의 <b>방위</b>산업 '
        '<span dir="rtl"><a href="#x">שלום</a> <em>עולם</em></span>!'
        '<span class="footnote"><span dir="rtl">הערה 1</span></span></p>')


@pytest.mark.parametrize("mode", ["print", "web"])
def test_a_right_to_left_study_language_sets_the_roots_direction(tmp_path, mode):
    """``language: he``: the root says lang and dir, so the body text runs right to left
    (the mirrored layout and the labels are the brief's templates' to do)."""
    study = make_study(tmp_path / "countries" / "israel")
    (study / "study.yaml").write_text((study / "study.yaml").read_text("utf-8")
                                      + 'language: "he"\n', "utf-8")
    shutil.copyfile(REPO / "series.yaml", tmp_path / "series.yaml")
    html = render_html(load_study(study), load_series(tmp_path), mode,
                       brand=default_brand())
    assert re.search(r'<html dir="rtl" lang="he">', html)
    english = render_html(load_study(make_study(tmp_path / "countries" / "norway")),
                          load_series(tmp_path), mode, brand=default_brand())
    assert re.search(r"<html lang=\"en\">", english) and 'dir="rtl"' not in english


def test_a_paragraph_that_reads_left_to_right_keeps_its_direction_in_a_hebrew_brief():
    """In a right-to-left brief, an English paragraph took the brief's direction: its
    full stop printed at its left end (".the tests It is read by"). Its first strong
    character decides, as a browser's dir=auto does; a Hebrew one, a paragraph that
    says its direction and a document written left to right are left as they are."""
    from casestudy.render.scripts import ltr_paragraphs

    page = ('<html dir="rtl" lang="he"><body><p>It is read by <em>the tests</em>.</p>'
            '<p>«2026» משרד הביטחון, <i>Defense</i>.</p><ul><li> (1) Key point one.</li>'
            '</ul><p dir="rtl">Cited as written.</p><p>1. <span class="footnote">A note'
            '</span> שלום.</p></body></html>')
    assert ltr_paragraphs(page) == page.replace("<p>It", '<p dir="ltr">It').replace(
        "<li> (1) Key point one.</li>", '<li><span dir="ltr"> (1) Key point one.</span></li>')
    nested = ('<html dir="rtl"><li>Point <b>one</b><ul><li>שתיים</li></ul></li></html>')
    assert ltr_paragraphs(nested) == nested.replace(
        "<li>Point <b>one</b><ul>", '<li><span dir="ltr">Point <b>one</b></span><ul>')
    left_to_right = page.replace(' dir="rtl" lang="he"', ' lang="en"')
    assert ltr_paragraphs(left_to_right) == left_to_right


def test_an_english_paragraph_in_a_hebrew_brief_ends_at_its_right(tmp_path):
    (tmp_path / "_brand.yml").write_text(RTL_BRAND, "utf-8")  # Heebo for the labels
    study = make_study(tmp_path / "countries" / "israel")
    (study / "study.yaml").write_text((study / "study.yaml").read_text("utf-8")
                                      + 'language: "he"\n', "utf-8")
    shutil.copyfile(REPO / "series.yaml", tmp_path / "series.yaml")
    build_study(study, tmp_path / "build", ("pdf",), load_series(tmp_path))
    doc = pypdfium2.PdfDocument(tmp_path / "build" / "israel.pdf")
    for page in doc:
        text = page.get_textpage()
        whole = text.get_text_range()
        at = whole.find("It is read by the tests.")
        if at >= 0:
            first, stop = text.get_charbox(at), text.get_charbox(at + 23)
            assert stop[0] > first[0]  # "It" at the left, its full stop at the right
            break
    else:
        raise AssertionError("the English sentence was not found in reading order")
