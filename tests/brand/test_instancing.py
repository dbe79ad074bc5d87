"""Variable brand fonts embedded by HarfBuzz's instancer (instancing.py): the same text,
the same glyphs as WeasyPrint's own fontTools path, never fontTools' instancer."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import weasyprint
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from casestudy.brand.instancing import location, static_instances, subset_instance
from casestudy.brand.load import brand_fonts, default_brand
from pdfinfo import to_unicode

# The two weights the brief's CSS uses most (400 body, the serif's default; 600 labels
# and headings, between its masters, so interpolation is compared), roman and italic, at
# a footnote's size and a display size (Pango takes opsz from the size: 6.5 pt is held
# at the axis' minimum, 40 pt lies between masters; the sans has no opsz axis). Each is
# a face WeasyPrint's fontTools path instances in about half a second: this grid holds
# the comparison to the 12 faces it needs.
SIZES = ("6.5pt", "40pt")
WEIGHTS = (400, 600)
TEXT = "Fiat Lux – «Leonardo» Ærø ﬁnally 1,234.5 % Zürich ½ Ωμέγα"


def _html() -> str:
    faces = "\n".join(f'@font-face {{ font-family: "{f.family}"; src: url("{f.path.as_uri()}");'
                      f" font-style: {f.style}; }}" for f in brand_fonts(default_brand()))
    rows = []
    for family in ("Source Serif 4", "Source Sans 3"):
        for size in SIZES:
            for weight in WEIGHTS:
                for style in ("normal", "italic"):
                    rows.append(f'<p style="font: {style} {weight} {size} \'{family}\'">'
                                f"{TEXT} {family} {weight} {size} {style}</p>")
    return f"<style>{faces}</style>" + "\n".join(rows)


def _render(fast: bool) -> bytes:
    document = weasyprint.HTML(string=_html())
    if fast:
        with static_instances():
            return bytes(document.write_pdf())
    return bytes(document.write_pdf())


def _render_apart(fast: bool) -> bytes:
    """_render in a child process: the renders of 96 faces would otherwise grow this
    process, which other tests' children inherit as their starting peak memory."""
    code = ("import sys\nsys.path[:0] = sys.argv[1:3]\nfrom test_instancing import _render\n"
            "sys.stdout.buffer.write(_render(sys.argv[3] == 'fast'))\n")
    here = Path(__file__).parent  # and the tests' helpers (pdfinfo) one folder up
    return subprocess.run([sys.executable, "-c", code, str(here), str(here.parent),
                           "fast" if fast else "plain"], capture_output=True, check=True,
                          timeout=600).stdout


def _fonts(pdf: bytes) -> dict[str, tuple[TTFont, dict[int, str]]]:
    """Each embedded font by its base name (the subset tag left out), with the glyph
    ids the text draws with and the characters each stands for (its ToUnicode map)."""
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            name = str(font["/BaseFont"])
            data = descriptor["/FontFile2"].get_object().get_data()
            fonts[name] = TTFont(io.BytesIO(data)), to_unicode(font)
    return fonts


@pytest.fixture(scope="module")
def renders() -> tuple[bytes, bytes]:
    return _render_apart(fast=False), _render_apart(fast=True)


