"""The command line: a few lines per command over the library API.

Exit codes: 0 success; 1 the studies have errors (or warnings with --strict);
2 the command could not run (bad arguments, no such study, bad series.yaml).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import __version__
from .errors import CasestudyError, Problem

app = typer.Typer(help="Check, build and report on the case-study series.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


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


def _print_problems(problems: list[Problem]) -> tuple[int, int]:
    for problem in problems:
        typer.echo(str(problem))
    errors = sum(p.is_error for p in problems)
    return errors, len(problems) - errors


@app.command()
def check(
    studies: Annotated[list[str] | None, typer.Argument(
        help="Study folders or slugs; default: every study in countries/.")] = None,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
) -> None:
    """Check studies against the series schema; print every problem as path:line:col."""
    from .check import check_study
    from .load import find_repo, load_study, resolve_studies

    paths = resolve_studies(studies or [], find_repo())
    problems = [p for path in paths for p in check_study(load_study(path))]
    errors, warnings = _print_problems(problems)
    err.print(f"{len(paths)} {'study' if len(paths) == 1 else 'studies'} checked: "
              f"{errors} error(s), {warnings} warning(s)")
    if errors or (strict and warnings):
        raise typer.Exit(1)


@app.command()
def schema() -> None:
    """Print the JSON Schema of study.yaml (for editor completion and validation)."""
    from .schema import study_json_schema

    typer.echo(json.dumps(study_json_schema(), indent=2))


@app.command()
def build(
    studies: Annotated[list[str] | None, typer.Argument(
        help="Study folders or slugs; default: every study in countries/.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("build"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="pdf, html or all.")] = "pdf",
) -> None:
    """Build each study into a branded PDF issue brief (and/or a web edition)."""
    from .build import build_study, check_formats
    from .errors import ProblemsFound
    from .load import find_repo, load_series, resolve_studies

    repo = find_repo()
    formats = check_formats(fmt)
    series = load_series(repo)
    failed = 0
    for path in resolve_studies(studies or [], repo):
        try:
            result = build_study(path, out, formats, series)
        except ProblemsFound as exc:
            _print_problems(exc.problems)
            err.print(f"[red]{path.name}: not built[/red] (fix the errors above)")
            failed += 1
            continue
        except CasestudyError as exc:
            err.print(str(exc), markup=False)
            failed += 1
            continue
        for output in result.outputs:
            err.print(f"[green]built[/green] {output} ({result.seconds:.1f} s)")
    if failed:
        raise typer.Exit(1)


def main() -> None:
    """Console entry point: the project's errors become one located line and exit code 2."""
    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.WARNING)
    try:
        app()  # click handles usage errors (exit 2) and typer.Exit itself
    except CasestudyError as exc:
        err.print(str(exc), markup=False)
        sys.exit(2)
