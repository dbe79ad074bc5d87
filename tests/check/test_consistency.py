"""Cross-study rules: each has a scenario that trips it and a near miss that does not.

Each folder in tests/fixtures/series-rules/ is named ``<rule>-trips`` or ``<rule>-clean``
and holds one overlay folder per study (laid over tests/fixtures/minimal/, placed in
``countries/<name>/``) and ``expected.txt``: the exact lines that rule reports. After a
deliberate change of wording, regenerate them with

    CASESTUDY_REGEN=1 pytest tests/check/test_consistency.py

and review the diff.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from casestudy.check.compare import person_key
from casestudy.check.consistency import RULES
from casestudy.series.report import series_report
from conftest import FIXTURES, REPO, make_study

SCENARIOS = FIXTURES / "series-rules"
TODAY = dt.date(2026, 6, 1)


def make_series(repo: Path, scenario: Path) -> Path:
    """A series repository with the project's series.yaml and one study per overlay."""
    shutil.copyfile(scenario / "series.yaml" if (scenario / "series.yaml").exists()
                    else REPO / "series.yaml", repo / "series.yaml")
    for overlay in sorted(p for p in scenario.iterdir() if p.is_dir()):
        make_study(repo / "countries" / overlay.name, overlay)
    return repo


def rule_lines(repo: Path, rule: str) -> str:
    old = Path.cwd()
    os.chdir(repo)  # problems print their paths relative to the working folder
    try:
        report = series_report(Path("."), today=TODAY)
        return "".join(f"{f.problem}\n" for f in report.findings() if f.rule == rule)
    finally:
        os.chdir(old)


def test_every_rule_has_a_tripping_and_a_clean_scenario():
    names = {p.name for p in SCENARIOS.iterdir()}
    expected = {f"{rule}-{kind}" for rule in RULES for kind in ("trips", "clean")}
    assert names == expected


@pytest.mark.parametrize("scenario", sorted(SCENARIOS.iterdir()), ids=lambda p: p.name)
def test_scenario_reports_exact_lines(tmp_path, scenario):
    rule, _, kind = scenario.name.rpartition("-")
    lines = rule_lines(make_series(tmp_path, scenario), rule)
    expected_file = scenario / "expected.txt"
    if os.environ.get("CASESTUDY_REGEN"):
        expected_file.write_text(lines)
    assert lines == expected_file.read_text()
    assert bool(lines) == (kind == "trips")


def test_minimal_study_alone_trips_no_rule(tmp_path):
    make_study(tmp_path / "countries" / "norway")
    shutil.copyfile(REPO / "series.yaml", tmp_path / "series.yaml")
    report = series_report(tmp_path, today=TODAY)
    assert [f for f in report.findings() if f.rule != "check"] == []


def test_identity_clashes_are_errors_that_fail_the_series(tmp_path):
    repo = make_series(tmp_path, SCENARIOS / "series-number-trips")
    report = series_report(repo, today=TODAY)
    assert report.failed()
    assert [r.slug for r in report.rows if r.errors] == ["japan", "norway"]


@pytest.mark.parametrize("name, key", [
    ("Dr. Jane Q. Doe", "jane doe"), ("Jane Doe", "jane doe"), ("JANE DOE", "jane doe"),
    ("Prof. Zoë Müller-Lüdenscheidt", "zoe muller ludenscheidt"), ("X", "x"),
])
def test_person_key(name, key):
    assert person_key(name) == key


def test_dates_compare_each_final_study_with_all_lower_numbers(tmp_path):
    """Numbers 1..4, final, with No. 2 twice (an error of its own): each study dated
    before a lower number's date gets a note naming the latest such study."""
    shutil.copyfile(REPO / "series.yaml", tmp_path / "series.yaml")
    cases = [("a", "JP", 1, "2026-03-01"), ("b", "KR", 2, "2026-01-01"),
             ("c", "SE", 2, "2026-04-01"), ("d", "DK", 3, "2026-03-15"),
             ("e", "FI", 4, "2026-05-01")]
    for slug, code, number, date in cases:
        root = make_study(tmp_path / "countries" / slug)
        text = (root / "study.yaml").read_text()
        for old, new in (('code: "NO"', f'code: "{code}"'), ("status: draft", "status: final"),
                         ("series_number: 9", f"series_number: {number}"),
                         ('date: "2026-01-15"', f'date: "{date}"')):
            text = text.replace(old, new)
        (root / "study.yaml").write_text(text)
    lines = rule_lines(tmp_path, "date")
    assert lines == (
        "countries/b/study.yaml:9:7: info: No. 2 is dated 2026-01-01, before No. 1 "
        "(a, 2026-03-01): numbers and dates disagree\n"
        "countries/d/study.yaml:9:7: info: No. 3 is dated 2026-03-15, before No. 2 "
        "(c, 2026-04-01): numbers and dates disagree\n")
