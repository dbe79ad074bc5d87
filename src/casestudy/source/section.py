"""A parsed section: what the checker looks at, each with its place in the source.

``parse.py`` fills a ParsedSection; the checker reads it, and the renderer renders its
tokens. Positions are 1-based lines and columns, found by a Locator in the source lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token


@dataclass
class Ref:
    """Something inline the checker may complain about, with its position (1-based)."""

    value: str
    line: int
    col: int
    extra: str = ""


@dataclass
class Block:
    """A container block (figure, table, pullquote) and what it holds."""

    kind: str
    line: int
    images: list[Ref] = field(default_factory=list)
    caption: str = ""
    source: str = ""
    has_table: bool = False
    settings: list[tuple[str, int, int]] = field(default_factory=list)  # chart: text, line, col


@dataclass
class ParsedSection:
    """A section file after parsing: body tokens and everything the checker looks at."""

    text: str
    tokens: list[Token]
    heading: str | None = None
    subheadings: list[Ref] = field(default_factory=list)
    words: int = 0
    footnote_refs: list[Ref] = field(default_factory=list)
    footnote_defs: dict[str, Ref] = field(default_factory=dict)
    footnote_tokens: dict[str, list[Token]] = field(default_factory=dict)
    duplicate_defs: list[Ref] = field(default_factory=list)
    nested_refs: list[Ref] = field(default_factory=list)  # a note cited in a note: extra=outer
    images: list[Ref] = field(default_factory=list)  # value=src, extra=alt
    links: list[Ref] = field(default_factory=list)
    raw_html: list[Ref] = field(default_factory=list)
    placeholders: list[Ref] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    citations: list[Ref] = field(default_factory=list)  # value=key, one per cited key
    has_list: bool = False
    too_deep: Ref | None = None  # quotes or lists nested past MAX_NESTING: text would be lost
    inline_too_deep: Ref | None = None  # emphasis nested past MAX_INLINE_NESTING
    literal: list[Ref] = field(default_factory=list)  # syntax that would print as typed


class Locator:
    """Finds successive snippets inside a block's source lines, for exact columns."""

    def __init__(self, lines: Sequence[str], span: Sequence[int] | None):
        self.lines = lines
        self.start, self.end = (span[0], span[1]) if span else (0, 0)
        self.line, self.col = self.start, 0

    def find(self, needle: str, shift: int = 0) -> tuple[int, int]:
        return self.search(needle, shift) or (self.start + 1, 1)

    def search(self, needle: str, shift: int = 0) -> tuple[int, int] | None:
        """Line and column of ``needle`` (plus ``shift``) after the last find, or None."""
        for i in range(self.line, max(self.end, self.line + 1)):
            if i >= len(self.lines):
                break
            at = self.lines[i].find(needle, self.col if i == self.line else 0)
            if at >= 0:
                self.line, self.col = i, at + len(needle)
                return i + 1, at + 1 + shift
        return None
