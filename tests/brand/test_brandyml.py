"""brand.yml as its spec means it: theme colours naming other theme colours, typography
colours by brand.yml's names, Quarto's light/dark pairs, links in the brand's own primary,
every key either used or warned about (from the one table docs/brand.md is made from),
and the real files of brand.yml's repository and Quarto's tests."""

from __future__ import annotations

import re
import shutil
import sys
import types
import typing
from pathlib import Path

import pytest
from PIL import Image
from pydantic import BaseModel
from pypdf import PdfReader

from casestudy.brand.brandfile import BrandFile
from casestudy.brand.compat import WARN, covered
from casestudy.brand.load import load_brand
from casestudy.brand.model import DEFAULT_BRAND
from casestudy.brand.stylesheet import brand_css
from casestudy.errors import ProblemsFound
from casestudy.series import build
from conftest import FIXTURES, REPO, slim_italy
from pdfinfo import page_images

REAL = FIXTURES / "brandyml"
sys.path.insert(0, str(REPO / "docs"))
from make_brand_table import BEGIN, PAGE, block  # noqa: E402


def _series(tmp_path: Path, text: str, study: bool = False) -> Path:
    """A series whose _brand.yml is ``text``; the logos it names are drawn as stand-ins."""
    repo = tmp_path / "repo"
    repo.mkdir(parents=True)
    (repo / "_brand.yml").write_text(text, "utf-8")
    for name in set(re.findall(r"[\w./-]+\.(?:png|svg)", text)):
        if name.startswith("http") or "//" in name:
            continue
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".png"):
            Image.new("RGB", (16, 8), "#336699").save(path)
        else:
            shutil.copyfile(DEFAULT_BRAND / "logo.svg", path)
    if study:
        (repo / "countries").mkdir()
        shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
        slim_italy(repo / "countries" / "italy")  # its brand at work, not its prose
    return repo


def _lines(problems, repo: Path) -> list[str]:
    return [str(p).replace(str(repo) + "/", "") for p in problems]


def _load(tmp_path: Path, text: str):
    repo = _series(tmp_path, text)
    return load_brand(repo), repo


def _errors(tmp_path: Path, text: str) -> list[str]:
    repo = _series(tmp_path, text)
    with pytest.raises(ProblemsFound) as caught:
        load_brand(repo)
    return _lines(caught.value.problems, repo)


# ---------------------------------------------------------------- theme colours

def test_theme_colours_may_name_palette_colours_and_other_theme_colours(tmp_path):
    brand, repo = _load(tmp_path, (REAL / "brand-yml/brand-color-palette-internal.yml")
                        .read_text("utf-8"))
    assert brand.theme["info"] == brand.theme["primary"] == "#447099"  # info: primary
    assert brand.theme["light"] == brand.theme["background"] == "#ffffff"  # light: background
    assert brand.colors["tint"] == "#ffffff" and brand.colors["text"] == "#151515"
    # set, and drawn nowhere in a brief: each said at its own line
    assert _lines(brand.problems, repo) == [
        f"_brand.yml:{line}:3: warning: color.{name} has no effect in a brief: nothing in a "
        f"brief is drawn in it (a text style may name it, e.g. typography.link.color: {name})"
        for line, name in ((15, "tertiary"), (16, "success"), (17, "info"), (18, "warning"),
                           (19, "danger"), (21, "dark"))]


def test_theme_colours_are_followed_in_order_through_several_names(tmp_path):
    brand, _ = _load(tmp_path, "color:\n  palette:\n    teal: '#419599'\n  info: teal\n"
                               "  primary: info\n  secondary: primary\n")
    assert brand.colors["primary"] == brand.colors["muted"] == "#419599"
    assert brand.problems == ()  # info is drawn: primary names it


def test_a_theme_colour_is_drawn_when_a_drawn_one_names_it_through_others(tmp_path):
    brand, _ = _load(tmp_path, "color:\n  primary: info\n  info: success\n"
                               "  success: '#72994e'\n  warning: '#ee6331'\n")
    assert brand.colors["primary"] == "#72994e"
    assert [p.message.split(" has")[0] for p in brand.problems] == ["color.warning"]


