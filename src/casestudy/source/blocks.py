"""The ``:::`` blocks as HTML: numbered figures and tables, charts and pull quotes.

A block's ``Caption:`` and ``Source:`` paragraphs become its caption and source line; a
chart's settings are drawn by the caller (``RenderContext.chart``).
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from markdown_it.token import Token

from .parse import chart_settings
from .renderer import RENDERER, RenderContext
from .syntax import MD


def render_block(run: list[Token], ctx: RenderContext, env: dict[str, Any]) -> str:
    """One block, from its opening to its closing token; numbers it in ``ctx``."""
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
        label, number = "figure", ctx.figures
        content = re.sub(r"^<p>(.*)</p>\s*$", r"\1", content.strip(), flags=re.S)
    else:
        ctx.tables += 1
        label, number = "table", ctx.tables
    cap = f'<span class="label">{_label(ctx, label, number)}</span> {caption}'
    src = f'<p class="source">{escape(ctx.labels["source"])} {source}</p>' if source else ""
    if kind == "table":
        return (f'<div class="table-block" id="table-{number}">'
                f'<p class="caption">{cap}</p>{content}{src}</div>\n')
    return (f'<figure id="figure-{number}">{content}'
            f'<figcaption>{cap}{src}</figcaption></figure>{after}\n')


def _label(ctx: RenderContext, name: str, number: int) -> str:
    """"Figure 3." in the study's language (a placeholder it lacks stays as typed)."""
    text = ctx.labels[name]
    return escape(text.replace("{number}", str(number)))


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
