"""Markup around the text of other scripts, so that WeasyPrint sets it as a browser would.

Run over the finished HTML of a brief, never over what the author wrote: each pass adds
tags, or an invisible word joiner, and leaves every character of the text as it was.

- Right to left (:func:`isolate_rtl`): WeasyPrint 70 puts Hebrew or Arabic in the wrong
  order when it crosses an inline element (an italic title, a link) inside a
  left-to-right paragraph, and it ignores ``unicode-bidi``; an element with ``dir="rtl"``
  around the whole run is laid out right. Each strong right-to-left run (with the
  numbers and neutrals inside it) gets one, over the inline tags it crosses.
- Korean (:func:`join_hangul`, print only): WeasyPrint ignores ``word-break: keep-all``
  and breaks between any two Hangul syllables. A word joiner (U+2060) between the
  characters of a Korean word keeps it whole; it draws nothing, and PDFium and pypdf
  leave it out of the text they extract.
- Upright (:func:`upright`): Han, Hangul, Kana, Hebrew and Arabic have no italics, and
  the PDF would slant them synthetically inside emphasis and quotations; their runs are
  wrapped in ``<span class="upright">``, set in ``font-style: normal`` by the stylesheets.

The document's root gets the study language's direction (:func:`root_direction`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from html import unescape

from ..source.labels import direction

# Tags, comments and doctypes; everything else is text. Our HTML escapes "<" and ">" in
# text and attribute values, so a tag ends at the first ">".
_TOKEN = re.compile(r"<!--.*?-->|<[!?/]?[A-Za-z][^>]*>|[^<]+|<", re.S)
_TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)([^>]*)>")
_UNIT = re.compile(r"&(?:#\d+|#[xX][0-9A-Fa-f]+|\w+);|.", re.S)
# Whose text is not laid out as running text, or is not ours to touch.
_OPAQUE = frozenset(("head", "style", "script", "svg", "math", "pre", "code", "title",
                     "textarea"))
_INLINE = frozenset(("a", "abbr", "b", "bdi", "bdo", "cite", "data", "del", "dfn", "em",
                     "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong",
                     "sub", "sup", "time", "u", "var", "img", "wbr"))
_VOID = frozenset(("img", "br", "wbr", "hr", "input", "meta", "link", "source", "col",
                   "area", "base", "embed", "track"))
_DIR = re.compile(r"""\sdir\s*=\s*["']?(\w+)""", re.I)
# A print footnote (and its blocks) is a span floated out of the paragraph: a run must
# not carry the paragraph's direction into it.
_FLOATED = re.compile(r"""\sclass\s*=\s*["']?(?:footnote|fn-(?:p|ul|ol|li|quote|table|
                      thead|tbody|tr|th|td))\b""", re.X)
_RTL = frozenset(("R", "AL"))
# the blocks that hold characters of bidi class R or AL (a quick test before the walk)
_ANY_RTL = re.compile("[\u200f\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff"
                      "\U0001e800-\U0001efff]")
_RUN_END = frozenset(("R", "AL", "EN", "AN", "NSM"))
# CJK punctuation (「」、。) and the fullwidth and vertical forms count too: only a CJK
# font draws them, and it has no italics either, so they came out slanted beside
# upright ideographs (the kitchen sink's Japanese block quote showed it)
_NO_ITALIC = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u1100-\u11ff"
                        r"\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff"
                        r"\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff"
                        r"\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff]")
WORD_JOINER = "\u2060"


def root_direction(html: str, language: str) -> str:
    """``dir="rtl"`` on ``<html>`` when the study's language is written right to left."""
    if direction(language) != "rtl":
        return html
    return re.sub(r"<html\b(?![^>]*\sdir=)", '<html dir="rtl"', html, count=1)


# the blocks whose base direction a paragraph of text sets (Unicode's rules P2 and P3);
# a list item keeps the list's side for its marker, its text only reads its own way
_PARAGRAPHS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th",
                         "figcaption", "dt", "dd", "caption", "li"))
_BLOCKS = _PARAGRAPHS | {"ul", "ol", "div", "blockquote", "table", "figure", "dl", "aside"}


