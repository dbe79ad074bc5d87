"""The editor's and series manager's commands: check, build, series, verify, schema.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..errors import CasestudyError, display_path, printable
from .common import command, echo, err, print_problems, say, shown_path


@command
def check(
    studies: Annotated[list[str] | None, typer.Argument(
        help="Study folders or slugs; default: every study in countries/.")] = None,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
    cache: Annotated[bool, typer.Option(
        help="Reuse the findings of studies unchanged since their last check "
             "(kept in ~/.cache/casestudy or $CASESTUDY_CACHE_DIR).")] = True,
) -> None:
    """Check studies against the series schema; print every problem as path:line:col."""
    from ..brand.load import default_brand, load_brand
    from ..check.study import check_paths
    from ..files.cachedir import default_cache_dir
    from ..source.load import SERIES_FILE, find_repo, load_series, resolve_studies

    repo = find_repo()
    if not (repo / SERIES_FILE).is_file() and studies and Path(studies[0]).is_dir():
        repo = find_repo(Path(studies[0]))  # run from elsewhere: the study's own series
    paths = resolve_studies(studies or [], repo)
    # the series brings its house style, the fallback fonts and the prose every brief prints
    series = load_series(repo) if (repo / SERIES_FILE).is_file() else None
    brand = load_brand(repo)
    # the studies of a series are judged in its brand; a study of no series (no
    # series.yaml found) in the package's neutral one
    found = check_paths(paths, default_cache_dir() if cache else None, series,
                        brand=brand if series is not None else default_brand())
    # series.yaml's own findings come with every study: say them once
    problems = list(brand.problems) + list(
        dict.fromkeys(p for study in found for p in study))
    errors, warnings = print_problems(problems)
    err.print(f"{len(paths)} {'study' if len(paths) == 1 else 'studies'} checked: "
              f"{errors} error(s), {warnings} warning(s)")
    if errors or (strict and warnings):
        raise typer.Exit(1)


@command
def build(
    studies: Annotated[list[str] | None, typer.Argument(
        help="Study folders or slugs; default: every study in countries/.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("build"),
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help="pdf, html, docx (a Word copy for reviewers) or all "
                               "(pdf and html).")] = "pdf",
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Worker processes; default: one per core.")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even when nothing changed.")] = False,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds one study may take.")] = 600,
    memory: Annotated[int, typer.Option(min=256, help="Memory limit of a worker, MB.")] = 4096,
) -> None:
    """Build each study into a branded PDF issue brief (and/or a web edition).

    Studies whose sources, series.yaml and branding have not changed since their last
    build are skipped; --force rebuilds them.
    """
    from ..series.workers import start_server

    stop_server = start_server()  # its imports overlap ours and the up-to-date check
    try:
        _build(studies, out, fmt, jobs, force, timeout, memory)
    finally:
        stop_server()


def _build(studies: list[str] | None, out: Path, fmt: str, jobs: int | None, force: bool,
           timeout: float, memory: int) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..brand.load import load_brand
    from ..files.write import check_target
    from ..series.build import build_series, check_formats
    from ..series.workers import Outcome
    from ..source.load import find_repo, load_series, resolve_studies

    repo = find_repo()
    if not (repo / "series.yaml").is_file() and studies and Path(studies[0]).is_dir():
        repo = find_repo(Path(studies[0]))  # run from elsewhere: the study's own series
    _known_format(fmt, ("pdf", "html", "docx", "all"))
    formats = check_formats(fmt)
    series = load_series(repo)
    brand = load_brand(repo)
    print_problems(list(brand.problems))
    paths = resolve_studies(studies or [], repo)
    check_target(out, (repo,), folder=True)  # a link in the way stops everything at once
    started = time.perf_counter()
    counts = {"built": 0, "skipped": 0, "problems": 0, "failed": 0}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True, disable=len(paths) < 2) as progress:
        bar = progress.add_task("building", total=len(paths))

        def report(outcome: Outcome) -> None:
            counts[outcome.status] += 1
            progress.advance(bar)
            name = outcome.root.name
            if outcome.status == "problems":
                print_problems(outcome.problems)
                progress.console.print(f"[red]{shown_path(name)}: not built[/red] (fix the errors "
                                       "above)")
            elif outcome.status == "failed":
                progress.console.print(printable(outcome.message), markup=False, style="red")
            else:
                verb = "[green]built[/green]" if outcome.status == "built" else "up to date"
                warned = len(outcome.problems)  # a built study can only have warnings
                note = (f"; {warned} warning{'s' * (warned != 1)}: casestudy check "
                        f"{shown_path(name)}" if warned else "")
                for output in outcome.outputs:
                    progress.console.print(f"{verb} {shown_path(output)} "
                                           f"({outcome.seconds:.1f} s{note})")

        build_series(paths, out, formats, series, jobs, force, timeout, memory,
                     report, bases=(repo,), brand=brand, repo=repo)
    if "html" in formats:
        err.print(f"series index: {display_path((out / 'index.html').resolve())}",
                  markup=False)
    failed = counts["problems"] + counts["failed"]
    err.print(f"{counts['built']} built, {counts['skipped']} up to date, {failed} failed "
              f"in {time.perf_counter() - started:.1f} s")
    if failed:
        raise typer.Exit(1)


@command
def series(
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help="table, json, csv or html.")] = "table",
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the report to FILE (atomically) instead of stdout.")] = None,
    strict: Annotated[bool, typer.Option(
        help="Also fail when a study whose status is final has warnings.")] = False,
    cache: Annotated[bool, typer.Option(
        help="Reuse what was found in studies unchanged since the last report "
             "(kept in ~/.cache/casestudy or $CASESTUDY_CACHE_DIR).")] = True,
) -> None:
    """The series manager's report: every study side by side, and what only the series shows.

    Exit 1 when any study has errors (with --strict also when a final study has warnings).
    """
    from ..files.cachedir import default_cache_dir
    from ..files.write import atomic_write, check_target
    from ..series.formats import FORMATS, print_table, render
    from ..series.report import series_report
    from ..source.load import find_repo

    _known_format(fmt, FORMATS)
    repo = find_repo()
    if out is not None:  # before any work: a link in the way is refused at once
        check_target(out, (repo,))
    report = series_report(repo, cache_dir=default_cache_dir() if cache else None)
    if out is not None:
        try:
            atomic_write(out, render(report, fmt).encode("utf-8", "surrogateescape"))
        except OSError as exc:
            raise CasestudyError(f"cannot write the report: {exc.strerror}", out) from None
        say(f"wrote {display_path(out.resolve())}")
    elif fmt == "table":  # colour on a terminal; plain, and wide enough, in a pipe
        print_table(report, Console(highlight=False,
                                    width=None if sys.stdout.isatty() else 160))
    else:
        typer.echo(render(report, fmt), nl=False)
    raise typer.Exit(1 if report.failed(strict) else 0)


@command
def verify(
    pdf: Annotated[Path, typer.Argument(help="The PDF (or web edition page) to judge.")],
    study: Annotated[str | None, typer.Argument(
        help="Its study folder or slug; default: the study the PDF names.")] = None,
) -> None:
    """Tell whether a PDF was built from the current sources of its study and series.

    Exit 0: current; 1: built from older sources (each file added, removed or changed
    since is named); 2: not built by casestudy, or the command could not run.
    """
    from ..series.verify import describe, verify_pdf
    from ..source.load import find_repo, resolve_studies

    repo = find_repo()
    root = resolve_studies([study], repo)[0] if study else None
    result, root = verify_pdf(pdf, root, repo)
    for line in describe(result, pdf, root):
        echo(line)
    raise typer.Exit(result.exit_code)


def _known_format(fmt: str, known: tuple[str, ...]) -> None:
    if fmt not in known:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(known)}",
                                 param_hint="'--format'")


@command
def schema() -> None:
    """Print the JSON Schema of study.yaml (for editor completion and validation)."""
    from ..source.schema import study_json_schema

    typer.echo(json.dumps(study_json_schema(), indent=2))
