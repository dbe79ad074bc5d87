"""A reviewed Word copy brought back as edits of the Markdown sources (``import --review``).

The copy was written by render/docx.py, which marked the first paragraph of every
block with a bookmark naming its section file and lines. Here the reviewed copy is
judged as any draft is (package.py), its bookmarks are made into visible markers so
that pandoc's reading of it (tracked changes accepted, or rejected) can be cut into the
same blocks, and each block is compared, as text with its emphasis, notes and
citations, with the block the sources give today. Only a block that differs is
touched, and only where it differs: each word of the sources carries its line and
column (pandoc's ``sourcepos``), so a changed word is replaced in the Markdown where
it was written, and every other byte stays. A change that cannot be placed that way
(a new note, a changed table layout, emphasis across a change) is reported, never
guessed. Who made each tracked change, and when, and every comment with the place it
was written on, come from the XML itself (scan.py's rules: local names, any
namespace).
"""

from __future__ import annotations

import difflib
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from ..brand.model import Brand
from ..files.pandoc import elements, run_pandoc
from ..files.write import atomic_write
from ..render.docx import MARK_NAME, MARK_TEXT, Marked, WordCopy, word_copy
from ..source.load import load_study
from .atoms import CLOSE, MARKER, OPEN, Atom, flatten
from .marks import Mark, review_marks
from .package import Docx, DraftError, open_docx
from .rewrite import block_range, rewrite

_BOOKMARK = re.compile(rb"<((?:[\w.-]+:)?)bookmarkStart\b([^>]*?)/>")
_NAME = re.compile(rb"(?:^|\s)(?:[\w.-]+:)?name\s*=\s*[\"'](" + MARK_TEXT.encode()
                   + rb")[\"']")
_RAW_MARK = re.compile(f'w:name="({MARK_TEXT})"')
_ESCAPE = re.compile(r"([\\`*_\[\]<>])")


@dataclass
class Change:
    """One block that the review changed."""

    block: Marked
    marks: list[Mark]
    edits: list[tuple[int, int, str]]  # offsets in the file, replacement Markdown
    placed: bool  # False: the change could not be placed in the Markdown
    why: str = ""  # why not word by word
    whole: bool = False  # True: the block was written again as a whole (rewrite.py)


@dataclass
class Comment:
    path: Path
    line: int
    col: int
    author: str
    date: str
    text: str


@dataclass
class Review:
    changes: list[Change] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    pending: int = 0  # tracked changes still in the copy
    texts: dict[Path, str] = field(default_factory=dict)  # the sources as they are
    missing: list[str] = field(default_factory=list)  # blocks the copy does not have
    # the copy's blocks whose lines changed in the sources since it was made: their
    # path, first line (then) and the tracked changes reviewers made in them
    stale: list[tuple[Path, int, int]] = field(default_factory=list)

    def new_texts(self) -> dict[Path, str]:
        """Each changed file's text with the placed changes made."""
        out: dict[Path, str] = {}
        for path in sorted({c.block.path for c in self.changes if c.placed}):
            edits = sorted((e for c in self.changes if c.placed and c.block.path == path
                            for e in c.edits), reverse=True)
            text = self.texts[path]
            for start, end, new in edits:
                text = text[:start] + new + text[end:]
            out[path] = text
        return out

    def diff(self, base: Path) -> str:
        lines: list[str] = []
        for path, text in self.new_texts().items():
            name = _relative(path, base)
            lines += difflib.unified_diff(self.texts[path].splitlines(keepends=True),
                                          text.splitlines(keepends=True),
                                          f"a/{name}", f"b/{name}", n=1)
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def review_copy(reviewed: Path, study_root: Path, decision: str | None,
                brand: Brand) -> Review:
    """The changes and comments of ``reviewed`` (a Word copy of the study at
    ``study_root``, in the series' ``brand``), its tracked changes accepted, or
    rejected with ``decision``."""
    package = open_docx(reviewed)
    copy = word_copy(load_study(study_root), brand)
    out = Review(texts=dict(copy.texts))
    ours, notes = split_blocks(copy.doc["blocks"], _raw_marker)
    marks, comments = review_marks(package)
    for index, names in enumerate(notes):  # a note whose bookmarks were lost
        if names and f"note:{index}" in marks:
            marks.setdefault(names[0], []).extend(marks.pop(f"note:{index}"))
    out.pending = sum(len(found) for found in marks.values())
    ast = _read(package, decision or "accept")
    theirs, _found = split_blocks(ast["blocks"], _marker_of, notes)
    paths = {int(MARK_NAME.match(n).group(1)): m.path  # type: ignore[union-attr]
             for n, m in copy.marked.items()}
    for name in theirs:
        if name not in copy.marked:  # its lines changed since the copy was made
            found = MARK_NAME.match(name)
            assert found is not None
            index, first = int(found.group(1)), int(found.group(2))
            if index in paths:
                out.stale.append((paths[index], first, len(marks.get(name, []))))
    for name, block in copy.marked.items():
        if name not in theirs:
            out.missing.append(name)
            continue
        old, new = flatten(ours.get(name, [])), flatten(theirs[name])
        if [a.key for a in old] == [a.key for a in new]:
            continue
        text = copy.texts[block.path]
        change = _change(block, old, new, marks.get(name, []), text)
        if not change.placed:
            written = rewrite(theirs[name], [a for a in old if a.key[0] == "note"],
                              [a for a in old if a.key[0] == "cite"], text, block,
                              ast["pandoc-api-version"], reviewed)
            if written is not None:
                start, end = block_range(text, block)
                change = Change(block, change.marks, [(start, end, written)], True,
                                change.why, whole=True)
        out.changes.append(change)
    for cid, (name, anchor, author, date, text) in comments.items():
        del cid
        if name.startswith("note:") and int(name[5:]) < len(notes) and notes[int(name[5:])]:
            name = notes[int(name[5:])][0]
        out.comments.append(_comment(copy, ours, name, anchor, author, date, text))
    out.comments.sort(key=lambda c: (str(c.path), c.line, c.col))
    return out


