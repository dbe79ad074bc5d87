"""Run one build in a child process, for the tests that must watch, break or kill it.

Usage (always with the project's interpreter, from the tests):

    python tests/hostile_build.py audit STUDY OUT EVENTS.json
        import everything first, then install an audit hook (sys.addaudithook, which
        cannot be removed again: hence a child process) and build STUDY into OUT; the
        events the hook saw are written to EVENTS.json. Both formats are built.
    python tests/hostile_build.py build STUDY OUT [--pause-at render|replace]
        build STUDY into OUT; with --pause-at, print a marker line and sleep at that
        point, so that the parent can kill the build there.
    python tests/hostile_build.py cli [--fail-replace] ARGS...
        run the command line with ARGS (cwd is the caller's); --fail-replace makes every
        os.replace fail as a full disk would.

The series is the repository's series.yaml.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# audit events that reach outside the process: none may happen during a build
OUTSIDE = ("socket.", "urllib.", "http.client.", "ftplib.", "smtplib.", "subprocess.",
           "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.startfile",
           "webbrowser.", "ctypes.dlopen")


def _import_everything() -> None:
    """Load code and package data before the hook, so the hook sees the build alone."""
    import weasyprint  # noqa: F401
    import weasyprint.svg  # noqa: F401

    import casestudy.check.study  # noqa: F401
    import casestudy.render.html  # noqa: F401
    import casestudy.render.pdf  # noqa: F401
    import casestudy.series.build  # noqa: F401

    casestudy.brand.load.brand_fonts(casestudy.brand.load.default_brand())


def _pause(marker: str) -> None:
    print(marker, flush=True)
    time.sleep(3600)


def audit(study: Path, out: Path, events_file: Path) -> None:
    from casestudy.series.build import build_study
    from casestudy.source.load import load_series

    series = load_series(REPO)
    _import_everything()
    events: list[list[str]] = []

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int):  # an already open descriptor: not a new file
                return
            events.append(["open", os.fsdecode(path), str(mode), str(flags)])
        elif event in ("os.listdir", "os.scandir") and args and args[0] is not None:
            events.append([event, os.fsdecode(args[0]) if not isinstance(args[0], int)
                           else str(args[0]), "", ""])
        elif event.startswith(OUTSIDE):
            events.append([event, repr(args)[:200], "", ""])

    sys.addaudithook(hook)
    try:
        build_study(study, out, ("pdf", "html"), series)
    finally:
        events_file.write_text(json.dumps(events))


def build(study: Path, out: Path, pause_at: str | None) -> None:
    from casestudy.series.build import build_study
    from casestudy.source.load import load_series

    if pause_at == "render":
        from weasyprint.layout import page

        original_make_page = page.make_page
        made = []

        def make_page(*args, **kwargs):
            made.append(1)
            if len(made) == 2:  # the first page is laid out, the second not yet
                _pause("RENDERING")
            return original_make_page(*args, **kwargs)

        page.make_page = make_page
    elif pause_at == "replace":
        os.replace = lambda *args, **kwargs: _pause("REPLACING")
    build_study(study, out, ("pdf",), load_series(REPO))
    print("DONE", flush=True)


def cli(args: list[str]) -> None:
    if args and args[0] == "--fail-replace":
        args = args[1:]

        def full_disk(*_args, **_kwargs):
            raise OSError(28, "No space left on device")

        os.replace = full_disk
    from casestudy.cli import main

    sys.argv = ["casestudy", *args]
    main()


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "audit":
        audit(Path(rest[0]), Path(rest[1]), Path(rest[2]))
    elif mode == "build":
        pause = rest[rest.index("--pause-at") + 1] if "--pause-at" in rest else None
        build(Path(rest[0]), Path(rest[1]), pause)
    elif mode == "cli":
        cli(rest)
    else:
        sys.exit(f"unknown mode {mode!r}")
