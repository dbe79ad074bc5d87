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

from ..errors import Problem, error
from ..files.fetch import inside, real
from ..files.yamlfile import Loc, YamlDoc
from .css import css_color
from .model import BRAND_FILE, Brand

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

    def color(self, loc: Loc, value: str) -> str | None:
        """A colour or a palette name, as #rrggbb; a bad palette entry was reported already."""
        if value in self.palette:
            return self.palette[value]
        if value in self.bad_palette:
            return None
        color = css_color(value)
        if color is None:
            self.fail(loc, f"{value!r} {_NOT_A_COLOR}")
        return color

    def read_palette(self, palette: dict[str, str]) -> None:
        """Each palette name to its colour, following names; a circle is said once."""
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
            color = css_color(value)
            if color is None:
                if chain[-1] not in self.bad_palette:
                    self.fail(("color", "palette", chain[-1]), f"{value!r} {_NOT_A_COLOR}")
                self.bad_palette.update(chain)
            else:
                self.palette[name] = color

    def fail(self, loc: Loc, message: str, key: bool = False) -> None:
        line, col = self.doc.keys.get(loc, (0, 0)) if key else (0, 0)
        if not line:
            line, col = self.doc.where(loc)
        self.problems.append(error(self.doc.path, line, col, message))

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


_TAGS = {"str", "LogoResource", "LightDark", "TextStyle", "MetaName", "FontFile",
         "int", "float", "dict[str,str]", "dict[str,any]", "function-after", "literal"}


def validation_problems(reader: BrandReader, exc: ValidationError) -> None:
    """pydantic's errors at their YAML line; for a union, the one member that fits best."""
    seen: set[Loc] = set()
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (
            p in _TAGS or p.startswith(("literal[", "dict[", "list[")))))
        if loc in seen or loc in reader.doc.refused:
            continue
        seen.add(loc)
        name = ".".join(str(p) for p in loc) or "(document)"
        if err["type"] == "extra_forbidden":
            reader.fail(loc, f"unknown key {name!r}: not part of the brand.yml format",
                        key=True)
        elif err["type"] == "missing":
            reader.fail(loc[:-1], f"missing required key {name!r}")
        else:
            reader.fail(loc, f"{name}: {err['msg'].removeprefix('Value error, ')}")
