"""The author's commands: preview, new, import, init, upgrade.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import CasestudyError, display_path, printable
from .common import command, echo, err, say, shown_path


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

    from ..preview.serve import is_loopback
    from ..preview.session import Preview, pick_study
    from ..preview.state import Event
    from ..source.load import find_repo

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
    from ..scaffold.answers import next_question
    from ..scaffold.new import new_study
    from ..source.load import find_repo

    repo = find_repo()
    given = {"code": code, "adjective": adjective, "authors": author or None, "title": title,
             "subtitle": subtitle, "date": date, "series_number": series_number}
    while not no_input and (question := next_question(repo, name, given)):
        given[question.key] = typer.prompt(question.text, default=question.default,
                                           value_proc=_answer(question.parse))
    path = new_study(repo, name, **given)
    err.print(f"[green]created[/green] {shown_path(path)}; next: casestudy check "
              f"{shown_path(path.name)}")


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
    from ..scaffold.answers import next_question
    from ..source.load import find_repo, resolve_studies
    from ..word.draft import read_draft
    from ..word.importer import import_draft

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
    echo(f"{where}: imported {display_path(draft)}")
    echo(f"  sections: {len(report.sections)} of the draft's matched the schema: "
          + "; ".join(f"{heading} ({words:,} words)" for heading, words in report.sections))
    echo(f"  words {report.words:,}, notes {report.notes}, figures {report.figures}, "
          f"tables {report.tables}, citations {report.citations} "
          f"({report.references_added} new in references.json)")
    if report.missing:
        echo("  not in the draft (left as the template's): " + "; ".join(report.missing))
    for line in report.said:
        echo(f"  note: {line}")
    for line in report.lost:
        echo(f"  not carried over: {line}")
    say(f"next: casestudy check {display_path(report.study.name)}")
    if report.lost:
        raise typer.Exit(1)


def _review(draft: Path, repo: Path, study: Path, decision: str | None, apply: bool) -> None:
    from ..brand.load import load_brand
    from ..word.review import apply_review, check_decision, review_copy

    found = review_copy(draft, study, decision, load_brand(repo))
    base = Path.cwd()
    for change in found.changes:
        block = change.block
        who = "; ".join(sorted({f"{m.kind} by {m.author or 'an unknown reviewer'}"
                                + (f", {m.date}" if m.date else "") for m in change.marks}))
        where = f"{display_path(block.path)}:{block.first}"
        how = (f"; not placed in the Markdown: {change.why}" if not change.placed else
               f"; the block written again as a whole: {change.why}" if change.whole else "")
        echo(f"{where}: changed" + (f" ({who})" if who else " (not tracked)") + how)
    diff = found.diff(base)
    if diff:  # the reviewers' text: shown safe, as every message is
        typer.echo(printable(diff), nl=False)
    for c in found.comments:
        echo(f"{display_path(c.path)}:{c.line}:{c.col}: comment ({c.author or 'unknown'}"
              f"{', ' + c.date if c.date else ''}): {c.text}")
    for path, line, marks in found.stale:
        if marks:
            echo(f"{display_path(path)}:{line}: error: this block changed in the sources "
                  f"since the copy was made; its {marks} tracked change"
                  f"{'s' * (marks != 1)} in Word are not applied: carry them over by hand")
    if found.stale:
        echo(f"  note: {len(found.stale)} block{'s' * (len(found.stale) != 1)} of the copy "
              "changed in the sources since it was made, and are left as the sources have "
              "them; make a new copy (build --format docx) for the next round")
    for name in found.missing:
        if not found.stale:
            echo(f"{display_path(draft)}: note: block {name} of the sources is not in the "
                  "copy (deleted in Word, or its bookmark lost); it is left as it is")
    unplaced = [c for c in found.changes if not c.placed]
    if not found.changes:
        echo(f"{display_path(draft)}: no changes to the sources")
    if apply:
        check_decision(found, decision, draft)
        for path in apply_review(found):
            echo(f"wrote {display_path(path)}")
    if unplaced or any(marks for _path, _line, marks in found.stale):
        raise typer.Exit(1)


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
    from ..scaffold.series import (
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
    err.print(f"[green]created[/green] the series in {shown_path(display_path(path))}; next: cd "
              f"{shown_path(display_path(path))} && casestudy new COUNTRY")


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
    from ..scaffold.colors import move_colors
    from ..scaffold.fonts import move_fallback_fonts
    from ..scaffold.upgrade import upgrade_study
    from ..source.load import find_repo, resolve_studies
    from ..source.schema import TEMPLATE_VERSION

    repo = find_repo()
    moved = move_colors(repo)
    if moved.moved:
        echo(f"{display_path(repo / '_brand.yml')}: "
              f"{'created with' if moved.created else 'added'} the colours "
              f"{', '.join(moved.moved)} from series.yaml")
    if moved.removed:
        echo(f"{display_path(repo / 'series.yaml')}: colors removed (the brand's "
              "colours are in _brand.yml)")
    fonts = move_fallback_fonts(repo)
    if fonts.moved:
        echo(f"{display_path(repo / '_brand.yml')}: "
              f"{'created with' if fonts.created else 'added'} the fallback fonts "
              f"{', '.join(fonts.moved)} from series.yaml (each for its unicode-range)")
        echo(f"{display_path(repo / 'series.yaml')}: fallback_fonts removed")
    for root in resolve_studies(studies or [], repo):
        done = upgrade_study(root, optional=optional)
        for name in done.sections:
            echo(f"{display_path(root / name)}: added a stub")
        for name in done.figures:
            echo(f"{display_path(root / name)}: added the example figure a stub shows")
        if done.keys:
            echo(f"{display_path(root / 'study.yaml')}: added {', '.join(done.keys)}")
        if done.template_version and "template_version" not in done.keys:
            echo(f"{display_path(root / 'study.yaml')}: template_version "
                  f"{done.template_version[0]} -> {done.template_version[1]}")
        for name in done.skipped:
            echo(f"{display_path(root / name)}: optional section not added (--optional)")
        if not done.changed:
            say(f"{root.name}: nothing to add (template version {TEMPLATE_VERSION})")
