"""Markdown sections: parse once, report what the checker needs, render safe HTML.

One markdown-it preset for the whole series: CommonMark, GFM tables, footnotes,
typographic quotes and dashes, and four containers (``::: figure``, ``::: table``,
``::: chart``, ``::: pullquote``). Raw HTML is never passed through: it is parsed so that the
checker can point at it, then rendered as visible text. Links are allow-listed
(http, https, mailto, #fragment) by the checker and again by the renderer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from ..files.fetch import SAFE_LINK
from .citations import Citer, citation_plugin
from .schema import PLACEHOLDER

CONTAINERS = ("figure", "table", "chart", "pullquote")
NUMBERED = ("figure", "table", "chart")  # captioned blocks; a chart is numbered as a figure
# markdown-it caps block nesting (quotes, lists) but not inline nesting: 2,000 asterisks
# around a word make 1,000 nested <strong>, and the PDF renderer recurses once per level
MAX_INLINE_NESTING = 20
WORD = re.compile(r"[^\W_](?:[\w’'.,-]*[^\W_])?")
# An HTML comment and nothing else: an author's note (or the template's commented
# example), dropped from the output; any other raw HTML is an error.
COMMENT = re.compile(r"^\s*<!--(?:(?!-->).)*-->\s*$", re.S)
_PLACEHOLDER = re.compile(rf"\b{PLACEHOLDER}\b")


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": True, "linkify": True})
    md.enable(["table", "replacements", "smartquotes", "linkify"])  # bare URLs in notes
    # The inline rule links URLs written with their scheme; the core rule would add
    # "fuzzy" links (example.com, www.x) and costs half of all parsing time.
    md.core.ruler.disable("linkify")
    md.use(footnote_plugin, inline=False, move_to_end=False, always_match_refs=True)
    md.use(citation_plugin)  # [@key, 14]: pandoc's syntax, formatted by cite.py
    for name in CONTAINERS:
        md.use(container_plugin, name)
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # judged by us, located
    return md


MD = _markdown()


@dataclass
class Ref:
    """Something inline the checker may complain about, with its position (1-based)."""

    value: str
    line: int
    col: int
    extra: str = ""


@dataclass
class Block:
    """A container block (figure, table, pullquote) and what it holds."""

    kind: str
    line: int
    images: list[Ref] = field(default_factory=list)
    caption: str = ""
    source: str = ""
    has_table: bool = False
    settings: list[tuple[str, int, int]] = field(default_factory=list)  # chart: text, line, col


@dataclass
class ParsedSection:
    """A section file after parsing: body tokens and everything the checker looks at."""

    text: str
    tokens: list[Token]
    heading: str | None = None
    subheadings: list[Ref] = field(default_factory=list)
    words: int = 0
    footnote_refs: list[Ref] = field(default_factory=list)
    footnote_defs: dict[str, Ref] = field(default_factory=dict)
    footnote_tokens: dict[str, list[Token]] = field(default_factory=dict)
    duplicate_defs: list[Ref] = field(default_factory=list)
    nested_refs: list[Ref] = field(default_factory=list)  # a note cited in a note: extra=outer
    images: list[Ref] = field(default_factory=list)  # value=src, extra=alt
    links: list[Ref] = field(default_factory=list)
    raw_html: list[Ref] = field(default_factory=list)
    placeholders: list[Ref] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    citations: list[Ref] = field(default_factory=list)  # value=key, one per cited key
    has_list: bool = False
    too_deep: Ref | None = None  # quotes or lists nested past MAX_NESTING: text would be lost
    inline_too_deep: Ref | None = None  # emphasis nested past MAX_INLINE_NESTING
    literal: list[Ref] = field(default_factory=list)  # syntax that would print as typed


class _Locator:
    """Finds successive snippets inside a block's source lines, for exact columns."""

    def __init__(self, lines: Sequence[str], span: Sequence[int] | None):
        self.lines = lines
        self.start, self.end = (span[0], span[1]) if span else (0, 0)
        self.line, self.col = self.start, 0

    def find(self, needle: str, shift: int = 0) -> tuple[int, int]:
        return self.search(needle, shift) or (self.start + 1, 1)

    def search(self, needle: str, shift: int = 0) -> tuple[int, int] | None:
        """Line and column of ``needle`` (plus ``shift``) after the last find, or None."""
        for i in range(self.line, max(self.end, self.line + 1)):
            if i >= len(self.lines):
                break
            at = self.lines[i].find(needle, self.col if i == self.line else 0)
            if at >= 0:
                self.line, self.col = i, at + len(needle)
                return i + 1, at + 1 + shift
        return None


