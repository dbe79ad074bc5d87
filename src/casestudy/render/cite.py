"""Citations: pandoc's ``[@key, 14]`` syntax in sections, formatted by pandoc's citeproc.

Parsing is source/citations.py's (a markdown-it inline rule). Formatting needs every
citation of a brief at once, in note order, because a style's notes depend on what
came before (a full first note, a short one after, "Ibid." right after the same
source). The renderer therefore renders a brief twice when it cites: once to learn the
order of the notes (``Citer`` collecting), then with the notes pandoc formatted, in
one pandoc call per brief.

Pandoc runs as files/pandoc.py runs it everywhere: sandboxed (it may read only the
files named on its command line: the reference lists and the style), under one time
and memory limit, and never with author text as options. Its output is read as
its JSON syntax tree and turned into HTML here, element by element, from an
allow-list: raw HTML is dropped and links are held to the series' link rule.
"""

from __future__ import annotations

import hashlib
import json
from html import escape
from pathlib import Path
from typing import Any

import langcodes

from ..errors import BuildError
from ..files.fetch import SAFE_LINK
from ..files.pandoc import elements, run_pandoc
from ..source.citations import Citer, Cluster, Formatted


def pandoc_input(clusters: list[Cluster], notes: int) -> str:
    """A Markdown document whose notes are the brief's notes, in order, with its citations.

    Only the citations reach pandoc: a note of the brief that cites nothing is an empty
    note here, so that note numbers (and with them "Ibid." and short notes) match.
    """
    by_note: dict[int, list[Cluster]] = {}
    for cluster in clusters:
        by_note.setdefault(cluster.note, []).append(cluster)
    paragraphs = []
    for n in range(1, notes + 1):
        here = by_note.get(n, [])
        if here and not here[0].in_note:  # a citation in the running text makes this note
            paragraphs.append(("x " if here[0].mode == "in-text" else "x") + here[0].source)
        else:
            # never at the very start of the note: pandoc would treat the note as the
            # citation's own and end it with a full stop
            inner = "".join(f" x {c.source}" for c in here)
            paragraphs.append(f"x^[x{inner}]")
    return "\n\n".join(paragraphs) + "\n"


def citation_locale(language: str) -> str:
    """The locale citeproc sets a study's citation terms in ("and", "n.d.", "edited by"):
    the study's language in its most likely region (CLDR's likely subtags), which is how
    CSL names its locales (``fr-FR``, ``he-IL``, ``zh-TW`` for ``zh-Hant``). When the
    language's locale for that region is written in another script than the study's
    (``sr-Latn``: CSL's Serbian is Cyrillic), the terms stay in English, which any brief
    font draws, rather than come out in a script the study does not use."""
    tag = langcodes.Language.get(language).maximize()
    region = langcodes.Language.get(f"{tag.language}-{tag.territory}").maximize()
    if region.script != tag.script:
        return "en-US"
    return f"{tag.language}-{tag.territory}"


def format_citations(citer: Citer, notes: int, files: list[Path], style: Path,
                     bibliography: bool, language: str = "en") -> None:
    """Fill ``citer.formatted`` (and its bibliography) with one pandoc run, the style's
    terms in the study's ``language`` (a BCP 47 tag, as study.yaml validated it)."""
    args = ["--from", "markdown-raw_html-raw_attribute"
            "-raw_tex-tex_math_dollars", "--to", "json", "--citeproc", "--csl", str(style),
            "--metadata", f"lang={citation_locale(language)}",
            "--metadata", f"suppress-bibliography={'false' if bibliography else 'true'}"]
    for path in files:
        args += ["--bibliography", str(path)]
    text = pandoc_input(citer.clusters, notes).encode()
    key = _run_key(args, text, [*files, style])
    output = _FORMATTED.get(key)
    if output is None:
        output = run_pandoc(args, text, files[-1] if files else style,
                            "format the citations")
        _FORMATTED[key] = output
        while len(_FORMATTED) > 8:
            _FORMATTED.pop(next(iter(_FORMATTED)))
    tree = json.loads(output)
    cites = _cites(tree["blocks"])
    if len(cites) != len(citer.clusters):
        raise BuildError(f"pandoc returned {len(cites)} citations for "
                         f"{len(citer.clusters)}", files[-1] if files else style)
    citer.formatted = [_formatted(c, cl) for c, cl in zip(cites, citer.clusters, strict=True)]
    citer.bibliography = _bibliography(tree["blocks"]) if bibliography else []


