"""The brand fonts for the web edition: WOFF2 subsets shared by the whole series.

The PDF embeds its own subsets (WeasyPrint does that); a browser needs the fonts as
files. Shipping the variable TTFs would cost every reader 3.1 MB, so each face the web
CSS uses (regular and bold, upright and italic, of both families) is cut down to the
characters the series actually uses, pinned to one weight and optical size, and
compressed as WOFF2: about 10 KB a face.

HarfBuzz cuts and pins a face in one call, in milliseconds (as instancing.py does for
the PDF); fontTools then only compresses it (Brotli from PyPI). A set costs about 0.1 s
a face, so ``build`` begins it beside the PDF workers (:func:`start`), and a made set is
kept in the user's cache folder under its :func:`key`, for the next process. The files
in ``assets/fonts/`` are kept while the key (characters, fonts, this code) is unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import re
import stat
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CasestudyError
from ..files.cachedir import default_cache_dir
from ..files.fonts import disk_cache, parse_unicode_range
from ..files.write import atomic_write, check_target
from .fontmap import fallback_unicode_range
from .model import Brand
from .stylesheet import FontFace
from .typefaces import Font

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

WEIGHTS = (400, 700)  # what web.css uses: body text and bold (headings, labels, strong)
BODY_OPSZ = 18  # the web edition's body size in px: the serif's optical size is pinned there
FORMAT = 3  # bump when the way faces are made changes (3: HarfBuzz, kept in the cache)
KEPT_SETS = 16  # sets kept in the user's cache folder (each about 100 KB), newest first
# always in the subset, whatever the studies say: digits, ASCII, and the typographer's marks
BASE_TEXT = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0‘’“”–—…·•↩©"


@dataclass(frozen=True)
class Face:
    """One web font file: a brand font (a variable one pinned to one weight)."""

    font: Font
    weight: int
    pinned: bool  # a variable font instanced at ``weight``; else the file's own face
    unicode_range: str = ""  # a fallback's: the browser fetches it only when needed

    @property
    def filename(self) -> str:
        family = re.sub(r"[^a-z0-9]+", "-", self.font.family.lower()).strip("-") or "font"
        return f"{family}-{self.font.style}-{self.weight}.woff2"


@lru_cache(maxsize=64)
def axes_and_weight(path: Path) -> tuple[dict[str, tuple[float, float]], int]:
    """A font file's variation axes (tag -> min, max) and its OS/2 weight."""
    from fontTools.ttLib import TTFont  # here: 30 ms only a face's reading needs

    with TTFont(path, lazy=True) as font:
        axes = ({a.axisTag: (a.minValue, a.maxValue) for a in font["fvar"].axes}
                if "fvar" in font else {})
        weight = font["OS/2"].usWeightClass if "OS/2" in font else 400
    return axes, weight


def weights(brand: Brand) -> list[int]:
    """The weights the web pages use: web.css's two, and those the brand's styles set."""
    wanted = set(WEIGHTS)
    for style in (brand.base, brand.headings, brand.monospace):
        if style.weight and style.weight.isdigit():
            wanted.add(int(style.weight))
    return sorted(wanted)


def _nearest(available: list[int], wanted: int) -> int:
    """The weight CSS font matching picks for ``wanted`` among ``available``: at 400-500
    the nearest up to 500 first, below that lighter first, above it heavier first."""
    if wanted in available:
        return wanted
    if 400 <= wanted <= 500:
        up = [w for w in available if wanted < w <= 500]
        if up:
            return min(up)
    lighter = sorted((w for w in available if w < wanted), reverse=True)
    heavier = sorted(w for w in available if w > wanted)
    order = (heavier + lighter) if wanted > 500 else (lighter + heavier)
    return order[0]


