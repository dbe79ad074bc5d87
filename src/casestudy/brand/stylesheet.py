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


def brand_css(brand: Brand, faces: list[FontFace]) -> str:
    """The brand as CSS: the @font-face rules of ``faces`` (the edition's own font
    files), then the custom properties the stylesheets read (:func:`brand_properties`).
    The PDF, the web edition and the preview all write their brand CSS with this."""
    return "\n".join([*(face.rule() for face in faces), brand_properties(brand)])


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


def brand_properties(brand: Brand) -> str:
    """The brand's colours, font stacks and text styles as CSS custom properties (and
    the headings' own weight, line height and colour), for print and web alike."""
    props = {f"--{role}": value for role, value in brand.colors.items()}
    props.update({
        "--font-base": brand.stack("base"), "--font-headings": brand.stack("headings"),
        "--font-mono": brand.stack("monospace"),
        "--base-size": brand.base.size or "10.5pt",
        "--base-line-height": brand.base.line_height or "1.45",
        "--mono-size": brand.monospace.size or "0.92em",
        "--link-color": brand.link.get("color", "var(--primary)"),
    })
    if "decoration" in brand.link:
        props["--link-decoration"] = brand.link["decoration"]
    rules = [":root {\n" + "".join(f"  {k}: {v};\n" for k, v in props.items()) + "}"]
    heads = brand.headings
    extra = "".join(f" {prop}: {value};" for prop, value in (
        ("font-weight", heads.weight), ("line-height", heads.line_height),
        ("color", heads.color)) if value)
    if extra:
        rules.append(f".title, main > h1, h2, h3, h4 {{{extra} }}")
    return "\n".join(rules)
