"""The brand: ``_brand.yml`` read and resolved into colours, logos and font files.

A series keeps its brand beside ``series.yaml``, in a ``_brand.yml`` written in the
brand.yml format (the one Quarto and Shiny read), with an optional ``brand/`` folder
for ``extra.css`` and template overrides. A series without ``_brand.yml`` gets the
neutral brand the package ships (``branding/default/_brand.yml``). Each part a
series' file leaves out (a colour, a logo size, a text family) comes from that
default, so a ``_brand.yml`` may hold only what differs.

This module owns "the brand": it reads the file (through yamlfile.py, so every
problem is located ``_brand.yml:line:col``), checks logos with the figure checks,
finds font files beside the brand file or in an installed Python font package
(never through the machine's font configuration), and lists every file the brand
consists of, for the build digest and the URL fetcher. It imports nothing heavy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import Problem, ProblemsFound, error, warning
from ..files.fetch import MAX_IMAGE_BYTES, image_problem, inside, real, svg_figure
from ..files.fonts import FontNotFound, fallback_path
from ..files.yamlfile import Loc, YamlDoc, read_yaml
from .brandfile import (
    BrandFile,
    Color,
    LightDark,
    Logo,
    LogoResource,
)
from .typefaces import Font, TypeStyle, typography

if TYPE_CHECKING:
    from ..source.schema import SeriesConfig

BRANDING = Path(__file__).parent.parent / "branding"  # our templates and CSS
DEFAULT_BRAND = BRANDING / "default"  # the neutral brand: its _brand.yml, logo
BRAND_FILE = "_brand.yml"
BRAND_DIR = "brand"
EXTRA_CSS = "extra.css"
TEMPLATES = "templates"
LOGO_TYPES = (".svg", ".png")
# Our colour roles and the brand.yml names they are read from (see docs/brand.md).
ROLES = {"primary": ("primary",), "accent": ("palette", "accent"), "muted": ("secondary",),
         "tint": ("light",), "text": ("foreground",), "background": ("background",)}
# ---------------------------------------------------------------- the brand, resolved

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
    link: dict[str, str]
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

    def stack(self, role: str) -> str:
        """The CSS font-family list of ``role`` (base, headings, monospace): its families,
        then every other family of the brand, so that a glyph one face lacks is drawn by
        another brand font. No generic family: the machine's fonts are never asked."""
        names = list(getattr(self, role).families)
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


def css_url(url: str) -> str:
    """A URL inside ``url("...")``: nothing in it can end the string."""
    return url.replace("\\", "%5C").replace('"', "%22").replace("\n", "%0A")


def font_face_rule(family: str, url: str, style: str, weight: str | int = "",
                   unicode_range: str = "", woff2: bool = False) -> str:
    """One @font-face rule: the PDF's, the web edition's and the preview's are written
    here alike (a web font is WOFF2, shown in the fallback face until it has loaded)."""
    kind = ' format("woff2")' if woff2 else ""
    return (f'@font-face {{ font-family: "{family}"; src: url("{css_url(url)}"){kind}; '
            f"font-style: {style};" + (f" font-weight: {weight};" if weight else "")
            + (f" unicode-range: {unicode_range};" if unicode_range else "")
            + (" font-display: swap;" if woff2 else "") + " }")


def brand_folder_files(folder: Path) -> list[Path]:
    """The regular files in ``folder`` and below (links are not followed, nor listed)."""
    import stat

    from ..files.folders import walk

    found = []
    for where, _, others in walk(folder):
        for name in others:
            try:
                if stat.S_ISREG((where / name).lstat().st_mode):
                    found.append(where / name)
            except OSError:
                continue
    return found


def brand_fonts(brand: Brand | None = None) -> list[Font]:
    """The fonts of ``brand`` (the default brand when None)."""
    return list((brand or default_brand()).fonts)


def series_brand(series: SeriesConfig | None) -> Brand:
    """The brand of the series ``series`` was read from (the default brand when it was
    not read from a folder)."""
    root = series._root if series is not None else None
    return load_brand(root) if root is not None else default_brand()


def brief_fonts(series: SeriesConfig | None) -> list[Font]:
    """Every font a brief of ``series`` may use: its brand's, fallbacks included."""
    return list(series_brand(series).fonts)


def fallback_fonts(series: SeriesConfig | None) -> list[Font]:
    """The brand's fonts for other scripts (families after the first of a role)."""
    return [f for f in series_brand(series).fonts if f.fallback]


