"""The brand, resolved: what a build needs of it (colours, logos, fonts, text styles),
where its files are, and every file it is made of.

A series keeps its brand beside ``series.yaml``, in a ``_brand.yml`` written in the
brand.yml format (the one Quarto and Shiny read), with an optional ``brand/`` folder
for ``extra.css`` and template overrides. load.py reads it into a :class:`Brand`.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from ..files.folders import walk
from .brandfile import THEME_COLORS
from .css import css_color
from .typefaces import Font, Paint, TypeStyle

BRANDING = Path(__file__).parent.parent / "branding"  # our templates and CSS
DEFAULT_BRAND = BRANDING / "default"  # the neutral brand: its _brand.yml, logo
BRAND_FILE = "_brand.yml"
BRAND_DIR = "brand"
EXTRA_CSS = "extra.css"
TEMPLATES = "templates"


@dataclass(frozen=True)
class LogoImage:
    path: Path
    alt: str | None = None
    dark: Path | None = None


@dataclass(frozen=True)
class Brand:
    """What a build needs of the brand; ``problems`` holds its warnings (errors raise)."""

    root: Path  # the folder of _brand.yml (or of the package's default brand)
    file: Path | None  # the series' _brand.yml; None when the default brand is used
    colors: dict[str, str]
    logos: dict[str, LogoImage]  # small, medium, large
    fonts: tuple[Font, ...]
    base: TypeStyle
    headings: TypeStyle
    monospace: TypeStyle
    link: TypeStyle
    monospace_inline: TypeStyle = TypeStyle(())  # no families: the monospace ones
    monospace_block: TypeStyle = TypeStyle(())
    palette: dict[str, str] = field(default_factory=dict)  # brand.yml's, resolved
    theme: dict[str, str] = field(default_factory=dict)  # its theme colours (light)
    theme_dark: dict[str, str] = field(default_factory=dict)  # their dark values, if any
    name: str | None = None  # meta.name (the full one)
    short_name: str | None = None  # meta.name.short
    home: str | None = None  # meta.link (its home)
    extra_css: Path | None = None
    extra_files: tuple[Path, ...] = ()  # the files of brand/ extra.css names (its url()s)
    templates: Path | None = None
    problems: tuple[Problem, ...] = field(default=(), compare=False)

    def files(self) -> list[Path]:
        """Every file the brand is made of: what the build digest and the fetcher cover."""
        found = [self.file] if self.file else [self.root / BRAND_FILE]
        found += [font.path for font in self.fonts]
        for logo in self.logos.values():
            found += [logo.path] + ([logo.dark] if logo.dark else [])
        if self.extra_css:
            found.append(self.extra_css)
        if self.file is not None:  # all of brand/: templates, and what extra.css refers to
            found += brand_folder_files(self.root / BRAND_DIR)
        return sorted(set(found))

    def font_roots(self) -> list[Path]:
        """What the URL fetcher may read for the brand: each of its files by itself
        (never the folder around it, which is the series repository), and ``brand/``,
        whose files extra.css may refer to."""
        roots = set(self.files())
        if self.file is not None and (self.root / BRAND_DIR).is_dir():
            roots.add(self.root / BRAND_DIR)
        return sorted(roots)

    def style_of(self, role: str) -> TypeStyle:
        """A text style by its attribute name (base, headings, monospace_inline, ...)."""
        style: TypeStyle = getattr(self, role)
        return style

    def color_of(self, ref: str, dark: bool = False) -> str | None:
        """A typography colour as brand.yml reads it: a theme colour, then a palette
        name, then a CSS colour; ``dark``: its value for dark pages."""
        if ref in THEME_COLORS:
            return (dark and self.theme_dark.get(ref)) or self.theme.get(ref)
        return self.palette.get(ref) or css_color(ref)

    def paint(self, paint: Paint | None) -> tuple[str | None, str | None]:
        """A text style's colour for light pages (and print), and for dark ones."""
        if paint is None:
            return None, None
        light_ref, dark_ref = paint
        light = self.color_of(light_ref) if light_ref else None
        dark_from = dark_ref or light_ref
        dark = self.color_of(dark_from, dark=True) if dark_from else None
        return light, dark

    def stack(self, role: str) -> str:
        """The CSS font-family list of ``role`` (base, headings, monospace): its families,
        then every other family of the brand, so that a glyph one face lacks is drawn by
        another brand font. No generic family: the machine's fonts are never asked."""
        names = list(getattr(self, role).families or self.monospace.families)
        for other in ("base", "headings", "monospace"):
            names += [n for n in getattr(self, other).families if n not in names]
        return ", ".join(f'"{name}"' for name in names)

    def upright(self, family: str) -> Path | None:
        """The file of ``family``'s upright face, if the brand has one."""
        return next((f.path for f in self.fonts if f.family == family
                     and f.style == "normal"), None)

    def fallback_fonts(self) -> list[str]:
        """The families after the first of base, headings and monospace, in order."""
        seen: list[str] = []
        for style in (self.base, self.headings, self.monospace):
            for name in style.families[1:]:
                if name not in seen:
                    seen.append(name)
        return seen


def brand_folder_files(folder: Path) -> list[Path]:
    """The regular files in ``folder`` and below (links are not followed, nor listed)."""
    found = []
    for where, _, others in walk(folder):
        for name in others:
            try:
                if stat.S_ISREG((where / name).lstat().st_mode):
                    found.append(where / name)
            except OSError:
                continue
    return found
