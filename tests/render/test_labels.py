"""Labels in the study's language, and a right-to-left study mirrored, read back from
the built briefs.

Each study is the minimal fixture with a ``language:`` line, built for real (PDF, and
the web edition for Hebrew) and read back: its text with PDFium, the places of its
characters from PDFium's character boxes. The right-to-left brief is compared with the
left-to-right one: the same page furniture, on the other sides.

Fonts: Heebo (fontpkg-heebo, in the test extra) draws the Hebrew labels; a subset of
Nanum Gothic kept beside the fixtures (tests/fixtures/labels) the Korean ones.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pypdfium2
import pytest

from casestudy.brand.load import load_brand
from casestudy.render.html import render_html
from casestudy.series import build
from casestudy.source.load import load_series, load_study
from conftest import FIXTURES, REPO, invoke, make_study
from pdfinfo import read_pdf

HEBREW_BRAND = """typography:
  fonts:
    - family: Heebo
      source: system
      unicode-range: U+0590-05FF
"""
KOREAN_BRAND = """typography:
  fonts:
    - family: Hangul Labels
      source: file
      unicode-range: U+AC00-D7A3
      files:
        - {path: fonts/NanumGothic-labels.ttf, weight: 400}
"""


def repo_with(base: Path, language: str, series_extra: str = "", brand: str = "",
              slug: str = "study") -> Path:
    """A series repository (this series.yaml, plus ``series_extra``) holding the minimal
    study in ``language``; ``brand`` as its _brand.yml when given."""
    repo = base / f"repo-{slug}"
    (repo / "countries").mkdir(parents=True)
    text = (REPO / "series.yaml").read_text("utf-8") + series_extra
    (repo / "series.yaml").write_text(text, "utf-8")
    if brand:
        (repo / "_brand.yml").write_text(brand, "utf-8")
    study = make_study(repo / "countries" / slug)
    with open(study / "study.yaml", "a", encoding="utf-8") as handle:
        handle.write(f"language: {language}\n")
    return repo


def built(repo: Path, slug: str = "study", formats: tuple[str, ...] = ("pdf",)) -> Path:
    check = invoke(repo, "check", slug)
    assert check.exit_code == 0, check.output
    build.build_study(repo / "countries" / slug, repo / "build", formats)
    return repo / "build" / f"{slug}.pdf"


Char = tuple[str, float, float, float, float]


def chars(pdf: Path, page: int) -> tuple[list[Char], float, float]:
    """Each character drawn on ``page``: (char, left, bottom, right, top) in points, and
    the page's width and height."""
    doc = pypdfium2.PdfDocument(str(pdf))
    sheet = doc[page]
    text = sheet.get_textpage()
    out = []
    for i in range(text.count_chars()):
        char = text.get_text_range(i, 1)
        if char.strip():
            out.append((char, *text.get_charbox(i, loose=True)))  # a line's height
    width, height = sheet.get_size()
    return out, width, height


def centre_x(found: list[Char]) -> float:
    assert found, "nothing found"
    return sum((c[1] + c[3]) / 2 for c in found) / len(found)


def untagged(html: str) -> str:
    """The page without the spans render/scripts.py puts around other scripts' runs
    (``upright``: no synthetic italics; ``dir``: an isolated right-to-left run)."""
    return re.sub(r'<span (?:class="upright"|dir="rtl")>([^<]*)</span>', r"\1", html)


def hebrew(char: str) -> bool:
    return "\u0590" <= char <= "\u05ff"


# ---------------------------------------------------------------- Italian

@pytest.fixture(scope="module")
def italian(tmp_path_factory) -> Path:
    return built(repo_with(tmp_path_factory.mktemp("it"), "it"))


