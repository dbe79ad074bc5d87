"""A Word draft's container, judged before anything in it is read: the .docx as a zip.

A .docx is a zip of XML parts. Every member is checked from the zip's directory before
a byte is decompressed (names that climb out with ``..`` or start at the root, sizes and
compression ratios of a bomb), a password-protected file (an OLE container, not a zip)
and a macro-enabled one are refused, and each XML part is parsed with expat with every
DTD feature refused and its nesting bounded, as SVG figures are (files/svgparse.py).
Elements are matched by local name in any namespace: pandoc does the same, so a
relationship in a made-up namespace is found as surely as Word's own.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ..errors import CasestudyError

MAX_DRAFT_BYTES = 100_000_000  # the .docx file itself
MAX_MEMBERS = 5_000
MAX_TOTAL_BYTES = 400_000_000  # every member decompressed (a 40-page draft: ~2 MB)
MAX_RATIO = 200  # decompressed / compressed, past 1 MB: Word's XML compresses ~10:1
MAX_XML_BYTES = 60_000_000
MAX_XML_DEPTH = 200  # Word nests ~20 levels (tables in tables add ~5 each)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_MAIN = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml")
MACRO_MAIN = ("application/vnd.ms-word.document.macroEnabled.main+xml",
              "application/vnd.ms-word.template.macroEnabledTemplate.main+xml")


class DraftError(CasestudyError):
    """Raised when a Word draft cannot be imported (not a .docx, encrypted, with macros,
    a zip bomb, a member outside the package, unfinished review marks, ...): nothing is
    written."""


@dataclass(frozen=True)
class Element:
    """An XML element as the import needs it: local name, attributes by local name."""

    name: str
    attrs: dict[str, str]
    line: int


@dataclass
class Docx:
    """A checked .docx: its bytes, its members' sizes, the main part's name."""

    path: Path
    data: bytes
    sizes: dict[str, int]
    main: str  # e.g. word/document.xml
    _zip: zipfile.ZipFile = field(repr=False)

    def has(self, name: str) -> bool:
        return name in self.sizes

    def read(self, name: str) -> bytes:
        """A member's bytes (its size was judged when the package was opened)."""
        return self._zip.read(name)

    def parse(self, name: str, start: Callable[[Element, int], None],
              text: Callable[[str], None] | None = None,
              end: Callable[[str, int], None] | None = None) -> None:
        """Parse an XML member, calling ``start(element, depth)`` for each element."""
        parse_xml(self.read(name), self.path, name, start, text, end)

    def rels(self, part: str) -> list[Element]:
        """The relationships of ``part`` (word/document.xml -> word/_rels/document.xml.rels)."""
        folder, base = posixpath.split(part)
        name = posixpath.join(folder, "_rels", base + ".rels")
        out: list[Element] = []
        if self.has(name):
            self.parse(name, lambda e, _d: out.append(e) if e.name == "Relationship" else None)
        return out


def open_docx(path: Path) -> Docx:
    """The draft at ``path`` as a checked package; DraftError saying why it cannot be."""
    try:
        if path.stat().st_size > MAX_DRAFT_BYTES:
            raise DraftError(f"is larger than {MAX_DRAFT_BYTES // 1_000_000} MB", path)
        data = path.read_bytes()
    except OSError as exc:
        raise DraftError(f"cannot be read: {exc.strerror or exc}", path) from None
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise DraftError("is password-protected: remove the password in Word (File > "
                             "Info > Protect Document) and save it again as .docx", path)
        raise DraftError("is a Word 97-2003 document (.doc), not a .docx: open it in Word "
                         "and save it as a Word Document (.docx)", path)
    if not data.startswith(b"PK"):
        raise DraftError("is not a Word document (.docx): save the draft from Word as a "
                         "Word Document (.docx)", path)
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise DraftError(f"is not a Word document (.docx): the zip is damaged ({exc})",
                         path) from None
    sizes = _judge_members(path, infos)
    package = Docx(path, data, sizes, "", archive)
    package.main = _main_part(package)
    return package


