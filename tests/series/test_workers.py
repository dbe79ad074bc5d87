"""Series builds on the worker pool: real PDFs, limits that really stop a render, the CLI.

Each test here renders with WeasyPrint in worker processes; they share one series
folder per module where they can, since a render costs seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from casestudy.brand.load import load_brand
from casestudy.series.build import build_series
from casestudy.source.load import load_series
from conftest import FIXTURES, REPO, invoke, make_study
from pdfinfo import read_pdf

SERIES = load_series(REPO)


@pytest.fixture(scope="module")
def series_repo_built(tmp_path_factory) -> tuple[Path, list]:
    """norway and japan (the minimal study twice), and a broken study, built with 2 jobs."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / "series.yaml").write_bytes((REPO / "series.yaml").read_bytes())
    for slug in ("norway", "japan"):
        make_study(repo / "countries" / slug)
    make_study(repo / "countries" / "broken", FIXTURES / "check" / "duplicate-key")
    roots = sorted((repo / "countries").iterdir())
    seen: list = []
    outcomes = build_series(roots, repo / "build", ("pdf",), SERIES, jobs=2,
                            on_outcome=seen.append, brand=load_brand(repo))
    return repo, outcomes, seen


def test_outcomes_come_back_in_the_order_of_the_studies(series_repo_built):
    repo, outcomes, seen = series_repo_built
    assert [o.root.name for o in outcomes] == ["broken", "japan", "norway"]
    assert [o.status for o in outcomes] == ["problems", "built", "built"]
    assert sorted(o.root.name for o in seen) == ["broken", "japan", "norway"]


def test_workers_write_real_pdfs(series_repo_built):
    repo, outcomes, _ = series_repo_built
    for slug in ("japan", "norway"):
        facts = read_pdf(repo / "build" / f"{slug}.pdf")
        assert "Minimal study" in facts.pages[0]
        assert len(facts.pages) >= 8
    assert not (repo / "build" / "broken.pdf").exists()
    peaks = [o.peak_rss_mb for o in outcomes if o.status == "built"]
    assert all(50 < peak < 2000 for peak in peaks), peaks


def test_problems_cross_the_process_boundary_located(series_repo_built):
    repo, outcomes, _ = series_repo_built
    problems = outcomes[0].problems
    assert any(str(p).endswith("study.yaml:10:1: error: duplicate key 'sponsor' (first defined "
                               "on line 9)") or "duplicate key" in p.message for p in problems)
    assert all(p.path.startswith(str(repo)) for p in problems)


def test_a_study_over_its_time_limit_is_stopped_and_the_old_pdf_kept(tmp_path):
    study = make_study(tmp_path / "norway")
    out = tmp_path / "out"
    out.mkdir()
    (out / "norway.pdf").write_bytes(b"%PDF-previous")
    outcome, = build_series([study], out, ("pdf",), SERIES, jobs=1, timeout=0.3,
                             brand=load_brand(study.parent.parent))
    assert outcome.status == "failed"
    assert outcome.message == f"{study}: error: took longer than 0.3 s and was stopped"
    assert (out / "norway.pdf").read_bytes() == b"%PDF-previous"
    assert sorted(p.name for p in out.iterdir()) == ["norway.pdf"]


def test_a_worker_over_its_memory_limit_fails_the_study_cleanly(tmp_path):
    study = make_study(tmp_path / "norway")
    out = tmp_path / "out"
    outcome, = build_series([study], out, ("pdf",), SERIES, jobs=1, memory_mb=150,
                             brand=load_brand(study.parent.parent))
    assert outcome.status == "failed"
    assert "memory" in outcome.message
    assert outcome.message.startswith(f"{study}: error: ")
    assert not (out / "norway.pdf").exists()


def run_cli(cwd: Path, *args: str):
    return invoke(cwd, *args)


def test_cli_builds_then_skips_and_reports_a_summary(series_repo_built):
    repo, _, _ = series_repo_built
    again = run_cli(repo, "build", "japan", "norway", "--jobs", "2")
    assert again.exit_code == 0, again.output
    assert "up to date build/japan.pdf" in again.stderr
    assert "0 built, 2 up to date, 0 failed in" in again.stderr
    every = run_cli(repo, "build")
    assert every.exit_code == 1
    assert "broken: not built (fix the errors above)" in every.stderr
    assert "0 built, 2 up to date, 1 failed in" in every.stderr
    assert every.stdout.startswith("countries/broken/study.yaml:10:1: error: duplicate key")


def test_cli_refuses_an_unknown_format_or_study_before_building(series_repo):
    make_study(series_repo / "countries" / "norway")
    fmt = run_cli(series_repo, "build", "--format", "odt")
    assert fmt.exit_code == 2 and "'odt' is not one of pdf, html, docx, all" in fmt.output
    study = run_cli(series_repo, "build", "atlantis")
    assert (study.exit_code, study.stdout) == (2, "")
    assert study.stderr == ("atlantis:1:1: error: 'atlantis' is neither a study folder nor a "
                            "study in countries/ (no study.yaml)\n")
    assert not (series_repo / "build").exists()


def test_check_and_series_never_import_weasyprint(tmp_path):
    code = ("import sys\n"
            "from casestudy.cli import app\n"
            "from typer.testing import CliRunner\n"
            f"CliRunner().invoke(app, ['check', {str(REPO / 'countries' / 'italy')!r}])\n"
            "print('weasyprint' in sys.modules, 'casestudy.render.pdf' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_cli_says_how_many_warnings_a_built_study_has(series_repo):
    make_study(series_repo / "countries" / "norway", FIXTURES / "check" / "placeholders")
    result = run_cli(series_repo, "build", "norway")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stderr.splitlines() if x.startswith("built "))
    assert line.startswith("built build/norway.pdf (")
    assert line.endswith(" s; 2 warnings: casestudy check norway)")