def test_an_italian_study_prints_italian_labels_dates_and_numbers(italian):
    pages = read_pdf(italian).pages
    cover, contents, last = pages[0], pages[1], pages[-1]
    assert "NOTA DI ANALISI" in cover  # the series label, upper case by the stylesheet
    assert "di Test Author" in cover
    assert "15 gennaio 2026" in cover  # Babel's long date in Italian
    assert "N. 9" in cover
    assert "BOZZA: non diffondere" in cover
    assert "INDICE" in contents and "Gli autori" in contents
    for n, text in enumerate(pages[1:], start=2):
        assert f"Pagina {n} di {len(pages)}" in text
    body = "\n".join(pages)
    assert "Figura 1." in body and "Tabella 1." in body and "Fonte:" in body
    assert "Figure 1." not in body and "Source:" not in body and "Page 2" not in body
    assert "Gli autori" in last
    assert "nota di analisi n. 9." in last  # the imprint


def test_a_series_override_wins_over_the_catalogue(tmp_path):
    extra = ('labels:\n  it:\n    contents: "Sommario"\n    page: "Pag. {page}/{pages}"\n'
             '  en:\n    about-authors: "The authors"\n')
    pages = read_pdf(built(repo_with(tmp_path, "it", extra))).pages
    assert "SOMMARIO" in pages[1] and "INDICE" not in pages[1]
    assert f"Pag. 2/{len(pages)}" in pages[1] and "Pagina" not in "".join(pages)
    # an English override does not reach an Italian study that has the label
    assert "Gli autori" in pages[-1] and "The authors" not in pages[-1]


def test_the_series_own_label_is_not_translated_away(tmp_path):
    """series.yaml's label is the series' English name for its briefs: a series that
    calls them otherwise keeps its name in Italian too, and check says so at the
    study's language."""
    repo = repo_with(tmp_path, "it")
    text = (repo / "series.yaml").read_text("utf-8")
    (repo / "series.yaml").write_text(text.replace('label: "Issue Brief"',
                                                   'label: "Policy Paper"'), "utf-8")
    result = invoke(repo, "check", "study")
    assert result.stdout == (
        "countries/study/study.yaml:18:11: warning: label 'series-label' has no "
        "translation for 'it' (Italian): printed in English (add it to series.yaml under "
        "labels: it:)\n")
    html = render_html(load_study(repo / "countries" / "study"), load_series(repo),
                       brand=load_brand(repo))
    assert '<p class="label">Policy Paper</p>' in html


# ---------------------------------------------------------------- Hebrew, mirrored

@pytest.fixture(scope="module")
def hebrew_repo(tmp_path_factory) -> Path:
    if importlib.util.find_spec("fontpkg_heebo") is None:
        pytest.skip("needs the font package fontpkg-heebo (pip install fontpkg-heebo)")
    repo = repo_with(tmp_path_factory.mktemp("he"), "he", brand=HEBREW_BRAND)
    built(repo, formats=("pdf", "html"))
    return repo


def bands(pdf: Path, page: int) -> tuple[list, list, float, float]:
    """The characters of the page's head and foot (the margin boxes, in the outer
    tenth and sixteenth of its height: not the body, nor the footnotes)."""
    found, width, height = chars(pdf, page)
    head = [c for c in found if c[2] > 0.9 * height]
    foot = [c for c in found if c[4] < height / 16]
    return head, foot, width, height


def test_a_hebrew_study_prints_hebrew_labels(hebrew_repo):
    doc = pypdfium2.PdfDocument(str(hebrew_repo / "build" / "study.pdf"))
    pages = [page.get_textpage().get_text_range() for page in doc]
    assert "מסמך מדיניות" in pages[0]  # the series label
    assert "15 בינואר 2026" in pages[0]  # Babel's long date in Hebrew
    assert "טיוטה: לא להפצה" in pages[0]
    assert "תוכן העניינים" in pages[1] and "על המחברים" in pages[1]
    assert "עמוד" in pages[2] and "מתוך" in pages[2]  # "page 3 of 10"
    assert "Page " not in "".join(pages) and "About the authors" not in "".join(pages)