def _judge_members(path: Path, infos: list[zipfile.ZipInfo]) -> dict[str, int]:
    """Every member's name and size, judged from the zip's directory alone."""
    if len(infos) > MAX_MEMBERS:
        raise DraftError(f"holds {len(infos):,} files; a Word document holds a few dozen",
                         path)
    sizes: dict[str, int] = {}
    total = 0
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if (name.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts or "\0" in name
                or name in sizes):
            raise DraftError(f"holds a member named {name!r}, outside the package (or twice): "
                             "not a document Word wrote; nothing was read", path)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise DraftError(f"would unpack to more than {MAX_TOTAL_BYTES // 1_000_000} MB "
                             "(a zip bomb?); nothing was read", path)
        if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise DraftError(f"member {name} would unpack {info.file_size:,} bytes from "
                             f"{info.compress_size:,} (a zip bomb?); nothing was read", path)
        if info.flag_bits & 0x1:
            raise DraftError("is encrypted: remove the password in Word and save it again",
                             path)
        sizes[name] = info.file_size
    return sizes


def _main_part(package: Docx) -> str:
    """The main document part, from [Content_Types].xml; .docm and others refused."""
    path = package.path
    if not package.has("[Content_Types].xml"):
        raise DraftError("is not a Word document (.docx): it has no [Content_Types].xml", path)
    overrides: dict[str, str] = {}

    def content_type(element: Element, _depth: int) -> None:
        if element.name == "Override":
            overrides[element.attrs.get("PartName", "").lstrip("/")] = \
                element.attrs.get("ContentType", "")

    package.parse("[Content_Types].xml", content_type)
    for part, kind in overrides.items():
        if kind in MACRO_MAIN or part.lower().endswith("vbaproject.bin"):
            raise DraftError("is a macro-enabled document (.docm): macros are never imported;"
                             " save it from Word as a Word Document (.docx)", path)
    if any(name.lower().endswith("vbaproject.bin") for name in package.sizes):
        raise DraftError("holds macros (vbaProject.bin): save it from Word as a Word "
                         "Document (.docx)", path)
    mains = [part for part, kind in overrides.items() if kind in DOCX_MAIN]
    if len(mains) != 1 or not package.has(mains[0]):
        raise DraftError("is not a Word document (.docx): it has no main document part "
                         "(an Excel or PowerPoint file?)", path)
    return mains[0]


def parse_xml(data: bytes, path: Path, part: str, start: Callable[[Element, int], None],
              text: Callable[[str], None] | None = None,
              end: Callable[[str, int], None] | None = None) -> None:
    """expat over ``data`` with every DTD feature refused and the nesting bounded;
    DraftError naming the part and its line on anything else."""
    if len(data) > MAX_XML_BYTES:
        raise DraftError(f"part {part} is larger than {MAX_XML_BYTES // 1_000_000} MB", path)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def refuse(message: str) -> DraftError:
        return DraftError(f"part {part}, line {parser.CurrentLineNumber}: {message}", path)

    def doctype(*_args: Any) -> Any:
        raise refuse("declares a document type, which Word never writes (entities could "
                     "reach files or grow without end)")

    def on_start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise refuse(f"nests more than {MAX_XML_DEPTH} levels deep; a document Word "
                         "writes nests about 20")
        start(Element(_local(name), {_local(k): v for k, v in attrs.items()},
                      parser.CurrentLineNumber), depth)

    def on_end(name: str) -> None:
        nonlocal depth
        if end is not None:
            end(_local(name), depth)
        depth -= 1

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.ExternalEntityRefHandler = doctype
    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise DraftError(f"part {part}, line {exc.lineno}: is not well-formed XML "
                         f"({expat.errors.messages[exc.code]})", path) from None


def _local(name: str) -> str:
    """An XML name without its namespace (``uri}link`` -> ``link``, ``w:t`` stays)."""
    return name.rsplit("}", 1)[-1]
