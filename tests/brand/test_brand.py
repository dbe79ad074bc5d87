"""The brand: _brand.yml read with located errors, a second brand built, the default
brand, overrides, the old series.yaml colours, and rebuilds when the brand changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casestudy.brand.load import default_brand, load_brand
from casestudy.errors import BuildError, ProblemsFound
from casestudy.render import cache
from casestudy.render.html import render_html
from casestudy.series import build
from casestudy.source.load import load_series, load_study
from conftest import FIXTURES, REPO, cut_sections, invoke, make_study, slim_italy
from pdfinfo import page_images, read_pdf

HARBOR = FIXTURES / "brands" / "harbor"
PINE = (0x0B, 0x5D, 0x3B)  # Harbor's primary colour (color.primary: pine)


def _repo_with(tmp_path: Path, brand: Path | None = None, study: str = "italy",
               slim: tuple[str, ...] | None = None) -> Path:
    """A series repository: this one's series.yaml and a study, with ``brand`` laid over;
    Italy cut to the sections numbered in ``slim`` (conftest.slim_italy) when given."""
    repo = tmp_path / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    if slim is not None:
        slim_italy(repo / "countries" / "italy", keep=slim)
    else:
        shutil.copytree(REPO / "countries" / study, repo / "countries" / study)
    if brand is not None:
        shutil.copytree(brand, repo, dirs_exist_ok=True)
    return repo


# ---------------------------------------------------------------- a second brand, built

@pytest.fixture(scope="module")
def harbor_pdf(tmp_path_factory) -> Path:
    repo = _repo_with(tmp_path_factory.mktemp("harbor"), HARBOR, slim=("05",))
    # the brand is on every page: Italy's prose is cut but for the section of its one
    # chart, drawn from its CSV in the brand's headings face (Harbor's sans)
    build.build_study(repo / "countries/italy", repo / "build")
    return repo / "build/italy.pdf"


def test_a_second_brand_embeds_only_its_own_fonts(harbor_pdf):
    fonts = read_pdf(harbor_pdf).fonts()
    assert fonts, "no fonts found"
    assert all(embedded for _, embedded in fonts)
    families = {name.split(",")[0].rsplit("-", 1)[0] if "-" in name else name
                for name, _ in fonts}
    assert {name for name, _ in fonts if not name.startswith(("IBM-Plex-Serif",
                                                              "IBM-Plex-Sans"))} == set()
    assert any(n.startswith("IBM-Plex-Serif") for n, _ in fonts)  # base
    assert any(n.startswith("IBM-Plex-Sans") for n, _ in fonts)  # headings
    assert families


def test_the_cover_is_in_the_brands_primary_colour_with_its_logo(harbor_pdf, tmp_path):
    [cover] = page_images(harbor_pdf, 40, pages=range(1))
    # the band's top right corner: no text, no logo there
    pixel = cover.getpixel((cover.width - 10, 10))
    assert all(abs(a - b) <= 2 for a, b in zip(pixel, PINE, strict=True)), pixel
    page = read_pdf(harbor_pdf).reader.pages[0]
    logos = [image for image in page.images if image.image.size == (240, 240)]
    assert logos, "Harbor's 240x240 PNG logo is not drawn on the cover"


def test_the_brands_cover_block_replaces_ours_and_the_rest_stays(harbor_pdf):
    pages = read_pdf(harbor_pdf).pages
    assert "HARBOR BRIEFING · ISSUE BRIEF" in pages[0]  # the override's text
    assert "Una squadra vincente" in pages[0]
    assert "Forward Industry Program" not in pages[0].upper().title()  # our band's line
    assert "Contents" in pages[1] or "CONTENTS" in pages[1]  # our template goes on
    assert "Page 3 of" in pages[2]  # running heads: our block, kept


def test_the_meridian_brand_of_this_repository_is_todays_look():
    brand = load_brand(REPO)
    assert brand.colors["primary"] == "#1b2a4a" and brand.colors["accent"] == "#b5462f"
    assert brand.colors["muted"] == "#5f6b7a" and brand.colors["tint"] == "#eef1f6"
    assert brand.logos["medium"].path == REPO / "brand/logo.svg"
    assert brand.extra_css == REPO / "brand/extra.css"
    assert (brand.base.families, brand.headings.families) == (("Source Serif 4",),
                                                              ("Source Sans 3",))
    assert brand.problems == ()
    html = render_html(load_study(REPO / "countries/italy"), load_series(REPO), brand=brand)
    assert "--primary: #1b2a4a;" in html
    assert html.index("brief.css") < html.index("brand/extra.css")  # extra.css comes last


def test_without_a_brand_file_the_neutral_default_brand_is_used(tmp_path):
    repo = _repo_with(tmp_path)
    brand = load_brand(repo)
    assert brand == default_brand() and brand.file is None
    assert brand.logos["medium"].path.name == "logo.svg"
    assert "branding/default" in brand.logos["medium"].path.as_posix()
    assert brand.colors["primary"] != "#1b2a4a"  # not Meridian's


def test_a_brand_file_sets_only_what_differs(tmp_path):
    repo = _repo_with(tmp_path)
    (repo / "_brand.yml").write_text("color:\n  primary: '#123456'\n", "utf-8")
    brand = load_brand(repo)
    assert brand.colors["primary"] == "#123456"
    assert brand.colors["accent"] == default_brand().colors["accent"]
    assert brand.fonts == default_brand().fonts
    assert brand.logos == default_brand().logos


def test_fallback_families_after_the_first_are_listed_for_other_scripts(tmp_path):
    repo = _repo_with(tmp_path)
    (repo / "_brand.yml").write_text(
        "typography:\n  base:\n    family: Source Serif 4, IBM Plex Serif\n", "utf-8")
    brand = load_brand(repo)
    assert brand.base.families == ("Source Serif 4", "IBM Plex Serif")
    assert brand.fallback_fonts() == ["IBM Plex Serif"]
    assert brand.base.stack == '"Source Serif 4", "IBM Plex Serif"'
    plex = [f for f in brand.fonts if f.family == "IBM Plex Serif"]
    assert plex and all(f.fallback for f in plex)
    assert not any(f.fallback for f in brand.fonts if f.family == "Source Serif 4")
    # every stack names every brand font, its own first, and no generic family
    assert brand.stack("headings") == '"Source Sans 3", "Source Serif 4", "IBM Plex Serif"'


def test_a_font_limited_to_a_unicode_range_says_so_in_its_font_face(tmp_path):
    repo = _repo_with(tmp_path)
    (repo / "_brand.yml").write_text(
        "typography:\n  fonts:\n    - family: IBM Plex Sans\n      source: system\n"
        "      unicode-range: U+0400-04FF, U+0500-052F\n", "utf-8")
    brand = load_brand(repo)  # not named by any role: a fallback of each, by its range
    assert brand.fallback_fonts() == ["IBM Plex Sans"]
    assert brand.stack("base") == '"Source Serif 4", "IBM Plex Sans", "Source Sans 3"'
    assert all(f.fallback for f in brand.fonts if f.family == "IBM Plex Sans")
    html = render_html(load_study(repo / "countries/italy"), load_series(repo), brand=brand)
    faces = [line for line in html.splitlines() if '"IBM Plex Sans"' in line and "@font" in line]
    # WeasyPrint takes a face's range as its whole character set: the face lists what the
    # font has of the declared range and the brand fonts lack, as the glyph rule judges it
    assert faces
    for face in faces:
        ranges = face.split("unicode-range: ")[1].split(";")[0].split(", ")
        bounds = [int(n, 16) for r in ranges for n in r[2:].split("-")]
        assert bounds and all(0x400 <= n <= 0x52F for n in bounds), face


def test_fonts_from_files_beside_the_brand_file(tmp_path):
    repo = _repo_with(tmp_path)
    (repo / "fonts").mkdir()
    source = default_brand().fonts[0].path
    shutil.copyfile(source, repo / "fonts" / "Body.ttf")
    (repo / "_brand.yml").write_text(
        "typography:\n  fonts:\n    - family: House Serif\n      source: file\n"
        "      files:\n        - path: fonts/Body.ttf\n          weight: 100 900\n"
        "  base: House Serif\n", "utf-8")
    brand = load_brand(repo)
    house = [f for f in brand.fonts if f.family == "House Serif"]
    assert [(f.path, f.weight, f.style) for f in house] == [
        (repo / "fonts/Body.ttf", "100 900", "normal")]


# ---------------------------------------------------------------- located errors

BAD = [
    ("colour:\n  primary: red\n",
     "_brand.yml:1:1: error: unknown key 'colour': not part of the brand.yml format"),
    ("color:\n  primary: 'not a colour'\n",
     "_brand.yml:2:12: error: 'not a colour' is neither a colour (#rrggbb, rgb(...), a CSS "
     "name), a theme colour (primary, secondary, ...) nor a name in color.palette"),
    ("color:\n  palette:\n    a: b\n    b: a\n  primary: a\n",
     "_brand.yml:3:8: error: palette colours refer to each other in a circle: a -> b -> a"),
    ("color:\n  primary: 'red; } body { display: none'\n",
     "_brand.yml:2:12: error: 'red; } body { display: none' is neither a colour (#rrggbb, "
     "rgb(...), a CSS name), a theme colour (primary, secondary, ...) nor a name in "
     "color.palette"),
    ("logo:\n  medium: brand/none.svg\n",
     "_brand.yml:2:11: error: logo 'brand/none.svg' not found (paths are relative to "
     "_brand.yml)"),
    ("logo:\n  medium: https://example.org/logo.svg\n",
     "_brand.yml:2:11: error: logo 'https://example.org/logo.svg' is a URL: files are never "
     "fetched; put the file beside _brand.yml and give its relative path"),
    ("logo:\n  medium: ../outside.svg\n",
     "_brand.yml:2:11: error: logo '../outside.svg' leads outside the folder of _brand.yml"),
    ("logo:\n  medium: series.yaml\n",
     "_brand.yml:2:11: error: logo 'series.yaml' has an unsupported type; use .svg, .png"),
    ("logo:\n  images:\n    x:\n      path: fake.png\n  small: x\n",
     "_brand.yml:4:13: error: logo 'fake.png' is not a PNG file"),
    ("typography:\n  base:\n    family: Source Serif 4\n    size: big\n",
     "_brand.yml:4:11: error: size 'big' is not a length such as 10.5pt or 1rem"),
    ("typography:\n  headings:\n    family: 'x\"; } * { color: red'\n",
     "_brand.yml:3:13: error: font family 'x\"; } * { color: red' has characters a family "
     "name cannot have"),
    ("typography:\n  fonts:\n    - family: F\n      source: file\n      files:\n"
     "        - path: series.yaml\n",
     "_brand.yml:6:17: error: font file 'series.yaml' has an unsupported type; use .ttf, "
     ".otf, .ttc, .woff, .woff2"),
    ("typography:\n  fonts:\n    - family: F\n      source: file\n      files:\n"
     "        - fake.ttf\n",
     "_brand.yml:6:11: error: font file 'fake.ttf' is not a .ttf font (or is too large)"),
    ("typography:\n  fonts:\n    - family: IBM Plex Sans\n      source: system\n"
     "      unicode-range: 'U+0400-04FF; }'\n",
     "_brand.yml:5:22: error: unicode-range 'U+0400-04FF; }' is not a CSS unicode-range "
     "such as U+3000-30FF, U+4E00-9FFF"),
    ("color:\n  primary: red\n  primary: blue\n",
     "_brand.yml:3:3: error: duplicate key 'primary' (first defined on line 2)"),
    ("color: [\n", None),  # a syntax error: located by the YAML reader
    ("- a list\n", "_brand.yml:1:1: error: _brand.yml must be a mapping of keys"),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_a_bad_brand_file_is_an_error_at_its_line(tmp_path, text, expected):
    repo = _repo_with(tmp_path)
    (repo / "_brand.yml").write_text(text, "utf-8")
    (repo / "fake.png").write_text("not a png")
    (repo / "fake.ttf").write_text("not a font")
    with pytest.raises(ProblemsFound) as caught:
        load_brand(repo)
    lines = [str(p).replace(str(repo) + "/", "") for p in caught.value.problems]
    if expected is None:
        assert lines[0].startswith("_brand.yml:2:1: error: invalid YAML"), lines
    else:
        assert lines == [expected]


def test_the_command_line_prints_brand_errors_located_and_exits_2(tmp_path):
    repo = _repo_with(tmp_path)
    (repo / "_brand.yml").write_text("color:\n  primary: nope\nlogo: x.svg\n", "utf-8")
    result = invoke(repo, "build", "italy")
    assert result.exit_code == 2
    assert result.output.splitlines()[:2] == [
        "_brand.yml:2:12: error: 'nope' is neither a colour (#rrggbb, rgb(...), a CSS name), "
        "a theme colour (primary, secondary, ...) nor a name in color.palette",
        "_brand.yml:3:7: error: logo 'x.svg' not found (paths are relative to _brand.yml)"]
    assert not (repo / "build").exists()


def test_a_broken_override_template_is_an_error_at_its_line(tmp_path):
    repo = _repo_with(tmp_path, HARBOR)
    (repo / "brand/templates/brief.html").write_text(
        '{% extends "casestudy/brief.html" %}\n{% block cover %}\n{{ nope( }}\n'
        '{% endblock %}\n', "utf-8")
    brand = load_brand(repo)
    with pytest.raises(BuildError) as caught:
        render_html(load_study(repo / "countries/italy"), load_series(repo), brand=brand)
    assert caught.value.path == str(repo / "brand/templates/brief.html")
    assert caught.value.line == 3


# ---------------------------------------------------------------- series.yaml's colours

OLD_COLORS = """series_name: "S"
publisher: "P"
programme: "Q"
colors:
  primary: "#112233"  # navy, from the 2024 guide
  accent: "#aa3300"

  muted: "#556677"
  tint: "#eeeeee"
