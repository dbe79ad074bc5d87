"""Right-to-left text in the order it is drawn, Arabic joined: for SVG text in the PDF.

WeasyPrint draws SVG text one character at a time, each where the last one ended, in
the order the characters are stored (logical order), each shaped alone. Hebrew then
reads backwards and Arabic comes out as unjoined letters. A browser runs the Unicode
bidirectional algorithm and shapes whole runs, so the web edition needs nothing; the
PDF is given each text in visual order instead (:func:`visual`):

- the order follows the Unicode bidirectional algorithm (UAX #9): python-bidi resolves
  each character's embedding level (bracket pairs and isolates included), and runs are
  reversed by level here (L2), mirrored characters (brackets) swapped in right-to-left
  runs (L4), so ``(2024)`` inside Hebrew keeps its shape and its numbers their order;
- Arabic is shaped by HarfBuzz (uharfbuzz) with the font that draws it, and each letter
  is replaced by the Unicode presentation form of the shape HarfBuzz chose for it
  (initial, medial, final, isolated; lam-alef as its ligature), because a character
  drawn alone can only show a joined shape if it is one. A form the font does not map
  is left as the letter itself (in the right place, unjoined), so no other font is
  asked for it.

Text without a right-to-left character is returned as it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import uharfbuzz as hb
from bidi import get_base_level, get_display
from bidi.mirror import MIRRORED
from fontTools.ttLib import TTFont, TTLibError

RTL_CLASSES = frozenset(("R", "AL", "RLE", "RLO", "RLI"))
_ZWJ = "\u200d"
_LAM = "\u0644"
# After the forms (init, medi, fina), a font may swap in contextual glyphs that no
# code point names; the forms alone are what characters can carry.
_LATER_FEATURES = {name: False for name in ("rlig", "calt", "liga", "dlig", "mset")}
_FORMS = ("isolated", "final", "initial", "medial")
_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")
_PROBES = {"isolated": ("", ""), "final": (_ZWJ, ""), "initial": ("", _ZWJ),
           "medial": (_ZWJ, _ZWJ)}


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds a right-to-left character (Hebrew, Arabic, ...) or mark."""
    return any(unicodedata.bidirectional(ch) in RTL_CLASSES for ch in text)


def base_is_rtl(text: str) -> bool:
    """The direction a paragraph of ``text`` takes from its first strong character (UAX
    #9 P2-P3, what ``dir="auto"`` does). An empty text is left to right (python-bidi
    refuses it: "no paragraphs")."""
    return bool(text) and get_base_level(text) == 1