def test_a_hebrew_brief_has_its_page_furniture_mirrored(hebrew_repo, italian):
    """Running head and publisher at the right, series name and page number at the
    left: where the Italian (left-to-right) brief has them the other way round."""
    head, foot, width, _ = bands(hebrew_repo / "build" / "study.pdf", 2)
    number = [c for c in foot if hebrew(c[0]) or c[0].isdigit()]
    publisher = [c for c in foot if c[0].isascii() and c[0].isalpha()]
    assert centre_x(number) < width / 3 and centre_x(publisher) > 2 * width / 3
    right = "".join(c[0] for c in sorted(head, key=lambda c: c[1]) if c[1] > width / 2)
    assert right == "MINIMALSTUDY"  # the running head
    assert all(c[3] < width / 2 for c in head if hebrew(c[0]))  # "No. 9" of the series
    # and the other way round in a left-to-right brief
    head, foot, width, _ = bands(italian, 2)
    right = "".join(c[0] for c in sorted(foot, key=lambda c: c[1]) if c[1] > width / 2)
    assert right.startswith("Pagina3di")
    left = "".join(c[0] for c in sorted(head, key=lambda c: c[1]) if c[3] < width / 2)
    assert left == "MINIMALSTUDY"


def test_the_key_points_box_reads_from_the_right(hebrew_repo):
    """The box's bullets stand at its right, and its lines are set flush right, ragged
    at the left."""
    found, width, _ = chars(hebrew_repo / "build" / "study.pdf", 2)
    bullets = [c for c in found if c[0] == "\u2022"]
    assert len(bullets) == 4
    assert min(c[1] for c in bullets) > 0.8 * width
    top = max(c[4] for c in bullets) + 1
    bottom = min(c[2] for c in bullets) - 16  # the last point's second line
    lines: dict[int, list] = {}
    for c in found:
        if c[0] != "\u2022" and bottom < c[2] and c[4] < top:
            lines.setdefault(round(c[2]), []).append(c)  # loose boxes: one bottom a line
    assert len(lines) == 8  # four points of two lines each
    rights = [max(c[3] for c in line) for line in lines.values()]
    lefts = [min(c[1] for c in line) for line in lines.values()]
    assert max(rights) - min(rights) < 1.5  # flush right
    assert max(lefts) - min(lefts) > 10  # ragged left
    assert max(rights) < min(c[1] for c in bullets)  # the text at the bullets' left


def test_the_hebrew_web_edition_is_right_to_left(hebrew_repo):
    page = (hebrew_repo / "build" / "study" / "index.html").read_text("utf-8")
    assert re.search(r'<html\b(?=[^>]*\slang="he")(?=[^>]*\sdir="rtl")', page)
    assert '<link rel="stylesheet" href="../assets/rtl.css">' in page
    assert (hebrew_repo / "build" / "assets" / "rtl.css").is_file()
    assert "<h2>על המחברים</h2>" in untagged(page)
    assert '<p class="date">15 בינואר 2026</p>' in untagged(page)
    assert '<span aria-hidden="true">→ </span>' in page  # "back" points to the right


# ---------------------------------------------------------------- Korean and Japanese

def test_a_korean_study_prints_korean_labels_in_the_brands_hangul_font(tmp_path):
    repo = repo_with(tmp_path, "ko", brand=KOREAN_BRAND)
    shutil.copytree(FIXTURES / "labels", repo / "fonts")
    pdf = built(repo)
    doc = pypdfium2.PdfDocument(str(pdf))
    pages = [page.get_textpage().get_text_range() for page in doc]
    # PDFium reads the word joiners between Hangul syllables (render/scripts.py) as
    # spaces: the words are compared without them
    pages = ["".join(page.split()) for page in pages]
    assert "이슈브리프" in pages[0] and "2026년1월15일" in pages[0] and "제9호" in pages[0]
    assert "저자:TestAuthor" in pages[0] and "목차" in pages[1]
    assert f"3/{len(pages)}" in pages[2]
    assert read_pdf(pdf).foreign_fonts(["Source Serif 4", "Source Sans 3",
                                        "Hangul Labels"]) == set()


