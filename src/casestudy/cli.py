"""The command line: a few lines per command over the library API.

Exit codes: 0 success; 1 the studies have errors (or warnings with --strict);
2 the command could not run (bad arguments, no such study, bad series.yaml).
"""

from __future__ import annotations

import functools
import io
import json
import logging
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from .errors import CasestudyError, PrintableFormatter, Problem, display_path, printable
from .version import __version__

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
def _echo(text: str) -> None:
    """One line of output on stdout (a problem, a file written): one line it stays."""
    typer.echo(printable(text, lines=False))


def _say(text: str, style: str | None = None) -> None:
    """A message on stderr, printed as plain text."""
    err.print(printable(text), markup=False, style=style)


def _path(path: Path | str) -> str:
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
            _say(str(exc))
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


def _print_problems(problems: list[Problem]) -> tuple[int, int]:
    for problem in problems:
        _echo(str(problem))
    errors = sum(p.is_error for p in problems)
    return errors, len(problems) - errors


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
    from .brand.load import default_brand, load_brand
    from .check.study import check_paths
    from .files.cachedir import default_cache_dir
    from .source.load import SERIES_FILE, find_repo, load_series, resolve_studies

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
    errors, warnings = _print_problems(problems)
    err.print(f"{len(paths)} {'study' if len(paths) == 1 else 'studies'} checked: "
              f"{errors} error(s), {warnings} warning(s)")
    if errors or (strict and warnings):
        raise typer.Exit(1)


@command
def schema() -> None:
    """Print the JSON Schema of study.yaml (for editor completion and validation)."""
    from .source.schema import study_json_schema

    typer.echo(json.dumps(study_json_schema(), indent=2))


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
    from .series.workers import start_server

    stop_server = start_server()  # its imports overlap ours and the up-to-date check
    try:
        _build(studies, out, fmt, jobs, force, timeout, memory)
    finally:
        stop_server()


def _build(studies: list[str] | None, out: Path, fmt: str, jobs: int | None, force: bool,
           timeout: float, memory: int) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .brand.load import load_brand
    from .files.write import check_target
    from .series.build import build_series, check_formats
    from .series.workers import Outcome
    from .source.load import find_repo, load_series, resolve_studies

    repo = find_repo()
    if not (repo / "series.yaml").is_file() and studies and Path(studies[0]).is_dir():
        repo = find_repo(Path(studies[0]))  # run from elsewhere: the study's own series
    _known_format(fmt, ("pdf", "html", "docx", "all"))
    formats = check_formats(fmt)
    series = load_series(repo)
    brand = load_brand(repo)
    _print_problems(list(brand.problems))
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
                _print_problems(outcome.problems)
                progress.console.print(f"[red]{_path(name)}: not built[/red] (fix the errors "
                                       "above)")
            elif outcome.status == "failed":
                progress.console.print(printable(outcome.message), markup=False, style="red")
            else:
                verb = "[green]built[/green]" if outcome.status == "built" else "up to date"
                warned = len(outcome.problems)  # a built study can only have warnings
                note = (f"; {warned} warning{'s' * (warned != 1)}: casestudy check "
                        f"{_path(name)}" if warned else "")
                for output in outcome.outputs:
                    progress.console.print(f"{verb} {_path(output)} "
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
def preview(
    study: Annotated[str | None, typer.Argument(
        metavar="[STUDY]", help="A study folder or slug; default: the only study, or the "
                                "one the working folder is in.")] = None,
    port: Annotated[int, typer.Option(min=0, max=65535,
                                      help="Port; default: a free one.")] = 0,
    host: Annotated[str, typer.Option(
        help="Address to listen on. Anything but loopback lets others on the network "
             "read the study.")] = "127.0.0.1",
    allow_host: Annotated[list[str] | None, typer.Option(
        metavar="NAME", help="A name this machine has on the network, which a browser "
                             "may use to reach a preview bound to --host (repeatable); "
                             "any other name is refused.")] = None,
    pdf: Annotated[bool, typer.Option(help="Also rebuild the PDF in the background.")] = True,
) -> None:
    """Serve a live preview of a study: save a file and the page shows it.

    Watches the study, series.yaml and the brand; checks and renders on every save;
    errors appear over the page and here. The PDF is rebuilt in the background.
    Ctrl-C stops it.
    """
    import signal

    from .preview.serve import is_loopback
    from .preview.session import Preview, pick_study
    from .preview.state import Event
    from .source.load import find_repo

    repo = find_repo()
    root = pick_study(study, repo)
    for name in allow_host or ():
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[?[0-9A-Fa-f:.]+\]?",
                            name):
            raise typer.BadParameter(f"{name!r} is not a host name (no port, no scheme)",
                                     param_hint="--allow-host")
    if not is_loopback(host):
        err.print(f"[yellow]warning:[/yellow] listening on {host}: anyone who can reach "
                  "this machine can read the study while the preview runs; a browser "
                  "must use its address or a name given with --allow-host", markup=True)

    def show(event: Event) -> None:
        if event.kind == "page":
            for line in event.lines:
                typer.echo(line)
            err.print(f"[green]{event.message}[/green] in {event.seconds:.2f} s")
        elif event.kind == "problems":
            for line in event.lines:
                typer.echo(line)
            err.print(f"[red]{event.message}[/red]")
        elif event.kind == "pdf":
            err.print(f"{event.message} ({event.seconds:.1f} s)", markup=False)
        else:
            err.print(event.message, markup=False, style="red")

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    session = Preview(root, repo, host=host, port=port, pdf=pdf, on_event=show,
                      allow_hosts=tuple(allow_host or ()))
    try:
        try:
            session.start()
        except OSError as exc:
            raise CasestudyError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        err.print(f"previewing {root.name} at {session.url} (Ctrl-C to stop)", markup=False)
        session.wait()
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
    err.print("preview stopped")


