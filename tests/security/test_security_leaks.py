"""Leaks and races: temporary folders, concurrent web builds, what killed builds left,
and a study.yaml that is not a file.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from pathlib import Path

import pytest

from casestudy.series.build import STALE_SECONDS, build_study
from casestudy.source.load import load_series, load_study
from conftest import invoke, make_study, norway_repo
from hostile import HELPER, outside_folder, run_child, tree_hash


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return norway_repo(tmp_path)


# ---------------------------------------------------------------- temporary folders

def test_a_cli_build_leaves_nothing_in_the_temporary_folder(repo, tmp_path):
    """WeasyPrint copies @font-face fonts to a weasyprint-* folder that only its garbage
    collection removes; worker processes exit without it. A private TMPDIR shows all."""
    temp = tmp_path / "temp"
    temp.mkdir()
    result = run_child([str(HELPER), "cli", "build", "--format", "all", "--jobs", "2"], repo,
                       timeout=300, env={"TMPDIR": str(temp)})
    assert result.returncode == 0, result.stderr
    assert (repo / "build" / "norway.pdf").is_file()
    assert sorted(os.listdir(temp)) == []


def test_a_killed_worker_leaves_nothing_in_the_temporary_folder(repo, tmp_path):
    """A worker stopped at its deadline cannot clean up: the pool removes its folder."""
    temp = tmp_path / "temp"
    temp.mkdir()
    code = ("import sys; from pathlib import Path; "
            "from casestudy.series.build import build_series; "
            "from casestudy.source.load import load_series; "
            "from casestudy.brand.load import load_brand; "
            "repo = Path(sys.argv[1]); "
            "[o] = build_series([repo / 'countries' / 'norway'], repo / 'build', ('pdf',), "
            "load_series(repo), jobs=1, timeout=0.5, force=True, brand=load_brand(repo)); "
            "print(o.status, o.message)")
    result = run_child(["-c", code, str(repo)], repo, timeout=300, env={"TMPDIR": str(temp)})
    assert result.stdout.startswith("failed "), result.stdout + result.stderr
    assert "took longer than 0.5 s" in result.stdout
    assert sorted(os.listdir(temp)) == []


# ---------------------------------------------------------------- concurrent web builds

def _web_build(study_root: Path, out: Path, barrier, errors) -> None:
    from casestudy.brand.load import load_brand
    from casestudy.web.edition import build_edition

    study = load_study(study_root)
    series = load_series(study_root.parent.parent)
    barrier.wait()
    try:
        build_edition(study, series, out, load_brand(study_root.parent.parent))
    except BaseException as exc:  # noqa: BLE001  # reported to the parent
        errors.put(f"{type(exc).__name__}: {exc}")
        sys.exit(1)


def test_fifty_concurrent_web_builds_all_succeed_and_leave_one_whole_edition(repo):
    """Each web build renders, copies and swaps its edition in; the swap used to fail
    with "Directory not empty" when another build put its edition in between."""
    import casestudy.render.html  # noqa: F401  # loaded once, before forking

    out = repo / "build"
    out.mkdir()
    context = multiprocessing.get_context("fork")
    barrier, errors = context.Barrier(50), context.Queue()
    workers = [context.Process(target=_web_build,
                               args=(repo / "countries" / "norway", out, barrier, errors))
               for _ in range(50)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == [] and [w.exitcode for w in workers] == [0] * 50
    edition = out / "norway"
    assert sorted(p.name for p in edition.iterdir()) == ["figures", "index.html"]  # assets: shared
    assert "</html>" in (edition / "index.html").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["norway"]  # no .norway.web.* left


# ---------------------------------------------------------------- what killed builds left

def _aged(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_staging_folders_of_killed_builds_are_removed_safely(repo, tmp_path):
    out = repo / "build"
    out.mkdir()
    outside = outside_folder(tmp_path)
    stale = out / ".norway.web.4242.k1ll3d00"
    (stale / "figures").mkdir(parents=True)
    (stale / "figures" / "chart.svg").write_text("<svg/>")
    _aged(stale, STALE_SECONDS + 60)
    live = out / ".norway.web.4343.4l1v3000"  # a build running now: kept
    live.mkdir()
    link = out / ".norway.web.4444.l1nk0000"  # a link named like one: never followed
    link.symlink_to(outside / "norway")
    _aged(link, STALE_SECONDS + 60)
    notes = out / ".norway.web-notes"  # not a name a build gives: kept
    notes.mkdir()
    _aged(notes, STALE_SECONDS + 60)
    other = out / ".sweden.web.4242.k1ll3d00"  # another study's: its own build decides
    other.mkdir()
    _aged(other, STALE_SECONDS + 60)
    before = tree_hash(outside)
    build_study(repo / "countries" / "norway", out, ("html",), load_series(repo))
    assert not stale.exists()
    assert live.is_dir() and notes.is_dir() and other.is_dir() and link.is_symlink()
    assert tree_hash(outside) == before


# ---------------------------------------------------------------- study.yaml not a file

def _cli(cwd: Path, in_child: bool, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``casestudy ARGS``: in a child process when an input
    could hang the command (a FIFO blocks whoever opens it), else in this one."""
    if in_child:
        done = run_child([str(HELPER), "cli", *args], cwd, timeout=300)
        return done.returncode, done.stdout, done.stderr
    result = invoke(cwd, *args)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_study_yaml_that_is_not_a_file_is_reported_not_skipped(repo, kind):
    other = make_study(repo / "countries" / "sweden")
    (other / "study.yaml").unlink()
    if kind == "fifo":
        os.mkfifo(other / "study.yaml")
    else:
        (other / "study.yaml").mkdir()
    child = kind == "fifo"
    message = ("countries/sweden/study.yaml:1:1: error: not a regular file (a folder, FIFO, "
               "socket or device); study.yaml must be a file")
    code, _, err = _cli(repo / "countries", child, "check", "norway")  # named: fine
    assert code == 0, err
    code, out, err = _cli(repo, child, "check")
    assert code == 1
    assert out.splitlines() == [message]
    assert err.endswith("2 studies checked: 1 error(s), 0 warning(s)\n")
    code, out, err = _cli(repo, child, "build")
    assert code == 1 and message in out.splitlines()
    assert "sweden: not built" in err
    code, out, _ = _cli(repo, child, "series")
    assert code == 1 and message in out


def test_a_named_study_whose_study_yaml_is_a_folder_is_reported(repo):
    (repo / "countries" / "norway" / "study.yaml").unlink()
    (repo / "countries" / "norway" / "study.yaml").mkdir()
    result = invoke(repo, "check", "norway")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "countries/norway/study.yaml:1:1: error: not a regular file (a folder, FIFO, socket "
        "or device); study.yaml must be a file"]
