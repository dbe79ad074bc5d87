"""An SVG figure's bytes as a tree of the allowed content: expat with every DTD feature
refused (as defusedxml does), within the bounds on elements and nesting; elements off
the allow-list are dropped here, each noted unless it is editors' private data."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from ..errors import WARNING
from .svgfindings import Notes, Refuse, short
from .svgrules import (
    ACTIVE,
    ANIMATION,
    EDITORS,
    ELEMENTS,
    MAX_SVG_DEPTH,
    MAX_SVG_ELEMENTS,
    SILENT,
    SVG_NS,
)


@dataclass
class Node:
    """A kept element: attributes as parsed (namespaced names are ``"ns local"``)."""

    tag: str
    attrs: list[tuple[str, str]]
    line: int
    col: int
    children: list[Node | str] = field(default_factory=list)


class Parser:
    """expat, every DTD feature refused, building a tree of the allowed content only."""

    def __init__(self, notes: Notes) -> None:
        self.notes = notes
        self.root: Node | None = None
        self.stack: list[Node] = []
        self.skipping = 0  # depth inside an element being dropped
        self.elements = 0
        self.text_at: dict[int, tuple[int, int]] = {}  # <style> node -> where its text starts
        p = self.p = expat.ParserCreate(namespace_separator=" ")
        p.ordered_attributes = True
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = self.doctype
        p.EntityDeclHandler = self.entity
        p.UnparsedEntityDeclHandler = self.entity
        p.ExternalEntityRefHandler = self.external
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.text
        p.ProcessingInstructionHandler = self.instruction

    def where(self) -> tuple[int, int]:
        return self.p.CurrentLineNumber, self.p.CurrentColumnNumber + 1

    def doctype(self, name: str, system: str | None, public: str | None,
                internal: bool) -> None:
        # A bare <!DOCTYPE svg PUBLIC ...> (older editors write one) is dropped: expat
        # never fetches it. An internal subset can declare entities: refused.
        if internal:
            raise Refuse(*self.where(), "declares entities (a DTD internal subset), which "
                                        "SVG figures may not use")

    def entity(self, *args: object) -> None:
        raise Refuse(*self.where(), "declares entities, which SVG figures may not use")

    def external(self, *args: object) -> int:
        raise Refuse(*self.where(), "refers to an external entity, which SVG figures may "
                                    "not use")

    def instruction(self, target: str, data: str) -> None:
        if target.lower() == "xml-stylesheet":
            raise Refuse(*self.where(), "<?xml-stylesheet?> refers to a stylesheet outside "
                                        "the figure; put the styles in a <style> element")

    def start(self, name: str, attrs: list[str]) -> None:
        line, col = self.where()
        self.elements += 1
        if self.elements > MAX_SVG_ELEMENTS:
            raise Refuse(line, col, f"has more than {MAX_SVG_ELEMENTS:,} elements")
        if len(self.stack) + self.skipping >= MAX_SVG_DEPTH:
            raise Refuse(line, col, f"nests elements more than {MAX_SVG_DEPTH} deep")
        ns, _, local = name.rpartition(" ")
        if self.root is None:
            if local != "svg" or ns not in ("", SVG_NS):
                raise Refuse(line, col, f"is not an SVG file: its first element is <{local}>")
        if self.skipping:
            self.skipping += 1
            return
        if ns not in ("", SVG_NS) or local not in ELEMENTS:
            self.skipping = 1
            self._dropped_element(ns, local, line, col)
            return
        node = Node(local, [(attrs[i], attrs[i + 1]) for i in range(0, len(attrs), 2)],
                    line, col)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def _dropped_element(self, ns: str, local: str, line: int, col: int) -> None:
        if ns.startswith(EDITORS) or (ns in ("", SVG_NS) and local in SILENT):
            return
        if ns in ("", SVG_NS) and local in ACTIVE:
            why = ACTIVE[local]
        elif ns in ("", SVG_NS) and local in ANIMATION:
            why = "figures are static (the PDF cannot animate)"
        elif ns not in ("", SVG_NS):
            why = f"elements of the namespace {short(ns)} are not SVG"
        else:
            why = "it is not an SVG element the series allows"
        self.notes.add(WARNING, line, col, f"removed <{local}>: {why}")

    def end(self, name: str) -> None:
        if self.skipping:
            self.skipping -= 1
        else:
            self.stack.pop()

    def text(self, data: str) -> None:
        if self.skipping or not self.stack:
            return
        node = self.stack[-1]
        if node.tag == "style" and id(node) not in self.text_at:
            self.text_at[id(node)] = self.where()
        if node.children and isinstance(node.children[-1], str):
            node.children[-1] += data
        else:
            node.children.append(data)
