"""The brand's colour roles, read from ``_brand.yml``'s ``color`` (see docs/brand.md):
each role from its brand.yml name, over the base brand's; the other brand.yml colours
are checked though no role uses them.
"""

from __future__ import annotations

from .brandfile import Color
from .model import Brand
from .reader import BrandReader

# Our colour roles and the brand.yml names they are read from (see docs/brand.md).
ROLES = {"primary": ("primary",), "accent": ("palette", "accent"), "muted": ("secondary",),
         "tint": ("light",), "text": ("foreground",), "background": ("background",)}


def brand_colors(reader: BrandReader, color: Color | None,
                 base: Brand | None) -> dict[str, str]:
    """The colour roles ``color`` sets over ``base``'s, each as #rrggbb."""
    colors = dict(base.colors) if base else {}
    if color is None:
        return colors
    reader.read_palette(dict(color.palette))
    for role, where in ROLES.items():
        value = (color.palette.get(where[1]) if where[0] == "palette"
                 else getattr(color, where[0]))
        if value is not None:
            resolved = reader.color(("color", *where), value)
            if resolved:
                colors[role] = resolved
    for name in ("tertiary", "success", "info", "warning", "danger", "dark"):
        value = getattr(color, name)
        if value is not None:
            reader.color(("color", name), value)
    return colors
