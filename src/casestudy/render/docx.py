"""A checked study as a Word document for reviewers: ``build --format docx``.

Every section file is read by pandoc's CommonMark reader with ``sourcepos``, which
gives each block and each word its line and column. Each block of a section is then
marked in the document by a bookmark named after where it came from
(``cs_<section>_<first line>_<last line>``), placed at the start of its first
paragraph, so that a review can tell which Markdown lines each paragraph of the Word
copy stands for (word/review.py). Our own shapes become Word's: ``::: table`` a table
with its caption, ``::: figure`` and ``::: chart`` a picture with its alt text and its
caption, ``::: pullquote`` a styled paragraph. A citation becomes a Zotero citation
field carrying its item's CSL JSON, which Word with Zotero can edit and which the
importer reads back as ``[@key]``.

Reproducible: the zip is written again with the study's date on every member and in
the document properties, so the same input gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..brand.chart import chart_style
from ..brand.model import Brand
from ..errors import BuildError
from ..files.bidi import reads_ltr
from ..files.fetch import Refused, local_image
from ..files.pandoc import elements, run_pandoc
from ..source.chart import load_chart, parse_settings
from ..source.labels import direction
from ..source.section import Block as SourceBlock
from .docxcite import citation_end, citation_keys, library_items, zotero_field
from .docxstyle import reproducible
from .draw import drawn

if TYPE_CHECKING:
    from ..source.load import Study

# the house's Markdown as pandoc's CommonMark reads it, less what the house never reads
READER = ("commonmark_x-raw_html-raw_attribute-emoji-tex_math_dollars"
          "-alerts-task_lists-implicit_header_references+sourcepos")
MARK = "cs"
CHART_SRC = "\ue000chart-"
# cs_<section>_<first line>_<last line>_<digest of those lines>: 40 characters at most,
# as Word wants; the digest tells a review when the sources changed since the copy
MARK_NAME = re.compile(r"^cs_(\d+)_(\d+)_(\d+)_([0-9a-f]{8})$")
MARK_TEXT = r"cs_\d+_\d+_\d+_[0-9a-f]{8}"
BOOKMARK_BASE = 900_000  # above the ids pandoc gives its own bookmarks
_POS = re.compile(r"(\d+):(\d+)-(\d+):(\d+)$")


@dataclass(frozen=True)
class Marked:
    """A block of a section as the Word copy marks it."""

    name: str  # the bookmark's name
    path: Path  # the section file
    first: int  # its lines, 1-based, inclusive
    last: int


@dataclass
class WordCopy:
    """The document pandoc writes (its JSON), and what each bookmark stands for."""

    doc: dict[str, Any]
    marked: dict[str, Marked] = field(default_factory=dict)
    texts: dict[Path, str] = field(default_factory=dict)  # each section file's text


def position(attr: Any) -> tuple[int, int, int, int] | None:
    """(line, col, end line, end col) of a sourcepos ``data-pos`` attribute."""
    for key, value in attr[2]:
        if key == "data-pos":
            found = _POS.search(value.split(";")[0])
            if found:
                return tuple(int(n) for n in found.groups())  # type: ignore[return-value]
    return None


def read_section(path: Path, text: str) -> list[Any]:
    """pandoc's blocks of one section file, every block and word with its place."""
    out = run_pandoc(["-f", READER, "-t", "json"], text.encode("utf-8"), path,
                     "read the section")
    return json.loads(out)["blocks"]


def _str(text: str) -> dict[str, Any]:
    return {"t": "Str", "c": text}


def _raw(xml: str) -> dict[str, Any]:
    return {"t": "RawInline", "c": ["openxml", xml]}


def plain_text(inlines: Any) -> str:
    """The text of ``inlines``, notes left out, spaces and breaks as one space."""
    parts: list[str] = []
    for node in elements(inlines, skip=("Note",)):
        if node.get("t") == "Str":
            parts.append(node["c"])
        elif node.get("t") in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
    return "".join(parts)


