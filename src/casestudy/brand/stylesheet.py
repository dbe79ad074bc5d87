"""The brand as CSS, in one place for the PDF, the web edition and the preview.

Each edition serves the brand's fonts from its own files at its own URLs (the PDF the
font files themselves, the web edition WOFF2 subsets, the preview the whole fonts under
a session's URLs): it says which in its list of :class:`FontFace`, and
:func:`brand_css` writes the @font-face rules for them, then the custom properties
(colours, font stacks, text styles) that the stylesheets read. Every value comes from
the validated brand, never from raw text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .css import font_face_rule
from .fontmap import fallback_unicode_range
from .model import Brand
from .typefaces import Font


@dataclass(frozen=True)
class FontFace:
    """One @font-face rule: a face of the brand, at an edition's URL."""

    family: str
    url: str
    style: str
    weight: str | int = ""
    unicode_range: str = ""
    woff2: bool = False  # a web font: WOFF2, shown in the fallback face until loaded

    def rule(self) -> str:
        return font_face_rule(self.family, self.url, self.style, self.weight,
                              self.unicode_range, woff2=self.woff2)


def brand_css(brand: Brand, faces: list[FontFace], screen: bool = True) -> str:
    """The brand as CSS: the @font-face rules of ``faces`` (the edition's own font
    files), then the custom properties the stylesheets read (:func:`brand_properties`).
    The PDF, the web edition and the preview all write their brand CSS with this; the
    PDF's (``screen`` false) has no dark colours: it is printed, and WeasyPrint reads
    media types alone, warning at a media feature."""
    return "\n".join([*(face.rule() for face in faces), brand_properties(brand, screen)])


def font_faces(brand: Brand, url: dict[Path, str]) -> list[FontFace]:
    """A face for each of the brand's font files, at ``url[path]``, as the brand
    declares it (the PDF's)."""
    return [FontFace(f.family, url[f.path], f.style, f.weight, face_range(f, brand))
            for f in brand.fonts]


def face_range(font: Font, brand: Brand) -> str:
    """A font's unicode-range. WeasyPrint takes a face's unicode-range as its whole
    character set: a limited fallback lists only what it really has, as the glyph rule
    judges it."""
    return fallback_unicode_range(font, brand.fonts) if font.fallback else font.unicode_range


# where each text style of brand.yml reaches the page (the headings' selector is the one
# brief.css and web.css set headings with); the families and sizes of base, headings and
# monospace go through the custom properties instead
_SELECTORS = {"base": "html", "headings": ".title, main > h1, h2, h3, h4",
              "monospace": "code, kbd, samp, pre",
              "monospace_inline": ":not(pre) > code, kbd, samp",
              "monospace_block": "pre, pre code", "link": "a"}
_ROLE_OF = {"primary": "primary", "secondary": "muted", "light": "tint",
            "foreground": "text", "background": "background"}


def brand_properties(brand: Brand, screen: bool = True) -> str:
    """The brand's colours, font stacks and text styles as CSS custom properties, then a
    rule for each text style that sets more (weight, style, colours), for print and web
    alike. Dark values (Quarto's light/dark pairs) go in a block for browsers set to a
    dark theme (``prefers-color-scheme``); the PDF, printed, takes the light ones."""
    link = brand.paint(brand.link.color)[0] or "var(--primary)"
    props = {f"--{role}": value for role, value in brand.colors.items()}
    props.update({
        "--font-base": brand.stack("base"), "--font-headings": brand.stack("headings"),
        "--font-mono": brand.stack("monospace"),
        "--base-size": brand.base.size or "10.5pt",
        "--base-line-height": brand.base.line_height or "1.45",
        "--mono-size": brand.monospace.size or "0.92em",
        "--link-color": link,
    })
    if brand.link.decoration:
        props["--link-decoration"] = brand.link.decoration
    rules = [":root {\n" + "".join(f"  {k}: {v};\n" for k, v in props.items()) + "}"]
    rules += [_rule(sel, decl) for sel, decl in _style_rules(brand, dark=False)]
    dark = _dark_rules(brand) if screen else []
    if dark:
        rules.append("@media screen and (prefers-color-scheme: dark) {\n"
                     + "\n".join(dark) + "\n}")
    return "\n".join(rules)


