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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from ..errors import ERROR, WARNING
from .svgrules import (
    ACTIVE,
    ANIMATION,
    ATTRIBUTES,
    CODE_PROPERTIES,
    EDITORS,
    ELEMENTS,
    FETCHING,
    MAX_CSS_DEPTH,
    MAX_SVG_DEPTH,
    MAX_SVG_ELEMENTS,
    SAFE_LINK,
    SILENT,
    SVG_NS,
    XLINK_NS,
    XML_NS,
)


@dataclass(frozen=True, order=True)
class Finding:
    """A problem at ``line:col`` of the figure; an error refuses it, a warning notes a removal."""

    line: int
    col: int
    severity: str
    message: str


@dataclass
class Sanitized:
    """The figure as it is published (``data``; None when refused) and what was found."""

    data: bytes | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]


class _Refuse(Exception):
    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


@dataclass
class _Node:
    tag: str
    attrs: list[tuple[str, str]]
    line: int
    col: int
    children: list[_Node | str] = field(default_factory=list)


def _short(ref: str) -> str:
    return repr(ref if len(ref) <= 60 else ref[:57] + "...")


class _Notes:
    """Findings gathered once per message: the first place, and how many more."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, str], tuple[int, int]] = {}
        self.count: dict[tuple[str, str], int] = {}
        self.total = 0
        self.clean: dict[str, str] = {}  # style values already judged clean: charts repeat them

    def add(self, severity: str, line: int, col: int, message: str) -> None:
        key = (severity, message)
        self.first.setdefault(key, (line, col))
        self.count[key] = self.count.get(key, 0) + 1
        self.total += 1

    def findings(self) -> list[Finding]:
        out = []
        for (severity, message), (line, col) in self.first.items():
            more = self.count[(severity, message)] - 1
            if more:
                message += f" (and {more} more time{'s' if more > 1 else ''})"
            out.append(Finding(line, col, severity, message))
        return sorted(out)


class _Parser:
    """expat, every DTD feature refused, building a tree of the allowed content only."""

    def __init__(self, notes: _Notes) -> None:
        self.notes = notes
        self.root: _Node | None = None
        self.stack: list[_Node] = []
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
            raise _Refuse(*self.where(), "declares entities (a DTD internal subset), which "
                                         "SVG figures may not use")

    def entity(self, *args: object) -> None:
        raise _Refuse(*self.where(), "declares entities, which SVG figures may not use")

    def external(self, *args: object) -> int:
        raise _Refuse(*self.where(), "refers to an external entity, which SVG figures may "
                                     "not use")

    def instruction(self, target: str, data: str) -> None:
        if target.lower() == "xml-stylesheet":
            raise _Refuse(*self.where(), "<?xml-stylesheet?> refers to a stylesheet outside "
                                         "the figure; put the styles in a <style> element")

    def start(self, name: str, attrs: list[str]) -> None:
        line, col = self.where()
        self.elements += 1
        if self.elements > MAX_SVG_ELEMENTS:
            raise _Refuse(line, col, f"has more than {MAX_SVG_ELEMENTS:,} elements")
        if len(self.stack) + self.skipping >= MAX_SVG_DEPTH:
            raise _Refuse(line, col, f"nests elements more than {MAX_SVG_DEPTH} deep")
        ns, _, local = name.rpartition(" ")
        if self.root is None:
            if local != "svg" or ns not in ("", SVG_NS):
                raise _Refuse(line, col, f"is not an SVG file: its first element is <{local}>")
        if self.skipping:
            self.skipping += 1
            return
        if ns not in ("", SVG_NS) or local not in ELEMENTS:
            self.skipping = 1
            self._dropped_element(ns, local, line, col)
            return
        node = _Node(local, [(attrs[i], attrs[i + 1]) for i in range(0, len(attrs), 2)],
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
            why = f"elements of the namespace {_short(ns)} are not SVG"
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


def sanitize(data: bytes) -> Sanitized:
    """The figure reduced to the allow-list, and what was removed or refused."""
    notes = _Notes()
    parser = _Parser(notes)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return Sanitized(None, [Finding(1, 1, ERROR, "is not an SVG file")])
    try:
        parser.p.Parse(data, True)
        if parser.root is None:
            raise _Refuse(1, 1, "is not an SVG file")
        ids = _clean(parser.root, parser, notes)
        _check_references(parser.root, ids)
    except _Refuse as exc:
        return Sanitized(None, [*notes.findings(), Finding(exc.line, exc.col, ERROR, exc.message)])
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc)) if exc.code else str(exc)
        return Sanitized(None, [*notes.findings(), Finding(
            exc.lineno, exc.offset + 1, ERROR, f"is not well-formed XML: {message}")])
    findings = notes.findings()
    if any(f.severity == ERROR for f in findings):
        return Sanitized(None, findings)
    return Sanitized(_serialize(parser.root), findings)


def _clean(root: _Node, parser: _Parser, notes: _Notes) -> dict[str, _Node]:
    """Judge every attribute and <style> of the kept tree; the elements by their id."""
    ids: dict[str, _Node] = {}
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
            node.children = [_clean_stylesheet(css, start, notes)]
            continue
        todo.extend(reversed([c for c in node.children if isinstance(c, _Node)]))
    return ids


def _clean_attributes(node: _Node, notes: _Notes) -> list[tuple[str, str]]:
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
                shown = {XML_NS: "xml:", XLINK_NS: "xlink:"}.get(ns, f"{_short(ns)} ") + local \
                    if ns else local
                notes.add(WARNING, *where, f"removed the {shown} attribute of <{node.tag}>: "
                                           "not an SVG attribute the series allows")
            continue
        if local == "style" and ("(" in value or "\\" in value):  # else nothing can fetch
            if value not in notes.clean:
                before = notes.total
                cleaned = _clean_declarations(value, where, notes)
                if notes.total > before:
                    value = cleaned
                    kept.append((local, value))
                    continue
                notes.clean[value] = cleaned
            value = notes.clean[value]
        elif ("(" in value or "\\" in value) and value not in notes.clean:
            before = notes.total
            if not _judge_css_value(value, where, f"the {local} attribute of <{node.tag}>",
                                    notes):
                continue
            if notes.total == before:
                notes.clean[value] = value
        kept.append((local, value))
    return kept


def _clean_href(node: _Node, value: str, notes: _Notes) -> str | None:
    ref = value.strip()
    where = (node.line, node.col)
    if not ref:
        return None
    if node.tag == "a":
        if SAFE_LINK.match(ref):
            return ref
        notes.add(WARNING, *where, f"removed the link {_short(ref)} of <a>: links must be "
                                   "http, https, mailto or #")
        return None
    if ref.startswith("#") and len(ref) > 1:
        return ref
    notes.add(ERROR, *where, f"<{node.tag}> refers to {_short(ref)}; an SVG figure must be "
                             "self-contained (only #fragment references)")
    return None


# ---------------------------------------------------------------- CSS, through tinycss2


def _too_deep(css: str) -> bool:
    depth = deepest = 0
    for char in css:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(0, depth - 1)
    return deepest > MAX_CSS_DEPTH


def _at(start: tuple[int, int], node: object) -> tuple[int, int]:
    """The figure's line:col of a tinycss2 node inside text that starts at ``start``."""
    line, col = getattr(node, "source_line", 1), getattr(node, "source_column", 1)
    return (start[0] + line - 1, start[1] + col - 1 if line == 1 else col)


