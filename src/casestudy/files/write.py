"""Write outputs atomically: a reader sees the old file or the new one, never a part.

Everything is rendered to memory first, written to a temporary file beside the
target, flushed to disk and renamed over the target in one step. A failed or
killed build leaves the previous output byte-identical.
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from ..errors import UnsafeTarget


def temp_prefix(target: Path, pid: int | None = None) -> str:
    """How the temporary files of ``target`` written by process ``pid`` begin: a build
    that stops a worker can then remove exactly what that worker left."""
    return f".{target.name}.{os.getpid() if pid is None else pid}."


def check_target(path: Path, bases: Iterable[Path] = (), folder: bool = False) -> None:
    """Refuse ``path`` as a place to write (raise UnsafeTarget) when it is a symbolic
    link, or something other than a regular file (a folder with ``folder``), or when a
    folder on the way to it is a link below one of ``bases`` (default: the working folder).

    Nothing is followed: each name is looked at with lstat, so a repository that ships
    ``build`` as a link to another folder cannot make a build write or delete there.
    Folders above the bases (the user's own machine, e.g. /tmp) are not judged.
    """
    absolute = Path.cwd() / path  # joined as written: nothing resolved, ".." kept
    tops = [Path.cwd() / base for base in bases] or [Path.cwd()]
    for i, step in enumerate([absolute, *absolute.parents]):
        if i and not any(step == top or top in step.parents for top in tops):
            continue
        try:
            mode = os.lstat(step).st_mode
        except OSError:  # not there (or not reachable): the write itself will say
            continue
        if stat.S_ISLNK(mode):
            raise UnsafeTarget(f"is a symbolic link (to {os.readlink(step)}); outputs are "
                               "never written through a link: remove it, or name the real "
                               "folder", step)
        if i == 0 and not (stat.S_ISDIR(mode) if folder else stat.S_ISREG(mode)):
            what = ("a folder" if stat.S_ISDIR(mode) else "a file" if stat.S_ISREG(mode)
                    else "a FIFO, socket or device")
            raise UnsafeTarget(f"is {what}, not {'a folder' if folder else 'a file'}; "
                               "nothing was written", step)


def atomic_write(target: Path, data: bytes, durable: bool = True) -> None:
    """Replace ``target`` with ``data`` in one step; ``durable`` flushes to disk first.

    A link or special file at ``target`` is refused (UnsafeTarget), never replaced."""
    check_target(target, (target,))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=temp_prefix(target), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_temporaries(target: Path, pid: int | None = None, older_than: float = 0) -> None:
    """Temporary files of ``target`` left by a stopped process: those of ``pid``, or of
    any process when they are older than ``older_than`` seconds (no live build still
    writes a file that old)."""
    pattern = (glob.escape(temp_prefix(target, pid)) + "*.tmp" if pid is not None
               else f".{glob.escape(target.name)}.*.tmp")
    for tmp in target.parent.glob(pattern):
        with contextlib.suppress(OSError):
            if pid is not None or time.time() - tmp.stat().st_mtime > older_than:
                tmp.unlink()
