"""A section's body as safe HTML: runs of plain Markdown through the renderer, each
``:::`` block through ``blocks.py``."""

from __future__ import annotations

from typing import Any

from markdown_it.token import Token

from .blocks import render_block
from .renderer import RENDERER, RenderContext
from .section import ParsedSection
from .syntax import MD


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
            html.append(render_block(run, ctx, env))
        else:
            html.append(RENDERER.render(run, MD.options, env))
    return "".join(html)
