"""Write outputs atomically: a reader sees the old file or the new one, never a part.

Everything is rendered to memory first, written to a temporary file beside the
target, flushed to disk and renamed over the target in one step. A failed or
killed build leaves the previous output byte-identical.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path


def temp_prefix(target: Path, pid: int | None = None) -> str:
    """How the temporary files of ``target`` written by process ``pid`` begin: a build
    that stops a worker can then remove exactly what that worker left."""
    return f".{target.name}.{os.getpid() if pid is None else pid}."


def atomic_write(target: Path, data: bytes, durable: bool = True) -> None:
    """Replace ``target`` with ``data`` in one step; ``durable`` flushes to disk first."""
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
    pattern = f"{temp_prefix(target, pid)}*.tmp" if pid is not None else f".{target.name}.*.tmp"
    for tmp in target.parent.glob(pattern):
        with contextlib.suppress(OSError):
            if pid is not None or time.time() - tmp.stat().st_mtime > older_than:
                tmp.unlink()
