"""Bring an existing study up to the current template: add what it lacks, change nothing.

``upgrade_study`` adds the section stubs and the study.yaml keys that the template
gained since the study was made. Existing text stays byte for byte: keys are appended
at the end of study.yaml (in the file's own line endings), stubs are created only
where no file stands, and the result is read back to prove that the old data kept its
meaning before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CasestudyError, ScaffoldError, StudyNotFound
from ..files.fetch import inside, real
from ..files.folders import FolderTooDeep, walk
from ..files.write import atomic_write, check_target
from ..files.yamlfile import read_yaml
from ..source.schema import SECTIONS, StudyMeta
from .new import (
    PROJECT,
    STUDY_FILE,
    TEMPLATE_VERSION,
    Answers,
    answer_date,
    next_series_number,
    render_study_yaml,
    template_environment,
    template_root,
)


@dataclass
class Upgrade:
    """What ``upgrade_study`` added (file names relative to the study, study.yaml keys)."""

    root: Path
    sections: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # optional sections left out
    figures: list[str] = field(default_factory=list)  # example figures the stubs show
    template_version: tuple[Any, int] | None = None  # (old, new) when it changed

    @property
    def changed(self) -> bool:
        return bool(self.sections or self.figures or self.keys or self.template_version)


def _study_answers(root: Path, data: dict[str, Any]) -> Answers:
    """Answers read back from an existing study.yaml; what is missing reads TODO."""
    def text(value: Any) -> str:
        return value if isinstance(value, str) and value.strip() else "TODO"

    country = data.get("country")
    if not isinstance(country, dict):
        country = {}
    people = data.get("authors")
    authors = [a.get("name") for a in people if isinstance(a, dict)] if isinstance(
        people, list) else []
    number = data.get("series_number")
    return Answers(text(country.get("name")), text(country.get("code")),
                   text(country.get("adjective")), root.name, text(data.get("title")),
                   str(data.get("subtitle") or ""), tuple(text(a) for a in authors) or ("TODO",),
                   str(data.get("date") or answer_date(None)),
                   number if type(number) is int else next_series_number(root.parent.parent))


def _blocks(text: str) -> dict[str, str]:
    """Top-level keys of a block-style YAML text -> their lines (comments between dropped)."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        key = re.match(r"([A-Za-z_]\w*):", line)
        if key:
            current = out.setdefault(key.group(1), [])
        elif not line.startswith((" ", "-")):
            current = None
        if current is not None:
            current.append(line)
    return {k: "".join(v) for k, v in out.items()}


