"""The safe HTML renderer: markdown-it's, with the series' rules for what authors write.

Raw HTML is shown as text (a comment is dropped), links outside the allow-list lose their
anchor, images point where the build put them, headings get ids, and footnotes and
citations become print footnotes (floated spans) or web endnotes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from ..files.fetch import SAFE_LINK
from .citations import Citer
from .syntax import COMMENT, MD, inline_text

CAPTION_LABELS = {"figure": "Figure {number}.", "table": "Table {number}.", "source": "Source:"}


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
    # the labels this renderer writes (figure, table, source), in the study's language
    # (render/labels.py); English when none are given
    labels: dict[str, str] = field(default_factory=lambda: dict(CAPTION_LABELS))


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
        slug = _slug(inline_text(tokens[idx + 1]))
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

    def th_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                env: EnvType) -> str:
        # a Markdown table's header cells head its columns: say so (screen readers, and
        # the PDF's /TH gets its /Scope from the same fact in render/tags.py)
        tok = tokens[idx]
        if tok.tag != "th":  # a note's table, set as spans in print
            return self.renderToken(tokens, idx, options, env)
        return f'<th{self.renderAttrs(tok.copy(attrs={**tok.attrs, "scope": "col"}))}>'

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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