def test_a_circle_of_theme_colours_is_an_error_at_its_line(tmp_path):
    assert _errors(tmp_path, "color:\n  primary: secondary\n  secondary: info\n"
                             "  info: primary\n") == [
        "_brand.yml:4:9: error: theme colours refer to each other in a circle: primary -> "
        "secondary -> info -> primary"]


def test_a_theme_colour_naming_one_never_set_is_an_error(tmp_path):
    assert _errors(tmp_path, "color:\n  primary: danger\n") == [
        "_brand.yml:2:12: error: 'danger' names the theme colour color.danger, which the "
        "brand does not set"]


# ---------------------------------------------------------------- typography colours

def test_typography_colours_take_brand_yml_names(tmp_path):
    brand, repo = _load(tmp_path, (REAL / "brand-yml/brand-typography-color.yml")
                        .read_text("utf-8"))
    css = brand_css(brand, [])
    assert "--link-color: #ff6f61;" in css  # link: danger, danger: red (palette)
    assert "html { color: #1b1818; }" in css  # base: foreground
    assert ".title, main > h1, h2, h3, h4 { color: #87ceeb; }" in css  # headings: primary
    assert ":not(pre) > code, kbd, samp { color: #f7f4f4; background-color: #ff6f61; }" in css
    assert "pre, pre code { color: #1b1818; background-color: #f7f4f4; }" in css
    # danger is drawn (the links name it); the pale sky primary is said to be too pale
    assert _lines(brand.problems, repo) == ["_brand.yml:7:12: " + _LIGHT.format("#87ceeb",
                                                                               "1.7")]


def test_headings_in_secondary_is_valid_and_our_role_name_is_not(tmp_path):
    brand, _ = _load(tmp_path, "typography:\n  headings:\n    color: secondary\n")
    assert ".title, main > h1, h2, h3, h4 { color: #6b7280; }" in brand_css(brand, [])
    assert _errors(tmp_path / "b", "typography:\n  headings:\n    color: muted\n") == [
        "_brand.yml:3:12: error: 'muted' is neither a colour (#rrggbb, rgb(...), a CSS name), "
        "a theme colour (primary, secondary, ...) nor a name in color.palette (our role "
        "'muted' is brand.yml's secondary)"]


def test_monospace_inline_and_block_colours_are_checked(tmp_path):
    assert _errors(tmp_path, "typography:\n  monospace-inline:\n    color: no-such-colour\n"
                             "  monospace-block:\n    background-color: nor-this\n") == [
        "_brand.yml:3:12: error: 'no-such-colour' is neither a colour (#rrggbb, rgb(...), a "
        "CSS name), a theme colour (primary, secondary, ...) nor a name in color.palette",
        "_brand.yml:5:23: error: 'nor-this' is neither a colour (#rrggbb, rgb(...), a CSS "
        "name), a theme colour (primary, secondary, ...) nor a name in color.palette"]


def test_weights_styles_sizes_and_colours_of_every_text_style_reach_the_css(tmp_path):
    brand, _ = _load(tmp_path, """\
typography:
  base: {weight: 300, color: "#101010"}
  headings: {style: italic, weight: bold, line-height: 1.1}
  monospace: {weight: 500, color: "#202020", background-color: "#f0f0f0"}
  monospace-inline: {size: 0.85em, style: italic}
  monospace-block: {size: 8pt, line-height: 1.3}
  link: {weight: 600, background-color: "#fffbe6", decoration: underline}
""")
    css = brand_css(brand, [])
    for rule in ("html { font-weight: 300; color: #101010; }",
                 ".title, main > h1, h2, h3, h4 { font-weight: 700; font-style: italic; "
                 "line-height: 1.1; }",
                 "code, kbd, samp, pre { font-weight: 500; color: #202020; "
                 "background-color: #f0f0f0; }",
                 ":not(pre) > code, kbd, samp { font-size: 0.85em; font-style: italic; }",
                 "pre, pre code { line-height: 1.3; }", "pre { font-size: 8pt; }",
                 "a { font-weight: 600; background-color: #fffbe6; }",
                 "--link-decoration: underline;"):
        assert rule in css, rule
    assert brand.problems == ()