def _answer(parse):  # type: ignore[no-untyped-def]
    """A prompt's value_proc: a bad answer is said and asked again, not fatal."""
    def proc(value: str):  # type: ignore[no-untyped-def]
        try:
            return parse(value)
        except CasestudyError as exc:  # typer's prompt re-asks on its own UsageError family
            raise typer.BadParameter(exc.message) from None
    return proc


@command
def new(
    name: Annotated[str, typer.Argument(
        metavar="NAME", help="The country, by its common English name.")],
    code: Annotated[str | None, typer.Option(
        metavar="XX", help="ISO 3166-1 alpha-2 code; default: the name's.")] = None,
    adjective: Annotated[str | None, typer.Option(
        metavar="ADJ", help="Adjective used in headings, e.g. Japanese.")] = None,
    author: Annotated[list[str] | None, typer.Option(
        "--author", metavar="NAME", help="An author's name; repeat for each author.")] = None,
    title: Annotated[str | None, typer.Option(
        help="Default: The US-<adjective> defense-industrial partnership.")] = None,
    subtitle: Annotated[str | None, typer.Option(help="Default: from the adjective.")] = None,
    date: Annotated[str | None, typer.Option(
        metavar="YYYY-MM-DD", help="Publication date; default: today.")] = None,
    series_number: Annotated[int | None, typer.Option(
        metavar="N", help="Number in the series; default: the next free one.")] = None,
    no_input: Annotated[bool, typer.Option(
        "--no-input", help="Never prompt; fail if an answer is missing.")] = False,
) -> None:
    """Start a study in countries/<slug>/ from the template; prompts for what is missing."""
    from .scaffold.answers import next_question
    from .scaffold.new import new_study
    from .source.load import find_repo

    repo = find_repo()
    given = {"code": code, "adjective": adjective, "authors": author or None, "title": title,
             "subtitle": subtitle, "date": date, "series_number": series_number}
    while not no_input and (question := next_question(repo, name, given)):
        given[question.key] = typer.prompt(question.text, default=question.default,
                                           value_proc=_answer(question.parse))
    path = new_study(repo, name, **given)
    err.print(f"[green]created[/green] {_path(path)}; next: casestudy check "
              f"{_path(path.name)}")


