"""Where the series branding lives: templates, CSS and logo, and the fonts of a brief.

The branding is data, kept in ``branding/`` inside the package; the brand fonts come
from their PyPI packages, never from the machine, so that every brief looks the same
wherever it is built. A series may add fallback fonts for scripts the brand fonts
lack (``fallback_fonts`` in series.yaml): they follow the brand fonts in every font
stack. Everything else reads the fonts through the accessors here. This module
imports nothing heavy: the build cache hashes these files without loading the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .schema import FallbackFont, SeriesConfig

BRANDING = Path(__file__).parent / "branding"
FONT_SUFFIXES = (".ttf", ".otf")


@dataclass(frozen=True)
class Font:
    family: str
    path: Path
    style: str
    fallback: bool = False
    scripts: tuple[str, ...] = ()  # a fallback limited to these scripts (empty: all it has)
    unicode_range: str = ""  # or to this CSS unicode-range


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


class FontNotFound(ValueError):
    """A declared fallback font that cannot be used; the message says why."""


def fallback_path(decl: FallbackFont, series_root: Path | None) -> Path:
    """The file of a declared fallback font: in the series folder, or in an installed
    font package. Never a font of the machine's font configuration."""
    from .fetch import inside, real

    rel = Path(decl.file)
    if rel.is_absolute() or "\\" in decl.file:
        raise FontNotFound(f"font file {decl.file!r} must be a relative path")
    if decl.package:
        module = decl.package.replace("-", "_")
        try:
            spec = find_spec(module)  # finds the package without running its code
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise FontNotFound(f"font package {decl.package!r} is not installed; "
                               f"pip install {decl.package}")
        base = Path(list(spec.submodule_search_locations)[0])
        where = f"the package {decl.package}"
    else:
        if series_root is None:
            raise FontNotFound("fallback font files are relative to series.yaml, which "
                               "was not read from a folder")
        base, where = series_root, "the series folder"
    path = real(base / rel)
    if not inside(path, real(base)):
        raise FontNotFound(f"font file {decl.file!r} leads outside {where}")
    if not path.is_file():
        raise FontNotFound(f"font file {decl.file!r} not found in {where}")
    if path.suffix.lower() not in FONT_SUFFIXES:
        raise FontNotFound(f"font file {decl.file!r} must be a .ttf or .otf file")
    return path


def fallback_fonts(series: SeriesConfig | None) -> list[Font]:
    """The series' fallback fonts, in the order declared (after the brand fonts)."""
    if series is None:
        return []
    root = series._root
    return [Font(decl.family, fallback_path(decl, root), "normal", True,
                 tuple(decl.scripts), decl.unicode_range)
            for decl in series.fallback_fonts]


def brief_fonts(series: SeriesConfig | None) -> list[Font]:
    """Every font a brief may use: the brand fonts, then the series' fallbacks."""
    return brand_fonts() + fallback_fonts(series)


def font_stacks(series: SeriesConfig | None) -> dict[str, str]:
    """The CSS font-family lists of the brief (``--serif`` and ``--sans``).

    Each names every brief font: the other brand family catches what the first lacks
    (Source Sans 3 has Greek and Cyrillic, Source Serif 4 has not), then the fallbacks.
    No generic family closes a stack: what no brief font has is the checker's to report,
    never the machine's fonts to draw.
    """
    fallbacks = []
    for font in fallback_fonts(series):
        if font.family not in fallbacks:
            fallbacks.append(font.family)

    def stack(*families: str) -> str:
        return ", ".join(f'"{family}"' for family in (*families, *fallbacks))

    return {"serif": stack("Source Serif 4", "Source Sans 3"),
            "sans": stack("Source Sans 3", "Source Serif 4")}


def font_roots(series: SeriesConfig | None = None) -> list[Path]:
    """What the URL fetcher may read for fonts: the brand font folders, and each
    fallback font file by itself (never the folder it sits in)."""
    folders = {font.path.parent for font in brand_fonts()}
    return sorted(folders) + sorted({font.path for font in fallback_fonts(series)})


@dataclass(frozen=True)
class ChartStyle:
    """How charts are drawn in the brand: the one place the chart writer reads it from.

    Colours come from the series' brand colours (primary, accent, muted, tint); the
    categorical palette adds lighter mixes of them, so a brand change redraws every
    chart in its colours. The typeface is the brand's sans.
    """

    font: str
    ink: str  # titles and value labels
    muted: str  # axis labels, unit line
    grid: str
    baseline: str
    accent: str
    palette: tuple[str, ...]
    title_size: float = 16
    label_size: float = 12
    small_size: float = 11
    width: int = 600
    height: int = 320


def _mix(color: str, other: str, share: float) -> str:
    """``color`` moved towards ``other`` by ``share`` (0..1), as #rrggbb."""
    a = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def chart_style(colors: dict[str, str]) -> ChartStyle:
    """The chart style for the brand ``colors`` (primary, accent, muted, tint)."""
    primary, accent, muted = colors["primary"], colors["accent"], colors["muted"]
    white = "#ffffff"
    sans = next(f.family for f in brand_fonts() if "Sans" in f.family)
    return ChartStyle(
        font=sans, ink=primary, muted=muted, accent=accent,
        grid=_mix(muted, white, 0.75), baseline=_mix(muted, white, 0.35),
        palette=(primary, accent, muted, _mix(primary, white, 0.5), _mix(accent, white, 0.5),
                 _mix(muted, white, 0.55)))
