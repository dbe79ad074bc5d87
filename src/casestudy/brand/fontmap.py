"""What the brief's fonts can draw: each font's character map, and the Unicode scripts.

Each font's character map is read with fontTools once and kept in the user's cache
folder under the SHA-256 of the font file (a cache that is missing or unreadable only
costs time); a build keeps them in memory. Script names come from fontTools' copy of
the Unicode Character Database, which has the scripts and script extensions that
Python's ``unicodedata`` lacks. The glyph-coverage rule (glyphs.py) asks this module.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..files.fonts import code_ranges, font_cmap, font_digest, parse_unicode_range, script_code
from .typefaces import Font

if TYPE_CHECKING:
    from .model import Brand

# Characters that are never drawn, so need no glyph: line breaks and tabs (whitespace in
# HTML) and the default-ignorable ones (joiners, direction marks, variation selectors).
_IGNORABLE_EXTRA = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0,
                    *range(0x180B, 0x1810), *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}


def ignorable(code: int) -> bool:
    return (code in (0x09, 0x0A, 0x0D) or code in _IGNORABLE_EXTRA
            or unicodedata.category(chr(code)) == "Cf")


def script_name(char: str) -> str:
    from fontTools import unicodedata as ucd  # here: 15 ms `casestudy check` pays only for scripts

    return str(ucd.script_name(ucd.script(char))).replace("_", " ")


@cache
def _fallback_chars(font: Font, brand: frozenset[int]) -> frozenset[int]:
    """What a fallback font draws: what it has, minus what the brand fonts have, limited
    to its declared scripts (and the punctuation shared by scripts) or unicode-range."""
    from fontTools import unicodedata as ucd  # here: 15 ms `casestudy check` pays only for scripts

    codes = font_cmap(font.path) - brand
    if font.unicode_range:
        ranges = parse_unicode_range(font.unicode_range)
        codes = frozenset(c for c in codes if any(a <= c <= b for a, b in ranges))
    if font.scripts:
        wanted = {script_code(s) for s in font.scripts}
        codes = frozenset(c for c in codes if ucd.script_extension(chr(c)) & wanted
                          or ucd.script(chr(c)) in ("Zyyy", "Zinh"))
    return codes | _joined_forms(font_cmap(font.path) - brand, codes)


def _joined_forms(has: frozenset[int], letters: frozenset[int]) -> frozenset[int]:
    """The Arabic presentation forms (U+FB50-FDFF, U+FE70-FEFF) the font has of the
    ``letters`` it draws: SVG text in the PDF is drawn joined with them (files/bidi.py),
    so a font that draws a letter draws its shapes too, never another font."""
    return frozenset(c for c in has if (0xFB50 <= c <= 0xFDFF or 0xFE70 <= c <= 0xFEFF)
                     and all(ord(ch) in letters
                             for ch in unicodedata.normalize("NFKC", chr(c)) if ch != " "))


def script_unicode_range(path: Path, scripts: list[str]) -> str:
    """The CSS unicode-range of what the font file has in ``scripts`` (all it has when
    none), with the punctuation and marks scripts share: what a fallback declared
    for those scripts draws."""
    from fontTools import unicodedata as ucd  # here: 15 ms `casestudy check` pays only for scripts

    codes = font_cmap(path)
    if scripts:
        wanted = {script_code(s) for s in scripts}
        codes = frozenset(c for c in codes if ucd.script_extension(chr(c)) & wanted
                          or ucd.script(chr(c)) in ("Zyyy", "Zinh"))
    codes = frozenset(c for c in codes if c > 0x20)
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in code_ranges(codes))


def fallback_unicode_range(font: Font, fonts: list[Font] | tuple[Font, ...]) -> str:
    """The CSS unicode-range of a limited fallback font ("" when it draws all it has),
    among the brand's ``fonts``.

    WeasyPrint takes a face's unicode-range as its whole character set, so the range
    lists only characters the font really has: the checker and the renderer agree.
    """
    if not (font.scripts or font.unicode_range):
        return ""
    chars = _fallback_chars(font, _brand_chars(_primary(fonts)))
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in code_ranges(chars))


def _primary(fonts: list[Font] | tuple[Font, ...]) -> tuple[Path, ...]:
    """The files of the brand's own faces (not its fallbacks), as a cache key."""
    return tuple(sorted({f.path for f in fonts if not f.fallback}))


