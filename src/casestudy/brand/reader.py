"""Reading one brand file: every problem located at its ``_brand.yml`` line, the files
it names (beside it, never fetched) and its colours (CSS colours or names in its
``color.palette``). load.py hands the reader to the parts that resolve colours, logos
and typefaces, so each reports where the file says what is wrong.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Problem, error, warning
from ..files.fetch import inside, real
from ..files.yamlfile import Loc, YamlDoc
from .css import css_color
from .model import BRAND_FILE, Brand

NOT_A_COLOR = ("is neither a colour (#rrggbb, rgb(...), a CSS name), a theme colour "
               "(primary, secondary, ...) nor a name in color.palette")
_NOT_A_COLOR = "is neither a colour (#rrggbb, rgb(...), a CSS name) nor a name in color.palette"


class BrandReader:
    """Resolve one brand file; problems collect here, each at its line."""

    def __init__(self, doc: YamlDoc, base: Brand | None):
        self.doc = doc
        self.base = base
        self.root = doc.path.parent
        self.problems: list[Problem] = list(doc.problems)
        self.palette: dict[str, str] = {}  # color.palette, each name resolved
        self.bad_palette: set[str] = set()
        self.warnings: list[Problem] = []

    def read_palette(self, palette: dict[str, str], inherited: dict[str, str]) -> None:
        """Each palette name to its colour, following names (the file's, then the base
        brand's ``inherited`` ones); a circle is said once."""
        for name in palette:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
                self.fail(("color", "palette", name), f"palette name {name!r} must be a CSS "
                          "or Sass variable name (letters, digits, - and _)", key=True)
            chain, value = [name], palette[name]
            while value in palette and value not in chain:
                chain.append(value)
                value = palette[value]
            if value in palette:
                if not self.bad_palette & set(chain):
                    self.fail(("color", "palette", name), "palette colours refer to each "
                              "other in a circle: " + " -> ".join([*chain, value]))
                self.bad_palette.update(chain)
                continue
            color = inherited.get(value) or css_color(value)
            if color is None:
                if chain[-1] not in self.bad_palette:
                    self.fail(("color", "palette", chain[-1]), f"{value!r} {_NOT_A_COLOR}")
                self.bad_palette.update(chain)
            else:
                self.palette[name] = color

    def fail(self, loc: Loc, message: str, key: bool = False) -> None:
        self.problems.append(error(self.doc.path, *self.place(loc, key), message))

    def warn(self, loc: Loc, message: str, key: bool = False) -> None:
        """Something the file says that a brief cannot honour: said, never an error."""
        self.warnings.append(warning(self.doc.path, *self.place(loc, key), message))

    def place(self, loc: Loc, key: bool = False) -> tuple[int, int]:
        line, col = self.doc.keys.get(loc, (0, 0)) if key else (0, 0)
        return (line, col) if line else self.doc.where(loc)

    def file(self, loc: Loc, value: str, kinds: tuple[str, ...], what: str) -> Path | None:
        """A file named in the brand: relative to _brand.yml, inside its folder, present."""
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", value):
            self.fail(loc, f"{what} {value!r} is a URL: files are never fetched; put the "
                           f"file beside {BRAND_FILE} and give its relative path")
            return None
        if Path(value).is_absolute() or "\\" in value:
            self.fail(loc, f"{what} {value!r}: write the path relative to {BRAND_FILE}, "
                           "with forward slashes")
            return None
        path = self.root / value
        if not inside(real(path), real(self.root)):
            self.fail(loc, f"{what} {value!r} leads outside the folder of {BRAND_FILE}")
            return None
        if not path.is_file():
            self.fail(loc, f"{what} {value!r} not found (paths are relative to "
                           f"{BRAND_FILE})")
            return None
        if path.suffix.lower() not in kinds:
            self.fail(loc, f"{what} {value!r} has an unsupported type; use "
                           + ", ".join(kinds))
            return None
        return path


def plain(data: Any) -> Any:
    """YAML null for an empty section (``color:`` with nothing under it) means absent."""
    return {k: v for k, v in data.items() if v is not None}


_TAGS = {"str", "Logo", "LogoResource", "LightDark", "TextStyle", "MetaName", "FontFile",
         "ColorPair",
         "int", "float", "bool", "dict[str,str]", "dict[str,any]", "function-after", "literal"}

# pydantic's error types, said in our words: what the key takes
_EXPECTED = {"string_type": "text", "int_type": "a whole number", "float_type": "a number",
             "bool_type": "true or false", "dict_type": "a mapping of keys",
             "model_type": "a mapping of keys", "model_attributes_type": "a mapping of keys",
             "list_type": "a list", "string_too_short": "a text that is not empty"}
# what a key of each name takes, when it may take more than one shape
_SHAPES = {"color": "a colour, a colour name or a pair {light: ..., dark: ...}",
           "background-color": "a colour, a colour name or a pair {light: ..., dark: ...}",
           "foreground": "a colour, a colour name or a pair {light: ..., dark: ...}",
           "logo": "a path, or a mapping with images and small, medium, large",
           "name": "a text, or a mapping with full and short",
           "link": "a text, or a mapping of names to links"}


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return f"the number {value}"
    return "nothing" if value is None else f"{value!r}"


def _is_tag(part: Any) -> bool:
    """A member of a union in pydantic's error location, not a key of the file."""
    return isinstance(part, str) and (part in _TAGS or part.startswith(
        ("literal[", "dict[", "list[")))


def _best_members(errors: list[Any]) -> list[Any]:
    """For each key that takes one of several shapes, the errors of the shape that got
    furthest (its deepest error): a mapping given for a logo is judged as a mapping."""
    def sites(loc: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], Any]]:
        return [(tuple(loc[:n]), part) for n, part in enumerate(loc) if _is_tag(part)]

    depth: dict[tuple[Any, ...], dict[Any, int]] = {}
    for err in errors:
        for site, branch in sites(err["loc"]):
            branches = depth.setdefault(site, {})
            branches[branch] = max(branches.get(branch, 0), len(err["loc"]))
    return [err for err in errors
            if all(depth[site][branch] == max(depth[site].values())
                   for site, branch in sites(err["loc"]))]


