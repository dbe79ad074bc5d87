"""What the brief's fonts can draw: each font's character map, and the Unicode scripts.

Each font's character map is read with fontTools once and kept in the user's cache
folder under the SHA-256 of the font file (a cache that is missing or unreadable only
costs time); a build keeps them in memory. Script names come from fontTools' copy of
the Unicode Character Database, which has the scripts and script extensions that
Python's ``unicodedata`` lacks. The glyph-coverage rule (glyphs.py) asks this module.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .load import Font, brand_fonts, brief_fonts

if TYPE_CHECKING:
    from ..source.schema import SeriesConfig
    from .load import Brand

_FORMAT = 1  # bump when the cached shape changes
# Characters that are never drawn, so need no glyph: line breaks and tabs (whitespace in
# HTML) and the default-ignorable ones (joiners, direction marks, variation selectors).
_IGNORABLE_EXTRA = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0,
                    *range(0x180B, 0x1810), *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}
_DISK = {"cache": True}  # builds keep the cmaps in memory: they write only their outputs
_UNICODE_RANGE = re.compile(r"^U\+([0-9A-F?]{1,6})(?:-([0-9A-F]{1,6}))?$", re.IGNORECASE)


def ignorable(code: int) -> bool:
    return (code in (0x09, 0x0A, 0x0D) or code in _IGNORABLE_EXTRA
            or unicodedata.category(chr(code)) == "Cf")


# ---------------------------------------------------------------- fonts


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@cache
def _font_digest(path: Path, size: int, mtime_ns: int) -> str:
    return _sha256(path)


def font_digest(path: Path) -> str:
    """The SHA-256 of a font file (remembered for this process while it is unchanged)."""
    info = os.stat(path)
    return _font_digest(path, info.st_size, info.st_mtime_ns)


def _ranges(codes: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for code in sorted(codes):
        if out and code == out[-1][1] + 1:
            out[-1] = (out[-1][0], code)
        else:
            out.append((code, code))
    return out


def memory_only() -> None:
    """Read and write no cache file in this process (a build reads only what it may)."""
    _DISK["cache"] = False


@cache
def _cmap(digest: str, path: Path) -> frozenset[int]:
    from ..series.cache import default_cache_dir

    store = default_cache_dir() / "fonts" / f"cmap-{_FORMAT}-{digest}.json"
    try:
        if _DISK["cache"]:
            ranges = json.loads(store.read_text("ascii"))
            return frozenset(c for a, b in ranges for c in range(int(a), int(b) + 1))
    except (OSError, ValueError, TypeError):
        pass
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            codes = frozenset(font.getBestCmap() or {})
    except (TTLibError, OSError, ValueError, KeyError, AssertionError) as exc:
        raise ValueError(f"{path.name} cannot be read as a font ({exc})") from None
    if not _DISK["cache"]:
        return codes
    try:
        from ..files.write import atomic_write

        store.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(store, json.dumps(_ranges(codes)).encode("ascii"), durable=False)
    except OSError:
        pass
    return codes


def font_cmap(path: Path) -> frozenset[int]:
    """The characters ``path`` has a glyph for; ValueError when it is not a font."""
    return _cmap(font_digest(path), path)


def parse_unicode_range(text: str) -> list[tuple[int, int]]:
    """A CSS unicode-range ("U+3000-30FF, U+4E??") as inclusive ranges; ValueError if bad."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        match = _UNICODE_RANGE.match(part)
        if not match:
            raise ValueError(f"{part!r} is not a unicode-range such as U+3000-30FF")
        first, last = match.group(1), match.group(2)
        if "?" in first:
            if last:
                raise ValueError(f"{part!r}: a range with '?' has no end")
            low, high = int(first.replace("?", "0"), 16), int(first.replace("?", "F"), 16)
        else:
            low, high = int(first, 16), int(last or first, 16)
        if low > high or high > 0x10FFFF:
            raise ValueError(f"{part!r} is not a range of code points")
        out.append((low, high))
    return out


