"""Load a study folder into plain objects: metadata, sections, and the problems met.

Loading never stops at the first problem: a study with a broken ``study.yaml``
still has its sections read, so that ``check`` can report everything at once.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..errors import ConfigError, Problem, StudyNotFound, error
from ..files.fetch import inside, real
from ..files.fonts import FontNotFound, fallback_path, font_cmap, parse_unicode_range, script_code
from ..files.yamlfile import YamlDoc, read_yaml
from .chart import ChartMemo
from .references import Library, load_library
from .schema import SECTIONS, SectionSpec, SeriesConfig, StudyMeta

if TYPE_CHECKING:
    from .section import ParsedSection

STUDY_FILE = "study.yaml"
SERIES_FILE = "series.yaml"
COUNTRIES = "countries"
MAX_SECTION_BYTES = 2_000_000


@dataclass
class Section:
    """One schema section as found on disk (``parsed`` is None when the file is absent)."""

    spec: SectionSpec
    path: Path
    parsed: ParsedSection | None = None

    @property
    def present(self) -> bool:
        return self.parsed is not None


@dataclass
class Study:
    """A study folder, loaded: what the later stages (check, render, series) work on."""

    root: Path
    meta: StudyMeta | None
    yaml: YamlDoc
    sections: list[Section]
    extra_files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    library: Library = field(default_factory=Library)  # what the study may cite
    # its charts' settings, charts and CSV files, each parsed once for this Study: the
    # checker fills it, the glyph rule and the renderer (print and web) reuse it
    charts: ChartMemo = field(default_factory=ChartMemo)

    @property
    def slug(self) -> str:
        return self.root.name

    @property
    def study_file(self) -> Path:
        return self.root / STUDY_FILE


def pydantic_problems(doc: YamlDoc, exc: ValidationError, model: type) -> list[Problem]:
    """Turn pydantic's errors into located problems, with did-you-mean for unknown keys."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if loc in doc.refused:  # the YAML reader already said what is wrong there
            continue
        # a mapping's key that fails (series.yaml labels) ends in pydantic's "[key]"
        field_name = ".".join(str(p) for p in loc if p != "[key]") or "(document)"
        line, col = doc.where(loc)
        if err["type"] == "extra_forbidden":
            line, col = doc.keys.get(loc, (line, col))
            known = _known_fields(model, loc[:-1])
            hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
            msg = f"unknown key {field_name!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
        elif err["type"] == "missing":
            msg = f"missing required key {field_name!r}"
        else:
            message = _PLAIN_TYPES.get(err["type"]) or err["msg"].removeprefix("Value error, ")
            if err["type"] == "literal_error":  # "Input should be 'a', 'b' or 'c'"
                message = "must be one of " + err["msg"].removeprefix("Input should be ")
            msg = f"{field_name}: {message}"
        problems.append(error(doc.path, line, col, msg))
    return problems


# pydantic's words for a value of the wrong kind, and what they mean in a YAML file
_PLAIN_TYPES = {
    "string_type": "must be text (put the value in quotes)",
    "int_type": "must be a whole number", "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false", "bool_parsing": "must be true or false",
    "list_type": "must be a list (one '- ' line per item)",
    "dict_type": "must be a mapping of keys ('key: value' lines)",
    "model_type": "must be a mapping of keys ('key: value' lines)",
    "model_attributes_type": "must be a mapping of keys ('key: value' lines)",
    "date_type": "must be a date, written YYYY-MM-DD",
    "date_parsing": "must be a date, written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date, written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date, written YYYY-MM-DD",
    "string_too_short": "must not be empty",
    "too_short": "needs at least one entry",
}


def _known_fields(model: type, loc: tuple) -> list[str]:
    """Field names of the (nested) model that ``loc`` points into."""
    current = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        annotation = info.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if hasattr(candidate, "model_fields"):
                current = candidate
                break
            for inner in getattr(candidate, "__args__", ()):
                if hasattr(inner, "model_fields"):
                    current = inner
                    break
    return list(getattr(current, "model_fields", {}))