def validation_problems(reader: BrandReader, exc: ValidationError) -> None:
    """pydantic's errors at their YAML line, in our words (never pydantic's own); for a
    union, one problem per key, saying every shape the key takes."""
    seen: set[Loc] = set()
    for err in _best_members(exc.errors()):
        loc = tuple(p for p in err["loc"] if not _is_tag(p))
        if loc in seen or loc in reader.doc.refused:
            continue
        seen.add(loc)
        name = ".".join(str(p) for p in loc) or "(document)"
        last = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
        if err["type"] == "extra_forbidden":
            reader.fail(loc, f"unknown key {name!r}: not part of the brand.yml format",
                        key=True)
        elif err["type"] == "missing":
            reader.fail(loc[:-1], f"missing required key {name!r}")
        elif err["type"] == "literal_error":
            choices = err.get("ctx", {}).get("expected", "")
            reader.fail(loc, f"{name} is {_kind(err['input'])}: it takes {choices}")
        elif err["type"] == "value_error":
            reader.fail(loc, f"{name}: {err['msg'].removeprefix('Value error, ')}")
        else:
            shape = last if loc[:1] != ("meta",) or last in ("name", "link") else ""
            if len(loc) == 1:
                shape = ""
            elif loc[0] == "color" and len(loc) == 2:
                shape = "color"
            elif loc[0] == "typography" and last == "link":
                shape = ""
            wanted = _SHAPES.get(shape) or _EXPECTED.get(err["type"], "another kind of value")
            reader.fail(loc, f"{name} is {_kind(err['input'])}: it takes {wanted}")
