"""A brand family that shares its name with a font of the machine is drawn from the
brand's file, in the text, in SVG figures and in charts; and no family at all, generic
or unknown, reaches a machine font.

WeasyPrint adds the @font-face fonts to the machine's fontconfig setup, and fontconfig
then ranks a brand file and an installed font of the same family together: a brand
"Nanum Gothic" on a machine with Debian's fonts-nanum was drawn from
/usr/share/fonts/truetype/nanum. Here the family is one fontconfig knows on the machine
running the test (``fc-list``), given to static IBM Plex Serif files (fontpkg-ibm-plex-
serif, from the test extra). The proof is read from the PDF: every glyph with an
outline in every embedded font, SVG forms included, has the outline (points and
advance) of a glyph of one brand file. (Glyph ids alone would not do: a subset keeps
the ids of the glyphs drawn, but renumbers the parts of an accented letter.)
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from fontTools.pens.hashPointPen import HashPointPen
from fontTools.ttLib import TTFont

from casestudy.errors import BuildError
from casestudy.render.pdf import html_to_pdf
from casestudy.series.build import build_study
from casestudy.source.load import load_series
from conftest import REPO, invoke, make_study

PLEX = {"IBMPlexSerif-Regular.ttf": (400, "normal"), "IBMPlexSerif-Italic.ttf": (400, "italic"),
        "IBMPlexSerif-SemiBold.ttf": (600, "normal"),
        "IBMPlexSerif-Bold.ttf": (700, "normal"), "IBMPlexSerif-BoldItalic.ttf": (700, "italic")}
# what a family name in _brand.yml may not hold (brand/brandfile.py refuses it)
_UNSAFE = set('"\\;{}<>')


def machine_family() -> str:
    """A family fontconfig finds among the machine's fonts: a well-known one if there."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        pytest.skip("needs fontconfig and a font on the machine "
                    "(apt-get install fontconfig fonts-dejavu-core)")
    out = subprocess.run([fc_list, "--format", "%{family[0]}\\n"], capture_output=True,
                         text=True, timeout=60, check=False).stdout
    families = sorted({f.strip() for f in out.splitlines()
                       if f.strip() and f.isascii() and not _UNSAFE & set(f)})
    if not families:
        pytest.skip("fontconfig knows no font on this machine "
                    "(apt-get install fonts-dejavu-core)")
    known = ("DejaVu Sans", "Liberation Sans", "Noto Sans", "NanumGothic", "DejaVu Serif")
    return next((f for f in known if f in families), families[0])


@pytest.fixture(scope="module")
def plex() -> dict[str, Path]:
    pytest.importorskip("fontpkg_ibm_plex_serif",
                        reason="needs fontpkg-ibm-plex-serif (pip install -e '.[test]')")
    import fontpkg_ibm_plex_serif

    folder = Path(fontpkg_ibm_plex_serif.__file__).parent / "files"
    return {name: folder / name for name in PLEX}


def outlines(font: TTFont) -> set[str]:
    """A hash of each glyph's outline (its points, components drawn, and its advance),
    for the glyphs that have one."""
    glyphs = font.getGlyphSet()
    found = set()
    for name in font.getGlyphOrder():
        pen = HashPointPen(glyphs[name].width, glyphs)
        glyphs[name].drawPoints(pen)
        if pen.hash != HashPointPen(glyphs[name].width, glyphs).hash:  # not empty
            found.add(pen.hash)
    return found


def embedded_fonts(pdf: Path) -> dict[str, TTFont]:
    """Every font program of the PDF, pages and the forms they draw (SVG figures)."""
    found: dict[str, TTFont] = {}
    seen: set[tuple[int, int]] = set()

    def walk(resources: pikepdf.Object) -> None:
        for font in (resources.get("/Font") or {}).values():
            descendants = font.get("/DescendantFonts")
            target = descendants[0] if descendants else font
            descriptor = target["/FontDescriptor"]
            program = next(descriptor[k] for k in ("/FontFile2", "/FontFile3", "/FontFile")
                           if k in descriptor)
            found[str(descriptor["/FontName"])] = TTFont(io.BytesIO(program.read_bytes()))
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.objgen not in seen and "/Resources" in xobject:
                seen.add(xobject.objgen)
                walk(xobject["/Resources"])

    with pikepdf.open(pdf) as document:
        for page in document.pages:
            walk(page.Resources)
    return found


def not_the_brands(pdf: Path, files: list[Path]) -> dict[str, str]:
    """Each embedded font none of ``files`` gave all its outlines, and why."""
    brand = {path.name: outlines(TTFont(path)) for path in files}
    fonts = embedded_fonts(pdf)
    assert fonts, "the PDF embeds no font"
    wrong = {}
    for name, font in fonts.items():
        drawn = outlines(font)
        if not any(drawn <= known for known in brand.values()):
            wrong[name] = (f"{len(drawn)} outlines, {font['maxp'].numGlyphs} glyph slots: "
                           "not those of any brand file")
    return wrong


SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 60" width="240" height="60">
  <text x="10" y="35" font-family="{family}" font-size="18">Zürich, Genève, Łódź</text>
</svg>
"""
SECTION = """

![A label drawn in the brand's face](../figures/label.svg)

::: chart
data: ../figures/values.csv
type: bar
x: year
y: exports
title: Exportations, Zürich

Caption: Exports by year, labelled in the brand's face.
:::
"""


def test_a_brand_family_named_like_a_machine_font_is_drawn_from_the_brands_files(
        tmp_path, plex):
    family = machine_family()
    repo = tmp_path / "repo"
    (repo / "countries").mkdir(parents=True)
    (repo / "fonts").mkdir()
    files = []
    for name, (weight, style) in PLEX.items():
        shutil.copyfile(plex[name], repo / "fonts" / name)
        files.append(f"        - {{path: fonts/{name}, weight: {weight}, style: {style}}}\n")
    (repo / "_brand.yml").write_text(
        f"typography:\n  fonts:\n    - family: {family}\n      source: file\n"
        f"      files:\n{''.join(files)}"
        f"  base:\n    family: {family}\n  headings:\n    family: {family}\n"
        f"    weight: 600\n  monospace: {family}\n", "utf-8")
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    study = make_study(repo / "countries" / "norway")
    (study / "figures" / "label.svg").write_text(SVG.format(family=family), "utf-8")
    (study / "figures" / "values.csv").write_text("year,exports\n2022,3\n2023,5\n", "utf-8")
    with open(study / "sections" / "04-sectors.md", "a", encoding="utf-8") as handle:
        handle.write(SECTION)
    result = invoke(repo, "check", "norway")
    assert result.exit_code == 0, result.output
    build_study(study, repo / "build", ("pdf",), load_series(repo))
    pdf = repo / "build" / "norway.pdf"
    assert not_the_brands(pdf, [repo / "fonts" / name for name in PLEX]) == {}, family
    # the figure's and the chart's text are there, drawn (in forms, checked above)
    with pikepdf.open(pdf) as document:
        forms = [x for page in document.pages
                 for x in (page.Resources.get("/XObject") or {}).values()
                 if "/Resources" in x and "/Font" in x["/Resources"]]
    assert len(forms) >= 2, "the SVG figure and the chart draw their text as forms"


def test_no_family_generic_or_unknown_reaches_a_machine_font(tmp_path, plex):
    """The renderer alone, with one @font-face: text and SVG text asking for the machine's
    family, generic families and a name nobody has are all drawn from the brand's file."""
    family = machine_family()
    regular = plex["IBMPlexSerif-Regular.ttf"]
    asks = [family, "serif", "sans-serif", "monospace", "cursive", "system-ui",
            "No Such Family"]
    body = "".join(f'<p style="font-family: \'{f}\'">Zürich {f}</p>' if " " in f else
                   f'<p style="font-family: {f}">Zürich {f}</p>' for f in asks)
    svg = "".join(f'<text x="0" y="{20 * (i + 1)}" font-family="{f}">Genève</text>'
                  for i, f in enumerate(asks))
    html = (f'<!DOCTYPE html><html lang="fr"><head><style>@font-face {{ font-family: '
            f'"{family}"; src: url("{regular.as_uri()}"); }}</style></head><body>{body}'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="160">{svg}'
            "</svg></body></html>")
    out = tmp_path / "out.pdf"
    out.write_bytes(html_to_pdf(html, tmp_path, [tmp_path, regular.parent], b"0" * 16,
                                tmp_path, 1_700_000_000))
    assert not_the_brands(out, [regular]) == {}


def test_a_brief_none_of_whose_fonts_loads_is_not_printed(tmp_path):
    """Pango cannot lay text out with no font at all, so with no @font-face font loaded
    the machine's stay in place; the build then fails rather than print in them."""
    broken = tmp_path / "Broken-Regular.ttf"
    broken.write_bytes(b"\x00\x01\x00\x00" + b"not a font" * 40)
    html = ('<!DOCTYPE html><html lang="pl"><head><style>@font-face { font-family: House; '
            f'src: url("{broken.as_uri()}"); }} body {{ font-family: House }}</style></head>'
            "<body><p>Zażółć gęślą jaźń</p></body></html>")
    with pytest.raises(BuildError) as caught:
        html_to_pdf(html, tmp_path, [tmp_path], b"0" * 16, tmp_path / "study", 0)
    assert str(caught.value).endswith("none of the brand's fonts could be loaded; the brief "
                                      "is not printed in a machine's fonts")
