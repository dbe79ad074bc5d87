"""WeasyPrint's libraries found through ldconfig's cache alone, on Linux.

WeasyPrint opens Pango, HarfBuzz, fontconfig and GObject with cffi by name, trying each
platform's name in turn ("gobject-2.0-0" for Windows before "gobject-2.0"). cffi looks a
name up with ``ctypes.util.find_library``, which on Linux runs ``ldconfig -p`` and then,
for a name that is not there, the C compiler and the linker: for the names of other
platforms, and for HarfBuzz's subsetter where it is not installed, every process that
imports WeasyPrint ran gcc and ld about eight times (0.15 s of CPU, 0.25 s of waiting,
seen with strace). During that first import, a name is looked up in ldconfig's cache
only, as ctypes' own first step does; where the machine has no such cache (no
``ldconfig``), ctypes' whole search is left as it is.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import sys
from collections.abc import Iterator
from functools import cache
from typing import Any


@contextlib.contextmanager
def found_quickly() -> Iterator[None]:
    """Import WeasyPrint inside this: its libraries are found by ldconfig's cache."""
    lookup: Any = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if not sys.platform.startswith("linux") or lookup is None or "weasyprint" in sys.modules \
            or _usable(lookup) is False:
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = cache(lookup)
    try:
        yield
    finally:
        ctypes.util.find_library = original


@cache
def _usable(lookup: Any) -> bool:
    """Whether ldconfig's cache answers at all (it knows the C library)."""
    try:
        return lookup("c") is not None
    except OSError:
        return False
