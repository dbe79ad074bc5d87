"""Read back what a built PDF holds, for the tests: text per page, outline, fonts, links;
and the pages as pictures and plain text through PDFium (pypdfium2, from PyPI: it
ships its own PDFium, so no test needs poppler's pdftoppm or pdftotext)."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from PIL import Image
from pypdf import PdfReader


@dataclass
class PdfFacts:
    reader: PdfReader
    pages: list[str]

    @property
    def outline(self) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []

        def walk(items, depth):
            for item in items:
                if isinstance(item, list):
                    walk(item, depth + 1)
                else:
                    out.append((depth, item.title))

        walk(self.reader.outline, 0)
        return out

    def fonts(self) -> set[str]:
        names = set()
        for page in self.reader.pages:
            resources = page.get("/Resources") or {}
            for font in (resources.get("/Font") or {}).values():
                font = font.get_object()
                descendant = font.get("/DescendantFonts")
                target = descendant[0].get_object() if descendant else font
                descriptor = target.get("/FontDescriptor")
                embedded = descriptor is not None and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                names.add((str(font["/BaseFont"]).split("+", 1)[-1], embedded))
        return names

    def font_names(self) -> set[str]:
        """The /FontName of every font the PDF draws with, in pages and in the forms they
        use (an SVG figure is a form), subset prefixes ("ABCDEF+") stripped."""
        names: set[str] = set()
        seen: set[int] = set()

        def walk(resources) -> None:
            resources = resources.get_object() if resources is not None else {}
            for font in (resources.get("/Font") or {}).values():
                font = font.get_object()
                descendant = font.get("/DescendantFonts")
                target = descendant[0].get_object() if descendant else font
                descriptor = target.get("/FontDescriptor")
                name = descriptor.get_object()["/FontName"] if descriptor else font["/BaseFont"]
                names.add(str(name).lstrip("/").split("+", 1)[-1])
            for xobject in (resources.get("/XObject") or {}).values():
                ref = id(xobject.get_object())
                if ref in seen:
                    continue
                seen.add(ref)
                form = xobject.get_object()
                if "/Resources" in form:
                    walk(form["/Resources"])

        for page in self.reader.pages:
            walk(page.get("/Resources"))
        return names

    def foreign_fonts(self, families: list[str]) -> set[str]:
        """Fonts not of ``families`` (WeasyPrint names a font by its CSS family, spaces
        as hyphens, then its style: "Source-Serif-4-Bold")."""
        prefixes = tuple(f.replace(" ", "-") for f in families)
        return {name for name in self.font_names()
                if not any(name == p or name.startswith((p + "-", p + ",")) for p in prefixes)}

    def links(self) -> tuple[list[str], int]:
        """External URIs, and the number of internal (destination) links."""
        uris, internal = [], 0
        for page in self.reader.pages:
            for annot in page.get("/Annots") or []:
                annot = annot.get_object()
                action = annot.get("/A")
                if action is not None and "/URI" in action:
                    uris.append(str(action["/URI"]))
                elif "/Dest" in annot or (action is not None and "/D" in action):
                    internal += 1
        return uris, internal


def to_unicode(font) -> dict[int, str]:
    """A font's glyph ids (CIDs) and the text each one stands for, from its ToUnicode map."""
    data = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    out = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for cid, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(cid, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>",
                                          block):
            start = int.from_bytes(bytes.fromhex(text), "big")
            for i, cid in enumerate(range(int(low, 16), int(high, 16) + 1)):
                out[cid] = chr(start + i)
    return out


def read_pdf(path: Path) -> PdfFacts:
    """The PDF's facts (pypdf takes about a second for Italy's text): read once a
    process while the file is unchanged, as tests of one file share their brief."""
    info = os.stat(path)
    return _read_pdf(str(Path(path).resolve()), info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _read_pdf(path: str, _size: int, _mtime: int) -> PdfFacts:
    reader = PdfReader(path)
    return PdfFacts(reader, [" ".join(p.extract_text().split()) for p in reader.pages])


def page_images(path: Path, dpi: float, grey: bool = False,
                pages: range | None = None) -> list[Image.Image]:
    """The pages (all, or those of ``pages``, 0-based) drawn at ``dpi``, as pictures."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        wanted = range(len(document)) if pages is None else pages
        return [document[i].render(scale=dpi / 72, grayscale=grey).to_pil().convert(
            "L" if grey else "RGB") for i in wanted]
    finally:
        document.close()


def pdf_text(path: Path) -> str:
    """The text of every page as PDFium reads it (lines end in newlines), pages apart."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        pages = []
        for page in document:
            text = page.get_textpage()
            # PDFium gives a hyphen that breaks a word at a line's end as U+FFFE, with
            # no line break: written here as pdftotext shows it, a hyphen ending a line
            pages.append(text.get_text_range().replace("\r\n", "\n").replace("\ufffe", "-\n"))
            text.close()
        return "\f".join(pages)
    finally:
        document.close()