def _inline_text(token: Token) -> str:
    return "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline"))


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
            _literal_lines(tokens[i + 1], lines, out)
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
            if tok.type.startswith("container_") and tok.nesting == 1:
                name = tok.info.strip().split(" ")[0]
                at = (tok.map or [0])[0]
                col = len(lines[at]) - len(lines[at].lstrip()) + 1 if at < len(lines) else 1
                out.literal.append(Ref(f"a '::: {name}' block cannot be inside a footnote; "
                                       "move it into the text", at + 1, col))
            before = len(out.footnote_refs)
            _scan_inline(tok, lines, out, None, count_words=False, after=f"[^{label}]:")
            out.nested_refs += (Ref(r.value, r.line, r.col, label)
                                for r in out.footnote_refs[before:])
            continue
        if tok.type == "inline":
            _attach_notes(tok)
        out.tokens.append(tok)
        if tok.type.startswith("container_") and tok.type.endswith("_open"):
            block = Block(tok.info.strip().split(" ")[0], (tok.map or [0])[0] + 1)
            out.blocks.append(block)
            _unclosed(tok, lines, out)
            if block.kind in NUMBERED:
                skip_words += 1
        elif tok.type.startswith("container_") and tok.type.endswith("_close"):
            if block and block.kind in NUMBERED:
                skip_words -= 1
            block = None
        elif tok.type == "heading_open" and i + 1 < len(tokens):
            line = (tok.map or [0])[0] + 1
            title = _inline_text(tokens[i + 1])
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


def _unclosed(tok: Token, lines: Sequence[str], out: ParsedSection) -> None:
    """A container that runs to the end of the file: its closing ``:::`` is missing, and
    every line after it would be swallowed into the block."""
    start, end = tok.map or (0, 0)  # ``end``: the line of the closing fence, if any
    if end >= len(lines) or not lines[end].lstrip().startswith(":::"):
        name = tok.info.strip().split(" ")[0]
        out.literal.append(Ref(f"the '::: {name}' block is never closed: add a line ':::' "
                               "after its content", start + 1, 1))


# Markdown that markdown-it did not recognise, so that it would print as typed.
_LITERAL = (
    (re.compile(r"\[\^[^\]\n]*\]:?"), "{0!r} is not a footnote: write [^label] with no spaces "
     "(a note is '[^label]: text' at the start of a line)"),
    (re.compile(r"!\[[^\]\n]*\]"), "{0!r} is not an image: write ![alt text](path) with "
     "no space before '('"),
    (re.compile(r"\[[^\]\n]+\]\[[^\]\n]*\]"), "reference link {0!r} has no definition: write "
     "[text](https://...) instead"),
    (re.compile(r"\[//\]: #.*"), "{0!r} is a hidden comment only on a line of its own after a "
     "blank line; here it would print"),
)


def _literal_text(text: str, lines: Sequence[str], span: Sequence[int] | None,
                  out: ParsedSection) -> None:
    for pattern, message in _LITERAL:
        where = _Locator(lines, span)
        for m in pattern.finditer(text):
            # the source has straight quotes and hyphens where the text has typographic ones
            needle = re.split(r"[“”‘’–—…]", m.group())[0] or m.group()
            line, col = where.find(needle)
            typed = lines[line - 1][col - 1:col - 1 + len(m.group())] if lines else ""
            shown = typed if typed.startswith(needle) else m.group()
            out.literal.append(Ref(message.format(shown), line, col))


