"""The brand's typefaces: font files beside ``_brand.yml`` or in installed Python font
packages (fontpkg-*, font-*), never the machine's; the text styles of base text,
headings and code; which families are fallbacks for other scripts.

load.py reads ``_brand.yml`` and hands the ``typography`` part here with its reader
(reader.py), which locates every problem in the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from importlib.util import find_spec
from pathlib import Path
from typing import Protocol

from ..files.folders import walk
from ..files.fonts import COLLECTION, collection_face, collection_faces, font_cmap
from ..files.yamlfile import Loc
from .brandfile import ColorPair, ColorValue, FontFile, TextStyle, Typography, Weight

FONT_TYPES = {".ttf": b"\x00\x01\x00\x00", ".otf": b"OTTO", COLLECTION: b"ttcf",
              ".woff": b"wOFF", ".woff2": b"wOF2"}
MAX_FONT_BYTES = 50_000_000
_FAMILY = re.compile(r"^[^\"'\\;{}<>\x00-\x1f]+$")
_UNICODE_RANGE = re.compile(r"^U\+[0-9A-Fa-f?]{1,6}(-[0-9A-Fa-f]{1,6})?"
                            r"(\s*,\s*U\+[0-9A-Fa-f?]{1,6}(-[0-9A-Fa-f]{1,6})?)*$")
_LENGTH = re.compile(r"^\d+(\.\d+)?(pt|px|em|rem|%|mm|cm|in)$")
_WEIGHTS = {"thin": 100, "extra-light": 200, "ultra-light": 200, "light": 300, "normal": 400,
            "regular": 400, "medium": 500, "semi-bold": 600, "demi-bold": 600, "bold": 700,
            "extra-bold": 800, "ultra-bold": 800, "black": 900}


class Reader(Protocol):
    """What the typefaces need of the brand's reader: located problems, files, colours."""

    def fail(self, loc: Loc, message: str, key: bool = False) -> None: ...

    def file(self, loc: Loc, value: str, kinds: tuple[str, ...], what: str) -> Path | None: ...

    def warn(self, loc: Loc, message: str, key: bool = False) -> None: ...


@dataclass(frozen=True)
class Font:
    """One font file: its CSS family, style and weight (``""``: the file's own range)."""

    family: str
    path: Path
    style: str
    weight: str = ""
    fallback: bool = False  # named after the first family of a role: for other scripts
    scripts: tuple[str, ...] = ()  # a fallback limited to these scripts (empty: all it has)
    unicode_range: str = ""  # the CSS unicode-range it is limited to ("": all it has)


Paint = tuple[str | None, str | None]  # a colour as written: for light pages, for dark
# ones (a theme colour, a palette name or a CSS colour); Brand.paint resolves it


@dataclass(frozen=True)
class TypeStyle:
    """A role's type: the family, then its fallbacks in order (for other scripts), and
    what else brand.yml sets for it. Colours stay as written (theme or palette names),
    so that a style inherited from the default brand takes the series' own colours."""

    families: tuple[str, ...]
    size: str | None = None
    line_height: str | None = None
    weight: str | None = None
    color: Paint | None = None
    style: str | None = None
    background: Paint | None = None
    decoration: str | None = None

    @property
    def stack(self) -> str:
        """The CSS font-family list: no generic family, so no machine font is asked for."""
        return ", ".join(f'"{name}"' for name in self.families)


def css_weight(value: Weight | None) -> str | None:
    """A CSS font-weight ("400", "100 900"), or None when not one."""
    if value is None or value == "auto":
        return None
    if isinstance(value, int):
        return str(value) if 1 <= value <= 1000 else None
    if value in _WEIGHTS:
        return str(_WEIGHTS[value])
    parts = value.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return value
    return None


def package_fonts(family: str) -> list[Font] | None:
    """A family's files from an installed fontpkg-* or font-* package, or None.

    The package is found by name and never imported: its metadata.json (fontpkg) says
    each file's style and weight; otherwise the fonts in its folder are read for them.
    """
    slug = re.sub(r"[^a-z0-9]+", "_", family.lower()).strip("_")
    for name in (f"fontpkg_{slug}", f"font_{slug}"):
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(list(spec.submodule_search_locations)[0])
        return fonts_in(family, folder)
    return None