def _judge_tokens(tokens: list, start: tuple[int, int], what: str, notes: _Notes) -> None:
    """Any fetch among ``tokens`` (url(), image-set("..."), ...) that is not a #fragment."""
    todo: list[tuple[object, bool]] = [(t, False) for t in tokens]
    while todo:
        token, fetching = todo.pop()
        kind = getattr(token, "type", "")
        ref = None
        if kind == "url" or (kind == "string" and fetching):
            ref = str(token.value).strip()  # type: ignore[attr-defined]
        elif kind == "function":
            name = token.lower_name  # type: ignore[attr-defined]
            todo.extend((t, name in FETCHING) for t in token.arguments)  # type: ignore
        elif kind in ("() block", "[] block", "{} block"):
            todo.extend((t, fetching) for t in token.content)  # type: ignore[attr-defined]
        if ref is not None and not (ref.startswith("#") and len(ref) > 1):
            notes.add(ERROR, *_at(start, token), f"{what} refers to {_short(ref)}; an SVG "
                                                 "figure must be self-contained (only "
                                                 "#fragment references)")


def _runs_code(tokens: list) -> bool:
    """Old IE's expression() anywhere among ``tokens`` (it runs script)."""
    todo = list(tokens)
    while todo:
        token = todo.pop()
        if getattr(token, "type", "") == "function":
            if token.lower_name == "expression":
                return True
            todo.extend(token.arguments)
        elif hasattr(token, "content") and isinstance(token.content, list):
            todo.extend(token.content)
    return False


