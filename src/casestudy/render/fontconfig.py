"""The PDF's fonts: the brand's files, and no font of the machine.

WeasyPrint hands Pango the machine's fontconfig setup (every folder of installed
fonts, the distribution's aliases and rules) and adds each @font-face font to it. A
family name is then looked up among both: a brand font named "Nanum Gothic" on a
machine with Debian's fonts-nanum can be drawn from /usr/share/fonts, chosen by
fontconfig's own ranking, and a generic family or an unknown name in an SVG reaches
whatever the machine has. The PDF would then depend on the machine, and on files
outside the study and the brand.

:class:`BrandFonts` keeps WeasyPrint's configuration until the first @font-face font
loads, then moves to a configuration of its own that holds nothing else: no font
folders, no aliases, no rules. From then on every @font-face font goes there, and any
family the brief names (its stylesheets, extra.css, SVG figures, charts, a generic
family) resolves to one of the brand's files. A character none of them has is drawn
as a missing glyph of a brand font, never by a machine font; check's glyph rule
refuses such a character before a build.

HTML with no @font-face at all (not a brief: every brief carries the brand's) keeps
WeasyPrint's configuration, since Pango cannot lay text out with no font.

Imported by pdf.py when it renders, so ``check`` never loads WeasyPrint.
"""

from __future__ import annotations

from typing import Any

from .libraries import found_quickly

with found_quickly():  # WeasyPrint's first import, in a render and in the worker server
    from weasyprint.text.ffi import ffi, fontconfig, pangoft2
    from weasyprint.text.fonts import FontConfiguration

# WeasyPrint declares only the fontconfig calls it makes; declared once, here
if not hasattr(fontconfig, "FcConfigCreate"):
    ffi.cdef("FcConfig * FcConfigCreate (void);")


class BrandFonts(FontConfiguration):
    """A WeasyPrint font configuration whose fonts are its @font-face fonts only."""

    _config: Any  # fontconfig's FcConfig, where WeasyPrint's add_font_face adds a font

    def __init__(self) -> None:
        super().__init__()
        self.declared = 0  # @font-face rules seen
        self.private = False  # whether the font map holds our configuration yet

    def add_font_face(self, rule_descriptors: Any, url_fetcher: Any) -> None:
        self.declared += 1
        if self.private:
            super().add_font_face(rule_descriptors, url_fetcher)
            return
        # WeasyPrint adds the font to self._config; give it an empty configuration to
        # add it to, and hand that to Pango only once it holds a font (Pango with no
        # font at all crashes)
        machine = self._config
        ours = fontconfig.FcConfigCreate()
        self._config = ours
        super().add_font_face(rule_descriptors, url_fetcher)
        if font_count(ours):
            # the font map takes a reference to ours and drops the machine's
            pangoft2.pango_fc_font_map_set_config(
                ffi.cast("PangoFcFontMap *", self.font_map), ours)
            self.private = True
        else:
            self._config = machine
        fontconfig.FcConfigDestroy(ours)  # our reference: the font map keeps its own


def font_count(config: Any) -> int:
    """How many fonts ``config`` holds (those of its font folders and those added)."""
    count = 0
    for which in (fontconfig.FcSetSystem, fontconfig.FcSetApplication):
        found = fontconfig.FcConfigGetFonts(config, which)
        count += found.nfont if found != ffi.NULL else 0
    return count
