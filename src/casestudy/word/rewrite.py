"""A changed block that cannot be edited word by word, written again as a whole.

Most review changes are words replaced in place (review.py). When a reviewer adds
emphasis, or changes words the Markdown writes otherwise (an escape, a quotation
mark), the block the change was made in, and only that block, is written again by
pandoc's CommonMark writer from the reviewed copy. Its notes keep the labels the
author gave them (``[^acv]``) and its citations the text the author wrote
(``[@gao2024, 14]``) when they cite the same keys. Blocks in our fenced shapes
(``::: table``, ``::: figure``, ``::: chart``, ``::: pullquote``), tables, and blocks
whose notes were added or removed are never rewritten: they are reported instead.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from ..files.pandoc import run_pandoc
from ..render.docx import Marked
from .atoms import MARKER

# what the house's Markdown reads, and nothing it would print as typed
WRITER = ("commonmark_x-raw_html-raw_attribute-attributes-emoji-tex_math_dollars"
          "-task_lists-bracketed_spans-fenced_divs-implicit_figures")
REWRITABLE = {"Para", "Plain", "Header", "BulletList", "OrderedList", "BlockQuote"}
_PREFIX = re.compile(r"^(\[\^[^\]]+\]:[ \t]*|[ \t]+)")


def _slice(text: str, start: tuple[int, int], end: tuple[int, int]) -> str:
    lines = text.splitlines(keepends=True)
    begin = sum(len(line) for line in lines[:start[0] - 1]) + start[1] - 1
    stop = sum(len(line) for line in lines[:end[0] - 1]) + end[1] - 1
    return text[begin:stop]


def block_range(text: str, block: Marked) -> tuple[int, int]:
    """Offsets of the block's lines in ``text``, the last line's end left out."""
    lines = text.splitlines(keepends=True)
    start = sum(len(line) for line in lines[:block.first - 1])
    end = sum(len(line) for line in lines[:block.last])
    return start, len(text[:end].rstrip("\r\n"))


def rewrite(blocks: list[Any], notes: list[Any], cites: list[Any], text: str,
            block: Marked, api: list[int], blame: Path) -> str | None:
    """The Markdown of the reviewed ``blocks`` (pandoc's JSON), in place of the lines of
    ``block``; None when it cannot be written so. ``notes`` and ``cites`` are the
    block's atoms of each in the sources, with their places."""
    start, end = block_range(text, block)
    source = text[start:end]
    if source.lstrip().startswith(":::") or any(b.get("t") not in REWRITABLE for b in blocks):
        return None
    labels = [_slice(text, a.start, a.end) for a in notes if a.start and a.end]
    written = [(a.key[1], _slice(text, a.start, a.end)) for a in cites if a.start and a.end]
    if len(labels) != len(notes):
        return None
    counts = {"note": 0, "cite": 0}
    ok = [True]

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(child) for child in node]
        if not isinstance(node, dict):
            return node
        kind = node.get("t")
        if kind == "Str":
            return {"t": "Str", "c": MARKER.sub("", node["c"])}
        if kind == "Note":
            if counts["note"] >= len(labels):
                ok[0] = False
                return {"t": "Str", "c": ""}
            counts["note"] += 1
            return {"t": "RawInline", "c": ["markdown", labels[counts["note"] - 1]]}
        if kind == "Cite":
            keys = tuple(c["citationId"] for c in node["c"][0])
            i = counts["cite"]
            counts["cite"] += 1
            if i < len(written) and written[i][0] == keys:
                return {"t": "RawInline", "c": ["markdown", written[i][1]]}
            return {"t": "RawInline", "c": ["markdown",
                                            "[" + "; ".join(f"@{k}" for k in keys) + "]"]}
        if "c" in node:
            return {**node, "c": walk(node["c"])}
        return node

    shaped = walk(copy.deepcopy(blocks))
    if not ok[0] or counts["note"] != len(labels):
        return None
    doc = {"pandoc-api-version": api, "meta": {}, "blocks": shaped}
    out = run_pandoc(["-f", "json", "-t", WRITER, "--wrap=none"], json.dumps(doc).encode(),
                     blame, "write the changed block").decode("utf-8").strip("\n")
    prefix = _PREFIX.match(source)
    if prefix:  # a note's definition, or a paragraph indented in one
        indent = " " * 4 if prefix.group(1).startswith("[^") else prefix.group(1)
        out = prefix.group(1) + re.sub(r"\n(?=.)", "\n" + indent, out)
    return out