class Shaper:
    """One study's blocks made into the Word copy's, each marked with its source."""

    def __init__(self, study: Study, items: dict[str, dict[str, Any]], brand: Brand) -> None:
        self.study, self.items, self.brand = study, items, brand
        self.rtl = study.meta is not None and direction(study.meta.language) == "rtl"
        self.copy = WordCopy({})
        self.bookmarks = 0
        self.fields = 0
        self.charts_drawn = 0
        self.drawn_charts: dict[str, bytes] = {}
        self.charts: dict[int, SourceBlock] = {}

    def section(self, index: int, path: Path, text: str,
                blocks: list[SourceBlock]) -> list[Any]:
        self.copy.texts[path] = text
        self.charts = {b.line: b for b in blocks if b.kind == "chart"}
        self.path, self.index, self.text = path, index, text
        self.lines = text.splitlines(keepends=True)
        out: list[Any] = []
        for block in read_section(path, text):
            out += self.top(block)
        return out

    def top(self, block: dict[str, Any]) -> list[Any]:
        """A block of the section (or of a note), marked with its lines."""
        attr = (block["c"][1] if block["t"] == "Header" else block["c"][0]
                if block["t"] in ("Div", "Table", "Figure", "CodeBlock") else None)
        where = position(attr) if attr is not None else _extent(block)
        shaped = self.block(block)
        if where is None or not shaped:
            return shaped
        first = where[0]
        last = min(where[2] - (1 if where[3] == 1 else 0), len(self.lines))
        while last > first and not self.lines[last - 1].strip():
            last -= 1
        last = max(first, last)
        digest = hashlib.sha256("".join(self.lines[first - 1:last]).encode()).hexdigest()
        name = f"{MARK}_{self.index}_{first}_{last}_{digest[:8]}"
        self.bookmarks += 1
        number = BOOKMARK_BASE + self.bookmarks
        mark = _raw(f'<w:bookmarkStart w:id="{number}" w:name="{name}"/>'
                    f'<w:bookmarkEnd w:id="{number}"/>')
        if _prepend(shaped, mark):  # a rule between paragraphs has no text to mark
            self.copy.marked[name] = Marked(name, self.path, first, last)
        return shaped

    def block(self, block: dict[str, Any]) -> list[Any]:
        kind = block["t"]
        if kind == "Div":
            attr, content = block["c"]
            classes = attr[1]
            if "table" in classes:
                return self.table(content)
            if "chart" in classes:
                return self.chart(content, (position(attr) or (0,))[0])
            if "figure" in classes:
                return self.figure(content, False)
            if "pullquote" in classes:
                return [{"t": "Div", "c": [["", [], [["custom-style", "Pull Quote"]]],
                                           self.blocks(content)]}]
            language = _with_direction([[k, v] for k, v in attr[2] if k in ("lang", "dir")])
            if language:  # ::: {lang=he}: Word's proofing language, and its direction
                return [{"t": "Div", "c": [["", [], language], self.blocks(content)]}]
            return self.blocks(content)
        if kind == "CodeBlock":  # a paragraph of code, so that it can carry a bookmark
            inlines: list[Any] = []
            for line in block["c"][1].split("\n"):
                inlines += [{"t": "LineBreak"}] if inlines else []
                inlines.append({"t": "Code", "c": [["", [], []], line]})
            return [{"t": "Div", "c": [["", [], [["custom-style", "Code Lines"]]],
                                       [{"t": "Para", "c": inlines}]]}]
        return [self.walk(block)]

    def blocks(self, blocks: list[Any]) -> list[Any]:
        out: list[Any] = []
        for block in blocks:
            out += self.block(block)
        return out

    def table(self, content: list[Any]) -> list[Any]:
        caption = [b for b in content if _starts(b, "Caption:")]
        rest = self.blocks([b for b in content if not _starts(b, "Caption:")])
        for block in rest:
            specs = block["c"][2] if block.get("t") == "Table" else []
            if specs and all(spec[1].get("t") == "ColWidthDefault" for spec in specs):
                for spec in specs:  # the page's width, shared: Word would squeeze them
                    spec[1] = {"t": "ColWidth", "c": 1 / len(specs)}
            if block.get("t") == "Table" and caption:
                block["c"][1] = [None, [{"t": "Plain", "c": _after_label(
                    self.walk(_inlines(caption[0])))}]]
        return rest

    def figure(self, content: list[Any], chart: bool) -> list[Any]:
        caption = [b for b in content if _starts(b, "Caption:")]
        inlines = self.walk(_after_label(_inlines(caption[0]))) if caption else []
        out: list[Any] = []
        for block in content:
            if block in caption:
                continue
            images = _images(block)
            if images:
                for image in images:  # the alt text printed, for reviewers to review
                    out += self.picture(image, inlines)
                    out.append({"t": "Div", "c": [["", [], [["custom-style", "Alt Text"]]], [
                        {"t": "Para", "c": [_str("Alt text:"), {"t": "Space"},
                                            *self.walk(image["c"][1])]}]]})
                chart = False  # what follows the picture is the author's
            elif chart and not _starts(block, "Source:"):
                continue  # the chart's settings: what Word shows is the chart
            else:
                out += self.block(block)
        if chart and not _images(out):  # a chart block the checker did not see
            out.insert(0, {"t": "Para", "c": [_str("Chart:"), {"t": "Space"}, *inlines]})
        return out

    def chart(self, content: list[Any], line: int) -> list[Any]:
        """A chart drawn as the brief draws it, with its alt text, caption and source."""
        spec = self.charts.get(line)
        if spec is None:
            return self.figure(content, True)
        settings, problems = parse_settings(spec.settings, self.path, self.study.charts)
        chart, problems = (load_chart(self.study.root, self.path, settings, spec.line,
                                      self.study.charts) if not problems else (None, problems))
        if chart is None:  # check reports it, located, before any build
            first = next(p for p in problems if p.is_error)
            raise BuildError(first.message, first.path, first.line, first.col)
        self.charts_drawn += 1
        svg = drawn(chart, chart_style(self.brand.colors, self.brand),
                    f"figure-{self.charts_drawn}", None)
        token = f"{CHART_SRC}{self.charts_drawn}"  # no src an author can write
        self.drawn_charts[token] = svg.encode("utf-8")
        image = {"t": "Image", "c": [["", [], [["descr", chart.alt_text]]],
                                     [_str(chart.alt_text)], [token, ""]]}
        return self.figure([*content[:1], {"t": "Para", "c": [image]}, *content[1:]], True)

    def picture(self, image: dict[str, Any], caption: list[Any]) -> list[Any]:
        attr, alt, (src, title) = image["c"]
        if src in self.drawn_charts:
            url = "data:image/svg+xml;base64," + \
                base64.b64encode(self.drawn_charts[src]).decode("ascii")
        else:
            try:
                path = local_image(self.study.root, src, self.path.parent)
                data = path.read_bytes()
            except (Refused, OSError) as exc:
                raise BuildError(f"the picture {src} cannot be read: {exc}",
                                 self.path) from None
            kind = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                    ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"
                    }.get(path.suffix.lower(), "application/octet-stream")
            url = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
        alt_text = plain_text(alt)
        image = {"t": "Image", "c": [["", [], [["descr", alt_text]]], self.walk(alt),
                                     [url, title]]}
        # not a Figure: pandoc's Word writer puts a figure in a table of its own
        return [{"t": "Para", "c": [image]},
                {"t": "Div", "c": [["", [], [["custom-style", "Image Caption"]]],
                                   [{"t": "Para", "c": caption}]]}]

    def walk(self, node: Any) -> Any:
        if isinstance(node, list):
            return self.inlines(node) if node and isinstance(node[0], dict) and \
                node[0].get("t") in INLINE else [self.walk(child) for child in node]
        if not isinstance(node, dict):
            return node
        if node.get("t") == "Note":
            return {"t": "Note", "c": [b for block in node["c"] for b in self.top(block)]}
        if self.rtl and node.get("t") in ("Para", "Plain", "Header") and reads_ltr(
                plain_text(node["c"][2] if node["t"] == "Header" else node["c"])):
            # English in a Hebrew study reads left to right, as in its PDF
            walked = {**node, "c": self.walk(node["c"])}
            return {"t": "Div", "c": [["", [], [["dir", "ltr"]]], [walked]]}
        if node.get("t") == "Span":  # [שלום]{lang=he}: right to left in Word too
            (ident, classes, pairs), content = node["c"]
            return {"t": "Span", "c": [[ident, classes, _with_direction(pairs)],
                                       self.walk(content)]}
        if "c" in node:
            return {**node, "c": self.walk(node["c"])}
        return node

    def inlines(self, inlines: list[Any]) -> list[Any]:
        """Inlines with ``[@key]`` citations made Zotero fields (CommonMark has none)."""
        out: list[Any] = []
        i = 0
        while i < len(inlines):
            end = citation_end(inlines, i)
            if end is not None:
                out.append(self.citation(inlines[i:end + 1]))
                i = end + 1
                continue
            out.append(self.walk(inlines[i]))
            i += 1
        return out

    def citation(self, run: list[Any]) -> dict[str, Any]:
        start, stop = position(run[0]["c"][0]), position(run[-1]["c"][0])
        assert start is not None and stop is not None
        written = _slice(self.lines, start[0], start[1], stop[2], stop[3])
        keys = citation_keys(written)
        self.fields += 1
        # the span keeps where the citation was written, for the review
        return {"t": "Span", "c": [["", ["citation"], [
            ["data-pos", f"{start[0]}:{start[1]}-{stop[2]}:{stop[3]}"],
            ["keys", " ".join(keys)]]], [_raw(zotero_field(keys, self.items, self.fields))]]}


