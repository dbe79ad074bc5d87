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

from ..errors import ScaffoldError, StudyNotFound
from ..files.fetch import inside, real
from ..files.folders import FolderTooDeep, walk
from ..files.write import atomic_write
from ..files.yamlfile import read_yaml
from ..source.load import STUDY_FILE
from ..source.schema import SECTIONS, TEMPLATE_VERSION, StudyMeta
from .answers import answer_date, next_series_number
from .template import PROJECT, Answers, render_study_yaml, template_environment, template_root


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
