"""A section's printed text, read from its Markdown source, for the reading-order tests
of both editions (tests/render/test_tags.py, tests/web/test_reading_order.py)."""

from __future__ import annotations

import re
import unicodedata


def norm(text: str) -> str:
    """Letters and digits only, folded: what is read, not how it is set (hyphenation,
    spacing, quotes, small capitals)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _inline_text(token) -> str:
    return "".join(child.content for child in token.children or ()
                   if child.type in ("text", "code_inline"))


def source_units(section) -> tuple[list[str], dict[str, str]]:
    """The section's printed text, block by block, and each note's text by label."""
    units: list[str] = []
    container: list[str] = []
    first_in_block = False
    for token in section.parsed.tokens:
        if token.type.startswith("container_") and token.type.endswith("_open"):
            container.append(token.info.strip())
            first_in_block = True
            continue
        if token.type.startswith("container_") and token.type.endswith("_close"):
            container.pop()
            continue
        if token.type != "inline":
            continue
        text = _inline_text(token)
        if container and container[-1] == "chart" and first_in_block:
            first_in_block = False
            continue  # the chart's settings: read by the build, not printed
        first_in_block = False
        text = re.sub(r"^Caption:\s*", "", text)
        if norm(text):
            units.append(norm(text))
    notes = {label: norm("".join(_inline_text(t) for t in tokens if t.type == "inline"))
             for label, tokens in section.parsed.footnote_tokens.items()}
    return units, notes
