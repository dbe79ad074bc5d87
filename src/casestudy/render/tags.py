"""The PDF's structure tree: each part of the brief tagged as what it is.

A screen reader knows only what the structure tree says. WeasyPrint builds that tree
from a fixed table of HTML elements (``_get_pdf_tag`` in ``weasyprint/pdf/tags.py``),
in which a footnote, a note call, the contents, a figure, emphasis and every generated
label are ``/NonStruct``: nothing a reader can name. During a render only
(:func:`pdf_tags`), this module wraps that table and the function that walks the
boxes (``_build_box_tree``), so that:

- an element whose template sets ``data-pdf-tag`` gets that standard type (the
  contents are ``/TOC`` and ``/TOCI``), and ``data-pdf-title`` becomes its ``/T``
  (the key points box: a titled ``/Sect``);
- what the Markdown renderer writes is tagged by its class (:data:`CLASSES`): a
  footnote is a ``/Note`` with the ``/ID`` PDF/UA-1 requires, its call a
  ``/Reference``, its number a ``/Lbl``, a table's caption a ``/Caption``;
- elements WeasyPrint leaves anonymous get the standard type that fits
  (:data:`ELEMENTS`), generated labels (list markers, note numbers) are ``/Lbl``;
- a run of right-to-left text (drawn in visual order) has its ``/ActualText``;
- every ``/TH`` has a ``/Scope`` (``/Row`` for ``scope="row"``, else ``/Column``);
- the anonymous boxes layout adds (a heading's text beside its decorative rule, the
  footnote area) are not elements of their own, and empty decorations are dropped;
- each ``/Note`` is moved from the foot of the page to just after its call, so that
  a reader reaches it from the call and the tree reads in the order of the source.

Page furniture is drawn as artifacts: WeasyPrint marks the text of the margin boxes
(running heads, "Page N of M") as tagged content of elements it then leaves out of the
tree; here ``Stream.marked`` draws whatever a margin box holds as ``/Artifact``, and
the walker skips margin boxes. The output is deterministic
(no new input, nothing unordered), so builds stay reproducible. The walker's shape is
checked before it is wrapped (:func:`shape_problem`); WeasyPrint is pinned to the
versions this is tested with, and a test fails if the shape changes.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import unicodedata
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)

# The walker and the table this module wraps, as WeasyPrint 70 has them (with
# document.draw_page and Stream.marked, for the page furniture).
WALKER_PARAMETERS = ("box", "parent", "pdf", "page_number", "nums", "annotations", "tags")
TABLE_PARAMETERS = ("tag",)
TESTED_WITH = "70."  # WeasyPrint versions whose tagging this has been tested against

# The standard structure types of PDF 1.7 (ISO 32000-1, 14.8.4), those PDF/UA-1 allows.
STANDARD = frozenset({
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI",
    "Index", "NonStruct", "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L",
    "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span",
    "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB", "RT",
    "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form"})

# HTML elements WeasyPrint tags /NonStruct, and the standard type that says what they are.
ELEMENTS = {
    "nav": "Div", "header": "Div", "footer": "Div", "aside": "Div", "figure": "Div",
    "address": "P", "pre": "P", "hr": "Div",
    "em": "Span", "strong": "Span", "i": "Span", "b": "Span", "u": "Span", "s": "Span",
    "sup": "Span", "sub": "Span", "small": "Span", "mark": "Span", "abbr": "Span",
    "cite": "Span", "dfn": "Span", "del": "Span", "ins": "Span", "time": "Span",
    "bdi": "Span", "bdo": "Span", "data": "Span", "var": "Span",
    "code": "Code", "kbd": "Code", "samp": "Code", "q": "Quote",
}
# Markup the Markdown renderer writes (source/renderer.py, source/blocks.py), by class.
CLASSES = {
    "footnote": "Note",        # a print footnote: the floated span
    "fn-again": "Reference",   # a second call of the same note
    "caption": "Caption",      # a table's numbered caption, above the table
    "bib-entry": "BibEntry",   # an entry of the bibliography
}
# Generated content (pseudo-elements), by pseudo-element.
PSEUDO = {
    "marker": "Lbl", "footnote-marker": "Lbl", "footnote-call": "Reference",
    "before": "Span", "after": "Span",
}
# Types whose parts on two pages stay apart: a table row or cell belongs to its page's
# grid (a repeated table head is drawn again on each page).
_SPLIT_APART = frozenset({"/TR", "/TD", "/TH", "/THead", "/TBody", "/TFoot", "/Table",
                          "/Figure", "/Link"})
# Types that stay even when empty or anonymous: a table's cells keep its grid.
_KEPT = frozenset({"/TD", "/TH", "/TR", "/THead", "/TBody", "/TFoot", "/Table", "/LI",
                   "/LBody", "/Lbl", "/Figure", "/Link", "/TOCI", "/Note", "/Reference"})


def shape_problem() -> str | None:
    """Why WeasyPrint's tagging cannot be wrapped here, or None when it can."""
    import weasyprint  # here: only a render loads WeasyPrint
    from weasyprint.pdf import tags

    walker = getattr(tags, "_build_box_tree", None)
    table = getattr(tags, "_get_pdf_tag", None)
    if walker is None or table is None:
        return f"WeasyPrint {weasyprint.__version__} has no _build_box_tree/_get_pdf_tag"
    if tuple(inspect.signature(walker).parameters) != WALKER_PARAMETERS:
        return f"WeasyPrint {weasyprint.__version__}: _build_box_tree takes other arguments"
    if tuple(inspect.signature(table).parameters) != TABLE_PARAMETERS:
        return f"WeasyPrint {weasyprint.__version__}: _get_pdf_tag takes other arguments"
    from weasyprint import document
    from weasyprint.pdf import stream

    if tuple(inspect.signature(document.draw_page).parameters) != ("page", "stream"):
        return f"WeasyPrint {weasyprint.__version__}: draw_page takes other arguments"
    if tuple(inspect.signature(stream.Stream.marked).parameters) != ("self", "box", "tag"):
        return f"WeasyPrint {weasyprint.__version__}: Stream.marked takes other arguments"
    if not weasyprint.__version__.startswith(TESTED_WITH):
        return (f"WeasyPrint {weasyprint.__version__} is not {TESTED_WITH}x, which tags.py "
                "is tested with")
    return None