# ---------------------------------------------------------------- light and dark

def test_light_dark_pairs_light_in_print_both_on_the_web(tmp_path):
    brand, _ = _load(tmp_path, (REAL / "brand-yml/brand-color-light-dark.yml")
                     .read_text("utf-8"))
    printed, web = brand_css(brand, [], screen=False), brand_css(brand, [])
    assert "--text: #111111;" in printed and "--muted: #87ceeb;" in printed
    assert "prefers-color-scheme" not in printed and "#fafafa" not in printed
    dark = web[web.index("@media screen and (prefers-color-scheme: dark)"):]
    # the key points box and the greys web.css fixes follow the page, which went dark
    assert (":root { --muted: #4a90a4; --text: #fafafa; --background: #222222; "
            "--tint: #383838; color-scheme: dark; }") in dark
    assert ".subtitle, figcaption, .caption, .source, .intro { color: var(--muted); }" in dark
    assert ".title, main > h1, h2, h3, h4 { color: #fafafa; }" in dark  # headings: foreground
    assert ":not(pre) > code, kbd, samp { color: #b794f6; background-color: #2d2d2d; }" in dark
    assert brand.problems == ()


@pytest.mark.parametrize(("name", "expected"), [
    ("primary-dark-only", ["_brand.yml:9:11: warning: color.primary has no light value: the "
                           "PDF and light pages keep the default brand's #2b3440"]),
    ("foreground-dark-only", ["_brand.yml:6:11: warning: color.foreground has no light "
                              "value: the PDF and light pages keep the default brand's "
                              "#1f2328"]),
    ("background-light-only", ["_brand.yml:6:11: warning: color.foreground has a dark value "
                               "but color.background has none: dark pages keep both light "
                               "colours (one alone would be unreadable)"]),
])
def test_quartos_light_dark_colour_tests(tmp_path, name, expected):
    brand, repo = _load(tmp_path, (REAL / f"quarto/{name}.yml").read_text("utf-8"))
    assert _lines(brand.problems, repo) == expected
    web = brand_css(brand, [])
    if name == "primary-dark-only":
        assert "--primary: #2b3440;" in web and "--primary: #20bbff;" in web
        assert "--link-color: #20bbff;" in web  # links follow the primary on dark pages
    if name == "background-light-only":
        assert "prefers-color-scheme" not in web


def test_errors_in_our_words_in_line_order_never_pydantics(tmp_path):
    lines = _errors(tmp_path, """\
meta:
  name: 5
logo:
  medium: {light: 3}
color:
  primary: [1, 2]
  secondary: {light: "#fff", dusk: "#000"}
  foreground: {}
typography:
  base:
    size: 12
""")
    assert lines == [
        "_brand.yml:2:9: error: meta.name is the number 5: it takes a text, or a mapping "
        "with full and short",
        "_brand.yml:4:19: error: logo.medium.light is the number 3: it takes text",
        "_brand.yml:6:12: error: color.primary is a list: it takes a colour, a colour name "
        "or a pair {light: ..., dark: ...}",
        "_brand.yml:7:30: error: unknown key 'color.secondary.dusk': not part of the "
        "brand.yml format",
        "_brand.yml:11:11: error: typography.base.size is the number 12: it takes text"]
    assert not any("Input should" in line for line in lines)


# ---------------------------------------------------------------- links