def _literal_lines(tok: Token, lines: Sequence[str], out: ParsedSection) -> None:
    """Lines of a paragraph that look like a block the parser did not take: a ``:::``
    fence that opens no known block (or closes none), or a table with no delimiter row."""
    start, end = tok.map or (0, 0)
    rows = [n for n in range(start, end) if lines[n].lstrip().startswith("|")]
    if len(rows) >= 2:
        out.literal.append(Ref("these lines look like a table but are not one: the second "
                               "line must be the delimiter row (| --- | --- |), with as many "
                               "cells as the first", rows[0] + 1, 1))
    opened = False  # an unknown block's own closing ':::' is not a second problem
    for n in range(start, end):
        line = lines[n].lstrip()
        if line.startswith(":::"):
            name = line[3:].strip().split(" ")[0]
            if opened and not name:
                continue
            opened = bool(name)
            text = (f"'::: {name}' is not a block of the series (use " + ", ".join(CONTAINERS)
                    + ")" if name else "':::' closes no block (is its opening line "
                    "misspelt, or is it one ':::' too many?)")
            out.literal.append(Ref(text + "; it would print as typed", n + 1,
                                   len(lines[n]) - len(line) + 1))


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
    where = _Locator(lines, tok.map)
    if after:
        where.search(after)
    depth = 0
    for nested in tok.children or []:
        depth += nested.nesting
        if depth > MAX_INLINE_NESTING and out.inline_too_deep is None:
            out.inline_too_deep = Ref(str(MAX_INLINE_NESTING), (tok.map or [0])[0] + 1, 1)
    text = tok.content
    run = ""  # consecutive text children: what prints as typed
    for child in [*(tok.children or []), None]:
        if child is not None and child.type == "text":
            run += child.content
        elif run:
            _literal_text(run, lines, tok.map, out)
            run = ""
    if block is not None:
        for prefix, attr in (("Caption:", "caption"), ("Source:", "source")):
            if text.startswith(prefix):
                setattr(block, attr, text[len(prefix):].strip())
    for child in tok.children or []:
        if child.type == "text" and count_words:
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


# ---------------------------------------------------------------- rendering


@dataclass
class RenderContext:
    """State shared across the sections of one brief: numbering and resources."""

    image_url: Callable[[str], str]  # author's src -> URL the renderer may use
    # a chart block's settings, its line and figure number -> the figure's content and
    # what follows the figure (the web edition's data table); render.py draws it
    chart: Callable[[list[tuple[str, int, int]], int, int], tuple[str, str]] | None = None
    mode: str = "print"  # "print": footnotes at the foot of the page; "web": endnotes
    footnotes: int = 0
    figures: int = 0
    tables: int = 0
    endnotes: list[tuple[int, str]] = field(default_factory=list)
    citer: Citer | None = None  # the brief's citations (cite.py), when it has any


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer with the series' rules for unsafe or special tokens."""

    def html_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                   env: EnvType) -> str:
        if COMMENT.match(tokens[idx].content):
            return ""  # an author's note to self: never printed
        return f'<p class="raw">{escape(tokens[idx].content)}</p>'

    def html_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                    env: EnvType) -> str:
        if COMMENT.match(tokens[idx].content):
            return ""
        return escape(tokens[idx].content)

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                  env: EnvType) -> str:
        href = str(tokens[idx].attrs.get("href", ""))
        if not SAFE_LINK.match(href):
            tokens[idx].meta["refused"] = True
            return ""
        return f'<a href="{escape(href)}">'

    def link_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                   env: EnvType) -> str:
        # the matching open is the nearest unmatched link_open before idx
        depth = 0
        for j in range(idx - 1, -1, -1):
            if tokens[j].type == "link_close":
                depth += 1
            elif tokens[j].type == "link_open":
                if depth == 0:
                    return "" if tokens[j].meta.get("refused") else "</a>"
                depth -= 1
        return ""

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
              env: EnvType) -> str:
        tok = tokens[idx]
        alt = escape("".join(c.content for c in tok.children or []))
        src = escape(env["ctx"].image_url(str(tok.attrs.get("src", ""))))
        return f'<img src="{src}" alt="{alt}">'

    def heading_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                     env: EnvType) -> str:
        level = min(int(tokens[idx].tag[1]) + 1, 6)  # the section heading is h2 in a brief
        slug = _slug(_inline_text(tokens[idx + 1]))
        return f'<h{level} id="{env["prefix"]}-{slug}">'

    def heading_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                      env: EnvType) -> str:
        return f"</h{min(int(tokens[idx].tag[1]) + 1, 6)}>\n"

    def ordered_list_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                          env: EnvType) -> str:
        # WeasyPrint does not read `start` (a presentational hint): set the counter it counts
        # list items with. Browsers read `start`; the web edition needs no style attribute.
        tok = tokens[idx]
        start = int(tok.attrs.get("start", 1))
        tag = tok.tag
        attrs = f' start="{start}"' if start != 1 else ""
        if "class" in tok.attrs:
            attrs += f' class="{escape(str(tok.attrs["class"]))}"'
        if start != 1 and env["ctx"].mode == "print":
            attrs += f' style="counter-reset: list-item {start - 1}"'
        return f"<{tag}{attrs}>\n"

    def fn_code(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                env: EnvType) -> str:
        return f'<span class="fn-pre">{escape(tokens[idx].content.rstrip())}</span>'

    def citation(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                 env: EnvType) -> str:
        ctx: RenderContext = env["ctx"]
        if ctx.citer is None:  # not rendered for a brief (the checker reports the keys)
            return escape(tokens[idx].content)
        if env.get("note"):  # inside a hand-written note: the citation is set in place
            return ctx.citer.cite(tokens[idx], env["note"], True).note
        ctx.footnotes += 1  # in the running text: the citation becomes a note of its own
        done = ctx.citer.cite(tokens[idx], ctx.footnotes, False)
        return done.text + self._note(ctx, ctx.footnotes, done.note)

    def footnote_ref(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                     env: EnvType) -> str:
        label = tokens[idx].meta["label"]
        if label not in env["notes"]:  # the checker refuses it: never print the syntax
            return ""
        if env.get("in_note"):  # cited inside a note (the checker refuses it): as written,
            return escape(f"[^{label}]")  # so a chain of notes citing notes never recurses
        ctx: RenderContext = env["ctx"]
        seen: dict[str, int] = env["seen_notes"]
        if label in seen:  # a second call of the same note points back to its number
            n = seen[label]
            return f'\u2060<sup class="fn-again"><a href="#fn-{n}">{n}</a></sup>'
        ctx.footnotes += 1
        n = seen[label] = ctx.footnotes
        note = env["notes"].get(label, [])
        single = [t.type for t in note] == ["paragraph_open", "inline", "paragraph_close"]
        env["in_note"], outer, env["note"] = True, env.get("note"), n
        try:
            if single:  # the common case: the note's text, with no paragraph around it
                body = self.renderInline(note[1].children or [], options, env)
            elif ctx.mode == "web":  # inside the endnote's <li>, blocks are what they are
                body = self.render(note, options, env).strip()
            else:  # a float inside a <p>: its paragraphs, lists and quotes become styled spans
                body = self.render(_as_spans(note), options, env).strip()
                # the line breaks between blocks would each print as an empty line
                body = re.sub(r'(<span class="fn-[a-z]+"[^>]*>|</span>)\n', r"\1", body)
        finally:
            env["in_note"], env["note"] = False, outer
        return self._note(ctx, n, body)

    @staticmethod
    def _note(ctx: RenderContext, n: int, body: str) -> str:
        if ctx.mode == "web":
            ctx.endnotes.append((n, body))
            return (f'<sup class="fn-call" id="fnref-{n}"><a href="#fn-{n}">{n}</a></sup>')
        # a word joiner keeps the call on the line of the word it follows
        return f'<span class="footnote" id="fn-{n}" data-n="{n}">{body}</span>'