def fonts_in(family: str, folder: Path) -> list[Font]:
    meta = folder / "metadata.json"
    if meta.is_file():
        data = json.loads(meta.read_text("utf-8"))
        return [Font(family, folder / f["path"], f.get("style") or "normal",
                     "" if f.get("variable") or not f.get("weight") else str(f["weight"]))
                for f in data.get("files", [])]
    from fontTools.ttLib import TTFont  # here: 30 ms, only for a package without metadata

    fonts = []
    found = sorted(where / name for where, _, names in walk(folder) for name in names)
    for path in found:
        if path.suffix.lower() in (".ttf", ".otf"):
            with TTFont(path, lazy=True) as font:
                italic = bool(font["OS/2"].fsSelection & 1)
                weight = "" if "fvar" in font else str(font["OS/2"].usWeightClass)
            fonts.append(Font(family, path, "italic" if italic else "normal", weight))
    return fonts


def declared_fonts(reader: Reader, typography: Typography
                   ) -> tuple[dict[str, list[Font]], dict[str, Loc]]:
    declared: dict[str, list[Font]] = {}
    # families declared but not to be had (a web font service, not installed): a warning
    # here, and the styles naming them keep the base brand's faces
    remote: dict[str, Loc] = {}
    keep = "the styles naming it keep the default brand's faces"
    for i, decl in enumerate(typography.fonts):
        loc: Loc = ("typography", "fonts", i)
        if decl.unicode_range is not None and not _UNICODE_RANGE.match(decl.unicode_range):
            reader.fail((*loc, "unicode-range"), f"unicode-range {decl.unicode_range!r} is "
                        "not a CSS unicode-range such as U+3000-30FF, U+4E00-9FFF")
            continue
        if not _FAMILY.match(decl.family):
            reader.fail((*loc, "family"), f"font family {decl.family!r} has characters a "
                                           "family name cannot have")
            continue
        if decl.source in ("google", "bunny"):
            found = package_fonts(decl.family)
            if found:  # the same family, installed as a Python font package
                declared[decl.family] = [replace(f, unicode_range=decl.unicode_range or "")
                                         for f in found]
            else:
                remote[decl.family] = (*loc, "source")
                reader.warn((*loc, "source"), f"font {decl.family!r} comes from "
                            f"{decl.source}, a web font service a build never fetches, and "
                            "is not installed as a Python font package (pip install "
                            f"fontpkg-{_slug(decl.family)}): {keep}")
            continue
        if decl.source == "system":
            if decl.files:
                reader.fail((*loc, "files"), "source: system takes no files")
            fonts = package_fonts(decl.family)
            if not fonts:
                remote[decl.family] = (*loc, "family")
                reader.warn((*loc, "family"), f"font {decl.family!r} is not installed as a "
                            f"Python font package (pip install fontpkg-{_slug(decl.family)}); "
                            f"fonts are never taken from the machine: {keep}")
                continue
            declared[decl.family] = [replace(f, unicode_range=decl.unicode_range or "")
                                     for f in fonts]
            continue
        if not decl.files:
            reader.fail(loc, f"font {decl.family!r}: source: file needs files")
            continue
        fonts = []
        for j, item in enumerate(decl.files):
            spec = FontFile(path=item) if isinstance(item, str) else item
            floc: Loc = (*loc, "files", j) if isinstance(item, str) else (*loc, "files", j,
                                                                          "path")
            path = reader.file(floc, spec.path, tuple(FONT_TYPES), "font file")
            if path is None:
                continue
            weight = css_weight(spec.weight)
            if spec.weight != "auto" and weight is None:
                reader.fail((*loc, "files", j, "weight"), f"weight {spec.weight!r} is not "
                            "a font weight (100-900, a name such as bold, or a range "
                            "such as '100 900')")
            with open(path, "rb") as handle:
                head = handle.read(4)
            if head not in (FONT_TYPES[path.suffix.lower()], b"true") or \
                    path.stat().st_size > MAX_FONT_BYTES:
                reader.fail(floc, f"font file {spec.path!r} is not a {path.suffix} font "
                                  "(or is too large)")
                continue
            face_loc: Loc = (*loc, "files", j, "face") if spec.face is not None else floc
            if path.suffix.lower() == COLLECTION:
                path = _collection_face(reader, floc, face_loc, spec, path)
                if path is None:
                    continue
            elif spec.face is not None:
                reader.fail(face_loc, f"face: chooses a face of a {COLLECTION} font "
                                      f"collection; {spec.path!r} is one face already")
                continue
            if not _has_space(path):
                reader.warn(floc, f"font file {spec.path!r} has no space (U+0020): the "
                                  "spaces of the text drawn in it print as missing glyphs "
                                  "(Pango sets a run's spaces in the run's font); use a "
                                  "font, or a subset, that keeps the space")
            fonts.append(Font(decl.family, path, spec.style, weight or "",
                              unicode_range=decl.unicode_range or ""))
        declared[decl.family] = fonts
    return declared, remote