def pdf_tag(box: Any, weasy_tag: str) -> str:
    """The structure type of ``box``, given the one WeasyPrint's table gives it."""
    element = box.element
    if element is None or not isinstance(box.element_tag, str):
        return weasy_tag
    if getattr(box, "link_annotation", None) is not None:
        return "Link"  # a link's annotation belongs in a /Link (<cite> inside <a>)
    base, _, pseudo = box.element_tag.partition("::")
    if pseudo:
        if base == "a":  # a link's generated text carries the link's annotation
            return weasy_tag
        return PSEUDO.get(pseudo, weasy_tag)
    explicit = element.get("data-pdf-tag")
    if explicit:
        if explicit in STANDARD:
            return explicit
        logger.warning("data-pdf-tag=%r on <%s> is not a standard structure type",
                       explicit, base)
    for name in (element.get("class") or "").split():
        if name in CLASSES:
            return CLASSES[name]
    if weasy_tag == "NonStruct":
        return ELEMENTS.get(base, weasy_tag)
    return weasy_tag


class _Tagging:
    """One render's state: the box being tagged, the notes and their calls."""

    def __init__(self, walker: Any, table: Any, anonymous: type) -> None:
        self.walker = walker
        self.table = table
        self.anonymous = anonymous
        self.box: Any = None
        self.holder: dict[int, Any] = {}  # id(element) -> the element whose /K holds it
        self.notes: dict[str, Any] = {}   # note id -> its /Note
        self.calls: dict[str, Any] = {}   # note id -> its call's /Reference
        self.placed: set[str] = set()
        self.first: dict[tuple[int, str], Any] = {}  # (element, tag) -> its first part
        self.furniture: set[int] = set()  # ids of the boxes in margin boxes
        self.pdf: Any = None

    def get_pdf_tag(self, tag: str | None) -> str:
        weasy_tag = self.table(tag)
        box = self.box
        if box is None or box.element_tag != tag:
            return weasy_tag
        return pdf_tag(box, weasy_tag)

    def build_box_tree(self, box: Any, parent: Any, pdf: Any, page_number: int,
                       nums: Any, annotations: Any, tags: Any) -> Iterator[Any]:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout.absolute import AbsolutePlaceholder

        self.pdf = pdf
        own = box._box if isinstance(box, AbsolutePlaceholder) else box
        if isinstance(own, boxes.MarginBox):
            return  # drawn as artifacts (marked below): no element, no marked content
        logical = _right_to_left(own, tags, boxes)
        self.box = own  # read by get_pdf_tag, which the walker calls first thing
        elements = list(self.walker(box, parent, pdf, page_number, nums, annotations, tags))
        self.box = None
        if logical:
            self._actual_text(elements, logical)
        passed = own.element_tag in ("html", "body") or isinstance(own, boxes.PageBox)
        result: list[Any] = []
        for element in elements:
            if passed:
                result.append(element)
            else:
                result.extend(self._finish(own, element, parent))
        for element in result:
            self.holder[id(element)] = parent
        if isinstance(own, boxes.PageBox):
            self._place_notes(result)
        yield from result

    def _finish(self, box: Any, element: Any, parent: Any) -> list[Any]:
        """``element`` as it goes into the tree: attributes added, or its kids instead."""
        kind = str(element["S"])
        source = box.element
        if kind == "/Note" and source is not None and source.get("id"):
            key = source.get("id")
            first = self.notes.get(key)
            if first is not None and first is not element:  # the rest of a note on the next page
                self._adopt(first, element)
                return []
            self.notes[key] = element
            element["ID"] = _string(key)
        elif (kind == "/Reference" and source is not None
              and str(box.element_tag).endswith("::footnote-call") and source.get("id")):
            self.calls[source.get("id")] = element
        elif kind == "/TH":
            scope = "/Row" if source is not None and source.get("scope") == "row" else "/Column"
            element["A"]["Scope"] = scope
        if source is not None and source.get("data-pdf-title") and "::" not in str(
                box.element_tag) and not isinstance(box.style, self.anonymous):
            element["T"] = _string(source.get("data-pdf-title"))
        holds_content = any(isinstance(kid, int) or self._object(kid).get("Type") == "/OBJR"
                            for kid in element["K"])
        anonymous = source is None or isinstance(box.style, self.anonymous)
        if not anonymous and not holds_content and kind not in _SPLIT_APART:
            # an element a page break cut in two is one element, as in the source
            key = (id(source), str(box.element_tag))
            first = self.first.setdefault(key, element)
            if first is not element and first["S"] == element["S"] and first["Pg"] != element["Pg"]:
                self._adopt(first, element)
                return []
        if kind in _KEPT or holds_content:
            return [element]
        if not element["K"]:
            element.clear()  # an empty decoration (a rule drawn by ::before): nothing to read
            return []
        if anonymous and kind in ("/NonStruct", str(parent["S"]), "/Span"):
            return self._unwrap(element, parent)  # a box layout made, not an element
        return [element]

    def _actual_text(self, elements: list[Any], logical: dict[int, str]) -> None:
        """Give each run of right-to-left text its text in reading order: the page draws
        it in visual order, and a reader of the marked content would get it backwards."""
        for element in elements:
            for ref in element.get("K", ()):
                if isinstance(ref, int):
                    continue
                kid = self._object(ref)
                kids: list[Any] = list(kid.get("K") or ())
                if len(kids) == 1 and isinstance(kids[0], int) and kids[0] in logical:
                    kid["ActualText"] = _string(logical[kids[0]])

    def _unwrap(self, element: Any, parent: Any) -> list[Any]:
        kids = [self._object(ref) for ref in element["K"]]
        for kid in kids:
            if kid.get("Type") == "/StructElem":
                kid["P"] = parent.reference
        element.clear()  # written as an empty dictionary, referenced by nothing
        return kids

    def _adopt(self, first: Any, rest: Any) -> None:
        for ref in rest["K"]:
            kid = self._object(ref)
            kid["P"] = first.reference
            self.holder[id(kid)] = first
            first["K"].append(ref)
        rest.clear()

    def _object(self, ref: bytes) -> Any:
        return self.pdf.objects[int(ref.split()[0])]

    def _place_notes(self, page_elements: list[Any]) -> None:
        """Move each note found so far from the page's foot to just after its call."""
        for key, note in self.notes.items():
            call = self.calls.get(key)
            if call is None or key in self.placed:
                continue
            self.placed.add(key)
            here = self.holder.get(id(note))
            if note in page_elements:
                page_elements.remove(note)
            elif here is not None:
                here["K"] = type(here["K"])(k for k in here["K"] if k != note.reference)
            target = self.holder[id(call)]
            kids = target["K"]
            kids.insert(kids.index(call.reference) + 1, note.reference)
            note["P"] = target.reference
            self.holder[id(note)] = target


    def draw_page(self, draw: Any, page: Any, stream: Any) -> None:
        """WeasyPrint's draw_page, the boxes of the page's margin boxes noted first."""
        from weasyprint.formatting_structure import boxes

        for child in page.children:
            if isinstance(child, boxes.MarginBox):
                self.furniture.update(id(box) for box in child.descendants(placeholders=True))
        draw(page, stream)

    def marked(self, marked: Any, stream: Any, box: Any, tag: str) -> Any:
        if id(box) in self.furniture:
            return stream.artifact()
        return marked(stream, box, tag)


