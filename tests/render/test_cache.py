"""The build cache: a study is skipped only when nothing that affects its output changed.

The renderer is replaced by a stub that writes a small file and counts its calls, so
that every kind of input can be changed and the rebuild seen in milliseconds; the
real render is exercised in test_build.py and test_workers.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casestudy.brand.load import load_brand
from casestudy.files import digest as filedigest
from casestudy.render import cache
from casestudy.series import build
from casestudy.source.load import load_series
from casestudy.source.schema import SeriesConfig
from conftest import REPO, make_study

SERIES = load_series(REPO)
BRAND = load_brand(REPO)


@pytest.fixture
def study(tmp_path) -> Path:
    return make_study(tmp_path / "norway")


def rebuilds(study: Path, out: Path, renders: list[str], series: SeriesConfig = SERIES,
             formats: tuple[str, ...] = ("pdf",)) -> bool:
    before = len(renders)
    result = build.build_study(study, out, formats, series)
    assert result.skipped == (len(renders) == before)
    return len(renders) > before


def test_second_build_is_skipped_and_force_rebuilds(study, tmp_path, renders):
    out = tmp_path / "out"
    assert rebuilds(study, out, renders)
    assert not rebuilds(study, out, renders)
    build.build_study(study, out, ("pdf",), SERIES, force=True)
    assert renders == ["norway", "norway"]


@pytest.mark.parametrize("change", [
    "study.yaml", "section", "section added", "section removed", "figure", "figure added",
    "figure removed", "figure in subfolder", "symlink retargeted",
])
def test_every_change_to_the_study_rebuilds(study, tmp_path, renders, change):
    out = tmp_path / "out"
    (study / "figures" / "data").mkdir()
    (study / "figures" / "data" / "a.csv").write_text("a,b\n")
    (study / "figures" / "link.svg").symlink_to("chart.svg")
    assert rebuilds(study, out, renders)
    if change == "study.yaml":
        path = study / "study.yaml"
        path.write_text(path.read_text().replace("Minimal study", "Minimal study!"))
    elif change == "section":
        path = study / "sections" / "08-conclusion.md"
        path.write_text(path.read_text() + "\nOne more word.\n")
    elif change == "section added":
        (study / "sections" / "09-extra.md").write_text("# Extra\n")
    elif change == "section removed":
        (study / "sections" / "05-ownership.md").unlink()
    elif change == "figure":
        path = study / "figures" / "chart.svg"
        path.write_text(path.read_text().replace("</svg>", "<!-- x --></svg>"))
    elif change == "figure added":
        shutil.copyfile(study / "figures" / "chart.svg", study / "figures" / "other.svg")
    elif change == "figure removed":
        (study / "figures" / "data" / "a.csv").unlink()
    elif change == "figure in subfolder":
        (study / "figures" / "data" / "a.csv").write_text("a,b\n1,2\n")
    elif change == "symlink retargeted":
        (study / "figures" / "link.svg").unlink()
        (study / "figures" / "link.svg").symlink_to("data/a.csv")
    assert rebuilds(study, out, renders), change


def test_a_change_of_series_settings_rebuilds(study, tmp_path, renders):
    out = tmp_path / "out"
    assert rebuilds(study, out, renders)
    other = SERIES.model_copy(update={"page_size": "a4"})
    assert rebuilds(study, out, renders, series=other)
    assert not rebuilds(study, out, renders, series=other)


def test_a_change_of_branding_code_or_fonts_changes_the_digest(study, tmp_path, monkeypatch):
    package = tmp_path / "package"
    shutil.copytree(filedigest.PACKAGE, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(filedigest, "PACKAGE", package)
    digests = []

    def digest() -> str:
        cache.engine_digest.cache_clear()
        digests.append(cache.inputs_digest(study, SERIES, BRAND))
        return digests[-1]

    try:
        digest()
        css = package / "branding" / "brief.css"
        css.write_text(css.read_text() + "\n/* changed */\n")
        digest()
        code = package / "render" / "html.py"  # a module of a subpackage
        code.write_text(code.read_text() + "\n# changed\n")
        digest()
        monkeypatch.setattr(cache, "version", lambda name: "99.0" if name == "weasyprint"
                            else "1.0")
        digest()
    finally:
        cache.engine_digest.cache_clear()
    assert len(set(digests)) == len(digests), "some change of the engine kept the digest"


def test_an_output_deleted_or_edited_by_hand_is_rebuilt(study, tmp_path, renders):
    out = tmp_path / "out"
    assert rebuilds(study, out, renders)
    (out / "norway.pdf").write_bytes(b"edited")
    assert rebuilds(study, out, renders)
    (out / "norway.pdf").unlink()
    assert rebuilds(study, out, renders)
    assert not rebuilds(study, out, renders)


def test_a_new_format_is_built_and_the_old_one_stays_recorded(study, tmp_path, renders):
    out = tmp_path / "out"
    assert rebuilds(study, out, renders)
    assert rebuilds(study, out, renders, formats=("html",))
    assert not rebuilds(study, out, renders, formats=("pdf", "html"))
    assert renders == ["norway", "norway/html"]


def test_a_corrupt_record_means_a_rebuild(study, tmp_path, renders):
    out = tmp_path / "out"
    assert rebuilds(study, out, renders)
    (out / ".casestudy" / "norway.json").write_text("{not json")
    assert rebuilds(study, out, renders)


def test_digest_never_reads_through_a_symlink_or_a_fifo(study, tmp_path):
    import os

    outside = tmp_path / "secret.txt"
    outside.write_text("one")
    (study / "figures" / "secret.svg").symlink_to(outside)
    os.mkfifo(study / "figures" / "pipe.png")  # reading it would block forever
    first = cache.inputs_digest(study, SERIES, BRAND)
    outside.write_text("two")
    assert cache.inputs_digest(study, SERIES, BRAND) == first
    outside_yaml = tmp_path / "elsewhere.yaml"
    outside_yaml.write_bytes((study / "study.yaml").read_bytes())
    (study / "study.yaml").unlink()
    (study / "study.yaml").symlink_to(outside_yaml)
    linked = cache.inputs_digest(study, SERIES, BRAND)
    outside_yaml.write_text("title: changed\n")
    assert cache.inputs_digest(study, SERIES, BRAND) == linked


def test_a_file_over_every_cap_is_known_by_its_size_not_read(study, monkeypatch):
    """A 40 GB (sparse) file that no section uses was read whole for the build digest,
    for minutes, before any time limit: nothing reads a file that large, so its size
    and time stand for it, in the build's digest and in check's."""
    from casestudy.check.memory import CheckCache

    huge = study / "figures" / "dump.csv"
    with open(huge, "wb") as handle:
        handle.truncate(40 * 1024**3)
    read: list[Path] = []
    real = filedigest.file_digest
    monkeypatch.setattr(filedigest, "file_digest", lambda p: read.append(p) or real(p))
    before = cache.inputs_digest(study, SERIES, load_brand(REPO)), CheckCache.digest(study)
    assert huge not in read and read  # the study's other files are read as before
    with open(huge, "r+b") as handle:  # a change of size is a change
        handle.truncate(40 * 1024**3 + 1)
    after = cache.inputs_digest(study, SERIES, load_brand(REPO)), CheckCache.digest(study)
    assert before[0] != after[0] and before[1] != after[1]