def faces(brand: Brand) -> list[Face]:
    """The web faces of the brand: each variable font at the weights the pages use
    (within its axis), of each family's static fonts those a browser would pick for
    them; a fallback limited to its range."""
    wanted = weights(brand)
    static: dict[tuple[str, str], list[tuple[int, Font]]] = {}
    for font in brand.fonts:
        axes, own = axes_and_weight(font.path)
        if "wght" not in axes:
            static.setdefault((font.family, font.style), []).append((own, font))
    made: list[Face] = []
    names: set[str] = set()
    for font in brand.fonts:
        axes, own = axes_and_weight(font.path)
        limited = (fallback_unicode_range(font, brand.fonts) if font.fallback
                   else font.unicode_range)
        if "wght" in axes:
            low, high = axes["wght"]
            chosen = sorted({min(max(w, round(low)), round(high)) for w in wanted})
            candidates = [Face(font, w, True, limited) for w in chosen]
        else:
            family = static[(font.family, font.style)]
            picked = {_nearest([w for w, _ in family], w) for w in wanted}
            candidates = [Face(font, own, False, limited)] if own in picked else []
        for face in candidates:
            if face.filename not in names:  # two files of one family, style and weight
                names.add(face.filename)
                made.append(face)
    return made


def charset(texts: list[str]) -> str:
    """The characters to keep: those of ``texts`` and BASE_TEXT, sorted, controls left out."""
    chars = set(BASE_TEXT)
    for text in texts:
        chars.update(text)
    return "".join(sorted(c for c in chars if c.isprintable() or c == "\u00a0"))


