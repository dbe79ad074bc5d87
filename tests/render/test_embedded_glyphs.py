"""Only the glyphs a brief draws are embedded in its PDF.

Each embedded font is read back and set against the page content: every glyph id that
a text operator (Tj, TJ, ', ") shows in that font, on the pages and in the forms they
draw (SVG figures, charts), walked with pikepdf. A glyph of the font that has an
outline must be one of them, or a part of one (an accented letter is drawn from its
base and its accent), or .notdef. Empty slots are fine: WeasyPrint keeps the glyph ids
of the whole font, so a subset holds empty glyphs up to the last one used. And .notdef
itself is never shown: a missing glyph would be a character no brand font drew.

The briefs: Italy (variable Source Serif 4 and Source Sans 3, instanced by
brand/instancing.py), and the Hebrew and Korean study of test_scripts.py (Heebo, Noto
Sans Arabic and the Nanum Gothic subset of tests/fixtures/scripts), both editions.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont
from test_scripts import built  # noqa: F401 -- the fixture: the Hebrew and Korean study


def drawn_glyphs(pdf: pikepdf.Pdf) -> dict[tuple[int, int], set[int]]:
    """Each font (by object) and the glyph ids the content streams show in it."""
    drawn: dict[tuple[int, int], set[int]] = {}
    seen: set[tuple[int, int]] = set()

    def walk(content: pikepdf.Object, resources: pikepdf.Object) -> None:
        fonts = resources.get("/Font") or {}
        xobjects = resources.get("/XObject") or {}
        current: set[int] | None = None
        cids: Callable[[int], int] = int
        for operands, operator in pikepdf.parse_content_stream(content):
            op = str(operator)
            if op == "Tf":
                font = fonts[operands[0]]
                assert font.Subtype == "/Type0", font.BaseFont
                assert font.DescendantFonts[0].get("/CIDToGIDMap") == "/Identity", font.BaseFont
                cids = codes(font)
                current = drawn.setdefault(font.objgen, set())
            elif op in ("Tj", "'", '"', "TJ"):
                assert current is not None, "text shown before a font is set"
                strings = operands[0] if op == "TJ" else operands[-1:]
                for item in strings:
                    if isinstance(item, pikepdf.String):
                        data = bytes(item)
                        current.update(cids(int.from_bytes(data[i:i + 2], "big"))
                                       for i in range(0, len(data), 2))
            elif op == "Do":
                form = xobjects[operands[0]]
                if form.Subtype == "/Form" and form.objgen not in seen:
                    seen.add(form.objgen)
                    walk(form, form.get("/Resources") or resources)

    for page in pdf.pages:
        walk(page.obj, page.Resources)
    return drawn


def codes(font: pikepdf.Dictionary) -> Callable[[int], int]:
    """The glyph id each two-byte code of ``font`` shows: the code itself (Identity-H),
    or as the font's own CMap says (WeasyPrint writes one when .notdef is drawn)."""
    if font.Encoding == "/Identity-H":
        return lambda code: code
    cmap = font.Encoding.read_bytes().decode("latin-1")
    assert "<0000> <ffff>" in cmap, cmap[:400]  # two bytes a code
    table = {}
    for block in re.findall(r"begincidchar(.*?)endcidchar", cmap, re.S):
        for code, cid in re.findall(r"<([0-9a-fA-F]+)>\s+(\d+)", block):
            table[int(code, 16)] = int(cid)
    for block in re.findall(r"begincidrange(.*?)endcidrange", cmap, re.S):
        for low, high, cid in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s+(\d+)",
                                         block):
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                table[code] = int(cid) + offset
    return table.__getitem__


def embedded(pdf: pikepdf.Pdf) -> dict[tuple[int, int], tuple[str, TTFont]]:
    """Each font object that carries a font program: its name and the program read."""
    found = {}
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/Type0":
            descriptor = obj.DescendantFonts[0].FontDescriptor
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            assert program is not None, f"{obj.BaseFont} is not embedded"
            found[obj.objgen] = (str(obj.BaseFont), TTFont(io.BytesIO(program.read_bytes())))
    return found


def with_outline(font: TTFont) -> set[int]:
    """The glyph ids of ``font`` that draw something."""
    order = font.getGlyphOrder()
    if "glyf" in font:
        glyf = font["glyf"]
        return {gid for gid, name in enumerate(order) if glyf[name].numberOfContours != 0}
    glyphs = font.getGlyphSet()  # CFF: a glyph draws something if its charstring does
    from fontTools.pens.recordingPen import RecordingPen

    found = set()
    for gid, name in enumerate(order):
        pen = RecordingPen()
        glyphs[name].draw(pen)
        if pen.value:
            found.add(gid)
    return found


def with_parts(font: TTFont, gids: set[int]) -> set[int]:
    """``gids`` and, for a composite glyph, the glyphs it is made of, all the way down."""
    if "glyf" not in font:
        return set(gids)
    order, glyf = font.getGlyphOrder(), font["glyf"]
    ids = {name: gid for gid, name in enumerate(order)}
    found, todo = set(), [g for g in gids if g < len(order)]
    while todo:
        gid = todo.pop()
        if gid in found:
            continue
        found.add(gid)
        glyph = glyf[order[gid]]
        if glyph.isComposite():
            todo += [ids[c.glyphName] for c in glyph.components]
    return found


def undrawn_outlines(path: Path) -> dict[str, list[int]]:
    """Each embedded font that holds an outline the brief does not draw, and those ids;
    and each font in which the brief shows .notdef (glyph 0), under "notdef"."""
    with pikepdf.open(path) as pdf:
        drawn = drawn_glyphs(pdf)
        fonts = embedded(pdf)
        assert fonts and set(drawn) <= set(fonts)
        extra = {}
        for objgen, (name, font) in fonts.items():
            used = with_parts(font, drawn.get(objgen, set()))
            beyond = sorted(with_outline(font) - used - {0})
            if beyond:
                extra[name] = beyond
            if 0 in drawn.get(objgen, set()):
                extra[f"notdef {name}"] = [0]
        return extra


def test_italy_embeds_only_the_glyphs_it_draws(italy_pdf):
    assert undrawn_outlines(italy_pdf) == {}


def test_the_hebrew_and_korean_brief_embeds_only_the_glyphs_it_draws(built):  # noqa: F811
    pdf, html = built
    assert undrawn_outlines(pdf) == {}
    assert undrawn_outlines(html.parent / pdf.name) == {}  # the web edition's copy