def ltr_paragraphs(html: str) -> str:
    """In a right-to-left document, each paragraph whose first strong character is left
    to right (English quoted in a Hebrew brief) reads left to right, as a browser does
    for ``dir="auto"``: its full stop ends it, at the right, not at the left. A paragraph
    gets ``dir="ltr"``; a list item keeps its marker on the list's side and gets its text
    in a ``<span dir="ltr">``. WeasyPrint reads ``dir`` but not ``auto``. A block that
    says its direction keeps it."""
    if not re.search(r"<html\b[^>]*\sdir=\"rtl\"", html):
        return html
    tokens = _TOKEN.findall(html)
    open_blocks: list[tuple[str, int | None]] = []  # name, opening tag while undecided
    spans: list[str] = []  # per open block: "open" while an item's text span is open
    floated = 0  # inside a print footnote: its text is not the paragraph's
    for i, kind, opaque, name, attrs in _tags(tokens):
        if opaque:
            continue
        if name in _BLOCKS and kind in ("open", "close") and spans and spans[-1] == "open":
            tokens[i] = "</span>" + tokens[i]  # an item's text ends where a block begins
            spans[-1] = ""
        if kind == "open" and name in _BLOCKS:
            undecided = name in _PARAGRAPHS and not _DIR.search(attrs)
            open_blocks.append((name, i if undecided else None))
            spans.append("")
        elif kind == "close" and name in _BLOCKS and open_blocks:
            open_blocks.pop()
            spans.pop()
        elif kind == "open" and name == "span" and (floated or _FLOATED.search(attrs)):
            floated += 1
        elif kind == "close" and name == "span" and floated:
            floated -= 1
        elif kind == "text" and open_blocks and not floated:
            block, at = open_blocks[-1]
            if at is None:  # decided, or says its direction
                continue
            strong = next((unicodedata.bidirectional(c) for _, _, c in _units(tokens[i])
                           if unicodedata.bidirectional(c) in ("L", "R", "AL")), None)
            if strong is None:
                continue
            open_blocks[-1] = (block, None)  # decided
            if strong != "L":
                continue
            if block == "li":
                tokens[at] += '<span dir="ltr">'
                spans[-1] = "open"
            else:
                tokens[at] = re.sub(r"^<(\w+)", r'<\1 dir="ltr"', tokens[at])
    return "".join(tokens)


def _tags(tokens: list[str]) -> Iterator[tuple[int, str, bool, str, str]]:
    """Index, kind ("text", "open", "close", "other"), opaque, tag name, attributes."""
    opaque: list[str] = []
    for i, tok in enumerate(tokens):
        m = _TAG.fullmatch(tok)
        if m is None:
            kind = "other" if tok.startswith("<") and len(tok) > 1 else "text"
            yield i, kind, bool(opaque), "", ""
            continue
        closing, name, attrs = m.group(1) == "/", m.group(2).lower(), m.group(3)
        if opaque:
            if name == opaque[-1] and closing:
                opaque.pop()
            elif name == opaque[-1] and not attrs.rstrip().endswith("/"):
                opaque.append(name)
            yield i, "close" if closing else "open", True, name, attrs
            continue
        if name in _OPAQUE and not closing and not attrs.rstrip().endswith("/"):
            opaque.append(name)
            yield i, "open", True, name, attrs
            continue
        yield i, "close" if closing else "open", False, name, attrs


def _units(text: str) -> Iterator[tuple[int, int, str]]:
    """Raw start, end and the character of each character or entity of a text token."""
    for m in _UNIT.finditer(text):
        yield m.start(), m.end(), unescape(m.group())[:1]


def isolate_rtl(html: str) -> str:
    """Each strong right-to-left run in left-to-right text inside ``<span dir="rtl">``."""
    if not _ANY_RTL.search(html):  # most briefs: nothing to walk
        return html
    tokens = _TOKEN.findall(html)
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    context: list[tuple[int, int, int, str]] = []  # token, start, end, bidi class
    stack: list[tuple[str, bool]] = []  # open inline elements: name, starts a context
    rtl = [False]  # the direction of each context
    first = 0  # the first token of the current context

    def flush(end: int) -> None:
        if not rtl[-1]:
            spans.extend(_runs(tokens, context, first, end))
        context.clear()

    for i, kind, opaque, name, attrs in _tags(tokens):
        if kind == "text":
            if not opaque:
                context += ((i, s, e, unicodedata.bidirectional(ch))
                            for s, e, ch in _units(tokens[i]))
            continue
        if opaque or kind == "other":
            continue
        own_dir = _DIR.search(attrs)
        boundary = (name not in _INLINE or name == "br" or own_dir is not None
                    or (kind == "open" and _FLOATED.search(attrs) is not None))
        if kind == "open" and name in _VOID:
            if boundary:
                flush(i)
                first = i + 1
            continue
        if kind == "open":
            if boundary:  # a block, a floated note or an element with its own dir
                flush(i)
                first = i + 1
                rtl.append(own_dir.group(1).lower() == "rtl" if own_dir else rtl[-1])
            stack.append((name, boundary))
        else:
            while stack:
                opened, started = stack.pop()
                if started:
                    flush(i)
                    first = i + 1
                    if len(rtl) > 1:
                        rtl.pop()
                if opened == name:
                    break
    flush(len(tokens))
    return _insert(tokens, spans, '<span dir="rtl">', "</span>")


def _runs(tokens: list[str], context: list[tuple[int, int, int, str]], first: int,
          last: int) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
    """The well-nested pieces of each right-to-left run of a context, as (token, offset)
    positions of their start and end (offset 0 of a tag: before it)."""
    i = 0
    while i < len(context):
        if context[i][3] not in _RTL:
            i += 1
            continue
        j, end = i, i
        while j < len(context) and context[j][3] != "L":
            if context[j][3] in _RUN_END:
                end = j
            j += 1
        yield from _pieces(tokens, context[i], context[end], first, last)
        i = j