INLINE = {"Str", "Space", "SoftBreak", "LineBreak", "Emph", "Strong", "Span", "Link",
          "Image", "Code", "Note", "Cite", "Quoted", "RawInline", "Math", "Strikeout",
          "Superscript", "Subscript", "SmallCaps", "Underline"}


def _extent(block: Any) -> tuple[int, int, int, int] | None:
    """Where a block without a place of its own (a note's paragraph) was written: from
    the first to the last of its words."""
    found = [where for node in elements(block, skip=("Note",))
             if node.get("t") == "Span" and (where := position(node["c"][0]))]
    if not found:
        return None
    return min(found)[:2] + max((w[2], w[3]) for w in found)


def _slice(lines: list[str], l1: int, c1: int, l2: int, c2: int) -> str:
    if l1 == l2:
        return lines[l1 - 1][c1 - 1:c2 - 1]
    return "".join([lines[l1 - 1][c1 - 1:], *lines[l1:l2 - 1], lines[l2 - 1][:c2 - 1]])


def _inlines(block: dict[str, Any]) -> list[Any]:
    if block.get("t") == "Div":
        return _inlines(block["c"][1][0]) if block["c"][1] else []
    return list(block.get("c", [])) if block.get("t") in ("Para", "Plain") else []


def _starts(block: dict[str, Any], label: str) -> bool:
    return plain_text(_inlines(block)).startswith(label)


