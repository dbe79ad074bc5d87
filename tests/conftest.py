"""Shared fixtures: small real studies on disk, copied to a temporary folder."""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casestudy.cli import app
from casestudy.series import build

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


# The files that take longest on a bare two-core machine (--durations), longest first.
# pytest-xdist hands whole files (--dist loadfile) to the workers in collection order
# (pyproject's --no-loadscope-reorder: by default it sorts them by their number of
# tests, which sent long files of few tests, the word/ and security/ ones, last): these
# go first, so that the two workers end together, the short files filling the end.
LONGEST_FIRST = (
    "word/test_review.py", "security/test_security_recursion.py", "preview/test_preview.py",
    "security/test_security_output.py", "series/test_workers.py", "brand/test_instancing.py",
    "word/test_export.py", "security/test_security_leaks.py", "series/test_build.py",
    "render/test_cite.py", "security/test_security_files_and_network.py",
    "render/test_accessibility.py", "end_to_end/test_kitchen_sink.py", "render/test_tags.py",
    "web/test_brand_web.py", "check/test_glyphs.py", "source/test_chart.py",
    "security/test_security_markdown.py", "brand/test_brand.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    rank = {here / name: place for place, name in enumerate(LONGEST_FIRST)}
    # sorted() is stable: every file keeps its tests' order, the rest keep theirs
    items.sort(key=lambda item: rank.get(Path(item.path), len(rank)))


@pytest.fixture(autouse=True)
def check_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test remembers its own checks (commands it starts inherit the folder): none
    writes into the user's cache, and no finding crosses from one test to another."""
    folder = tmp_path_factory.mktemp("check-cache")
    monkeypatch.setenv("CASESTUDY_CACHE_DIR", str(folder))
    return folder


def make_study(dest: Path, overlay: Path | None = None, base: Path = FIXTURES / "minimal") -> Path:
    """Copy ``base`` to ``dest`` and lay ``overlay`` over it (a DELETE file lists removals)."""
    shutil.copytree(base, dest)
    if overlay is not None:
        for path in sorted(overlay.rglob("*")):
            rel = path.relative_to(overlay)
            if path.name == "DELETE" or path.name == "expected.txt":
                continue
            if path.is_dir():
                (dest / rel).mkdir(parents=True, exist_ok=True)
            else:
                shutil.copyfile(path, dest / rel)
        delete = overlay / "DELETE"
        if delete.exists():
            for line in delete.read_text().split():
                (dest / line).unlink()
    return dest


def invoke(cwd: Path, *args: str, input: str | None = None):
    """The command line, in this process, run from ``cwd`` (paths print relative to it)."""
    with contextlib.chdir(cwd):
        return CliRunner().invoke(app, list(args), input=input)


@pytest.fixture
def series_repo(tmp_path: Path) -> Path:
    """A repository folder with the project's series.yaml and an empty countries/."""
    shutil.copyfile(REPO / "series.yaml", tmp_path / "series.yaml")
    (tmp_path / "countries").mkdir()
    return tmp_path


@pytest.fixture
def no_logs(caplog: pytest.LogCaptureFixture):
    """Fail the test if anything at WARNING or above was logged (WeasyPrint included)."""
    caplog.set_level(logging.WARNING)
    yield caplog
    unexpected = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not unexpected, f"unexpected log messages: {unexpected}"


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Replace the PDF and web renderers by stubs; the list grows by one slug per render."""
    calls: list[str] = []

    def fake_pdf(study, series, target, digest, brand):
        calls.append(study.slug)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f"%PDF {digest}".encode())
        return target

    def fake_web(study, series, out, brand):
        calls.append(study.slug + "/html")
        (out / study.slug).mkdir(parents=True, exist_ok=True)
        (out / study.slug / "index.html").write_text(study.slug)
        return out / study.slug / "index.html"

    monkeypatch.setattr(build, "_build_pdf", fake_pdf)
    monkeypatch.setattr(build, "_build_web", fake_web)
    return calls


def norway_repo(base: Path) -> Path:
    """A series repository at ``base/repo``: this series.yaml and the minimal Norway study."""
    repo = base / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    make_study(repo / "countries" / "norway")
    return repo


# Italy and the kitchen sink, built once per test process and shared by the files that
# only read them (the structure tree, accessibility, the end-to-end checks): a brief
# takes seconds to build. Read-only: a test that changes a study copies it.
@pytest.fixture(scope="session")
def italy_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from casestudy.series.build import build_study
    from casestudy.source.load import load_series

    out = tmp_path_factory.mktemp("italy-shared")
    build_study(REPO / "countries" / "italy", out, ("pdf",), load_series(REPO))
    return out / "italy.pdf"


@pytest.fixture(scope="session")
def kitchen_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the PDF, its study folder) of the kitchen sink on its own page size (letter)."""
    from casestudy.series.build import build_study
    from casestudy.source.load import load_series

    root = tmp_path_factory.mktemp("kitchen-shared") / "series"
    shutil.copytree(FIXTURES / "kitchen-sink", root, ignore=shutil.ignore_patterns("golden"))
    study = root / "countries" / "kitchen-sink"
    build_study(study, root / "build", ("pdf",), load_series(root))
    return root / "build" / "kitchen-sink.pdf", study


def slim_italy(dest: Path, keep: tuple[str, ...] = ()) -> Path:
    """Italy copied to ``dest``, its sections but those numbered in ``keep`` cut to their
    heading and one sentence with a web link: the same study to check and build (its
    facts, figures, chart data, references), built in a fraction of the time, for tests
    about something other than its prose."""
    shutil.copytree(REPO / "countries" / "italy", dest)
    return cut_sections(dest, keep)


def cut_sections(study: Path, keep: tuple[str, ...] = ()) -> Path:
    """``study``'s sections but those numbered in ``keep`` cut, in place, to their heading
    and one sentence with a web link (see slim_italy)."""
    for section in (study / "sections").glob("*.md"):
        if section.name[:2] not in keep:
            heading = section.read_text("utf-8").splitlines()[0]
            section.write_text(f"{heading}\n\nA sentence stands for this section, with "
                               "[a link](https://example.org/study).\n", "utf-8")
    return study

# No synthetic oblique of a script without italics in any PDF the suite builds: checked
# at the end of each test process (tests/oblique.py)
pytest_plugins = ["oblique"]
