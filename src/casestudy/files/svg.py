"""SVG figures: parsed safely, reduced to an allow-list, written out again.

The PDF and the web edition both get the output of :func:`sanitize`, never the
author's bytes. The input is parsed by expat with every DTD feature refused (as
defusedxml does: no internal subset, no entity declarations, no external entities,
no parameter entities), within a bound on elements and nesting. What remains is the
allow-list in the spirit of DOMPurify's SVG profile: drawing, text, gradients,
filters, clipping and masks, ``<use>`` and ``<a>``. Anything else is dropped.

Two kinds of finding, each at the figure's ``line:col``:

- **error** (the figure is refused, the study is not built): it cannot be parsed or
  judged (not well-formed, not SVG, a DTD with entities, too big or too deep, a
  ``<use>`` bomb), or it depends on something outside itself (``href`` or CSS
  ``url()`` to anything but a ``#fragment``, ``@import``, ``data:`` URLs,
  ``<?xml-stylesheet?>``). Dropping those would change what is drawn.
- **warning** (removed; the figure draws as before): active or unknown content:
  ``<script>``, ``<foreignObject>``, ``on*`` handlers, animation, links with a scheme
  other than http, https, mailto or ``#``, CSS ``expression()``, unknown elements,
  attributes and at-rules.

Editors' private data (Inkscape, Sodipodi, Illustrator, Sketch, ``<metadata>``,
comments, processing instructions) is dropped without a word: it is never drawn.

Everything is judged on the parsed tree after the XML parser has decoded entities
and character references, and CSS after tinycss2 has decoded its escapes: ``url&#40;``
and ``@\\69mport`` are seen as ``url(`` and ``@import``. The output is a function of
the input alone (same bytes in, same bytes out), so reproducible PDFs stay identical.

This module is the walk: the figure is parsed into a tree (svgparse.py), every attribute
and ``<style>`` judged against the allow-list (svgrules.py; CSS in svgcss.py), the
``<use>`` references bounded, and the tree written out (svgserialize.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from ..errors import ERROR, WARNING
from .svgcss import clean_declarations, clean_stylesheet, judge_css_value
from .svgfindings import Finding, Notes, Refuse, short
from .svgparse import Node, Parser
from .svgrules import (
    ATTRIBUTES,
    EDITORS,
    MAX_SVG_DEPTH,
    MAX_SVG_ELEMENTS,
    SAFE_LINK,
    XLINK_NS,
    XML_NS,
)
from .svgserialize import serialize


@dataclass
class Sanitized:
    """The figure as it is published (``data``; None when refused) and what was found."""

    data: bytes | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]


def sanitize(data: bytes) -> Sanitized:
    """The figure reduced to the allow-list, and what was removed or refused."""
    notes = Notes()
    parser = Parser(notes)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return Sanitized(None, [Finding(1, 1, ERROR, "is not an SVG file")])
    try:
        parser.p.Parse(data, True)
        if parser.root is None:
            raise Refuse(1, 1, "is not an SVG file")
        ids = _clean(parser.root, parser, notes)
        _check_references(parser.root, ids)
    except Refuse as exc:
        return Sanitized(None, [*notes.findings(), Finding(exc.line, exc.col, ERROR, exc.message)])
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc)) if exc.code else str(exc)
        return Sanitized(None, [*notes.findings(), Finding(
            exc.lineno, exc.offset + 1, ERROR, f"is not well-formed XML: {message}")])
    findings = notes.findings()
    if any(f.severity == ERROR for f in findings):
        return Sanitized(None, findings)
    return Sanitized(serialize(parser.root), findings)


def _clean(root: Node, parser: Parser, notes: Notes) -> dict[str, Node]:
    """Judge every attribute and <style> of the kept tree; the elements by their id."""
    ids: dict[str, Node] = {}
    todo = [root]
    while todo:
        node = todo.pop()
        node.attrs = _clean_attributes(node, notes)
        ident = dict(node.attrs).get("id")
        if ident:
            ids.setdefault(ident, node)
        if node.tag == "style":
            css = "".join(c for c in node.children if isinstance(c, str))
            start = parser.text_at.get(id(node), (node.line, node.col))
            node.children = [clean_stylesheet(css, start, notes)]
            continue
        todo.extend(reversed([c for c in node.children if isinstance(c, Node)]))
    return ids


def _clean_attributes(node: Node, notes: Notes) -> list[tuple[str, str]]:
    kept = []
    where = (node.line, node.col)
    for name, value in node.attrs:
        ns, _, local = name.rpartition(" ")
        if local == "href" and ns in ("", XLINK_NS):
            href = _clean_href(node, value, notes)
            if href is not None:
                kept.append(("xlink:href" if ns else "href", href))
            continue
        if ns == XML_NS and local in ("space", "lang"):
            kept.append((f"xml:{local}", value))
            continue
        if ns.startswith(EDITORS):
            continue
        if ns or not (local in ATTRIBUTES or local.startswith(("aria-", "data-"))):
            if local.lower().startswith("on"):
                notes.add(WARNING, *where, f"removed the {local} attribute: figures may not "
                                           "run code")
            else:
                shown = {XML_NS: "xml:", XLINK_NS: "xlink:"}.get(ns, f"{short(ns)} ") + local \
                    if ns else local
                notes.add(WARNING, *where, f"removed the {shown} attribute of <{node.tag}>: "
                                           "not an SVG attribute the series allows")
            continue
        if local == "style" and ("(" in value or "\\" in value):  # else nothing can fetch
            if value not in notes.clean:
                before = notes.total
                cleaned = clean_declarations(value, where, notes)
                if notes.total > before:
                    value = cleaned
                    kept.append((local, value))
                    continue
                notes.clean[value] = cleaned
            value = notes.clean[value]
        elif ("(" in value or "\\" in value) and value not in notes.clean:
            before = notes.total
            if not judge_css_value(value, where, f"the {local} attribute of <{node.tag}>",
                                   notes):
                continue
            if notes.total == before:
                notes.clean[value] = value
        kept.append((local, value))
    return kept


def _clean_href(node: Node, value: str, notes: Notes) -> str | None:
    ref = value.strip()
    where = (node.line, node.col)
    if not ref:
        return None
    if node.tag == "a":
        if SAFE_LINK.match(ref):
            return ref
        notes.add(WARNING, *where, f"removed the link {short(ref)} of <a>: links must be "
                                   "http, https, mailto or #")
        return None
    if ref.startswith("#") and len(ref) > 1:
        return ref
    notes.add(ERROR, *where, f"<{node.tag}> refers to {short(ref)}; an SVG figure must be "
                             "self-contained (only #fragment references)")
    return None


# ---------------------------------------------------------------- <use> expansion


def _check_references(root: Node, ids: dict[str, Node]) -> None:
    """Refuse a figure whose <use> references draw too much or nest too deep.

    Each element's count (itself, its children and what its <use> draws) and depth are
    worked out once, without recursion; a reference back into its own ancestry never ends.
    """
    drawn: dict[int, int] = {}
    depth: dict[int, int] = {}
    active: set[int] = set()
    todo: list[tuple[Node, bool]] = [(root, False)]

    def parts(node: Node) -> list[Node]:
        kids = [c for c in node.children if isinstance(c, Node)]
        if node.tag == "use":
            attrs = dict(node.attrs)
            ref = attrs.get("href") or attrs.get("xlink:href") or ""
            target = ids.get(ref.removeprefix("#"))
            if target is not None:
                kids.append(target)
        return kids

    kids_of: dict[int, list[Node]] = {}
    while todo:
        node, done = todo.pop()
        key = id(node)
        if done:
            kids = kids_of.pop(key)
            drawn[key] = min(1 + sum(drawn[id(k)] for k in kids), MAX_SVG_ELEMENTS + 1)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            active.discard(key)
            if drawn[key] > MAX_SVG_ELEMENTS:
                raise Refuse(node.line, node.col, f"would draw more than "
                             f"{MAX_SVG_ELEMENTS:,} elements once its <use> references are "
                             "expanded")
            if depth[key] > MAX_SVG_DEPTH:
                raise Refuse(node.line, node.col, f"nests more than {MAX_SVG_DEPTH} levels "
                             "deep once its <use> references are followed")
            continue
        if key in drawn:
            continue
        if key in active:
            raise Refuse(node.line, node.col, "has a <use> reference that leads back to "
                                              "itself, so it would never finish drawing")
        active.add(key)
        todo.append((node, True))
        kids_of[key] = parts(node)
        todo.extend((k, False) for k in kids_of[key] if id(k) not in drawn)