def script_code(name: str) -> str:
    """The ISO 15924 code of a script given by name (Han) or code (Hani); ValueError."""
    from fontTools import unicodedata as ucd

    if len(name) == 4 and name.title() in ucd.Scripts.NAMES:
        return name.title()
    code = ucd.script_code(name.replace(" ", "_"), default=None)
    if code is None:
        raise ValueError(f"{name!r} is not a Unicode script name (Han, Hiragana, Arabic, ...)")
    return str(code)


def script_name(char: str) -> str:
    from fontTools import unicodedata as ucd

    return str(ucd.script_name(ucd.script(char))).replace("_", " ")


@cache
def _fallback_chars(font: Font, brand: frozenset[int]) -> frozenset[int]:
    """What a fallback font draws: what it has, minus what the brand fonts have, limited
    to its declared scripts (and the punctuation shared by scripts) or unicode-range."""
    from fontTools import unicodedata as ucd

    codes = font_cmap(font.path) - brand
    if font.unicode_range:
        ranges = parse_unicode_range(font.unicode_range)
        codes = frozenset(c for c in codes if any(a <= c <= b for a, b in ranges))
    if font.scripts:
        wanted = {script_code(s) for s in font.scripts}
        codes = frozenset(c for c in codes if ucd.script_extension(chr(c)) & wanted
                          or ucd.script(chr(c)) in ("Zyyy", "Zinh"))
    return codes


def script_unicode_range(path: Path, scripts: list[str]) -> str:
    """The CSS unicode-range of what the font file has in ``scripts`` (all it has when
    none), with the punctuation and marks scripts share: what a fallback declared
    for those scripts draws."""
    from fontTools import unicodedata as ucd

    codes = font_cmap(path)
    if scripts:
        wanted = {script_code(s) for s in scripts}
        codes = frozenset(c for c in codes if ucd.script_extension(chr(c)) & wanted
                          or ucd.script(chr(c)) in ("Zyyy", "Zinh"))
    codes = frozenset(c for c in codes if c > 0x20)
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in _ranges(codes))


def fallback_unicode_range(font: Font, fonts: list[Font] | tuple[Font, ...] | None = None) -> str:
    """The CSS unicode-range of a limited fallback font ("" when it draws all it has),
    among the brand's ``fonts`` (the default brand's when None).

    WeasyPrint takes a face's unicode-range as its whole character set, so the range
    lists only characters the font really has: the checker and the renderer agree.
    """
    if not (font.scripts or font.unicode_range):
        return ""
    chars = _fallback_chars(font, _brand_chars(_primary(fonts)))
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in _ranges(chars))


def _primary(fonts: list[Font] | tuple[Font, ...] | None) -> tuple[Path, ...]:
    """The files of the brand's own faces (not its fallbacks), as a cache key."""
    chosen = brand_fonts() if fonts is None else fonts
    return tuple(sorted({f.path for f in chosen if not f.fallback}))


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


def coverage_for(series: SeriesConfig | None, brand: Brand | None = None) -> Coverage:
    """What the brief fonts can draw: ``brand``'s (the build's), else the series' brand's."""
    fonts = list(brand.fonts) if brand is not None else brief_fonts(series)
    return _coverage(fonts_key(fonts), tuple(fonts))


@cache
def _coverage(key: str, fonts: tuple[Font, ...]) -> Coverage:
    return Coverage(list(fonts))


def series_fonts_key(series: SeriesConfig | None) -> str:
    """What the coverage of a brief depends on: its fonts' files, by content."""
    return fonts_key(brief_fonts(series))


def fonts_key(fonts: list[Font]) -> str:
    parts = [f"{f.family}\0{f.fallback}\0{f.scripts}\0{f.unicode_range}\0{font_digest(f.path)}"
             for f in fonts]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
