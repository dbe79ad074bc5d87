"""Glyph coverage: every character a brief prints must be in one of the brief's fonts.

A character that no brief font has is drawn as an empty box, or in a font of the
machine the brief happens to be built on; ``pdftotext`` still finds it, so nothing
downstream notices. The checker reports it instead, at ``path:line:col``, naming the
characters and their Unicode script (from fontTools' copy of the Unicode Character
Database), for every string that reaches the page: sections (footnotes, captions and
tables included), the printed fields of study.yaml, series.yaml's prose, and the text
of SVG figures (which must also name brief fonts, or the machine chooses one).

Each font's character map is read with fontTools once and kept in the user's cache
folder under the SHA-256 of the font file; a cache that is missing or unreadable
only costs time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .brand import Font, brand_fonts, brief_fonts
from .errors import Problem, error

if TYPE_CHECKING:
    from markdown_it.token import Token

    from .load import Study
    from .schema import SeriesConfig

MAX_PER_FILE = 20  # then one line says how many more: a whole section in Japanese is one fix
_FORMAT = 1  # bump when the cached shape changes
# Characters that are never drawn, so need no glyph: line breaks and tabs (whitespace in
# HTML) and the default-ignorable ones (joiners, direction marks, variation selectors).
_IGNORABLE_EXTRA = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0,
                    *range(0x180B, 0x1810), *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}
_DISK = {"cache": True}  # builds keep the cmaps in memory: they write only their outputs
_UNICODE_RANGE = re.compile(r"^U\+([0-9A-F?]{1,6})(?:-([0-9A-F]{1,6}))?$", re.IGNORECASE)


def ignorable(code: int) -> bool:
    return (code in (0x09, 0x0A, 0x0D) or code in _IGNORABLE_EXTRA
            or unicodedata.category(chr(code)) == "Cf")


# ---------------------------------------------------------------- fonts


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@cache
def _font_digest(path: Path, size: int, mtime_ns: int) -> str:
    return _sha256(path)


def font_digest(path: Path) -> str:
    """The SHA-256 of a font file (remembered for this process while it is unchanged)."""
    info = os.stat(path)
    return _font_digest(path, info.st_size, info.st_mtime_ns)


def _ranges(codes: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for code in sorted(codes):
        if out and code == out[-1][1] + 1:
            out[-1] = (out[-1][0], code)
        else:
            out.append((code, code))
    return out


def memory_only() -> None:
    """Read and write no cache file in this process (a build reads only what it may)."""
    _DISK["cache"] = False


@cache
def _cmap(digest: str, path: Path) -> frozenset[int]:
    from .cache import default_cache_dir

    store = default_cache_dir() / "fonts" / f"cmap-{_FORMAT}-{digest}.json"
    try:
        if _DISK["cache"]:
            ranges = json.loads(store.read_text("ascii"))
            return frozenset(c for a, b in ranges for c in range(int(a), int(b) + 1))
    except (OSError, ValueError, TypeError):
        pass
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            codes = frozenset(font.getBestCmap() or {})
    except (TTLibError, OSError, ValueError, KeyError, AssertionError) as exc:
        raise ValueError(f"{path.name} cannot be read as a font ({exc})") from None
    if not _DISK["cache"]:
        return codes
    try:
        from .write import atomic_write

        store.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(store, json.dumps(_ranges(codes)).encode("ascii"), durable=False)
    except OSError:
        pass
    return codes


def font_cmap(path: Path) -> frozenset[int]:
    """The characters ``path`` has a glyph for; ValueError when it is not a font."""
    return _cmap(font_digest(path), path)


def parse_unicode_range(text: str) -> list[tuple[int, int]]:
    """A CSS unicode-range ("U+3000-30FF, U+4E??") as inclusive ranges; ValueError if bad."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        match = _UNICODE_RANGE.match(part)
        if not match:
            raise ValueError(f"{part!r} is not a unicode-range such as U+3000-30FF")
        first, last = match.group(1), match.group(2)
        if "?" in first:
            if last:
                raise ValueError(f"{part!r}: a range with '?' has no end")
            low, high = int(first.replace("?", "0"), 16), int(first.replace("?", "F"), 16)
        else:
            low, high = int(first, 16), int(last or first, 16)
        if low > high or high > 0x10FFFF:
            raise ValueError(f"{part!r} is not a range of code points")
        out.append((low, high))
    return out


