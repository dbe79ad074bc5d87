"""What a draft's XML holds that pandoc does not tell: review marks, comments and where
they were written, relationships to outside the file, and what cannot be carried over
(charts, SmartArt, text boxes, embedded objects, EMF/WMF pictures), each with its place.

Places are the draft's own: "paragraph 12 (under "Sector by sector")", counting the
paragraphs of the main part in order, so that an author finds them in Word.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from .package import Docx, Element

REVIEW = {"ins": "insertion", "del": "deletion", "moveFrom": "move", "moveTo": "move",
          "rPrChange": "formatting change", "pPrChange": "formatting change",
          "tblPrChange": "formatting change", "trPrChange": "formatting change",
          "tcPrChange": "formatting change", "sectPrChange": "formatting change",
          "numberingChange": "formatting change"}
UNCARRIED = {"chart": "a chart", "relIds": "a SmartArt graphic",
             "OLEObject": "an embedded object", "oMath": "an equation"}
FLATTENED = {"txbxContent": "a text box"}  # pandoc keeps its text, as plain paragraphs
HYPERLINK = "/hyperlink"
KEPT_IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


@dataclass(frozen=True)
class Comment:
    id: str
    author: str
    text: str
    anchor: str  # the text it was written on
    paragraph: int
    heading: str

    @property
    def place(self) -> str:
        return place(self.paragraph, self.heading)


@dataclass
class Scan:
    review: dict[str, int] = field(default_factory=dict)  # kind -> count
    comments: list[Comment] = field(default_factory=list)
    external: list[tuple[str, str, str]] = field(default_factory=list)  # part, type, target
    uncarried: list[tuple[str, str]] = field(default_factory=list)  # what, place
    flattened: list[tuple[str, str]] = field(default_factory=list)  # what, place
    images: dict[str, str] = field(default_factory=dict)  # member -> place of its first use
    paragraphs: int = 0
    # comment id -> the text it was written on, its paragraph and heading
    anchors: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)  # docProps/core.xml: title, creator

    @property
    def review_marks(self) -> int:
        return sum(self.review.values())


def place(paragraph: int, heading: str) -> str:
    under = f' (under "{heading}")' if heading else " (before the first heading)"
    return f"paragraph {paragraph}{under}"


def scan(package: Docx) -> Scan:
    out = Scan()
    targets: dict[str, tuple[str, str, str]] = {}  # rId of the main part -> type, target, mode
    sources = [_source_of(name) for name in package.sizes if name.endswith(".rels")]
    for source in [name for name in sources if name is not None]:
        for rel in package.rels(source):
            kind = rel.attrs.get("Type", "").rsplit("/", 1)[-1]
            target = rel.attrs.get("Target", "")
            external = rel.attrs.get("TargetMode", "").lower() == "external"
            if external and not rel.attrs.get("Type", "").endswith(HYPERLINK):
                out.external.append((source, kind, target))
            if source == package.main:
                targets[rel.attrs.get("Id", "")] = (kind, target, "external" if external else "")
    _scan_main(package, out, targets)
    for part in ("word/footnotes.xml", "word/endnotes.xml"):
        if package.has(part):
            package.parse(part, lambda e, _d: _count_review(e, out))
    _read_comments(package, out)
    _read_properties(package, out)
    return out


def _read_properties(package: Docx, out: Scan) -> None:
    """The document's title and author as File > Info shows them (docProps/core.xml)."""
    part = "docProps/core.xml"
    if not package.has(part):
        return
    current: list[str] = []

    def start(element: Element, depth: int) -> None:
        current[:] = [element.name] if depth == 2 else current

    def text(data: str) -> None:
        if current and current[0] in ("title", "creator", "subject"):
            out.properties[current[0]] = out.properties.get(current[0], "") + data

    package.parse(part, start, text, lambda _n, depth: current.clear() if depth == 2 else None)


def _source_of(rels: str) -> str | None:
    folder, base = posixpath.split(rels)
    if posixpath.basename(folder) != "_rels" or not base.endswith(".rels"):
        return None
    return posixpath.join(posixpath.dirname(folder), base[:-5])


def _count_review(element: Element, out: Scan) -> None:
    if element.name in REVIEW:
        kind = REVIEW[element.name]
        out.review[kind] = out.review.get(kind, 0) + 1