RENDERER = _Renderer(MD)

# A print footnote is a <span> floated out of its paragraph: a <p>, <ul> or <table> in it
# would close that paragraph. Its blocks become spans whose class says what they were.
_SPAN_CLASS = {"p": "fn-p", "ul": "fn-ul", "ol": "fn-ol", "li": "fn-li",
               "blockquote": "fn-quote", "table": "fn-table", "thead": "fn-thead",
               "tbody": "fn-tbody", "tr": "fn-tr", "th": "fn-th", "td": "fn-td",
               **{f"h{n}": "fn-p" for n in range(1, 7)}}


def _as_spans(tokens: list[Token]) -> list[Token]:
    out = []
    for tok in tokens:
        if tok.type in ("fence", "code_block"):
            tok = tok.copy(type="fn_code")
        elif tok.type == "hr":
            continue
        elif tok.tag in _SPAN_CLASS and tok.nesting != 0:
            attrs: dict[str, str | int | float] = {"class": _SPAN_CLASS[tok.tag]}
            start = int(tok.attrs.get("start", 1))
            if tok.tag == "ol" and start != 1:
                attrs["style"] = f"counter-reset: list-item {start - 1}"
            tok = tok.copy(tag="span", attrs=attrs if tok.nesting == 1 else {},
                           type="fn_" + tok.type if tok.type == "ordered_list_open" else tok.type)
        out.append(tok)
    return out


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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _split(tokens: list[Token]) -> list[list[Token]]:
    """Top-level runs: each container is one run, plain tokens between them another."""
    runs: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        opens = tok.type.startswith("container_") and tok.type.endswith("_open")
        closes = tok.type.startswith("container_") and tok.type.endswith("_close")
        if opens and depth == 0:
            runs.append([])
        runs[-1].append(tok)
        depth += opens - closes
        if closes and depth == 0:
            runs.append([])
    return [r for r in runs if r]


