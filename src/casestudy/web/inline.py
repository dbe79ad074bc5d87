"""An author's SVG figure inlined in the web page, so that the brand's web fonts draw it.

Why inline, and not ``<img>``: an SVG shown as an image is a document of its own; the
page's ``@font-face`` rules do not reach it, so its text was drawn in whatever fonts the
reader's machine had (and overflowed the boxes drawn for the brand's). Inline, the
text is drawn with the page's WOFF2 faces (site.py cuts them to the characters of the
figures too), and it can be selected, searched and found by the browser. The other way,
each SVG carrying its own faces as ``data:`` URLs, would repeat the fonts in every
figure and keep the text out of the page.

Only the sanitizer's output is inlined (``served_bytes``, the bytes the PDF drew and the
file published beside the page): its allow-list stays the one gate. Inlining then opens
what an ``<img>`` kept closed, and this module closes it again:

- **ids**: every ``id`` gets a prefix unique in the page (``svg1-``), and every
  reference to one follows it: ``href``/``xlink:href``, ``url(#...)`` in attributes and
  CSS, ``aria-labelledby`` and the other id lists, ``#id`` selectors. Two figures that
  both say ``id="a"`` no longer share it, nor take a page element's id.
- **styles**: every element of the figure gets the class ``svg1`` and each selector of
  its ``<style>`` is limited to it (``.svg1:is(text)``), so ``text {fill: red}`` touches
  no other figure and no page text, while the copies a ``<use>`` makes (which carry the
  class, but have no ancestor in the page) are styled as before. The figure's own
  classes get the prefix too, so the page's classes (``.label``, ``.source``) do not
  reach into it either.
- **fonts**: every font-family list gets the brand's other families after those it
  names (as the brand's stacks do), so a character the named face lacks is drawn by the
  brand's fallback face, not by the reader's fonts; the root's own default is the
  headings stack (charts are drawn in it; ``check`` refuses SVG text naming no font).
- **what it inherits**: an ``<img>`` inherited nothing from the page; the root gets the
  values it had there (16 px, left to right, black) unless it sets its own, so a
  right-to-left page does not turn the figure's text around. Right-to-left text stays in
  logical order and the browser does the bidi, as it did in the ``<img>``.
- **name and size**: the root gets ``role="img"`` and the alt text as ``aria-label``
  (``aria-hidden`` when the alt text is empty, as ``alt=""`` was), so a screen reader
  reads the alt text, as it did for the image, not the drawing's labels one by one; a
  root with a width and height but no ``viewBox`` gets one, so it scales with the
  column as the image did (web.css: never wider than the column, height from the ratio).

The page's Content-Security-Policy allows each figure's ``<style>`` by its hash
(:func:`style_hashes`); still no script, and none can come in: the sanitizer removed
every handler and script, and its elements are all SVG ones, so none leaves the SVG
while the page is parsed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from html import unescape

import tinycss2
from tinycss2 import ast
from tinycss2.serializer import serialize_string_value, serialize_url

from ..files.svgfindings import Notes
from ..files.svgparse import Node, Parser
from ..files.svgrules import XLINK_NS, XML_NS
from ..files.svgserialize import write
from ..render.html import content_security_policy

FIGURE_CLASS = "svg-figure"  # web.css sizes inlined figures by it
# attributes that hold a list of ids (ARIA's references)
_ID_LISTS = {"aria-labelledby", "aria-describedby", "aria-controls", "aria-owns",
             "aria-flowto", "aria-details", "aria-errormessage", "aria-activedescendant"}
_ROOT_NAMING = {"role", "aria-label", "aria-labelledby", "aria-hidden"}  # the alt text's
_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "math",
            "emoji", "fangsong", "ui-serif", "ui-sans-serif", "ui-monospace", "ui-rounded"}
_GLOBAL = {"inherit", "initial", "unset", "revert", "revert-layer"}
_LEGACY_PSEUDO = {"before", "after", "first-line", "first-letter"}
_PX = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(px)?\s*")
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;"})


_IMG = re.compile(r'<img src="([^"]*)" alt="([^"]*)">')  # as source/renderer.py writes it
_PAGE_NAMES = re.compile(r'\s(?:id|class)="([^"]*)"')
_CSP = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(">)')


def inline_figures(page: str, svgs: dict[str, bytes], families: list[str]) -> str:
    """``page`` with each ``<img>`` of an SVG in ``svgs`` (sanitized bytes, by the URL the
    page shows it at) replaced by the SVG itself, and its Content-Security-Policy made
    again for the styles the figures brought."""
    if not svgs:
        return page
    taken = {name for names in _PAGE_NAMES.findall(page) for name in names.split()}
    count = 0
    styles: list[str] = []

    def fresh() -> str:
        nonlocal count
        while True:
            count += 1
            prefix = f"svg{count}"
            if not any(i == prefix or i.startswith(prefix + "-") for i in taken):
                return prefix

    def swap(m: re.Match[str]) -> str:
        data = svgs.get(unescape(m.group(1)))
        if data is None:  # a raster image
            return m.group(0)
        markup, css = inline_svg(data, unescape(m.group(2)), fresh(), families)
        styles.extend(css)
        return markup

    page = _IMG.sub(swap, page)
    policy = content_security_policy(page).split("; ")
    extra = style_hashes(styles)
    policy = [p + "".join(f" {h}" for h in extra if h not in p.split())
              if p.startswith("style-src ") else p for p in policy]
    return _CSP.sub(lambda m: m.group(1) + "; ".join(policy) + m.group(3), page, count=1)


def inline_svg(data: bytes, alt: str, prefix: str, families: list[str]) -> tuple[str, list[str]]:
    """A sanitized SVG as markup for an HTML page, and the texts of its <style> elements
    as the browser will read them (for the page's Content-Security-Policy).

    ``prefix`` (``svg1``) must start no id of the page; ``families`` are the brand's
    families, the headings' first."""
    parser = Parser(Notes())
    parser.p.Parse(data, True)
    root = parser.root
    if root is None:  # the sanitizer wrote it: it has a root
        raise ValueError("not an SVG")
    styles: list[str] = []
    for node in _walk(root):
        node.attrs = [_attr(name, value, prefix + "-", families) for name, value in node.attrs]
        # every element carries the figure's class: its styles match nothing else, and
        # still match the copies <use> makes (which an ancestor selector would miss)
        classes = dict(node.attrs).get("class", "")
        node.attrs = [(k, v) for k, v in node.attrs if k != "class"]
        node.attrs.append(("class", " ".join([prefix, *classes.split()])))
        if node.tag == "style":
            css = "".join(c for c in node.children if isinstance(c, str))
            node.children = [_scoped_stylesheet(css, prefix, families)]
            styles.append(str(node.children[0]))
    _root_attributes(root, alt, prefix, families)
    return _serialize(root), styles


def style_hashes(styles: list[str]) -> list[str]:
    """CSP sources for the inlined <style> texts, as the browser decodes them."""
    return sorted({"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
                   + "'" for s in styles})


def _walk(root: Node) -> Iterator[Node]:
    todo = [root]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(reversed([c for c in node.children if isinstance(c, Node)]))


# ---------------------------------------------------------------- attributes


def _attr(name: str, value: str, prefix: str, families: list[str]) -> tuple[str, str]:
    ns, _, local = name.rpartition(" ")
    shown = {XLINK_NS: "xlink:", XML_NS: "xml:"}.get(ns, "") + local
    if ns == XML_NS:
        return shown, value
    if local == "id":
        return shown, prefix + value
    if local == "class":
        return shown, " ".join(prefix + c for c in value.split())
    if local == "href":
        ref = value.strip()
        return shown, "#" + prefix + ref[1:] if ref.startswith("#") and len(ref) > 1 else value
    if local in _ID_LISTS:
        return shown, " ".join(prefix + i for i in value.split())
    if local == "style":
        lowered = value.lower()
        if "url(" in lowered or "font-family" in lowered or "\\" in value:
            return shown, _declarations(value, prefix, families)
        return shown, value
    if local == "font-family":
        return shown, _family_value(value, families)
    if "url(" in value.lower() or "\\" in value:
        tokens = tinycss2.parse_component_value_list(value)
        changed = _refs(tokens, prefix)
        return shown, tinycss2.serialize(changed) if changed != tokens else value
    return shown, value


def _root_attributes(root: Node, alt: str, prefix: str, families: list[str]) -> None:
    """The root's id (``prefix`` when it has none), its name, class, size and what it
    would have inherited as an image."""
    attrs = dict(root.attrs)
    kept = [(k, v) for k, v in root.attrs if k not in _ROOT_NAMING and k not in ("id", "class")]
    classes = " ".join([FIGURE_CLASS, *attrs.get("class", "").split()])
    head = [("id", attrs.get("id") or prefix), ("class", classes)]
    head += [("role", "img"), ("aria-label", alt)] if alt.strip() else [("aria-hidden", "true")]
    if "viewBox" not in attrs:
        width = _PX.fullmatch(attrs.get("width", ""))
        height = _PX.fullmatch(attrs.get("height", ""))
        if width and height:
            kept.append(("viewBox", f"0 0 {width.group(1)} {height.group(1)}"))
    # an <img> inherits nothing: its initial values, unless the figure sets its own
    for name, initial in (("direction", "ltr"), ("font-size", "16"), ("color", "black"),
                          ("font-style", "normal"), ("font-weight", "normal"),
                          ("font-family", _family_value("", families))):
        if name not in attrs:
            kept.append((name, initial))
    root.attrs = head + kept


def _family_value(value: str, families: list[str]) -> str:
    """A font-family list with the brand's families after those it names (before any
    generic family, which would otherwise hand the rest to the reader's fonts)."""
    if value.strip().lower() in _GLOBAL:
        return value
    named: list[str] = []
    generic: list[str] = []
    for item in _split(tinycss2.parse_component_value_list(value)):
        words = [t for t in item if t.type != "whitespace"]
        if len(words) == 1 and words[0].type == "string":
            named.append(str(words[0].value))
        elif words and all(t.type == "ident" for t in words):
            name = " ".join(str(t.value) for t in words)
            (generic if len(words) == 1 and name.lower() in _GENERIC else named).append(name)
        elif words:  # var() or what no browser reads as a family: left as written
            return value
    seen = {n.lower() for n in named}
    named += [f for f in families if f.lower() not in seen]
    return ", ".join([f'"{serialize_string_value(n)}"' for n in named] + generic)


# ---------------------------------------------------------------- CSS


def _split(tokens: list) -> list[list]:
    """Component values split at the top level's commas."""
    parts: list[list] = [[]]
    for token in tokens:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _refs(tokens: list, prefix: str) -> list:
    """``tokens`` with every ``url(#x)`` (and ``url("#x")``) pointing at ``#<prefix>x``."""
    out = []
    for token in tokens:
        if token.type == "url" and str(token.value).strip().startswith("#"):
            target = "#" + prefix + str(token.value).strip()[1:]
            token = ast.URLToken(token.source_line, token.source_column, target,
                                 f"url({serialize_url(target)})")
        elif token.type == "function":
            args = token.arguments
            if token.lower_name == "url":
                args = [_string("#" + prefix + str(t.value)[1:], t)
                        if t.type == "string" and str(t.value).startswith("#") else t
                        for t in args]
            else:
                args = _refs(args, prefix)
            if args != token.arguments:
                token = ast.FunctionBlock(token.source_line, token.source_column, token.name, args)
        elif token.type in ("() block", "[] block", "{} block"):
            content = _refs(token.content, prefix)
            if content != token.content:
                kind = {"() block": ast.ParenthesesBlock, "[] block": ast.SquareBracketsBlock,
                        "{} block": ast.CurlyBracketsBlock}[token.type]
                token = kind(token.source_line, token.source_column, content)
        out.append(token)
    return out


def _string(value: str, at: ast.Node) -> ast.StringToken:
    return ast.StringToken(at.source_line, at.source_column, value,
                           f'"{serialize_string_value(value)}"')


def _declarations(css: str | list, prefix: str, families: list[str]) -> str:
    """A declaration list with its references prefixed and its families completed."""
    out = []
    for item in tinycss2.parse_declaration_list(css, skip_comments=True, skip_whitespace=True):
        if item.type != "declaration":
            continue  # the sanitizer kept none
        if item.lower_name == "font-family":
            value = _family_value(tinycss2.serialize(item.value), families)
        else:
            value = tinycss2.serialize(_refs(item.value, prefix)).strip()
        out.append(f"{item.name}: {value}" + (" !important" if item.important else ""))
    return "; ".join(out)


def _scoped_stylesheet(css: str, scope: str, families: list[str]) -> str:
    """The figure's stylesheet with every rule limited to the figure (whose elements all
    have the class ``scope``) and its class and id selectors prefixed."""
    prefix = scope + "-"
    out = []
    levels = [iter(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))]
    while levels:
        rule = next(levels[-1], None)
        if rule is None:
            levels.pop()
            if levels:
                out.append("}")
            continue
        if rule.type == "qualified-rule":
            selector = _scoped_selector(rule.prelude, scope, prefix)
            if selector is not None:  # else a selector no browser reads: nor would it here
                out.append(f"{selector} {{ {_declarations(rule.content, prefix, families)} }}")
        elif rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content:
            out.append(f"@media {tinycss2.serialize(rule.prelude).strip()} {{")
            levels.append(iter(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                        skip_whitespace=True)))
    return "\n".join(out)


