"""The build cache: what a study's output depends on, and the record of what was built.

A build is skipped only when nothing that can change its output has changed: the
study's files, the series settings, and the engine (this package's code and
branding, the brand fonts, and the versions of the libraries that render). All of it
goes into one SHA-256 digest, computed from the raw files before anything is parsed,
so that a no-op rebuild of a whole series costs a few milliseconds a study.

After a successful build the digest and the SHA-256 of each output are recorded in
``<out>/.casestudy/<slug>.json``. A study is up to date when the digest matches and
every output it asks for is still there with the recorded hash: a PDF deleted or
edited by hand is rebuilt.
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

from . import brand
from .schema import SeriesConfig

STATE_DIR = ".casestudy"
# Libraries whose version can change the bytes of a brief.
_ENGINE_PACKAGES = ("casestudy", "weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2",
                    "jinja2", "markdown-it-py", "mdit-py-plugins", "linkify-it-py", "pydantic")
_PACKAGE = Path(__file__).parent


def _file_digest(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


def _entry(path: Path) -> bytes:
    """What one entry of a study holds, for the digest.

    A symlink contributes its target's text, never the target's bytes: following it
    could read outside the study (the checker refuses such links anyway). Special files
    (FIFOs, devices) contribute their kind, since reading one could block.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return b"-"
    if stat.S_ISLNK(mode):
        return b"symlink:" + os.readlink(path).encode("utf-8", "surrogateescape")
    if stat.S_ISREG(mode):
        return _file_digest(path)
    return f"special:{stat.S_IFMT(mode)}".encode()


def _tree_entries(root: Path, folder: Path) -> Iterable[tuple[str, bytes]]:
    """(relative name, what it holds) for every entry below ``folder``, in a stable order;
    a symlinked folder is one entry, not followed."""
    if folder.is_symlink():
        yield folder.relative_to(root).as_posix(), _entry(folder)
        return
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames) + [d for d in dirnames if os.path.islink(
                os.path.join(dirpath, d))]:
            path = Path(dirpath) / name
            yield path.relative_to(root).as_posix(), _entry(path)


@cache
def engine_digest() -> bytes:
    """This package's code and branding, the brand fonts, and the rendering libraries."""
    digest = hashlib.sha256()
    for package in _ENGINE_PACKAGES:
        try:
            digest.update(f"{package} {version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} -\n".encode())
    for rel, content in _tree_entries(_PACKAGE, _PACKAGE):
        if "__pycache__" not in rel:
            digest.update(rel.encode() + b"\0" + content)
    for font in brand.brand_fonts():
        digest.update(font.path.name.encode() + b"\0" + _file_digest(font.path))
    return digest.digest()


def inputs_digest(root: Path, series: SeriesConfig) -> str:
    """The digest of everything that affects the outputs of the study in ``root``."""
    digest = hashlib.sha256(engine_digest())
    digest.update(series.model_dump_json().encode())
    entries = [("study.yaml", _entry(root / "study.yaml"))]
    for folder in ("sections", "figures"):
        entries += _tree_entries(root, root / folder)
    for rel, content in entries:
        digest.update(b"\n" + rel.encode("utf-8", "surrogateescape") + b"\0" + content)
    return digest.hexdigest()


def _state_file(out: Path, slug: str) -> Path:
    return out / STATE_DIR / f"{slug}.json"


def output_paths(out: Path, slug: str) -> dict[str, Path]:
    """Where each format of a study is written (the web edition: its index page)."""
    return {"pdf": out / f"{slug}.pdf", "html": out / slug / "index.html"}


def has_record(out: Path, slug: str) -> bool:
    """Whether a build recorded what it made ``slug``'s outputs in ``out`` from."""
    return _state_file(out, slug).is_file()


def up_to_date(out: Path, slug: str, digest: str, formats: Iterable[str]) -> bool:
    """True when the outputs in ``formats`` were built from ``digest`` and are unchanged."""
    try:
        state = json.loads(_state_file(out, slug).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(state, dict) or state.get("digest") != digest:
        return False
    recorded = state.get("outputs") or {}
    paths = output_paths(out, slug)
    for fmt in formats:
        try:
            if recorded.get(fmt) != _file_digest(paths[fmt]).hex():
                return False
        except OSError:
            return False
    return True


def record(out: Path, slug: str, digest: str, formats: Iterable[str]) -> None:
    """Remember that the outputs in ``formats`` were built from ``digest``."""
    from .write import atomic_write

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