def _right_to_left(box: Any, tags: Any, boxes: Any) -> dict[int, str]:
    """The marked-content id and text of each text box of ``box`` with right-to-left
    letters (Arabic, Hebrew...)."""
    found: dict[int, str] = {}
    for child in getattr(box, "children", ()):
        for leaf in child.children if isinstance(child, boxes.LineBox) else [child]:
            if isinstance(leaf, boxes.TextBox) and leaf in tags and any(
                    unicodedata.bidirectional(ch) in ("R", "AL") for ch in leaf.text):
                found[tags[leaf]["mcid"]] = leaf.text
    return found


def _string(text: str) -> Any:
    import pydyf

    return pydyf.String(text)


@contextlib.contextmanager
def pdf_tags() -> Iterator[None]:
    """While inside, WeasyPrint tags the PDF through this module (see the docstring)."""
    from weasyprint import document
    from weasyprint.css import AnonymousStyle
    from weasyprint.pdf import stream, tags

    problem = shape_problem()
    if problem is not None:
        logger.warning("%s: the PDF is tagged by WeasyPrint alone", problem)
        yield
        return
    walker, table = tags._build_box_tree, tags._get_pdf_tag
    if isinstance(getattr(walker, "__self__", None), _Tagging):  # nested: already in place
        yield
        return
    state = _Tagging(walker, table, AnonymousStyle)
    draw, marked = document.draw_page, stream.Stream.marked
    tags._build_box_tree, tags._get_pdf_tag = state.build_box_tree, state.get_pdf_tag
    document.draw_page = functools.partial(state.draw_page, draw)
    stream.Stream.marked = lambda self, box, tag: state.marked(marked, self, box, tag)
    try:
        yield
    finally:
        tags._build_box_tree, tags._get_pdf_tag = walker, table
        document.draw_page, stream.Stream.marked = draw, marked
