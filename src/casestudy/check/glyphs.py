"""Glyph coverage: every character a brief prints must be in one of the brief's fonts.

A character that no brief font has is drawn as an empty box, or in a font of the
machine the brief happens to be built on; ``pdftotext`` still finds it, so nothing
downstream notices. The checker reports it instead, at ``path:line:col``, naming the
characters and their Unicode script (from fontTools' copy of the Unicode Character
Database), for every string that reaches the page: sections (footnotes, captions and
tables included), the printed fields of study.yaml, series.yaml's prose, and the text
of SVG figures (which must also name brief fonts, or the machine chooses one).
What each font has is fontmap.py's to say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..brand.fontmap import Coverage, coverage_for
from ..errors import Problem, error
from ..files.fetch import MAX_IMAGE_BYTES, Refused, local_data, local_image, svg_figure
from ..files.yamlfile import read_yaml
from ..source.chart import MAX_CSV_BYTES, parse_settings, read_data, split_list
from ..source.load import SERIES_FILE

if TYPE_CHECKING:
    from markdown_it.token import Token

    from ..brand.model import Brand
    from ..source.load import Study
    from ..source.schema import SeriesConfig

MAX_PER_FILE = 20  # then one line says how many more: a whole section in Japanese is one fix


# ---------------------------------------------------------------- the rule


class _Reporter:
    """Collects the problems of one file, at most MAX_PER_FILE, then a count of the rest."""

    def __init__(self, path: Path, coverage: Coverage, out: list[Problem]):
        self.path, self.coverage, self.out = path, coverage, out
        self.count = 0

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
                  report: _Reporter, add: Callable[[int, int, str], None] | None = None
                  ) -> None:
    """``pieces`` are (printed text, line and col where its source starts, last line);
    ``add`` reports a place in ``lines`` (default: as it is)."""
    add = add or report.add
    after: dict[tuple[int, int], tuple[int, int]] = {}  # where the last run of a block was
    for text, line, col, last in pieces:
        for start, end in report.coverage.uncovered(text):
            run = text[start:end]
            # the characters are usually in the source as written (searched for after the
            # block's last run); else (an entity) the place of the block they came from
            found = _line_col(lines, after.get((line, col), (line, col)), run, last)
            if found:
                after[(line, col)] = (found[0], found[1] + len(run))
            add(*(found or (line, col)), report.coverage.message(run))


def _inline_pieces(tokens: Iterable[Token]) -> Iterator[tuple[str, int, int, int]]:
    """The text each token prints, with the lines its source spans."""
    for tok in tokens:
        line, last = (tok.map[0] + 1, tok.map[1]) if tok.map else (1, 0)
        if tok.type == "inline":
            for child in tok.children or []:  # an image's alt text is its own children's:
                if child.type in ("text", "code_inline", "citation"):  # not drawn: not here
                    yield child.content, line, 1, last
        elif tok.type in ("fence", "code_block"):
            yield tok.content, line + (tok.type == "fence"), 1, last


def section_problems(path: Path, text: str, tokens: Iterable[Token],
                     coverage: Coverage, out: list[Problem]) -> None:
    # markdown-it's lines end at \r too; the checker's lines end at \n alone
    where: list[tuple[int, int]] = []  # per markdown-it line: (line, offset) in the file
    for number, line in enumerate(text.split("\n"), 1):
        offset = 0
        for piece in line.removesuffix("\r").split("\r"):
            where.append((number, offset))
            offset += len(piece) + 1
    report = _Reporter(path, coverage, out)

    def add(line: int, col: int, message: str) -> None:
        number, offset = where[min(line, len(where)) - 1]
        report.add(number, col + offset, message)

    _check_pieces(_inline_pieces(tokens), text.replace("\r\n", "\n").replace("\r", "\n")
                  .split("\n"), report, add)
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


def study_problems(study: Study, series: SeriesConfig | None, brand: Brand) -> list[Problem]:
    """Every place in the study (and in series.yaml's prose) with characters no brief
    font has (``brand``'s fonts), and every SVG figure whose text would be drawn in a
    machine font."""
    coverage = coverage_for(brand)
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
        svgs += _svg_files(study, section.path.parent, [ref.value for ref in parsed.images])
        for block in parsed.blocks:
            if block.kind == "chart":
                _chart_problems(study, section.path, block.settings, coverage, out)
    for svg in dict.fromkeys(svgs):
        svg_problems(svg, coverage, out, brand.headings.families[0])
    _reference_problems(study, coverage, out)
    if series is not None:
        out += series_problems(series, coverage)
    return out


def _chart_problems(study: Study, section: Path, lines: list[tuple[str, int, int]],
                    coverage: Coverage, out: list[Problem]) -> None:
    """What a chart draws from its CSV (the x column's cells, and the y columns' names
    when no legend names them), at the cell: its settings are section text, judged with
    it. A chart the checker refuses is its to report. The settings and the CSV are the
    ones the checker parsed (``study.charts``)."""

    settings, problems = parse_settings(lines, section, study.charts)
    spec = {s.key: s for s in settings}
    if problems or "data" not in spec or "x" not in spec:
        return
    try:
        path = local_data(study.root, section.parent, spec["data"].value)
    except (Refused, OSError):
        return
    found = read_data(path, study.charts)
    raw, table = found.raw, found.table
    if table is None or len(raw) > MAX_CSV_BYTES:  # unreadable, refused or too large
        return
    header, rows = table
    text_lines = raw.decode("utf-8-sig").splitlines()
    head = next((i + 1 for i, line in enumerate(text_lines) if line.strip()), 1)
    names = [spec["x"].value]
    if "y" in spec and "legend" not in spec:
        names += split_list(spec["y"].value)
    pieces = [(name, head, 1, head) for name in names if name in header]
    if spec["x"].value in header:
        x = header.index(spec["x"].value)
        pieces += [(row.cells[x], row.line, row.cols[x], row.line) for row in rows
                   if x < len(row.cells)]
    report = _Reporter(path, coverage, out)
    _check_pieces(pieces, text_lines, report)
    report.close()


def _reference_problems(study: Study, coverage: Coverage, out: list[Problem]) -> None:
    """What the notes will print of each cited source: its names, titles and places, and
    those it takes from the entries it draws on (a BibLaTeX crossref parent, xdata)."""
    cited = study.library.in_use({ref.value for s in study.sections if s.parsed
                                  for ref in s.parsed.citations})
    by_file: dict[Path, list[tuple[str, int, int, int]]] = {}
    for entry in study.library.entries.values():
        if entry.key in cited:
            by_file.setdefault(entry.path, []).extend(
                (text, entry.line, entry.col, 0) for text in entry.printed)
    for path, pieces in by_file.items():
        if any(coverage.uncovered(text) for text, *_ in pieces):
            report = _Reporter(path, coverage, out)
            _check_pieces(pieces, _read_lines(path), report)
            report.close()


def series_problems(series: SeriesConfig, coverage: Coverage) -> list[Problem]:
    """series.yaml's prose that no brief font (of ``coverage``) can print (every brief
    prints it)."""
    if series.root is None:
        return []
    texts = [getattr(series, key) for key in SERIES_PROSE]
    if not any(coverage.uncovered(text) for text in texts):
        return []

    path = series.root / SERIES_FILE
    doc = read_yaml(path)
    out: list[Problem] = []
    report = _Reporter(path, coverage, out)
    pieces = [(getattr(series, key), *doc.where((key,)), 0) for key in SERIES_PROSE]
    _check_pieces(pieces, _read_lines(path), report)
    report.close()
    return out


def _svg_files(study: Study, section_dir: Path, sources: list[str]) -> list[Path]:
    """The SVG files a section shows, found as the build finds them: from the section's
    folder first (``../figures/x.svg``), as written from the study folder otherwise."""
    out = []
    for src in sources:
        try:
            path = local_image(study.root, src, section_dir)
            if path.suffix.lower() == ".svg" and not svg_figure(path).errors:
                out.append(path)  # judged as written; the sanitized copy keeps the text
        except (Refused, OSError):
            continue  # the image check reports it; a refused SVG is not drawn
    return out


_TEXT_TAGS = {"text", "tspan", "textPath", "a"}
_FAMILY_IN_STYLE = re.compile(r"font-family\s*:\s*([^;}]+)", re.IGNORECASE)
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)


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
            head = handle.read(MAX_IMAGE_BYTES)
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            return [], []  # refused by the image check
        parser.Parse(head, True)
    except (expat.ExpatError, OSError, RecursionError):
        return [], []
    return texts, styles


def svg_problems(path: Path, coverage: Coverage, out: list[Problem],
                 suggest: str = "") -> None:
    """``suggest``: the family to name for text without one (the brand's headings face,
    in which charts are drawn)."""
    texts, styles = _svg_texts(path)
    if not texts:
        return
    known = set(coverage.by_family)
    for line, col, css in styles:  # a <style> rule may give the text its font
        # an @font-face names a face, it does not use one (its url() is refused anyway)
        css = _FONT_FACE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), css)
        for match in _FAMILY_IN_STYLE.finditer(css):
            stray = _families(match.group(1))[:1]
            if stray and stray[0] not in known:
                before = css[: match.start()]
                at = (line + before.count("\n"),
                      (len(before.rsplit("\n", 1)[-1]) + 1) if "\n" in before else col
                      + len(before))
                out.append(error(path, *at, _font_message(stray, known)))
    styled = any(_FAMILY_IN_STYLE.search(_FONT_FACE.sub("", css)) for _, _, css in styles)
    report = _Reporter(path, coverage, out)
    lines = _read_lines(path)
    for piece in texts:
        families = piece.families
        if families is None:
            if styled:
                continue  # its font comes from the <style> rules judged above
            report.add(piece.line, piece.col, "SVG text names no font-family, so the PDF "
                       "would draw it in a font of this machine; add font-family=\""
                       + (suggest or next(iter(coverage.by_family), ""))
                       + "\" (or another brief font)")
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