@command
def init(
    folder: Annotated[Path, typer.Argument(
        metavar="DIR", help="A new or empty folder for the series repository.")],
    name: Annotated[str | None, typer.Option(help="Series name.")] = None,
    publisher: Annotated[str | None, typer.Option(help="Publisher (the institute).")] = None,
    programme: Annotated[str | None, typer.Option(help="Programme that runs it.")] = None,
    page_size: Annotated[str | None, typer.Option(
        "--page-size", metavar="letter|a4", help="Page size of the briefs.")] = None,
    no_input: Annotated[bool, typer.Option(
        "--no-input", help="Never prompt; fail if an answer is missing.")] = False,
) -> None:
    """Start a new series repository: series.yaml, _brand.yml, brand/, countries/, CI."""
    from .scaffold.series import (
        init_series,
        page_size_answer,
        refuse_occupied,
        series_defaults,
        series_prompts,
    )

    refuse_occupied(folder.absolute())  # before any question
    given = {"name": name, "publisher": publisher, "programme": programme,
             "page_size": page_size}
    defaults, prompts = series_defaults(), series_prompts()
    for key, value in given.items():
        if value is None and key == "page_size" and no_input:
            given[key] = defaults[key]
        elif value is None and not no_input:
            parse = page_size_answer if key == "page_size" else str
            given[key] = typer.prompt(prompts.get(key, key), default=defaults[key],
                                      value_proc=_answer(parse))
    path = init_series(folder, **given)
    err.print(f"[green]created[/green] the series in {_path(display_path(path))}; next: cd "
              f"{_path(display_path(path))} && casestudy new COUNTRY")


