"""How charts are drawn in the brand: its colours and headings face, as the one style
the chart writer (render/draw.py) reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .model import Brand


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
    font_file: Path | None = None  # the face text is measured with (the font's upright)
    families: tuple[str, ...] = ()  # the font-family list: font first, then the brand's


def _mix(color: str, other: str, share: float) -> str:
    """``color`` moved towards ``other`` by ``share`` (0..1), as #rrggbb."""
    a = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def chart_style(colors: dict[str, str], brand: Brand) -> ChartStyle:
    """The chart style for the brand ``colors`` (primary, accent, muted, tint), in the
    brand's headings face."""
    primary, accent, muted = colors["primary"], colors["accent"], colors["muted"]
    white = "#ffffff"
    sans = brand.headings.families[0]
    return ChartStyle(
        font=sans, font_file=brand.upright(sans),
        families=tuple(dict.fromkeys(
            [*brand.headings.families, *brand.base.families, *brand.monospace.families])),
        ink=primary, muted=muted, accent=accent,
        grid=_mix(muted, white, 0.75), baseline=_mix(muted, white, 0.35),
        palette=(primary, accent, muted, _mix(primary, white, 0.5), _mix(accent, white, 0.5),
                 _mix(muted, white, 0.55)))
