"""What every command shares: the app, the console, printing, the command decorator.

Exit codes: 0 success; 1 the studies have errors (or warnings with --strict);
2 the command could not run (bad arguments, no such study, bad series.yaml).
"""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import CasestudyError, Problem, display_path, printable
from ..version import __version__

# Each command imports its part of the library inside its own function: `casestudy
# --help` starts in 0.16 s, where importing every command's library at the top would
# take 0.44 s (this machine, fresh processes), and `check` never loads the renderer or
# WeasyPrint (tests/house/test_architecture.py). So every import below the top of a
# command is there for start-up time.
app = typer.Typer(help="Check, build and report on the case-study series.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


# Every message goes out through ``printable`` (errors.py): author text (a footnote
# label, a folder name, a YAML value) can hold ESC or CR, which a terminal would obey.
def echo(text: str) -> None:
    """One line of output on stdout (a problem, a file written): one line it stays."""
    typer.echo(printable(text, lines=False))


def say(text: str, style: str | None = None) -> None:
    """A message on stderr, printed as plain text."""
    err.print(printable(text), markup=False, style=style)


def shown_path(path: Path | str) -> str:
    """A path to put inside rich markup: filtered, and its brackets escaped."""
    return escape(printable(display_path(path), lines=False))


def command(function: Callable[..., None]) -> Callable[..., None]:
    """Register a command whose project errors become one located line and exit code 2
    (here, not only in ``main``, so that the library's callers and tests see the same)."""
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> None:
        for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed
            if isinstance(stream, io.TextIOWrapper):  # as its bytes, not as a traceback
                stream.reconfigure(errors="surrogateescape")
        try:
            function(*args, **kwargs)
        except CasestudyError as exc:
            say(str(exc))
            raise typer.Exit(2) from None
    return app.command(function.__name__.rstrip("_").replace("_", "-"))(run)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"casestudy {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """casestudy: the US-allies defense-industrial case-study series."""


def print_problems(problems: list[Problem]) -> tuple[int, int]:
    for problem in problems:
        echo(str(problem))
    errors = sum(p.is_error for p in problems)
    return errors, len(problems) - errors
