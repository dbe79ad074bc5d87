"""The brand.yml format (``_brand.yml``): its keys and shapes, and only those.

The models accept what the standard accepts (https://posit-dev.github.io/brand-yml/),
so that one file can brand a publisher's briefs and its Quarto documents; what a
build cannot honour (fonts from Google or Bunny, URLs) is refused with its line by
load.py, which resolves these models into the brand a build uses.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


Text = Annotated[str, Field(min_length=1)]


class MetaName(_Model):
    full: str | None = None
    short: str | None = None


class Meta(_Model):
    name: str | MetaName | None = None
    link: str | dict[str, str] | None = None


class LogoResource(_Model):
    path: Text
    alt: str | None = None
    attrs: dict[str, Any] | None = None


class LightDark(_Model):
    light: str | LogoResource | None = None
    dark: str | LogoResource | None = None


class Logo(_Model):
    images: dict[str, str | LogoResource | LightDark] = {}
    small: str | LogoResource | LightDark | None = None
    medium: str | LogoResource | LightDark | None = None
    large: str | LogoResource | LightDark | None = None


class ColorPair(_Model):
    """Quarto's light/dark pair: one colour for light pages, one for dark ones."""

    light: str | None = None
    dark: str | None = None


ColorValue = str | ColorPair  # a colour, a palette or theme colour name, or a pair


class Color(_Model):
    palette: dict[str, str] = {}
    foreground: ColorValue | None = None
    background: ColorValue | None = None
    primary: ColorValue | None = None
    secondary: ColorValue | None = None
    tertiary: ColorValue | None = None
    success: ColorValue | None = None
    info: ColorValue | None = None
    warning: ColorValue | None = None
    danger: ColorValue | None = None
    light: ColorValue | None = None
    dark: ColorValue | None = None


THEME_COLORS = ("foreground", "background", "primary", "secondary", "tertiary", "success",
                "info", "warning", "danger", "light", "dark")


Weight = int | str


class FontFile(_Model):
    path: Text
    weight: Weight = "auto"
    style: Literal["normal", "italic"] = "normal"
    # our one addition here: which face of a .ttc collection (an index from 0, or a name)
    face: int | Text | None = None


class FontDecl(_Model):
    family: Text
    source: Literal["file", "system", "google", "bunny"]
    files: list[str | FontFile] = []
    weight: Any = None  # google/bunny options: accepted, then refused with the source
    style: Any = None
    display: Any = None
    # our one addition: the characters this family is used for (a fallback for a script)
    unicode_range: str | None = Field(None, alias="unicode-range")


class TextStyle(_Model):
    family: Text | None = None
    size: str | None = None
    line_height: float | int | str | None = Field(None, alias="line-height")
    weight: Weight | None = None
    style: Literal["normal", "italic"] | None = None
    color: ColorValue | None = None
    background_color: ColorValue | None = Field(None, alias="background-color")
    decoration: str | None = None


class Typography(_Model):
    fonts: list[FontDecl] = []
    base: str | TextStyle | None = None
    headings: str | TextStyle | None = None
    monospace: str | TextStyle | None = None
    monospace_inline: str | TextStyle | None = Field(None, alias="monospace-inline")
    monospace_block: str | TextStyle | None = Field(None, alias="monospace-block")
    link: TextStyle | None = None


class BrandFile(_Model):
    """The contents of ``_brand.yml``: the brand.yml keys, and only those."""

    meta: Meta | None = None
    logo: str | Logo | LogoResource | None = None
    color: Color | None = None
    typography: Typography | None = None
    defaults: dict[str, Any] | None = None