def test_a_brand_with_only_a_primary_has_its_links_in_that_primary(tmp_path):
    red = (0xC0, 0x39, 0x2B)
    repo = _series(tmp_path, "color:\n  primary: '#c0392b'\n", study=True)
    brand = load_brand(repo)
    assert brand_css(brand, []).count("--link-color: #c0392b;") == 1
    build.build_study(repo / "countries/italy", repo / "build", formats=("pdf", "html"))
    assert "--link-color: #c0392b;" in (repo / "build/assets/brand.css").read_text("utf-8")
    # the built PDF: the text of its first web link is drawn in the primary
    reader = PdfReader(str(repo / "build/italy.pdf"))
    number, page, rect = next(
        (n, page, annot.get_object()["/Rect"]) for n, page in enumerate(reader.pages)
        for annot in page.get("/Annots") or []
        if "/URI" in (annot.get_object().get("/A") or {}))
    x0, y0, x1, y1 = (float(v) for v in rect)
    top = float(page.mediabox.top)
    [image] = page_images(repo / "build/italy.pdf", 144, pages=range(number, number + 1))
    box = image.crop((int(min(x0, x1) * 2), int((top - max(y0, y1)) * 2),
                      int(max(x0, x1) * 2), int((top - min(y0, y1)) * 2)))
    pixels = [box.getpixel((x, y)) for x in range(box.width) for y in range(box.height)]

    def near(colour):
        return sum(1 for p in pixels
                   if all(abs(a - b) < 40 for a, b in zip(p, colour, strict=True)))

    assert near(red) > 10, "the link is not drawn in the brand's primary"
    assert near((0x2B, 0x34, 0x40)) < near(red)  # nor in the default brand's slate


# ---------------------------------------------------------------- every key

def _model_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()):
    def members(kind):
        origin = typing.get_origin(kind)
        if origin in (typing.Union, types.UnionType):
            for arg in typing.get_args(kind):
                yield from members(arg)
        elif origin is typing.Annotated:
            yield from members(typing.get_args(kind)[0])
        else:
            yield kind

    for name, field in model.model_fields.items():
        here = (*prefix, field.alias or name)
        yield here
        for kind in members(field.annotation):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from _model_paths(kind, here)
            elif typing.get_origin(kind) in (dict, list):
                yield (*here, "*")
                for inner in members(typing.get_args(kind)[-1]):
                    if isinstance(inner, type) and issubclass(inner, BaseModel):
                        yield from _model_paths(inner, (*here, "*"))


def test_every_key_the_format_accepts_is_in_the_table():
    missing = [".".join(p) for p in sorted(set(_model_paths(BrandFile))) if covered(p) is None]
    assert missing == []


def test_keys_with_no_effect_are_warned_about_at_their_line(tmp_path):
    brand, repo = _load(tmp_path, """\
meta:
  link:
    home: https://example.org
    github: https://github.com/example
logo:
  images:
    mark:
      path: mark.svg
      attrs: {class: big}
  small: mark
typography:
  headings:
    size: 20pt
  base:
    background-color: "#eeeeee"
  link:
    family: Source Sans 3
defaults:
  bootstrap:
    defaults: {enable-rounded: false}
""")
    assert _lines(brand.problems, repo) == [
        "_brand.yml:4:5: warning: meta.link.github has no effect in a brief: a brief links "
        "to none of the brand's other pages or accounts",
        "_brand.yml:9:7: warning: logo.images.mark.attrs has no effect in a brief: HTML "
        "attributes for Quarto's pages; a brief sets its own",
        "_brand.yml:13:5: warning: typography.headings.size has no effect in a brief: a "
        "brief's heading sizes are its own (brand.yml sets none for headings)",
        "_brand.yml:15:5: warning: typography.base.background-color has no effect in a "
        "brief: a brief sets no background behind text of this kind",
        "_brand.yml:17:5: warning: typography.link.family has no effect in a brief: a link "
        "takes the face, size and style of the text around it",
        "_brand.yml:18:1: warning: defaults has no effect in a brief: options for Bootstrap, "
        "Quarto and Shiny; a brief has none of them"]
    assert brand.home == "https://example.org"


