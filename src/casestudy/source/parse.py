"""Parse a section once and collect what the checker needs (never raises on author input).

Headings, words, footnotes and their calls, images, links, raw HTML, placeholders,
citations, the ``:::`` blocks and what they hold, nesting past the parser's limits,
attributes we do not take (``attrs.py``) and syntax that would print as typed
(``literal.py``). The tokens are kept for the renderer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it.token import Token

from .attrs import LOOSE
from .literal import literal_lines, literal_text, unclosed
from .schema import PLACEHOLDER
from .section import Block, Locator, ParsedSection, Ref
from .syntax import COMMENT, MD, inline_text

NUMBERED = ("figure", "table", "chart")  # captioned blocks; a chart is numbered as a figure
# markdown-it caps block nesting (quotes, lists) but not inline nesting: 2,000 asterisks
# around a word make 1,000 nested <strong>, and the PDF renderer recurses once per level
MAX_INLINE_NESTING = 20
WORD = re.compile(r"[^\W_](?:[\w’'.,-]*[^\W_])?")
_PLACEHOLDER = re.compile(rf"\b{PLACEHOLDER}\b")


def parse_section(text: str) -> ParsedSection:
    """Parse a section's Markdown; never raises on author input."""
    env: dict[str, Any] = {}
    tokens = MD.parse(text, env)
    lines = text.splitlines()
    out = ParsedSection(text=text, tokens=[])
    for n, text_line in enumerate(lines):
        for m in _PLACEHOLDER.finditer(text_line):
            out.placeholders.append(Ref(m.group(), n + 1, m.start() + 1))

    out.too_deep = _too_deep(tokens)
    for i, tok in enumerate(tokens):
        if tok.type == "paragraph_open":
            literal_lines(tokens[i + 1], lines, out)
    label: str | None = None
    block: Block | None = None
    skip_words = 0  # depth inside tables and figures, whose words are not body text
    for i, tok in enumerate(tokens):
        if tok.type == "footnote_reference_open":
            label = tok.meta["label"]
            line = (tok.map or [0])[0] + 1
            ref = Ref(label, line, 1)
            if label in out.footnote_defs:
                out.duplicate_defs.append(ref)
            else:
                out.footnote_defs[label] = ref
                out.footnote_tokens[label] = []
            continue
        if tok.type == "footnote_reference_close":
            label = None
            continue
        if label is not None:
            if label in out.footnote_tokens and out.footnote_defs[label].line == line:
                out.footnote_tokens[label].append(tok)
            if (tok.type.startswith("container_") or tok.type == "lang_block_open") \
                    and tok.nesting == 1:
                name = tok.info.strip().split(" ")[0]
                at = (tok.map or [0])[0]
                col = len(lines[at]) - len(lines[at].lstrip()) + 1 if at < len(lines) else 1
                hint = ("; mark the note's words with [text]{lang=..} instead"
                        if name.startswith("{") else "; move it into the text")
                out.literal.append(Ref(f"a '::: {name}' block cannot be inside a footnote"
                                       + hint, at + 1, col))
            before = len(out.footnote_refs)
            _scan_inline(tok, lines, out, None, count_words=False, after=f"[^{label}]:")
            out.nested_refs += (Ref(r.value, r.line, r.col, label)
                                for r in out.footnote_refs[before:])
            continue
        if tok.type == "inline":
            _attach_notes(tok)
        out.tokens.append(tok)
        if tok.type == "lang_block_open":
            _block_attrs(tok, lines, out)
            unclosed(tok, lines, out)
        elif tok.type.startswith("container_") and tok.type.endswith("_open"):
            block = Block(tok.info.strip().split(" ")[0], (tok.map or [0])[0] + 1)
            out.blocks.append(block)
            unclosed(tok, lines, out)
            _after_name(tok, lines, out)
            if block.kind in NUMBERED:
                skip_words += 1
        elif tok.type.startswith("container_") and tok.type.endswith("_close"):
            if block and block.kind in NUMBERED:
                skip_words -= 1
            block = None
        elif tok.type == "heading_open" and i + 1 < len(tokens):
            line = (tok.map or [0])[0] + 1
            title = inline_text(tokens[i + 1])
            if tok.tag == "h1" and out.heading is None and line == 1:
                out.heading = title
            else:
                out.subheadings.append(Ref(title, line, 1, tok.tag))
        elif tok.type == "bullet_list_open":
            out.has_list = True
        elif tok.type == "table_open" and block is not None:
            block.has_table = True
        elif tok.type in ("html_block", "html_inline"):
            line = (tok.map or [0])[0] + 1
            if not COMMENT.match(tok.content):
                out.raw_html.append(Ref(tok.content.strip()[:40], line, 1))
        elif tok.type == "inline":
            is_heading = i > 0 and tokens[i - 1].type == "heading_open"
            if block is not None and block.kind == "chart":
                block.settings += chart_settings(tok, lines)
            _scan_inline(tok, lines, out, block, count_words=not is_heading and not skip_words)
    return out


def chart_settings(tok: Token, lines: Sequence[str]) -> list[tuple[str, int, int]]:
    """The lines of a chart block's paragraph (not Caption/Source), with line and column."""
    if tok.content.startswith(("Caption:", "Source:")) or not tok.map:
        return []
    out = []
    for n, text in enumerate(tok.content.split("\n")):
        line = tok.map[0] + n
        source = lines[line] if line < len(lines) else text
        out.append((text.strip(), line + 1, max(source.find(text.strip()), 0) + 1))
    return out


