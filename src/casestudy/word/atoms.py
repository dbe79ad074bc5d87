"""A block of the Word copy as atoms: its characters with their styles (emphasis, a
link's target) and, on the sources' side, the line and column each was written at;
a note, a citation, a line break, the end of a paragraph, item or cell one atom each.

Both sides are made the same way, from pandoc's JSON: the sources' blocks as
render/docx.py shapes them for the copy, and the reviewed copy as pandoc reads it, so
that an unedited copy gives the same atoms, and a review's changes are the atoms that
differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..render.docx import MARK_TEXT, position

# a bookmark of ours made visible text for pandoc's reading of the reviewed copy
OPEN, CLOSE = "\ue000", "\ue001"
MARKER = re.compile(f"{OPEN}({MARK_TEXT}){CLOSE}")
STYLES = {"Emph": "i", "Strong": "b", "Strikeout": "s", "Superscript": "sup",
          "Subscript": "sub", "SmallCaps": "sc", "Underline": "u"}


@dataclass(frozen=True)
class Atom:
    """One character (or a note, a citation, a picture, a paragraph's end) of a block,
    with its style and, on the sources' side, where it was written."""

    key: tuple[Any, ...]
    start: tuple[int, int] | None = None  # line, col
    end: tuple[int, int] | None = None


def flatten(blocks: list[Any]) -> list[Atom]:
    """A block's characters with their styles and places; notes, citations and
    pictures one atom each; the end of each paragraph and cell an atom too."""
    out: list[Atom] = []

    def inlines(nodes: list[Any], style: frozenset[Any], pos: Any) -> None:
        for node in nodes:
            inline(node, style, pos)

    def text(chars: str, style: frozenset[Any], pos: Any) -> None:
        exact = pos is not None and pos[0] == pos[2] and pos[3] - pos[1] == len(chars)
        for i, char in enumerate(chars):
            if exact:
                out.append(Atom(("c", char, style), (pos[0], pos[1] + i),
                                (pos[0], pos[1] + i + 1)))
            elif pos is not None:  # an escape or an entity: only the whole is placed
                out.append(Atom(("c", char, style), (pos[0], pos[1]) if i == 0 else None,
                                (pos[2], pos[3]) if i == len(chars) - 1 else None))
            else:
                out.append(Atom(("c", char, style)))

    def inline(node: dict[str, Any], style: frozenset[Any], pos: Any) -> None:
        kind = node.get("t")
        if kind == "Str":
            chars = MARKER.sub("", node["c"])
            text(chars, style, pos)
        elif kind in ("Space", "SoftBreak"):
            text(" ", style, pos)
        elif kind == "LineBreak":
            out.append(Atom(("br",)))
        elif kind in STYLES:
            inlines(node["c"], style | {STYLES[kind]}, None)
        elif kind == "Link":
            inlines(node["c"][1], style | {("a", node["c"][2][0])}, None)
        elif kind == "Code":
            text(node["c"][1], style | {"code"}, pos)
        elif kind == "Quoted":
            left, right = ("“", "”") if node["c"][0]["t"] == "DoubleQuote" else ("‘", "’")
            text(left, style, None)
            inlines(node["c"][1], style, None)
            text(right, style, None)
        elif kind == "Span":
            attr = node["c"][0]
            if "citation" in attr[1]:
                keys = tuple(dict(attr[2]).get("keys", "").split())
                where = position(attr)
                out.append(Atom(("cite", keys), where[:2] if where else None,
                                where[2:] if where else None))
            else:
                inlines(node["c"][1], style, position(attr) or pos)
        elif kind == "Cite":
            out.append(Atom(("cite", tuple(c["citationId"] for c in node["c"][0]))))
        elif kind == "Note":
            out.append(Atom(("note",), pos[:2] if pos else None, pos[2:] if pos else None))
        elif kind == "Image":
            pass  # a picture is never changed by a review (LibreOffice drops an SVG's)
        elif kind == "Math":
            text(node["c"][1], style | {"math"}, pos)

    def block(node: dict[str, Any]) -> None:
        kind = node.get("t")
        if kind in ("Para", "Plain"):
            inlines(node["c"], frozenset(), None)
            out.append(Atom(("p",)))
        elif kind == "Header":
            inlines(node["c"][2], frozenset(), None)
            out.append(Atom(("h", node["c"][0])))
        elif kind in ("Div", "BlockQuote"):
            for child in node["c"][1] if kind == "Div" else node["c"]:
                block(child)
        elif kind == "BulletList":
            for item in node["c"]:
                for child in item:
                    block(child)
                out.append(Atom(("li",)))
        elif kind == "OrderedList":
            for item in node["c"][1]:
                for child in item:
                    block(child)
                out.append(Atom(("li",)))
        elif kind == "Figure":
            for child in node["c"][2]:
                block(child)
            for child in node["c"][1][1]:
                block(child)
        elif kind == "Table":
            for child in node["c"][1][1]:
                block(child)
            head, bodies = node["c"][3], node["c"][4]
            for row in list(head[1]) + [r for b in bodies for r in b[2] + b[3]]:
                for cell in row[1]:
                    for child in cell[4]:
                        block(child)
                    out.append(Atom(("td",)))
                out.append(Atom(("tr",)))
        elif kind == "CodeBlock":
            out.append(Atom(("code", node["c"][1])))

    for node in blocks:
        block(node)
    return _tidy(out)


def _tidy(atoms: list[Atom]) -> list[Atom]:
    """Spaces as Word keeps them: none at a paragraph's ends, never two in a row."""
    out: list[Atom] = []
    for atom in atoms:
        space = atom.key[0] == "c" and atom.key[1] == " "
        if space and (not out or out[-1].key[0] != "c" or out[-1].key[1] == " "):
            continue
        if atom.key[0] != "c" and out and out[-1].key[0] == "c" and out[-1].key[1] == " ":
            out.pop()
        out.append(atom)
    return out
