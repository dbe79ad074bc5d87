"""Which schema section a draft's top-level heading names, and whether a study's section
is still the template's placeholder (which an import may fill) or an author's text
(which it never touches)."""

from __future__ import annotations

import difflib
import re

from ..source.schema import PLACEHOLDER, SECTIONS, SectionSpec

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_STRUCTURE = re.compile(r"^\s*(?:#+\s|:::|\|[\s|:-]*\|?\s*$|\[\^[^\]]+\]:\s*$)")


def _plain(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").casefold().split()).rstrip(".:")


def match_heading(text: str, adjective: str) -> tuple[SectionSpec | None, str | None]:
    """The section a heading names (by its heading as ``new`` writes it, case aside, or by
    its id), or None and the nearest heading to suggest ("did you mean ...")."""
    wanted = _plain(text)
    headings = {_plain(spec.default_heading(adjective)): spec for spec in SECTIONS}
    if wanted in headings:
        return headings[wanted], None
    for spec in SECTIONS:
        if wanted in (spec.id, spec.id.replace("-", " "), spec.filename.removesuffix(".md")):
            return spec, None
    near = difflib.get_close_matches(wanted, list(headings), n=1, cutoff=0.6)
    if not near:  # "Security of supply chains": the start of a heading is a hint too
        near = [h for h in headings if h.split(":")[0] and wanted.startswith(h.split(":")[0])
                or h.startswith(wanted.split(":")[0][:16])][:1]
    return None, headings[near[0]].default_heading(adjective) if near else None


def is_placeholder(text: str) -> bool:
    """True when a section holds no words of an author's: every line that is not
    structure (a heading, a div fence, a table rule, an empty note) holds TODO, as the
    template's stubs do; comments (the chart example) are ignored."""
    rest = _COMMENT.sub("", text)
    lines = [line for line in rest.splitlines() if line.strip()]
    body = [line for line in lines[1:] if not _STRUCTURE.match(line)]
    return all(PLACEHOLDER in line or _table_header(line) for line in body)


def _table_header(line: str) -> bool:
    """A stub table's header row (``| Year | Buyer |``): the template's, not the author's."""
    return line.strip().startswith("|") and len(line.split()) < 16
