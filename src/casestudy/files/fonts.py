"""Font files as files: where a declared font is, and what characters it has glyphs for.

A font named in series.yaml or _brand.yml is a file beside it or in an installed font
package (found without running the package's code), never one of the machine's. Its
character map is read with fontTools and kept in the user's cache folder by the file's
content, so that checking a series does not reparse every font. A face of a font
collection (``.ttc``) is written out as a font file of its own, in the same folder
(``collection_face``): CSS, WeasyPrint and the web fonts take one face a file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Iterable
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from struct import error as struct_error
from typing import Protocol

from .cachedir import default_cache_dir
from .fetch import inside, real
from .write import atomic_write

_FORMAT = 1  # bump when the cached shape changes
_DISK = {"cache": True}  # builds keep the cmaps in memory: they write only their outputs
_UNICODE_RANGE = re.compile(r"^U\+([0-9A-F?]{1,6})(?:-([0-9A-F]{1,6}))?$", re.IGNORECASE)


class Declared(Protocol):
    """A font as a file declares it (series.yaml's fallback_fonts entries)."""

    @property
    def file(self) -> str: ...

    @property
    def package(self) -> str | None: ...


class FontNotFound(ValueError):
    """A declared fallback font that cannot be used; the message says why."""


FONT_SUFFIXES = (".ttf", ".otf")


def fallback_path(decl: Declared, series_root: Path | None) -> Path:
    """The file of a fallback font declared in series.yaml: in the series folder, or in
    an installed font package. Never a font of the machine's font configuration."""
    rel = Path(decl.file)
    if rel.is_absolute() or "\\" in decl.file:
        raise FontNotFound(f"font file {decl.file!r} must be a relative path")
    if decl.package:
        module = decl.package.replace("-", "_")
        try:
            spec = find_spec(module)  # finds the package without running its code
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise FontNotFound(f"font package {decl.package!r} is not installed; "
                               f"pip install {decl.package}")
        base = Path(list(spec.submodule_search_locations)[0])
        where = f"the package {decl.package}"
    else:
        if series_root is None:
            raise FontNotFound("fallback font files are relative to series.yaml, which "
                               "was not read from a folder")
        base, where = series_root, "the series folder"
    path = real(base / rel)
    if not inside(path, real(base)):
        raise FontNotFound(f"font file {decl.file!r} leads outside {where}")
    if not path.is_file():
        raise FontNotFound(f"font file {decl.file!r} not found in {where}")
    if path.suffix.lower() not in FONT_SUFFIXES:
        raise FontNotFound(f"font file {decl.file!r} must be a .ttf or .otf file")
    return path


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@cache
def _font_digest(path: Path, size: int, mtime_ns: int) -> str:
    return _sha256(path)


def font_digest(path: Path) -> str:
    """The SHA-256 of a font file (remembered for this process while it is unchanged)."""
    info = os.stat(path)
    return _font_digest(path, info.st_size, info.st_mtime_ns)


def code_ranges(codes: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for code in sorted(codes):
        if out and code == out[-1][1] + 1:
            out[-1] = (out[-1][0], code)
        else:
            out.append((code, code))
    return out


def memory_only() -> None:
    """Read and write no cache file in this process (a build reads only what it may)."""
    _DISK["cache"] = False


def disk_cache() -> bool:
    """Whether this process may keep what it learns of fonts in the user's cache folder."""
    return _DISK["cache"]


@cache
def _cmap(digest: str, path: Path) -> frozenset[int]:
    store = default_cache_dir() / "fonts" / f"cmap-{_FORMAT}-{digest}.json"
    try:
        if _DISK["cache"]:
            ranges = json.loads(store.read_text("ascii"))
            return frozenset(c for a, b in ranges for c in range(int(a), int(b) + 1))
    except (OSError, ValueError, TypeError):
        pass
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            codes = frozenset(font.getBestCmap() or {})
    except (TTLibError, OSError, ValueError, KeyError, AssertionError) as exc:
        raise ValueError(f"{path.name} cannot be read as a font ({exc})") from None
    if not _DISK["cache"]:
        return codes
    try:
        store.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(store, json.dumps(code_ranges(codes)).encode("ascii"), durable=False)
    except OSError:
        pass
    return codes


def font_cmap(path: Path) -> frozenset[int]:
    """The characters ``path`` has a glyph for; ValueError when it is not a font."""
    return _cmap(font_digest(path), path)


COLLECTION = ".ttc"
MAX_FACES = 64  # the OpenType limit is higher; no real collection comes near this


def collection_faces(path: Path) -> list[tuple[str, ...]]:
    """The names of each face of a font collection, by index: its full name, PostScript
    name and family (typographic, then legacy). ValueError when it is not a collection."""
    from fontTools.ttLib import TTCollection, TTLibError

    try:
        collection = TTCollection(path, lazy=True)
    except (TTLibError, OSError, ValueError, KeyError, AssertionError, struct_error) as exc:
        raise ValueError(f"cannot be read as a .ttc font collection ({exc})") from None
    try:
        if len(collection.fonts) > MAX_FACES:
            raise ValueError(f"holds {len(collection.fonts)} faces, more than the "
                             f"{MAX_FACES} allowed")
        faces = []
        for font in collection.fonts:
            table = font["name"]
            names = (table.getDebugName(4), table.getDebugName(6),
                     table.getDebugName(16) or table.getDebugName(1))
            faces.append(tuple(n for n in names if n))
        return faces
    except (TTLibError, KeyError, AssertionError, struct_error) as exc:
        raise ValueError(f"cannot be read as a .ttc font collection ({exc})") from None
    finally:
        collection.close()


def collection_face(path: Path, index: int) -> Path:
    """Face ``index`` of the collection ``path`` as a font file of its own (.ttf, or .otf
    for CFF outlines), kept in the user's cache folder by the collection's content and
    the index, so it is written once; the same collection gives the same bytes.
    ValueError when it cannot be read or written."""
    from fontTools.ttLib import TTFont, TTLibError

    folder = default_cache_dir() / "fonts"
    stem = f"face-{font_digest(path)[:40]}-{index}"
    for suffix in (".ttf", ".otf"):
        kept = folder / (stem + suffix)
        if kept.is_file() and not kept.is_symlink():
            return kept
    try:
        with TTFont(path, fontNumber=index, recalcTimestamp=False, recalcBBoxes=False,
                    lazy=False) as font:
            suffix = ".otf" if "CFF " in font or "CFF2" in font else ".ttf"
            data = io.BytesIO()
            font.save(data)
    except (TTLibError, OSError, ValueError, KeyError, AssertionError, struct_error) as exc:
        raise ValueError(f"face {index} cannot be read ({exc})") from None
    target = folder / (stem + suffix)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(target, data.getvalue(), durable=False)
    except OSError as exc:
        raise ValueError(f"face {index} cannot be written to {folder} ({exc.strerror}); "
                         "set CASESTUDY_CACHE_DIR to a folder that can be written") from None
    return target


def parse_unicode_range(text: str) -> list[tuple[int, int]]:
    """A CSS unicode-range ("U+3000-30FF, U+4E??") as inclusive ranges; ValueError if bad."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        match = _UNICODE_RANGE.match(part)
        if not match:
            raise ValueError(f"{part!r} is not a unicode-range such as U+3000-30FF")
        first, last = match.group(1), match.group(2)
        if "?" in first:
            if last:
                raise ValueError(f"{part!r}: a range with '?' has no end")
            low, high = int(first.replace("?", "0"), 16), int(first.replace("?", "F"), 16)
        else:
            low, high = int(first, 16), int(last or first, 16)
        if low > high or high > 0x10FFFF:
            raise ValueError(f"{part!r} is not a range of code points")
        out.append((low, high))
    return out


def script_code(name: str) -> str:
    """The ISO 15924 code of a script given by name (Han) or code (Hani); ValueError."""
    from fontTools import unicodedata as ucd

    if len(name) == 4 and name.title() in ucd.Scripts.NAMES:
        return name.title()
    code = ucd.script_code(name.replace(" ", "_"), default=None)
    if code is None:
        raise ValueError(f"{name!r} is not a Unicode script name (Han, Hiragana, Arabic, ...)")
    return str(code)
