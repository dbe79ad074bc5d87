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
import re
from dataclasses import dataclass
from functools import lru_cache

from .brand import Font, brand_fonts

WEIGHTS = (400, 700)  # what web.css uses: body text and bold (headings, labels, strong)
BODY_OPSZ = 18  # the web edition's body size in px: the serif's optical size is pinned there
FORMAT = 1  # bump when the way faces are made changes
# always in the subset, whatever the studies say: digits, ASCII, and the typographer's marks
BASE_TEXT = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0‘’“”–—…·•↩©"


@dataclass(frozen=True)
class Face:
    """One web font file: a brand font pinned to one weight."""

    font: Font
    weight: int

    @property
    def filename(self) -> str:
        family = re.sub(r"[^a-z0-9]+", "-", self.font.family.lower()).strip("-")
        return f"{family}-{self.font.style}-{self.weight}.woff2"


def faces() -> list[Face]:
    return [Face(font, weight) for font in brand_fonts() for weight in WEIGHTS]


def charset(texts: list[str]) -> str:
    """The characters to keep: those of ``texts`` and BASE_TEXT, sorted, controls left out."""
    chars = set(BASE_TEXT)
    for text in texts:
        chars.update(text)
    return "".join(sorted(c for c in chars if c.isprintable() or c == "\u00a0"))


def key(chars: str) -> str:
    """What a set of faces depends on: the characters, the font files, this code."""
    from fontTools import version as fonttools_version

    digest = hashlib.sha256(f"{FORMAT} {fonttools_version} {WEIGHTS} {BODY_OPSZ}\n".encode())
    for font in brand_fonts():
        with open(font.path, "rb") as handle:
            digest.update(font.path.name.encode() + hashlib.file_digest(handle, "sha256").digest())
    digest.update(chars.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def font_face_css(url_prefix: str, face_list: list[Face] | None = None) -> str:
    """@font-face rules for the faces, their files under ``url_prefix``."""
    return "\n".join(
        f'@font-face {{ font-family: "{f.font.family}"; '
        f'src: url("{url_prefix}{f.filename}") format("woff2"); font-style: {f.font.style}; '
        f"font-weight: {f.weight}; font-display: swap; }}"
        for f in (face_list or faces()))


def make_faces(chars: str) -> dict[str, bytes]:
    """Every face as WOFF2 bytes, by file name (memoised: a process makes a set once)."""
    return dict(_make_faces(chars))


@lru_cache(maxsize=4)
def _make_faces(chars: str) -> tuple[tuple[str, bytes], ...]:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    unicodes = [ord(c) for c in chars]
    made: list[tuple[str, bytes]] = []
    for font in brand_fonts():
        # subset first: instancing the whole variable font would take ten times longer
        whole = TTFont(font.path)
        options = subset.Options()
        options.notdef_outline = True
        options.name_IDs = ["*"]  # keep the names: the licence and copyright go with the file
        options.name_languages = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(whole)
        buffer = io.BytesIO()
        whole.save(buffer)
        for weight in WEIGHTS:
            variable = TTFont(io.BytesIO(buffer.getvalue()))
            axes = {a.axisTag: a for a in variable["fvar"].axes}
            location = {"wght": float(weight)}
            if "opsz" in axes:
                location["opsz"] = float(BODY_OPSZ)
            static = instancer.instantiateVariableFont(variable, location)
            static.flavor = "woff2"
            data = io.BytesIO()
            static.save(data)
            made.append((Face(font, weight).filename, data.getvalue()))
    return tuple(made)
