"""Markdown that markdown-it did not take as meant, so that it would print as typed.

A footnote, image or reference link with a typo, a ``:::`` fence that opens or closes no
block, a table without its delimiter row: each is reported where the author typed it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it.token import Token

from .section import Locator, ParsedSection, Ref
from .syntax import CONTAINERS


def unclosed(tok: Token, lines: Sequence[str], out: ParsedSection) -> None:
    """A container that runs to the end of the file: its closing ``:::`` is missing, and
    every line after it would be swallowed into the block."""
    start, end = tok.map or (0, 0)  # ``end``: the line of the closing fence, if any
    if end >= len(lines) or not lines[end].lstrip().startswith(":::"):
        name = tok.info.strip().split(" ")[0]
        out.literal.append(Ref(f"the '::: {name}' block is never closed: add a line ':::' "
                               "after its content", start + 1, 1))


# Markdown that markdown-it did not recognise, so that it would print as typed.
_LITERAL = (
    (re.compile(r"\[\^[^\]\n]*\]:?"), "{0!r} is not a footnote: write [^label] with no spaces "
     "(a note is '[^label]: text' at the start of a line)"),
    (re.compile(r"!\[[^\]\n]*\]"), "{0!r} is not an image: write ![alt text](path) with "
     "no space before '('"),
    (re.compile(r"\[[^\]\n]+\]\[[^\]\n]*\]"), "reference link {0!r} has no definition: write "
     "[text](https://...) instead"),
    (re.compile(r"\[//\]: #.*"), "{0!r} is a hidden comment only on a line of its own after a "
     "blank line; here it would print"),
)


def literal_text(text: str, lines: Sequence[str], span: Sequence[int] | None,
                 out: ParsedSection) -> None:
    """Footnotes, images and links in ``text`` (a run of plain text) that did not parse."""
    for pattern, message in _LITERAL:
        where = Locator(lines, span)
        for m in pattern.finditer(text):
            # the source has straight quotes and hyphens where the text has typographic ones
            needle = re.split(r"[“”‘’–—…]", m.group())[0] or m.group()
            line, col = where.find(needle)
            typed = lines[line - 1][col - 1:col - 1 + len(m.group())] if lines else ""
            shown = typed if typed.startswith(needle) else m.group()
            out.literal.append(Ref(message.format(shown), line, col))


def literal_lines(tok: Token, lines: Sequence[str], out: ParsedSection) -> None:
    """Lines of a paragraph that look like a block the parser did not take: a ``:::``
    fence that opens no known block (or closes none), or a table with no delimiter row."""
    start, end = tok.map or (0, 0)
    rows = [n for n in range(start, end) if lines[n].lstrip().startswith("|")]
    if len(rows) >= 2:
        out.literal.append(Ref("these lines look like a table but are not one: the second "
                               "line must be the delimiter row (| --- | --- |), with as many "
                               "cells as the first", rows[0] + 1, 1))
    opened = False  # an unknown block's own closing ':::' is not a second problem
    for n in range(start, end):
        line = lines[n].lstrip()
        if line.startswith(":::"):
            name = line[3:].strip().split(" ")[0]
            if opened and not name:
                continue
            opened = bool(name)
            text = (f"'::: {name}' is not a block of the series (use " + ", ".join(CONTAINERS)
                    + ", or '::: {lang=..}' for a passage in another language)" if name
                    else "':::' closes no block (is its opening line misspelt, or is it one "
                    "':::' too many?)")
            out.literal.append(Ref(text + "; it would print as typed", n + 1,
                                   len(lines[n]) - len(line) + 1))