def test_a_stopped_worker_is_replaced_for_the_studies_still_queued(tmp_path):
    roots = [make_study(tmp_path / slug) for slug in ("japan", "norway")]
    outcomes = build_series(roots, tmp_path / "out", ("pdf",), SERIES, jobs=1, timeout=0.3,
                            brand=load_brand(roots[0].parent.parent))
    assert [(o.root.name, o.status) for o in outcomes] == [("japan", "failed"),
                                                           ("norway", "failed")]
    assert all(o.message.endswith("took longer than 0.3 s and was stopped") for o in outcomes)


def _server_pid() -> int | None:
    from multiprocessing import forkserver

    return forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]


def test_the_cli_starts_the_worker_server_before_its_own_work(series_repo, monkeypatch):
    """The server's imports (WeasyPrint's) overlap the command's: it is running by the
    time the series is loaded, and gone when the command is done."""
    from multiprocessing import forkserver

    import casestudy.source.load

    forkserver._forkserver._stop()  # type: ignore[attr-defined]  # one an earlier test left
    assert _server_pid() is None
    make_study(series_repo / "countries" / "norway")
    seen: list[int | None] = []
    load_series = casestudy.source.load.load_series

    def spy(repo):  # type: ignore[no-untyped-def]
        seen.append(_server_pid())
        return load_series(repo)

    monkeypatch.setattr(casestudy.source.load, "load_series", spy)
    result = run_cli(series_repo, "build", "norway")
    assert result.exit_code == 0, result.output
    assert "1 built, 0 up to date, 0 failed" in result.stderr
    assert seen and seen[0] is not None  # started before the series was read
    assert _server_pid() is None  # stopped afterwards
    with pytest.raises(ProcessLookupError):
        os.kill(seen[0], 0)

    again = run_cli(series_repo, "build", "norway")  # nothing to do: stopped unused
    assert "0 built, 1 up to date" in again.stderr
    assert _server_pid() is None and seen[1] != seen[0]
    with pytest.raises(ProcessLookupError):
        os.kill(seen[1], 0)


def test_a_worker_uses_the_digest_the_parent_computed(tmp_path, monkeypatch):
    """build_series hashes each study once, to see whether it is up to date; the worker
    builds with that digest (taken before anything was read) instead of hashing again."""
    import casestudy.series.build
    from casestudy.render.cache import inputs_digest

    study = make_study(tmp_path / "norway")
    digest = inputs_digest(study, SERIES, load_brand(REPO))

    def refuse(*args):  # type: ignore[no-untyped-def]
        raise AssertionError("hashed again")

    monkeypatch.setattr(casestudy.series.build, "inputs_digest", refuse)
    result = casestudy.series.build.build_study(study, tmp_path / "out", ("html",), SERIES,
                                         digest=digest)
    # the web edition links its PDF, so --format html builds that too
    assert result.outputs == [tmp_path / "out" / "norway.pdf",
                              tmp_path / "out" / "norway" / "index.html"]
    assert casestudy.series.build.up_to_date(tmp_path / "out", "norway", digest, ("html",))



def test_the_script_starts_the_server_before_the_command_line_is_imported(monkeypatch):
    """`casestudy build` (the script, and python -m casestudy) starts the server before
    importing the command line; other commands never start one."""
    from multiprocessing import forkserver

    import casestudy.__main__
    import casestudy.cli

    forkserver._forkserver._stop()  # type: ignore[attr-defined]
    seen: list[int | None] = []
    monkeypatch.setattr(casestudy.cli, "main", lambda: seen.append(_server_pid()))
    for argv in (["casestudy", "check"], ["casestudy", "build", "--help"],
                 ["casestudy", "build", "norway"]):
        monkeypatch.setattr(sys, "argv", argv)
        casestudy.__main__.main()
    try:
        assert seen[:2] == [None, None]
        assert seen[2] is not None
        os.kill(seen[2], 0)  # running
    finally:
        if seen and seen[-1] is not None:
            os.kill(seen[-1], signal.SIGTERM)  # no need to let it finish importing
        forkserver._forkserver._stop()  # type: ignore[attr-defined]


def test_workers_start_under_a_temporary_folder_too_long_for_a_socket(series_repo, tmp_path):
    """The forkserver's socket lives in the temporary folder, and a socket path holds 107
    bytes: under a deep TMPDIR the command still builds, and leaves that folder empty."""
    make_study(series_repo / "countries" / "norway")
    temp = tmp_path / ("t" * 100)
    temp.mkdir()
    result = subprocess.run([sys.executable, "-m", "casestudy", "build", "norway", "--jobs", "1"],
                            cwd=series_repo, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TMPDIR": str(temp)})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert read_pdf(series_repo / "build" / "norway.pdf").pages[0].startswith("Meridian")
    assert list(temp.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_the_worker_server_and_its_workers_ignore_ctrl_c_from_their_start():
    """Ctrl-C reaches the whole process group: a worker forked in that instant died with
    a traceback of its own, before its first line could ignore it."""
    from multiprocessing import forkserver

    from casestudy.series.build import build_task
    from casestudy.series.workers import start_server, start_worker

    def ignores_sigint(pid: int) -> bool:
        status = Path(f"/proc/{pid}/status").read_text()
        mask = int(next(line for line in status.splitlines()
                        if line.startswith("SigIgn:")).split()[1], 16)
        return bool(mask & (1 << (signal.SIGINT - 1)))

    stop = start_server()
    worker = start_worker(0, build_task)
    try:
        server = forkserver._forkserver._forkserver_pid
        assert ignores_sigint(server) and ignores_sigint(worker.process.pid)
    finally:
        worker.stop()
        stop()