# ------------------------------------------------------------ reading the copy


def _visible(data: bytes) -> bytes:
    """An XML part with each of our bookmarks made a run of text pandoc keeps."""
    def run(found: re.Match[bytes]) -> bytes:
        name = _NAME.search(found.group(2))
        if name is None:
            return found.group(0)
        prefix = found.group(1)
        text = (OPEN + name.group(1).decode() + CLOSE).encode("utf-8")
        return (b"<" + prefix + b"r><" + prefix + b"t>" + text + b"</" + prefix + b"t></"
                + prefix + b"r>")
    return _BOOKMARK.sub(run, data)


def _read(package: Docx, decision: str) -> dict[str, Any]:
    """pandoc's JSON of the copy, with our bookmarks as markers in the text."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in package.sizes:
            body = package.read(name)
            if name in (package.main, "word/footnotes.xml", "word/endnotes.xml"):
                body = _visible(body)
            target.writestr(name, body)
    data = run_pandoc(["-f", "docx+citations", "-t", "json", f"--track-changes={decision}"],
                      out.getvalue(), package.path, "read the reviewed copy")
    return dict(json.loads(data))


def _marker_of(node: dict[str, Any]) -> str | None:
    if node.get("t") == "Str":
        found = MARKER.search(node["c"])
        return found.group(1) if found else None
    return None


def _raw_marker(node: dict[str, Any]) -> str | None:
    if node.get("t") == "RawInline" and "bookmarkStart" in node["c"][1]:
        found = _RAW_MARK.search(node["c"][1])
        return found.group(1) if found else None
    return None


def split_blocks(blocks: list[Any], marker: Any, notes: list[list[str]] | None = None
                 ) -> tuple[dict[str, list[Any]], list[list[str]]]:
    """The blocks under each marker (a block without one belongs to the one before),
    the blocks of notes cut the same way, by their own markers; and each note's
    markers, in the order the notes come. A note that lost its markers (LibreOffice
    drops bookmarks in notes when it saves) takes those of the note in its place in
    ``notes``, when the number of notes is the same."""
    out: dict[str, list[Any]] = {}
    queue: list[list[Any]] = [blocks]
    found: list[list[str]] = []
    first = True
    if notes is not None and _count_notes(blocks) != len(notes):
        notes = None  # notes added or removed: which is which is not guessed
    while queue:
        current: str | None = None
        note = queue.pop(0)
        names_here: list[str] = []
        fallback: Iterator[str] = iter([])
        if not first:
            found.append(names_here)
            index = len(found) - 1
            if notes is not None and index < len(notes) and \
                    not any(_markers(b, marker)[0] for b in note):
                fallback = iter(notes[index])
        for block in note:
            names, inner = _markers(block, marker)
            queue += inner
            if not names and not first:
                names = [n for n in (next(fallback, ""),) if n]
            if names:
                current = names[0]
                names_here.append(current)
            if current is not None:
                out.setdefault(current, []).append(block)
        first = False
    return out, found


def _count_notes(blocks: list[Any]) -> int:
    return sum(node.get("t") == "Note" for node in elements(blocks))


def _markers(block: Any, marker: Any) -> tuple[list[str], list[list[Any]]]:
    """The markers in ``block`` (outside its notes), in order, and its notes' blocks."""
    names: list[str] = []
    notes: list[list[Any]] = []
    stack = [block]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            if node.get("t") == "Note":
                notes.append(node["c"])
                continue
            name = marker(node)
            if name:
                names.append(name)
            elif "c" in node:
                stack.append(node["c"])
    return names, notes