def read_text(path: Path, problems: list[Problem], root: Path | None = None,
              limit: int = MAX_SECTION_BYTES, too_large: str = "") -> str | None:
    """A UTF-8 text file inside ``root`` (when given) of at most ``limit`` bytes, or None
    with a located problem (``too_large``, when given, says what is over the limit)."""
    try:
        if root is not None and not inside(real(path), real(root)):
            problems.append(error(path, 1, 1, "symbolic link leads outside the study folder; "
                                              "not read"))
            return None
        if not path.is_file():
            problems.append(error(path, 1, 1, "not a regular file"))
            return None
        if path.stat().st_size > limit:
            problems.append(error(path, 1, 1, too_large or f"file is larger than {limit} bytes"))
            return None
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(error(path, 1, 1, f"cannot read file: {exc.strerror}"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(error(path, line, col, "file is not valid UTF-8"))
        return None
    if "\x00" in text:
        before = text[: text.index("\x00")]
        problems.append(error(path, before.count("\n") + 1, len(before.split("\n")[-1]) + 1,
                              "file contains a NUL byte"))
        return None
    return text.removeprefix("\ufeff")


def load_study(root: Path, parse: Callable[[str], ParsedSection] | None = None) -> Study:
    """Read ``root/study.yaml`` and every section file; collect, never raise, on bad content.

    ``parse`` replaces parse_section (parse.py; the preview remembers unchanged sections).
    """
    # here, not at the top: reading series.yaml (a no-op build) must not load markdown-it
    from .parse import parse_section

    parse = parse or parse_section

    root = Path(root)
    if not os.path.lexists(root / STUDY_FILE):
        raise StudyNotFound(f"no {STUDY_FILE} in {root}", root)
    if not inside(real(root / STUDY_FILE), real(root)):
        doc = YamlDoc(root / STUDY_FILE)
        doc.problems.append(error(doc.path, 1, 1, "symbolic link leads outside the study "
                                                  "folder; not read"))
    elif not (root / STUDY_FILE).is_file():  # never opened: a FIFO would block the read
        doc = YamlDoc(root / STUDY_FILE)
        doc.problems.append(error(doc.path, 1, 1, "not a regular file (a folder, FIFO, socket "
                                                  "or device); study.yaml must be a file"))
    else:
        doc = read_yaml(root / STUDY_FILE)
    problems = list(doc.problems)
    meta = None
    if doc.data is None and not doc.problems:  # "~" or "---" alone: parsed, but no mapping
        problems.append(error(doc.path, 1, 1, "study.yaml must be a mapping of keys"))
    elif doc.data is not None:  # None: not even parsed; otherwise validate what we have
        if not isinstance(doc.data, dict):
            problems.append(error(doc.path, 1, 1, "study.yaml must be a mapping of keys"))
        else:
            try:
                meta = StudyMeta.model_validate(doc.data)
            except ValidationError as exc:
                problems.extend(pydantic_problems(doc, exc, StudyMeta))
    folder = root / "sections"
    outside = folder.is_symlink() and not inside(real(folder), real(root))
    if outside:
        problems.append(error(folder, 1, 1, "symbolic link leads outside the study folder; "
                                            "not read"))
    sections = []
    for spec in SECTIONS:
        path = folder / spec.filename
        section = Section(spec, path)
        if (path.exists() or path.is_symlink()) and not outside:
            text = read_text(path, problems, root)
            if text is not None:
                section.parsed = parse(text)
        sections.append(section)
    known = {spec.filename for spec in SECTIONS}
    extra = (sorted(p for p in folder.glob("*") if p.name not in known)
             if folder.is_dir() and not outside else [])
    library = load_library(root, series_root(root), read_text)
    problems += library.problems
    return Study(root, meta, doc, sections, extra, problems, library)


def series_root(root: Path) -> Path | None:
    """The series repository a study belongs to (``countries/<slug>`` in it), if any."""
    repo = root.absolute().parent.parent
    return repo if root.absolute().parent.name == COUNTRIES and (
        repo / SERIES_FILE).is_file() else None


def load_series(repo: Path) -> SeriesConfig:
    """``series.yaml`` at the top of the repository; a bad one stops everything."""
    return read_series(repo)[0]


def read_series(repo: Path) -> tuple[SeriesConfig, YamlDoc]:
    """``series.yaml`` validated, and as read (the positions of its keys and values)."""
    path = repo / SERIES_FILE
    if not path.is_file():
        raise ConfigError(f"no {SERIES_FILE} found (looked in {repo})", path)
    doc = read_yaml(path)
    if doc.problems:
        first = doc.problems[0]
        raise ConfigError(first.message, path, first.line, first.col)
    try:
        config = SeriesConfig.model_validate(doc.data or {},
                                              context={"root": repo, "sha256": doc.sha256})
    except ValidationError as exc:
        first = pydantic_problems(doc, exc, SeriesConfig)[0]
        raise ConfigError(first.message, path, first.line, first.col) from None
    _check_fallback_fonts(config, doc)
    return config, doc


def _check_fallback_fonts(config: SeriesConfig, doc: YamlDoc) -> None:
    """Each declared fallback font is a readable font file of the series or of an
    installed font package, with known scripts and a valid unicode-range."""
    for i, decl in enumerate(config.fallback_fonts):
        key = "file"
        try:
            font = fallback_path(decl, config.root)
            font_cmap(font)
            key = "scripts"
            for script in decl.scripts:
                script_code(script)
            key = "unicode_range"
            if decl.unicode_range:
                parse_unicode_range(decl.unicode_range)
        except (FontNotFound, ValueError, OSError) as exc:
            line, col = doc.where(("fallback_fonts", i, key))
            raise ConfigError(f"fallback_fonts[{i}].{key}: {exc}", doc.path, line, col) from None


def find_repo(start: Path | None = None) -> Path:
    """The series repository: the nearest folder up from ``start`` holding series.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SERIES_FILE).is_file():
            return folder
    return here


def resolve_studies(args: list[str], repo: Path) -> list[Path]:
    """STUDY arguments (folders or slugs) as study folders; none means every study."""
    countries = repo / COUNTRIES
    # a study.yaml of any kind counts (a folder or a FIFO in its place is reported by
    # the checker, not skipped); a folder without one is not a study
    if not args:
        if not countries.is_dir():
            raise StudyNotFound(f"no {COUNTRIES}/ folder in {repo}", countries)
        return sorted(p for p in countries.iterdir() if os.path.lexists(p / STUDY_FILE))
    found = []
    for arg in args:
        path = Path(arg)
        for candidate in (path, countries / arg):
            if os.path.lexists(candidate / STUDY_FILE):
                found.append(candidate)
                break
        else:
            raise StudyNotFound(f"{arg!r} is neither a study folder nor a study in "
                                f"{COUNTRIES}/ (no {STUDY_FILE})", path)
    return found
