"""Font collections (.ttc) in _brand.yml: a face chosen by name or number, written out as
a font of its own into the user's cache folder (files/fonts.py), drawn in the brief.

The collection is made here with fontTools from the kitchen sink's two subset fonts
(Noto Sans Arabic, TrueType; Noto Sans CJK JP, CFF: tests/fixtures/kitchen-sink/fonts,
OFL), the way Korean and Japanese fonts come (NotoSansCJK.ttc, NanumGothic.ttc).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont

from casestudy.brand.load import load_brand
from casestudy.errors import ProblemsFound
from casestudy.files.fonts import font_cmap
from casestudy.series import build
from conftest import FIXTURES, REPO, cut_sections, invoke
from pdfinfo import page_images, read_pdf

FONTS = FIXTURES / "kitchen-sink" / "fonts"
ARABIC, JAPANESE = FONTS / "NotoSansArabic-subset.ttf", FONTS / "NotoSansCJKjp-subset.otf"


def make_collection(target: Path) -> Path:
    collection = TTCollection()
    collection.fonts = [TTFont(ARABIC), TTFont(JAPANESE)]
    target.parent.mkdir(parents=True, exist_ok=True)
    collection.save(target)
    return target


def repo_with_brand(tmp_path: Path, files: str) -> Path:
    """A series (this repository's series.yaml and Italy) whose brand declares a font
    family ``Collected`` with ``files`` (the YAML under ``files:``)."""
    repo = tmp_path / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    make_collection(repo / "fonts" / "pair.ttc")
    (repo / "_brand.yml").write_text(
        "typography:\n  fonts:\n    - family: Collected\n      source: file\n"
        f"      files:\n{files}      unicode-range: U+0600-06FF, U+3000-30FF, U+4E00-9FFF\n",
        "utf-8")
    return repo


def collected(repo: Path) -> list[Path]:
    return [f.path for f in load_brand(repo).fonts if f.family == "Collected"]


@pytest.mark.parametrize(("face", "source"), [
    ("'Noto Sans Arabic Regular'", ARABIC),  # the full name
    ("NotoSansCJKjp-Regular", JAPANESE),  # the PostScript name
    ("noto sans cjk jp", JAPANESE),  # the family, in any case
    ("0", ARABIC),
    ("1", JAPANESE),
])
def test_a_face_chosen_by_name_or_number_is_written_to_the_cache(tmp_path, check_cache, face,
                                                                  source):
    repo = repo_with_brand(tmp_path, f"        - path: fonts/pair.ttc\n          face: {face}\n")
    [path] = collected(repo)
    assert path.parent == check_cache / "fonts"  # the user's cache, not the repository
    assert path.suffix == source.suffix  # CFF outlines stay an .otf
    assert font_cmap(path) == font_cmap(source)
    with TTFont(path) as font, TTFont(source) as original:
        assert font.getGlyphOrder() == original.getGlyphOrder()
    # written once: the same collection and face give the same file and bytes
    data = path.read_bytes()
    assert collected(repo) == [path] and path.read_bytes() == data


BAD = [
    ("        - fonts/pair.ttc\n",
     "_brand.yml:6:11: error: font file 'fonts/pair.ttc' is a collection of 2 faces; choose "
     "one with face: (a number or a name): 0: Noto Sans Arabic Regular; 1: Noto Sans CJK JP"),
    ("        - path: fonts/pair.ttc\n          face: 2\n",
     "_brand.yml:7:17: error: face 2 is not in 'fonts/pair.ttc', whose faces are numbered 0 "
     "to 1: 0: Noto Sans Arabic Regular; 1: Noto Sans CJK JP"),
    ("        - path: fonts/pair.ttc\n          face: Noto Sans KR\n",
     "_brand.yml:7:17: error: face 'Noto Sans KR' names no face of 'fonts/pair.ttc'; give a "
     "full name or a number: 0: Noto Sans Arabic Regular; 1: Noto Sans CJK JP"),
    ("        - path: fonts/one.ttf\n          face: 1\n",
     "_brand.yml:7:17: error: face: chooses a face of a .ttc font collection; "
     "'fonts/one.ttf' is one face already"),
    ("        - fonts/fake.ttc\n",
     "_brand.yml:6:11: error: font file 'fonts/fake.ttc' is not a .ttc font (or is too "
     "large)"),
]


@pytest.mark.parametrize(("files", "expected"), BAD)
def test_a_collection_without_a_face_it_has_is_an_error_at_its_line(tmp_path, files,
                                                                    expected):
    repo = repo_with_brand(tmp_path, files)
    shutil.copyfile(ARABIC, repo / "fonts" / "one.ttf")
    (repo / "fonts" / "fake.ttc").write_bytes(b"not a font")
    with pytest.raises(ProblemsFound) as caught:
        load_brand(repo)
    lines = [str(p).replace(str(repo) + "/", "") for p in caught.value.problems]
    assert lines == [expected]


def test_a_truncated_collection_is_an_error_not_a_traceback(tmp_path):
    repo = repo_with_brand(tmp_path, "        - path: fonts/pair.ttc\n          face: 0\n")
    pair = repo / "fonts" / "pair.ttc"
    pair.write_bytes(pair.read_bytes()[:40])
    with pytest.raises(ProblemsFound) as caught:
        load_brand(repo)
    [line] = [str(p).replace(str(repo) + "/", "") for p in caught.value.problems]
    assert line.startswith("_brand.yml:6:17: error: font file 'fonts/pair.ttc' cannot be "
                           "read as a .ttc font collection")


def test_the_kitchen_sink_draws_the_same_from_faces_of_a_collection(tmp_path):
    """Its Japanese and Arabic fallbacks, moved to _brand.yml, then taken from one .ttc
    (one face by name, one by number): the brief is the same, page for page, and embeds
    the faces under their families."""
    repo = tmp_path / "ks"
    shutil.copytree(FIXTURES / "kitchen-sink", repo)
    cut_sections(repo / "countries/kitchen-sink", keep=("01", "02", "05"))  # its Japanese, Arabic
    assert invoke(repo, "upgrade").exit_code == 0
    build.build_study(repo / "countries/kitchen-sink", repo / "files")
    brand_file = repo / "_brand.yml"
    make_collection(repo / "fonts" / "pair.ttc")
    text = brand_file.read_text("utf-8")
    text = text.replace("        - fonts/NotoSansCJKjp-subset.otf\n",
                        "        - path: fonts/pair.ttc\n          face: Noto Sans CJK JP\n")
    text = text.replace("        - fonts/NotoSansArabic-subset.ttf\n",
                        "        - path: fonts/pair.ttc\n          face: 0\n")
    brand_file.write_text(text, "utf-8")
    for single in (ARABIC.name, JAPANESE.name):
        (repo / "fonts" / single).unlink()  # nothing but the collection left to draw with
    check = invoke(repo, "check")
    assert check.exit_code == 0, check.output
    build.build_study(repo / "countries/kitchen-sink", repo / "faces")
    before, after = repo / "files/kitchen-sink.pdf", repo / "faces/kitchen-sink.pdf"
    assert [i.tobytes() for i in page_images(after, 40)] == \
        [i.tobytes() for i in page_images(before, 40)]
    names = read_pdf(after).font_names()
    assert any(n.startswith("Noto-Sans-JP") for n in names), names
    assert any(n.startswith("Noto-Sans-Arabic") for n in names), names


def test_the_fallback_block_of_the_fonts_page_loads_as_written(tmp_path):
    """docs/fonts.md gives a _brand.yml block of fallbacks for Hebrew and Arabic from PyPI
    font packages: loaded exactly as printed there, it has no problem and covers both."""
    from casestudy.check.glyphs import coverage_for

    page = (REPO / "docs" / "fonts.md").read_text("utf-8")
    section = page.split("## A fallback for each script", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    repo = tmp_path / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    (repo / "_brand.yml").write_text(block, "utf-8")
    brand = load_brand(repo)
    assert [str(p) for p in brand.problems] == []
    assert coverage_for(brand).uncovered("משרד הביטחון وزارة الدفاع") == []


def test_a_brand_font_without_a_space_is_a_located_warning(tmp_path):
    """Pango sets the spaces of a run in the run's font: a font (or a subset cut too
    close) without U+0020 prints them as missing glyphs, now that no machine font stands
    in. Said at the file's line of _brand.yml; a font with a space says nothing."""
    from fontTools import subset

    repo = tmp_path / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    source = FIXTURES / "kitchen-sink" / "fonts" / "Heebo-subset.ttf"
    font = TTFont(source)
    cutter = subset.Subsetter()
    cutter.populate(text="שלום")  # the letters, not the space
    cutter.subset(font)
    font.save(repo / "hebrew-no-space.ttf")
    shutil.copyfile(source, repo / "hebrew.ttf")
    (repo / "_brand.yml").write_text(
        "typography:\n  fonts:\n"
        "    - family: Heebo\n      source: file\n      unicode-range: U+0590-05FF\n"
        "      files:\n        - hebrew-no-space.ttf\n"
        "    - family: Heebo Whole\n      source: file\n      unicode-range: U+0590-05FF\n"
        "      files:\n        - hebrew.ttf\n", "utf-8")
    warnings = [str(p).replace(str(repo) + "/", "") for p in load_brand(repo).problems]
    assert warnings == [
        "_brand.yml:7:11: warning: font file 'hebrew-no-space.ttf' has no space (U+0020): "
        "the spaces of the text drawn in it print as missing glyphs (Pango sets a run's "
        "spaces in the run's font); use a font, or a subset, that keeps the space"]