# ------------------------------------------------------------ placing the changes


def _tokens(atoms: list[Atom]) -> list[list[Atom]]:
    """Words (letters of one style together), else one atom each."""
    out: list[list[Atom]] = []
    for atom in atoms:
        word = atom.key[0] == "c" and atom.key[1].isalnum()
        if word and out and out[-1][-1].key[0] == "c" and out[-1][-1].key[1].isalnum() \
                and out[-1][-1].key[2] == atom.key[2]:
            out[-1].append(atom)
        else:
            out.append([atom])
    return out


def _offset(text: str, place: tuple[int, int]) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[:place[0] - 1]) + place[1] - 1


def _change(block: Marked, old: list[Atom], new: list[Atom], marks: list[Mark],
            text: str) -> Change:
    olds, news = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(None, [tuple(a.key for a in t) for t in olds],
                                      [tuple(a.key for a in t) for t in news], autojunk=False)
    edits: list[tuple[int, int, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        gone = [a for t in olds[i1:i2] for a in t]
        came = [a for t in news[j1:j2] for a in t]
        if any(a.key[0] != "c" for a in gone + came):
            return Change(block, marks, [], False, "a note, a citation, a picture or the "
                          "shape of a paragraph, list or table changed")
        styles = {a.key[2] for a in gone} or _around(olds, i1)
        if len(styles) != 1 or any(a.key[2] not in styles for a in came):
            return Change(block, marks, [], False, "emphasis, a link or a style changed")
        if gone:
            start, end = gone[0].start, gone[-1].end
        else:
            start = end = (olds[i1][0].start if i1 < len(olds) and olds[i1][0].key[0] == "c"
                           else olds[i1 - 1][-1].end if i1 > 0 else None)
        if start is None or end is None:
            return Change(block, marks, [], False, "the changed words are not where the "
                          "Markdown has them word for word (an escape or a quotation mark)")
        new_text = _ESCAPE.sub(r"\\\1", "".join(a.key[1] for a in came))
        edits.append((_offset(text, start), _offset(text, end), new_text))
    return Change(block, marks, edits, True)


def _around(tokens: list[list[Atom]], i: int) -> set[Any]:
    for j in (i - 1, i):
        if 0 <= j < len(tokens) and tokens[j][0].key[0] == "c":
            return {tokens[j][0].key[2]}
    return {frozenset()}


# ------------------------------------------------------------ comments


def _comment(copy: WordCopy, ours: dict[str, list[Any]], name: str, anchor: str,
             author: str, date: str, text: str) -> Comment:
    """The comment at the first character of the text it was written on."""
    block = copy.marked.get(name)
    if block is None:  # written outside the sources' blocks (the title): the first file
        first = next(iter(copy.marked.values()))
        return Comment(first.path, 1, 1, author, date, text)
    atoms = [a for a in flatten(ours.get(name, [])) if a.key[0] == "c"]
    plain = "".join(a.key[1] for a in atoms)
    at = plain.find(anchor) if anchor else -1
    while at >= 0 and atoms[at].start is None and at + 1 < len(atoms):
        at += 1
    place = atoms[at].start if at >= 0 else None
    line, col = place if place is not None else (block.first, 1)
    return Comment(block.path, line, col, author, date, text)


def apply_review(review: Review) -> list[Path]:
    """Write the placed changes into the section files; the files written."""
    written = []
    for path, text in review.new_texts().items():
        atomic_write(path, text.encode("utf-8"))
        written.append(path)
    return written


def check_decision(review: Review, decision: str | None, reviewed: Path) -> None:
    """Applying a copy with tracked changes nobody settled needs a decision."""
    if review.pending and decision is None:
        raise DraftError(f"still holds {review.pending} tracked change"
                         f"{'s' if review.pending != 1 else ''}: accept or reject them in "
                         "Word, or give --accept-all or --reject-all; nothing was written",
                         reviewed)
