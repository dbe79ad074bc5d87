"""The series' Markdown: one markdown-it preset, and what the checker and renderer share.

CommonMark, GFM tables, footnotes, typographic quotes and dashes, citations, four
containers (``::: figure``, ``::: table``, ``::: chart``, ``::: pullquote``) and
language and direction in pandoc's attributes (``[text]{lang=he}``, ``::: {lang=he}``,
see ``attrs.py``). Raw HTML is
never passed through: it is parsed so that the checker can point at it, then rendered as
visible text. Links are allow-listed (http, https, mailto, #fragment) by the checker and
again by the renderer.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from . import attrs
from .citations import citation_plugin

CONTAINERS = ("figure", "table", "chart", "pullquote")
# An HTML comment and nothing else: an author's note (or the template's commented
# example), dropped from the output; any other raw HTML is an error.
COMMENT = re.compile(r"^\s*<!--(?:(?!-->).)*-->\s*$", re.S)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": True, "linkify": True})
    md.enable(["table", "replacements", "smartquotes", "linkify"])  # bare URLs in notes
    # The inline rule links URLs written with their scheme; the core rule would add
    # "fuzzy" links (example.com, www.x) and costs half of all parsing time.
    md.core.ruler.disable("linkify")
    md.use(footnote_plugin, inline=False, move_to_end=False, always_match_refs=True)
    md.use(citation_plugin)  # [@key, 14]: pandoc's syntax, formatted by cite.py
    for name in CONTAINERS:
        md.use(container_plugin, name)
    md.use(container_plugin, attrs.DIV, validate=attrs.validate_div)
    # spans only: attributes after a link, image or code stay text, for the checker
    md.use(attrs_plugin, spans=True, after=())
    md.core.ruler.push("lang_dir", attrs.resolve)
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # judged by us, located
    return md


MD = _markdown()


def inline_text(token: Token) -> str:
    """An inline token's text and code, without markup (a heading's title, its slug)."""
    return "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline"))
