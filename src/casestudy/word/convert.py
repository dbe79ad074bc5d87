"""A checked draft to the study's Markdown, by pandoc: its docx reader (with ``citations``,
off by default for docx) gives the document as pandoc's JSON; here it is cut into the
schema's sections and put in the house's shapes (``::: figure`` and ``::: table`` with
their ``Caption:`` lines, citations under readable keys); pandoc's Markdown writer then
writes each section, its notes at its end. Every pandoc run goes through
files/pandoc.py: sandboxed, no network, under the one time and memory limit.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from ..files.pandoc import run_pandoc
from ..source.schema import PLACEHOLDER, SECTIONS, SectionSpec
from .package import Docx
from .scan import Comment
from .sections import match_heading

# pandoc's Markdown, less what the house's Markdown does not read (attributes, spans,
# grid and multiline tables, raw HTML): what it cannot write otherwise it says plainly
WRITER = ("markdown-fancy_lists-bracketed_spans-native_spans-native_divs-raw_attribute"
          "-link_attributes-inline_code_attributes-fenced_code_attributes-header_attributes-simple_tables"
          "-multiline_tables-grid_tables-smart-escaped_line_breaks-raw_html-implicit_figures"
          "-fenced_divs-table_captions-definition_lists-line_blocks-example_lists"
          "-subscript-superscript-strikeout-tex_math_dollars-raw_tex-yaml_metadata_block")
_NUMBERED = re.compile(r"^(?:Figure|Fig\.|Table|Chart)\s+\d+[.:]?\s*", re.I)


@dataclass
class Section:
    spec: SectionSpec
    blocks: list[Any] = field(default_factory=list)
    markdown: str = ""


@dataclass
class Converted:
    """The draft as the study will hold it, before anything is written."""

    title: str = ""
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    sections: dict[str, Section] = field(default_factory=dict)  # by section id
    references: list[dict[str, Any]] = field(default_factory=list)  # CSL JSON, draft's ids
    images: dict[str, str] = field(default_factory=dict)  # figure src -> zip member
    unmatched: list[str] = field(default_factory=list)  # report lines
    lost: list[str] = field(default_factory=list)


def read_ast(package: Docx, track: str) -> dict[str, Any]:
    """pandoc's JSON of the draft (tracked changes accepted or rejected: ``track``)."""
    out = run_pandoc(["-f", "docx+citations", "-t", "json", f"--track-changes={track}"],
                     package.data, package.path, "read the Word draft")
    return json.loads(out)


def csl_items(ast: dict[str, Any], package: Docx) -> list[dict[str, Any]]:
    """The draft's citation items (Zotero's, Mendeley's, EndNote's) as CSL JSON."""
    if "references" not in ast.get("meta", {}):
        return []
    doc = {**ast, "meta": {"references": ast["meta"]["references"]}, "blocks": []}
    out = run_pandoc(["-f", "json", "-t", "csljson"], json.dumps(doc).encode(),
                     package.path, "read the draft's citations")
    items = json.loads(out or b"[]")
    return items if isinstance(items, list) else []


