"""A tagged PDF's structure tree, read back for the tests: each element, its type and
attributes, and the text it marks, in tree order (pikepdf for the tree, pdfplumber for
the text of each marked-content id)."""

from __future__ import annotations

import functools
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
import pikepdf


@dataclass
class Node:
    kind: str                      # "P", "Note", ...
    attrs: dict[str, object]       # /ID, /T, /Alt, /A (as Python values)
    page: int | None               # index of the page of its own marked content
    children: list[Node] = field(default_factory=list)
    mcids: list[tuple[int, int]] = field(default_factory=list)  # (page, mcid), in order
    annotations: int = 0           # link annotations (OBJR) it holds
    parent: Node | None = field(default=None, repr=False)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def text(self, texts: dict[tuple[int, int], str]) -> str:
        """The text this element and its descendants mark, in tree order (its
        /ActualText instead, when it has one, as a screen reader reads it)."""
        if "ActualText" in self.attrs:
            return str(self.attrs["ActualText"])
        own = iter(self.mcids)
        parts = [texts.get(key, "") for key in own]
        for child in self.children:
            parts.append(child.text(texts))
        return "".join(parts)


@dataclass
class Tree:
    root: Node
    texts: dict[tuple[int, int], str]   # (page, mcid) -> its text
    pdf: pikepdf.Pdf

    def all(self, kind: str) -> list[Node]:
        return [node for node in self.root.walk() if node.kind == kind]

    def text(self, node: Node) -> str:
        return node.text(self.texts)


def _value(obj):
    if isinstance(obj, pikepdf.Name):
        return str(obj)[1:]
    if isinstance(obj, pikepdf.String):
        return str(obj)
    if isinstance(obj, pikepdf.Dictionary):
        return {str(k)[1:]: _value(v) for k, v in obj.items()}
    if isinstance(obj, pikepdf.Array):
        return [_value(v) for v in obj]
    return obj


def read_tree(path: Path) -> Tree:
    pdf = pikepdf.open(path)
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}

    def build(elem, parent: Node | None, page: int | None) -> Node:
        own_page = pages.get(elem["/Pg"].objgen) if "/Pg" in elem else page
        node = Node(str(elem.get("/S", "/?"))[1:],
                    {str(k)[1:]: _value(v) for k, v in elem.items()
                     if k in ("/ID", "/T", "/Alt", "/A", "/ActualText", "/Lang")},
                    own_page, parent=parent)
        kids = elem.get("/K")
        if kids is None:
            return node
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, int):
                node.mcids.append((own_page, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary):
                kind = kid.get("/Type")
                if kind == "/OBJR":
                    node.annotations += 1
                elif kind == "/MCR":
                    kpage = pages.get(kid["/Pg"].objgen) if "/Pg" in kid else own_page
                    node.mcids.append((kpage, int(kid["/MCID"])))
                else:
                    node.children.append(build(kid, node, own_page))
        return node

    top = pdf.Root.StructTreeRoot
    root = Node("StructTreeRoot", {}, None)
    kids = top.K if isinstance(top.K, pikepdf.Array) else [top.K]
    for kid in kids:
        root.children.append(build(kid, root, None))
    texts: dict[tuple[int, int], str] = defaultdict(str)
    for index, page in enumerate(marked_chars(path)):
        for _, mcid, text in page:
            if mcid is not None:
                texts[(index, mcid)] += text
    return Tree(root, dict(texts), pdf)


def marked_chars(path: Path) -> list[list[tuple[str | None, int | None, str]]]:
    """Each page's characters as (marked-content tag, its MCID, the character), in
    drawing order. pdfminer takes about two seconds for Italy, and several test files
    read the same shared PDF: read once a process, while the file is unchanged."""
    info = os.stat(path)
    return _marked_chars(str(Path(path).resolve()), info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _marked_chars(path: str, _size: int, _mtime: int
                  ) -> list[list[tuple[str | None, int | None, str]]]:
    with pdfplumber.open(path) as plumber:
        return [[(char.get("tag"), char.get("mcid"), char["text"]) for char in page.chars]
                for page in plumber.pages]
