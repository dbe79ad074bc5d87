"""A reviewer's edits made on an exported Word copy by python-docx (not by our exporter):
tracked insertions and deletions, with author and date, and comments on a range."""

from __future__ import annotations

import copy
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

DATE = "2026-12-01T09:30:00Z"


def _notes(document):
    """The notes part's XML, parsed once (python-docx keeps it as bytes)."""
    if not hasattr(document, "_notes"):
        part = next((p for p in document.part.package.iter_parts()
                     if str(p.partname) == "/word/footnotes.xml"), None)
        document._notes = (part, parse_xml(part.blob) if part is not None else None)
    return document._notes


def _paragraphs(document):
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
    _part, notes = _notes(document)
    if notes is not None:
        for p in notes.iter(qn("w:p")):
            yield Paragraph(p, document)


def _merge(paragraph: Paragraph) -> None:
    """Neighbouring runs of text in the same format made one (pandoc writes a run a
    word), as Word does when it saves."""
    previous = None
    for run in list(paragraph._p.findall(qn("w:r"))):
        texts = run.findall(qn("w:t"))
        plain = len(texts) == 1 and all(c.tag in (qn("w:t"), qn("w:rPr")) for c in run)
        props = run.find(qn("w:rPr"))
        key = etree.tostring(props) if props is not None else b""
        if plain and previous is not None and previous[1] == key and \
                previous[0].getnext() is run:
            target = previous[0].find(qn("w:t"))
            target.text = (target.text or "") + (texts[0].text or "")
            target.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            run.getparent().remove(run)
            continue
        previous = (run, key) if plain else None


def split(paragraph: Paragraph, words: str) -> list[Run]:
    """The runs of ``paragraph`` made so that ``words`` is a run of its own."""
    _merge(paragraph)
    for run in paragraph.runs:
        at = run.text.find(words)
        if at < 0:
            continue
        before, after = run.text[:at], run.text[at + len(words):]
        pieces = []
        for text in (before, words, after):
            if text:
                element = copy.deepcopy(run._r)
                for t in element.findall(qn("w:t")):
                    element.remove(t)
                new = Run(element, paragraph)
                new.text = text
                run._r.addprevious(element)
                pieces.append(new)
        run._r.getparent().remove(run._r)
        return [p for p in pieces if p.text == words]
    raise AssertionError(f"no run holds {words!r} in {paragraph.text!r}")


def find(document, text: str) -> Paragraph:
    for paragraph in _paragraphs(document):
        if text in paragraph.text:
            return paragraph
    raise AssertionError(f"no paragraph holds {text!r}")


def track_replace(document, anchor: str, old: str, new: str, author: str,
                  number: int) -> None:
    """A tracked deletion of ``old`` and insertion of ``new`` (empty: none) after it."""
    paragraph = find(document, anchor)
    (run,) = split(paragraph, old) if old else (None,)
    if run is None:
        raise AssertionError("an insertion needs a run to follow")
    deletion = paragraph._p.makeelement(qn("w:del"), {
        qn("w:id"): str(number), qn("w:author"): author, qn("w:date"): DATE})
    run._r.addprevious(deletion)
    deletion.append(run._r)
    for t in run._r.findall(qn("w:t")):
        t.tag = qn("w:delText")
    if new:
        insertion = paragraph._p.makeelement(qn("w:ins"), {
            qn("w:id"): str(number + 1), qn("w:author"): author, qn("w:date"): DATE})
        element = copy.deepcopy(run._r)
        for t in element.findall(qn("w:delText")):
            element.remove(t)
        inserted = Run(element, paragraph)
        inserted.text = new
        insertion.append(element)
        deletion.addnext(insertion)


def comment(document, anchor: str, words: str, text: str, author: str) -> None:
    paragraph = find(document, anchor)
    runs = split(paragraph, words)
    document.add_comment(runs, text=text, author=author, initials=author[:2])


def review(source: Path, target: Path, edit) -> Path:
    document = Document(str(source))
    edit(document)
    part, notes = _notes(document)
    if part is not None:
        part._blob = etree.tostring(notes, xml_declaration=True, encoding="UTF-8",
                                    standalone=True)
    document.save(str(target))
    return target
