"""A section's key points: its top-level list items, each cut to its first sentence
(the series index's "in short")."""

from __future__ import annotations

import re

from .section import ParsedSection

_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\b[A-Z][a-z])(?<!\bno)([.!?])\s+(?=[\"“‘(]?[A-Z0-9])")


def key_points(parsed: ParsedSection, limit: int = 180) -> list[str]:
    """The top-level list items of a section as plain text, each cut to its first
    sentence (and to ``limit`` characters at a word): the series index's "in short"."""
    points: list[str] = []
    depth = 0
    for i, tok in enumerate(parsed.tokens):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "list_item_open" and depth == 1:
            inline = next((t for t in parsed.tokens[i + 1:] if t.type == "inline"), None)
            if inline is not None:
                text = "".join(c.content if c.type in ("text", "code_inline") else " "
                               if c.type in ("softbreak", "hardbreak") else ""
                               for c in inline.children or [])
                points.append(_first_sentence(" ".join(text.split()), limit))
    return [p for p in points if p]


def _first_sentence(text: str, limit: int) -> str:
    """The first sentence, or the first two when the first is a short lead-in."""
    for end in _SENTENCE_END.finditer(text):
        if end.start() >= 40:
            text = text[:end.start() + 1]
            break
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text
