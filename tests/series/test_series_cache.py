"""The series report's cache: a repeat report is exactly a fresh one, without reading.

Each study's row and the facts the cross-study rules read of it are remembered in the
user's cache folder (here each test's own, see conftest). A report made from them must
be byte for byte the report made by reading every study; what depends on anything but
the study (the PDF's status, ``today``) must still follow that. Rendering is tested in
test_report.py, the rules in test_consistency.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from casestudy.brand.load import load_brand
from casestudy.files import digest as digests
from casestudy.render.cache import inputs_digest, record
from casestudy.series import report as series_module
from casestudy.series.formats import FORMATS, render
from casestudy.series.report import series_report
from casestudy.source.load import load_series
from conftest import FIXTURES, REPO, invoke, make_study

TODAY = dt.date(2026, 6, 1)
SECTION = Path("sections") / "08-conclusion.md"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Italy, the two template stubs of series-three and a study with gaps."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "series-three", repo)
    shutil.copytree(REPO / "countries" / "italy", repo / "countries" / "italy")
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    make_study(repo / "countries" / "zz-gaps", FIXTURES / "series-rows" / "gaps")
    return repo


def report(repo: Path, cache_dir: Path | None, today: dt.date = TODAY):
    return series_report(repo, today=today, jobs=1, cache_dir=cache_dir)


def renderings(repo: Path, cache_dir: Path | None, today: dt.date = TODAY) -> dict[str, str]:
    made = report(repo, cache_dir, today)
    return {fmt: render(made, fmt) for fmt in FORMATS}


def entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "series").glob("*.json"))


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The studies read (parsed) from here on, by folder name."""
    seen: list[str] = []
    load = series_module._load

    def counted(root: Path):
        seen.append(root.name)
        return load(root)

    monkeypatch.setattr(series_module, "_load", counted)
    return seen


def no_reading(monkeypatch) -> None:
    def refuse(root: Path):
        raise AssertionError(f"{root} was read again")

    monkeypatch.setattr(series_module, "_load", refuse)
    monkeypatch.setattr(series_module, "load_study", refuse)


def test_a_remembered_report_is_the_fresh_report(repo, check_cache):
    fresh = renderings(repo, None)
    assert entries(check_cache) == []  # without a folder nothing is remembered
    assert renderings(repo, check_cache) == fresh  # the first fills the cache
    assert len(entries(check_cache)) == 4
    assert renderings(repo, check_cache) == fresh  # the second reads it
    assert report(repo, check_cache).rows == report(repo, None).rows


def test_an_unchanged_study_is_not_read_again(repo, check_cache, monkeypatch):
    fresh = renderings(repo, check_cache)
    no_reading(monkeypatch)
    assert renderings(repo, check_cache) == fresh


def test_an_edited_study_alone_is_read_again_and_the_edit_shows(repo, check_cache, reads):
    before = report(repo, check_cache)
    assert reads == ["italy", "japan", "norway", "zz-gaps"]
    reads.clear()
    section = repo / "countries" / "norway" / SECTION
    section.write_text(section.read_text("utf-8") + "\nTODO one more point.\n", "utf-8")
    after = report(repo, check_cache)
    assert reads == ["norway"]
    assert after.rows[2].placeholders == before.rows[2].placeholders + 1
    assert {fmt: render(after, fmt) for fmt in FORMATS} == renderings(repo, None)


def test_a_series_yaml_change_gives_way(repo, check_cache, reads):
    """The house style and every other setting, and series.yaml as written."""
    report(repo, check_cache)
    config = repo / "series.yaml"
    config.write_text(config.read_text("utf-8").replace(
        '  banned:\n', '  banned:\n    - "defense-industrial"\n', 1), "utf-8")
    reads.clear()
    after = renderings(repo, check_cache)
    assert reads == ["italy", "japan", "norway", "zz-gaps"]
    assert "banned phrase 'defense-industrial'" in after["json"]
    assert after == renderings(repo, None)


def test_the_pdf_status_follows_build_with_the_cache_warm(repo, check_cache, monkeypatch):
    root = repo / "countries" / "norway"
    pdf = repo / "build" / "norway.pdf"
    report(repo, check_cache)
    no_reading(monkeypatch)

    def status() -> str:
        return report(repo, check_cache).rows[2].pdf_status

    assert status() == "missing"
    pdf.parent.mkdir()
    pdf.write_bytes(b"%PDF-1.7 stand-in")
    then = time.time() - 3600
    for path in [root / "study.yaml", *root.glob("sections/*"), *root.rglob("figures/*")]:
        os.utime(path, (then, then))
    os.utime(pdf, (then + 60, then + 60))
    assert status() == "current"
    os.utime(root / SECTION, (then + 120, then + 120))  # touched after the build
    assert status() == "stale"
    # a PDF the build recorded is judged by its inputs
    digest = inputs_digest(root, load_series(repo), load_brand(repo))
    record(repo / "build", "norway", digest, ("pdf",))
    assert status() == "current"
    pdf.write_bytes(b"%PDF-1.7 edited by hand")
    assert status() == "stale"
    pdf.unlink()
    assert status() == "missing"


