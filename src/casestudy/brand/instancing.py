"""Variable fonts embedded as static instances, made by HarfBuzz in milliseconds.

The brand fonts are variable (Source Serif 4 has weight and optical-size axes, Source
Sans 3 weight). Pango lays text out with the variable font at the weight and optical
size each run of text asks for, and WeasyPrint then embeds a static instance of every
location in use: it subsets the font, then instances the subset with fontTools'
instancer. That instancing is a fifth of a cold render (about 0.1 s a face, fourteen
faces for the Italy brief, and the instancer's own start-up).

Here the same embedding is done in one HarfBuzz subset call that also pins the axes
(HarfBuzz's instancer: a few milliseconds a face, no cache needed). The location is
worked out exactly as WeasyPrint does, from what Pango used, so the layout is
untouched: every line breaks where it did, and the embedded glyphs are those of the
location the text was measured at. Static fonts, colour fonts and anything HarfBuzz
refuses go through WeasyPrint's own code unchanged. The output is deterministic:
the same fonts and text give the same bytes.

This replaces one method of WeasyPrint's (``weasyprint.pdf.fonts.Font.clean``) for
the duration of a render only (:func:`static_instances`), so WeasyPrint used
elsewhere in the same process is unaffected. The WeasyPrint and uharfbuzz versions are
in the build digest (cache.py); a test holds the replacement to WeasyPrint's output.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

# The tables WeasyPrint drops from every embedded font (pdf/fonts.py, _harfbuzz_subset).
_DROPPED = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT",
            "SVG ")


def location(font: Any, axes: dict[str, tuple[float, float, float]]) -> dict[str, float]:
    """The axis location WeasyPrint instances ``font`` (a weasyprint.pdf.fonts.Font) at.

    ``axes`` maps each axis tag of the font to (minimum, default, maximum). The rules
    are WeasyPrint's own (Font.clean): Pango's variations first, then the weight and
    the font size, the slant or italic axis from the style; other axes stay at their
    default. Values are clamped to the axis range, as an instancer does.
    """
    wanted = {tag: value for tag, value in font.variations.items() if tag in axes}
    if "wght" in axes and "wght" not in wanted:
        wanted["wght"] = font.weight
    if "opsz" in axes and "opsz" not in wanted:
        wanted["opsz"] = font.font_size
    if "slnt" in axes and "slnt" not in wanted:
        low, _, high = axes["slnt"]
        wanted["slnt"] = (low if high == 0 else high) if font.style == 1 else 0
    if "ital" in axes and "ital" not in wanted:
        wanted["ital"] = int(font.style == 2)
    return {tag: min(max(float(value), axes[tag][0]), axes[tag][2])
            for tag, value in sorted(wanted.items())}


def subset_instance(data: bytes, index: int, glyphs: Iterable[int],
                    where: dict[str, float] | None, hinting: bool,
                    notdef_outline: bool) -> bytes | None:
    """``data``'s face ``index`` cut to ``glyphs`` (their ids kept) and, when ``where``
    is given, pinned at that location (every other axis at its default): a static font.
    None when HarfBuzz cannot do it.

    The two passes are WeasyPrint's (``_harfbuzz_subset``): the glyphs and what they
    need, ids kept; then everything after the last glyph used dropped.
    """
    import uharfbuzz as hb  # here: 18 ms only making a PDF needs

    used = sorted(set(glyphs))
    if not used:
        return None
    common = hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE
    if notdef_outline:
        common |= hb.SubsetFlags.NOTDEF_OUTLINE
    try:
        face = hb.Face(hb.Blob(data), index)
        first = _plan(hb, used, common | hb.SubsetFlags.RETAIN_GIDS)
        if where is not None:
            # the flag fontTools' instancer sets too: a variable font's contours overlap,
            # and a rasterizer told so draws them as the designer meant
            first.flags = common | hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.SET_OVERLAPS_FLAG
            first.pin_all_axes_to_default(face)
            for tag, value in where.items():
                first.pin_axis_location(face, tag, value)
        cut = hb.subset(face, first)
        last = _plan(hb, range(used[-1] + 1),
                     common if hinting else common | hb.SubsetFlags.NO_HINTING)
        out = hb.subset(cut, last).blob.data
    except RuntimeError:
        return None
    return bytes(out) if out else None


def _plan(hb: Any, glyphs: Iterable[int], flags: Any) -> Any:
    plan = hb.SubsetInput()
    for glyph in glyphs:
        plan.glyph_set.add(glyph)
    plan.flags = flags
    dropped = plan.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in _DROPPED:
        dropped.add(int.from_bytes(tag.encode("ascii"), "big"))
    return plan


def _axes(data: bytes, index: int) -> dict[str, tuple[float, float, float]]:
    import uharfbuzz as hb  # here: 18 ms only making a PDF needs

    face = hb.Face(hb.Blob(data), index)
    return {axis.tag: (axis.min_value, axis.default_value, axis.max_value)
            for axis in face.axis_infos}


def _clean(original: Any) -> Any:
    def clean(self: Any, to_unicode: dict[int, Any], hinting: bool) -> None:
        if "fvar" not in self.tables or not to_unicode or self.png or self.svg or self.colr:
            return original(self, to_unicode, hinting)
        axes = _axes(self.file_content, self.index)
        where = location(self, axes)
        self.variations.update(where)  # as WeasyPrint's own clean() leaves it
        data = subset_instance(self.file_content, self.index, to_unicode, where, hinting,
                               bool(self.missing))
        if data is None:
            return original(self, to_unicode, hinting)
        self.file_content = data
        return None
    clean.casestudy = True  # type: ignore[attr-defined]
    return clean


@contextlib.contextmanager
def static_instances() -> Iterator[None]:
    """While inside, WeasyPrint embeds variable fonts through :func:`subset_instance`."""
    from weasyprint.pdf import fonts  # here: `check` and `--help` never import WeasyPrint

    original = fonts.Font.clean
    if getattr(original, "casestudy", False):  # nested: already in place
        yield
        return
    fonts.Font.clean = _clean(original)
    try:
        yield
    finally:
        fonts.Font.clean = original
