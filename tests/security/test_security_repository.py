"""A hostile repository: every place a command writes, replaced by a link to elsewhere.

A clone can ship ``build`` as a symbolic link to another folder, or ``sections/`` as
one, or a ``study.yaml`` that links to a secret. For every command that writes, each
of its targets is replaced by a link to a folder outside the repository; the command
must refuse with a located message, and the outside folder must be byte-identical
afterwards (hashed, names, modes and bytes).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from casestudy.brand.load import load_brand
from casestudy.errors import UnsafeTarget
from casestudy.render.cache import inputs_digest
from casestudy.series.build import build_study
from casestudy.source.load import load_series
from conftest import FIXTURES, invoke, norway_repo
from hostile import HELPER, outside_folder, run_child, tree_hash

LINK = "is a symbolic link (to {target}); outputs are never written through a link: " \
       "remove it, or name the real folder"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return norway_repo(tmp_path)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    return outside_folder(tmp_path)


# ---------------------------------------------------------------- build

# (the link's name in the repository, what it points at in the outside folder)
BUILD_TARGETS = [
    ("build", "."),  # the output folder itself: `build --format all` once deleted norway/
    ("build/norway", "norway"),  # the web edition's folder
    ("build/norway.pdf", "norway.pdf"),
    ("build/norway/index.html", "secret.txt"),  # read for its hash by the up-to-date test
    ("build/.casestudy", "."),  # the build records
    ("build/.casestudy/norway.json", "secret.txt"),
]


def _plant(repo: Path, outside: Path, name: str, target: str) -> Path:
    link = repo / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside / target if target != "." else outside)
    return link


@pytest.mark.parametrize(("name", "target"), BUILD_TARGETS, ids=[n for n, _ in BUILD_TARGETS])
def test_build_never_writes_or_deletes_through_a_link(repo, outside, name, target):
    link = _plant(repo, outside, name, target)
    before = tree_hash(outside)
    result = invoke(repo, "build", "--format", "all", "--force")
    message = f"{name}:1:1: error: " + LINK.format(target=os.readlink(link))
    assert "Traceback" not in result.output
    if name == "build":  # the output folder: the command cannot run at all
        assert result.exit_code == 2 and result.stderr == message + "\n"
    elif name == "build/.casestudy":  # the series' own records (the web index, the charts):
        assert result.exit_code == 2  # the series step stops the command, located
        assert message in result.stderr.splitlines()
    else:  # one study's outputs: that study fails, before anything is read
        assert result.exit_code == 1
        assert message in result.stderr.splitlines()
    assert tree_hash(outside) == before


@pytest.mark.parametrize(("name", "target"), BUILD_TARGETS, ids=[n for n, _ in BUILD_TARGETS])
def test_the_library_build_refuses_the_same_links(repo, outside, name, target):
    link = _plant(repo, outside, name, target)
    before = tree_hash(outside)
    with pytest.raises(UnsafeTarget) as caught:
        build_study(repo / "countries" / "norway", repo / "build", ("pdf", "html"),
                    load_series(repo), force=True)
    assert caught.value.path == str(link)
    assert tree_hash(outside) == before


def test_a_folder_on_the_way_to_the_output_is_judged_too(repo, outside):
    """`--out site/briefs` where the repository ships `site` as a link elsewhere."""
    (repo / "site").symlink_to(outside)
    before = tree_hash(outside)
    result = invoke(repo, "build", "--out", "site/briefs")
    assert result.exit_code == 2
    assert result.stderr == "site:1:1: error: " + LINK.format(target=outside) + "\n"
    assert tree_hash(outside) == before


def test_an_output_folder_outside_the_repository_is_the_users_choice(repo, tmp_path):
    """A real folder the user names is written; only links are refused."""
    result = invoke(repo, "build", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "norway.pdf").is_file()


# ---------------------------------------------------------------- series --out

@pytest.mark.parametrize("case", ["folder", "file"])
def test_series_out_is_never_written_through_a_link(repo, outside, case):
    if case == "folder":
        (repo / "reports").symlink_to(outside)
        out, name, target = "reports/series.csv", "reports", str(outside)
    else:
        (repo / "series.csv").symlink_to(outside / "secret.txt")
        out, name, target = "series.csv", "series.csv", str(outside / "secret.txt")
    before = tree_hash(outside)
    result = invoke(repo, "series", "--format", "csv", "--out", out)
    assert result.exit_code == 2
    assert result.stderr == f"{name}:1:1: error: " + LINK.format(target=target) + "\n"
    assert tree_hash(outside) == before


# ---------------------------------------------------------------- new

def test_new_never_creates_a_study_through_a_linked_countries_folder(repo, outside):
    shutil.rmtree(repo / "countries")
    (repo / "countries").symlink_to(outside)
    before = tree_hash(outside)
    result = invoke(repo, "new", "Denmark", "--adjective", "Danish", "--author", "A. Writer",
                    "--no-input")
    assert result.exit_code == 2
    assert result.stderr == "countries:1:1: error: " + LINK.format(target=outside) + "\n"
    assert tree_hash(outside) == before


# ---------------------------------------------------------------- upgrade

def _upgradable(repo: Path) -> Path:
    """The study lacks a required section, so upgrade has a stub to write."""
    study = repo / "countries" / "norway"
    (study / "sections" / "08-conclusion.md").unlink()
    return study


def _link_sections(study: Path, outside: Path) -> str:
    shutil.move(study / "sections", outside / "sections")
    (study / "sections").symlink_to(outside / "sections")
    return "countries/norway/sections"


def _link_study_yaml(study: Path, outside: Path) -> str:
    shutil.copyfile(study / "study.yaml", outside / "secret.yaml")
    (study / "study.yaml").unlink()
    (study / "study.yaml").symlink_to(outside / "secret.yaml")
    return "countries/norway/study.yaml"


def _link_a_section(study: Path, outside: Path) -> str:
    (study / "sections" / "07-recommendations.md").unlink()
    (study / "sections" / "07-recommendations.md").symlink_to(outside / "secret.txt")
    return "countries/norway/sections/07-recommendations.md"


def _link_a_figure(study: Path, outside: Path) -> str:
    (study / "figures" / "deep").mkdir()
    (study / "figures" / "deep" / "x.png").symlink_to(outside / "secret.txt")
    return "countries/norway/figures/deep/x.png"


def _fifo(study: Path, outside: Path) -> str:
    os.mkfifo(study / "figures" / "pipe.png")
    return "countries/norway/figures/pipe.png"


UPGRADE_CASES = {
    "sections-linked-out": (_link_sections, "symbolic link leads outside the study folder"),
    "study-yaml-linked-out": (_link_study_yaml, "symbolic link leads outside the study folder"),
    "section-linked-out": (_link_a_section, "symbolic link leads outside the study folder"),
    "figure-linked-out": (_link_a_figure, "symbolic link leads outside the study folder"),
    "fifo": (_fifo, "not a regular file (a FIFO, socket or device)"),
}


@pytest.mark.parametrize("case", list(UPGRADE_CASES))
def test_upgrade_refuses_links_out_and_special_files_before_anything(repo, outside, case):
    study = _upgradable(repo)
    plant, why = UPGRADE_CASES[case]
    where = plant(study, outside)
    before, study_before = tree_hash(outside), tree_hash(study)
    result = invoke(repo, "upgrade", "norway")
    assert result.exit_code == 2, result.output
    assert result.stderr == f"{where}:1:1: error: {why}; nothing was read or written\n"
    assert result.stdout == ""  # no stub reported, none written
    assert tree_hash(outside) == before and tree_hash(study) == study_before


def test_upgrade_refuses_a_study_folder_that_is_a_link(repo, outside):
    study = _upgradable(repo)
    shutil.move(study, outside / "norway-study")
    study.symlink_to(outside / "norway-study")
    before = tree_hash(outside)
    result = invoke(repo, "upgrade", "norway")
    assert result.exit_code == 2
    assert result.stderr == ("countries/norway:1:1: error: the study folder is a symbolic "
                             "link; nothing was read or written\n")
    assert tree_hash(outside) == before


def test_upgrade_still_writes_a_clean_study(repo):
    """The control: the same study without links is upgraded."""
    study = _upgradable(repo)
    result = invoke(repo, "upgrade", "norway")
    assert result.exit_code == 0, result.output
    assert (study / "sections" / "08-conclusion.md").is_file()


# ---------------------------------------------------------------- check's cache

def test_check_never_writes_its_cache_through_a_link(repo, outside, check_cache):
    (check_cache / "check").symlink_to(outside)
    before = tree_hash(outside)
    for _ in range(2):
        result = invoke(repo, "check", "norway")
        assert result.exit_code == 0, result.output
    assert tree_hash(outside) == before


def test_check_never_reads_a_cache_entry_behind_a_link(repo, outside, check_cache):
    """A forged entry (no problems) behind a link would make a broken study look clean."""
    study = repo / "countries" / "norway"
    (study / "sections" / "02-imperative.md").write_text("# Imperative\n\n<script>x</script>\n")
    first = invoke(repo, "check", "norway")
    assert first.exit_code == 1
    [entry] = (check_cache / "check").iterdir()
    forged = json.loads(entry.read_text())
    forged["problems"] = []
    (outside / "forged.json").write_text(json.dumps(forged))
    entry.unlink()
    entry.symlink_to(outside / "forged.json")
    before = tree_hash(outside)
    again = invoke(repo, "check", "norway")
    assert again.exit_code == 1 and again.stdout == first.stdout
    assert tree_hash(outside) == before


def test_fixture_repository_is_clean(repo):
    """The control for the whole module: with no link planted, every command works."""
    assert invoke(repo, "check").exit_code == 0
    assert (FIXTURES / "minimal" / "study.yaml").is_file()


# ---------------------------------------------------------------- special files as outputs

def test_a_fifo_in_place_of_an_output_is_refused_not_opened(repo):
    (repo / "build").mkdir()
    os.mkfifo(repo / "build" / "norway.pdf")
    result = run_child([str(HELPER), "cli", "build"], repo, timeout=120)
    assert result.returncode == 1
    assert ("build/norway.pdf:1:1: error: is a FIFO, socket or device, not a file; nothing "
            "was written") in result.stderr.splitlines()


def test_a_shipped_record_and_a_pdf_linked_to_an_endless_device_are_never_read(repo):
    """`series` and `build` judge a recorded PDF by its hash: a clone can ship the record
    (with the right digest) and a "PDF" that is a link to /dev/zero."""
    study = repo / "countries" / "norway"
    digest = inputs_digest(study, load_series(repo), load_brand(repo))
    (repo / "build" / ".casestudy").mkdir(parents=True)
    (repo / "build" / ".casestudy" / "norway.json").write_text(
        json.dumps({"digest": digest, "outputs": {"pdf": "0" * 64}}))
    (repo / "build" / "norway.pdf").symlink_to("/dev/zero")
    series = run_child([str(HELPER), "cli", "series", "--format", "json"], repo, timeout=120)
    assert json.loads(series.stdout)["studies"][0]["pdf"]["status"] == "stale"
    build = run_child([str(HELPER), "cli", "build"], repo, timeout=120)
    assert build.returncode == 1
    assert ("build/norway.pdf:1:1: error: " + LINK.format(target="/dev/zero")
            ) in build.stderr.splitlines()