def test_rules_of_the_date_follow_today_with_the_cache_warm(tmp_path, check_cache, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    for overlay in ("japan", "norway"):
        make_study(repo / "countries" / overlay, FIXTURES / "series-rules" / "date-trips" / overlay)

    def future(today: dt.date) -> list[str]:
        return [f.problem.message for f in report(repo, check_cache, today).findings()
                if f.rule == "date" and "future" in f.problem.message]

    assert len(future(TODAY)) == 1
    no_reading(monkeypatch)
    assert future(dt.date(2099, 1, 2)) == []
    assert len(future(TODAY)) == 1


@pytest.mark.parametrize("scenario", sorted((FIXTURES / "series-rules").iterdir()),
                         ids=lambda p: p.name)
def test_every_rule_finds_the_same_from_remembered_studies(tmp_path, check_cache, scenario):
    """The facts the rules read come back from the cache as they were."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copyfile(scenario / "series.yaml" if (scenario / "series.yaml").exists()
                    else REPO / "series.yaml", repo / "series.yaml")
    for overlay in sorted(p for p in scenario.iterdir() if p.is_dir()):
        make_study(repo / "countries" / overlay.name, overlay)
    fresh = render(report(repo, None), "json")
    assert render(report(repo, check_cache), "json") == fresh
    assert render(report(repo, check_cache), "json") == fresh


def test_a_broken_or_forged_entry_only_costs_time(repo, check_cache, reads):
    fresh = renderings(repo, check_cache)
    entry = entries(check_cache)[0]
    state = json.loads(entry.read_text("utf-8"))
    good = entry.read_text("utf-8")
    for bad in ("not json", "[]", "{}", json.dumps({**state, "row": {"slug": "x"}}),
                json.dumps({**state, "facts": {"meta": {"title": 1}}}),
                json.dumps({**state, "row": {**state["row"], "sections": [["nope"]]}}),
                json.dumps({**state, "key": "another study"}),
                json.dumps({**state, "digest": "0" * 64})):
        entry.write_text(bad, "utf-8")
        reads.clear()
        assert renderings(repo, check_cache) == fresh
        assert reads == [state["row"]["slug"]]  # that entry was not used: written again
        assert entry.read_text("utf-8") == good


def test_an_entry_that_is_a_link_is_neither_read_nor_written_through(repo, check_cache,
                                                                      tmp_path, reads):
    fresh = renderings(repo, check_cache)
    entry = entries(check_cache)[0]
    slug = json.loads(entry.read_text("utf-8"))["row"]["slug"]
    target = tmp_path / "elsewhere.json"
    target.write_text(entry.read_text("utf-8"), "utf-8")
    entry.unlink()
    entry.symlink_to(target)
    before = target.read_text("utf-8")
    reads.clear()
    assert renderings(repo, check_cache) == fresh
    assert reads == [slug] and target.read_text("utf-8") == before
    assert entry.is_symlink()


def test_a_study_with_a_file_that_cannot_be_read_is_never_remembered(repo, check_cache,
                                                                      monkeypatch):
    section = repo / "countries" / "norway" / SECTION
    real_digest = digests.file_digest

    def refused(path: Path) -> bytes:  # as for a file without read permission (root reads all)
        if path == section:
            raise PermissionError(13, "Permission denied", str(path))
        return real_digest(path)

    monkeypatch.setattr(digests, "file_digest", refused)
    assert renderings(repo, check_cache) == renderings(repo, None)
    assert len(entries(check_cache)) == 3  # not Norway's


def test_the_command_remembers_unless_told_not_to(repo, check_cache, monkeypatch):
    fresh = invoke(repo, "series", "--no-cache", "--format", "json")
    assert not (check_cache / "series").exists()
    first = invoke(repo, "series", "--format", "json")
    assert len(entries(check_cache)) == 4
    assert (check_cache / "series").stat().st_mode & 0o777 == 0o700
    no_reading(monkeypatch)
    again = invoke(repo, "series", "--format", "json")
    assert ({(r.stdout, r.exit_code) for r in (fresh, first, again)}
            == {(fresh.stdout, fresh.exit_code)})