@command
def import_(
    draft: Annotated[Path, typer.Argument(metavar="DRAFT.docx", help="The Word draft.")],
    into: Annotated[str | None, typer.Option(
        metavar="STUDY", help="Fill the empty sections of this study instead of making "
                              "a new one.")] = None,
    country: Annotated[str | None, typer.Option(
        metavar="NAME", help="A new study's country, by its common English name.")] = None,
    code: Annotated[str | None, typer.Option(metavar="XX", help="As for new.")] = None,
    adjective: Annotated[str | None, typer.Option(metavar="ADJ", help="As for new.")] = None,
    author: Annotated[list[str] | None, typer.Option(
        "--author", metavar="NAME", help="Default: the draft's authors.")] = None,
    title: Annotated[str | None, typer.Option(help="Default: the draft's title.")] = None,
    subtitle: Annotated[str | None, typer.Option(
        help="Default: the draft's subtitle.")] = None,
    date: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", help="As for new.")] = None,
    series_number: Annotated[int | None, typer.Option(metavar="N", help="As for new.")] = None,
    accept_all: Annotated[bool, typer.Option(
        "--accept-all", help="Accept the draft's tracked changes; comments become TODO "
                             "lines.")] = False,
    reject_all: Annotated[bool, typer.Option(
        "--reject-all", help="Reject the draft's tracked changes; comments become TODO "
                             "lines.")] = False,
    no_input: Annotated[bool, typer.Option(
        "--no-input", help="Never prompt; fail if an answer is missing.")] = False,
    review: Annotated[str | None, typer.Option(
        metavar="STUDY", help="DRAFT.docx is a reviewed Word copy of this study (build "
                              "--format docx): show its changes as a diff of the "
                              "sources, and its comments.")] = None,
    apply: Annotated[bool, typer.Option(
        "--apply", help="With --review: write the changes into the section files.")] = False,
) -> None:
    """Import a Word draft into a new study, or into the empty sections of one (--into).

    Prints what came over and what could not; exit 1 if anything was lost. With
    --review, brings a reviewer's Word copy back as edits of the study's sources.
    """
    from .scaffold.answers import next_question
    from .source.load import find_repo, resolve_studies
    from .word.draft import read_draft
    from .word.importer import import_draft

    if accept_all and reject_all:
        raise typer.BadParameter("give --accept-all or --reject-all, not both")
    repo = find_repo()
    if review is not None:
        decision = "accept" if accept_all else "reject" if reject_all else None
        _review(draft, repo, resolve_studies([review], repo)[0], decision, apply)
        return
    read = read_draft(draft, "accept" if accept_all else "reject" if reject_all else None)
    if into is not None:
        report = import_draft(repo, read, into=resolve_studies([into], repo)[0])
    else:
        given: dict[str, Any] = {  # the draft's facts where the options give none
            "code": code, "adjective": adjective, "title": title or read.title or None,
            "subtitle": subtitle if subtitle is not None else (read.subtitle or None),
            "authors": author or read.authors or None, "date": date,
            "series_number": series_number}
        if not country and not no_input:
            country = typer.prompt("The study's country (its common English name)")
        while not no_input and (question := next_question(repo, country or "", given)):
            given[question.key] = typer.prompt(question.text, default=question.default,
                                               value_proc=_answer(question.parse))
        report = import_draft(repo, read, name=country, **given)
    where = display_path(report.study)
    _echo(f"{where}: imported {display_path(draft)}")
    _echo(f"  sections: {len(report.sections)} of the draft's matched the schema: "
          + "; ".join(f"{heading} ({words:,} words)" for heading, words in report.sections))
    _echo(f"  words {report.words:,}, notes {report.notes}, figures {report.figures}, "
          f"tables {report.tables}, citations {report.citations} "
          f"({report.references_added} new in references.json)")
    if report.missing:
        _echo("  not in the draft (left as the template's): " + "; ".join(report.missing))
    for line in report.said:
        _echo(f"  note: {line}")
    for line in report.lost:
        _echo(f"  not carried over: {line}")
    _say(f"next: casestudy check {display_path(report.study.name)}")
    if report.lost:
        raise typer.Exit(1)


def _review(draft: Path, repo: Path, study: Path, decision: str | None, apply: bool) -> None:
    from .brand.load import load_brand
    from .word.review import apply_review, check_decision, review_copy

    found = review_copy(draft, study, decision, load_brand(repo))
    base = Path.cwd()
    for change in found.changes:
        block = change.block
        who = "; ".join(sorted({f"{m.kind} by {m.author or 'an unknown reviewer'}"
                                + (f", {m.date}" if m.date else "") for m in change.marks}))
        where = f"{display_path(block.path)}:{block.first}"
        how = (f"; not placed in the Markdown: {change.why}" if not change.placed else
               f"; the block written again as a whole: {change.why}" if change.whole else "")
        _echo(f"{where}: changed" + (f" ({who})" if who else " (not tracked)") + how)
    diff = found.diff(base)
    if diff:  # the reviewers' text: shown safe, as every message is
        typer.echo(printable(diff), nl=False)
    for c in found.comments:
        _echo(f"{display_path(c.path)}:{c.line}:{c.col}: comment ({c.author or 'unknown'}"
              f"{', ' + c.date if c.date else ''}): {c.text}")
    for path, line, marks in found.stale:
        if marks:
            _echo(f"{display_path(path)}:{line}: error: this block changed in the sources "
                  f"since the copy was made; its {marks} tracked change"
                  f"{'s' * (marks != 1)} in Word are not applied: carry them over by hand")
    if found.stale:
        _echo(f"  note: {len(found.stale)} block{'s' * (len(found.stale) != 1)} of the copy "
              "changed in the sources since it was made, and are left as the sources have "
              "them; make a new copy (build --format docx) for the next round")
    for name in found.missing:
        if not found.stale:
            _echo(f"{display_path(draft)}: note: block {name} of the sources is not in the "
                  "copy (deleted in Word, or its bookmark lost); it is left as it is")
    unplaced = [c for c in found.changes if not c.placed]
    if not found.changes:
        _echo(f"{display_path(draft)}: no changes to the sources")
    if apply:
        check_decision(found, decision, draft)
        for path in apply_review(found):
            _echo(f"wrote {display_path(path)}")
    if unplaced or any(marks for _path, _line, marks in found.stale):
        raise typer.Exit(1)