def script_code(name: str) -> str:
    """The ISO 15924 code of a script given by name (Han) or code (Hani); ValueError."""
    from fontTools import unicodedata as ucd

    if len(name) == 4 and name.title() in ucd.Scripts.NAMES:
        return name.title()
    code = ucd.script_code(name.replace(" ", "_"), default=None)
    if code is None:
        raise ValueError(f"{name!r} is not a Unicode script name (Han, Hiragana, Arabic, ...)")
    return str(code)


def script_name(char: str) -> str:
    from fontTools import unicodedata as ucd

    return str(ucd.script_name(ucd.script(char))).replace("_", " ")


@cache
def _fallback_chars(font: Font, brand: frozenset[int]) -> frozenset[int]:
    """What a fallback font draws: what it has, minus what the brand fonts have, limited
    to its declared scripts (and the punctuation shared by scripts) or unicode-range."""
    from fontTools import unicodedata as ucd

    codes = font_cmap(font.path) - brand
    if font.unicode_range:
        ranges = parse_unicode_range(font.unicode_range)
        codes = frozenset(c for c in codes if any(a <= c <= b for a, b in ranges))
    if font.scripts:
        wanted = {script_code(s) for s in font.scripts}
        codes = frozenset(c for c in codes if ucd.script_extension(chr(c)) & wanted
                          or ucd.script(chr(c)) in ("Zyyy", "Zinh"))
    return codes


def fallback_unicode_range(font: Font) -> str:
    """The CSS unicode-range of a limited fallback font ("" when it draws all it has).

    WeasyPrint takes a face's unicode-range as its whole character set, so the range
    lists only characters the font really has: the checker and the renderer agree.
    """
    if not (font.scripts or font.unicode_range):
        return ""
    chars = _fallback_chars(font, _brand_chars())
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in _ranges(chars))


@cache
def _brand_chars() -> frozenset[int]:
    return frozenset().union(*(font_cmap(f.path) for f in brand_fonts()))


class Coverage:
    """The characters the fonts of one brief can draw, by family."""

    def __init__(self, fonts: list[Font]):
        brand = _brand_chars()
        self.by_family: dict[str, set[int]] = {}
        for font in fonts:
            chars = _fallback_chars(font, brand) if font.fallback else font_cmap(font.path)
            self.by_family.setdefault(font.family, set()).update(chars)
        self.chars = frozenset().union(*self.by_family.values())
        self.fallback_families = [f.family for f in fonts if f.fallback]

    def uncovered(self, text: str, families: list[str] | None = None) -> list[tuple[int, int]]:
        """(start, end) of each run of characters no font has (of ``families``, when
        given). A run goes on across spaces and punctuation, not across letters."""
        chars = self.chars if families is None else frozenset().union(
            *(self.by_family.get(f, set()) for f in families))
        if {ord(c) for c in set(text)} <= chars:  # the usual case, at C speed
            return []
        runs: list[tuple[int, int]] = []
        bridge = False  # whether what came since the last run may join the next one to it
        for i, char in enumerate(text):
            code = ord(char)
            if code in chars or ignorable(code):
                if char.isalnum() or char == "\n":
                    bridge = False
                continue
            if runs and bridge:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
            bridge = True
        return runs

    def message(self, run: str, families: list[str] | None = None) -> str:
        """What the author is told about one run (``run`` may hold covered characters)."""
        chars = self.chars if families is None else frozenset().union(
            *(self.by_family.get(f, set()) for f in families))
        missing: list[str] = []
        for char in run:
            if ord(char) not in chars and not ignorable(ord(char)) and char not in missing:
                missing.append(char)
        scripts: list[str] = []
        for char in missing:
            name = script_name(char)
            if name not in scripts:
                scripts.append(name)
        control = [c for c in missing if unicodedata.category(c) == "Cc"]
        if control:
            return (f"U+{ord(control[0]):04X} is a control character, which cannot be "
                    "printed; remove it")
        named = ", ".join(f"U+{ord(c):04X} {_shown(c)}" for c in missing[:3])
        if len(missing) > 3:
            named += f" and {len(missing) - 3} more"
        verb = "is" if len(missing) == 1 else "are"
        named += f" ({', '.join(scripts)})"
        proper = [s for s in scripts if s not in ("Common", "Inherited")]
        which = ("that has them" if not proper else "for " + (
            proper[0] if len(proper) == 1 else ", ".join(proper[:-1]) + " and " + proper[-1]))
        where = "in no brief font" if families is None else (
            "in none of the fonts it names (" + ", ".join(families) + ")")
        return f"{named} {verb} {where}; add a fallback font {which} to the brand"


