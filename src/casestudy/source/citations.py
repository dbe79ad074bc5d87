"""Citations as written: pandoc's ``[@key, 14]`` and ``@key`` syntax in sections.

Parsing is a markdown-it inline rule (``citation`` tokens, so the checker can locate
every key). What a citation becomes is the renderer's business (render/cite.py, with
pandoc's citeproc); what it needs from here is the brief's citations in note order,
collected by a :class:`Citer` on a first rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

# a key: pandoc's rule (a letter, digit or _, then word characters and inner punctuation),
# or anything but braces inside @{...}
KEY = r"(?:\{[^{}\n]+\}|\w(?:\w|[:.#$%&+?<>~/-](?=\w))*)"
_ITEM = re.compile(rf"^(?P<prefix>(?:[^@]*\s)?)(?P<suppress>-?)@(?P<key>{KEY})(?P<suffix>[^@]*)$",
                   re.S)
_IN_TEXT = re.compile(rf"@(?P<key>{KEY})(?:[ \t]?\[(?P<locator>[^\[\]\n]*)\](?![(\[]))?")
DEFAULT_STYLE = "chicago-notes-bibliography-17th-edition"


@dataclass(frozen=True)
class Item:
    key: str
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False


def _bare(key: str) -> str:
    return key[1:-1] if key.startswith("{") else key


def _bracketed(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    end = src.find("]", pos + 1)
    if end < 0 or "[" in src[pos + 1:end] or "@" not in src[pos + 1:end]:
        return False
    after = src[end + 1:end + 3]
    if after[:1] in ("(", ":") or (after[:1] == "[" and after != "[^"):
        return False  # a link or a link label, not a citation (a note call may follow)
    items = []
    for part in src[pos + 1:end].split(";"):
        m = _ITEM.match(part.strip())
        if m is None:
            return False  # pandoc too reads it as plain text then
        items.append(Item(_bare(m["key"]), m["prefix"].strip(), m["suffix"].rstrip(),
                          bool(m["suppress"])))
    if not silent:
        tok = state.push("citation", "", 0)
        tok.content = src[pos:end + 1]
        tok.meta = {"items": items, "mode": "normal"}
    state.pos = end + 1
    return True


def _in_text(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "_@"):
        return False  # an e-mail address, or a word with @ inside
    m = _IN_TEXT.match(src, pos)
    if m is None:
        return False
    if not silent:
        tok = state.push("citation", "", 0)
        tok.content = m.group()
        tok.meta = {"items": [Item(_bare(m["key"]), "", m["locator"] or "")], "mode": "in-text"}
    state.pos = m.end()
    return True


def _citation_rule(state: StateInline, silent: bool) -> bool:
    char = state.src[state.pos]
    if char == "[":
        return _bracketed(state, silent)
    if char == "@":
        return _in_text(state, silent)
    return False


def citation_plugin(md: MarkdownIt) -> None:
    """``[see @key, 14; @other]`` and ``@key [14]`` as ``citation`` tokens."""
    md.inline.ruler.before("link", "citation", _citation_rule)


def keys_of(token: Any) -> list[str]:
    return [item.key for item in token.meta["items"]]


# ---------------------------------------------------------------- formatting


@dataclass
class Cluster:
    """One citation as written, and the note it becomes (body) or stands in (in a note)."""

    source: str
    mode: str
    note: int
    in_note: bool


@dataclass
class Formatted:
    text: str  # what stays in the running text (an author's name, for @key)
    note: str  # the note's HTML (body citations) or the citation's HTML (in a note)


@dataclass
class Citer:
    """Collects a brief's citations on the first rendering, formats them on the second."""

    clusters: list[Cluster] = field(default_factory=list)
    formatted: list[Formatted] | None = None
    bibliography: list[str] = field(default_factory=list)
    _next: int = 0

    def cite(self, token: Any, note: int, in_note: bool) -> Formatted:
        if self.formatted is None:
            source = token.content.replace("\n", " ")
            self.clusters.append(Cluster(source, token.meta["mode"], note, in_note))
            return Formatted("", "")
        done = self.formatted[self._next]
        self._next += 1
        return done