def _judge_css_value(value: str, start: tuple[int, int], what: str, notes: _Notes) -> bool:
    """Judge a presentation attribute's value; False when it must be removed."""
    import tinycss2

    if _too_deep(value):
        notes.add(ERROR, *start, f"{what} nests CSS brackets more than {MAX_CSS_DEPTH} deep")
        return False
    tokens = tinycss2.parse_component_value_list(value)
    if _runs_code(tokens):
        notes.add(WARNING, *start, f"removed {what}: CSS expression() runs code")
        return False
    _judge_tokens(tokens, start, what, notes)
    return True


def _clean_declarations(css: str | list, start: tuple[int, int], notes: _Notes,
                        what: str = "the style attribute") -> str:
    """A declaration list (a style attribute, a rule's body) with every value judged."""
    import tinycss2

    if isinstance(css, str) and _too_deep(css):
        notes.add(ERROR, *start, f"{what} nests CSS brackets more than {MAX_CSS_DEPTH} deep")
        return ""
    kept = []
    for item in tinycss2.parse_blocks_contents(css, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration":
            if item.lower_name in CODE_PROPERTIES or _runs_code(item.value):
                notes.add(WARNING, *_at(start, item), f"removed the CSS property "
                                                      f"{_short(item.name)} from {what}: it "
                                                      "runs code")
                continue
            _judge_tokens(item.value, start, what, notes)
            kept.append(item)
        elif item.type != "error":  # a nested rule or at-rule
            notes.add(WARNING, *_at(start, item), f"removed a nested CSS rule from {what}")
    return "; ".join(f"{d.name}: {tinycss2.serialize(d.value).strip()}"
                     + (" !important" if d.important else "") for d in kept)


def _clean_stylesheet(css: str, start: tuple[int, int], notes: _Notes) -> str:
    """A <style> element's text: rules and @media kept, every value judged, the rest noted."""
    import tinycss2

    if _too_deep(css):
        notes.add(ERROR, *start, f"<style> nests CSS brackets more than {MAX_CSS_DEPTH} deep")
        return ""
    out = []
    levels = [iter(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))]
    while levels:
        rule = next(levels[-1], None)
        if rule is None:
            levels.pop()
            if levels:
                out.append("}")  # the end of an @media block
            continue
        where = _at(start, rule)
        keyword = getattr(rule, "lower_at_keyword", None)
        if rule.type == "qualified-rule":
            _judge_tokens(rule.prelude, start, "a <style> selector", notes)
            body = _clean_declarations(rule.content, start, notes, "<style>")
            out.append(f"{tinycss2.serialize(rule.prelude).strip()} {{ {body} }}")
        elif keyword == "import":  # whatever it names, a string or url(), even #x
            named = [t for t in rule.prelude if t.type in ("string", "url", "function")]
            ref = _short(tinycss2.serialize(named[:1]).strip() if named else "")
            if named and named[0].type in ("string", "url"):
                ref = _short(str(named[0].value).strip())
            notes.add(ERROR, *where, f"<style> @import refers to {ref}; an SVG figure must "
                                     "be self-contained (put the styles in its <style>)")
        elif keyword == "font-face":
            _judge_tokens(rule.content or [], start, "<style> @font-face", notes)
            notes.add(WARNING, *where, "removed a CSS @font-face rule: figures use the "
                                       "brief's fonts")
        elif keyword == "media" and rule.content is not None:
            _judge_tokens(rule.prelude, start, "<style> @media", notes)
            out.append(f"@media {tinycss2.serialize(rule.prelude).strip()} {{")
            levels.append(iter(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                        skip_whitespace=True)))
        elif rule.type == "at-rule":
            if keyword != "charset":
                notes.add(WARNING, *where, f"removed a CSS rule {_short('@' + rule.at_keyword)} "
                                           "from <style>")
        elif rule.type == "error":
            notes.add(WARNING, *where, "removed CSS that cannot be parsed")
    return "\n".join(out)