# pandoc's output by what went in: a preview that re-renders on every save runs pandoc
# (a quarter of a second) only when a citation, the note numbering or a source changed
_FORMATTED: dict[str, bytes] = {}


def _run_key(args: list[str], text: bytes, paths: list[Path]) -> str:
    digest = hashlib.sha256("\0".join(args).encode() + b"\0" + text)
    for path in paths:
        try:
            digest.update(b"\0" + path.read_bytes())
        except OSError:
            digest.update(b"\0-")  # pandoc will say what is wrong with it
    return digest.hexdigest()


def _cites(blocks: list[Any]) -> list[Any]:
    """Every Cite element, in document order."""
    return [node for node in elements(blocks, skip=("Cite",)) if node.get("t") == "Cite"]


def _formatted(cite: dict[str, Any], cluster: Cluster) -> Formatted:
    content = cite["c"][1]
    if not cluster.in_note:
        text = [el for el in content if el.get("t") != "Note"]
        notes = [el for el in content if el.get("t") == "Note"]
        body = " ".join(_blocks_html(n["c"]) for n in notes)
        return Formatted(inline_html(text), body)
    html = inline_html(content)
    # pandoc puts a bracketed citation inside a note in parentheses; a note in a
    # note style is the citation itself, so it is set in place, as written
    if cluster.mode == "normal" and html.startswith("(") and html.endswith(")"):
        html = html[1:-1]
    return Formatted("", html)


def _blocks_html(blocks: list[Any]) -> str:
    return " ".join(inline_html(b["c"]) for b in blocks if b.get("t") in ("Para", "Plain"))


def _bibliography(blocks: list[Any]) -> list[str]:
    for block in blocks:
        if block.get("t") == "Div" and block["c"][0][0] == "refs":
            return [_blocks_html(entry["c"][1]) for entry in block["c"][1]
                    if entry.get("t") == "Div"]
    return []


_WRAP = {"Emph": "em", "Strong": "strong", "Underline": "u", "Strikeout": "s",
         "Superscript": "sup", "Subscript": "sub"}
_QUOTES = {"DoubleQuote": ("\u201c", "\u201d"), "SingleQuote": ("\u2018", "\u2019")}


def inline_html(inlines: list[Any]) -> str:
    """Pandoc inline elements as HTML, from an allow-list; iterative, so any depth works."""
    out: list[str] = []
    stack: list[Any] = [list(reversed(inlines))]
    while stack:
        top = stack[-1]
        if isinstance(top, str):  # a closing tag waiting for its children
            out.append(stack.pop())
            continue
        if not top:
            stack.pop()
            continue
        el = top.pop()
        kind, c = el.get("t"), el.get("c")
        if kind == "Str":
            out.append(escape(c))
        elif kind in ("Space", "SoftBreak"):
            out.append(" ")
        elif kind == "LineBreak":
            out.append("<br>")
        elif kind in ("Code", "Math"):
            out.append(escape(c[1]))
        elif kind in _WRAP:
            out.append(f"<{_WRAP[kind]}>")
            stack += [f"</{_WRAP[kind]}>", list(reversed(c))]
        elif kind == "SmallCaps":
            out.append('<span class="smallcaps">')
            stack += ["</span>", list(reversed(c))]
        elif kind == "Quoted":
            left, right = _QUOTES.get(c[0]["t"], ("\u201c", "\u201d"))
            out.append(left)
            stack += [right, list(reversed(c[1]))]
        elif kind == "Link":
            url = c[2][0]
            if SAFE_LINK.match(url):
                out.append(f'<a href="{escape(url)}">')
                stack += ["</a>", list(reversed(c[1]))]
            else:
                stack.append(list(reversed(c[1])))
        elif kind in ("Span", "Cite"):
            stack.append(list(reversed(c[1])))
        elif kind == "Image":
            stack.append(list(reversed(c[1])))
        # RawInline (never from our input options) and Note (handled by the caller): dropped
    return "".join(out)