def _block_attrs(tok: Token, lines: Sequence[str], out: ParsedSection) -> None:
    """What is wrong with a ``::: {…}`` line's attributes, at its brace."""
    at = (tok.map or [0])[0]
    col = (lines[at].find("{") + 1) if at < len(lines) else 1
    for message in tok.meta.get("attr_problems", []):
        out.literal.append(Ref(message, at + 1, col))


def _after_name(tok: Token, lines: Sequence[str], out: ParsedSection) -> None:
    """Text after a series block's name (``::: pullquote {lang=he}``) would be ignored."""
    name, _, rest = tok.info.strip().partition(" ")
    if not rest.strip():
        return
    at = (tok.map or [0])[0]
    line = lines[at] if at < len(lines) else ""
    col = line.find(rest.strip()) + 1 or 1
    hint = (f"; to set a language, put the block inside '::: {rest.strip()}' … ':::'"
            if rest.strip().startswith("{") else "")
    out.literal.append(Ref(f"'::: {name}' takes nothing after its name, and {rest.strip()!r} "
                           f"would be ignored{hint}", at + 1, col))


def _loose(run: str, where: Locator, out: ParsedSection) -> None:
    """Attributes markdown-it left as text (after a link, an image, a heading, emphasis):
    pandoc would read them, we would print them."""
    for m in LOOSE.finditer(run):
        out.literal.append(Ref(f"attributes {m.group()!r} are only read right after [text] "
                               "(a span) or on a '::: {…}' line; here they would print as "
                               "typed", *where.find(m.group())))


_CONTAINER_OPENS = ("blockquote_open", "bullet_list_open", "ordered_list_open",
                    "list_item_open")


def _too_deep(tokens: list[Token]) -> Ref | None:
    """Where block nesting reaches markdown-it's limit, past which it drops the text."""
    limit = MD.options["maxNesting"] - 1
    for tok in tokens:
        if tok.nesting == 1 and tok.level >= limit and (
                tok.type in _CONTAINER_OPENS or tok.type.startswith("container_")):
            return Ref(str(MD.options["maxNesting"]), (tok.map or [0])[0] + 1, 1)
    return None


def _scan_inline(tok: Token, lines: Sequence[str], out: ParsedSection, block: Block | None,
                 count_words: bool, after: str = "") -> None:
    """Record what ``tok`` holds; positions are searched for past ``after`` (a note's
    own label, which would otherwise be found for a call of itself)."""
    if tok.type == "html_block" and not COMMENT.match(tok.content):
        out.raw_html.append(Ref(tok.content.strip()[:40], (tok.map or [0])[0] + 1, 1))
    if tok.type != "inline":
        return
    where = Locator(lines, tok.map)
    if after:
        where.search(after)
    depth = 0
    for nested in tok.children or []:
        depth += nested.nesting
        if depth > MAX_INLINE_NESTING and out.inline_too_deep is None:
            out.inline_too_deep = Ref(str(MAX_INLINE_NESTING), (tok.map or [0])[0] + 1, 1)
    text = tok.content
    run = ""  # consecutive text children: what prints as typed
    braces = Locator(lines, tok.map)
    for child in [*(tok.children or []), None]:
        if child is not None and child.type == "text":
            run += child.content
        elif run:
            literal_text(run, lines, tok.map, out)
            _loose(run, braces, out)
            run = ""
    if block is not None:
        for prefix, attr in (("Caption:", "caption"), ("Source:", "source")):
            if text.startswith(prefix):
                setattr(block, attr, text[len(prefix):].strip())
    spans: list[Token] = []
    for child in tok.children or []:
        if child.type == "span_open":
            spans.append(child)
        elif child.type == "span_close" and spans:
            problems = spans.pop().meta.get("attr_problems", [])
            line, col = where.find("]{", 1)
            out.literal += (Ref(message, line, col) for message in problems)
        elif child.type == "text" and count_words:
            out.words += len(WORD.findall(child.content))
        elif child.type == "citation":
            for key in (item.key for item in child.meta["items"]):
                out.citations.append(Ref(key, *(where.search(f"@{key}")
                                                or where.find(f"@{{{key}"))))
        elif child.type == "footnote_ref":
            label = child.meta["label"]
            out.footnote_refs.append(Ref(label, *where.find(f"[^{label}]")))
        elif child.type == "image":
            src = str(child.attrs.get("src", ""))
            alt = "".join(c.content for c in child.children or [])
            line, col = where.find("![")
            ref = Ref(src, line, col, alt)
            out.images.append(ref)
            if block is not None:
                block.images.append(ref)
        elif child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            # the source may spell the URL differently (entities, %-escapes): then point
            # at the destination after "](", or at the "<" of an autolink
            line, col = ((href and where.search(href)) or where.search("](", 2)
                         or where.find("<"))
            out.links.append(Ref(href, line, col))
        elif child.type == "html_inline" and not COMMENT.match(child.content):
            out.raw_html.append(Ref(child.content[:40], *where.find(child.content)))

_AFTER_NOTE = re.compile(r"^[.,;:!?]+")


def _attach_notes(inline: Token) -> None:
    """A citation in the running text becomes a note call, set as pandoc sets it in a
    note style: the space before ``[@key]`` goes, and punctuation right after it moves
    before the call ("a claim [@key]." reads "a claim.¹")."""
    children = inline.children or []
    for i, child in enumerate(children):
        if child.type != "citation" or child.meta["mode"] != "normal" or i == 0:
            continue
        before = children[i - 1]
        if before.type != "text":
            continue
        before.content = before.content.rstrip(" \t")
        after = children[i + 1] if i + 1 < len(children) else None
        mark = _AFTER_NOTE.match(after.content) if after and after.type == "text" else None
        if after is not None and mark:
            before.content += mark.group()
            after.content = after.content[mark.end():]