def _has_space(path: Path) -> bool:
    try:
        return 0x20 in font_cmap(path)
    except ValueError:  # not a font after all: said where the brief draws with it
        return True


# the text styles of brand.yml, and our names for them (Brand's attributes)
STYLES = {"base": "base", "headings": "headings", "monospace": "monospace",
          "monospace-inline": "monospace_inline", "monospace-block": "monospace_block",
          "link": "link"}
_FACES = ("base", "headings", "monospace", "monospace-inline", "monospace-block")
_DECORATIONS = ("none", "underline", "overline", "line-through")


class ColorCheck(Protocol):
    """Says whether a typography colour names something (reports it where it does not)."""

    def __call__(self, loc: Loc, ref: str) -> bool: ...


def _paint(check: ColorCheck, loc: Loc, value: ColorValue | None) -> Paint | None:
    """A typography colour as written, once each name in it is known to resolve."""
    if value is None:
        return None
    if isinstance(value, ColorPair):
        if value.light is None and value.dark is None:
            check(loc, "")
            return None
        ok = all(check((*loc, side), ref) for side, ref in (("light", value.light),
                                                           ("dark", value.dark)) if ref)
        return (value.light, value.dark) if ok else None
    return (value, None) if check(loc, value) else None


def _collection_face(reader: Reader, floc: Loc, face_loc: Loc, spec: FontFile,
                     path: Path) -> Path | None:
    """The face ``spec.face`` (an index, or a face's full, PostScript or family name) of
    the collection ``path``, written out as a font of its own (files/fonts.py)."""
    try:
        faces = collection_faces(path)
    except ValueError as exc:
        reader.fail(floc, f"font file {spec.path!r} {exc}")
        return None
    listed = "; ".join(f"{i}: {names[0]}" for i, names in enumerate(faces[:12]))
    listed += "; ..." if len(faces) > 12 else ""
    face = spec.face
    if face is None and len(faces) == 1:
        face = 0
    if face is None:
        reader.fail(floc, f"font file {spec.path!r} is a collection of {len(faces)} faces; "
                          f"choose one with face: (a number or a name): {listed}")
        return None
    if isinstance(face, int):
        if not 0 <= face < len(faces):
            reader.fail(face_loc, f"face {face} is not in {spec.path!r}, whose faces are "
                                  f"numbered 0 to {len(faces) - 1}: {listed}")
            return None
        index = face
    else:
        wanted = face.casefold()
        found = [i for i, names in enumerate(faces)
                 if wanted in {name.casefold() for name in names}]
        if len(found) != 1:
            what = "no face" if not found else f"{len(found)} faces ({', '.join(map(str, found))})"
            reader.fail(face_loc, f"face {face!r} names {what} of {spec.path!r}; give a full "
                                  f"name or a number: {listed}")
            return None
        index = found[0]
    try:
        return collection_face(path, index)
    except ValueError as exc:
        reader.fail(floc, f"font file {spec.path!r}: {exc}")
        return None


