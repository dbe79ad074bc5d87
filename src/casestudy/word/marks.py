"""Who changed what in a reviewed Word copy, and what they said: each tracked insertion
and deletion with its author and date, by the block (our bookmark) it was made in, and
each comment with its author, date, text and the text it was written on. Read from the
XML as scan.py reads it: parsed by package.py's expat (no DTDs, bounded nesting),
elements matched by local name in any namespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..render.docx import MARK_NAME
from .package import Docx, Element


@dataclass(frozen=True)
class Mark:
    kind: str  # insertion, deletion
    author: str
    date: str



def review_marks(package: Docx) -> tuple[dict[str, list[Mark]],
                                   dict[str, tuple[str, str, str, str, str]]]:
    """Tracked changes by block, and comments: id -> block, anchor, author, date, text."""
    marks: dict[str, list[Mark]] = {}
    ranges: dict[str, list[Any]] = {}  # comment id -> [block, anchor chunks, open]
    state: dict[str, Any] = {"block": "", "in_t": False, "notes": 0}

    def start(element: Element, _depth: int) -> None:
        name, attrs = element.name, element.attrs
        if name == "bookmarkStart" and MARK_NAME.match(attrs.get("name", "")):
            state["block"] = attrs["name"]
        elif name in ("footnote", "endnote") and attrs.get("type", "normal") == "normal":
            # until its bookmark, if it kept one: the note by its place (note:0, ...)
            state["block"] = f"note:{state['notes']}"
            state["notes"] += 1
        elif name in ("ins", "del") and state["block"]:
            marks.setdefault(state["block"], []).append(Mark(
                "insertion" if name == "ins" else "deletion", attrs.get("author", ""),
                attrs.get("date", "")[:10]))
        elif name == "commentRangeStart":
            ranges[attrs.get("id", "")] = [state["block"], [], True]
        elif name == "commentRangeEnd" and attrs.get("id", "") in ranges:
            ranges[attrs["id"]][2] = False
        elif name == "t":
            state["in_t"] = True

    def text(data: str) -> None:
        if state["in_t"]:
            for found in ranges.values():
                if found[2]:
                    found[1].append(data)

    def end(name: str, _depth: int) -> None:
        if name == "t":
            state["in_t"] = False

    for part in (package.main, "word/footnotes.xml"):  # pandoc writes no endnotes
        if package.has(part):
            state["block"] = ""
            package.parse(part, start, text, end)
    comments: dict[str, tuple[str, str, str, str, str]] = {}
    if package.has("word/comments.xml"):
        found: list[list[Any]] = []
        inside = {"t": False}

        def c_start(element: Element, _depth: int) -> None:
            if element.name == "comment":
                found.append([element.attrs.get("id", ""), element.attrs.get("author", ""),
                              element.attrs.get("date", "")[:10], []])
            elif element.name == "t":
                inside["t"] = True
            elif element.name == "p" and found and found[-1][3]:
                found[-1][3].append(" ")

        def c_text(data: str) -> None:
            if inside["t"] and found:
                found[-1][3].append(data)

        def c_end(name: str, _depth: int) -> None:
            if name == "t":
                inside["t"] = False

        package.parse("word/comments.xml", c_start, c_text, c_end)
        for cid, author, date, chunks in found:
            block, anchor, _open = ranges.get(cid, ["", [], False])
            comments[cid] = (block, " ".join("".join(anchor).split()), author, date,
                             " ".join("".join(chunks).split()))
    return marks, comments