def _rule(selector: str, declarations: dict[str, str]) -> str:
    return f"{selector} {{" + "".join(f" {p}: {v};" for p, v in declarations.items()) + " }"


# what each text style sets here, by the style's attribute: the rest is in the custom
# properties, or has no effect (brand/compat.py says which, and warns)
_SETS = {"base": ("weight", "style", "color"),
         "headings": ("weight", "style", "line_height", "color"),
         "monospace": ("weight", "style", "color", "background"),
         "monospace_inline": ("families", "size", "weight", "style", "color", "background"),
         "monospace_block": ("families", "weight", "style", "line_height", "color",
                             "background"),
         "link": ("weight", "background")}
_CSS = {"families": "font-family", "size": "font-size", "weight": "font-weight",
        "style": "font-style", "line_height": "line-height", "color": "color",
        "background": "background-color"}


def _style_rules(brand: Brand, dark: bool) -> list[tuple[str, dict[str, str]]]:
    """What each text style sets beyond the custom properties, as CSS declarations."""
    found = []
    for role, selector in _SELECTORS.items():
        style = brand.style_of(role)
        declarations = {}
        for attr in _SETS[role]:
            value = getattr(style, attr)
            if attr in ("color", "background"):
                value = brand.paint(value)[1 if dark else 0]
            elif attr == "families":
                value = brand.stack(role) if value else None
            if value:
                declarations[_CSS[attr]] = str(value)
        if declarations:
            found.append((selector, declarations))
    if brand.monospace_block.size:  # on pre alone: its code is 1em of it
        found.append(("pre", {"font-size": brand.monospace_block.size}))
    return found


def _mix(color: str, other: str, share: float) -> str:
    """``color`` moved towards ``other`` by ``share`` (0..1), as #rrggbb."""
    if not all(len(c) == 7 and c.startswith("#") for c in (color, other)):
        return color  # a colour with transparency (rgba()): kept as it is
    a = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def _dark_rules(brand: Brand) -> list[str]:
    """The rules for dark pages: each colour that has a dark value, nothing else."""
    props = {f"--{role}": brand.theme_dark[name] for name, role in _ROLE_OF.items()
             if name in brand.theme_dark and role in brand.colors}
    link_dark = brand.paint(brand.link.color)[1]
    if link_dark and link_dark != brand.paint(brand.link.color)[0]:
        props["--link-color"] = link_dark
    elif not brand.link.color and "primary" in brand.theme_dark:
        props["--link-color"] = brand.theme_dark["primary"]
    if "foreground" in brand.theme_dark:  # a dark page (loading checked both are given)
        fg, bg = brand.theme_dark["foreground"], brand.theme_dark["background"]
        # what the brand gives no dark value for, drawn from its dark text and page: a
        # light box or a light grey on a dark page would be unreadable
        props.setdefault("--tint", _mix(bg, fg, 0.1))
        props.setdefault("--muted", _mix(fg, bg, 0.3))
        props["color-scheme"] = "dark"
    rules = [_rule(":root", props)] if props else []
    if "foreground" in brand.theme_dark:  # web.css's few fixed greys, for light pages
        rules.append(_rule(".subtitle, figcaption, .caption, .source, .intro",
                           {"color": "var(--muted)"}))
    light = dict(_style_rules(brand, dark=False))
    for selector, declarations in _style_rules(brand, dark=True):
        changed = {p: v for p, v in declarations.items()
                   if p in ("color", "background-color") and light.get(selector, {}).get(p) != v}
        if changed:
            rules.append(_rule(selector, changed))
    return rules
