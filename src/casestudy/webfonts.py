"""The brand fonts for the web edition: WOFF2 subsets shared by the whole series.

The PDF embeds its own subsets (WeasyPrint does that); a browser needs the fonts as
files. Shipping the variable TTFs would cost every reader 3.1 MB, so each face the web
CSS uses (regular and bold, upright and italic, of both families) is cut down to the
characters the series actually uses, pinned to one weight and optical size, and
compressed as WOFF2 (fontTools, with Brotli from PyPI): about 10 KB a face.

Making them takes seconds, so a set is made once per character set: the files in
``assets/fonts/`` are kept while the key (characters, fonts, this code) is unchanged.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .brand import Brand, Font, font_face_rule

WEIGHTS = (400, 700)  # what web.css uses: body text and bold (headings, labels, strong)
BODY_OPSZ = 18  # the web edition's body size in px: the serif's optical size is pinned there
FORMAT = 2  # bump when the way faces are made changes
# always in the subset, whatever the studies say: digits, ASCII, and the typographer's marks
BASE_TEXT = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0‘’“”–—…·•↩©"


@dataclass(frozen=True)
class Face:
    """One web font file: a brand font (a variable one pinned to one weight)."""

    font: Font
    weight: int
    pinned: bool  # a variable font instanced at ``weight``; else the file's own face
    unicode_range: str = ""  # a fallback's: the browser fetches it only when needed

    @property
    def filename(self) -> str:
        family = re.sub(r"[^a-z0-9]+", "-", self.font.family.lower()).strip("-") or "font"
        return f"{family}-{self.font.style}-{self.weight}.woff2"


@lru_cache(maxsize=64)
def axes_and_weight(path: Path) -> tuple[dict[str, tuple[float, float]], int]:
    """A font file's variation axes (tag -> min, max) and its OS/2 weight."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        axes = ({a.axisTag: (a.minValue, a.maxValue) for a in font["fvar"].axes}
                if "fvar" in font else {})
        weight = font["OS/2"].usWeightClass if "OS/2" in font else 400
    return axes, weight


def weights(brand: Brand) -> list[int]:
    """The weights the web pages use: web.css's two, and those the brand's styles set."""
    wanted = set(WEIGHTS)
    for style in (brand.base, brand.headings, brand.monospace):
        if style.weight and style.weight.isdigit():
            wanted.add(int(style.weight))
    return sorted(wanted)


def _nearest(available: list[int], wanted: int) -> int:
    """The weight CSS font matching picks for ``wanted`` among ``available``: at 400-500
    the nearest up to 500 first, below that lighter first, above it heavier first."""
    if wanted in available:
        return wanted
    if 400 <= wanted <= 500:
        up = [w for w in available if wanted < w <= 500]
        if up:
            return min(up)
    lighter = sorted((w for w in available if w < wanted), reverse=True)
    heavier = sorted(w for w in available if w > wanted)
    order = (heavier + lighter) if wanted > 500 else (lighter + heavier)
    return order[0]


def faces(brand: Brand) -> list[Face]:
    """The web faces of the brand: each variable font at the weights the pages use
    (within its axis), of each family's static fonts those a browser would pick for
    them; a fallback limited to its range."""
    from .fontmap import fallback_unicode_range

    wanted = weights(brand)
    static: dict[tuple[str, str], list[tuple[int, Font]]] = {}
    for font in brand.fonts:
        axes, own = axes_and_weight(font.path)
        if "wght" not in axes:
            static.setdefault((font.family, font.style), []).append((own, font))
    made: list[Face] = []
    names: set[str] = set()
    for font in brand.fonts:
        axes, own = axes_and_weight(font.path)
        limited = (fallback_unicode_range(font, brand.fonts) if font.fallback
                   else font.unicode_range)
        if "wght" in axes:
            low, high = axes["wght"]
            chosen = sorted({min(max(w, round(low)), round(high)) for w in wanted})
            candidates = [Face(font, w, True, limited) for w in chosen]
        else:
            family = static[(font.family, font.style)]
            picked = {_nearest([w for w, _ in family], w) for w in wanted}
            candidates = [Face(font, own, False, limited)] if own in picked else []
        for face in candidates:
            if face.filename not in names:  # two files of one family, style and weight
                names.add(face.filename)
                made.append(face)
    return made


def charset(texts: list[str]) -> str:
    """The characters to keep: those of ``texts`` and BASE_TEXT, sorted, controls left out."""
    chars = set(BASE_TEXT)
    for text in texts:
        chars.update(text)
    return "".join(sorted(c for c in chars if c.isprintable() or c == "\u00a0"))


def key(brand: Brand, chars: str) -> str:
    """What a set of faces depends on: the characters, the font files, this code."""
    from fontTools import version as fonttools_version

    digest = hashlib.sha256(f"{FORMAT} {fonttools_version} {WEIGHTS} {BODY_OPSZ}\n".encode())
    for face in faces(brand):
        with open(face.font.path, "rb") as handle:
            digest.update(f"{face.filename}\0{face.unicode_range}\0".encode()
                          + hashlib.file_digest(handle, "sha256").digest())
    digest.update(chars.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def font_face_css(url_prefix: str, face_list: list[Face]) -> str:
    """@font-face rules for the faces, their files under ``url_prefix``."""
    return "\n".join(
        font_face_rule(f.font.family, url_prefix + f.filename, f.font.style,
                       f.weight if f.pinned or not f.font.weight else f.font.weight,
                       f.unicode_range, woff2=True)
        for f in face_list)


def make_faces(brand: Brand, chars: str) -> dict[str, bytes]:
    """Every face as WOFF2 bytes, by file name (memoised: a process makes a set once)."""
    return dict(_make_faces(tuple(faces(brand)), chars))


@lru_cache(maxsize=4)
def _make_faces(face_list: tuple[Face, ...], chars: str) -> tuple[tuple[str, bytes], ...]:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # "meta NOT subset" and the like
    unicodes = [ord(c) for c in chars]
    made: list[tuple[str, bytes]] = []
    subsets: dict[tuple[Path, str], bytes] = {}
    for face in face_list:
        font = face.font
        wanted = unicodes
        if face.unicode_range:  # a fallback: only what it is there for
            from .fontmap import parse_unicode_range

            ranges = parse_unicode_range(face.unicode_range)
            wanted = [c for c in unicodes if any(a <= c <= b for a, b in ranges)]
        where = (font.path, face.unicode_range)
        if where not in subsets:
            # subset first: instancing the whole variable font would take ten times longer
            whole = TTFont(font.path)
            options = subset.Options()
            options.notdef_outline = True
            options.name_IDs = ["*"]  # keep the names: the licence and copyright go with it
            options.name_languages = ["*"]
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=wanted)
            subsetter.subset(whole)
            buffer = io.BytesIO()
            whole.flavor = None
            whole.save(buffer)
            subsets[where] = buffer.getvalue()
        face_font = TTFont(io.BytesIO(subsets[where]))
        if face.pinned:
            axes = {a.axisTag: a for a in face_font["fvar"].axes}
            # every axis pinned (width, grade...: at their defaults), so the face is static
            location = {tag: axis.defaultValue for tag, axis in axes.items()}
            location["wght"] = float(face.weight)
            if "opsz" in axes:
                opsz = axes["opsz"]
                location["opsz"] = min(max(float(BODY_OPSZ), opsz.minValue), opsz.maxValue)
            face_font = instancer.instantiateVariableFont(face_font, location)
        face_font.flavor = "woff2"
        data = io.BytesIO()
        face_font.save(data)
        made.append((face.filename, data.getvalue()))
    return tuple(made)
