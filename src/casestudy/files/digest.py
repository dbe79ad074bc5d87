"""What files and folder trees hold, as entries of a digest; this package's own files.

A digest is taken from the raw files before anything is parsed, so that deciding
whether anything changed costs milliseconds. Links are never followed into what they
lead to, and special files are never read (reading a FIFO could block).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .folders import walk

PACKAGE = Path(__file__).parent.parent  # all of casestudy: its code and branding
# More than any stage reads of one file (a font, 50 MB; an image 20 MB; a chart's data
# 1 MB): a larger file is never read by a build or a check, so its size and time stand
# for it in a digest, and a 40 GB file costs a stat, not minutes of reading.
MAX_READ_BYTES = 64_000_000


def file_digest(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


def entry(path: Path, resolve: bool = False) -> bytes:
    """What one entry of a study holds, for the digest.

    A symlink contributes its target's text, never the target's bytes: following it
    could read outside the study (the checker refuses such links anyway); with
    ``resolve``, also where it finally leads, which links outside the study can change.
    Special files (FIFOs, devices) contribute their kind, since reading one could block;
    a file over MAX_READ_BYTES its size and time, since nothing reads it.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return b"-"
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        target = os.readlink(path) + ("\0" + os.path.realpath(path) if resolve else "")
        return b"symlink:" + target.encode("utf-8", "surrogateescape")
    if stat.S_ISREG(mode) and info.st_size > MAX_READ_BYTES:
        return f"oversize:{info.st_size}:{info.st_mtime_ns}".encode()
    if stat.S_ISREG(mode):
        return file_digest(path)
    return f"special:{stat.S_IFMT(mode)}".encode()


def tree_entries(root: Path, folder: Path, resolve: bool = False
                  ) -> Iterable[tuple[str, bytes]]:
    """(relative name, what it holds) for every entry below ``folder``, in a stable order;
    a symlinked folder is one entry, not followed. Folders are entries too, so that an
    empty one counts. With ``resolve`` (the checker's digest) a folder that cannot be
    listed raises: what the checker would say of it cannot be known from here."""
    if folder.is_symlink():
        yield folder.relative_to(root).as_posix(), entry(folder, resolve)
        return
    for dirpath, _, names in walk(folder, onerror=_raise if resolve else None):
        yield dirpath.relative_to(root).as_posix() + "/", b"folder"
        for name in names:  # files and links (the walk enters only real folders)
            path = dirpath / name
            yield path.relative_to(root).as_posix(), entry(path, resolve)


def _raise(exc: OSError) -> None:
    if not isinstance(exc, FileNotFoundError):  # a missing figures/ is a fact, not a failure
        raise exc


def add_package(digest: Any) -> None:
    """This package's files (code, branding, template), compiled caches left out."""
    for rel, content in tree_entries(PACKAGE, PACKAGE):
        if "__pycache__" not in rel:
            digest.update(rel.encode() + b"\0" + content)
