"""The check cache: a repeat ``casestudy check`` prints exactly what a fresh one prints.

Each change the checker can see is made to a study checked once already, and the
remembered result must give way: the output is compared, line for line, with
``--no-cache``. Other tests prove the cache is really used (the study is not read
again), that it never writes into the study, and that a broken cache only costs time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from casestudy.check import memory
from casestudy.check import study as check
from casestudy.files import digest as digests
from conftest import FIXTURES, REPO, invoke, make_study

SECTION = Path("sections/03-relationship.md")


@pytest.fixture
def repo(series_repo: Path) -> Path:
    make_study(series_repo / "countries" / "norway", FIXTURES / "check" / "images")
    return series_repo


def fresh_and_remembered(repo: Path, *args: str) -> tuple[str, int]:
    """The output and exit code of check, run without the cache and then twice with it
    (the first fills the entry, the second reads it); all three must agree."""
    runs = [invoke(repo, "check", "--no-cache", *args), invoke(repo, "check", *args),
            invoke(repo, "check", *args)]
    outputs = {(r.stdout, r.exit_code) for r in runs}
    assert len(outputs) == 1, [r.stdout for r in runs]
    return runs[0].stdout, runs[0].exit_code


def entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "check").glob("*.json"))


def test_a_repeat_check_prints_what_a_fresh_check_prints(repo, check_cache):
    out, code = fresh_and_remembered(repo)
    assert code == 1 and "error: image 'figures/nothere.png' not found" in out
    assert len(entries(check_cache)) == 1


def test_an_unchanged_study_is_not_read_again(repo, monkeypatch):
    first = invoke(repo, "check")

    def no_reading(root):
        raise AssertionError(f"{root} was read again")

    monkeypatch.setattr(check, "load_study", no_reading)
    second = invoke(repo, "check")
    assert (second.stdout, second.exit_code) == (first.stdout, first.exit_code)
    monkeypatch.setattr(memory, "checker_digest", lambda: b"another casestudy")
    assert isinstance(invoke(repo, "check").exception, AssertionError)  # a new checker reads
    monkeypatch.undo()
    monkeypatch.setattr(check, "load_study", no_reading)
    assert invoke(repo, "check").exit_code == first.exit_code
    (repo / "countries" / "norway" / SECTION).write_text("# Changed\n", "utf-8")
    assert isinstance(invoke(repo, "check").exception, AssertionError)


def _edit_section(study: Path) -> None:
    path = study / SECTION
    path.write_text(path.read_text("utf-8") + "\n[^ghost] has no definition.\n", "utf-8")


def _write(rel: str, data: bytes):
    def change(study: Path) -> None:
        (study / rel).parent.mkdir(parents=True, exist_ok=True)
        (study / rel).write_bytes(data)
    return change


def _remove(rel: str):
    return lambda study: (study / rel).unlink()


def _link(study: Path) -> None:
    (study / "figures" / "nothere.png").symlink_to("fake.png")


PNG_HEADER = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + (4).to_bytes(4, "big") * 2


CHANGES = {
    "a section edited": _edit_section,
    "a section removed": _remove("sections/01-summary.md"),
    "a stray file in sections/": _write("sections/09-extra.md", b"# Extra\n"),
    "study.yaml edited": lambda s: (s / "study.yaml").write_text(
        (s / "study.yaml").read_text("utf-8").replace('code: "NO"', 'code: "SE"'), "utf-8"),
    "a missing image added": _write("figures/nothere.png", PNG_HEADER + b"\0" * 64),
    "an image's bytes changed": _write("figures/fake.png", PNG_HEADER + b"\0" * 64),
    "an empty folder where an image should be": lambda s: (s / "figures/nothere.png").mkdir(),
    "a symlink added": _link,
    "a FIFO in figures/": lambda s: os.mkfifo(s / "figures" / "pipe"),
    "a file whose name is not UTF-8": _write(os.fsdecode(b"sections/\xff.md"), b"# x\n"),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_change_the_checker_can_see_gives_way(repo, change):
    before, _ = fresh_and_remembered(repo)
    change(repo / "countries" / "norway")
    after, _ = fresh_and_remembered(repo)
    assert after != before


def test_a_link_whose_text_stays_but_whose_target_moves_gives_way(repo, tmp_path):
    study = repo / "countries" / "norway"
    outside = tmp_path / "outside"
    shutil.copytree(study / "figures", outside)
    (study / "elsewhere").symlink_to(outside)
    text = (study / SECTION).read_text("utf-8")
    (study / SECTION).write_text(text + "\n![A chart](../elsewhere/chart.svg)\n", "utf-8")
    before, _ = fresh_and_remembered(repo)
    assert "image path '../elsewhere/chart.svg' leads outside the study folder" in before
    shutil.rmtree(outside)
    outside.symlink_to(study / "figures")  # study/elsewhere now ends inside the study
    after, _ = fresh_and_remembered(repo)
    assert "elsewhere/chart.svg" not in after


def test_paths_are_printed_from_where_check_runs(repo):
    at_top, _ = fresh_and_remembered(repo)
    inside, _ = fresh_and_remembered(repo / "countries", "norway")
    assert "countries/norway/sections/" in at_top
    assert inside == at_top.replace("countries/norway/", "norway/")


def test_a_file_that_cannot_be_read_is_never_remembered(repo, check_cache, monkeypatch):
    section = repo / "countries" / "norway" / SECTION
    real_digest = digests.file_digest

    def refused(path: Path) -> bytes:  # as for a file without read permission (root reads all)
        if path.name == section.name:
            raise PermissionError(13, "Permission denied", str(path))
        return real_digest(path)

    monkeypatch.setattr(digests, "file_digest", refused)
    fresh_and_remembered(repo)
    assert entries(check_cache) == []


def test_a_broken_or_forged_cache_only_costs_time(repo, check_cache):
    expected, code = fresh_and_remembered(repo)
    [entry] = entries(check_cache)
    state = json.loads(entry.read_text("utf-8"))
    for bad in ("not json", "[]", json.dumps({**state, "problems": [[1, 2]]}),
                json.dumps({**state, "key": "another study"}),
                json.dumps({**state, "digest": "0" * 64, "problems": []})):
        entry.write_text(bad, "utf-8")
        result = invoke(repo, "check")
        assert (result.stdout, result.exit_code) == (expected, code)


def test_a_cache_folder_that_cannot_be_written_changes_nothing(repo, monkeypatch, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("CASESTUDY_CACHE_DIR", str(blocked))
    out, code = fresh_and_remembered(repo)
    assert code == 1 and "figures/nothere.png" in out


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        digest.update(f"{path.relative_to(folder)} {info.st_mode} {info.st_mtime_ns}".encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_check_writes_only_into_the_cache_folder(repo, check_cache):
    before = tree_hash(repo)
    fresh_and_remembered(repo)
    assert tree_hash(repo) == before
    assert [p.name for p in check_cache.iterdir()] == ["check"]
    assert (check_cache / "check").stat().st_mode & 0o777 == 0o700


def test_the_checker_digest_covers_its_code_and_libraries(tmp_path, monkeypatch):
    package = tmp_path / "casestudy"
    shutil.copytree(REPO / "src" / "casestudy", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    library = tmp_path / "lib" / "fakelib"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("VERSION = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    monkeypatch.setattr(digests, "PACKAGE", package)
    monkeypatch.setattr(memory, "_CHECK_LIBRARIES", (*memory._CHECK_LIBRARIES, "fakelib"))
    digest = memory.checker_digest.__wrapped__

    first = digest()
    rules = package / "check" / "study.py"  # a module in a subpackage counts too
    rules.write_text(rules.read_text() + "\n# changed\n")
    second = digest()
    (library / "__init__.py").write_text("VERSION = 22\n")  # an upgrade rewrites the file
    third = digest()
    assert len({first, second, third}) == 3