def render_body(parsed: ParsedSection, ctx: RenderContext, prefix: str) -> str:
    """The section's HTML, without its ``#`` heading (the template places that)."""
    env: dict[str, Any] = {"ctx": ctx, "notes": parsed.footnote_tokens, "seen_notes": {},
                           "prefix": prefix, "lines": parsed.text.splitlines()}
    tokens = parsed.tokens
    if parsed.heading is not None and tokens and tokens[0].type == "heading_open":
        tokens = tokens[3:]
    html = []
    for run in _split(tokens):
        if run[0].type.startswith("container_"):
            html.append(_container(run, ctx, env))
        else:
            html.append(RENDERER.render(run, MD.options, env))
    return "".join(html)


def _container(run: list[Token], ctx: RenderContext, env: dict[str, Any]) -> str:
    kind = run[0].info.strip().split(" ")[0]
    inner = run[1:-1]
    if kind == "pullquote":
        return f'<aside class="pullquote">{RENDERER.render(inner, MD.options, env)}</aside>\n'
    caption = source = ""
    body: list[Token] = []
    for para in _split_paragraphs(inner):
        text = para[1].content if len(para) == 3 and para[1].type == "inline" else ""
        for prefix in ("Caption:", "Source:"):
            if text.startswith(prefix):
                _strip_prefix(para[1], prefix)
                rendered = RENDERER.renderInline(para[1].children or [], MD.options, env)
                if prefix == "Caption:":
                    caption = rendered
                else:
                    source = rendered
                break
        else:
            body.extend(para)
    if kind == "chart":
        assert ctx.chart is not None, "render.py sets ctx.chart for each section"
        lines = env["lines"]
        settings = [s for tok in body if tok.type == "inline" for s in chart_settings(tok, lines)]
        content, after = ctx.chart(settings, (run[0].map or [0])[0] + 1, ctx.figures + 1)
    else:
        content, after = RENDERER.render(body, MD.options, env), ""
    if kind in ("figure", "chart"):
        ctx.figures += 1
        label, number = "Figure", ctx.figures
        content = re.sub(r"^<p>(.*)</p>\s*$", r"\1", content.strip(), flags=re.S)
    else:
        ctx.tables += 1
        label, number = "Table", ctx.tables
    cap = f'<span class="label">{label} {number}.</span> {caption}'
    src = f'<p class="source">Source: {source}</p>' if source else ""
    if kind == "table":
        return (f'<div class="table-block" id="table-{number}">'
                f'<p class="caption">{cap}</p>{content}{src}</div>\n')
    return (f'<figure id="figure-{number}">{content}'
            f'<figcaption>{cap}{src}</figcaption></figure>{after}\n')


def _split_paragraphs(tokens: list[Token]) -> list[list[Token]]:
    groups: list[list[Token]] = []
    depth = 0
    for tok in tokens:
        if depth == 0:
            groups.append([])
        groups[-1].append(tok)
        depth += tok.nesting
    return groups


def _strip_prefix(inline: Token, prefix: str) -> None:
    children = inline.children or []
    if children and children[0].type == "text" and children[0].content.startswith(prefix):
        children[0].content = children[0].content[len(prefix):].lstrip()


_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\b[A-Z][a-z])(?<!\bno)([.!?])\s+(?=[\"“‘(]?[A-Z0-9])")


def key_points(parsed: ParsedSection, limit: int = 180) -> list[str]:
    """The top-level list items of a section as plain text, each cut to its first
    sentence (and to ``limit`` characters at a word): the series index's "in short"."""
    points: list[str] = []
    depth = 0
    for i, tok in enumerate(parsed.tokens):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "list_item_open" and depth == 1:
            inline = next((t for t in parsed.tokens[i + 1:] if t.type == "inline"), None)
            if inline is not None:
                text = "".join(c.content if c.type in ("text", "code_inline") else " "
                               if c.type in ("softbreak", "hardbreak") else ""
                               for c in inline.children or [])
                points.append(_first_sentence(" ".join(text.split()), limit))
    return [p for p in points if p]


def _first_sentence(text: str, limit: int) -> str:
    """The first sentence, or the first two when the first is a short lead-in."""
    for end in _SENTENCE_END.finditer(text):
        if end.start() >= 40:
            text = text[:end.start() + 1]
            break
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text
