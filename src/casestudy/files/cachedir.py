"""The user's cache folder: where commands remember what they found, never in a repository."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """$CASESTUDY_CACHE_DIR, else the user's cache folder ($XDG_CACHE_HOME or ~/.cache)."""
    if os.environ.get("CASESTUDY_CACHE_DIR"):
        return Path(os.environ["CASESTUDY_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "casestudy"