def _shown(char: str) -> str:
    if unicodedata.category(char).startswith("M"):
        return "\u25cc" + char  # a mark is shown on a dotted circle, as the standard does
    if unicodedata.category(char) in ("Zs", "Zl", "Zp", "Co", "Cn", "Cs"):
        return f"({unicodedata.name(char, 'unassigned')})"
    return char


def coverage_for(series: SeriesConfig | None) -> Coverage:
    return _coverage(series_fonts_key(series), tuple(brief_fonts(series)))


@cache
def _coverage(key: str, fonts: tuple[Font, ...]) -> Coverage:
    return Coverage(list(fonts))


def series_fonts_key(series: SeriesConfig | None) -> str:
    """What the coverage of a brief depends on: its fonts' files, by content."""
    parts = [f"{f.family}\0{f.fallback}\0{f.scripts}\0{f.unicode_range}\0{font_digest(f.path)}"
             for f in brief_fonts(series)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# ---------------------------------------------------------------- the rule


class _Reporter:
    """Collects the problems of one file, at most MAX_PER_FILE, then a count of the rest."""

    def __init__(self, path: Path, coverage: Coverage, out: list[Problem]):
        self.path, self.coverage, self.out = path, coverage, out
        self.count = 0
        self.first: tuple[int, int] | None = None

    def add(self, line: int, col: int, message: str) -> None:
        self.count += 1
        if self.count <= MAX_PER_FILE:
            self.out.append(error(self.path, line, col, message))

    def close(self) -> None:
        if self.count > MAX_PER_FILE:
            more = self.count - MAX_PER_FILE
            self.out.append(error(self.path, 1, 1, f"{more} more place{'s' * (more > 1)} in "
                                  f"this file hold{'s' * (more == 1)} characters in no brief "
                                  f"font (the first {MAX_PER_FILE} are listed)"))


def _line_col(lines: list[str], start: tuple[int, int], needle: str,
              last: int | None = None) -> tuple[int, int] | None:
    """Where ``needle`` first occurs in ``lines`` at or after (line, col), up to line
    ``last`` (all 1-based)."""
    line, col = start
    for i in range(line - 1, min(len(lines), last or len(lines))):
        at = lines[i].find(needle, col - 1 if i == line - 1 else 0)
        if at >= 0:
            return i + 1, at + 1
    return None


def _check_pieces(pieces: Iterable[tuple[str, int, int, int]], lines: list[str],
                  report: _Reporter) -> None:
    """``pieces`` are (printed text, line and col where its source starts, last line)."""
    after: dict[tuple[int, int], tuple[int, int]] = {}  # where the last run of a block was
    for text, line, col, last in pieces:
        for start, end in report.coverage.uncovered(text):
            run = text[start:end]
            # the characters are usually in the source as written (searched for after the
            # block's last run); else (an entity) the place of the block they came from
            found = _line_col(lines, after.get((line, col), (line, col)), run, last)
            if found:
                after[(line, col)] = (found[0], found[1] + len(run))
            report.add(*(found or (line, col)), report.coverage.message(run))


def _inline_pieces(tokens: Iterable[Token]) -> Iterator[tuple[str, int, int, int]]:
    """The text each token prints, with the lines its source spans."""
    for tok in tokens:
        line, last = (tok.map[0] + 1, tok.map[1]) if tok.map else (1, 0)
        if tok.type == "inline":
            for child in tok.children or []:  # an image's alt text is its own children's:
                if child.type in ("text", "code_inline"):  # not drawn, so not here
                    yield child.content, line, 1, last
        elif tok.type in ("fence", "code_block"):
            yield tok.content, line + (tok.type == "fence"), 1, last


def section_problems(path: Path, text: str, tokens: Iterable[Token],
                     coverage: Coverage, out: list[Problem]) -> None:
    report = _Reporter(path, coverage, out)
    _check_pieces(_inline_pieces(tokens), text.splitlines(), report)
    report.close()


# study.yaml fields printed on the brief (topics and URLs are metadata, not print)
_META_FIELDS = ("title", "subtitle", "short_title", "sponsor")
_PERSON_FIELDS = ("name", "title", "affiliation")
SERIES_PROSE = ("series_name", "publisher", "programme", "programme_boilerplate", "label",
                "website")


def _yaml_pieces(data: Any, doc_values: dict[Any, tuple[int, int]]
                 ) -> Iterator[tuple[str, int, int, int]]:
    def value(*loc: str | int) -> Iterator[tuple[str, int, int, int]]:
        node: Any = data
        for part in loc:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return
        if isinstance(node, str) and node:
            line, col = doc_values.get(tuple(loc), (1, 1))
            yield node, line, col, 0  # a folded value may span lines: to the end

    for key in _META_FIELDS:
        yield from value(key)
    for key in ("name", "adjective"):
        yield from value("country", key)
    for i, _author in enumerate(data.get("authors") or [] if isinstance(data, dict) else []):
        for key in (*_PERSON_FIELDS, "bio"):
            yield from value("authors", i, key)
    for key in _PERSON_FIELDS:
        yield from value("project_manager", key)
    for i, _work in enumerate(data.get("related") or [] if isinstance(data, dict) else []):
        for key in ("author", "title", "publisher"):
            yield from value("related", i, key)


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text("utf-8", "replace").splitlines()
    except OSError:
        return []


def study_problems(study: Study, series: SeriesConfig | None) -> list[Problem]:
    """Every place in the study (and in series.yaml's prose) with characters no brief
    font has, and every SVG figure whose text would be drawn in a machine font."""
    coverage = coverage_for(series)
    out: list[Problem] = []
    if isinstance(study.yaml.data, dict) and study.meta is not None:
        report = _Reporter(study.study_file, coverage, out)
        pieces = list(_yaml_pieces(study.yaml.data, study.yaml.values))
        if any(coverage.uncovered(text) for text, *_ in pieces):
            _check_pieces(pieces, _read_lines(study.study_file), report)
        report.close()
    svgs: list[Path] = []
    for section in study.sections:
        if section.parsed is None:
            continue
        parsed = section.parsed
        tokens = list(parsed.tokens)
        for body in parsed.footnote_tokens.values():
            tokens += body
        section_problems(section.path, parsed.text, tokens, coverage, out)
        svgs += _svg_files(study, [ref.value for ref in parsed.images])
    for svg in dict.fromkeys(svgs):
        svg_problems(svg, coverage, out)
    if series is not None:
        out += series_problems(series, coverage)
    return out


def series_problems(series: SeriesConfig, coverage: Coverage | None = None) -> list[Problem]:
    """series.yaml's prose that no brief font can print (every brief prints it)."""
    coverage = coverage or coverage_for(series)
    if series._root is None:
        return []
    texts = [getattr(series, key) for key in SERIES_PROSE]
    if not any(coverage.uncovered(text) for text in texts):
        return []
    from .load import SERIES_FILE
    from .yamlfile import read_yaml

    path = series._root / SERIES_FILE
    doc = read_yaml(path)
    out: list[Problem] = []
    report = _Reporter(path, coverage, out)
    pieces = [(getattr(series, key), *doc.where((key,)), 0) for key in SERIES_PROSE]
    _check_pieces(pieces, _read_lines(path), report)
    report.close()
    return out


def _svg_files(study: Study, sources: list[str]) -> list[Path]:
    from .fetch import Refused, local_image

    out = []
    for src in sources:
        try:
            path = local_image(study.root, src)
        except Refused:
            continue  # the checker reports it
        if path.suffix.lower() == ".svg":
            out.append(path)
    return out


_TEXT_TAGS = {"text", "tspan", "textPath", "a"}
_FAMILY_IN_STYLE = re.compile(r"font-family\s*:\s*([^;}]+)", re.IGNORECASE)


def _families(value: str) -> list[str]:
    return [f.strip().strip("\"'").strip() for f in value.split(",") if f.strip()]


@dataclass
class _SvgText:
    text: str
    line: int
    col: int
    families: list[str] | None  # None: the SVG names no font for it


def _svg_texts(path: Path) -> tuple[list[_SvgText], list[tuple[int, int, str]]]:
    """The text an SVG draws, where it is, and in which fonts; and its <style> rules'
    font-family values. Returns nothing for an SVG the checker refuses anyway."""
    from xml.parsers import expat

    texts: list[_SvgText] = []
    styles: list[tuple[int, int, str]] = []
    stack: list[tuple[str, list[str] | None]] = []  # (tag, font-family in force)
    parser = expat.ParserCreate()

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name.rsplit(":", 1)[-1]
        families = stack[-1][1] if stack else None
        if "font-family" in attrs:
            families = _families(attrs["font-family"])
        match = _FAMILY_IN_STYLE.search(attrs.get("style", ""))
        if match:
            families = _families(match.group(1))
        stack.append((tag, families))

    def end(name: str) -> None:
        stack.pop()

    def data(content: str) -> None:
        if not stack:
            return
        tag, families = stack[-1]
        line, col = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
        if tag == "style":
            styles.append((line, col, content))
        elif tag in _TEXT_TAGS and any(tag2 == "text" for tag2, _ in stack) and content.strip():
            texts.append(_SvgText(content, line, col, families))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        with open(path, "rb") as handle:
            head = handle.read(fetch_limit())
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            return [], []  # refused by the image check
        parser.Parse(head, True)
    except (expat.ExpatError, OSError, RecursionError):
        return [], []
    return texts, styles


def fetch_limit() -> int:
    from .fetch import MAX_IMAGE_BYTES

    return MAX_IMAGE_BYTES


def svg_problems(path: Path, coverage: Coverage, out: list[Problem]) -> None:
    texts, styles = _svg_texts(path)
    if not texts:
        return
    known = set(coverage.by_family)
    for line, col, css in styles:  # a <style> rule may give the text its font
        for match in _FAMILY_IN_STYLE.finditer(css):
            stray = _families(match.group(1))[:1]
            if stray and stray[0] not in known:
                before = css[: match.start()]
                at = (line + before.count("\n"),
                      (len(before.rsplit("\n", 1)[-1]) + 1) if "\n" in before else col
                      + len(before))
                out.append(error(path, *at, _font_message(stray, known)))
    styled = any(_FAMILY_IN_STYLE.search(css) for _, _, css in styles)
    report = _Reporter(path, coverage, out)
    lines = _read_lines(path)
    for piece in texts:
        families = piece.families
        if families is None:
            if styled:
                continue  # its font comes from the <style> rules judged above
            report.add(piece.line, piece.col, "SVG text names no font-family, so the PDF "
                       "would draw it in a font of this machine; add font-family=\""
                       + brand_fonts()[2].family + "\" (or another brief font)")
            continue
        if families[0] not in known:  # later ones are only asked for what it lacks,
            report.add(piece.line, piece.col, _font_message(families[:1], known))
            continue  # and the coverage below is judged on the brief fonts named alone
        families = [f for f in families if f in known]
        for start, end in coverage.uncovered(piece.text, families):
            run = piece.text[start:end]
            where = _line_col(lines, (piece.line, piece.col), run) or (piece.line, piece.col)
            report.add(*where, coverage.message(run, families))
    report.close()


def _font_message(stray: list[str], known: set[str]) -> str:
    names = ", ".join(repr(f) for f in stray)
    return (f"SVG text asks for font-family {names}, not a brief font, so the PDF would "
            f"draw it in a font of this machine; use only {', '.join(sorted(known))}")
