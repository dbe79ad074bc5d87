"""Every resource a build touches goes through here.

Two layers share one policy. ``local_image`` is what the checker uses to judge an
author's image path before anything is rendered (so the error names the section
and line). ``make_fetcher`` builds the WeasyPrint URL fetcher for the render
itself: it serves files from the allowed roots only and refuses everything else,
network included, so a path that slipped past the checker still reads nothing.
"""

from __future__ import annotations

import os
import re
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}
MAX_IMAGE_BYTES = 20_000_000
MAX_PIXELS = 40_000_000  # a larger image is a decompression bomb or a mistake
MAX_SVG_ELEMENTS = 200_000  # a chart draws thousands; millions is a <use> bomb
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# href/src attributes, CSS url() (any case: CSS is case-insensitive) and @import "..."
_SVG_REF = re.compile(r"""(?:href|src)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^)"']*)"""
                      r"""|@import\s*["']([^"']*)""", re.IGNORECASE)

# What a link may point at; judged by the checker (located) and again by the renderer.
SAFE_LINK = re.compile(r"^(https?://[^\s/]|mailto:[^\s]|#)", re.IGNORECASE)


class Refused(ValueError):
    """An author's path that may not be read; the message says why."""


def inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def real(path: Path) -> Path:
    """``path`` with every symlink followed; unlike Path.resolve, a link loop is no error."""
    return Path(os.path.realpath(path))


def local_image(root: Path, src: str) -> Path:
    """Resolve an image path written in a section to a file inside the study, or refuse."""
    if not src.strip():
        raise Refused("image path is empty")
    if _SCHEME.match(src) or src.startswith("//"):
        raise Refused(f"image {src!r} is not a file in the study: remote, data: and file: "
                      "images are not allowed; put the file in figures/")
    decoded = unquote(src)
    if "\\" in decoded or "\x00" in decoded:
        raise Refused(f"image path {src!r} has a backslash or NUL byte")
    rel = Path(decoded)
    if rel.is_absolute():
        raise Refused(f"image path {src!r} is absolute; write it relative to the study folder")
    root = real(root)
    path = real(root / rel)
    if not inside(path, root):
        raise Refused(f"image path {src!r} leads outside the study folder")
    try:
        info = os.stat(path)
    except OSError:
        raise Refused(f"image {src!r} not found (paths are relative to the study folder)") from None
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"image {src!r} is not a regular file")
    if path.suffix.lower() not in IMAGE_TYPES:
        raise Refused(f"image {src!r} has an unsupported type; use "
                      + ", ".join(sorted(IMAGE_TYPES)))
    if info.st_size > MAX_IMAGE_BYTES:
        raise Refused(f"image {src!r} is larger than {MAX_IMAGE_BYTES // 1_000_000} MB")
    return path


