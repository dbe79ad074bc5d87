"""The brand's CSS helpers: a colour as CSS writes it, a URL and an @font-face rule
written safely into CSS, and what a stylesheet (``brand/extra.css``) refers to.
"""

from __future__ import annotations

import re
from pathlib import Path

import tinycss2
from tinycss2.color3 import parse_color

from ..errors import Problem, error
from ..files.fetch import inside, real


def css_color(value: str) -> str | None:
    """A CSS colour as #rrggbb (or rgba()), or None; never the raw text, which goes into CSS."""
    parsed = parse_color(value.strip())
    if parsed is None or isinstance(parsed, str):  # "currentColor" is no brand colour
        return None
    r, g, b, a = parsed
    rgb = tuple(round(c * 255) for c in (r, g, b))
    if a >= 1:
        return "#{:02x}{:02x}{:02x}".format(*rgb)
    return f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, {a:.3g})"


def css_url(url: str) -> str:
    """A URL inside ``url("...")``: nothing in it can end the string."""
    return url.replace("\\", "%5C").replace('"', "%22").replace("\n", "%0A")


def font_face_rule(family: str, url: str, style: str, weight: str | int = "",
                   unicode_range: str = "", woff2: bool = False) -> str:
    """One @font-face rule: the PDF's, the web edition's and the preview's are written
    here alike (a web font is WOFF2, shown in the fallback face until it has loaded)."""
    kind = ' format("woff2")' if woff2 else ""
    return (f'@font-face {{ font-family: "{family}"; src: url("{css_url(url)}"){kind}; '
            f"font-style: {style};" + (f" font-weight: {weight};" if weight else "")
            + (f" unicode-range: {unicode_range};" if unicode_range else "")
            + (" font-display: swap;" if woff2 else "") + " }")


def css_urls(css: Path) -> list[tuple[str, int, int]]:
    """Every resource a stylesheet names (``url()`` and ``@import``), with its line and
    column, as tinycss2 reads it."""
    stack = list(reversed(tinycss2.parse_stylesheet(css.read_text("utf-8", "replace"))))
    found: list[tuple[str, int, int]] = []
    while stack:
        node = stack.pop()
        if node.type == "url":
            found.append((node.value, node.source_line, node.source_column))
        elif node.type == "function" and node.lower_name == "url":
            value = next((a.value for a in node.arguments if a.type == "string"), "")
            found.append((value, node.source_line, node.source_column))
        elif node.type == "at-rule" and node.lower_at_keyword == "import":
            found += [(a.value, a.source_line, a.source_column)
                      for a in node.prelude if a.type == "string"]
        for attr in ("content", "arguments", "prelude"):
            stack.extend(reversed(getattr(node, attr, None) or []))
    return found


def extra_css_files(extra: Path) -> tuple[list[Path], list[Problem]]:
    """The files of ``brand/`` that extra.css names, and an error at each ``url()`` that
    names anything else: another site, a data: URL, a path out of ``brand/``, a file
    that is not there. Neither edition would draw it (nothing is fetched), so it is said
    where it is written rather than found missing on the page."""
    folder = real(extra.parent)
    files: list[Path] = []
    problems: list[Problem] = []
    for url, line, col in css_urls(extra):
        if not url or url.startswith("#"):  # an SVG paint server in the same document
            continue
        where = url.split("#")[0].split("?")[0]
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", url):
            problems.append(error(extra, line, col, f"{url[:60]!r} is fetched from elsewhere "
                                  "(a URL or a data: URL): the briefs fetch nothing; put the "
                                  "file in brand/ and give its relative path"))
        elif where.startswith("/") or "\\" in where:
            problems.append(error(extra, line, col, f"{url!r}: write the path relative to "
                                  "extra.css, with forward slashes"))
        elif not inside(target := real(folder / where), folder):
            problems.append(error(extra, line, col, f"{url!r} leads outside brand/: the "
                                  "briefs read only the brand's own files"))
        elif not target.is_file():
            problems.append(error(extra, line, col, f"{url!r} is not a file in brand/"))
        elif target not in files:
            files.append(target)
    return sorted(files), problems
