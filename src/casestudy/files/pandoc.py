"""Pandoc, run one way everywhere: the binary of the ``pypandoc-binary`` wheel, sandboxed,
under one time limit and one memory limit, whichever command runs it.

``build`` runs its workers under an address-space limit, but ``check``, the preview's
page and an import run pandoc from the main process: a 729-byte bibliography can grow
pandoc past 4 GB. So the limit is pandoc's own: its runtime's maximum heap (``+RTS -M``),
which stops it with "Heap exhausted" whatever process started it. Author text never
becomes an option: it goes in on standard input or as a file named after ``--``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import BuildError

TIMEOUT_SECONDS = 120.0
MEMORY_MB = 2048  # pandoc's heap; a series' bibliographies need a few hundred MB at most


def pandoc_binary() -> Path:
    from importlib.util import find_spec

    spec = find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "files" / "pandoc"
        if binary.is_file():
            return binary
    raise BuildError("this needs pandoc: pip install pypandoc-binary", Path("."))


def limited_args(args: list[str]) -> list[str]:
    """pandoc's command line with its limits: the heap cap before any other option."""
    return [str(pandoc_binary()), "+RTS", f"-M{MEMORY_MB}m", "-RTS", "--sandbox", *args]


def run_pandoc(args: list[str], text: bytes, blame: Path, doing: str) -> bytes:
    """pandoc's output for ``text`` on standard input; a BuildError at ``blame`` saying
    that it could not do ``doing`` when it fails, runs out of time or of memory."""
    try:
        done = subprocess.run(limited_args(args), input=text, capture_output=True,
                              timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise BuildError(f"pandoc could not {doing}: it took longer than "
                         f"{TIMEOUT_SECONDS:g} s and was stopped", blame) from None
    except OSError as exc:
        raise BuildError(f"pandoc could not {doing}: {exc}", blame) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"]
        if any("Heap exhausted" in line for line in reason):
            raise BuildError(f"pandoc could not {doing}: it needed more than {MEMORY_MB} MB "
                             "of memory and was stopped", blame)
        raise BuildError(f"pandoc could not {doing}: {reason[-1]}", blame)
    return done.stdout


def elements(tree: Any, skip: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
    """Every element of a pandoc JSON tree (a dict with "t"), in document order, with an
    explicit stack (no recursion limit on a deep tree). Elements of a type in ``skip``
    are given but not entered (a Note's text, say, or a Cite's own inlines)."""
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            yield node
            if "c" in node and node.get("t") not in skip:
                stack.append(node["c"])