def sniff_image(path: Path) -> str | None:
    """A reason to refuse the image's bytes (wrong type, too many pixels), or None."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    ext = path.suffix.lower()
    size = None
    if ext == ".png":
        if not head.startswith(b"\x89PNG\r\n\x1a\n"):
            return "is not a PNG file"
        size = struct.unpack(">II", head[16:24]) if len(head) >= 24 else None
    elif ext in (".jpg", ".jpeg"):
        if not head.startswith(b"\xff\xd8\xff"):
            return "is not a JPEG file"
        size = _jpeg_size(path)
    elif ext == ".gif":
        if head[:6] not in (b"GIF87a", b"GIF89a"):
            return "is not a GIF file"
        size = struct.unpack("<HH", head[6:10])
    elif ext == ".webp":
        if not (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
            return "is not a WebP file"
        size = _webp_size(head)
    elif ext == ".svg":
        text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
        if not text.startswith("<") or "<svg" not in text:
            return "is not an SVG file"
        return _svg_problem(path)
    if size and size[0] * size[1] > MAX_PIXELS:
        return f"is {size[0]}x{size[1]} pixels, more than the {MAX_PIXELS:,} allowed"
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    """Canvas size from the first chunk: extended (VP8X), lossy (VP8) or lossless (VP8L)."""
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:
        return (1 + int.from_bytes(head[24:27], "little"),
                1 + int.from_bytes(head[27:30], "little"))
    if chunk == b"VP8 " and len(head) >= 30:
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg_size(path: Path) -> tuple[int, int] | None:
    """Width and height from the first SOF segment, walking the segments on disk.

    Large EXIF or ICC segments can push the frame header past any fixed-size head,
    so the walk seeks instead of reading the whole file.
    """
    with open(path, "rb") as handle:
        handle.seek(2)
        while True:
            marker = handle.read(4)
            if len(marker) < 4 or marker[0] != 0xFF:
                return None
            length = struct.unpack(">H", marker[2:4])[0]
            if 0xC0 <= marker[1] <= 0xCF and marker[1] not in (0xC4, 0xC8, 0xCC):
                frame = handle.read(5)
                if len(frame) < 5:
                    return None
                height, width = struct.unpack(">HH", frame[1:5])
                return width, height
            if length < 2:
                return None
            handle.seek(length - 2, 1)


def _svg_problem(path: Path) -> str | None:
    text = path.read_text("utf-8", "replace")
    if "<!ENTITY" in text or "<!DOCTYPE" in text:
        return "declares a DOCTYPE or entities, which are not allowed in SVG figures"
    try:
        drawn = _svg_drawn(ElementTree.fromstring(text))  # safe: no DOCTYPE, no entities
    except ElementTree.ParseError as exc:
        return f"is not well-formed XML (line {exc.position[0]})"
    except RecursionError:
        drawn = MAX_SVG_ELEMENTS + 1
    if drawn > MAX_SVG_ELEMENTS:
        return (f"would draw more than {MAX_SVG_ELEMENTS:,} elements once its <use> "
                "references are expanded")
    for match in _SVG_REF.finditer(text):
        ref = (match.group(1) or match.group(2) or match.group(3) or "").strip()
        if ref and not ref.startswith("#"):
            line = text[: match.start()].count("\n") + 1
            return f"refers to {ref!r} on line {line}; SVG figures must be self-contained"
    return None


def _svg_drawn(root: ElementTree.Element) -> int:
    """How many elements the SVG draws with every <use> expanded (a <use> bomb is huge)."""
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    memo: dict[int, int] = {}

    def size(el: ElementTree.Element, active: set[int]) -> int:
        key = id(el)
        if key in memo:
            return memo[key]
        if key in active:  # a <use> cycle: never ends
            return MAX_SVG_ELEMENTS + 1
        active.add(key)
        total = 1 + sum(size(child, active) for child in el)
        if el.tag.rsplit("}", 1)[-1] == "use":
            ref = el.get("href") or el.get("{http://www.w3.org/1999/xlink}href") or ""
            target = ids.get(ref.removeprefix("#"))
            if target is not None:
                total += size(target, active)
        active.discard(key)
        memo[key] = total = min(total, MAX_SVG_ELEMENTS + 1)
        return total

    return size(root, set())


@dataclass
class FetchLog:
    """What the fetcher served and what it refused during one render."""

    served: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def make_fetcher(roots: list[Path], log: FetchLog) -> Any:
    """A WeasyPrint URL fetcher that serves regular files under ``roots`` and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = [real(r) for r in roots]

    class StudyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            try:
                path = _allowed_file(url, allowed)
                # the checker sniffed the author's images; this catches any other route
                reason = sniff_image(path) if path.suffix.lower() in IMAGE_TYPES else None
                if reason:
                    raise Refused(f"{path}: {reason}")
            except Refused as exc:
                log.refused.append((url, str(exc)))
                raise
            log.served.append(str(path))
            mime = IMAGE_TYPES.get(path.suffix.lower()) or _FONT_TYPES.get(path.suffix.lower())
            headers = {"Content-Type": mime} if mime else {}
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers)

    return StudyFetcher(allowed_protocols=("file",), allow_redirects=False)


_FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2", ".css": "text/css"}


def _allowed_file(url: str, roots: list[Path]) -> Path:
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise Refused(f"{url[:80]!r}: only files of the study and the branding can be read")
    from urllib.request import url2pathname  # here: urllib.request costs `check` 25 ms

    path = real(Path(url2pathname(unquote(parts.path))))
    if not any(inside(path, root) for root in roots):
        raise Refused(f"{path}: outside the study and the branding")
    try:
        info = os.stat(path)
    except OSError:
        raise Refused(f"{path}: not found") from None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_IMAGE_BYTES * 2:
        raise Refused(f"{path}: not a regular file of reasonable size")
    return path
