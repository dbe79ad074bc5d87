"""A Word draft read and judged, before any question is asked or anything is written.

``read_draft`` opens the package (package.py), scans its XML (scan.py), stops on review
marks nobody has settled, judges every picture by the series' own image gate
(files/fetch.py: type, pixels, bytes), then has pandoc read the document.
"""

from __future__ import annotations

import posixpath
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files.fetch import IMAGE_TYPES, MAX_IMAGE_BYTES, image_problem
from ..files.pandoc import elements
from .convert import csl_items, read_ast, stringify
from .package import Docx, DraftError, open_docx
from .scan import Scan, scan

REVIEW_CHOICES = ("accept", "reject")


@dataclass
class Draft:
    """What the import knows of a draft: its package, its scan and pandoc's reading."""

    package: Docx
    scan: Scan
    ast: dict[str, Any]
    items: list[dict[str, Any]]  # CSL JSON, under the reference manager's ids
    pictures: dict[str, bytes] = field(default_factory=dict)  # zip member -> bytes
    refused: dict[str, str] = field(default_factory=dict)  # pandoc's src -> why not carried

    @property
    def title(self) -> str:
        return (stringify(self.ast.get("meta", {}).get("title", []))
                or " ".join(self.scan.properties.get("title", "").split()))

    @property
    def subtitle(self) -> str:
        return stringify(self.ast.get("meta", {}).get("subtitle", []))

    @property
    def authors(self) -> list[str]:
        value = self.ast.get("meta", {}).get("author")
        names = [stringify(name) for name in (
            value["c"] if value.get("t") == "MetaList" else [value])] if value else \
            [self.scan.properties.get("creator", "")]
        out = []
        for name in names:  # Word keeps several authors in one field, split by ";"
            out += [" ".join(part.split()) for part in name.split(";") if part.strip()]
        return out

    def member(self, src: str) -> str | None:
        """The zip member of pandoc's image ``src`` (media/image1.png)."""
        for candidate in (posixpath.join(posixpath.dirname(self.package.main), src), src):
            if self.package.has(candidate):
                return candidate
        return None


def read_draft(path: Path, review: str | None = None) -> Draft:
    """The draft at ``path``, checked and read; DraftError when it cannot be imported."""
    package = open_docx(path)
    found = scan(package)
    if found.review_marks or found.comments:
        if review is None:
            raise DraftError(f"still holds {_review_summary(found)}: settle them in Word "
                             "(Review > Accept or Reject), or import with --accept-all or "
                             "--reject-all (comments then become TODO lines that check "
                             "reports); nothing was written", path)
    if review is not None and review not in REVIEW_CHOICES:
        raise DraftError(f"review must be one of {', '.join(REVIEW_CHOICES)}", path)
    pictures = _judge_pictures(package, found)
    ast = read_ast(package, review or "accept")
    draft = Draft(package, found, ast, csl_items(ast, package))
    for src in image_sources(ast.get("blocks", [])):
        member = draft.member(src)
        if member in pictures:
            draft.pictures[member] = pictures[member]
        elif member is not None and not member.lower().endswith(tuple(IMAGE_TYPES)):
            draft.refused[src] = (f"Word's {posixpath.splitext(member)[1].lstrip('.').upper()}"
                                  " format: export the picture as PNG or SVG and put it here")
    return draft


def _review_summary(found: Scan) -> str:
    parts = [f"{n} tracked {kind}{'s' if n != 1 else ''}"
             for kind, n in sorted(found.review.items())]
    if found.comments:
        parts.append(f"{len(found.comments)} comment{'s' if len(found.comments) != 1 else ''}")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _judge_pictures(package: Docx, found: Scan) -> dict[str, bytes]:
    """Every picture the draft shows, judged by the image gate before pandoc runs: a
    picture past the series' limits refuses the whole draft, as it would refuse a build."""
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="casestudy-import-") as tmp:
        for member, where in found.images.items():
            suffix = posixpath.splitext(member)[1].lower()
            if suffix not in IMAGE_TYPES or not package.has(member):
                continue
            if package.sizes[member] > MAX_IMAGE_BYTES:
                raise DraftError(f"picture {posixpath.basename(member)} at {where} is larger "
                                 f"than {MAX_IMAGE_BYTES // 1_000_000} MB", package.path)
            data = package.read(member)
            if suffix != ".svg":  # an SVG is sanitized by check, as any author's SVG
                probe = Path(tmp) / f"probe{suffix}"
                probe.write_bytes(data)
                reason = image_problem(probe, decode=False)
                if reason:
                    raise DraftError(f"picture {posixpath.basename(member)} at {where} "
                                     f"{reason}; nothing was written", package.path)
            out[member] = data
    return out


def image_sources(node: Any) -> list[str]:
    """Each picture's source in pandoc's JSON, in order (no recursion: a deep draft
    nests deep)."""
    return [item["c"][2][0] for item in elements(node, skip=("Image",))
            if item.get("t") == "Image"]