def _after_label(inlines: list[Any]) -> list[Any]:
    """A ``Caption:`` line's inlines after the label (and the space after it)."""
    out = list(inlines)
    seen = ""
    while out and ":" not in seen:
        seen += plain_text([out.pop(0)])
    while out and plain_text([out[0]]).strip() == "":
        out.pop(0)
    return out


def _images(block: Any) -> list[dict[str, Any]]:
    return [node for node in elements(block, skip=("Image",)) if node.get("t") == "Image"]


def _prepend(blocks: list[Any], mark: dict[str, Any]) -> bool:
    """Put ``mark`` first in the first paragraph Word writes of ``blocks``."""
    stack: list[Any] = list(reversed(blocks))
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        kind = node.get("t")
        if kind in ("Para", "Plain", "Header"):
            inlines = node["c"][2] if kind == "Header" else node["c"]
            inlines.insert(0, mark)
            return True
        if kind == "Div":
            stack.extend(reversed(node["c"][1]))
        elif kind == "Table":
            caption = node["c"][1][1]
            if caption:
                stack.extend(reversed(caption))
            else:
                stack.extend(reversed(_cells(node)))
        elif kind == "Figure":
            stack.extend(reversed(node["c"][2]))
        elif kind in ("BulletList",):
            stack.extend(reversed([b for item in node["c"] for b in item]))
        elif kind == "OrderedList":
            stack.extend(reversed([b for item in node["c"][1] for b in item]))
        elif kind == "BlockQuote":
            stack.extend(reversed(node["c"]))
    return False