def _pieces(tokens: list[str], start: tuple[int, int, int, str],
            end: tuple[int, int, int, str], first: int, last: int
            ) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
    s_tok, s_off = start[0], start[1]
    e_tok, e_off = end[0], end[2]
    # take in the inline tags that open right before the run and close right after it
    if s_off == 0:
        while s_tok - 1 >= first and _is_open(tokens[s_tok - 1]):
            s_tok -= 1
    if e_off == len(tokens[e_tok]):
        while e_tok + 1 < last and _is_close(tokens[e_tok + 1]):
            e_tok, e_off = e_tok + 1, len(tokens[e_tok + 1])
    # a tag whose partner lies outside the run cannot be inside the span: cut there
    stack: list[int] = []
    cuts: list[int] = []
    for k in range(s_tok, e_tok + 1):
        if _is_open(tokens[k]):
            stack.append(k)
        elif _is_close(tokens[k]):
            if stack:
                stack.pop()
            else:
                cuts.append(k)
    cuts = sorted(cuts + stack)
    bounds = [(s_tok, s_off if s_tok == start[0] else 0)]
    for k in cuts:
        bounds += [(k, -1), (k + 1, 0)]
    bounds.append((e_tok, e_off))
    for (a_tok, a_off), (b_tok, b_off) in zip(bounds[::2], bounds[1::2], strict=True):
        if b_off == -1:  # up to the cut tag: the end of the token before it
            b_tok, b_off = b_tok - 1, len(tokens[b_tok - 1])
        if (a_tok, a_off) < (b_tok, b_off) and _has_rtl(tokens, a_tok, a_off, b_tok, b_off):
            yield (a_tok, a_off), (b_tok, b_off)


def _is_open(tok: str) -> bool:
    m = _TAG.fullmatch(tok)
    return bool(m and not m.group(1) and m.group(2).lower() in _INLINE
                and m.group(2).lower() not in _VOID)


def _is_close(tok: str) -> bool:
    m = _TAG.fullmatch(tok)
    return bool(m and m.group(1) and m.group(2).lower() in _INLINE)


def _has_rtl(tokens: list[str], a_tok: int, a_off: int, b_tok: int, b_off: int) -> bool:
    for k in range(a_tok, b_tok + 1):
        if tokens[k].startswith("<") and len(tokens[k]) > 1:
            continue
        text = tokens[k][a_off if k == a_tok else 0:b_off if k == b_tok else None]
        if any(unicodedata.bidirectional(ch) in _RTL for ch in unescape(text)):
            return True
    return False


def _insert(tokens: list[str], spans: list[tuple[tuple[int, int], tuple[int, int]]],
            open_tag: str, close_tag: str) -> str:
    """The tokens joined, with ``open_tag`` and ``close_tag`` at each span's ends."""
    at: dict[int, list[tuple[int, int, str]]] = {}
    for (a_tok, a_off), (b_tok, b_off) in spans:
        at.setdefault(a_tok, []).append((a_off, 1, open_tag))
        at.setdefault(b_tok, []).append((b_off, 0, close_tag))
    out = []
    for k, tok in enumerate(tokens):
        marks = sorted(at.get(k, ()))
        if not marks:
            out.append(tok)
            continue
        done = 0
        for off, _, tag in marks:
            out += [tok[done:off], tag]
            done = off
        out.append(tok[done:])
    return "".join(out)


def _text_edit(html: str, edit: Callable[[str, str], str]) -> str:
    """``edit(text, previous)`` applied to each text token of running text, ``previous``
    being the last character of the text before it in the same block ("" at a block)."""
    tokens = _TOKEN.findall(html)
    previous = ""
    for i, kind, opaque, name, attrs in _tags(tokens):
        if kind == "text" and not opaque:
            tokens[i] = edit(tokens[i], previous)
            previous = unescape(tokens[i])[-1:] or previous
        elif kind in ("open", "close") and (name not in _INLINE or name == "br"
                                            or _FLOATED.search(attrs)):
            previous = ""
    return "".join(tokens)


_JOIN = re.compile(rf"(?<=\S)(?=\S)(?:(?<={_HANGUL.pattern})|(?={_HANGUL.pattern}))")


def join_hangul(html: str) -> str:
    """A word joiner between the characters of each word that holds Hangul (print)."""
    if not _HANGUL.search(html):
        return html

    def edit(text: str, previous: str) -> str:
        text = _JOIN.sub(WORD_JOINER, text)
        if (previous.strip() and text[:1].strip() and text[:1] != "&"
                and (_HANGUL.match(previous) or _HANGUL.match(text[:1]))):
            text = WORD_JOINER + text
        return text
    return _text_edit(html, edit)


# A run of scripts without italics, over the spaces and punctuation inside it
_UPRIGHT_RUN = re.compile(rf"{_NO_ITALIC.pattern}(?:[^<A-Za-z0-9&]*{_NO_ITALIC.pattern})?")


def upright(html: str) -> str:
    """Each run of Han, Hangul, Kana, Hebrew or Arabic in ``<span class="upright">``."""
    if not _NO_ITALIC.search(html):
        return html

    def edit(text: str, previous: str) -> str:
        return _UPRIGHT_RUN.sub(lambda m: f'<span class="upright">{m.group()}</span>', text)
    return _text_edit(html, edit)
