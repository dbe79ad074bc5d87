"""Reference lists: a study's and the series' ``references.json`` (CSL-JSON) or
``references.bib`` (BibTeX/BibLaTeX), as Zotero exports them.

Only what the checker and the series report need is read here, with the line of
every entry; formatting the notes is pandoc's job (cite.py), over the same files.
Nothing is judged here: an entry is judged only if the study cites it, and then as
pandoc reads it (check/study.py, over bibliography.py).
The series' files come first and the study's last, so that a study's entry wins
over the series' entry of the same key, as pandoc also decides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import Problem, error, warning
from ..files.yamlfile import read_yaml

NAMES = ("references.json", "references.bib")
# fields a note or a bibliography entry prints (the glyph rule reads them)
_CSL_PRINTED = ("title", "container-title", "collection-title", "publisher",
                "publisher-place", "genre", "archive", "event", "medium", "edition")
_CSL_NAMES = ("author", "editor", "translator", "container-author", "director", "interviewer")
_BIB_PRINTED = ("title", "booktitle", "journaltitle", "journal", "publisher", "institution",
                "location", "address", "series", "type", "edition", "author", "editor",
                "organization", "howpublished")
# The one size limit of a reference list (docs/citations.md says it). A Better BibTeX
# export of a whole library runs to a few megabytes; pandoc formats notes from 5 MB of
# BibLaTeX in 2 s of CPU and 420 MB, well inside files/pandoc.py's limits.
MAX_BYTES = 5_000_000
_TOO_BIG = (f"reference list is larger than {MAX_BYTES:,} bytes, the limit for one; export "
            "only the collection the study cites")


@dataclass(frozen=True)
class Entry:
    """One work in a reference list, where it is written, and what identifies it."""

    key: str
    path: Path
    line: int
    col: int
    kind: str
    title: str
    year: str
    url: str
    printed: tuple[str, ...] = ()  # what a note can print of it (names, titles, places)
    links: tuple[str, ...] = ()  # BibLaTeX keys it takes fields from (crossref, xdata, set)
    source: str = ""  # a BibLaTeX entry as written, for pandoc's reading of it


@dataclass
class Library:
    """Every entry a study may cite: the series' own, then the study's (which win)."""

    entries: dict[str, Entry] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)  # in pandoc's order: series, then study
    study_files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    macros: dict[Path, str] = field(default_factory=dict)  # each .bib file's @string blocks

    def in_use(self, cited: set[str]) -> set[str]:
        """The keys of ``cited`` and of every entry they take fields from (a crossref
        parent, xdata), to any depth: what the notes can print."""
        used: set[str] = set()
        stack = [key for key in cited if key in self.entries]
        while stack:
            key = stack.pop()
            if key not in used:
                used.add(key)
                stack += [link for link in self.entries[key].links if link in self.entries]
        return used


def reference_files(folder: Path) -> list[Path]:
    """The reference files in ``folder`` (a study or the series root), in a fixed order."""
    return [folder / name for name in NAMES if (folder / name).exists()
            or (folder / name).is_symlink()]


def load_library(study_root: Path, repo: Path | None, read_text: Any) -> Library:
    """The entries of the series' and the study's reference files, with their problems.

    ``read_text(path, problems, root)`` is load.py's reader (containment, size, UTF-8).
    """
    lib = Library()
    levels: list[tuple[Path, list[Path]]] = []
    if repo is not None and repo.resolve() != study_root.resolve():
        levels.append((repo, reference_files(repo)))
    levels.append((study_root, reference_files(study_root)))
    for level, (root, paths) in enumerate(levels):
        is_study = level == len(levels) - 1
        here: dict[str, Entry] = {}
        for path in paths:
            text = read_text(path, lib.problems, root, MAX_BYTES, _TOO_BIG)
            if text is None:
                continue
            lib.files.append(path)
            if is_study:
                lib.study_files.append(path)
            entries = (_read_json(path, text, lib.problems) if path.suffix == ".json"
                       else _read_bib(path, text, lib))
            for entry in entries:
                if entry.key in here:  # one list, two entries: which one is meant?
                    first = here[entry.key]
                    lib.problems.append(error(entry.path, entry.line, entry.col,
                                              f"reference key {entry.key!r} is also defined "
                                              f"at {_at(first)}; keep one"))
                    continue
                here[entry.key] = entry
                if entry.key in lib.entries:  # the series has it too: the study's is used
                    lib.problems.append(warning(entry.path, entry.line, entry.col,
                                                f"reference key {entry.key!r} is also in the "
                                                f"series' list at {_at(lib.entries[entry.key])};"
                                                " this study's entry is used"))
                lib.entries[entry.key] = entry
    return lib


def _at(entry: Entry) -> str:
    return f"{entry.path}:{entry.line}"


def _read_json(path: Path, text: str, problems: list[Problem]) -> list[Entry]:
    doc = read_yaml(path)  # JSON is YAML 1.2: the same reader keeps every line
    problems.extend(replace(p, message=p.message.replace("invalid YAML", "invalid JSON"))
                    for p in doc.problems)
    if doc.problems:
        return []
    if not isinstance(doc.data, list):
        problems.append(error(path, 1, 1, "a CSL-JSON file is a list of references "
                                          "(export from Zotero as CSL JSON)"))
        return []
    out = []
    for i, item in enumerate(doc.data):
        line, col = doc.where((i,))
        if not isinstance(item, dict) or not isinstance(item.get("id"), str | int):
            problems.append(error(path, line, col, "a reference needs an \"id\" (its key)"))
            continue
        line, col = doc.where((i, "id"))
        entry = Entry(str(item["id"]), path, line, col, str(item.get("type", "")),
                      _text(item.get("title")), _csl_year(item.get("issued")),
                      _text(item.get("URL")) or _doi(_text(item.get("DOI"))),
                      _csl_printed(item))
        out.append(entry)
    return out


def _read_bib(path: Path, text: str, library: Library) -> list[Entry]:
    import bibtexparser  # here, not at the top: 25 ms of start-up, paid only for a .bib file

    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # we report, located
    problems = library.problems
    lib = bibtexparser.parse_string(text)
    for block in lib.failed_blocks:
        line = (block.start_line or 0) + 1
        if type(block).__name__ == "DuplicateBlockKeyBlock":
            message = f"reference key {getattr(block, 'key', '')!r} is defined twice here; keep one"
        else:
            message = ("BibTeX entry not understood: an unclosed brace or quote, or a "
                       "missing comma, from here on")
        problems.append(error(path, line, 1, message))
    sizes: dict[str, int] = {}  # each @string's length once expanded, in order
    for macro in lib.strings:
        sizes[macro.key.lower()] = _expanded(str(macro.value), sizes)
        if sizes[macro.key.lower()] > MAX_EXPANDED:
            problems.append(error(path, (macro.start_line or 0) + 1, 1, _TOO_LONG.format(
                f"@string {macro.key!r}")))
            return []
    library.macros[path] = "\n".join(macro.raw or "" for macro in lib.strings)
    out = []
    for item in lib.entries:
        fields = {k.lower(): str(f.value) for k, f in item.fields_dict.items()}
        line = (item.start_line or 0) + 1
        long = next((k for k, v in fields.items() if _expanded(v, sizes) > MAX_EXPANDED), None)
        if long is not None:
            problems.append(error(path, line, 1, _TOO_LONG.format(f"{long!r} of {item.key!r}")))
            continue
        year = fields.get("year") or fields.get("date", "")[:4]
        entry = Entry(item.key, path, line, 1, item.entry_type.lower(),
                      _debrace(fields.get("title", "")), year,
                      fields.get("url") or _doi(fields.get("doi", "")),
                      tuple(_debrace(fields[name]) for name in _BIB_PRINTED if name in fields),
                      _links(fields), item.raw or "")
        out.append(entry)
    return out


# A field pandoc builds in memory from @string macros joined with #: doubling a macro 26
# times makes a 729-byte file grow pandoc past 4 GB. No reference needs this much.
MAX_EXPANDED = 100_000
_TOO_LONG = ("{} expands to more than 100,000 characters (@string macros joined with #): "
             "no reference needs that, and formatting it would exhaust memory")


def _expanded(value: str, sizes: dict[str, int]) -> int:
    """The length of a BibTeX value once its macros are expanded, from the lengths of
    the macros before it: counted, never built (a value of 2**26 copies costs nothing)."""
    total, depth, quoted = 0, 0, False
    part: list[str] = []
    for char in value + "#":
        if char == "#" and depth == 0 and not quoted:
            word = "".join(part).strip()
            if word[:1] in ('"', "{"):
                total += max(len(word) - 2, 0)
            else:
                total += sizes.get(word.lower(), len(word))  # a month name, a number
            part = []
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == '"' and depth == 0:
            quoted = not quoted
        part.append(char)
    return total


def _links(fields: dict[str, str]) -> tuple[str, ...]:
    """The keys a BibLaTeX entry takes fields from: its parent, its data sets, its members."""
    keys = [fields.get("crossref", "")]
    for name in ("xdata", "entryset"):
        keys += fields.get(name, "").split(",")
    return tuple(k for k in (_debrace(key) for key in keys) if k)


def _csl_printed(item: dict[str, Any]) -> tuple[str, ...]:
    out = [_text(item.get(name)) for name in _CSL_PRINTED]
    for role in _CSL_NAMES:
        people = item.get(role)
        for person in people if isinstance(people, list) else []:
            if isinstance(person, dict):
                out += [_text(person.get(part)) for part in ("given", "family", "literal")]
    return tuple(text for text in out if text)


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _csl_year(issued: Any) -> str:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return str(parts[0][0])
        for key in ("raw", "literal"):
            if isinstance(issued.get(key), str | int):
                return str(issued[key])[:4]
    return ""


def _doi(doi: str) -> str:
    return f"https://doi.org/{doi.removeprefix('https://doi.org/')}" if doi else ""


def _debrace(text: str) -> str:
    return text.replace("{", "").replace("}", "").strip()
