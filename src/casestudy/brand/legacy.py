"""What ``series.yaml`` still holds of the brand from before ``_brand.yml``: its
``colors`` and ``fallback_fonts``. Both are used as they are meanwhile, each with a
warning that it belongs in ``_brand.yml`` now (``casestudy upgrade`` moves it there).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError

from ..errors import Problem, warning
from ..files.fonts import FontNotFound, fallback_path
from ..files.yamlfile import read_yaml
from ..source.schema import FallbackFont
from .brandfile import BrandFile
from .css import css_color
from .model import BRAND_FILE, Brand
from .typefaces import Font

Legacy = tuple[dict[str, str], Path, int, int]  # the colours, series.yaml, line, column

_LEGACY_NAMES = {"primary": "color.primary", "accent": "color.palette.accent",
                 "muted": "color.secondary", "tint": "color.light"}


def series_colors(repo: Path) -> Legacy | None:
    """series.yaml's old ``colors`` block, with where it stands, if it still has one."""
    doc = read_yaml(repo / "series.yaml") if (repo / "series.yaml").is_file() else None
    if doc is None or not isinstance(doc.data, dict) or not isinstance(
            doc.data.get("colors"), dict):
        return None
    line, col = doc.keys.get(("colors",), (1, 1))
    colors = {k: v for k, v in doc.data["colors"].items() if isinstance(v, str)}
    return colors, doc.path, line, col


def legacy_colors(model: BrandFile, colors: dict[str, str], legacy: Legacy,
                  warnings: list[Problem], no_brand: bool) -> dict[str, str]:
    """series.yaml's old ``colors``: used while _brand.yml sets none, always with a warning."""
    values, path, line, col = legacy
    where = ", ".join(f"{k} -> {v}" for k, v in _LEGACY_NAMES.items())
    if model.color is not None and not no_brand:
        warnings.append(warning(path, line, col, f"'colors' is ignored: the colours are "
                                f"set in {BRAND_FILE} ({where}); delete it here, or run "
                                "`casestudy upgrade` to merge it there"))
        return colors
    merged = dict(colors)
    for role, value in values.items():
        parsed = css_color(value) if role in _LEGACY_NAMES else None
        if parsed:
            merged[role] = parsed
    warnings.append(warning(path, line, col, f"'colors' belongs in {BRAND_FILE} now ({where}); "
                            "`casestudy upgrade` moves it there (used as it is meanwhile)"))
    return merged


def with_series_fallbacks(brand: Brand, repo: Path) -> Brand:
    """series.yaml's old ``fallback_fonts``, after the brand's fonts in every role, with
    a warning that they belong in _brand.yml now. An entry load_series refuses (it
    reports it, located) is skipped here."""
    doc = read_yaml(repo / "series.yaml") if (repo / "series.yaml").is_file() else None
    if doc is None or not isinstance(doc.data, dict) or not isinstance(
            doc.data.get("fallback_fonts"), list):
        return brand
    fonts: list[Font] = []
    for item in doc.data["fallback_fonts"]:
        try:
            decl = FallbackFont.model_validate(item)
            path = fallback_path(decl, repo)
        except (ValidationError, FontNotFound, OSError):
            continue
        if not any(f.family == decl.family for f in (*brand.fonts, *fonts)):
            fonts.append(Font(decl.family, path, "normal", fallback=True,
                              scripts=tuple(decl.scripts), unicode_range=decl.unicode_range))
    line, col = doc.keys.get(("fallback_fonts",), (1, 1))
    moved = warning(doc.path, line, col, f"'fallback_fonts' belongs in {BRAND_FILE} now: "
                    "each font under typography.fonts with its unicode-range; `casestudy "
                    "upgrade` moves them there (used as they are meanwhile)")
    names = tuple(f.family for f in fonts)
    return replace(
        brand, fonts=brand.fonts + tuple(fonts),
        base=replace(brand.base, families=brand.base.families + names),
        headings=replace(brand.headings, families=brand.headings.families + names),
        monospace=replace(brand.monospace, families=brand.monospace.families + names),
        problems=brand.problems + (moved,))