def _cells(table: dict[str, Any]) -> list[Any]:
    head, bodies = table["c"][3], table["c"][4]
    rows = list(head[1]) + [r for body in bodies for r in body[2] + body[3]]
    return [b for row in rows for cell in row[1] for b in cell[4]]


def word_copy(study: Study, brand: Brand) -> WordCopy:
    """The Word copy of ``study`` as pandoc's JSON, and its bookmarks' sources."""
    assert study.meta is not None
    shaper = Shaper(study, library_items(study), brand)
    blocks: list[Any] = []
    for index, section in enumerate(study.sections):
        if section.parsed is None:
            continue
        blocks += shaper.section(index, section.path, section.parsed.text,
                                 section.parsed.blocks)
    meta = study.meta
    doc = {"pandoc-api-version": [1, 23, 1], "blocks": blocks, "meta": {
        "title": {"t": "MetaInlines", "c": [_str(meta.title)]},
        "subtitle": {"t": "MetaInlines", "c": [_str(meta.subtitle)]},
        "author": {"t": "MetaList", "c": [{"t": "MetaInlines", "c": [_str(a.name)]}
                                          for a in meta.authors]},
        "date": {"t": "MetaInlines", "c": [_str(meta.date.isoformat())]},
        "lang": {"t": "MetaInlines", "c": [_str(meta.language)]},
        # a right-to-left study is right to left in Word: every paragraph and run
        "dir": {"t": "MetaString", "c": direction(meta.language)}}}
    shaper.copy.doc = doc
    return shaper.copy


def docx_bytes(copy: WordCopy, reference: Path | None, blame: Path,
               stamp: tuple[int, ...]) -> bytes:
    """The .docx of ``copy`` in the styles of ``reference``, the same bytes every time:
    each zip member and the document's dates at ``stamp`` (the study's date)."""
    doc = json.loads(json.dumps(copy.doc))
    doc["pandoc-api-version"] = _api_version(blame)
    styles = ["--reference-doc", str(reference)] if reference is not None else []
    data = run_pandoc(["-f", "json", "-t", "docx", *styles, "-o", "-"],
                      json.dumps(doc).encode("utf-8"), blame, "write the Word copy")
    return reproducible(data, stamp)


def _api_version(blame: Path) -> list[int]:
    out = run_pandoc(["-f", "markdown", "-t", "json"], b"", blame, "start")
    return list(json.loads(out)["pandoc-api-version"])


def _with_direction(pairs: list[list[str]]) -> list[list[str]]:
    """A lang attribute given its direction, as the PDF and the web edition take it from
    the language's script (pandoc's Word writer reads ``dir``, not the language); a
    ``dir`` the author wrote stays."""
    given = dict((k, v) for k, v in pairs)
    if "lang" in given and "dir" not in given:
        return [*pairs, ["dir", direction(given["lang"])]]
    return pairs