def test_meta_name_names_a_logo_that_has_no_alt(tmp_path):
    brand, _ = _load(tmp_path, "meta:\n  name: {full: Società Ōkubo 研究所, short: Ōkubo}\n"
                               "logo: mark.svg\n")
    assert brand.logos["medium"].alt == "Società Ōkubo 研究所 logo"
    assert brand.short_name == "Ōkubo" and brand.problems == ()


def test_the_docs_compatibility_table_is_the_one_the_code_makes():
    assert block() in PAGE.read_text("utf-8"), \
        "docs/brand.md: run python docs/make_brand_table.py"
    assert BEGIN in PAGE.read_text("utf-8")


def test_every_warned_key_in_the_table_says_why():
    from casestudy.brand.compat import ALL_KEYS
    assert all(key.effect for key in ALL_KEYS if key.status == WARN)


# ---------------------------------------------------------------- the real files

def _google(name: str) -> str:
    slug = name.lower().replace(" ", "-")
    return (f"warning: font '{name}' comes from google, a web font service a build never "
            f"fetches, and is not installed as a Python font package (pip install "
            f"fontpkg-{slug}): the styles naming it keep the default brand's faces")


def _undeclared(name: str, role: str, kept: str) -> str:
    slug = name.lower().replace(" ", "-")
    return (f"warning: font family '{name}' is neither declared in typography.fonts nor "
            f"installed as a Python font package (pip install fontpkg-{slug}); fonts are "
            f"never taken from the machine: typography.{role} keeps '{kept}'")


def _url(path: str) -> str:
    return (f"error: font file '{path}' is a URL: files are never fetched; put the file "
            "beside _brand.yml and give its relative path")


def _absent(path: str) -> str:
    return f"error: font file '{path}' not found (paths are relative to _brand.yml)"


_LIGHT = ("warning: color.primary {0} is too light: headings on white paper and the white "
          "text of the cover band will be hard to read (contrast {1}:1 with white, under 3:1)")
_UNUSED = ("warning: color.{0} has no effect in a brief: nothing in a brief is drawn in it "
           "(a text style may name it, e.g. typography.link.color: {0})")

