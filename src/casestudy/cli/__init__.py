"""The command line: a few lines per command over the library API (common.py holds
what they share; authors.py and editors.py the commands, registered in that order).

Exit codes: 0 success; 1 the studies have errors (or warnings with --strict);
2 the command could not run (bad arguments, no such study, bad series.yaml).
"""

from __future__ import annotations

import logging
import sys

from ..errors import CasestudyError, PrintableFormatter
from . import authors, editors  # noqa: F401  (registers the commands)
from .common import app, say

__all__ = ["app", "main"]



def main() -> None:
    """Console entry point: the project's errors become one located line and exit code 2."""
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("%(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    try:
        app()  # click handles usage errors (exit 2) and typer.Exit itself
    except CasestudyError as exc:
        say(str(exc))
        sys.exit(2)