def font_stacks(series: SeriesConfig | None) -> dict[str, str]:
    """The CSS font-family lists of base text (``serif``) and headings (``sans``)."""
    brand = series_brand(series)
    return {"serif": brand.stack("base"), "sans": brand.stack("headings")}


def font_roots(of: Brand | SeriesConfig | None = None) -> list[Path]:
    """What the URL fetcher may read for the brand of ``of`` (a brand or a series)."""
    return (of if isinstance(of, Brand) else series_brand(of)).font_roots()


@cache
def default_brand() -> Brand:
    """The neutral brand the package ships, used where a series has no _brand.yml."""
    return _resolve(DEFAULT_BRAND / BRAND_FILE, None, None)


def load_brand(repo: Path) -> Brand:
    """The brand of the series in ``repo``: its ``_brand.yml`` over the default brand.

    Raises ProblemsFound with every error, each located in ``_brand.yml``; warnings
    (series.yaml still holding colours) are in ``brand.problems``.
    """
    repo = Path(repo).absolute()
    path = repo / BRAND_FILE
    legacy = _series_colors(repo)
    if not path.exists() and not path.is_symlink():
        brand = (default_brand() if legacy is None
                 else _resolve(DEFAULT_BRAND / BRAND_FILE, None, legacy))
    else:
        brand = _resolve(path, default_brand(), legacy)
    return _with_series_fallbacks(brand, repo)


# ---------------------------------------------------------------- reading

_Legacy = tuple[dict[str, str], Path, int, int]


def _series_colors(repo: Path) -> _Legacy | None:
    """series.yaml's old ``colors`` block, with where it stands, if it still has one."""
    doc = read_yaml(repo / "series.yaml") if (repo / "series.yaml").is_file() else None
    if doc is None or not isinstance(doc.data, dict) or not isinstance(
            doc.data.get("colors"), dict):
        return None
    line, col = doc.keys.get(("colors",), (1, 1))
    colors = {k: v for k, v in doc.data["colors"].items() if isinstance(v, str)}
    return colors, doc.path, line, col


class _Reader:
    """Resolve one brand file; problems collect here, each at its line."""

    def __init__(self, doc: YamlDoc, base: Brand | None):
        self.doc = doc
        self.base = base
        self.root = doc.path.parent
        self.problems: list[Problem] = list(doc.problems)
        self.palette: dict[str, str] = {}  # color.palette, each name resolved
        self.bad_palette: set[str] = set()

    def color(self, loc: Loc, value: str) -> str | None:
        return _color_value(self, loc, value)

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


def _resolve(path: Path, base: Brand | None, legacy: _Legacy | None) -> Brand:
    doc = read_yaml(path) if path.is_file() else YamlDoc(path)
    if not path.is_file():
        doc.problems.append(error(path, 1, 1, f"{BRAND_FILE} is not a regular file"))
    reader = _Reader(doc, base)
    model = None
    if doc.data is not None and not doc.problems:
        if not isinstance(doc.data, dict):
            reader.fail((), f"{BRAND_FILE} must be a mapping of keys")
        else:
            try:
                model = BrandFile.model_validate(_plain(doc.data))
            except ValidationError as exc:
                _pydantic(reader, exc)
    if reader.problems or model is None:
        raise ProblemsFound(reader.problems or [error(path, 1, 1, "empty brand file")])
    warnings: list[Problem] = []
    colors = _colors(reader, model.color, base)
    if legacy is not None:
        colors = _legacy_colors(reader, model, colors, legacy, warnings, base is None)
    logos = _logos(reader, model.logo, base)
    fonts, styles, link = typography(reader, model.typography, base, colors)
    if reader.problems:
        raise ProblemsFound(reader.problems)
    folder = path.parent / BRAND_DIR
    extra = folder / EXTRA_CSS
    templates = folder / TEMPLATES
    is_series = base is not None
    has_extra = is_series and extra.is_file()
    named: list[Path] = []
    if has_extra:
        named, problems = extra_css_files(extra)
        if problems:
            raise ProblemsFound(problems)
    return Brand(
        root=path.parent, file=path if is_series else None, colors=colors, logos=logos,
        fonts=fonts, base=styles["base"], headings=styles["headings"],
        monospace=styles["monospace"], link=link,
        extra_css=extra if has_extra else None, extra_files=tuple(named),
        templates=templates if is_series and templates.is_dir() else None,
        problems=tuple(warnings))


