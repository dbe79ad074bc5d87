"""The sanitized tree written out as UTF-8 XML, always in the SVG namespace, without
recursion; the same tree always gives the same bytes, so reproducible PDFs stay so."""

from __future__ import annotations

from .svgparse import Node
from .svgrules import SVG_NS, XLINK_NS

_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;",
                       "\r": "&#13;"})
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def serialize(root: Node) -> bytes:
    """The kept tree as UTF-8 XML, always in the SVG namespace; no recursion."""
    nodes = [root]
    uses_xlink = False
    while nodes and not uses_xlink:
        node = nodes.pop()
        uses_xlink = any(k.startswith("xlink:") for k, _ in node.attrs)
        nodes.extend(c for c in node.children if isinstance(c, Node))
    namespaces = f' xmlns="{SVG_NS}"' + (f' xmlns:xlink="{XLINK_NS}"' if uses_xlink else "")
    return (write(root, _TEXT, _ATTR, namespaces) + "\n").encode("utf-8")


def write(root: Node, text: dict[int, str], attr: dict[int, str], root_attrs: str = "") -> str:
    """The tree as markup, every element closed, its text and attribute values escaped by
    the ``text`` and ``attr`` tables (str.translate's); ``root_attrs`` written first on
    the root. No recursion: the web edition writes the same tree inline with this too."""
    out: list[str] = []
    todo: list[Node | str | tuple[str]] = [root]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            out.append(item.translate(text))
        elif isinstance(item, tuple):
            out.append(item[0])
        else:
            attrs = "".join(f' {k}="{v.translate(attr)}"' for k, v in item.attrs)
            if item is root:
                attrs = root_attrs + attrs
            if item.children:
                out.append(f"<{item.tag}{attrs}>")
                todo.append((f"</{item.tag}>",))
                todo.extend(reversed(item.children))
            else:
                out.append(f"<{item.tag}{attrs}/>")
    return "".join(out)