def stringify(value: Any) -> str:
    """The plain text of pandoc JSON (inlines, blocks or a meta value)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            kind = node.get("t")
            if kind in ("Str", "MetaString"):
                parts.append(node["c"])
            elif kind in ("Space", "SoftBreak", "LineBreak"):
                parts.append(" ")
            elif kind in ("Note", "Image"):
                return
            elif kind == "Cite":
                walk(node["c"][1])
            elif kind in ("Para", "Plain", "Header"):
                walk(node["c"])
                parts.append(" ")
            elif "c" in node:
                walk(node["c"])
    walk(value)
    return " ".join("".join(parts).split())


def split_sections(ast: dict[str, Any], adjective: str, out: Converted) -> None:
    """The blocks under each top-level heading, in the section it names. A heading of no
    section becomes a subheading of the section before it (or after, at the start), with
    a TODO line there that ``check`` reports; text before the first heading likewise."""
    current: Section | None = None
    waiting: list[Any] = []  # blocks before the first matched heading
    for block in ast.get("blocks", []):
        if block["t"] == "Header" and block["c"][0] == 1:
            text = stringify(block["c"][2])
            spec, near = match_heading(text, adjective)
            if spec is not None:
                current = out.sections.setdefault(spec.id, Section(spec))
                if waiting:
                    current.blocks[:0] = waiting
                    out.unmatched.append(_went_first(spec, adjective))
                    waiting = []
                continue
            hint = f' (did you mean "{near}"?)' if near else ""
            where = f'section "{current.spec.default_heading(adjective)}"' if current else \
                "the first section"
            out.unmatched.append(f'the heading "{text}" names no section{hint}: its text '
                                 f"went into {where}, under a TODO line")
            block = {"t": "Header", "c": [2, block["c"][1], block["c"][2]]}
            note = _todo(f'the Word heading "{text}" names no section of the schema{hint}; '
                         "its text is below: move it to its section, then delete this line.")
            (current.blocks if current else waiting).extend([note, block])
            continue
        if current is None:
            if not waiting:
                waiting.append(_todo("this text came before the first section heading of "
                                     "the Word draft: move it to its section, then delete "
                                     "this line."))
            waiting.append(block)
        else:
            current.blocks.append(block)
    if waiting:  # no heading named a section: all of it goes into the first one
        out.sections[SECTIONS[0].id] = Section(SECTIONS[0], waiting)
        out.unmatched.append(_went_first(SECTIONS[0], adjective))


def _went_first(spec: SectionSpec, adjective: str) -> str:
    return (f'text before the first section heading went into "{spec.default_heading(adjective)}"'
            ", under a TODO line")


def _todo(text: str) -> dict[str, Any]:
    return {"t": "Para", "c": [{"t": "Str", "c": f"{PLACEHOLDER} (import): {text}"}]}


def _raw(text: str) -> dict[str, Any]:
    return {"t": "RawBlock", "c": ["markdown", text]}


def _caption_para(caption: list[Any]) -> list[Any]:
    """A ``Caption:`` paragraph from a Word caption, its "Figure 1:" numbering dropped
    (the brief numbers figures and tables itself)."""
    inlines = [i for block in caption for i in block.get("c", []) if isinstance(i, dict)]
    if not inlines:
        return []
    if inlines[0].get("t") == "Str" and len(inlines) > 2 and \
            _NUMBERED.match(stringify(inlines[:3]) + " "):
        inlines = inlines[4:] if inlines[3:4] and inlines[3]["t"] == "Space" else inlines[3:]
    return [{"t": "Para", "c": [{"t": "Str", "c": "Caption:"}, {"t": "Space"}, *inlines]}]


class Shaper:
    """Puts one section's blocks into the house's shapes; notes what it could not."""

    def __init__(self, keys: dict[str, str], figures: dict[str, str],
                 refused: dict[str, str], out: Converted) -> None:
        self.keys, self.figures, self.refused, self.out = keys, figures, refused, out

    def blocks(self, blocks: list[Any]) -> list[Any]:
        shaped: list[Any] = []
        for block in blocks:
            kind = block.get("t")
            if kind == "Figure":
                images = self._images(block["c"][2])
                shaped += [_raw("::: figure"), *self.walk(images),
                           *self.walk(_caption_para(block["c"][1][1])), _raw(":::")]
            elif kind == "Table":
                caption = _caption_para(block["c"][1][1])
                block["c"][1] = [None, []]
                shaped += [_raw("::: table"), *self.walk(caption), self.walk(block),
                           _raw(":::")]
            elif kind in ("Para", "Plain") and len(block["c"]) == 1 and \
                    block["c"][0].get("t") == "Image" and block["c"][0]["c"][2][0] in self.figures:
                shaped += [_raw("::: figure"), self.walk(block), _raw(":::")]
            else:
                shaped.append(self.walk(block))
        return shaped

    @staticmethod
    def _images(content: list[Any]) -> list[Any]:
        return [b for b in content if b.get("t") in ("Para", "Plain")]

    def walk(self, node: Any) -> Any:
        if isinstance(node, list):
            out: list[Any] = []
            for child in node:
                if isinstance(child, dict) and child.get("t") == "Underline":
                    out.extend(self.walk(child["c"]))  # Word underlines links: no markup
                elif isinstance(child, dict) and child.get("t") in ("Div", "Span"):
                    out.extend(self.walk(child["c"][1]))  # Word's styles: no markup here
                else:
                    out.append(self.walk(child))
            return out
        if not isinstance(node, dict):
            return node
        kind = node.get("t")
        if kind == "Cite":
            for citation in node["c"][0]:
                citation["citationId"] = self.keys.get(citation["citationId"],
                                                       citation["citationId"])
            return {"t": "Cite", "c": [node["c"][0], []]}  # the key, not Word's text
        if kind == "Image":
            attr, alt, (src, title) = node["c"]
            if src in self.figures:
                if not stringify(alt):  # check would refuse the build: a TODO it warns of
                    self.out.unmatched.append(f"the picture {self.figures[src]} has no alt "
                                              "text in Word: a TODO stands in its place")
                    alt = [{"t": "Str", "c": f"{PLACEHOLDER}: what the picture shows, for "
                                             "readers who cannot see it"}]
                return {"t": "Image", "c": [["", [], []], self.walk(alt),
                                            [f"../figures/{self.figures[src]}", ""]]}
            reason = self.refused.get(src, "it is not a picture in the package")
            return {"t": "Str", "c": f"{PLACEHOLDER} (import): a picture ({src}) could not "
                                     f"be carried over: {reason}."}
        if kind == "Note":
            return {"t": "Note", "c": self.blocks(node["c"])}
        if "c" in node:
            return {**node, "c": self.walk(node["c"])}
        return node


def place_comments(section_blocks: dict[str, Section], comments: list[Comment],
                   adjective: str) -> list[str]:
    """Each comment as a TODO paragraph after the paragraph it was written on (so
    ``check`` reports it there); report lines saying where each went."""
    said = []
    for comment in comments:
        text = (f"Word comment by {comment.author or 'an unknown reviewer'}"
                + (f' on "{comment.anchor}"' if comment.anchor else "") + f": {comment.text}")
        target = None
        for section in section_blocks.values():
            for i, block in enumerate(section.blocks):
                if comment.anchor and comment.anchor in stringify(block):
                    target = (section, i + 1)
                    break
            if target:
                break
        if target is None and section_blocks:
            first = next(iter(section_blocks.values()))
            target = (first, len(first.blocks))
        if target is not None:
            target[0].blocks.insert(target[1], _todo(text))
            heading = target[0].spec.default_heading(adjective)
            said.append(f'comment by {comment.author} at {comment.place}: now a TODO line in '
                        f'"{heading}"')
    return said


def write_markdown(sections: list[tuple[Section, str]], package: Docx,
                   api: list[int]) -> None:
    """Each section's Markdown (``section.markdown``): its heading as the schema gives it,
    then its blocks and its notes. One pandoc run for all: each section under a heading
    only this run can hold, its notes placed at the section's end (--reference-location)."""
    marker = f"casestudy-section-{secrets.token_hex(8)}"
    blocks: list[Any] = []
    for number, (section, _heading) in enumerate(sections):
        blocks.append({"t": "Header", "c": [1, ["", [], []],
                                            [{"t": "Str", "c": f"{marker}-{number}"}]]})
        blocks += section.blocks
    doc = {"pandoc-api-version": api, "meta": {}, "blocks": blocks}
    out = run_pandoc(["-f", "json", "-t", WRITER, "--wrap=none", "--reference-location=section"],
                     json.dumps(doc).encode(), package.path,
                     "write the sections").decode("utf-8")
    parts = re.split(rf"^# {marker}-(\d+)\n", out, flags=re.M)
    for index, body in zip(parts[1::2], parts[2::2], strict=True):
        section, heading = sections[int(index)]
        body = re.sub(r"^:::\n(?=\S)", ":::\n\n", body, flags=re.M)  # a fence on its own
        section.markdown = f"# {heading}\n\n{body.strip()}\n"
