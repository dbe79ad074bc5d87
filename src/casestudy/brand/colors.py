"""The brand's colours, read from ``_brand.yml``'s ``color`` (see docs/brand.md).

brand.yml has a palette of named colours and eleven theme colours (primary, secondary,
...). A theme colour may be a CSS colour, a palette name or the name of another theme
colour, and Quarto lets it be a pair ``{light: ..., dark: ...}``. They are resolved here
in the order the file writes them, each over the base brand's; a circle of names is an
error at its line. Our six colour roles are then read from brand.yml's names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .brandfile import THEME_COLORS, Color, ColorPair
from .css import css_color
from .model import Brand
from .reader import NOT_A_COLOR, BrandReader

# Our colour roles and the brand.yml names they are read from (see docs/brand.md).
ROLES = {"primary": ("primary",), "accent": ("palette", "accent"), "muted": ("secondary",),
         "tint": ("light",), "text": ("foreground",), "background": ("background",)}

Pair = tuple[str | None, str | None]  # a colour for light pages, and one for dark ones


@dataclass
class ColorTable:
    """The colours a brand file resolves to, over its base brand's."""

    palette: dict[str, str] = field(default_factory=dict)
    theme: dict[str, str] = field(default_factory=dict)  # the light (and print) value
    dark: dict[str, str] = field(default_factory=dict)  # the dark value, where one is given
    written: dict[str, list[str]] = field(default_factory=dict)  # the file's names, and
    # the theme colours each one names (to tell which have an effect)

    def roles(self, base: Brand | None) -> dict[str, str]:
        """Our colour roles, each from its brand.yml name."""
        colors = dict(base.colors) if base else {}
        for role, where in ROLES.items():
            value = self.palette.get(where[1]) if where[0] == "palette" else self.theme.get(
                where[0])
            if value:
                colors[role] = value
        return colors


def brand_colors(reader: BrandReader, color: Color | None, base: Brand | None) -> ColorTable:
    """The palette and theme colours ``color`` sets over ``base``'s, each as #rrggbb."""
    table = ColorTable(dict(base.palette) if base else {}, dict(base.theme) if base else {},
                       dict(base.theme_dark) if base else {})
    if color is None:
        return table
    reader.read_palette(dict(color.palette), table.palette)
    table.palette.update(reader.palette)
    _Resolver(reader, color, table).run()
    # text and page go dark together: one alone would be unreadable on a dark page
    half = [n for n in ("foreground", "background") if n in table.dark]
    if len(half) == 1:
        name, other = half[0], ({"foreground", "background"} - set(half)).pop()
        where = ("color", name, "dark") if isinstance(getattr(color, name), ColorPair) \
            else ("color", name)
        reader.warn(where, f"color.{name} has a dark value but color.{other} has none: dark "
                    "pages keep both light colours (one alone would be unreadable)")
        del table.dark[name]
    # the PDF is white paper, and the cover band and masthead print white on the primary
    for name, what in (("foreground", "the PDF's body text on white paper"),
                       ("primary", "headings on white paper and the white text of the cover "
                                   "band")):
        value = table.theme.get(name)
        if name in table.written and value and _contrast(value, "#ffffff") < 3:
            reader.warn(("color", name), f"color.{name} {value} is too light: {what} will be "
                        f"hard to read (contrast {_contrast(value, '#ffffff'):.1f}:1 with "
                        "white, under 3:1)")
    return table