@command
def upgrade(
    studies: Annotated[list[str] | None, typer.Argument(
        metavar="[STUDY]...", help="Study folders or slugs; default: every study in "
                                   "countries/.")] = None,
    optional: Annotated[bool, typer.Option(
        "--optional", help="Also add the optional sections the study lacks.")] = False,
) -> None:
    """Add the section stubs and study.yaml keys the template gained; no text is changed.

    Also moves series.yaml's old colors and fallback_fonts into _brand.yml.
    """
    from .scaffold.colors import move_colors
    from .scaffold.fonts import move_fallback_fonts
    from .scaffold.upgrade import upgrade_study
    from .source.load import find_repo, resolve_studies
    from .source.schema import TEMPLATE_VERSION

    repo = find_repo()
    moved = move_colors(repo)
    if moved.moved:
        _echo(f"{display_path(repo / '_brand.yml')}: "
              f"{'created with' if moved.created else 'added'} the colours "
              f"{', '.join(moved.moved)} from series.yaml")
    if moved.removed:
        _echo(f"{display_path(repo / 'series.yaml')}: colors removed (the brand's "
              "colours are in _brand.yml)")
    fonts = move_fallback_fonts(repo)
    if fonts.moved:
        _echo(f"{display_path(repo / '_brand.yml')}: "
              f"{'created with' if fonts.created else 'added'} the fallback fonts "
              f"{', '.join(fonts.moved)} from series.yaml (each for its unicode-range)")
        _echo(f"{display_path(repo / 'series.yaml')}: fallback_fonts removed")
    for root in resolve_studies(studies or [], repo):
        done = upgrade_study(root, optional=optional)
        for name in done.sections:
            _echo(f"{display_path(root / name)}: added a stub")
        for name in done.figures:
            _echo(f"{display_path(root / name)}: added the example figure a stub shows")
        if done.keys:
            _echo(f"{display_path(root / 'study.yaml')}: added {', '.join(done.keys)}")
        if done.template_version and "template_version" not in done.keys:
            _echo(f"{display_path(root / 'study.yaml')}: template_version "
                  f"{done.template_version[0]} -> {done.template_version[1]}")
        for name in done.skipped:
            _echo(f"{display_path(root / name)}: optional section not added (--optional)")
        if not done.changed:
            _say(f"{root.name}: nothing to add (template version {TEMPLATE_VERSION})")


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
    from .files.cachedir import default_cache_dir
    from .files.write import atomic_write, check_target
    from .series.formats import FORMATS, print_table, render
    from .series.report import series_report
    from .source.load import find_repo

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
        _say(f"wrote {display_path(out.resolve())}")
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
    from .series.verify import describe, verify_pdf
    from .source.load import find_repo, resolve_studies

    repo = find_repo()
    root = resolve_studies([study], repo)[0] if study else None
    result, root = verify_pdf(pdf, root, repo)
    for line in describe(result, pdf, root):
        _echo(line)
    raise typer.Exit(result.exit_code)


def _known_format(fmt: str, known: tuple[str, ...]) -> None:
    if fmt not in known:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(known)}",
                                 param_hint="'--format'")


def main() -> None:
    """Console entry point: the project's errors become one located line and exit code 2."""
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("%(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    try:
        app()  # click handles usage errors (exit 2) and typer.Exit itself
    except CasestudyError as exc:
        _say(str(exc))
        sys.exit(2)
