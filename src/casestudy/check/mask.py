"""What the house style does not judge, blanked out of a text before its rules read it.

Code, link targets, URLs, note labels, quotations (someone else's words stay as they
were written), the titles cited in notes and the phrases an author exempted become
spaces of the same length, with the line breaks kept, so that a position found in the
masked text is the same position in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator


def _blank(m: re.Match[str]) -> str:
    text = m.group()
    return " " * len(text) if "\n" not in text else re.sub(r"[^\n]", " ", text)


_NOT_PROSE = re.compile(r"`[^`\n]*`|\]\([^)\n]*\)|<https?://[^>\s]*>|https?://\S+|\[\^[^\]\n]*\]")

# Someone else's words are quoted as they were written: text inside quotation marks is
# exempt from the house style. A quotation stays inside its paragraph (no blank line).
_PARA = r"(?:[^\n]|\n(?![ \t]*\n))"  # any character but a paragraph break
_LONG = "{0,3000}?"  # a quotation's length at most: an opening mark never closed costs little
_QUOTATIONS = re.compile("|".join([
    rf'"(?:[^"\n]|\n(?![ \t]*\n)){_LONG}"',  # "straight"
    rf"„{_PARA}{_LONG}[“”]",  # „German“, „Polish”
    rf"“{_PARA}{_LONG}”",  # “English”
    rf"‘{_PARA}{_LONG}’(?!\w)",  # ‘single’ (a closing ’ followed by a letter is an apostrophe)
    rf"«{_PARA}{_LONG}»", rf"»{_PARA}{_LONG}«", rf"‹{_PARA}{_LONG}›",  # «French», »Danish«
    rf"「{_PARA}{_LONG}」", rf"『{_PARA}{_LONG}』",  # 「Japanese」
    r"(?<![\w'])'[^'\n]{1,200}'(?!\w)",  # 'straight single' (not an apostrophe)
]))
# A cited title is set in italics in a note: "*Libro bianco della Difesa* (2015)".
_ITALIC = re.compile(r"(?<![*\w])\*(?!\*)[^*\n]+(?<!\*)\*(?!\*)|(?<!\w)_(?!_)[^_\n]+_(?!\w)")
_NOTE_START = re.compile(r"^ {0,3}\[\^[^\]\n]+\]:", re.MULTILINE)
# One exemption an author marks, as a Markdown comment (a link definition nobody uses, so
# no previewer shows it) on the line before the paragraph: [//]: # "style: U.S."
EXEMPT = re.compile(r'^[ \t]*\[//\]:[ \t]+#[ \t]+'
                    r'(?:"style:[ \t]*([^"\n]+)"|\(style:[ \t]*([^)\n]+)\))[ \t]*$', re.MULTILINE)


def mask(text: str) -> str:
    """The text with code, link targets, URLs, note labels, quotations, the titles cited
    in notes and the phrases an author exempted blanked (same length and lines, so
    positions found in it are positions in the file)."""
    notes = list(_note_spans(text))  # before the labels are blanked
    text = _NOT_PROSE.sub(_blank, text)
    text = _exempted(text)
    text = _QUOTATIONS.sub(_blank, text)
    pieces, done = [], 0
    for start, end in notes:
        start = max(start, done)
        pieces += [text[done:start], _ITALIC.sub(_blank, text[start:end])]
        done = end
    return "".join(pieces) + text[done:]


_PARAGRAPH_END = re.compile(r"\n[ \t]*\n")


def _exempted(text: str) -> str:
    """Each ``[//]: # "style: PHRASE"`` line blanked, with PHRASE in the paragraph after it."""
    pieces, done = [], 0
    for m in EXEMPT.finditer(text):
        if m.start() < done:
            continue  # inside the paragraph of the marker before: not a marker there
        after = re.compile(r"\S").search(text, m.end())  # the paragraph after the marker
        gap = _PARAGRAPH_END.search(text, after.start()) if after else None
        stop = gap.start() if gap else len(text)
        phrase = (m.group(1) or m.group(2) or "").strip()
        body = text[m.end():stop]
        pieces += [text[done:m.start()], _blank(m),
                   re.sub(phrase_pattern(phrase), _blank, body) if phrase else body]
        done = stop
    return "".join(pieces) + text[done:]


_NOTE_END = re.compile(r"\n[ \t]*\n(?=[^ \t\n])|\n(?= {0,3}\[\^[^\]\n]+\]:)")


def _note_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where each footnote definition runs: from ``[^x]:`` to a blank line followed by a
    line that is not indented (the note's own paragraphs are), or the next definition."""
    for m in _NOTE_START.finditer(text):
        end = _NOTE_END.search(text, m.end())
        yield m.start(), end.start() if end else len(text)


def phrase_pattern(words: str) -> str:
    """A phrase as a pattern that allows any whitespace, line breaks included, between words."""
    return r"\s+".join(map(re.escape, words.split()))