def css_urls(css: Path) -> list[tuple[str, int, int]]:
    """Every resource a stylesheet names (``url()`` and ``@import``), with its line and
    column, as tinycss2 reads it."""
    import tinycss2

    stack = list(reversed(tinycss2.parse_stylesheet(css.read_text("utf-8", "replace"))))
    found: list[tuple[str, int, int]] = []
    while stack:
        node = stack.pop()
        if node.type == "url":
            found.append((node.value, node.source_line, node.source_column))
        elif node.type == "function" and node.lower_name == "url":
            value = next((a.value for a in node.arguments if a.type == "string"), "")
            found.append((value, node.source_line, node.source_column))
        elif node.type == "at-rule" and node.lower_at_keyword == "import":
            found += [(a.value, a.source_line, a.source_column)
                      for a in node.prelude if a.type == "string"]
        for attr in ("content", "arguments", "prelude"):
            stack.extend(reversed(getattr(node, attr, None) or []))
    return found


def extra_css_files(extra: Path) -> tuple[list[Path], list[Problem]]:
    """The files of ``brand/`` that extra.css names, and an error at each ``url()`` that
    names anything else: another site, a data: URL, a path out of ``brand/``, a file
    that is not there. Neither edition would draw it (nothing is fetched), so it is said
    where it is written rather than found missing on the page."""
    folder = real(extra.parent)
    files: list[Path] = []
    problems: list[Problem] = []
    for url, line, col in css_urls(extra):
        if not url or url.startswith("#"):  # an SVG paint server in the same document
            continue
        where = url.split("#")[0].split("?")[0]
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", url):
            problems.append(error(extra, line, col, f"{url[:60]!r} is fetched from elsewhere "
                                  "(a URL or a data: URL): the briefs fetch nothing; put the "
                                  "file in brand/ and give its relative path"))
        elif where.startswith("/") or "\\" in where:
            problems.append(error(extra, line, col, f"{url!r}: write the path relative to "
                                  "extra.css, with forward slashes"))
        elif not inside(target := real(folder / where), folder):
            problems.append(error(extra, line, col, f"{url!r} leads outside brand/: the "
                                  "briefs read only the brand's own files"))
        elif not target.is_file():
            problems.append(error(extra, line, col, f"{url!r} is not a file in brand/"))
        elif target not in files:
            files.append(target)
    return sorted(files), problems


def file_colors(path: Path) -> dict[str, str]:
    """The colour roles a brand file sets (over the default brand's), nothing else read."""
    doc = read_yaml(path)
    reader = _Reader(doc, None)
    try:
        model = BrandFile.model_validate(_plain(doc.data if isinstance(doc.data, dict) else {}))
    except ValidationError as exc:
        _pydantic(reader, exc)
        raise ProblemsFound(reader.problems) from None
    colors = _colors(reader, model.color, default_brand())
    if reader.problems:
        raise ProblemsFound(reader.problems)
    return colors


def _plain(data: Any) -> Any:
    """YAML null for an empty section (``color:`` with nothing under it) means absent."""
    return {k: v for k, v in data.items() if v is not None}


_TAGS = {"str", "LogoResource", "LightDark", "TextStyle", "MetaName", "FontFile",
         "int", "float", "dict[str,str]", "dict[str,any]", "function-after", "literal"}


def _pydantic(reader: _Reader, exc: ValidationError) -> None:
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


# ---------------------------------------------------------------- colours

def css_color(value: str) -> str | None:
    """A CSS colour as #rrggbb (or rgba()), or None; never the raw text, which goes into CSS."""
    from tinycss2.color3 import parse_color

    parsed = parse_color(value.strip())
    if parsed is None or isinstance(parsed, str):  # "currentColor" is no brand colour
        return None
    r, g, b, a = parsed
    rgb = tuple(round(c * 255) for c in (r, g, b))
    if a >= 1:
        return "#{:02x}{:02x}{:02x}".format(*rgb)
    return f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, {a:.3g})"


_NOT_A_COLOR = "is neither a colour (#rrggbb, rgb(...), a CSS name) nor a name in color.palette"


def _color_value(reader: _Reader, loc: Loc, value: str) -> str | None:
    """A colour or a palette name, as #rrggbb; a bad palette entry was reported already."""
    if value in reader.palette:
        return reader.palette[value]
    if value in reader.bad_palette:
        return None
    color = css_color(value)
    if color is None:
        reader.fail(loc, f"{value!r} {_NOT_A_COLOR}")
    return color


