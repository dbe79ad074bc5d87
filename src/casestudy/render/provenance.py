"""What a brief was made from: written into its PDF, read back to tell an editor whether
a PDF in hand is current.

The manifest names every input of the study (study.yaml, its sections, figures and
reference lists) and of the series (series.yaml and every file of the brand), each
with its SHA-256, and the casestudy and WeasyPrint versions. It holds no date, no
commit and no absolute path, so the same sources give the same manifest and builds
stay reproducible; everything in it is in the build digest (cache.py) too, so a no-op
rebuild stays a no-op. In the PDF it is one property of the XMP metadata, as JSON.
"""

from __future__ import annotations

import json
import os
import re
import stat
import zlib
from dataclasses import dataclass, field
from html import unescape
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from ..brand.model import BRANDING
from ..check.memory import reference_entries
from ..files.digest import MAX_READ_BYTES, entry, tree_entries
from ..source.schema import SeriesConfig
from ..version import __version__

if TYPE_CHECKING:
    from ..brand.model import Brand

NAMESPACE = "http://ns.casestudy.invalid/provenance/1.0/"  # names, never fetched
FORMAT = 1


def _digest(content: bytes) -> str:
    # entry() gives a file's SHA-256, or what stands for a link, a special or huge file
    if len(content) == 32:
        return content.hex()
    return content.decode("utf-8", "replace")


def _series_name(path: Path, repo: Path | None) -> str:
    """A brand file's name that is the same on every machine: relative to the series
    repository, to the package's branding, or to the installed font package."""
    parts = path.parts
    if "site-packages" in parts:  # first: a virtual environment may be in the repository
        return "package/" + "/".join(parts[parts.index("site-packages") + 1:])
    for base, prefix in ((BRANDING, "casestudy"), (repo, "series")):
        if base is not None and path.is_relative_to(base):
            return f"{prefix}/{path.relative_to(base).as_posix()}"
    return f"file/{path.name}"


def _engine(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def manifest(root: Path, series: SeriesConfig, brand: Brand) -> dict[str, object]:
    """The manifest of the study in ``root``: its inputs and the series', by hash."""
    entries = [("study.yaml", entry(root / "study.yaml"))]
    for folder in ("sections", "figures"):
        entries += tree_entries(root, root / folder)
    entries += reference_entries(root)
    files = {f"study/{rel}": _digest(content) for rel, content in entries
             if not rel.endswith("/")}
    repo = series.root
    if series.sha256:  # as it was read for this build: never read again
        files["series/series.yaml"] = series.sha256
    for path in brand.files():
        files[_series_name(path, repo)] = _digest(entry(path))
    return {"format": FORMAT, "study": root.name, "casestudy": __version__,
            "weasyprint": _engine("weasyprint"), "files": dict(sorted(files.items()))}


def xmp_description(data: dict[str, object]) -> bytes:
    """The manifest as an XMP description, to go inside the PDF's rdf:RDF."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return (f'<rdf:Description rdf:about="" xmlns:casestudy="{NAMESPACE}">'
            f"<casestudy:manifest>{escape(text)}</casestudy:manifest>"
            "</rdf:Description>").encode()


def html_manifest(data: dict[str, object]) -> str:
    """The manifest as the JSON a web page's <meta name="casestudy:manifest"> carries
    (the template escapes it as an attribute value)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


_HTML_MANIFEST = re.compile(rb'<meta name="casestudy:manifest" content="([^"]*)">')
_METADATA = re.compile(rb"/Type\s*/Metadata\b")
_STREAM = re.compile(rb"stream\r?\n")


def read_manifest(pdf: bytes) -> dict[str, object] | None:
    """The manifest a PDF, or a page of the web edition, carries; None when it carries
    none (not built by casestudy, or before it wrote one)."""
    if not pdf.startswith(b"%PDF-"):
        page = _HTML_MANIFEST.search(pdf)
        return _manifest_data(unescape(page.group(1).decode("utf-8", "replace"))) if page \
            else None
    for found in _METADATA.finditer(pdf):
        start = _STREAM.search(pdf, found.end())
        end = pdf.find(b"endstream", start.end()) if start else -1
        if start is None or end < 0 or pdf.rfind(b"endobj", found.end(), start.start()) >= 0:
            continue
        raw = pdf[start.end():end].rstrip(b"\r\n")
        try:
            raw = zlib.decompress(raw)
        except zlib.error:
            pass  # an uncompressed metadata stream
        try:
            tree = ElementTree.fromstring(raw[raw.find(b"<x:xmpmeta"):raw.rfind(b">") + 1])
        except ElementTree.ParseError:
            continue
        node = tree.find(f".//{{{NAMESPACE}}}manifest")
        if node is not None and node.text:
            return _manifest_data(node.text)
    return None


def _manifest_data(text: str) -> dict[str, object] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


@dataclass
class Provenance:
    """A PDF against the current sources: ``status`` is "current", "stale" or "foreign"."""

    status: str
    study: str | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    built_with: dict[str, str] = field(default_factory=dict)  # casestudy, weasyprint

    @property
    def exit_code(self) -> int:
        return {"current": 0, "stale": 1}.get(self.status, 2)


def compare(pdf: bytes, root: Path, series: SeriesConfig, brand: Brand) -> Provenance:
    """Was ``pdf`` built from the current sources of the study in ``root``?"""
    then = read_manifest(pdf)
    if then is None:
        return Provenance("foreign")
    files = then["files"]
    assert isinstance(files, dict)
    now = manifest(root, series, brand)["files"]
    assert isinstance(now, dict)
    built_with = {key: str(then.get(key, "-")) for key in ("casestudy", "weasyprint")}
    result = Provenance("current", str(then.get("study") or ""), built_with=built_with)
    result.added = sorted(set(now) - set(files))
    result.removed = sorted(set(files) - set(now))
    result.changed = sorted(name for name in set(now) & set(files) if now[name] != files[name])
    if result.added or result.removed or result.changed:
        result.status = "stale"
    return result


def pdf_bytes(pdf: Path) -> bytes | None:
    """The PDF's bytes; None for a FIFO or device (reading would block) or a file past
    MAX_READ_BYTES (no build writes one). OSError when it cannot be read."""
    info = os.stat(pdf)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_READ_BYTES:
        return None
    return pdf.read_bytes()
