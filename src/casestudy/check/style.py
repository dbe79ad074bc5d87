"""The house-style rules: series.yaml's ``style`` block and the house formats, in prose.

They read the section text, and the prose series.yaml prints on every brief (its
``study`` is None: a series-level finding), as masked text (:mod:`.mask`): code, links,
quotations and the like are not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import warning
from ..files.yamlfile import YamlDoc
from .facts import Found, Series, Text
from .mask import mask, phrase_pattern

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December")
# House formats in prose (tables, figures and charts may use '%'): "12 percent", "March 3, 2024".
# One pattern, one pass; each alternative is a named group with its advice.
FORMATS = re.compile(
    r"(?P<percent>\d+(?:[.,]\d+)*\s?%)"
    r"|(?P<per_cent>\d+(?:[.,]\d+)*\s+per\s+cent\b)"
    rf"|(?P<date>\d{{1,2}}\s+(?:{_MONTHS})\s+\d{{4}}(?!\w))")
ADVICE = {"percent": "write 'percent' in prose, not '%'",
          "per_cent": "write 'percent', not 'per cent'",
          "date": "write dates as 'March 3, 2024' (month day, year)"}

# series.yaml values printed on every brief, so held to the house style like the studies
SERIES_PROSE = ("series_name", "publisher", "programme", "programme_boilerplate", "label")


def series_prose(doc: YamlDoc) -> Text | None:
    """series.yaml with all but the values of SERIES_PROSE blanked: keys, comments and the
    ``style`` block (whose own entries name the words it bans) are not prose."""
    try:
        text = doc.path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.split("\n")
    kept = [[" "] * len(row) for row in lines]  # blanks, same lines and columns
    top = sorted(pos for loc, pos in doc.keys.items() if len(loc) == 1)
    for key in SERIES_PROSE:
        if (key,) in doc.values:
            line, col = doc.values[(key,)]
            following = next((pos[0] for pos in top if pos[0] > line), len(lines) + 1)
            for n, start, end in _scalar_spans(lines, line, col, following):
                kept[n - 1][start:end] = lines[n - 1][start:end]
    return Text(None, doc.path, mask("\n".join("".join(row) for row in kept)))


_QUOTED = {'"': re.compile(r'"(?:[^"\\]|\\.)*"'), "'": re.compile(r"'(?:[^']|'')*'")}


def _scalar_spans(lines: list[str], line: int, col: int,
                  following: int) -> Iterator[tuple[int, int, int]]:
    """(line, start, end) of a scalar's own text, starting at ``line``:``col`` (1-based),
    comments left out: a quoted value to its closing quote, a plain one to a ``#``, a
    block (``>`` or ``|``) as its lines up to the next top-level key."""
    first = lines[line - 1]
    opening = first[col - 1:col]
    if opening in (">", "|"):
        for n in range(line + 1, following):
            yield n, 0, len(lines[n - 1])
    elif opening in ('"', "'"):
        m = _QUOTED[opening].match(first, col - 1)
        yield line, col - 1, m.end() if m else len(first)
    else:
        m = re.search(r"\s#", first[col - 1:])
        yield line, col - 1, col - 1 + m.start() if m else len(first)


def _prose(text: str) -> str:
    """Masked text with table, figure and chart blocks and table rows blanked as well."""
    lines, inside = text.split("\n"), False
    for i, line in enumerate(lines):
        if line.startswith(":::"):
            inside = line[3:].strip().split(" ")[0] in ("table", "figure", "chart")
        if inside or line.lstrip().startswith("|"):
            lines[i] = " " * len(line)
    return "\n".join(lines)


def _at(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _word_char(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")


def _alternatives(phrases: Iterable[str], flags: int = 0) -> re.Pattern[str] | None:
    """One pattern for many phrases, longest first, starting with a literal so that the
    regex engine can skip ahead (a leading look-behind would make it try every position);
    word boundaries are checked by the caller."""
    ordered = sorted({p for p in phrases if p.strip()}, key=len, reverse=True)
    return re.compile("|".join(map(phrase_pattern, ordered)), flags) if ordered else None


def spelling(series: Series) -> Found:
    """series.yaml ``style.preferred``: whole words (and their plurals), case-sensitive as
    written, so a rule for "defence" leaves the name "Ministry of Defence" alone."""
    preferred = {" ".join(bad.split()): (bad, good)
                 for bad, good in series.config.style.preferred.items()}
    pattern = _alternatives(preferred)
    for text in series.texts if pattern else ():
        for m in pattern.finditer(text.masked):  # type: ignore[union-attr]
            (bad, good), end = preferred[" ".join(m.group().split())], m.end()
            if bad[-1].isalpha() and text.masked.startswith("s", end):
                end += 1  # the plural: "programmes"
            before = m.start() - 1
            if (_word_char(text.masked, before) or text.masked[before:m.start()] == "."
                    or _word_char(text.masked, end)):
                continue  # part of a longer word or abbreviation
            yield text.study, warning(text.path, *_at(text.masked, m.start()),
                                      f"write {good!r}, not {bad!r}")


def banned(series: Series) -> Found:
    """series.yaml ``style.banned``: whole phrases, any case, across line breaks."""
    pattern = _alternatives(series.config.style.banned, re.IGNORECASE)
    for text in series.texts if pattern else ():
        for m in pattern.finditer(text.masked):  # type: ignore[union-attr]
            if _word_char(text.masked, m.start() - 1) or _word_char(text.masked, m.end()):
                continue
            yield text.study, warning(text.path, *_at(text.masked, m.start()),
                                      f"banned phrase {' '.join(m.group().split())!r}")


def acronyms(series: Series) -> Found:
    """series.yaml ``style.acronyms``: the first use in each study (sections in order)
    must be written "Expansion (ACR)" or "ACR (Expansion)"."""
    rules = [(acronym, re.compile(re.escape(acronym)),
              re.compile(rf"{phrase_pattern(expansion)}\s*\(\s*$", re.IGNORECASE),
              re.compile(rf"\s*\(\s*{phrase_pattern(expansion)}\s*\)", re.IGNORECASE),
              expansion)
             for acronym, expansion in series.config.style.acronyms.items()]
    pending: dict[Path, set[str]] = {}  # study root -> acronyms not met yet
    for text in series.texts:
        if text.study is None:
            continue  # first use is a study's matter; series.yaml stands beside every one
        todo = pending.setdefault(text.study.root, {rule[0] for rule in rules})
        for acronym, use, before, after, expansion in rules:
            if acronym not in todo:
                continue
            m = next((m for m in use.finditer(text.masked)
                      if not _word_char(text.masked, m.start() - 1)
                      and not _word_char(text.masked, m.end())), None)
            if m is None:
                continue
            todo.discard(acronym)
            head = text.masked[max(0, m.start() - len(expansion) - 40):m.start()]
            if not (before.search(head) or after.match(text.masked, m.end())):
                yield text.study, warning(text.path, *_at(text.masked, m.start()),
                                          f"first use of {acronym} in the study: write "
                                          f"'{expansion} ({acronym})'")


def formats(series: Series) -> Found:
    """The house formats in prose (FORMATS): percent and dates."""
    for text in series.texts:
        prose = _prose(text.masked)
        for m in FORMATS.finditer(prose):
            start = m.start()
            if start and (prose[start - 1].isalnum() or prose[start - 1] in "_.,"):
                continue  # inside a longer number or word: "A4", "1.5", "2,000"
            yield text.study, warning(text.path, *_at(prose, start),
                                      f"{' '.join(m.group().split())!r}: "
                                      f"{ADVICE[m.lastgroup or '']}")