REAL_FILES = {
    "brand-yml/brand-color-palette-internal.yml": [
        f"{line}:3: " + _UNUSED.format(name) for line, name in (
            (15, "tertiary"), (16, "success"), (17, "info"), (18, "warning"), (19, "danger"),
            (21, "dark"))],
    "quarto/primary-dark-only.yml": [
        "9:11: warning: color.primary has no light value: the PDF and light pages keep the "
        "default brand's #2b3440"],
    "quarto/foreground-dark-only.yml": [
        "6:11: warning: color.foreground has no light value: the PDF and light pages keep "
        "the default brand's #1f2328"],
    "quarto/background-light-only.yml": [
        "6:11: warning: color.foreground has a dark value but color.background has none: "
        "dark pages keep both light colours (one alone would be unreadable)"],
    "brand-yml/brand-color-light-dark.yml": [],
    "brand-yml/brand-logo-full.yml": [],
    "brand-yml/brand-logo-light-dark.yml": [],
    "brand-yml/brand-typography-color.yml": ["7:12: " + _LIGHT.format("#87ceeb", "1.7")],
    "brand-yml/undefined-base-color.yml": [],
    "brand-yml/undefined-monospace-bg-color.yml": [],
    "quarto/test-01.yml": [],
    "brand-yml/brand-posit-dark.yml": [
        "7:5: warning: meta.link.guide has no effect in a brief: a brief links to none of "
        "the brand's other pages or accounts",
        "26:15: warning: color.foreground #f1f1f2 is too light: the PDF's body text on white "
        "paper will be hard to read (contrast 1.1:1 with white, under 3:1)",
        "28:12: " + _LIGHT.format("#75a5cc", "2.6"),
        *(f"{line}:3: " + _UNUSED.format(name) for line, name in (
            (30, "tertiary"), (31, "success"), (32, "info"), (33, "warning"), (34, "danger"),
            (36, "dark"))),
        "40:15: " + _google("Open Sans"), "42:15: " + _google("Fira Code"),
        "44:15: " + _google("Roboto Slab"),
        "46:7: warning: typography.fonts.*.weight has no effect in a brief: which weights to "
        "download from a web font service; installed fonts have all theirs",
        "47:7: warning: typography.fonts.*.style has no effect in a brief: which styles to "
        "download from a web font service",
        "48:7: warning: typography.fonts.*.display has no effect in a brief: how a browser "
        "shows a downloading web font"],
    "brand-yml/brand-typography-simple.yml": [
        "3:13: " + _undeclared("Open Sans", "base", "Source Serif 4"),
        "7:13: " + _undeclared("Roboto Slab", "headings", "Source Sans 3"),
        "11:13: " + _undeclared("Fira Code", "monospace", "Source Sans 3")],
    "brand-yml/brand-typography-minimal-system.yml": [
        "5:15: warning: font 'Open Sans' is not installed as a Python font package (pip "
        "install fontpkg-open-sans); fonts are never taken from the machine: the styles "
        "naming it keep the default brand's faces",
        "8:13: " + _undeclared("Roboto Slab", "headings", "Source Sans 3"),
        "9:14: " + _undeclared("Fira Code", "monospace", "Source Sans 3")],
    # refused, each at its line: font files that are not there, and URLs (never fetched)
    "brand-yml/brand-typography-fonts.yml": [
        "11:17: " + _absent("fonts/open-sans/OpenSans-Variable.ttf"),
        "12:17: " + _absent("fonts/open-sans/OpenSans-Variable-Italic.ttf"),
        "19:17: " + _url("https://example.com/Closed-Sans-Bold.woff2"),
        "21:17: " + _url("https://example.com/Closed-Sans-Italic.woff2")],
    "quarto/remote-font-extension.yml": [
        "6:17: " + _url("https://notofonts.github.io/latin-greek-cyrillic/fonts/NotoSans/"
                        "unhinted/ttf/NotoSans-Regular.ttf")],
    "quarto/source-sans-pro.yml": [
        "6:11: " + _absent("fonts/source-sans-pro/source-sans-pro-regular.woff"),
        "7:17: " + _absent("fonts/source-sans-pro/source-sans-pro-italic.woff"),
        "9:17: " + _absent("fonts/source-sans-pro/source-sans-pro-semibold.woff"),
        "11:17: " + _absent("fonts/source-sans-pro/source-sans-pro-semibolditalic.woff")],
}


def test_every_real_file_is_listed():
    found = {p.relative_to(REAL).as_posix() for p in REAL.rglob("*.yml")}
    assert found == set(REAL_FILES)


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_each_real_file_means_what_its_spec_says_or_is_told_where(tmp_path, name):
    repo = _series(tmp_path, (REAL / name).read_text("utf-8"))
    expected = ["_brand.yml:" + line for line in REAL_FILES[name]]
    try:
        brand = load_brand(repo)
    except ProblemsFound as caught:
        assert _lines(caught.problems, repo) == expected
        return
    assert _lines(brand.problems, repo) == expected


def test_the_real_logo_files_mean_their_sizes(tmp_path):
    brand, repo = _load(tmp_path, (REAL / "brand-yml/brand-logo-full.yml").read_text("utf-8"))
    assert brand.logos["small"].path == repo / "favicon.png"
    assert brand.logos["medium"].path == repo / "full-color.png"  # both: light primary
    assert brand.logos["medium"].dark == repo / "full-color-reverse.png"  # dark reverse
    assert brand.logos["large"].path == repo / "full-color.svg"


def test_a_google_font_that_is_installed_as_a_package_is_used(tmp_path):
    brand, _ = _load(tmp_path, "typography:\n  fonts:\n    - family: IBM Plex Sans\n"
                               "      source: google\n  headings: IBM Plex Sans\n")
    assert brand.headings.families[0] == "IBM Plex Sans" and brand.problems == ()