def _scan_main(package: Docx, out: Scan, targets: dict[str, tuple[str, str, str]]) -> None:
    state: dict[str, Any] = {"heading": "", "style": "", "text": "", "in_t": False}
    anchors: dict[str, list[str]] = {}  # open comment ranges -> their text
    starts: dict[str, tuple[int, str]] = {}
    folder = posixpath.dirname(package.main)

    def start(element: Element, _depth: int) -> None:
        name, attrs = element.name, element.attrs
        _count_review(element, out)
        if name == "p":
            out.paragraphs += 1
            state.update(style="", text="")
        elif name == "pStyle":
            state["style"] = attrs.get("val", "")
        elif name == "outlineLvl" and attrs.get("val") == "0":
            state["style"] = "Heading1"
        elif name in ("t", "delText"):
            state["in_t"] = True
        elif name == "commentRangeStart":
            anchors[attrs.get("id", "")] = []
            starts[attrs.get("id", "")] = (out.paragraphs, state["heading"])
        elif name == "commentRangeEnd":
            anchors.setdefault(attrs.get("id", ""), []).append("\0")  # closed
        elif name in UNCARRIED:
            out.uncarried.append((UNCARRIED[name], place(out.paragraphs, state["heading"])))
        elif name in FLATTENED:  # Word writes a box twice (the drawing and a fallback)
            found = (FLATTENED[name], place(out.paragraphs, state["heading"]))
            if found not in out.flattened:
                out.flattened.append(found)
        elif name in ("blip", "imagedata"):
            where = place(out.paragraphs, state["heading"])
            if attrs.get("link"):  # shown from outside the file (and maybe a copy inside)
                _kind, linked, _mode = targets.get(attrs["link"], ("", "", ""))
                out.uncarried.append((f"a linked picture ({linked}), never fetched", where))
            rid = attrs.get("embed") or attrs.get("id", "")
            kind, target, mode = targets.get(rid, ("", "", ""))
            if mode == "external":
                out.uncarried.append((f"a linked picture ({target}), never fetched", where))
            elif target:
                member = posixpath.normpath(posixpath.join(folder, target))
                if not member.lower().endswith(KEPT_IMAGES):
                    what = posixpath.splitext(member)[1].lstrip(".").upper() or "unknown"
                    out.uncarried.append((f"a picture in {what} format "
                                          f"({posixpath.basename(member)})", where))
                out.images.setdefault(member, where)

    def text(data: str) -> None:
        if state["in_t"]:
            state["text"] += data
            for chunks in anchors.values():
                if not chunks or chunks[-1] != "\0":
                    chunks.append(data)

    def end(name: str, _depth: int) -> None:
        if name in ("t", "delText"):
            state["in_t"] = False
        elif name == "p" and state["style"].replace(" ", "").lower() in ("heading1", "title"):
            if state["style"].lower().startswith("heading"):
                state["heading"] = " ".join(state["text"].split())

    package.parse(package.main, start, text, end)
    for key, chunks in anchors.items():
        paragraph, heading = starts.get(key, (0, ""))
        out.anchors[key] = ("".join(c for c in chunks if c != "\0"), paragraph, heading)


def _read_comments(package: Docx, out: Scan) -> None:
    part = "word/comments.xml"
    if not package.has(part):
        return
    found: list[tuple[str, str, list[str]]] = []
    inside = {"t": False}

    def start(element: Element, _depth: int) -> None:
        if element.name == "comment":
            found.append((element.attrs.get("id", ""), element.attrs.get("author", ""), []))
        elif element.name == "t":
            inside["t"] = True
        elif element.name == "p" and found and found[-1][2]:
            found[-1][2].append(" ")

    def text(data: str) -> None:
        if inside["t"] and found:
            found[-1][2].append(data)

    def end(name: str, _depth: int) -> None:
        if name == "t":
            inside["t"] = False

    package.parse(part, start, text, end)
    for cid, author, chunks in found:
        anchor, paragraph, heading = out.anchors.get(cid, ("", 0, ""))
        out.comments.append(Comment(cid, author, " ".join("".join(chunks).split()),
                                    " ".join(anchor.split()), paragraph, heading))
