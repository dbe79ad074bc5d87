"""Cross-study rules: what no single-study check can see, because it needs the whole series.

Each rule looks at every study with a valid study.yaml and returns ``(study, problem)``
pairs, the study being the one whose file the problem points at. The identity rules
(series number, country) give errors: two briefs with the same number or the same ally
would confuse readers. The others give warnings, or ``info`` for what deserves a look
but may be intended. The house-style rules read the ``style`` block of series.yaml and
the section text, with code, link targets, URLs, note labels, quotations, titles cited
in notes and author-marked exemptions blanked out, and the prose series.yaml prints on
every brief (its ``study`` is None: a series-level finding). ``house_style`` runs the
rules that need one study only, for ``check``. The rules read a study as
:class:`StudyFacts`, plain data the series report keeps between runs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import Problem, error, info, warning
from ..files.yamlfile import YamlDoc
from ..source.load import COUNTRIES, STUDY_FILE, Study
from ..source.references import Entry
from ..source.schema import SectionSpec, SeriesConfig, StudyMeta

HONORIFICS = {"dr", "prof", "professor", "mr", "mrs", "ms", "sir", "dame"}
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


@dataclass
class StudyFacts:
    """What the rules read of one study: plain data, so that the series report can keep
    it between runs and not parse an unchanged study again."""

    root: Path
    meta: StudyMeta | None
    yaml: YamlDoc  # where study.yaml's keys and values are (its data is not needed)
    headings: list[tuple[SectionSpec, Path, str]]  # each present section's own heading
    sources: list[Entry]  # the entries of the study's own reference list
    # the present sections' text for the house style, (path, text); empty when it was
    # applied already (the series report applies it with the check, per study)
    texts: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.root.name

    @property
    def study_file(self) -> Path:
        return self.root / STUDY_FILE

    @classmethod
    def of(cls, study: Study, texts: bool = True) -> StudyFacts:
        present = [(s, s.parsed) for s in study.sections if s.parsed is not None]
        own = set(study.library.study_files)
        return cls(study.root, study.meta,
                   YamlDoc(study.yaml.path, None, study.yaml.keys, study.yaml.values),
                   [(s.spec, s.path, p.heading) for s, p in present if p.heading is not None],
                   [e for e in study.library.entries.values() if e.path in own],
                   [(s.path, p.text) for s, p in present] if texts else [])


Found = Iterator[tuple[StudyFacts | None, Problem]]


@dataclass(frozen=True)
class Text:
    """A present section of a study, or series.yaml's prose (``study`` None), as masked
    text: positions found in it are positions in the file."""

    study: StudyFacts | None
    path: Path
    masked: str


@dataclass
class Series:
    """What the rules look at: the valid studies, series.yaml and the report's date."""

    studies: list[StudyFacts]
    config: SeriesConfig
    today: dt.date
    series_text: Text | None = None

    @cached_property
    def texts(self) -> list[Text]:
        """The studies' sections, then series.yaml's prose."""
        return [Text(study, path, _mask(text)) for study in self.studies
                for path, text in study.texts] + (
            [self.series_text] if self.series_text else [])


def cross_study(studies: Iterable[Study | StudyFacts], config: SeriesConfig, today: dt.date,
                series_doc: YamlDoc | None = None
                ) -> Iterator[tuple[str, StudyFacts | None, Problem]]:
    """Every cross-study problem as ``(rule, study, problem)``; studies without valid
    metadata are left out (``check`` already reports them). With ``series_doc`` (series.yaml
    as read), its printed prose is held to the house style too, with ``study`` None.
    The house style sees the text of the studies given as facts without it only where
    it was applied already."""
    facts = (s if isinstance(s, StudyFacts) else StudyFacts.of(s) for s in studies)
    series = Series([s for s in facts if s.meta is not None], config, today,
                    series_prose(series_doc) if series_doc else None)
    for name, rule in RULES.items():
        for study, problem in rule(series):
            yield name, study, problem


def _meta(study: StudyFacts) -> StudyMeta:
    assert study.meta is not None  # Series holds only studies with a valid study.yaml
    return study.meta


def _where(study: StudyFacts, *loc: str | int) -> str:
    """``countries/x/study.yaml:12``: how a message points at another study."""
    line, _ = study.yaml.where(loc)
    return f"{COUNTRIES}/{study.slug}/{STUDY_FILE}:{line}"


# ---------------------------------------------------------------- identity and metadata


def _clashes(series: Series, key: Callable[[StudyMeta], object], loc: tuple[str, ...],
             describe: Callable[[StudyMeta], str]) -> Found:
    """An error at each study that shares ``key`` with another, naming the others."""
    groups: dict[object, list[StudyFacts]] = defaultdict(list)
    for study in series.studies:
        groups[key(_meta(study))].append(study)
    for group in groups.values():
        for study in group if len(group) > 1 else ():
            others = ", ".join(_where(o, *loc) for o in group if o is not study)
            yield study, error(study.study_file, *study.yaml.where(loc),
                               f"{describe(_meta(study))} {others}")


