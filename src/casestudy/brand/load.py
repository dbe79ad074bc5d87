"""The brand loaded: a series' ``_brand.yml`` read over the default brand.

A series without ``_brand.yml`` gets the neutral brand the package ships
(``branding/default/_brand.yml``). Each part a series' file leaves out (a colour, a
logo size, a text family) comes from that default, so a ``_brand.yml`` may hold only
what differs. The file is read through yamlfile.py, so every problem is located
``_brand.yml:line:col``; font files are found beside the brand file or in an installed
Python font package, never through the machine's font configuration. It imports
nothing heavy.
"""

from __future__ import annotations

import os
import stat
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from ..errors import Problem, ProblemsFound, error
from ..files.fetch import inside, real
from ..files.folders import walk
from ..files.yamlfile import YamlDoc, read_yaml
from .brandfile import BrandFile
from .colors import ColorCheck, brand_colors
from .compat import unused_keys
from .css import extra_css_files
from .legacy import Legacy, legacy_colors, series_colors, with_series_fallbacks
from .logos import brand_logos
from .model import BRAND_DIR, BRAND_FILE, DEFAULT_BRAND, EXTRA_CSS, TEMPLATES, Brand
from .reader import BrandReader, plain, validation_problems
from .typefaces import Font, typography


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
    legacy = series_colors(repo)
    if not path.exists() and not path.is_symlink():
        brand = (default_brand() if legacy is None
                 else _resolve(DEFAULT_BRAND / BRAND_FILE, None, legacy))
    else:
        brand = _resolve(path, default_brand(), legacy)
    return with_series_fallbacks(brand, repo)


def _resolve(path: Path, base: Brand | None, legacy: Legacy | None) -> Brand:
    if base is not None and (outside := brand_folder_problems(path.parent)):
        raise ProblemsFound(outside)  # first: the logos and fonts in brand/ would follow
    doc = read_yaml(path) if path.is_file() else YamlDoc(path)
    if not path.is_file():
        doc.problems.append(error(path, 1, 1, f"{BRAND_FILE} is not a regular file"))
    reader = BrandReader(doc, base)
    model = None
    if doc.data is not None and not doc.problems:
        if not isinstance(doc.data, dict):
            reader.fail((), f"{BRAND_FILE} must be a mapping of keys")
        else:
            try:
                model = BrandFile.model_validate(plain(doc.data))
            except ValidationError as exc:
                validation_problems(reader, exc)
    if reader.problems or model is None:
        raise ProblemsFound(sorted(reader.problems)
                            or [error(path, 1, 1, "empty brand file")])
    warnings: list[Problem] = []
    table = brand_colors(reader, model.color, base)
    colors = table.roles(base)
    if legacy is not None:
        colors = legacy_colors(model, colors, legacy, warnings, base is None)
    logos = brand_logos(reader, model.logo, base, model.meta)
    check = ColorCheck(reader, table)
    fonts, styles = typography(reader, model.typography, base, check)
    check.unused()
    unused_keys(reader, doc.data)
    if reader.problems:
        raise ProblemsFound(sorted(reader.problems))
    name, short, home = _meta(model)
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
        monospace=styles["monospace"], monospace_inline=styles["monospace-inline"],
        monospace_block=styles["monospace-block"], link=styles["link"],
        palette=table.palette, theme=table.theme, theme_dark=table.dark,
        name=name, short_name=short, home=home,
        extra_css=extra if has_extra else None, extra_files=tuple(named),
        templates=templates if is_series and templates.is_dir() else None,
        problems=tuple(sorted(reader.warnings)) + tuple(warnings))


def _meta(model: BrandFile) -> tuple[str | None, str | None, str | None]:
    """The brand's name and home page (meta): the file's own, never the default's."""
    meta, name, short, home = model.meta, None, None, None
    if meta is not None:
        name = meta.name if isinstance(meta.name, str) else meta.name.full if meta.name else None
        short = meta.name.short if meta.name and not isinstance(meta.name, str) else None
        home = meta.link if isinstance(meta.link, str) else (meta.link or {}).get("home")
    return name, short, home


def brand_folder_problems(root: Path) -> list[Problem]:
    """``brand/``, its extra.css and its templates are the series' own files, as figures
    are the study's: none may lead outside the series folder (links are followed first)
    and none may be a FIFO or a device. Either would have been read by the build, and
    published by the web edition, without a word from ``check``."""
    series, folder = real(root), root / BRAND_DIR
    if not os.path.lexists(folder):
        return []
    if not inside(real(folder), series):
        return [error(folder, 1, 1, f"{BRAND_DIR}/ leads outside the series folder: the "
                                    "briefs read only the series' own files")]
    if not real(folder).is_dir():
        return [error(folder, 1, 1, f"{BRAND_DIR} is not a folder")]
    problems = []
    for path in _brand_entries(folder):
        if not inside(real(path), series):
            problems.append(error(path, 1, 1, f"{path.relative_to(root).as_posix()} leads "
                                              "outside the series folder: the briefs read "
                                              "only the series' own files"))
            continue
        try:
            mode = os.stat(path).st_mode
        except OSError:
            continue  # a dangling link: nothing would be read
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            problems.append(error(path, 1, 1, f"{path.relative_to(root).as_posix()} is not "
                                              "a regular file (a FIFO or a device)"))
    return problems


def _brand_entries(folder: Path) -> list[Path]:
    """Every entry of ``brand/`` (links and special files included, links not entered)."""
    found = []
    for where, folders, others in walk(folder):
        found += [where / name for name in (*folders, *others)]
    return sorted(found)


def file_colors(path: Path) -> dict[str, str]:
    """The colour roles a brand file sets (over the default brand's), nothing else read."""
    doc = read_yaml(path)
    reader = BrandReader(doc, None)
    try:
        model = BrandFile.model_validate(plain(doc.data if isinstance(doc.data, dict) else {}))
    except ValidationError as exc:
        validation_problems(reader, exc)
        raise ProblemsFound(reader.problems) from None
    colors = brand_colors(reader, model.color, default_brand()).roles(default_brand())
    if reader.problems:
        raise ProblemsFound(sorted(reader.problems))
    return colors


# ---------------------------------------------------------------- what a brand holds

def brand_fonts(brand: Brand) -> list[Font]:
    """The fonts of ``brand``: its own faces and its fallbacks for other scripts."""
    return list(brand.fonts)
