"""Where the series branding lives: templates, CSS and logo, and the brand fonts.

The branding is data, kept in ``branding/`` inside the package; the fonts come from
their PyPI packages, never from the machine, so that every brief looks the same
wherever it is built. This module imports nothing heavy: the build cache hashes
these files without loading the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BRANDING = Path(__file__).parent / "branding"


@dataclass(frozen=True)
class Font:
    family: str
    path: Path
    style: str


def brand_fonts() -> list[Font]:
    """The brand fonts, from the installed font packages (never from the system)."""
    import fontpkg_source_sans_3 as sans
    import fontpkg_source_serif_4 as serif

    s, g = serif.ROOT / "files", sans.ROOT / "files"
    return [
        Font("Source Serif 4", s / "SourceSerif4[opsz,wght].ttf", "normal"),
        Font("Source Serif 4", s / "SourceSerif4-Italic[opsz,wght].ttf", "italic"),
        Font("Source Sans 3", g / "SourceSans3[wght].ttf", "normal"),
        Font("Source Sans 3", g / "SourceSans3-Italic[wght].ttf", "italic"),
    ]


def font_roots() -> list[Path]:
    """The folders the brand fonts are read from (the URL fetcher allows them)."""
    return sorted({font.path.parent for font in brand_fonts()})