def _resolve_palette(reader: _Reader, palette: dict[str, str]) -> None:
    """Each palette name to its colour, following names; a circle is said once."""
    for name in palette:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
            reader.fail(("color", "palette", name), f"palette name {name!r} must be a CSS "
                        "or Sass variable name (letters, digits, - and _)", key=True)
        chain, value = [name], palette[name]
        while value in palette and value not in chain:
            chain.append(value)
            value = palette[value]
        if value in palette:
            if not reader.bad_palette & set(chain):
                reader.fail(("color", "palette", name), "palette colours refer to each "
                            "other in a circle: " + " -> ".join([*chain, value]))
            reader.bad_palette.update(chain)
            continue
        color = css_color(value)
        if color is None:
            if chain[-1] not in reader.bad_palette:
                reader.fail(("color", "palette", chain[-1]), f"{value!r} {_NOT_A_COLOR}")
            reader.bad_palette.update(chain)
        else:
            reader.palette[name] = color


def _colors(reader: _Reader, color: Color | None, base: Brand | None) -> dict[str, str]:
    colors = dict(base.colors) if base else {}
    if color is None:
        return colors
    _resolve_palette(reader, dict(color.palette))
    for role, where in ROLES.items():
        value = (color.palette.get(where[1]) if where[0] == "palette"
                 else getattr(color, where[0]))
        if value is not None:
            resolved = _color_value(reader, ("color", *where), value)
            if resolved:
                colors[role] = resolved
    for name in ("tertiary", "success", "info", "warning", "danger", "dark"):
        value = getattr(color, name)
        if value is not None:
            _color_value(reader, ("color", name), value)
    return colors


_LEGACY_NAMES = {"primary": "color.primary", "accent": "color.palette.accent",
                 "muted": "color.secondary", "tint": "color.light"}


def _legacy_colors(reader: _Reader, model: BrandFile, colors: dict[str, str],
                   legacy: _Legacy, warnings: list[Problem], no_brand: bool) -> dict[str, str]:
    """series.yaml's old ``colors``: used while _brand.yml sets none, always with a warning."""
    values, path, line, col = legacy
    where = ", ".join(f"{k} -> {v}" for k, v in _LEGACY_NAMES.items())
    if model.color is not None and not no_brand:
        warnings.append(warning(path, line, col, f"'colors' is ignored: the colours are "
                                f"set in {BRAND_FILE} ({where}); delete it here, or run "
                                "`casestudy upgrade` to merge it there"))
        return colors
    merged = dict(colors)
    for role, value in values.items():
        parsed = css_color(value) if role in _LEGACY_NAMES else None
        if parsed:
            merged[role] = parsed
    warnings.append(warning(path, line, col, f"'colors' belongs in {BRAND_FILE} now ({where}); "
                            "`casestudy upgrade` moves it there (used as it is meanwhile)"))
    return merged


# ---------------------------------------------------------------- logos

def _logo_problem(path: Path) -> str | None:
    """The figure checks, for a logo: its size, a raster image's headers and pixels, an
    SVG through the sanitizer (what the PDF and the web edition will draw)."""
    if path.stat().st_size > MAX_IMAGE_BYTES:
        return f"is larger than {MAX_IMAGE_BYTES // 1_000_000} MB"
    if path.suffix.lower() != ".svg":
        return image_problem(path)
    figure = svg_figure(path)
    if figure.data is None:
        first = figure.errors[0]
        return f"is refused ({path.name}:{first.line}:{first.col}: {first.message})"
    return None


def _logo_file(reader: _Reader, loc: Loc, ref: str | LogoResource,
               images: dict[str, str | LogoResource]) -> LogoImage | None:
    alt = None
    if isinstance(ref, str) and ref in images:
        loc = ("logo", "images", ref)
        ref = images[ref]
    if isinstance(ref, LogoResource):
        alt, ref, loc = ref.alt, ref.path, (*loc, "path")
    path = reader.file(loc, ref, LOGO_TYPES, "logo")
    if path is None:
        return None
    try:
        reason = _logo_problem(path)
    except OSError as exc:
        reason = f"cannot be read: {exc.strerror}"
    if reason:
        reader.fail(loc, f"logo {ref!r} {reason}")
        return None
    return LogoImage(path, alt)