def _contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours (1 to 21); 21 for anything else."""
    if not all(len(c) == 7 and c.startswith("#") for c in (one, other)):
        return 21.0

    def luminance(color: str) -> float:
        channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                   for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class _Resolver:
    """The file's theme colours, in its line order, each followed through the names it
    gives until a colour; a name met twice on the way is a circle."""

    def __init__(self, reader: BrandReader, color: Color, table: ColorTable):
        self.reader, self.table = reader, table
        self.given = {n: getattr(color, n) for n in THEME_COLORS if getattr(color, n) is not None}
        self.done: dict[str, Pair | None] = {}
        self.stack: list[str] = []

    def run(self) -> None:
        order = sorted(self.given, key=lambda n: self.reader.doc.where(("color", n)))
        for name in order:
            self.table.written.setdefault(name, [])  # (it may have been followed already)
            self.resolve(name)

    def resolve(self, name: str) -> Pair | None:
        if name in self.done:
            return self.done[name]
        self.stack.append(name)
        value = self.given[name]
        pair: Pair | None
        if isinstance(value, ColorPair):
            pair = self.pair(name, value)
        else:
            light = self.side(name, (), value, dark=False)
            dark = (self.side(name, (), value, dark=True)
                    if light and value in THEME_COLORS else None)
            pair = (light, dark) if light else None
        self.stack.pop()
        self.done[name] = pair
        if pair is not None:
            if pair[0]:
                self.table.theme[name] = pair[0]
            if pair[1]:
                self.table.dark[name] = pair[1]
        return pair

    def pair(self, name: str, value: ColorPair) -> Pair | None:
        if value.light is None and value.dark is None:
            self.reader.fail(("color", name), f"color.{name} names neither light nor dark")
            return None
        light = self.side(name, ("light",), value.light, dark=False) if value.light else None
        dark = self.side(name, ("dark",), value.dark, dark=True) if value.dark else None
        if value.light is None and dark:
            kept = self.table.theme.get(name)
            self.reader.warn(("color", name, "dark"), f"color.{name} has no light value: the "
                             "PDF and light pages keep " + (f"the default brand's {kept}"
                                                           if kept else "none"))
            return (kept, dark)
        return (light, dark) if light or dark else None

    def side(self, name: str, where: tuple[str, ...], ref: str, dark: bool) -> str | None:
        """One value of ``name``: a palette name, another theme colour, or a colour."""
        loc = ("color", name, *where)
        if ref in self.table.palette:
            return self.table.palette[ref]
        if ref in self.reader.bad_palette:
            return None
        if ref in THEME_COLORS:
            self.table.written.setdefault(self.stack[-1], []).append(ref)
            if ref in self.stack:
                if not dark:
                    circle = [*self.stack[self.stack.index(ref):], ref]
                    self.reader.fail(loc, "theme colours refer to each other in a circle: "
                                     + " -> ".join(circle))
                return None
            if ref in self.given:
                pair = self.resolve(ref)
                if pair is None:
                    return None
                return (pair[1] or pair[0]) if dark else pair[0]
            value = (self.table.dark.get(ref) or self.table.theme.get(ref)) if dark else \
                self.table.theme.get(ref)
            if value is None and not dark:
                self.reader.fail(loc, f"{ref!r} names the theme colour color.{ref}, which "
                                 "the brand does not set")
            return value
        color = css_color(ref)
        if color is None and not (dark and not where):
            self.reader.fail(loc, f"{ref!r} {NOT_A_COLOR}")
        return color


# our role names, which brand.yml does not know: said in the error when one is written
_OURS = {role: ".".join(where) for role, where in ROLES.items() if role != "primary"}


class ColorCheck:
    """Whether a typography colour names something (an error at its line when not), by
    brand.yml's rule: a theme colour, then a palette name, then a CSS colour. It
    remembers the theme colours named, so that one set and named nowhere is said."""

    def __init__(self, reader: BrandReader, table: ColorTable):
        self.reader, self.table = reader, table
        self.named: set[str] = set()

    def __call__(self, loc: tuple[str | int, ...], ref: str) -> bool:
        if not ref:
            self.reader.fail(loc, f"{'.'.join(map(str, loc))} names neither light nor dark")
            return False
        if ref in THEME_COLORS:
            self.named.add(ref)
            if ref in self.table.theme:
                return True
            if ref not in self.table.written:  # one written was reported at its own line
                self.reader.fail(loc, f"{ref!r} names the theme colour color.{ref}, which "
                                 "the brand does not set")
            return False
        if ref in self.table.palette:
            return True
        if ref in self.reader.bad_palette:
            return False
        if css_color(ref) is not None:
            return True
        hint = (f" (our role {ref!r} is brand.yml's {_OURS[ref]})" if ref in _OURS else "")
        self.reader.fail(loc, f"{ref!r} {NOT_A_COLOR}{hint}")
        return False

    def unused(self) -> None:
        """A warning at each theme colour the file sets that nothing in a brief uses:
        neither one of our roles nor a colour a text style names (through any name)."""
        used = {where[0] for where in ROLES.values() if where[0] != "palette"} | self.named
        todo = list(used)
        while todo:
            for ref in self.table.written.get(todo.pop(), []):
                if ref not in used:
                    used.add(ref)
                    todo.append(ref)
        for name in self.table.written:
            if name not in used:
                self.reader.warn(("color", name), f"color.{name} has no effect in a brief: "
                                 "nothing in a brief is drawn in it (a text style may name "
                                 f"it, e.g. typography.link.color: {name})", key=True)