def series_numbers(series: Series) -> Found:
    return _clashes(series, lambda m: m.series_number, ("series_number",),
                    lambda m: f"series number {m.series_number} is also used by")


def countries(series: Series) -> Found:
    return _clashes(series, lambda m: m.country.code, ("country", "code"),
                    lambda m: f"country {m.country.code} ({m.country.name}) is also the "
                              "subject of")


def person_key(name: str) -> str:
    """A name reduced to what identifies the person: no accents, case, honorifics or
    initials ("Dr. Jane Q. Doe" and "Jane Doe" are one person)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    words = [w for w in re.findall(r"[a-z]+", plain) if len(w) > 1 and w not in HONORIFICS]
    return " ".join(words) or name.casefold()


def people(series: Series) -> Found:
    """One person, one description: the same name, title, affiliation and bio wherever
    they appear (authors and project managers). An empty bio is ``check``'s business."""
    Loc = tuple[str | int, ...]
    seen: dict[str, list[tuple[StudyFacts, Loc, dict[str, str]]]] = defaultdict(list)
    for study in series.studies:
        meta = _meta(study)
        entries: list[tuple[Loc, dict[str, str]]] = [
            (("authors", i), a.model_dump()) for i, a in enumerate(meta.authors)]
        if meta.project_manager is not None:
            entries.append((("project_manager",), meta.project_manager.model_dump()))
        for loc, person in entries:
            seen[person_key(person["name"])].append((study, loc, person))
    for group in seen.values():
        for key in ("name", "title", "affiliation", "bio"):
            told = [(s, loc, p["name"], p[key]) for s, loc, p in group
                    if key in p and (p[key] or key != "bio")]
            if len({value for *_, value in told}) < 2:
                continue
            for study, loc, name, value in told:
                other, other_loc, _, other_value = next(t for t in told if t[3] != value)
                where = _where(other, *other_loc, key)
                if key == "name":
                    message = f"{name!r} is written {other_value!r} in {where}"
                elif key == "bio":
                    message = f"{name!r}: this bio differs from the one in {where}"
                else:
                    message = (f"{name!r}: {key} {value or '(none)'!r} here, but "
                               f"{other_value or '(none)'!r} in {where}")
                yield study, warning(study.study_file, *study.yaml.where((*loc, key)), message)


def sponsors(series: Series) -> Found:
    """An empty sponsor acknowledgement where other studies have one."""
    have = [s for s in series.studies if _meta(s).sponsor.strip()]
    if not have:
        return
    for study in series.studies:
        if not _meta(study).sponsor.strip():
            yield study, warning(study.study_file, *study.yaml.where(("sponsor",)),
                                 f"sponsor acknowledgement is empty, but {len(have)} other "
                                 f"{'study has' if len(have) == 1 else 'studies have'} one "
                                 f"(e.g. {_where(have[0], 'sponsor')})")


def dates(series: Series) -> Found:
    """A final study dated in the future (warning); a final study dated before a final
    study with a lower series number (info: sometimes intended, always worth a look)."""
    finals = sorted((s for s in series.studies if _meta(s).status == "final"),
                    key=lambda s: _meta(s).series_number)
    latest: StudyFacts | None = None  # the latest-dated final study among lower numbers
    pending: list[StudyFacts] = []  # studies of the current number, not yet in ``latest``
    for study in finals:
        meta, where = _meta(study), study.yaml.where(("date",))
        if meta.date > series.today:
            yield study, warning(study.study_file, *where, f"status is final but the date "
                                                           f"{meta.date} is in the future")
        if pending and _meta(pending[0]).series_number != meta.series_number:
            latest = max([*pending, *([latest] if latest else [])], key=lambda s: _meta(s).date)
            pending = []
        pending.append(study)
        if latest is not None and _meta(latest).date > meta.date:
            other = _meta(latest)
            yield study, info(study.study_file, *where,
                              f"No. {meta.series_number} is dated {meta.date}, before "
                              f"No. {other.series_number} ({latest.slug}, {other.date}): "
                              "numbers and dates disagree")


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def headings(series: Series) -> Found:
    """A heading close to the schema's wording has drifted (warning); a different one is
    the author's own, which ``check`` allows (info)."""
    for study in series.studies:
        adjective = _meta(study).country.adjective
        for spec, path, heading in study.headings:
            default = spec.default_heading(adjective)
            if heading == default:
                continue
            if (_normal(heading) == _normal(default)
                    or difflib.SequenceMatcher(None, heading, default).ratio() >= 0.8):
                yield study, warning(path, 1, 1, f"heading {heading!r} drifted from "
                                                         f"the series wording {default!r}")
            else:
                yield study, info(path, 1, 1, f"own heading {heading!r} instead of "
                                                      f"the series wording {default!r}")


