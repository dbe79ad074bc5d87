"""Write outputs atomically: a reader sees the old file or the new one, never a part.

Everything is rendered to memory first, written to a temporary file beside the
target, flushed to disk and renamed over the target in one step. A failed or
killed build leaves the previous output byte-identical.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_stale_temporaries(folder: Path, name: str) -> None:
    """Temporary files left by a killed build; only those no live build can still own."""
    import time

    for tmp in folder.glob(f".{name}.*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime > 600:
                tmp.unlink()