@cache
def _brand_chars(paths: tuple[Path, ...]) -> frozenset[int]:
    """What the brand's own faces draw: a fallback font only adds what they lack."""
    return frozenset().union(*(font_cmap(path) for path in paths))


class Coverage:
    """The characters the fonts of one brief can draw, by family."""

    def __init__(self, fonts: list[Font]):
        brand = _brand_chars(_primary(fonts))
        self.by_family: dict[str, set[int]] = {}
        for font in fonts:
            chars = _fallback_chars(font, brand) if font.fallback else font_cmap(font.path)
            self.by_family.setdefault(font.family, set()).update(chars)
        self.chars = frozenset().union(*self.by_family.values())
        self.fallback_families = [f.family for f in fonts if f.fallback]

    def uncovered(self, text: str, families: list[str] | None = None) -> list[tuple[int, int]]:
        """(start, end) of each run of characters no font has (of ``families``, when
        given). A run goes on across spaces and punctuation, not across letters."""
        chars = self.chars if families is None else frozenset().union(
            *(self.by_family.get(f, set()) for f in families))
        if {ord(c) for c in set(text)} <= chars:  # the usual case, at C speed
            return []
        runs: list[tuple[int, int]] = []
        bridge = False  # whether what came since the last run may join the next one to it
        for i, char in enumerate(text):
            code = ord(char)
            if code in chars or ignorable(code):
                if char.isalnum() or char == "\n":
                    bridge = False
                continue
            if runs and bridge:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
            bridge = True
        return runs

    def message(self, run: str, families: list[str] | None = None) -> str:
        """What the author is told about one run (``run`` may hold covered characters)."""
        chars = self.chars if families is None else frozenset().union(
            *(self.by_family.get(f, set()) for f in families))
        missing: list[str] = []
        for char in run:
            if ord(char) not in chars and not ignorable(ord(char)) and char not in missing:
                missing.append(char)
        scripts: list[str] = []
        for char in missing:
            name = script_name(char)
            if name not in scripts:
                scripts.append(name)
        control = [c for c in missing if unicodedata.category(c) == "Cc"]
        if control:
            return (f"U+{ord(control[0]):04X} is a control character, which cannot be "
                    "printed; remove it")
        named = ", ".join(f"U+{ord(c):04X} {_shown(c)}" for c in missing[:3])
        if len(missing) > 3:
            named += f" and {len(missing) - 3} more"
        verb = "is" if len(missing) == 1 else "are"
        named += f" ({', '.join(scripts)})"
        proper = [s for s in scripts if s not in ("Common", "Inherited")]
        which = ("that has them" if not proper else "for " + (
            proper[0] if len(proper) == 1 else ", ".join(proper[:-1]) + " and " + proper[-1]))
        where = "in no brief font" if families is None else (
            "in none of the fonts it names (" + ", ".join(families) + ")")
        return f"{named} {verb} {where}; add a fallback font {which} to the brand"


def _shown(char: str) -> str:
    if unicodedata.category(char).startswith("M"):
        return "\u25cc" + char  # a mark is shown on a dotted circle, as the standard does
    if unicodedata.category(char) in ("Zs", "Zl", "Zp", "Co", "Cn", "Cs"):
        return f"({unicodedata.name(char, 'unassigned')})"
    return char


def coverage_for(brand: Brand) -> Coverage:
    """What the brief fonts can draw: ``brand``'s, fallbacks included."""
    fonts = list(brand.fonts)
    return _coverage(fonts_key(fonts), tuple(fonts))


@cache
def _coverage(key: str, fonts: tuple[Font, ...]) -> Coverage:
    return Coverage(list(fonts))


def brand_fonts_key(brand: Brand) -> str:
    """What the coverage of a brief in ``brand`` depends on: its fonts' files, by content."""
    return fonts_key(list(brand.fonts))


def fonts_key(fonts: list[Font]) -> str:
    parts = [f"{f.family}\0{f.fallback}\0{f.scripts}\0{f.unicode_range}\0{font_digest(f.path)}"
             for f in fonts]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