def _create(path: Path, text: str) -> None:
    """Write a new file atomically, never over an existing one (link fails if it exists)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.link(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def refuse_unsafe_entries(root: Path) -> None:
    """Raise ScaffoldError, before anything is read or written, when the study holds a
    link leading outside it, a FIFO, socket or device (anywhere, like ``check``), or a
    link where upgrade reads or writes (the study folder, study.yaml, sections/ and the
    files in it), or folders nested past MAX_FOLDER_DEPTH."""
    found: list[tuple[Path, str]] = []
    if os.path.islink(root):
        found.append((root, "the study folder is a symbolic link"))
    written = {root / STUDY_FILE, root / "sections"}
    real_root = real(root)

    def unlisted(exc: OSError) -> None:
        why = exc.strerror if isinstance(exc, FolderTooDeep) else (
            f"cannot list this folder: {exc.strerror}")
        found.append((Path(exc.filename or root), str(why)))

    for folder, subfolders, names in walk(root, unlisted):
        for name in [*subfolders, *names]:
            path = folder / name
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                if not inside(real(path), real_root):
                    found.append((path, "symbolic link leads outside the study folder"))
                elif path in written or path.parent == root / "sections":
                    found.append((path, "symbolic link where upgrade writes; replace it by "
                                        "the file or folder itself"))
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found.append((path, "not a regular file (a FIFO, socket or device)"))
    if found:
        where, why = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ScaffoldError(f"{why}{more}; nothing was read or written", where)


def upgrade_study(root: Path, optional: bool = False) -> Upgrade:
    """Add the section stubs and study.yaml keys a study lacks; existing text stays byte for byte.

    Missing optional sections are only added with ``optional`` (an author may have
    dropped one on purpose). Keys are appended at the end of study.yaml.
    """
    root = Path(root)
    path = root / STUDY_FILE
    if not os.path.lexists(path):
        raise StudyNotFound(f"no {STUDY_FILE} in {root}", root)
    refuse_unsafe_entries(root)
    doc = read_yaml(path)
    if doc.problems or not isinstance(doc.data, dict):
        first = doc.problems[0] if doc.problems else None
        raise ScaffoldError(f"cannot upgrade: {first.message if first else 'not a mapping'}; "
                            "fix study.yaml first", path, *(first.line, first.col) if first
                            else (1, 1))
    old = doc.data.get("template_version")
    if type(old) is int and old > TEMPLATE_VERSION:
        raise ScaffoldError(f"the study was made by template version {old}, newer than this "
                            f"casestudy's ({TEMPLATE_VERSION}); upgrade casestudy first",
                            path, *doc.where(("template_version",)))
    answers = _study_answers(root, doc.data)
    report = Upgrade(root)
    env = template_environment(template_root())
    stubs = {}
    for spec in SECTIONS:
        stub = root / "sections" / spec.filename
        if stub.exists() or stub.is_symlink():
            continue
        if not spec.required and not optional:
            report.skipped.append(f"sections/{spec.filename}")
            continue
        stubs[stub] = env.get_template(f"sections/{spec.filename}").render(
            cookiecutter=answers.variables())
        report.sections.append(f"sections/{spec.filename}")
    # a stub's example figure comes with it, unless the study has a file of that name
    figures = {}
    for name in sorted({m for text in stubs.values()
                        for m in re.findall(r"\]\(\.\./figures/([^)/]+)\)", text)}):
        figure = root / "figures" / name
        if not (figure.exists() or figure.is_symlink()):
            figures[figure] = (template_root() / PROJECT / "figures" / name).read_text("utf-8")
            report.figures.append(f"figures/{name}")

    raw = path.read_bytes()
    text = raw.decode("utf-8")
    blocks = _blocks(render_study_yaml(answers))
    report.keys = [k for k in StudyMeta.model_fields if k not in doc.data]
    if old != TEMPLATE_VERSION and "template_version" in doc.data:
        text = _replace_version(text, *doc.where(("template_version",)), path)
        report.template_version = (old, TEMPLATE_VERSION)
    elif "template_version" in report.keys:
        report.template_version = (None, TEMPLATE_VERSION)
    if report.keys:
        eol = "\r\n" if "\r\n" in text else "\n"  # the file's own line ends
        added = f"# added by casestudy upgrade (template version {TEMPLATE_VERSION})\n"
        added += "".join(blocks[k] for k in report.keys)
        text += ("" if text.endswith("\n") or not text else eol) + added.replace("\n", eol)
    if text != raw.decode("utf-8"):
        _verify(path, doc.data, text, report.keys)
    (root / "sections").mkdir(exist_ok=True)
    if figures:
        (root / "figures").mkdir(exist_ok=True)
    for stub, content in {**figures, **stubs}.items():
        _create(stub, content)
    if text != raw.decode("utf-8"):
        atomic_write(path, text.encode("utf-8"))
    return report


def _replace_version(text: str, line: int, col: int, path: Path) -> str:
    lines = text.splitlines(keepends=True)
    before, rest = lines[line - 1][: col - 1], lines[line - 1][col - 1:]
    m = re.match(r"(\d+|null|Null|NULL|~)(?=\s|$)", rest)
    if not m:
        raise ScaffoldError("template_version is not a plain number; set it by hand to "
                            f"{TEMPLATE_VERSION}", path, line, col)
    lines[line - 1] = before + str(TEMPLATE_VERSION) + rest[m.end():]
    return "".join(lines)


def _verify(path: Path, before: dict[str, Any], text: str, added: list[str]) -> None:
    """The new study.yaml must read back as the old data plus the added keys."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / STUDY_FILE
        probe.write_text(text, encoding="utf-8")
        after = read_yaml(probe)
    data = after.data if isinstance(after.data, dict) else {}
    same = all(data.get(k) == v for k, v in before.items() if k != "template_version")
    if after.problems or not same or any(k not in data for k in added):
        raise ScaffoldError("cannot append the missing keys to this study.yaml without "
                            f"changing its meaning; add them by hand: {', '.join(added)}",
                            path)


# ---------------------------------------------------------------- the series' colours

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
    from ruamel.yaml.comments import CommentedMap

    from ..brand.load import BRAND_FILE, css_color, file_colors

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
    yaml = _round_trip()
    before, brand_doc, brand = _brand_for_edit(brand_path, yaml)
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
    series_text = _without_block(raw, doc.keys[("colors",)][0])
    header = ("# The series' brand, in the brand.yml format: see docs/brand.md.\n"
              "# The colours were moved here from series.yaml by `casestudy upgrade`.\n")
    new_brand = None
    if done.moved:
        from io import StringIO

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