def _logos(reader: _Reader, logo: str | Logo | LogoResource | None,
           base: Brand | None) -> dict[str, LogoImage]:
    found = dict(base.logos) if base else {}
    if logo is None:
        return found
    if isinstance(logo, str | LogoResource):  # one logo for every size
        image = _logo_file(reader, ("logo",), logo, {})
        return {size: image for size in ("small", "medium", "large")} if image else found
    given: dict[str, LogoImage] = {}
    for size in ("small", "medium", "large"):
        ref = getattr(logo, size)
        if ref is None:
            continue
        if isinstance(ref, LightDark):
            light = ref.light or ref.dark
            if light is None:
                reader.fail(("logo", size), f"logo.{size} names neither light nor dark")
                continue
            image = _logo_file(reader, ("logo", size, "light" if ref.light else "dark"),
                               light, logo.images)
            dark = (_logo_file(reader, ("logo", size, "dark"), ref.dark, logo.images)
                    if ref.dark and ref.light else None)
            if image:
                given[size] = LogoImage(image.path, image.alt, dark.path if dark else None)
        else:
            image = _logo_file(reader, ("logo", size), ref, logo.images)
            if image:
                given[size] = image
    for size in ("small", "medium", "large"):  # a size not given: the nearest one given
        order = {"small": ("medium", "large"), "medium": ("large", "small"),
                 "large": ("medium", "small")}[size]
        choice = given.get(size) or next((given[o] for o in order if o in given), None)
        if choice:
            found[size] = choice
    return found




# ---------------------------------------------------------------- series.yaml fallback_fonts

def _with_series_fallbacks(brand: Brand, repo: Path) -> Brand:
    """series.yaml's old ``fallback_fonts``, after the brand's fonts in every role, with
    a warning that they belong in _brand.yml now. An entry load_series refuses (it
    reports it, located) is skipped here."""
    from ..source.schema import FallbackFont

    doc = read_yaml(repo / "series.yaml") if (repo / "series.yaml").is_file() else None
    if doc is None or not isinstance(doc.data, dict) or not isinstance(
            doc.data.get("fallback_fonts"), list):
        return brand
    fonts: list[Font] = []
    for item in doc.data["fallback_fonts"]:
        try:
            decl = FallbackFont.model_validate(item)
            path = fallback_path(decl, repo)
        except (ValidationError, FontNotFound, OSError):
            continue
        if not any(f.family == decl.family for f in (*brand.fonts, *fonts)):
            fonts.append(Font(decl.family, path, "normal", fallback=True,
                              scripts=tuple(decl.scripts), unicode_range=decl.unicode_range))
    line, col = doc.keys.get(("fallback_fonts",), (1, 1))
    moved = warning(doc.path, line, col, f"'fallback_fonts' belongs in {BRAND_FILE} now: "
                    "each font under typography.fonts with its unicode-range; `casestudy "
                    "upgrade` moves them there (used as they are meanwhile)")
    names = tuple(f.family for f in fonts)
    return replace(
        brand, fonts=brand.fonts + tuple(fonts),
        base=replace(brand.base, families=brand.base.families + names),
        headings=replace(brand.headings, families=brand.headings.families + names),
        monospace=replace(brand.monospace, families=brand.monospace.families + names),
        problems=brand.problems + (moved,))


@dataclass(frozen=True)
class ChartStyle:
    """How charts are drawn in the brand: the one place the chart writer reads it from.

    Colours come from the series' brand colours (primary, accent, muted, tint); the
    categorical palette adds lighter mixes of them, so a brand change redraws every
    chart in its colours. The typeface is the brand's sans.
    """

    font: str
    ink: str  # titles and value labels
    muted: str  # axis labels, unit line
    grid: str
    baseline: str
    accent: str
    palette: tuple[str, ...]
    title_size: float = 16
    label_size: float = 12
    small_size: float = 11
    width: int = 600
    height: int = 320
    font_file: Path | None = None  # the face text is measured with (the font's upright)
    families: tuple[str, ...] = ()  # the font-family list: font first, then the brand's


def _mix(color: str, other: str, share: float) -> str:
    """``color`` moved towards ``other`` by ``share`` (0..1), as #rrggbb."""
    a = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def chart_style(colors: dict[str, str], brand: Brand | None = None) -> ChartStyle:
    """The chart style for the brand ``colors`` (primary, accent, muted, tint), in the
    brand's headings face (the default brand's when None)."""
    primary, accent, muted = colors["primary"], colors["accent"], colors["muted"]
    white = "#ffffff"
    brand = brand or default_brand()
    sans = brand.headings.families[0]
    return ChartStyle(
        font=sans, font_file=brand.upright(sans),
        families=tuple(dict.fromkeys(
            [*brand.headings.families, *brand.base.families, *brand.monospace.families])),
        ink=primary, muted=muted, accent=accent,
        grid=_mix(muted, white, 0.75), baseline=_mix(muted, white, 0.35),
        palette=(primary, accent, muted, _mix(primary, white, 0.5), _mix(accent, white, 0.5),
                 _mix(muted, white, 0.55)))