def _scoped_selector(prelude: list, scope: str, prefix: str) -> str | None:
    """``a, b`` as ``.S:is(a), .S:is(b)``: each selector matches only elements of the
    figure (class ``S``); a pseudo-element stays outside ``:is()``, which cannot hold
    one. None for a selector list with a stray bracket (the browser drops such a rule;
    wrapped, a stray ``)`` could close our ``:is(`` early)."""
    out = []
    for part in _split(prelude):
        tokens = _prefixed(part, prefix)
        if any(t.type == "literal" and t.value in (")", "]", "}") for t in tokens):
            return None
        base, pseudo = tokens, []
        for i, token in enumerate(tokens):
            if token.type == "literal" and token.value == ":":
                following = tokens[i + 1] if i + 1 < len(tokens) else None
                double = following is not None and following.type == "literal" \
                    and following.value == ":"
                legacy = following is not None and following.type == "ident" \
                    and following.lower_value in _LEGACY_PSEUDO
                if double or legacy:
                    base, pseudo = tokens[:i], tokens[i:]
                    break
        inner = tinycss2.serialize(base).strip()
        out.append(f".{scope}" + (f":is({inner})" if inner else "")
                   + tinycss2.serialize(pseudo).strip())
    return ", ".join(out)


def _prefixed(tokens: list, prefix: str) -> list:
    """A selector's ``#id`` and ``.class`` with the figure's prefix, inside :not() and
    :is() too."""
    out = []
    after_dot = False
    for token in tokens:
        if token.type == "hash" and token.is_identifier:
            token = ast.HashToken(token.source_line, token.source_column,
                                  prefix + token.value, True)
        elif token.type == "ident" and after_dot:
            token = ast.IdentToken(token.source_line, token.source_column,
                                   prefix + token.value)
        elif token.type == "function":
            token = ast.FunctionBlock(token.source_line, token.source_column, token.name,
                                      _prefixed(token.arguments, prefix))
        after_dot = token.type == "literal" and token.value == "."
        out.append(token)
    return out


# ---------------------------------------------------------------- writing


def _serialize(root: Node) -> str:
    """The tree as HTML's foreign content: every element closed, text escaped (the
    parser decodes it again, inside <style> too); no recursion."""
    return write(root, _TEXT, _ATTR)
