"""Move series.yaml's old ``colors`` block into _brand.yml, for ``upgrade``.

The four old colour names land where brand.yml keeps those roles, each with its
end-of-line comment; a role _brand.yml already sets differently stops the move, and
nothing is written until both new texts have been read back.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from ..brand.css import css_color
from ..brand.load import file_colors
from ..brand.model import BRAND_FILE
from ..errors import CasestudyError, ScaffoldError
from ..files.write import atomic_write, check_target
from ..files.yamlfile import read_yaml
from .yamledit import brand_for_edit, only_without, round_trip, without_block

# series.yaml's old colour names -> where _brand.yml keeps them (docs/brand.md)
_COLOR_KEYS = {"primary": ("primary",), "accent": ("palette", "accent"),
               "muted": ("secondary",), "tint": ("light",)}


@dataclass
class ColorMove:
    """What ``move_colors`` did: the roles moved, and whether _brand.yml was created."""

    moved: list[str] = field(default_factory=list)
    created: bool = False
    removed: bool = False  # series.yaml lost its colors block


def move_colors(repo: Path) -> ColorMove:
    """Move series.yaml's old ``colors`` block into ``_brand.yml`` (``color``).

    Every value lands in _brand.yml with its end-of-line comment; one that _brand.yml
    already sets differently stops the move with both places named, and nothing is
    written. Both files are read back before either is replaced.
    """
    series_path, brand_path = repo / "series.yaml", repo / BRAND_FILE
    doc = read_yaml(series_path) if series_path.is_file() else None
    if doc is None or doc.problems or not isinstance(doc.data, dict) \
            or "colors" not in doc.data:
        return ColorMove()
    colors = doc.data["colors"] or {}
    if not isinstance(colors, dict) or not all(
            k in _COLOR_KEYS and isinstance(v, str) for k, v in colors.items()):
        line, col = doc.where(("colors",))
        raise ScaffoldError("'colors' is not the old mapping of primary, accent, muted and "
                            "tint to colours; move it to _brand.yml by hand", series_path,
                            line, col)
    raw = series_path.read_bytes().decode("utf-8")
    comments = _eol_comments(raw)
    yaml = round_trip()
    before, brand_doc, brand = brand_for_edit(brand_path, yaml)
    resolved = {}
    if before is not None:
        if not isinstance(brand.get("color") or {}, dict):
            raise ScaffoldError("fix _brand.yml first (casestudy check)", brand_path)
        try:
            resolved = file_colors(brand_path)
        except CasestudyError:
            raise ScaffoldError("fix _brand.yml first (casestudy check)", brand_path) from None
    color = brand.get("color")
    if color is None:
        color = brand["color"] = CommentedMap()
    done = ColorMove(created=not brand_path.is_file())
    if done.created and not colors:
        done.created = False
    for role, value in colors.items():
        place = _COLOR_KEYS[role]
        target = color
        for key in place[:-1]:
            if target.get(key) is None:
                target[key] = CommentedMap()
            target = target[key]
        there = target.get(place[-1])
        if there is not None and resolved.get(role) != css_color(value):
            line, col = brand_doc.where(("color", *place)) if brand_doc else (1, 1)
            raise ScaffoldError(f"series.yaml's colors.{role} is {value!r} but "
                                f"color.{'.'.join(place)} here is {str(there)!r}; keep one "
                                "and delete colors from series.yaml by hand", brand_path,
                                line, col)
        if there is None:
            target[place[-1]] = value
            if comments.get(role):
                target.yaml_add_eol_comment(comments[role], place[-1])
            done.moved.append(role)
    series_text = without_block(raw, doc.keys[("colors",)][0])
    header = ("# The series' brand, in the brand.yml format: see docs/brand.md.\n"
              "# The colours were moved here from series.yaml by `casestudy upgrade`.\n")
    new_brand = None
    if done.moved:
        stream = StringIO()
        yaml.dump(brand, stream)
        new_brand = (header if done.created else "") + stream.getvalue()
    _check_move(series_path, doc.data, series_text, brand_path, new_brand, colors)
    for target in (brand_path, series_path):  # both, before either is written
        check_target(target, (repo,))
    if new_brand is not None:
        atomic_write(brand_path, new_brand.encode("utf-8"))
    atomic_write(series_path, series_text.encode("utf-8"))
    done.removed = True
    return done


def _eol_comments(text: str) -> dict[str, str]:
    """The end-of-line comment of each key under ``colors``, as written."""
    data = round_trip().load(text)
    colors = data.get("colors") if hasattr(data, "get") else None
    found: dict[str, str] = {}
    for key, slots in (getattr(getattr(colors, "ca", None), "items", None) or {}).items():
        token = slots[2] if len(slots) > 2 else None
        if token is not None:
            first = token.value.split("\n")[0].strip()
            if first.startswith("#"):
                found[str(key)] = first.lstrip("#").strip()
    return found


def _check_move(series_path: Path, before: dict[str, Any], series_text: str,
                brand_path: Path, brand_text: str | None, colors: dict[str, str]) -> None:
    """Read both new texts back: series.yaml lost only ``colors``, the brand has them."""
    only_without(series_path, before, series_text, "colors")
    if brand_text is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / brand_path.name).write_text(brand_text, "utf-8")
        try:
            moved = file_colors(Path(tmp) / brand_path.name)
        except CasestudyError as exc:
            raise ScaffoldError(f"the moved colours do not read back: {exc}",
                                brand_path) from None
    for role, value in colors.items():
        if moved.get(role) != css_color(value):
            raise ScaffoldError(f"colors.{role} did not survive the move; move it "
                                "by hand", brand_path)
