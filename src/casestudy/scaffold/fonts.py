"""Move series.yaml's old ``fallback_fonts`` into _brand.yml, for ``upgrade``.

Each font becomes a brand.yml font limited to a ``unicode-range``, so that the brief
looks the same after the move as before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..brand.fontmap import script_unicode_range
from ..brand.load import load_brand
from ..brand.model import BRAND_FILE
from ..brand.typefaces import package_fonts
from ..errors import CasestudyError, ScaffoldError
from ..files.fonts import FontNotFound, fallback_path
from ..files.write import atomic_write, check_target
from ..files.yamlfile import read_yaml
from ..source.schema import FallbackFont
from .yamledit import brand_for_edit, only_without, round_trip, without_block


@dataclass
class FontMove:
    """What ``move_fallback_fonts`` did: the families moved into _brand.yml."""

    moved: list[str] = field(default_factory=list)
    created: bool = False


def move_fallback_fonts(repo: Path) -> FontMove:
    """Move series.yaml's old ``fallback_fonts`` into ``_brand.yml`` (``typography.fonts``).

    Each font becomes a brand.yml font limited to a ``unicode-range``: the characters of
    its file in its declared scripts (and the punctuation scripts share), or its own
    ``unicode_range``, which is what the renderer and the glyph rule read from it before.
    A font of an installed package moves when the package is the one brand.yml's
    ``source: system`` finds by the family's name. A family _brand.yml already declares,
    or anything unreadable, stops the move with its place named; nothing is written
    then. The brand is read back after both files are replaced, and both are put back
    if it does not read.
    """
    series_path, brand_path = repo / "series.yaml", repo / BRAND_FILE
    doc = read_yaml(series_path) if series_path.is_file() else None
    if doc is None or doc.problems or not isinstance(doc.data, dict) \
            or "fallback_fonts" not in doc.data:
        return FontMove()
    entries = doc.data["fallback_fonts"] or []
    fonts = [_moved_font(repo, doc, i, item) for i, item in enumerate(
        entries if isinstance(entries, list) else [entries])]
    yaml = round_trip()
    before, brand_doc, brand = brand_for_edit(brand_path, yaml)
    typography = brand.get("typography")
    if typography is None:
        typography = brand["typography"] = CommentedMap()
    declared = typography.get("fonts")
    if declared is None:
        declared = typography["fonts"] = CommentedSeq()
    for font in fonts:
        for n, other in enumerate(declared):
            if isinstance(other, dict) and other.get("family") == font["family"]:
                line, col = (brand_doc.where(("typography", "fonts", n, "family"))
                             if brand_doc else (1, 1))
                raise ScaffoldError(f"series.yaml's fallback font {font['family']!r} is "
                                    "declared here already; keep one and delete "
                                    "fallback_fonts from series.yaml by hand", brand_path,
                                    line, col)
        declared.append(font)
    stream = StringIO()
    yaml.dump(brand, stream)
    header = ("# The series' brand, in the brand.yml format: see docs/brand.md.\n"
              "# The fallback fonts were moved here from series.yaml by `casestudy upgrade`.\n")
    new_brand = (header if before is None else "") + stream.getvalue()
    raw = series_path.read_bytes()
    series_text = without_block(raw.decode("utf-8"), doc.keys[("fallback_fonts",)][0])
    only_without(series_path, doc.data, series_text, "fallback_fonts")
    for target in (brand_path, series_path):  # both, before either is written
        check_target(target, (repo,))
    atomic_write(brand_path, new_brand.encode("utf-8"))
    atomic_write(series_path, series_text.encode("utf-8"))
    try:
        load_brand(repo)
    except CasestudyError as exc:  # put both back as they were
        atomic_write(series_path, raw)
        if before is None:
            brand_path.unlink()
        else:
            atomic_write(brand_path, before)
        raise ScaffoldError(f"the moved fonts do not read back ({exc}); nothing was "
                            "changed: move fallback_fonts by hand", brand_path) from None
    return FontMove([f["family"] for f in fonts], created=before is None)


def _moved_font(repo: Path, doc: Any, index: int, item: Any) -> Any:
    """One old fallback font as a brand.yml font (a CommentedMap, in the key order
    brand.yml files use), or a ScaffoldError at its place in series.yaml."""
    line, col = doc.where(("fallback_fonts", index))
    try:
        decl = FallbackFont.model_validate(item)
        path = fallback_path(decl, repo)
    except (ValidationError, FontNotFound) as exc:
        raise ScaffoldError(f"fallback font {index + 1} cannot be moved ({exc}); fix it "
                            "first (casestudy check)", doc.path, line, col) from None
    font = CommentedMap()
    font["family"] = decl.family
    if decl.package:
        found = package_fonts(decl.family) or []
        if path not in {f.path for f in found}:
            raise ScaffoldError(f"fallback font {decl.family!r} comes from the package "
                                f"{decl.package}, which brand.yml's `source: system` does "
                                "not find by that family name; declare it in _brand.yml "
                                "by hand (docs/brand.md)", doc.path, line, col)
        font["source"] = "system"
    else:
        font["source"] = "file"
        font["files"] = [Path(decl.file).as_posix()]
    font["unicode-range"] = decl.unicode_range or script_unicode_range(path, decl.scripts)
    return font