# the house style
style:
  banned: ["game changer"]
"""


def test_old_colours_in_series_yaml_warn_where_they_go_and_still_apply(tmp_path):
    (tmp_path / "series.yaml").write_text(OLD_COLORS, "utf-8")
    brand = load_brand(tmp_path)
    assert brand.colors["primary"] == "#112233" and brand.colors["tint"] == "#eeeeee"
    assert [str(p).replace(str(tmp_path) + "/", "") for p in brand.problems] == [
        "series.yaml:4:1: warning: 'colors' belongs in _brand.yml now (primary -> "
        "color.primary, accent -> color.palette.accent, muted -> color.secondary, tint -> "
        "color.light); `casestudy upgrade` moves it there (used as it is meanwhile)"]


def test_upgrade_moves_the_colours_into_a_new_brand_file_keeping_comments(tmp_path):
    (tmp_path / "series.yaml").write_text(OLD_COLORS, "utf-8")
    (tmp_path / "countries").mkdir()
    result = invoke(tmp_path, "upgrade")
    assert result.exit_code == 0, result.output
    assert "_brand.yml: created with the colours primary, accent, muted, tint" in result.output
    series = (tmp_path / "series.yaml").read_text("utf-8")
    assert series == OLD_COLORS.replace(OLD_COLORS[OLD_COLORS.index("colors:"):
                                                   OLD_COLORS.index("# the house")], "")
    text = (tmp_path / "_brand.yml").read_text("utf-8")
    assert "# navy, from the 2024 guide" in text
    brand = load_brand(tmp_path)
    assert brand.problems == ()
    assert (brand.colors["primary"], brand.colors["accent"], brand.colors["muted"],
            brand.colors["tint"]) == ("#112233", "#aa3300", "#556677", "#eeeeee")
    again = invoke(tmp_path, "upgrade")
    assert again.exit_code == 0 and "_brand.yml" not in again.output


def test_upgrade_refuses_a_clash_and_writes_nothing(tmp_path):
    (tmp_path / "series.yaml").write_text(OLD_COLORS, "utf-8")
    (tmp_path / "countries").mkdir()
    brand_text = "# ours\ncolor:\n  primary: '#000000'\n"
    (tmp_path / "_brand.yml").write_text(brand_text, "utf-8")
    result = invoke(tmp_path, "upgrade")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "_brand.yml:3:12: error: series.yaml's colors.primary is '#112233' but "
        "color.primary here is '#000000'; keep one and delete colors from series.yaml by hand")
    assert (tmp_path / "series.yaml").read_text("utf-8") == OLD_COLORS
    assert (tmp_path / "_brand.yml").read_text("utf-8") == brand_text


def test_upgrade_adds_to_an_existing_brand_file_and_keeps_its_comments(tmp_path):
    (tmp_path / "series.yaml").write_text(OLD_COLORS, "utf-8")
    (tmp_path / "countries").mkdir()
    (tmp_path / "_brand.yml").write_text(
        "# our brand\nmeta:\n  name: Acme  # the short name\ncolor:\n  primary: '#112233'\n",
        "utf-8")
    assert invoke(tmp_path, "upgrade").exit_code == 0
    text = (tmp_path / "_brand.yml").read_text("utf-8")
    assert text.startswith("# our brand\nmeta:\n  name: Acme  # the short name\n")
    assert load_brand(tmp_path).colors["muted"] == "#556677"


def _page_pixels(pdf: Path) -> list[bytes]:
    return [image.tobytes() for image in page_images(pdf, 40)]


def test_upgrade_moves_fallback_fonts_and_the_brief_stays_the_same(tmp_path):
    """The kitchen sink's old series.yaml fonts (Japanese, Arabic, Hebrew, Korean, by
    script) move into a new _brand.yml as fonts limited to a unicode-range; the warning
    goes; its brief is the same, page for page, with its other scripts in the same fonts."""
    repo = tmp_path / "ks"
    shutil.copytree(FIXTURES / "kitchen-sink", repo)
    cut_sections(repo / "countries/kitchen-sink", keep=("01", "02", "05"))  # its other scripts
    before = repo / "before"
    build.build_study(repo / "countries/kitchen-sink", before)
    warned = invoke(repo, "check")
    assert "series.yaml:12:1: warning: 'fallback_fonts' belongs in _brand.yml" in warned.output
    result = invoke(repo, "upgrade")
    assert result.exit_code == 0, result.output
    assert ("_brand.yml: created with the fallback fonts Noto Sans JP, Noto Sans Arabic, "
            "Heebo, NanumGothic from series.yaml") in result.output
    assert "fallback_fonts" not in (repo / "series.yaml").read_text("utf-8")
    brand = load_brand(repo)
    assert brand.problems == ()
    moved = {f.family: f for f in brand.fonts if f.fallback}
    assert set(moved) == {"Noto Sans JP", "Noto Sans Arabic", "Heebo", "NanumGothic"}
    assert "U+4E09" in moved["Noto Sans JP"].unicode_range  # 三, Han
    assert "U+627" in moved["Noto Sans Arabic"].unicode_range  # ا
    assert "fallback_fonts" not in invoke(repo, "check").output
    after = repo / "after"
    build.build_study(repo / "countries/kitchen-sink", after)
    assert _page_pixels(before / "kitchen-sink.pdf") == _page_pixels(after / "kitchen-sink.pdf")
    assert invoke(repo, "upgrade").output.count("_brand.yml") == 0  # nothing left to move


def test_upgrade_refuses_a_fallback_font_the_brand_declares_and_writes_nothing(tmp_path):
    repo = tmp_path / "ks"
    shutil.copytree(FIXTURES / "kitchen-sink", repo)
    brand_text = ("typography:\n  fonts:\n    - family: Noto Sans Arabic\n      source: file\n"
                  "      files: [fonts/NotoSansArabic-subset.ttf]\n")
    (repo / "_brand.yml").write_text(brand_text, "utf-8")
    series = (repo / "series.yaml").read_bytes()
    result = invoke(repo, "upgrade")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "_brand.yml:3:15: error: series.yaml's fallback font 'Noto Sans Arabic' is declared "
        "here already; keep one and delete fallback_fonts from series.yaml by hand")
    assert (repo / "series.yaml").read_bytes() == series
    assert (repo / "_brand.yml").read_text("utf-8") == brand_text


# ---------------------------------------------------------------- rebuilds

def test_an_edit_to_any_part_of_the_brand_rebuilds_and_a_no_op_does_not(tmp_path, renders):
    repo = tmp_path / "repo"
    make_study(repo / "countries" / "norway")
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    shutil.copytree(HARBOR, repo, dirs_exist_ok=True)
    fonts = repo / "fonts"
    fonts.mkdir()
    shutil.copyfile(default_brand().fonts[0].path, fonts / "Body.ttf")
    brand_file = repo / "_brand.yml"
    brand_file.write_text(brand_file.read_text().replace(
        "    - family: IBM Plex Serif\n      source: system\n",
        "    - family: IBM Plex Serif\n      source: file\n      files: [fonts/Body.ttf]\n"))
    study, out = repo / "countries" / "norway", repo / "build"

    def rebuilds() -> bool:
        before = len(renders)
        build.build_study(study, out)
        return len(renders) > before

    def append(path: Path, data: bytes) -> None:
        with open(path, "ab") as handle:
            handle.write(data)

    assert rebuilds()
    assert not rebuilds()
    brand_file.write_bytes(brand_file.read_bytes())  # the same bytes, written again
    assert not rebuilds()
    for path, data in [(brand_file, b"\n# a comment\n"),
                       (repo / "brand/extra.css", b"\n.title { color: red; }\n"),
                       (repo / "brand/templates/brief.html", b"\n{# note #}\n"),
                       (repo / "brand/harbor-logo.png", b"\0"),
                       (fonts / "Body.ttf", b"\0")]:
        append(path, data)
        assert rebuilds(), f"an edit of {path.name} did not rebuild"
        assert not rebuilds(), f"{path.name}: rebuilt twice"
    (repo / "brand/templates/web.html").write_text('{% extends "casestudy/web.html" %}\n')
    assert rebuilds(), "a new override template did not rebuild"
    (repo / "brand/notes.txt").write_text("anything in brand/ counts")
    assert rebuilds()
    brand_file.write_text(brand_file.read_text().replace("#0b5d3b", "#0b5d3c"))
    assert rebuilds()


def test_the_default_brand_is_in_the_digest_of_a_series_without_one(tmp_path):
    repo = _repo_with(tmp_path)
    series = load_series(repo)
    plain = cache.inputs_digest(repo / "countries/italy", series, load_brand(repo))
    (repo / "_brand.yml").write_text("color:\n  primary: '#123456'\n")
    assert cache.inputs_digest(repo / "countries/italy", series, load_brand(repo)) != plain


# ---------------------------------------------------------------- init

def test_init_then_new_then_build_gives_a_branded_pdf(tmp_path):
    empty = tmp_path / "series"
    empty.mkdir()
    result = invoke(tmp_path, "init", "series", "--name", "Océan Partners",
                    "--publisher", "Institut d'Études", "--programme", "Programme Ñ",
                    "--page-size", "a4", "--no-input")
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(empty).as_posix() for p in empty.rglob("*") if p.is_file())
    assert files == [".github/workflows/briefs.yml", ".gitignore", "README.md", "_brand.yml",
                     "brand/extra.css", "brand/logo.svg", "brand/templates/README.md",
                     "countries/.gitkeep", "series.yaml"]
    series = load_series(empty)
    assert (series.series_name, series.publisher, series.page_size) == (
        "Océan Partners", "Institut d'Études", "a4")
    brand = load_brand(empty)
    assert brand.logos["medium"].path == empty / "brand/logo.svg" and brand.problems == ()
    result = invoke(empty, "new", "Japan", "--code", "JP", "--adjective", "Japanese",
                    "--author", "Ana Author", "--no-input")
    assert result.exit_code == 0, result.output
    result = invoke(empty, "build", "japan")
    assert result.exit_code == 0, result.output
    facts = read_pdf(empty / "build/japan.pdf")
    assert "Institut d'Études" in facts.pages[0] and "Océan Partners" in facts.pages[0]
    box = facts.reader.pages[0].mediabox
    assert round(float(box.width)) == 595  # A4
    assert {name.split("-")[0] for name, _ in facts.fonts()} == {"Source"}
    assert any(img.name for img in facts.reader.pages[0].images) or \
        "/XObject" in facts.reader.pages[0]["/Resources"]  # the placeholder logo


def test_init_never_overwrites(tmp_path):
    target = tmp_path / "series"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = invoke(tmp_path, "init", "series", "--name", "N", "--publisher", "P",
                    "--programme", "Q", "--no-input")
    assert result.exit_code == 2
    assert result.output.strip() == ("series:1:1: error: the folder is not empty (notes.txt); "
                                      "init never overwrites: choose a new or empty folder")
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    result = invoke(tmp_path, "init", "file", "--name", "N", "--publisher", "P",
                    "--programme", "Q", "--no-input")
    assert result.exit_code == 2 and (tmp_path / "file").read_text() == "x"
    assert not list(tmp_path.glob(".init-*"))


def test_init_asks_for_what_is_missing_and_refuses_bad_answers(tmp_path):
    result = invoke(tmp_path, "init", "s",
                    input="My Series\nMy Institute\nMy Program\ntabloid\na4\n")
    assert result.exit_code == 0, result.output
    assert "--page-size must be letter or a4, not 'tabloid'" in result.output  # asked again
    assert load_series(tmp_path / "s").page_size == "a4"
    here = tmp_path / "here"
    here.mkdir()
    result = invoke(here, "init", ".", "--name", "N", "--publisher", "P", "--programme", "Q",
                    "--no-input")
    assert result.exit_code == 0, result.output
    assert (here / "_brand.yml").is_file() and not list(here.glob(".init-*"))
    assert not list(tmp_path.glob(".init-*"))
    result = invoke(tmp_path, "init", "t", "--name", "N", "--publisher", "P", "--programme",
                    "Q", "--page-size", "tabloid", "--no-input")
    assert result.exit_code == 2 and "--page-size must be letter or a4" in result.output
    assert not (tmp_path / "t").exists()
    result = invoke(tmp_path, "init", "u", "--no-input")
    assert result.exit_code == 2 and "--name is required" in result.output


def test_check_and_build_print_the_colours_warning_at_its_line(tmp_path):
    (tmp_path / "series.yaml").write_text(OLD_COLORS, "utf-8")
    make_study(tmp_path / "countries" / "norway")
    warning = ("series.yaml:4:1: warning: 'colors' belongs in _brand.yml now (primary -> "
               "color.primary, accent -> color.palette.accent, muted -> color.secondary, "
               "tint -> color.light); `casestudy upgrade` moves it there (used as it is "
               "meanwhile)")
    result = invoke(tmp_path, "check", "norway")
    assert result.exit_code == 0 and warning in result.output.splitlines()
    assert invoke(tmp_path, "check", "--strict", "norway").exit_code == 1
    result = invoke(tmp_path, "series", "--format", "json")
    assert '"rule": "brand"' in result.stdout


def test_the_cover_draws_the_logo_for_dark_backgrounds_when_there_is_one(tmp_path):
    repo = _repo_with(tmp_path, HARBOR)
    shutil.copyfile(REPO / "brand/logo.svg", repo / "brand/white.svg")
    text = (repo / "_brand.yml").read_text("utf-8")
    (repo / "_brand.yml").write_text(text.replace(
        "  medium: anchor\n", "  medium:\n    light: anchor\n    dark: brand/white.svg\n"))
    brand = load_brand(repo)
    assert brand.logos["medium"].dark == repo / "brand/white.svg"
    assert brand.logos["small"].dark is None
    html = render_html(load_study(repo / "countries/italy"), load_series(repo), brand=brand)
    assert 'src="' + (repo / "brand/white.svg").as_uri() + '"' in html
    assert (repo / "brand/white.svg") in brand.files()


def test_the_fetcher_may_read_the_brands_files_but_not_the_series_folder(tmp_path):
    from casestudy.files.fetch import FetchLog, Refused, make_fetcher

    repo = _repo_with(tmp_path, HARBOR)
    brand = load_brand(repo)
    fetch = make_fetcher(brand.font_roots(), FetchLog())
    assert fetch.fetch((repo / "brand/harbor-logo.png").as_uri()) is not None
    assert fetch.fetch(brand.fonts[0].path.as_uri()) is not None
    for outside in (repo / "series.yaml", repo / "countries/italy/study.yaml"):
        with pytest.raises(Refused):
            fetch.fetch(outside.as_uri())


def test_a_font_dash_package_is_read_from_its_files_own_tables(tmp_path, monkeypatch):
    from casestudy.brand.typefaces import package_fonts

    package = tmp_path / "site" / "font_house_serif"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise SystemExit('never imported')\n")
    plex = default_brand().fonts  # Source Serif 4 (variable) as the stand-in
    shutil.copyfile(plex[0].path, package / "HouseSerif.ttf")
    shutil.copyfile(plex[1].path, package / "HouseSerif-Italic.ttf")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    fonts = package_fonts("House Serif")
    assert [(f.path.name, f.style, f.weight) for f in fonts] == [
        ("HouseSerif-Italic.ttf", "italic", ""), ("HouseSerif.ttf", "normal", "")]
    assert package_fonts("No Such Family") is None


def test_upgrade_writes_neither_file_when_one_is_a_link(tmp_path):
    (tmp_path / "elsewhere.yml").write_text("# not the brand\n")
    (tmp_path / "series.yaml").write_text(OLD_COLORS, "utf-8")
    (tmp_path / "countries").mkdir()
    (tmp_path / "_brand.yml").symlink_to(tmp_path / "elsewhere.yml")
    result = invoke(tmp_path, "upgrade")
    assert result.exit_code == 2, result.output
    assert (tmp_path / "series.yaml").read_text("utf-8") == OLD_COLORS
    assert (tmp_path / "elsewhere.yml").read_text() == "# not the brand\n"


def test_upgrade_refuses_a_brand_file_that_is_not_a_mapping(tmp_path):
    """_brand.yml holding a list: said, located in _brand.yml, nothing written (moving
    the colours used to stop on it with a traceback)."""
    (tmp_path / "series.yaml").write_text(OLD_COLORS, "utf-8")
    (tmp_path / "countries").mkdir()
    (tmp_path / "_brand.yml").write_text("- a\n- b\n", "utf-8")
    result = invoke(tmp_path, "upgrade")
    assert result.exit_code == 2
    assert "_brand.yml" in result.output and "fix _brand.yml first" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "series.yaml").read_text("utf-8") == OLD_COLORS


def _branded(base: Path) -> Path:
    """A series with this repository's brand (its _brand.yml and brand/) and Norway."""
    from conftest import norway_repo

    repo = norway_repo(base)
    shutil.copyfile(REPO / "_brand.yml", repo / "_brand.yml")
    shutil.copytree(REPO / "brand", repo / "brand")
    return repo