def key(brand: Brand, chars: str) -> str:
    """What a set of faces depends on: the characters, the font files, this code and
    the libraries that make the bytes."""
    # here: about 20 ms (uharfbuzz) that only the web edition's fonts need
    import brotli
    import uharfbuzz
    from fontTools import version as fonttools_version

    digest = hashlib.sha256(f"{FORMAT} {fonttools_version} {uharfbuzz.__version__} "
                            f"{brotli.__version__} {WEIGHTS} {BODY_OPSZ}\n".encode())
    for face in faces(brand):
        with open(face.font.path, "rb") as handle:
            digest.update(f"{face.filename}\0{face.unicode_range}\0".encode()
                          + hashlib.file_digest(handle, "sha256").digest())
    digest.update(chars.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def font_faces(url_prefix: str, face_list: list[Face]) -> list[FontFace]:
    """The web edition's faces (for :func:`stylesheet.brand_css`), their files under
    ``url_prefix``."""
    return [FontFace(f.font.family, url_prefix + f.filename, f.font.style,
                     f.weight if f.pinned or not f.font.weight else f.font.weight,
                     f.unicode_range, woff2=True)
            for f in face_list]


# The sets of this process by key, made or being made: a set asked for while a thread
# makes it waits for that thread rather than making it again.
_SETS: dict[str, Future[tuple[tuple[str, bytes], ...]]] = {}
_SETS_LOCK = threading.Lock()
_KEPT_IN_MEMORY = 8


def make_faces(brand: Brand, chars: str) -> dict[str, bytes]:
    """Every face as WOFF2 bytes, by file name: made once per process and character
    set, and kept in the user's cache folder for the next process."""
    return dict(_set(brand, chars, background=False).result())


def start(brand: Brand, chars: str) -> None:
    """Begin making the set of ``brand`` for ``chars`` in a thread, so that it is made
    while the PDFs render in the workers; :func:`make_faces` then waits for it.

    A thread is enough: meanwhile this process only waits for its workers, so the
    thread has the GIL (and a core, with one worker on two) to itself."""
    _set(brand, chars, background=True)


def _set(brand: Brand, chars: str, background: bool) -> Future[tuple[tuple[str, bytes], ...]]:
    # by content (the font files' digests, not their paths), so the same fonts in
    # another folder, or a brand loaded twice, find the set already made
    face_list, font_key = tuple(faces(brand)), key(brand, chars)
    with _SETS_LOCK:
        future = _SETS.get(font_key)
        if future is not None and not (future.done() and future.exception()):
            return future
        future = _SETS[font_key] = Future()
        for old in [k for k, f in _SETS.items() if f.done()][:-_KEPT_IN_MEMORY]:
            del _SETS[old]
    args = (future, face_list, chars, font_key, _cache_folder())
    if background:  # not a daemon: the process never ends in the middle of a cache write
        threading.Thread(target=_fill, args=args, name="webfonts").start()
    else:
        _fill(*args)
    return future


def _fill(future: Future[tuple[tuple[str, bytes], ...]], face_list: tuple[Face, ...],
          chars: str, font_key: str, cache: Path | None) -> None:
    try:
        names = [face.filename for face in face_list]
        made = _read_cache(cache, font_key, names) if cache else None
        if made is None:
            made = tuple((face.filename, _make_face(face, chars)) for face in face_list)
            if cache:
                _write_cache(cache, font_key, made)
        future.set_result(made)
    except BaseException as exc:  # the caller of make_faces raises it
        future.set_exception(exc)


def _cache_folder() -> Path | None:
    """Where sets are kept; None in a process that builds a study in itself, which
    reads and writes nothing outside its inputs and outputs (files.fonts.memory_only)."""

    return default_cache_dir() / "webfonts" if disk_cache() else None


def _read_cache(folder: Path, font_key: str, names: list[str]
                ) -> tuple[tuple[str, bytes], ...] | None:
    """The set kept under ``font_key``, or None: an entry that is a link (or in a
    linked folder), unreadable, of other faces or whose bytes do not match their
    digests only costs the time to make it again."""
    file = folder / f"{font_key}.json"
    try:
        check_target(file, (folder,))
        entry = json.loads(file.read_bytes())
        if entry["key"] != font_key or [name for name, _, _ in entry["faces"]] != names:
            return None
        made = []
        for name, digest, text in entry["faces"]:
            data = base64.b64decode(text, validate=True)
            if data[:4] != b"wOF2" or hashlib.sha256(data).hexdigest() != digest:
                return None
            made.append((name, data))
        return tuple(made)
    except (OSError, ValueError, KeyError, TypeError, CasestudyError):
        return None


def _write_cache(folder: Path, font_key: str, made: tuple[tuple[str, bytes], ...]) -> None:
    """Keep ``made`` under ``font_key``, never through a link; the oldest sets beyond
    KEPT_SETS go. Failing only costs time next time."""
    file = folder / f"{font_key}.json"
    entry = {"key": font_key, "faces": [[name, hashlib.sha256(data).hexdigest(),
                                         base64.b64encode(data).decode("ascii")]
                                        for name, data in made]}
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        check_target(file, (folder,))  # the folder a link: nothing written there
        atomic_write(file, json.dumps(entry).encode("ascii"), durable=False)
        kept = []
        for path in folder.glob("*.json"):
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                kept.append((info.st_mtime_ns, path))
        for _, path in sorted(kept, reverse=True)[KEPT_SETS:]:
            path.unlink()
    except (OSError, CasestudyError):
        pass


def _wanted(face: Face, chars: str) -> list[int]:
    """The characters of ``chars`` the face is for: a fallback only those of its range."""
    unicodes = [ord(c) for c in chars]
    if not face.unicode_range:
        return unicodes

    ranges = parse_unicode_range(face.unicode_range)
    return [c for c in unicodes if any(a <= c <= b for a, b in ranges)]


def _make_face(face: Face, chars: str) -> bytes:
    """One face as WOFF2: HarfBuzz's cut, or fontTools' for a font HarfBuzz refuses."""
    from fontTools.ttLib import TTFont  # here: 30 ms only making a face needs

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # "meta NOT subset" and the like
    wanted = _wanted(face, chars)
    data = face.font.path.read_bytes()
    cut = _harfbuzz_cut(face, data, wanted)
    font = TTFont(io.BytesIO(cut), recalcBBoxes=False, recalcTimestamp=False) if cut else None
    if font is None or "fvar" in font:
        # HarfBuzz raises, or leaves an axis, for what its instancer cannot do (a
        # variable CFF2 font in some versions, a table it cannot instance); fontTools can
        font = _fonttools_cut(face, data, wanted)
    else:
        _drop_unused_names(font)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _harfbuzz_cut(face: Face, data: bytes, wanted: list[int]) -> bytes | None:
    """The font cut to ``wanted`` and, when variable, pinned (weight at the face's,
    optical size at BODY_OPSZ, every other axis at its default): a static font. The
    default layout features (kern, liga, marks...) stay, and every name, in every
    language (the licence and copyright go with the font); None if HarfBuzz refuses."""
    import uharfbuzz as hb  # here: 18 ms only making a face needs

    try:
        source = hb.Face(hb.Blob(data))
        plan = hb.SubsetInput()
        plan.unicode_set.update(wanted)
        flags = hb.SubsetFlags.NOTDEF_OUTLINE
        for names in (hb.SubsetInputSets.NAME_ID, hb.SubsetInputSets.NAME_LANG_ID):
            every = plan.sets(names)  # HarfBuzz's "all": the empty set inverted
            every.clear()
            every.invert()
        tags = set(source.table_tags)
        if "GPOS" not in tags and "kern" in tags:  # its only kerning (fontTools keeps it too)
            plan.sets(hb.SubsetInputSets.DROP_TABLE_TAG).remove(_tag("kern"))
        axes = {axis.tag: axis for axis in source.axis_infos}
        if axes:
            # as fontTools' instancer does: the contours of a variable font overlap, and
            # a rasterizer told so draws them as the designer meant
            flags |= hb.SubsetFlags.SET_OVERLAPS_FLAG
            plan.pin_all_axes_to_default(source)
            for tag, value in (("wght", face.weight), ("opsz", BODY_OPSZ)):
                if tag in axes and (tag != "wght" or face.pinned):
                    axis = axes[tag]
                    plan.pin_axis_location(source, tag, min(max(float(value), axis.min_value),
                                                            axis.max_value))
        plan.flags = flags
        out = hb.subset(source, plan).blob.data
    except (RuntimeError, ValueError):
        return None
    return bytes(out) if out else None


def _tag(text: str) -> int:
    return int.from_bytes(text.encode("ascii"), "big")


def _drop_unused_names(font: TTFont) -> None:
    """Names (256 and up) that nothing left in the face refers to, as fontTools leaves
    a face: those of the axes and named instances of a pinned font, of the stylistic
    sets HarfBuzz dropped with their features. The standard ones (copyright, licence,
    family...) stay, and those the STAT or CPAL table refers to."""
    used: set[int] = set()
    if "STAT" in font:
        stat_table = font["STAT"].table
        used.add(getattr(stat_table, "ElidedFallbackNameID", 2))
        for axis in stat_table.DesignAxisRecord.Axis if stat_table.DesignAxisRecord else []:
            used.add(axis.AxisNameID)
        for value in stat_table.AxisValueArray.AxisValue if stat_table.AxisValueArray else []:
            used.add(value.ValueNameID)
    if "CPAL" in font:
        cpal = font["CPAL"]
        used.update(getattr(cpal, "paletteLabels", []) or [])
        used.update(getattr(cpal, "paletteEntryLabels", []) or [])
    names = font["name"]
    names.names = [n for n in names.names if n.nameID < 256 or n.nameID in used]


def _fonttools_cut(face: Face, data: bytes, wanted: list[int]) -> TTFont:
    """What HarfBuzz refused, cut and pinned by fontTools (seconds, not milliseconds)."""
    # here: fontTools' subsetter and instancer (0.1 s), for what HarfBuzz refused
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]  # keep the names: the licence and copyright go with it
    options.name_languages = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)  # first: instancing the whole font would take ten times longer
    if "fvar" in font:
        axes = {a.axisTag: a for a in font["fvar"].axes}
        # every axis pinned (width, grade...: at their defaults), so the face is static
        location = {tag: axis.defaultValue for tag, axis in axes.items()}
        if face.pinned:
            location["wght"] = float(face.weight)
        if "opsz" in axes:
            opsz = axes["opsz"]
            location["opsz"] = min(max(float(BODY_OPSZ), opsz.minValue), opsz.maxValue)
        font = instancer.instantiateVariableFont(font, location)
    return font