def test_japanese_labels_need_a_font_for_them_and_are_japanese(tmp_path):
    """Without a Han and Kana font in the brand, the labels are an error at the study's
    language (never a machine font's glyphs); the page itself is in Japanese."""
    repo = repo_with(tmp_path, "ja")
    result = invoke(repo, "check", "study")
    assert result.exit_code == 1
    assert result.stdout == (
        "countries/study/study.yaml:18:11: error: the labels in 'ja' (Japanese): U+653F 政, "
        "U+7B56 策, U+30D6 ブ and 62 more (Han, Katakana, Common, Hiragana) are in no brief "
        "font; add a fallback font for Han, Katakana and Hiragana to the brand\n")
    html = render_html(load_study(repo / "countries" / "study"), load_series(repo),
                       brand=load_brand(repo))
    html = untagged(html)
    assert '<h2 class="toc-title">目次</h2>' in html
    assert '<p class="byline">著者：Test Author</p>' in html
    assert '<p class="date">2026年1月15日</p>' in html
    assert '<span class="label">図1</span>' in html and "出典：" in html
    assert 'content: counter(page) " / " counter(pages);' in html


# ---------------------------------------------------------------- series.yaml

@pytest.mark.parametrize("labels, back, expected", [
    ('  it:\n    kye-points: "In sintesi"\n', 0,
     "series.yaml:{line}:5: error: labels.it.kye-points: unknown label; did you mean "
     "'key-points'?"),
    ('  iw:\n    contents: "x"\n', 1,
     "series.yaml:{line}:3: error: labels.iw: 'iw' is a withdrawn or non-standard language "
     "code; did you mean 'he'?"),
])
def test_series_labels_are_checked_where_they_are_written(tmp_path, labels, back, expected):
    repo = repo_with(tmp_path, "it", "labels:\n" + labels)
    line = len((repo / "series.yaml").read_text("utf-8").splitlines()) - back
    result = invoke(repo, "check", "study")
    assert result.exit_code == 2
    assert result.stderr.strip() == expected.format(line=line)
    assert "Traceback" not in result.output


def test_an_override_with_a_placeholder_its_label_lacks_is_an_error(tmp_path):
    repo = repo_with(tmp_path, "it", 'labels:\n  it:\n    page: "Pagina {pagina}"\n'
                                     '  fr:\n    page: "Page {x}"\n')
    line = len((repo / "series.yaml").read_text("utf-8").splitlines()) - 2
    result = invoke(repo, "check", "study")
    assert result.exit_code == 1
    # the French override is not this study's: said where a French study is checked
    assert result.stdout == (f"series.yaml:{line}:11: error: labels.it.page: {{pagina}} is "
                             "not filled in this label; it has {page}, {pages}\n")


def test_a_partial_override_warns_for_the_labels_it_lacks(tmp_path):
    repo = repo_with(tmp_path, "pt-BR", 'labels:\n  pt:\n' + "".join(
        f'    {name}: "x"\n' for name in ("series-label", "number", "byline", "draft-mark",
                                          "status-draft", "status-review", "contents",
                                          "key-points", "figure", "table", "source",
                                          "notes", "back-to-text", "bibliography",
                                          "about-authors", "project-manager",
                                          "builds-on", "acknowledgement", "imprint",
                                          "page")))
    result = invoke(repo, "check", "study")
    assert result.stdout == (
        "countries/study/study.yaml:18:11: warning: labels 'pdf-link', 'kilobytes', "
        "'megabytes', 'series-nav' have no translation for 'pt-BR' (Portuguese (Brazil)): "
        "printed in English (add them to series.yaml under labels: pt-BR:)\n")


def test_a_label_in_the_page_footer_cannot_leave_its_css_string(tmp_path):
    repo = repo_with(tmp_path, "it", 'labels:\n  it:\n    page: "P. {page} \\"</style><b>x\\\\"\n')
    html = render_html(load_study(repo / "countries" / "study"), load_series(repo),
                       brand=load_brand(repo))
    assert "</style><b>" not in html
    assert ('@bottom-right { content: "P. " counter(page) '
            '" \\22 \\3c /style\\3e \\3c b\\3e x\\5c "; }') in html