# ---------------------------------------------------------------- house style


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


def _mask(text: str) -> str:
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
                   re.sub(_phrase(phrase), _blank, body) if phrase else body]
        done = stop
    return "".join(pieces) + text[done:]


_NOTE_END = re.compile(r"\n[ \t]*\n(?=[^ \t\n])|\n(?= {0,3}\[\^[^\]\n]+\]:)")


def _note_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where each footnote definition runs: from ``[^x]:`` to a blank line followed by a
    line that is not indented (the note's own paragraphs are), or the next definition."""
    for m in _NOTE_START.finditer(text):
        end = _NOTE_END.search(text, m.end())
        yield m.start(), end.start() if end else len(text)


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
    return Text(None, doc.path, _mask("\n".join("".join(row) for row in kept)))


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


def _phrase(words: str) -> str:
    """A phrase as a pattern that allows any whitespace, line breaks included, between words."""
    return r"\s+".join(map(re.escape, words.split()))


def _word_char(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")


def _alternatives(phrases: Iterable[str], flags: int = 0) -> re.Pattern[str] | None:
    """One pattern for many phrases, longest first, starting with a literal so that the
    regex engine can skip ahead (a leading look-behind would make it try every position);
    word boundaries are checked by the caller."""
    ordered = sorted({p for p in phrases if p.strip()}, key=len, reverse=True)
    return re.compile("|".join(map(_phrase, ordered)), flags) if ordered else None


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
              re.compile(rf"{_phrase(expansion)}\s*\(\s*$", re.IGNORECASE),
              re.compile(rf"\s*\(\s*{_phrase(expansion)}\s*\)", re.IGNORECASE), expansion)
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


# ---------------------------------------------------------------- sources


def _entry_at(entry: Entry) -> str:
    parts = entry.path.parts
    rel = "/".join(parts[parts.index(COUNTRIES):]) if COUNTRIES in parts else entry.path.name
    return f"{rel}:{entry.line}"


def sources(series: Series) -> Found:
    """One work cited two ways: the same key with other details in another study, or
    the same work (title and year, or URL/DOI) under another key."""
    own = [(study, entry) for study in series.studies for entry in study.sources]
    by_key: dict[str, list[tuple[StudyFacts, Entry]]] = defaultdict(list)
    by_work: dict[tuple[str, ...], list[tuple[StudyFacts, Entry]]] = defaultdict(list)
    for study, entry in own:
        by_key[entry.key].append((study, entry))
        by_work[("title", _normal(entry.title), entry.year)].append((study, entry))
        if entry.url:
            by_work[("url", entry.url.rstrip("/").lower())].append((study, entry))
    for study, entry in own:
        for other_study, other in by_key[entry.key]:
            if other_study is study:
                continue
            differ = [name for name, a, b in (("title", entry.title, other.title),
                                               ("year", entry.year, other.year),
                                               ("URL", entry.url, other.url)) if a != b]
            if differ:
                yield study, warning(entry.path, entry.line, entry.col,
                                     f"reference {entry.key!r} differs from "
                                     f"{_entry_at(other)} in its {', '.join(differ)}")
        others = {id(o): (s, o) for group in (by_work[("title", _normal(entry.title),
                                                        entry.year)],
                                               by_work.get(("url", entry.url.rstrip("/")
                                                            .lower()), []))
                  for s, o in group if s is not study and o.key != entry.key}
        for _, other in sorted(others.values(), key=lambda so: _entry_at(so[1])):
            yield study, warning(entry.path, entry.line, entry.col,
                                 f"reference {entry.key!r} is the same work as "
                                 f"{other.key!r} at {_entry_at(other)}; cite it by one key")


def house_style(study: Study, config: SeriesConfig) -> list[tuple[str, Problem]]:
    """The house-style rules that need one study only (``check`` runs them; the series
    report runs them in ``cross_study``), as ``(rule, problem)``."""
    series = Series([StudyFacts.of(study)], config, dt.date.today())
    return [(name, problem) for name in STUDY_STYLE for _, problem in RULES[name](series)]


RULES: dict[str, Callable[[Series], Found]] = {
    "series-number": series_numbers, "country": countries, "person": people,
    "sponsor": sponsors, "date": dates, "heading": headings, "spelling": spelling,
    "banned": banned, "acronym": acronyms, "format": formats, "source": sources,
}
STUDY_STYLE = ("spelling", "banned", "acronym", "format")
