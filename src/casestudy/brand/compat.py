"""Every key of brand.yml and what a brief does with it: the one table that both the
loader (a located warning at each key that has no effect) and docs/brand.md's
compatibility table (written by docs/make_brand_table.py) are made from.

A key is a dotted path; ``*`` stands for a name the author chooses (a palette colour,
an image, a font's place in its list). A key whose row is marked ``WARN`` gets a
warning at its line, and what is under it is not looked at further.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..files.yamlfile import Loc
from .typefaces import Reader

USED, WARN, NAMED, ERROR = "used", "no effect (a warning)", "used where named", "refused"


@dataclass(frozen=True)
class Key:
    path: str
    status: str
    effect: str


_NO_BG = "a brief sets no background behind text of this kind"
_CODE = "code, kbd and samp in running text"

KEYS: tuple[Key, ...] = (
    Key("meta", USED, "who the brand is"),
    Key("meta.name", USED, "the logo's alternative text when its image has no alt "
        "(\"NAME logo\"); the full name when name is a mapping"),
    Key("meta.name.full", USED, "as meta.name"),
    Key("meta.name.short", USED, "the publisher's other name (alternateName) in the web "
        "edition's JSON-LD"),
    Key("meta.link", USED, "the brand's home page: the publisher's url in the web edition's "
        "JSON-LD when series.yaml has no website"),
    Key("meta.link.home", USED, "as meta.link"),
    Key("meta.link.*", WARN, "a brief links to none of the brand's other pages or accounts"),
    Key("logo", USED, "one path: one logo for every size"),
    Key("logo.path", USED, "one logo for every size"),
    Key("logo.alt", USED, "its alternative text"),
    Key("logo.attrs", WARN, "HTML attributes for Quarto's pages; a brief sets its own"),
    Key("logo.images", USED, "named logo files the sizes may name"),
    Key("logo.images.*", USED, "a logo file (SVG or PNG beside _brand.yml), or a pair "
        "{light, dark} of other images"),
    Key("logo.images.*.light", USED, "the image for light backgrounds"),
    Key("logo.images.*.dark", USED, "the image for dark backgrounds"),
    Key("logo.images.*.path", USED, "the logo file"),
    Key("logo.images.*.alt", USED, "its alternative text"),
    Key("logo.images.*.attrs", WARN, "HTML attributes for Quarto's pages; a brief sets its "
        "own"),
    Key("logo.small", USED, "the web masthead and the running head"),
    Key("logo.medium", USED, "the cover (its alt text is the logo's)"),
    Key("logo.large", USED, "the size a missing one falls back to"),
    Key("logo.*.light", USED, "the logo on light backgrounds"),
    Key("logo.*.dark", USED, "the logo on dark backgrounds: the cover band and the masthead, "
        "drawn in the primary colour"),
    Key("logo.*.path", USED, "the logo file"),
    Key("logo.*.alt", USED, "its alternative text"),
    Key("logo.*.attrs", WARN, "HTML attributes for Quarto's pages; a brief sets its own"),
    Key("logo.*.*.path", USED, "the logo file"),
    Key("logo.*.*.alt", USED, "its alternative text"),
    Key("logo.*.*.attrs", WARN, "HTML attributes for Quarto's pages; a brief sets its own"),
    Key("logo.images.*.*.path", USED, "the logo file"),
    Key("logo.images.*.*.alt", USED, "its alternative text"),
    Key("logo.images.*.*.attrs", WARN, "HTML attributes for Quarto's pages; a brief sets "
        "its own"),
    Key("color", USED, "the brand's colours"),
    Key("color.palette", USED, "named colours the other keys may name"),
    Key("color.palette.accent", USED, "our accent role: rules, labels, note numbers, the "
        "series line"),
    Key("color.palette.*", USED, "a named colour for the other keys to name"),
    Key("color.foreground", USED, "our text role: body text"),
    Key("color.background", USED, "our background role: the web edition's page"),
    Key("color.primary", USED, "our primary role: the cover band, titles and headings, "
        "links (unless typography.link sets their colour)"),
    Key("color.secondary", USED, "our muted role: running heads, dates, captions"),
    Key("color.light", USED, "our tint role: the key points box"),
    *(Key(f"color.{name}", NAMED, "drawn only where a text style names it (for example "
          f"typography.link.color: {name}); otherwise a warning says it has no effect")
      for name in ("tertiary", "success", "info", "warning", "danger", "dark")),
    Key("typography", USED, "the brand's typefaces and text styles"),
    Key("typography.fonts", USED, "the font families the styles may name"),
    Key("typography.fonts.*", USED, "one family"),
    Key("typography.fonts.*.family", USED, "its name"),
    Key("typography.fonts.*.source", USED, "file: font files beside _brand.yml; system: an "
        "installed Python font package; google and bunny: the installed package of that "
        "name if there is one, else a warning (nothing is ever fetched)"),
    Key("typography.fonts.*.files", USED, "the font files (a URL is refused: never fetched)"),
    Key("typography.fonts.*.files.*", USED, "one font file"),
    Key("typography.fonts.*.files.*.path", USED, "the file, relative to _brand.yml"),
    Key("typography.fonts.*.files.*.weight", USED, "its weight, or range of weights"),
    Key("typography.fonts.*.files.*.style", USED, "normal or italic"),
    Key("typography.fonts.*.files.*.face", USED, "our addition: the face of a .ttc "
        "collection, by index from 0 or by name"),
    Key("typography.fonts.*.weight", WARN, "which weights to download from a web font "
        "service; installed fonts have all theirs"),
    Key("typography.fonts.*.style", WARN, "which styles to download from a web font service"),
    Key("typography.fonts.*.display", WARN, "how a browser shows a downloading web font"),
    Key("typography.fonts.*.unicode-range", USED, "our addition: the characters the family "
        "is a fallback for"),
)

# the text styles: each key of each, and what it sets (None: a warning, with why)
_STYLE_KEYS: dict[str, dict[str, str | None]] = {
    "base": {"family": "body text (then fallbacks, after commas)", "size": "body text size",
             "line-height": "body text line height", "weight": "body text weight",
             "style": "body text style", "color": "body text colour (over color.foreground)",
             "background-color": None, "decoration": None},
    "headings": {"family": "titles, headings, labels, captions, tables, running heads",
                 "size": None, "line-height": "headings' line height",
                 "weight": "headings' weight", "style": "headings' style",
                 "color": "headings' colour", "background-color": None, "decoration": None},
    "monospace": {"family": "code (default: the headings face)", "size": "code size",
                  "line-height": None, "weight": "code weight", "style": "code style",
                  "color": "code colour", "background-color": "code background",
                  "decoration": None},
    "monospace-inline": {"family": _CODE, "size": _CODE, "line-height": None,
                         "weight": _CODE, "style": _CODE, "color": _CODE,
                         "background-color": _CODE, "decoration": None},
    "monospace-block": {"family": "code blocks", "size": "code blocks",
                        "line-height": "code blocks", "weight": "code blocks",
                        "style": "code blocks", "color": "code blocks",
                        "background-color": "code blocks", "decoration": None},
    "link": {"family": None, "size": None, "line-height": None, "style": None,
             "weight": "links' weight", "color": "links' colour (default: the brand's "
             "primary)", "background-color": "links' background",
             "decoration": "links' decoration (none, underline, ...)"},
}
_LINK = "a link takes the face, size and style of the text around it"
_WHY = {"size": "a brief's heading sizes are its own (brand.yml sets none for headings)",
        "line-height": "brand.yml sets no line height for this style",
        "background-color": _NO_BG, "decoration": "brand.yml decorates links only"}


def _style_keys() -> tuple[Key, ...]:
    rows = []
    for role, keys in _STYLE_KEYS.items():
        rows.append(Key(f"typography.{role}", USED, "one family (as family below)"
                        if role != "link" else "how links look"))
        for key, effect in keys.items():
            why = "" if effect else _LINK if role == "link" else _WHY[key]
            rows.append(Key(f"typography.{role}.{key}", USED if effect else WARN,
                            effect or why))
            if key in ("color", "background-color") and effect:
                rows += [Key(f"typography.{role}.{key}.light", USED, "on light pages and "
                             "in print"), Key(f"typography.{role}.{key}.dark", USED,
                                              "on dark pages of the web edition")]
    return tuple(rows)


ALL_KEYS: tuple[Key, ...] = (
    *KEYS, *_style_keys(),
    Key("color.*.light", USED, "on light pages and in print"),
    Key("color.*.dark", USED, "on dark pages of the web edition (prefers-color-scheme)"),
    Key("defaults", WARN, "options for Bootstrap, Quarto and Shiny; a brief has none of them"),
)


def key_for(path: tuple[str, ...]) -> Key | None:
    """The row of a key: its own, or the one whose ``*`` stands for its names."""
    best: Key | None = None
    best_stars = len(path) + 1
    for key in ALL_KEYS:
        parts = key.path.split(".")
        if len(parts) != len(path):
            continue
        if all(p in ("*", q) for p, q in zip(parts, path, strict=True)):
            stars = parts.count("*")
            if stars < best_stars:
                best, best_stars = key, stars
    return best


def covered(path: tuple[str, ...]) -> Key | None:
    """The row that says what ``path`` does: its own, or that of a key above it which
    has no effect (and so neither has anything under it)."""
    for n in range(1, len(path)):
        above = key_for(path[:n])
        if above is not None and above.status == WARN:
            return above
    return key_for(path)


def unused_keys(reader: Reader, data: Any) -> None:
    """A warning at each key of the file that has no effect in a brief."""
    stack: list[tuple[Loc, Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        items = (list(value.items()) if isinstance(value, dict) else
                 list(enumerate(value)) if isinstance(value, list) else [])
        for name, child in reversed(items):
            here: Loc = (*loc, name)
            key = key_for(tuple("*" if isinstance(p, int) else str(p) for p in here))
            if key is not None and key.status == WARN and child is not None:
                dotted = ".".join("*" if isinstance(p, int) else str(p) for p in here)
                reader.warn(here, f"{dotted} has no effect in a brief: {key.effect}",
                            key=not isinstance(name, int))
                continue
            stack.append((here, child))


def markdown_table() -> str:
    """docs/brand.md's compatibility table: every key, what a brief does with it."""
    rows = ["| key | in a brief | what it does, or why it does nothing |",
            "| --- | --- | --- |"]
    for key in sorted(ALL_KEYS, key=_order):
        rows.append(f"| `{key.path}` | {key.status} | {key.effect} |")
    return "\n".join(rows) + "\n"


_TOP = ("meta", "logo", "color", "typography", "defaults")


def _order(key: Key) -> tuple[int, int]:
    return _TOP.index(key.path.split(".")[0]), ALL_KEYS.index(key)

