"""What ``check`` (and the series report) remember of each study, in the user's cache folder.

Never in the repository, which a hostile clone could ship: an entry is used only when
the digest of every entry of the study folder, of the references it cites from and of
the checker itself (this package, the libraries it reads with) still matches, so an
unchanged study is not parsed again.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..errors import CasestudyError, Problem
from ..files.digest import add_package, entry, tree_entries
from ..files.write import atomic_write, check_target
from ..source.load import series_root
from ..source.references import reference_files

# What the checker's findings can depend on besides this package: the libraries that
# read YAML and Markdown, validate, and know the country codes.
_CHECK_LIBRARIES = ("pydantic", "pydantic_core", "ruamel.yaml", "_ruamel_yaml", "markdown_it",
                    "mdit_py_plugins", "linkify_it", "pycountry", "PIL", "tinycss2",
                    "fontTools", "bibtexparser",  # fonts' character maps, scripts; .bib
                    "pypandoc",  # its wheel's pandoc reads cited BibLaTeX entries
                    "babel", "langcodes")  # the labels' languages and dates (labels.py)
_CHECK_FORMAT = 1  # bump when the stored shape changes


@cache
def checker_digest() -> bytes:
    """This package's files and, for each library the checker uses, its installed file.

    A library is known by where its module file is and that file's size and time (an
    upgrade rewrites it): ``importlib.metadata`` would cost 80 ms a command.
    """

    digest = hashlib.sha256(f"check {_CHECK_FORMAT}\n".encode())
    for name in _CHECK_LIBRARIES:
        try:
            spec = find_spec(name)
            origin = spec.origin if spec and spec.origin else "-"
            info = os.stat(origin)
            digest.update(f"{name} {origin} {info.st_size} {info.st_mtime_ns}\n".encode())
        except (ImportError, OSError, ValueError):
            digest.update(f"{name} -\n".encode())
    add_package(digest)
    return digest.digest()


class StudyCache:
    """What a command found in each study, kept while nothing it depends on changes.

    One JSON file per study location (so the folder grows with the studies checked, not
    with their edits), under ``kind`` (the command). A study is looked up by its folder
    as written, where it really is and the working folder, since the paths in its
    problems are written from those; the entry is used only when the digest of every
    entry of the study folder (links by where they lead) and of the checker matches. A
    study with a file that cannot be read is never cached. Failing to read or write the
    cache only costs time.
    """

    def __init__(self, folder: Path, kind: str = "check"):
        self.folder = folder
        self.kind = kind

    def _where(self, root: Path) -> tuple[str, Path]:
        key = "\0".join((str(root), os.path.realpath(root), os.getcwd()))
        name = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return key, self.folder / self.kind / f"{name}.json"

    @staticmethod
    def digest(root: Path, extra: str = "") -> str | None:
        """The digest of the study in ``root`` as the checker sees it, or None.
        ``extra``: what else the findings depend on (the series' fonts and prose)."""
        digest = hashlib.sha256(checker_digest() + extra.encode("utf-8", "surrogateescape"))
        try:
            for rel, content in [*tree_entries(root, root, resolve=True),
                                 *reference_entries(root)]:
                digest.update(b"\n" + rel.encode("utf-8", "surrogateescape") + b"\0" + content)
        except OSError:
            return None
        return digest.hexdigest()

    def read(self, root: Path, digest: str | None) -> dict[str, Any] | None:
        """The entry stored for ``root`` at ``digest`` (a JSON object), or None."""
        if digest is None:
            return None
        try:
            key, file = self._where(root)
            check_target(file, (file.parent,))  # a link there (or at the kind's folder) is not read
            state = json.loads(file.read_text("utf-8"))
            if state["key"] != key or state["digest"] != digest:
                return None
            return state if isinstance(state, dict) else None
        except (OSError, ValueError, KeyError, TypeError, CasestudyError):
            return None

    def write(self, root: Path, digest: str | None, entry: dict[str, Any]) -> None:
        """Store ``entry`` (plain JSON data) for ``root`` at ``digest``, computed before
        the study was read, so that an edit made meanwhile is not hidden."""
        if digest is None:
            return
        try:
            key, file = self._where(root)
            data = json.dumps({**entry, "key": key, "digest": digest})  # ASCII, even for
            file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # undecodable names
            check_target(file, (file.parent,))  # never written through a link
            atomic_write(file, data.encode("ascii"), durable=False)
        except (OSError, CasestudyError):  # failing only costs time
            pass


class CheckCache(StudyCache):
    """The problems ``check`` found in each study (see :class:`StudyCache`)."""

    def get(self, root: Path, digest: str | None) -> list[Problem] | None:
        """The problems remembered for ``root`` at ``digest``, or None."""
        state = self.read(root, digest)
        try:
            return None if state is None else [
                Problem(str(p), int(line), int(col), str(sev), str(msg))
                for p, line, col, sev, msg in state["problems"]]
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, root: Path, digest: str | None, problems: list[Problem]) -> None:
        """Remember ``problems`` for ``root`` at ``digest`` (computed before the check)."""
        self.write(root, digest, {"problems": [[p.path, p.line, p.col, p.severity, p.message]
                                               for p in problems]})


def reference_entries(root: Path) -> list[tuple[str, bytes]]:
    """The reference lists a study cites from: its own and the series' (the study wins)."""
    repo = series_root(root)
    paths = [*(reference_files(repo) if repo else []), *reference_files(root)]
    return [(f"references/{i}/{p.name}", entry(p, resolve=True)) for i, p in enumerate(paths)]
