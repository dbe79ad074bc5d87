"""Language and direction in the text: pandoc's attributes, ``[text]{lang=he}`` on a span
and ``::: {lang=he}`` on a block, read by mdit-py-plugins' attribute parser.

Only ``lang`` and ``dir`` are taken, and only on spans and ``:::`` blocks. Anything else
(a class, an id, another key, or a ``{...}`` that markdown-it left as text, after a link,
an image, a heading or emphasis) would be dropped or printed as typed, so it is a problem
the checker reports where the author wrote it. ``dir`` follows the language's script
when it is not given: CLDR's likely subtags (langcodes) give the script, and Unicode's
script data (fontTools) says which scripts are written right to left.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.attrs.parse import ParseError, parse

from .labels import direction
from .schema import _language_tag as language_tag

KEYS = ("lang", "dir")
DIRECTIONS = ("ltr", "rtl")
DIV = "lang"  # the container of a ``::: {…}`` block (its tokens are renamed, see below)
# What pandoc would read as attributes: a brace group of .class, #id and key=value items.
# markdown-it leaves it as text where it is not after a span; we find it there.
LOOSE = re.compile(r"\{\s*(?:(?:[.#][\w:-]+|[\w:-]+=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s}\"']+))"
                   r"\s*)+\}")


def judge(attrs: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The attributes to print (``lang`` and ``dir``, ``dir`` derived when missing) and
    what is wrong with the rest, as messages."""
    problems: list[str] = []
    out: dict[str, str] = {}
    for key, value in attrs.items():
        value = str(value)
        if key == "class":
            problems.append(f"class{'es' if ' ' in value else ''} "
                            + ", ".join("." + c for c in value.split())
                            + " not supported: only lang and dir may be set")
        elif key == "id":
            problems.append(f"id #{value} not supported: only lang and dir may be set")
        elif key == "lang":
            try:
                out["lang"] = language_tag(value)
            except ValueError as exc:
                problems.append(str(exc))
        elif key == "dir":
            if value.lower() in DIRECTIONS:
                out["dir"] = value.lower()
            else:
                problems.append(f"dir={value!r} must be rtl or ltr")
        else:
            problems.append(f"attribute {key!r} not supported: only lang and dir may be set")
    if "lang" in out and "dir" not in out:
        out["dir"] = direction(out["lang"])
    return {k: out[k] for k in KEYS if k in out}, problems


def validate_div(params: str, *args: Any) -> bool:
    """A ``:::`` line whose info is a brace group opens a language block."""
    return params.strip().startswith("{")


def resolve(state: StateCore) -> None:
    """A core rule after parsing: spans and language blocks get their judged ``lang``
    and ``dir``; the problems stay in ``meta["attr_problems"]`` for the checker; any
    other token given attributes by the plugin keeps none of them and is a problem too.
    Language blocks become ``lang_block_open``/``_close`` so that the renderer and the
    checker see them as the plain ``<div>`` they are, not as one of the series' blocks.
    Attributes after a link, an image or code are not read (the plugin is told so): they
    stay text, which the checker finds (``LOOSE``)."""
    for tok in state.tokens:
        if tok.type == f"container_{DIV}_open":
            tok.type, tok.tag = "lang_block_open", "div"
            info = tok.info.strip()
            try:
                end, attrs = parse(info)
                rest = info[end + 1:].strip()
            except ParseError as exc:
                attrs, rest = {}, ""
                tok.meta["attr_problems"] = [f"cannot read the attributes {info!r}: {exc}"]
            kept, problems = judge(attrs)
            if rest:
                problems.append(f"{rest!r} after the attributes is not understood")
            if not kept and not problems and not tok.meta.get("attr_problems"):
                problems.append("'::: {}' sets nothing: write '::: {lang=he}'")
            tok.attrs = dict(kept)
            tok.meta.setdefault("attr_problems", []).extend(problems)
        elif tok.type == f"container_{DIV}_close":
            tok.type, tok.tag = "lang_block_close", "div"
        elif tok.type == "inline":
            for child in tok.children or []:
                _inline(child)


def _inline(tok: Token) -> None:
    if tok.type == "span_open":
        kept, problems = judge(dict(tok.attrs))
        tok.attrs = dict(kept)
        tok.meta["attr_problems"] = problems