# ---------------------------------------------------------------- <use> expansion


def _check_references(root: _Node, ids: dict[str, _Node]) -> None:
    """Refuse a figure whose <use> references draw too much or nest too deep.

    Each element's count (itself, its children and what its <use> draws) and depth are
    worked out once, without recursion; a reference back into its own ancestry never ends.
    """
    drawn: dict[int, int] = {}
    depth: dict[int, int] = {}
    active: set[int] = set()
    todo: list[tuple[_Node, bool]] = [(root, False)]

    def parts(node: _Node) -> list[_Node]:
        kids = [c for c in node.children if isinstance(c, _Node)]
        if node.tag == "use":
            attrs = dict(node.attrs)
            ref = attrs.get("href") or attrs.get("xlink:href") or ""
            target = ids.get(ref.removeprefix("#"))
            if target is not None:
                kids.append(target)
        return kids

    kids_of: dict[int, list[_Node]] = {}
    while todo:
        node, done = todo.pop()
        key = id(node)
        if done:
            kids = kids_of.pop(key)
            drawn[key] = min(1 + sum(drawn[id(k)] for k in kids), MAX_SVG_ELEMENTS + 1)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            active.discard(key)
            if drawn[key] > MAX_SVG_ELEMENTS:
                raise _Refuse(node.line, node.col, f"would draw more than "
                              f"{MAX_SVG_ELEMENTS:,} elements once its <use> references are "
                              "expanded")
            if depth[key] > MAX_SVG_DEPTH:
                raise _Refuse(node.line, node.col, f"nests more than {MAX_SVG_DEPTH} levels "
                              "deep once its <use> references are followed")
            continue
        if key in drawn:
            continue
        if key in active:
            raise _Refuse(node.line, node.col, "has a <use> reference that leads back to "
                                               "itself, so it would never finish drawing")
        active.add(key)
        todo.append((node, True))
        kids_of[key] = parts(node)
        todo.extend((k, False) for k in kids_of[key] if id(k) not in drawn)


# ---------------------------------------------------------------- writing it out


_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;",
                       "\r": "&#13;"})
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _attr(value: str) -> str:
    return value.translate(_ATTR)


def _text(value: str) -> str:
    return value.translate(_TEXT)


def _serialize(root: _Node) -> bytes:
    """The kept tree as UTF-8 XML, always in the SVG namespace; no recursion."""
    nodes = [root]
    uses_xlink = False
    while nodes and not uses_xlink:
        node = nodes.pop()
        uses_xlink = any(k.startswith("xlink:") for k, _ in node.attrs)
        nodes.extend(c for c in node.children if isinstance(c, _Node))
    out: list[str] = []
    todo: list[_Node | str | tuple[str]] = [root]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            out.append(_text(item))
        elif isinstance(item, tuple):
            out.append(item[0])
        else:
            attrs = "".join(f' {k}="{_attr(v)}"' for k, v in item.attrs)
            if item is root:
                attrs = f' xmlns="{SVG_NS}"' + (f' xmlns:xlink="{XLINK_NS}"' if uses_xlink
                                                 else "") + attrs
            if item.children:
                out.append(f"<{item.tag}{attrs}>")
                todo.append((f"</{item.tag}>",))
                todo.extend(reversed(item.children))
            else:
                out.append(f"<{item.tag}{attrs}/>")
    return ("".join(out) + "\n").encode("utf-8")