def test_the_same_fonts_and_glyphs_as_weasyprints_own_instancing(renders):
    """Every glyph the text draws is the glyph WeasyPrint's own path embeds. (Not how
    many glyphs each file holds: WeasyPrint's path cuts with HarfBuzz where the machine
    has its subsetter and with fontTools where not, and the two keep different tails.)"""
    theirs, ours = (_fonts(pdf) for pdf in renders)
    assert sorted(ours) == sorted(theirs)  # one embedded font per face and optical size
    assert len(ours) == 12  # 2 sizes x 2 weights x 2 styles of the serif, 2 x 2 of the sans
    for name, (font, text) in ours.items():
        assert "fvar" not in font and "gvar" not in font, name  # static
        reference, text_ref = theirs[name]
        assert text == text_ref, name  # the same glyph ids stand for the same characters
        assert set(TEXT.replace(" ", "")) <= set("".join(text.values())), name
        glyf, glyf_ref = font["glyf"], reference["glyf"]
        drawn = 0
        for gid in sorted({0, *text}):  # by glyph id: the PDF's text uses ids
            glyph, glyph_ref = font.getGlyphName(gid), reference.getGlyphName(gid)
            points = glyf[glyph].getCoordinates(glyf)[0]
            points_ref = glyf_ref[glyph_ref].getCoordinates(glyf_ref)[0]
            # HarfBuzz and fontTools round an interpolated delta each their own way: a
            # point may be one unit (a thousandth of the em) apart, never more; the
            # same goes for advances (and the PDF places glyphs by the widths Pango
            # measured, written in /W, not by this table)
            assert len(points) == len(points_ref), (name, gid)
            assert all(abs(x - x_ref) <= 1 and abs(y - y_ref) <= 1
                       for (x, y), (x_ref, y_ref) in zip(points, points_ref, strict=True)), (
                name, gid)
            if gid:  # .notdef: WeasyPrint's path loses its variation (624, not the 653
                # HarfBuzz measures Source Sans 3's at weight 400); ours keeps it
                assert abs(font["hmtx"][glyph][0] - reference["hmtx"][glyph_ref][0]) <= 1, (
                    name, gid)
            drawn += glyf[glyph].numberOfContours != 0
        assert drawn > 20, name


def test_the_same_text_on_every_page(renders):
    theirs, ours = (PdfReader(io.BytesIO(pdf)) for pdf in renders)
    assert [p.extract_text() for p in ours.pages] == [p.extract_text() for p in theirs.pages]
    assert "Ωμέγα" in ours.pages[0].extract_text()


def test_fonttools_instancer_is_never_called(monkeypatch):
    """The point of the module: remove static_instances() from the render and this fails.
    (WeasyPrint swallows an exception from the instancer, so calls are counted.)"""
    from weasyprint.pdf import fonts

    calls = []
    monkeypatch.setattr(fonts, "instantiateVariableFont",
                        lambda *args, **kwargs: calls.append(args))
    assert _render(fast=True)[:5] == b"%PDF-"
    assert calls == []


def test_the_same_bytes_every_time(renders):
    assert _render_apart(fast=True) == renders[1]


def test_weasyprint_is_itself_again_afterwards():
    from weasyprint.pdf import fonts

    before = fonts.Font.clean
    with static_instances():
        assert fonts.Font.clean is not before
        with static_instances():  # nested: left in place
            pass
        assert fonts.Font.clean is not before
    assert fonts.Font.clean is before


def test_location_follows_weasyprints_rules():
    axes = {"wght": (200.0, 400.0, 900.0), "opsz": (8.0, 20.0, 60.0),
            "slnt": (-12.0, 0.0, 0.0), "ital": (0.0, 0.0, 1.0)}
    font = SimpleNamespace(variations={"wght": 650.0, "xtra": 3.0}, weight=700,
                           font_size=5.0, style=1)
    # Pango's variations win; the size is clamped into the axis; oblique leans.
    assert location(font, axes) == {"ital": 0.0, "opsz": 8.0, "slnt": -12.0, "wght": 650.0}
    italic = SimpleNamespace(variations={}, weight=1000, font_size=14.0, style=2)
    assert location(italic, axes) == {"ital": 1.0, "opsz": 14.0, "slnt": 0.0, "wght": 900.0}


def test_a_static_font_is_cut_not_instanced():
    path = Path(brand_fonts(default_brand())[0].path)
    variable = path.read_bytes()
    original = TTFont(path)
    ids = {code: original.getGlyphID(name) for code, name in original.getBestCmap().items()}
    where = {"wght": 700.0, "opsz": 30.0}
    static = subset_instance(variable, 0, range(0, 60), where, hinting=False,
                             notdef_outline=False)
    assert static is not None
    once = TTFont(io.BytesIO(static))
    assert "fvar" not in once and "gvar" not in once
    kept = {code: once.getGlyphID(name) for code, name in once.getBestCmap().items()}
    assert kept and all(ids[code] == gid for code, gid in kept.items() if gid < 60)
    again = subset_instance(static, 0, range(0, 30), None, hinting=False,
                            notdef_outline=False)
    assert again is not None and "fvar" not in TTFont(io.BytesIO(again))
    assert subset_instance(b"not a font", 0, [1], where, False, False) is None
    assert subset_instance(variable, 0, [], where, False, False) is None