def _brand_for_edit(brand_path: Path, yaml: Any) -> tuple[bytes | None, Any, Any]:
    """_brand.yml as it is (its bytes, None when there is none), as read for its places,
    and as a round-trip mapping to edit; a file that does not read cleanly as a mapping
    is the author's to fix first."""
    from ruamel.yaml.comments import CommentedMap

    if not brand_path.is_file():
        return None, None, CommentedMap()
    before = brand_path.read_bytes()
    brand_doc = read_yaml(brand_path)
    brand = yaml.load(before.decode("utf-8")) or CommentedMap()
    if brand_doc.problems or not isinstance(brand, dict):
        raise ScaffoldError("fix _brand.yml first (casestudy check)", brand_path)
    return before, brand_doc, brand


def _only_without(series_path: Path, before: dict[str, Any], series_text: str,
                  key: str) -> None:
    """``series_text`` reads as ``before`` without ``key``: nothing else moved."""
    if read_yaml_text(series_text) != {k: v for k, v in before.items() if k != key}:
        raise ScaffoldError(f"moving {key} would change other series.yaml keys; "
                            "move them by hand", series_path)


def _round_trip() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _eol_comments(text: str) -> dict[str, str]:
    """The end-of-line comment of each key under ``colors``, as written."""
    data = _round_trip().load(text)
    colors = data.get("colors") if hasattr(data, "get") else None
    found: dict[str, str] = {}
    for key, slots in (getattr(getattr(colors, "ca", None), "items", None) or {}).items():
        token = slots[2] if len(slots) > 2 else None
        if token is not None:
            first = token.value.split("\n")[0].strip()
            if first.startswith("#"):
                found[str(key)] = first.lstrip("#").strip()
    return found


def _without_block(text: str, line: int) -> str:
    """``text`` without the top-level block whose key is on ``line`` (1-based): its
    indented lines go; blank and comment lines after it stay with the next key."""
    lines = text.splitlines(keepends=True)
    start = end = line - 1
    last = start
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if stripped and not lines[i][0].isspace() and not stripped.startswith("#"):
            break
        if stripped and lines[i][0].isspace():
            last = i
    end = last + 1
    return "".join(lines[:start] + lines[end:])


def _check_move(series_path: Path, before: dict[str, Any], series_text: str,
                brand_path: Path, brand_text: str | None, colors: dict[str, str]) -> None:
    """Read both new texts back: series.yaml lost only ``colors``, the brand has them."""
    from ..brand.load import css_color, file_colors

    _only_without(series_path, before, series_text, "colors")
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


# ---------------------------------------------------------------- the series' fallback fonts

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
    from io import StringIO

    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from ..brand.load import BRAND_FILE, load_brand

    series_path, brand_path = repo / "series.yaml", repo / BRAND_FILE
    doc = read_yaml(series_path) if series_path.is_file() else None
    if doc is None or doc.problems or not isinstance(doc.data, dict) \
            or "fallback_fonts" not in doc.data:
        return FontMove()
    entries = doc.data["fallback_fonts"] or []
    fonts = [_moved_font(repo, doc, i, item) for i, item in enumerate(
        entries if isinstance(entries, list) else [entries])]
    yaml = _round_trip()
    before, brand_doc, brand = _brand_for_edit(brand_path, yaml)
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
    series_text = _without_block(raw.decode("utf-8"), doc.keys[("fallback_fonts",)][0])
    _only_without(series_path, doc.data, series_text, "fallback_fonts")
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


def read_yaml_text(text: str) -> Any:
    """YAML text as plain data (for comparing a file before and after an edit)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.yaml"
        path.write_text(text, "utf-8")
        return read_yaml(path).data


def _moved_font(repo: Path, doc: Any, index: int, item: Any) -> Any:
    """One old fallback font as a brand.yml font (a CommentedMap, in the key order
    brand.yml files use), or a ScaffoldError at its place in series.yaml."""
    from pydantic import ValidationError
    from ruamel.yaml.comments import CommentedMap

    from ..brand.fontmap import script_unicode_range
    from ..brand.load import FontNotFound, fallback_path
    from ..brand.typefaces import package_fonts
    from ..source.schema import FallbackFont

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
