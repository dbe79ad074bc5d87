"""SVG text put in visual order with Arabic joined, for WeasyPrint's SVG text (the PDF).

Works on the sanitizer's output (svg.py), not on an author's bytes, like svgfonts.py:
the PDF's fetcher applies it to every SVG figure and drawn chart, and the web edition
keeps the logical order, which browsers lay out themselves. Each run of character data
inside ``<text>``, ``<tspan>`` or ``<textPath>`` that holds right-to-left text is
rewritten by bidi.visual, with the base direction the browser would use: the nearest
``direction`` (attribute or inline style) of the element or its ancestors, else
left to right, and ``unicode-bidi: bidi-override`` honoured. A run split over several
elements is ordered piece by piece (WeasyPrint places each piece after the last).
Everything else is left byte for byte.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from .bidi import has_rtl, mirrored, visual

# The sanitizer writes attributes in double quotes, '"' inside as &quot;, so a tag ends
# at the first '>' outside quotes.
_TOKEN = re.compile(r'<(?:[^>"]|"[^"]*")*>|[^<]+')
_NAME = re.compile(r"</?([A-Za-z][\w:.-]*)")
_ATTR = re.compile(r'([\w:.-]+)="([^"]*)"')
_CSS = re.compile(r"(direction|unicode-bidi)\s*:\s*([a-z-]+)")
_TEXT_ELEMENTS = {"text", "tspan", "textPath"}
_NOT_DRAWN = {"title", "desc", "style"}
# A label or a paragraph is far shorter; a longer run (a hostile figure's megabytes of
# text) is left in stored order rather than costing the build its time.
MAX_RUN = 10_000
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def visual_text(data: bytes, fonts: Sequence[Path] = ()) -> bytes:
    """A sanitized SVG with its right-to-left text in drawing order (see the module)."""
    source = data.decode("utf-8")
    if not has_rtl(html.unescape(source)):
        return data
    out: list[str] = []
    stack: list[tuple[str, str, str]] = []  # element, direction, unicode-bidi
    for match in _TOKEN.finditer(source):
        token = match.group()
        if not token.startswith("<"):
            out.append(_run(token, stack, fonts))
            continue
        out.append(token)
        if token.startswith(("<?", "<!")):
            continue
        name = _NAME.match(token)
        if name is None:
            continue
        if token.startswith("</"):
            if stack:
                stack.pop()
            continue
        if token.endswith("/>"):
            continue
        direction, bidi = stack[-1][1:] if stack else ("ltr", "normal")
        attrs = {k: html.unescape(v) for k, v in _ATTR.findall(token[name.end():])}
        declared = [(k, v) for k, v in _CSS.findall(attrs.get("style", ""))]
        for key, value in [("direction", attrs.get("direction")),
                           ("unicode-bidi", attrs.get("unicode-bidi")), *declared]:
            if key == "direction" and value in ("ltr", "rtl"):
                direction = value
            elif key == "unicode-bidi" and value:
                bidi = value
        stack.append((name.group(1), direction, bidi))
    return "".join(out).encode("utf-8")


def _run(token: str, stack: list[tuple[str, str, str]], fonts: Sequence[Path]) -> str:
    if not any(element in _TEXT_ELEMENTS for element, _, _ in stack) \
            or stack[-1][0] in _NOT_DRAWN or len(token) > MAX_RUN:
        return token  # <title>, <desc>, <style>: never drawn as SVG text
    text = html.unescape(token)
    if not has_rtl(text) and not (stack[-1][1] == "rtl" and stack[-1][2] == "bidi-override"):
        return token
    # SVG collapses tabs and line breaks to spaces before laying text out; the edges
    # stay where they are, so WeasyPrint strips them as before
    core = text.strip()
    lead = text[:len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    core = re.sub(r"[\t\n\r]", " ", core)
    _, direction, bidi = stack[-1]
    drawn = visual(core, direction == "rtl", fonts, override=bidi == "bidi-override")
    if direction == "rtl":  # WeasyPrint lays each character out alone in an rtl paragraph,
        drawn = mirrored(drawn)  # where Pango mirrors every bracket: mirror them first
    return (lead + drawn + trail).translate(_TEXT)
