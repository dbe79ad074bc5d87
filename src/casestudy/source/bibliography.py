"""Reference lists and citation styles as pandoc's citeproc will use them.

The checker judges a cited entry by what pandoc will print. A BibLaTeX entry may take
fields from others (its parent by ``crossref``, shared data by ``xdata``), which our
own reading of the file does not resolve; pandoc does, when it reads the file. So an
entry that seems to lack a title or a date is read by pandoc itself (BibLaTeX to
CSL-JSON, through files/pandoc.py), together with the entries it draws on and the
file's ``@string`` macros: the same resolution as the build's, on a few entries, so a
library of thousands costs what a handful does. (Pandoc leaves a ``@set`` as it is:
its members are not merged into it, and a cited set prints as an empty entry.)

What a style prints is read from its CSL: the variables that its citation and
bibliography layouts print, through the macros they call.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..errors import BuildError, Problem, error
from ..files.pandoc import run_pandoc
from .references import Entry, Library


def as_pandoc_reads(entries: list[Entry], library: Library
                    ) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """The CSL-JSON items pandoc makes of the BibLaTeX ``entries`` (CSL-JSON ones are
    read as they are), by key; and an error at each entry pandoc cannot read (our reader
    is more lenient than pandoc's, and the build would stop on it)."""
    by_file: dict[Path, list[Entry]] = {}
    for entry in entries:
        if entry.source:
            by_file.setdefault(entry.path, []).append(entry)
    out: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for path, wanted in by_file.items():
        try:
            items = _read(_with_sources(wanted, library, path))
        except BuildError as exc:
            if _LIMITS.search(exc.message):  # the same limit would stop each entry alone
                problems.append(error(path, wanted[0].line, wanted[0].col, exc.message))
                continue
            # pandoc's line number is one of our excerpt's, not the file's: which entry
            # it refuses is found by reading each alone
            items = []
            for entry in wanted:
                try:
                    items += _read(_with_sources([entry], library, path))
                except BuildError:
                    problems.append(error(entry.path, entry.line, entry.col,
                                          f"pandoc cannot read reference {entry.key!r} or an "
                                          "entry it takes fields from: BibLaTeX it refuses "
                                          "(a brace, quote, comma or # out of place)"))
        keys = {entry.key for entry in wanted}
        out.update((str(item.get("id")), item) for item in items
                   if isinstance(item, dict) and str(item.get("id")) in keys)
    return out, problems


def _with_sources(wanted: list[Entry], library: Library, path: Path) -> str:
    """The file's macros, ``wanted`` and every entry they draw on, as BibLaTeX."""
    in_file = {entry.key.lower(): entry for entry in library.entries.values()
               if entry.path == path}
    chosen: dict[str, Entry] = {}
    stack = list(wanted)
    while stack:  # crossref chains and xdata lists, each entry once
        entry = stack.pop()
        if entry.key.lower() in chosen:
            continue
        chosen[entry.key.lower()] = entry
        stack += [in_file[key.lower()] for key in entry.links if key.lower() in in_file]
    return "\n\n".join([library.macros.get(path, ""), *(e.source for e in chosen.values())])


# files/pandoc.py's words for a run stopped by its time or memory limit
_LIMITS = re.compile(r"took longer than .* was stopped|needed more than .* was stopped")
# pandoc's reading by what it read: the preview checks on every save
_READ: dict[str, list[Any]] = {}


def _read(text: str) -> list[Any]:
    """pandoc's CSL-JSON of ``text`` (BibLaTeX on its standard input: no file named);
    a BuildError when it refuses it or is stopped (the caller locates it)."""
    key = hashlib.sha256(text.encode()).hexdigest()
    if key not in _READ:
        output = run_pandoc(["--from", "biblatex", "--to", "csljson"], text.encode(),
                            Path("."), "read this reference list")
        try:
            items = json.loads(output)
        except ValueError:
            raise BuildError("pandoc's reading of a reference list was not CSL-JSON",
                             Path(".")) from None
        _READ[key] = items if isinstance(items, list) else []
        while len(_READ) > 32:
            _READ.pop(next(iter(_READ)))
    return _READ[key]


def style_prints(style: Path) -> frozenset[str]:
    """The variables a CSL style prints in its notes or bibliography (``issued`` for the
    date, ``title``...), through the macros they call; sort keys and conditions print
    nothing. The style was read once already (citations.style_path refuses a DOCTYPE)."""
    stamp = style.stat()
    key = (str(style), stamp.st_size, stamp.st_mtime_ns)
    if key not in _PRINTS:
        _PRINTS[key] = _printed(ElementTree.parse(style).getroot())
    return _PRINTS[key]


_PRINTS: dict[tuple[str, int, int], frozenset[str]] = {}
_PRINTING = ("text", "date", "names", "number", "label")


def _printed(root: ElementTree.Element) -> frozenset[str]:
    macros = {el.get("name", ""): el for el in root if _local(el.tag) == "macro"}
    found: set[str] = set()
    called: set[str] = set()
    stack = [el for el in root if _local(el.tag) in ("citation", "bibliography")]
    while stack:  # an explicit stack: macros may call macros, to any depth
        el = stack.pop()
        tag = _local(el.tag)
        if tag == "sort":
            continue
        if tag in _PRINTING:
            found.update((el.get("variable") or "").split())
        macro = el.get("macro")
        if macro and macro not in called and macro in macros:
            called.add(macro)
            stack.append(macros[macro])
        stack.extend(el)
    return frozenset(found)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]