def _outside_css(base: Path) -> Path:
    outside = base / "outside"
    outside.mkdir()
    (outside / "extra.css").write_text("body { color: #ff0000; }\n")
    return outside


@pytest.mark.parametrize("case", ["extra.css", "brand/", "a template", "a FIFO extra.css"])
def test_the_brand_folder_holds_only_the_series_own_files(tmp_path, case):
    """brand/extra.css linked to a file outside was drawn into the PDF and published; a
    brand/ linked to a folder outside did the same, and the web build died with a
    traceback. Each is now an error at its path, for check and build alike."""
    import os

    repo = _branded(tmp_path)
    outside = _outside_css(tmp_path)
    folder = repo / "brand"
    if case == "extra.css":
        (folder / "extra.css").unlink()
        (folder / "extra.css").symlink_to(outside / "extra.css")
        expected = "brand/extra.css:1:1: error: brand/extra.css leads outside the series"
    elif case == "brand/":
        shutil.copyfile(folder / "logo.svg", outside / "logo.svg")
        shutil.rmtree(folder)
        folder.symlink_to(outside, target_is_directory=True)
        expected = "brand:1:1: error: brand/ leads outside the series folder"
    elif case == "a template":
        (folder / "templates").mkdir()
        (outside / "brief.html").write_text("{% extends 'brief.html' %}\n")
        (folder / "templates" / "brief.html").symlink_to(outside / "brief.html")
        expected = "brand/templates/brief.html:1:1: error: brand/templates/brief.html leads"
    else:
        (folder / "extra.css").unlink()
        os.mkfifo(folder / "extra.css")
        expected = "brand/extra.css:1:1: error: brand/extra.css is not a regular file"
    checked = invoke(repo, "check", "norway")
    assert checked.exit_code == 2 and expected in checked.output, checked.output
    built = invoke(repo, "build", "norway", "--format", "all")
    assert built.exit_code == 2 and expected in built.output, built.output
    assert "Traceback" not in built.output and built.exception is None or isinstance(
        built.exception, SystemExit)
    assert not (repo / "build" / "norway.pdf").exists()
    assert not (repo / "build" / "assets").exists()
