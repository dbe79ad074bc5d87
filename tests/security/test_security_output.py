"""Output integrity: a killed, failing or doubled build never leaves a partial PDF, and
a pathological study stops within a time and memory limit with a clear message.

Each dangerous build runs in a child process (tests/hostile_build.py) in a session of
its own, so that the test can SIGKILL exactly that process group at a chosen point.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from casestudy.brand.load import load_brand
from casestudy.errors import CasestudyError
from casestudy.series.build import build_study
from casestudy.source.load import load_series
from conftest import REPO
from hostile import HELPER, hostile_study, run_child

SERIES = load_series(REPO)
GIB = 1 << 30


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[bytes, int]:
    """The minimal study's PDF and its page count, built once for the module."""
    base = tmp_path_factory.mktemp("reference")
    build_study(hostile_study(base / "study", None), base / "out", ("pdf",), SERIES)
    data = (base / "out" / "study.pdf").read_bytes()
    return data, len(PdfReader(base / "out" / "study.pdf").pages)


@pytest.fixture
def previous(tmp_path, reference) -> tuple[Path, Path, bytes]:
    """A study and an output folder already holding a PDF that differs from a rebuild."""
    study = hostile_study(tmp_path / "study", None)
    out = tmp_path / "out"
    out.mkdir()
    old = reference[0] + b"\n% the previous edition\n"
    (out / "study.pdf").write_bytes(old)
    return study, out, old


def _start(study: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO / "tests"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, str(HELPER), "build", str(study), str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)


def _kill_at(child: subprocess.Popen, marker: str) -> str:
    """Wait for ``marker`` on the child's stdout (the child then waits to be killed),
    SIGKILL its group; return what else it printed (``DONE`` if the build ended)."""
    deadline = time.monotonic() + 120
    try:
        assert child.stdout is not None
        line = ""
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line or marker in line:
                break
        assert marker in line, f"the build never reached {marker}: {child.stderr.read()}"
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)
    return child.stdout.read()


def _assert_whole(pdf: Path, pages: int) -> None:
    """A complete PDF: it parses strictly, has every page, and ends with its trailer.

    (Not compared byte for byte with the reference: the PDF identifier hashes this
    package's code, which may change between two builds in a working tree.)
    """
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(PdfReader(pdf, strict=True).pages) == pages


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name != "study.pdf")


def test_sigkill_while_rendering_keeps_the_previous_pdf(previous):
    study, out, old = previous
    """Killed in the layout: the first page is made, the second is being made."""
    child = _start(study, out, "--pause-at", "render")
    assert "DONE" not in _kill_at(child, "RENDERING")
    assert child.returncode == -signal.SIGKILL
    assert (out / "study.pdf").read_bytes() == old
    assert _leftovers(out) == []


def test_sigkill_between_write_and_rename_keeps_the_previous_pdf(previous, reference):
    """Killed after the temporary file is complete but before the rename."""
    study, out, old = previous
    child = _start(study, out, "--pause-at", "replace")
    assert "DONE" not in _kill_at(child, "REPLACING")
    assert child.returncode == -signal.SIGKILL
    assert (out / "study.pdf").read_bytes() == old
    leftovers = _leftovers(out)
    assert len(leftovers) == 1 and leftovers[0].startswith(".study.pdf.")
    assert leftovers[0].endswith(".tmp")
    # a leftover is removed by a later build once no live build can own it
    stale = time.time() - 7200
    os.utime(out / leftovers[0], (stale, stale))
    build_study(study, out, ("pdf",), SERIES)
    assert [n for n in _leftovers(out) if n.endswith(".tmp")] == []
    _assert_whole(out / "study.pdf", reference[1])


@pytest.mark.parametrize("broken", ["replace", "fsync", "write"])
def test_a_write_error_keeps_the_previous_pdf(previous, monkeypatch, broken):
    study, out, old = previous

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if broken == "write":
        import tempfile

        real_mkstemp = tempfile.mkstemp

        def mkstemp(*args, **kwargs):
            fd, name = real_mkstemp(*args, **kwargs)
            os.close(fd)
            return os.open("/dev/full", os.O_WRONLY), name  # every write: ENOSPC

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    else:
        monkeypatch.setattr(os, broken, full_disk)
    with pytest.raises((OSError, CasestudyError)):
        build_study(study, out, ("pdf",), SERIES)
    monkeypatch.undo()
    assert (out / "study.pdf").read_bytes() == old
    assert [n for n in _leftovers(out) if n.endswith(".tmp")] == []


def test_a_write_error_is_a_located_error_not_a_traceback(previous, monkeypatch):
    study, out, _ = previous

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(CasestudyError) as caught:
        build_study(study, out, ("pdf",), SERIES)
    assert "study.pdf" in str(caught.value) and "No space left" in str(caught.value)


def test_the_cli_reports_an_unwritable_target_without_a_traceback(series_repo):
    """The output path is taken by a folder: the rename fails inside a worker process."""
    hostile_study(series_repo / "countries" / "norway", None)
    (series_repo / "build" / "norway.pdf").mkdir(parents=True)
    result = run_child([str(HELPER), "cli", "build", "norway"], series_repo, timeout=180)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "norway.pdf" in result.stderr and "out of memory" not in result.stderr


def test_two_builds_at_once_leave_one_whole_pdf(previous, reference):
    study, out, _ = previous
    children = [_start(study, out) for _ in range(2)]
    for child in children:
        _, stderr = child.communicate(timeout=300)
        assert child.returncode == 0, stderr
    _assert_whole(out / "study.pdf", reference[1])
    assert [n for n in _leftovers(out) if n.endswith(".tmp")] == []


def test_absurd_css_in_a_figure_builds_within_time_and_memory(tmp_path):
    study = hostile_study(tmp_path / "study", None)
    (study / "figures" / "chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" '
        'height="100"><text x="10" y="50" font-family="Source Sans 3" '
        'style="font-size:1e9px">Huge</text>'
        '<rect width="10" height="10" style="stroke-width:1e9px;stroke:#000"/></svg>')
    result = run_child([str(HELPER), "build", str(study), str(tmp_path / "out")], tmp_path,
                       timeout=240, memory=3 * GIB)
    assert result.returncode == 0, result.stderr
    assert len(PdfReader(tmp_path / "out" / "study.pdf").pages) >= 8


def test_a_pathological_document_is_stopped_at_the_time_limit(previous):
    """1.9 MB of valid text passes the checker but takes minutes to lay out."""
    from casestudy.series.build import build_series

    study, out, old = previous
    section = study / "sections" / "05-ownership.md"
    section.write_text("# Cross-border ownership\n\n"
                       + ("lorem ipsum dolor sit amet " * 20 + "\n\n") * 3500)
    started = time.monotonic()
    [outcome] = build_series([study], out, ("pdf",), SERIES, jobs=1, timeout=2,
                             memory_mb=3072, brand=load_brand(study.parent.parent))
    assert time.monotonic() - started < 120
    assert outcome.status == "failed"
    assert "took longer than 2 s and was stopped" in outcome.message
    assert (out / "study.pdf").read_bytes() == old
    assert [n for n in _leftovers(out) if n.endswith(".tmp")] == []