def reads_ltr(text: str) -> bool:
    """Whether a paragraph of ``text`` is left to right by its first strong character
    (UAX #9 P2): one without any (digits, punctuation) takes its surroundings'."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return False
        if kind == "L":
            return True
    return False


def visual(text: str, rtl: bool = False, fonts: Sequence[Path] = (),
           override: bool = False) -> str:
    """``text`` in the order it is drawn, left to right, its Arabic joined.

    ``rtl`` is the paragraph's base direction (SVG's ``direction``), ``override`` a
    ``unicode-bidi: bidi-override`` (every character in the base direction); ``fonts``
    are the font files the text may be drawn with, in the order they are tried.
    """
    if override:
        return text[::-1] if rtl else text
    if not has_rtl(text):
        return text
    levels = _levels(text, rtl)
    shaped = list(text)
    for start, end in _arabic_runs(text):
        shaped[start:end] = _shape(shaped[start:end], fonts)
    for i, level in enumerate(levels):  # L4: brackets face the way their run reads
        if level % 2:
            shaped[i] = MIRRORED.get(shaped[i], shaped[i])
    return "".join(shaped[i] for i in _order(levels))


def mirrored(text: str) -> str:
    """``text`` with every mirrored character (brackets, less-than) swapped for its pair."""
    return "".join(MIRRORED.get(ch, ch) for ch in text)


def _levels(text: str, rtl: bool) -> list[int]:
    """Each character's embedding level (UAX #9 up to L1), from python-bidi.

    Its Rust implementation (the full algorithm, bracket pairs included) hands the
    levels out only in its ``debug`` report, one per UTF-8 byte; the first byte of
    each character speaks for it. Trailing spaces go back to the paragraph's level (L1).
    """
    report = str(get_display(text, base_dir="R" if rtl else "L", debug=True))
    per_byte = [int(n) for n in _LEVEL.findall(report.partition("levels:")[2]
                                               .partition("paragraphs:")[0])]
    levels, offset = [], 0
    for ch in text:
        levels.append(per_byte[offset] if offset < len(per_byte) else int(rtl))
        offset += len(ch.encode("utf-8"))
    if len(per_byte) != offset:  # a python-bidi whose report reads otherwise: a bug of ours
        raise RuntimeError("python-bidi's debug report changed; update files/bidi.py")
    end = len(text)
    while end and unicodedata.bidirectional(text[end - 1]) in ("WS", "BN", "S", "B"):
        end -= 1
        levels[end] = int(rtl)
    return levels


def _order(levels: list[int]) -> list[int]:
    """L2: the logical indexes in visual order, every run at or above each odd level
    (from the highest down) reversed."""
    order = list(range(len(levels)))
    odd = [level for level in levels if level % 2]
    if not odd:
        return order
    for level in range(max(levels), min(odd) - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            order[i:j] = order[i:j][::-1]
            i = j
    return order


def _arabic_runs(text: str) -> list[tuple[int, int]]:
    """Spans of Arabic letters and the marks and joiners between them: what joins."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, ch in enumerate(text + " "):
        joins = unicodedata.bidirectional(ch) in ("AL", "NSM") or ch == _ZWJ
        if joins and start is None:
            start = i
        elif not joins and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _shape(run: list[str], fonts: Sequence[Path]) -> list[str]:
    """The run's characters, each Arabic letter as the presentation form HarfBuzz
    shaped it to; a lam-alef pair as its ligature and an empty string."""
    letters = {ord(ch) for ch in run if unicodedata.bidirectional(ch) == "AL"
               and unicodedata.category(ch).startswith("L")}
    font = next((f for f in fonts if letters <= _cmap(f).keys()), None)
    if font is None or not letters:
        return run
    shaped = _clusters(font, "".join(run))
    forms = [_form_of(font, ch, shaped.get(i, ())) for i, ch in enumerate(run)]
    out = list(run)
    cmap = _cmap(font)
    table = _presentation()
    for i, (ch, form) in enumerate(zip(run, forms, strict=True)):
        if form in ("initial", "medial") and ch == _LAM and i + 1 < len(run) \
                and forms[i + 1] == "final":
            ligature = table.get((ch + run[i + 1], "isolated" if form == "initial" else "final"))
            if ligature and ord(ligature) in cmap:
                out[i], out[i + 1] = ligature, ""
                continue
        if out[i] == "" or form in (None, "isolated"):
            continue
        candidate = table.get((ch, form))
        if candidate and ord(candidate) in cmap:
            out[i] = candidate
    return out


def _form_of(font: Path, ch: str, glyphs: tuple[int, ...]) -> str | None:
    """Which of the letter's four shapes the glyphs of its cluster are, or None."""
    if not glyphs:
        return None
    for form in _FORMS:
        if _probe(font, ch, form) == glyphs:
            return form
    return None


@cache
def _probe(font: Path, ch: str, form: str) -> tuple[int, ...]:
    """The glyphs HarfBuzz gives ``ch`` when joined as ``form`` (zero-width joiners
    around it stand for the neighbours)."""
    before, after = _PROBES[form]
    return _clusters(font, before + ch + after).get(len(before), ())


def _clusters(font: Path, text: str) -> dict[int, tuple[int, ...]]:
    """Each character's glyphs (by its index in ``text``) as HarfBuzz shapes the text."""
    buf = hb.Buffer()
    buf.add_codepoints([ord(ch) for ch in text])
    buf.guess_segment_properties()
    buf.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS  # one cluster a char
    hb.shape(_hb_font(font), buf, _LATER_FEATURES)
    out: dict[int, list[int]] = {}
    for info in buf.glyph_infos:
        out.setdefault(info.cluster, []).append(info.codepoint)
    return {k: tuple(v) for k, v in out.items()}


@cache
def _hb_font(path: Path) -> hb.Font:
    return hb.Font(hb.Face(hb.Blob.from_file_path(str(path))))


@cache
def _cmap(path: Path) -> dict[int, str]:
    """The font's character map; empty when it cannot be read (then it shapes nothing)."""
    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            return dict(font.getBestCmap() or {})
    except (OSError, TTLibError, AssertionError, KeyError):
        return {}


@cache
def _presentation() -> dict[tuple[str, str], str]:
    """Unicode's Arabic presentation forms: (letters, form) -> the form's code point."""
    table: dict[tuple[str, str], str] = {}
    for code in range(0xFB50, 0xFF00):
        tag, _, rest = unicodedata.decomposition(chr(code)).partition(" ")
        if tag in ("<isolated>", "<final>", "<initial>", "<medial>") and rest:
            base = "".join(chr(int(part, 16)) for part in rest.split())
            table.setdefault((base, tag[1:-1]), chr(code))
    return table