def type_style(reader: Reader, loc: Loc, given: str | TextStyle | None,
               fallback: TypeStyle | None, check: ColorCheck) -> TypeStyle | None:
    if given is None:
        return fallback
    style = TextStyle(family=given) if isinstance(given, str) else given
    families = (tuple(n.strip() for n in style.family.split(",") if n.strip())
                if style.family else (fallback.families if fallback else ()))
    floc = loc if isinstance(given, str) else (*loc, "family")
    for name in families:
        if not _FAMILY.match(name):
            reader.fail(floc, f"font family {name!r} has characters a family name cannot have")
    families = tuple(n for n in families if _FAMILY.match(n)) or (
        fallback.families if fallback else ())
    size = style.size
    if size is not None and not _LENGTH.match(size):
        reader.fail((*loc, "size"), f"size {size!r} is not a length such as 10.5pt or 1rem")
    height = style.line_height
    if isinstance(height, str) and not (_LENGTH.match(height) or
                                        re.fullmatch(r"\d+(\.\d+)?", height)):
        reader.fail((*loc, "line-height"), f"line-height {height!r} is not a number or "
                                           "a length")
    weight = css_weight(style.weight)
    if style.weight is not None and weight is None:
        reader.fail((*loc, "weight"), f"weight {style.weight!r} is not a font weight")
    decoration = style.decoration
    if decoration is not None and decoration not in _DECORATIONS:
        reader.fail((*loc, "decoration"),
                    "decoration must be none, underline, overline or line-through")
    color = _paint(check, (*loc, "color"), style.color)
    background = _paint(check, (*loc, "background-color"), style.background_color)
    keep = fallback or TypeStyle(())
    return TypeStyle(families, size or keep.size,
                     str(height) if height is not None else keep.line_height,
                     weight or keep.weight, color or keep.color, style.style or keep.style,
                     background or keep.background, decoration or keep.decoration)


class Inherited(Protocol):
    """What a brand file inherits from the default brand (brand.Brand has these)."""

    @property
    def fonts(self) -> tuple[Font, ...]: ...

    def style_of(self, role: str) -> TypeStyle: ...


def typography(reader: Reader, spec: Typography | None, base: Inherited | None,
               check: ColorCheck) -> tuple[tuple[Font, ...], dict[str, TypeStyle]]:
    """The fonts and text styles ``spec`` sets over ``base``'s, by brand.yml's names."""
    typo = spec or Typography()
    declared, remote = declared_fonts(reader, typo)
    styles: dict[str, TypeStyle] = {}
    for role, attr in STYLES.items():
        fallback = base.style_of(attr) if base else None
        if role == "monospace" and (fallback is None or typo.headings is not None):
            # code is set in the headings face by default (its face alone)
            fallback = TypeStyle(styles["headings"].families)
        style = type_style(reader, ("typography", role), getattr(typo, attr), fallback,
                           check) or TypeStyle(())
        if role in ("base", "headings", "monospace") and not style.families:
            reader.fail(("typography",), f"typography.{role} names no font family")
            style = TypeStyle(("?",))
        styles[role] = style
    # a font declared for a unicode-range alone is a fallback of every role
    named = {n for style in styles.values() for n in style.families}
    ranged = tuple(name for name, found in declared.items()
                   if found and found[0].unicode_range and name not in named)
    if ranged:
        styles = {role: replace(style, families=style.families + ranged)
                  if role in _FACES and style.families else style
                  for role, style in styles.items()}
    fonts: list[Font] = []
    firsts = {styles[role].families[0] for role in _FACES if styles[role].families}
    for role in _FACES:
        kept: list[str] = []
        for name in styles[role].families:
            if any(f.family == name for f in fonts):
                kept.append(name)
                continue
            found = declared.get(name)
            if found is None and base is not None:
                found = [f for f in base.fonts if f.family == name] or None
            if found is None:
                found = package_fonts(name)
            loc = ("typography", role) if isinstance(getattr(typo, STYLES[role]), str) else (
                "typography", role, "family")
            if not found and name in remote:
                continue  # said at its declaration
            if not found:
                inherited = base.style_of(STYLES[role]).families[:1] if base else ()
                message = (f"font family {name!r} is neither declared in typography.fonts "
                           "nor installed as a Python font package (pip install "
                           f"fontpkg-{_slug(name)}); fonts are never taken from the machine")
                if inherited:
                    reader.warn(loc, f"{message}: typography.{role} keeps {inherited[0]!r}")
                else:
                    reader.fail(loc, message)
                continue
            kept.append(name)
            fonts += [f if name in firsts else replace(f, fallback=True) for f in found]
        if tuple(kept) != styles[role].families:
            families = tuple(kept) or (base.style_of(STYLES[role]).families if base else ())
            styles[role] = replace(styles[role], families=families)
            fonts += [f for n in families if not any(g.family == n for g in fonts)
                      for f in (base.fonts if base else ()) if f.family == n]
    return tuple(fonts), styles


def _slug(family: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", family.lower()).strip("-")
