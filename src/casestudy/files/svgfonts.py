"""SVG font-family lists rewritten without quotes, for WeasyPrint's SVG text (the PDF).

Works on the sanitizer's output (svg.py), not on an author's bytes.
"""

from __future__ import annotations

import html
import re

_FAMILY_ATTR = re.compile(rb'(font-family=")([^"]*)(")')
_STYLE_ATTR = re.compile(rb'(style=")([^"]*)(")')
_STYLE_ELEMENT = re.compile(rb"(<style\b[^>]*>)(.*?)(</style>)", re.DOTALL)
_FAMILY_CSS = re.compile(rb"(font-family\s*:\s*)([^;}<]*)")


def bare_font_families(data: bytes) -> bytes:
    """A sanitized SVG with every font-family list written without quotes, for the PDF.

    WeasyPrint's SVG text looks a quoted family name up as it is written, quotes
    included, misses the brief's font of that name and draws with whatever the
    machine's fontconfig offers instead (for "Noto Sans JP", the system's Noto Sans CJK
    JP). Bare names find the brief's fonts. Browsers need the quotes, so the web
    edition keeps them: this is applied by the PDF's fetcher alone. (The sanitizer
    wrote the SVG, so attributes are in double quotes.)
    """
    def names(value: bytes) -> bytes:
        text = html.unescape(value.decode("utf-8"))
        parts = [part.strip().strip("'\"").strip() for part in text.split(",")]
        bare = ", ".join(part for part in parts if part)
        return bare.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8")

    def css(m: re.Match[bytes]) -> bytes:
        inner = _FAMILY_CSS.sub(lambda d: d.group(1) + names(d.group(2)), m.group(2))
        return m.group(1) + inner + m.group(3)

    def style_attr(m: re.Match[bytes]) -> bytes:  # the CSS as written, entities decoded
        text = html.unescape(m.group(2).decode("utf-8")).encode("utf-8")
        inner = _FAMILY_CSS.sub(lambda d: d.group(1) + names(d.group(2)), text)
        escaped = inner.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b'"', b"&quot;")
        return m.group(1) + escaped + m.group(3)

    data = _FAMILY_ATTR.sub(lambda m: m.group(1) + names(m.group(2)) + m.group(3), data)
    data = _STYLE_ATTR.sub(style_attr, data)
    return _STYLE_ELEMENT.sub(css, data)
