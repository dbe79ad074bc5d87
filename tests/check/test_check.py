"""`casestudy check`: each rule has a scenario fixture and an exact, located expectation.

Each folder in tests/fixtures/check/ is laid over tests/fixtures/minimal/ and checked;
the output must equal the folder's expected.txt line for line. After a deliberate
change of wording, regenerate them with:

    CASESTUDY_REGEN=1 pytest tests/check/test_check.py
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, invoke, make_study

SCENARIOS = sorted(p for p in (FIXTURES / "check").iterdir() if p.is_dir())
def run_check(cwd: Path, *args: str):
    return invoke(cwd, "check", *args)


def test_minimal_study_is_clean_even_when_strict(tmp_path, series_repo):
    make_study(series_repo / "countries" / "norway")
    result = run_check(series_repo, "--strict")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "1 study checked: 0 error(s), 0 warning(s)" in result.stderr


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario_reports_exact_lines(tmp_path, scenario):
    make_study(tmp_path / "study", scenario)
    result = run_check(tmp_path, "study")
    expected_file = scenario / "expected.txt"
    if os.environ.get("CASESTUDY_REGEN"):
        expected_file.write_text(result.stdout)
    expected = expected_file.read_text()
    assert result.stdout == expected
    has_errors = any(": error: " in line for line in expected.splitlines())
    assert result.exit_code == (1 if has_errors else 0)
    assert "Traceback" not in result.output


def test_strict_fails_on_warnings_only(tmp_path):
    make_study(tmp_path / "study", FIXTURES / "check" / "placeholders")
    assert run_check(tmp_path, "study").exit_code == 0
    assert run_check(tmp_path, "study", "--strict").exit_code == 1


def test_slug_argument_and_every_study(series_repo):
    make_study(series_repo / "countries" / "norway")
    make_study(series_repo / "countries" / "broken", FIXTURES / "check" / "duplicate-key")
    by_slug = run_check(series_repo, "norway")
    assert by_slug.exit_code == 0
    every = run_check(series_repo)
    assert every.exit_code == 1
    assert every.stdout.startswith("countries/broken/study.yaml:10:1: error: duplicate key")


def test_unknown_study_is_a_usage_error(tmp_path):
    result = run_check(tmp_path, "atlantis")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == ("atlantis:1:1: error: 'atlantis' is neither a study folder nor a "
                             "study in countries/ (no study.yaml)\n")


def test_a_file_name_that_is_not_utf8_is_printed_as_its_bytes(series_repo):
    study = make_study(series_repo / "countries" / "norway")
    (study / "sections" / os.fsdecode(b"\xff-notes.md")).write_text("# Notes\n")
    result = subprocess.run([sys.executable, "-m", "casestudy", "check", "--no-cache"],
                            cwd=series_repo, capture_output=True, timeout=120,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})  # strict
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"countries/norway/sections/\xff-notes.md:1:1: warning: "
                                    b"not a section of the series schema")
    assert result.stderr == b"1 study checked: 0 error(s), 1 warning(s)\n"


HOUSE_STYLE = """

The U.S. view is plain prose: the house style applies.
“The U.S. will stand by Italy,” the minister said; so did "the U.S. Navy".
Quoted abroad: «les forces U.S.», „die U.S. Armee“, ‘the U.S. side’ and 'U.S. first'.
It was no game changer, though one paper wrote of "a game changer" in 2024.

[//]: # "style: U.S."
Title 10 of the U.S. Code, cited as written
across two lines of one paragraph (U.S. again).

The next paragraph is not exempt: U.S. again.[^cite]

[^cite]: *The U.S. Army Posture Statement* (2024), quoted; the U.S. in a note is prose.
"""


def _style_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "write 'US'" in line or "banned" in line]


def test_house_style_runs_in_check_located_and_spares_quotations(series_repo):
    study = make_study(series_repo / "countries" / "norway")
    section = study / "sections" / "08-conclusion.md"
    section.write_text(section.read_text("utf-8") + HOUSE_STYLE, "utf-8")
    start = len(section.read_text("utf-8").splitlines()) - HOUSE_STYLE.count("\n") + 1
    result = run_check(series_repo, "norway", "--strict")
    where = "countries/norway/sections/08-conclusion.md"
    assert _style_lines(result.stdout) == [
        f"{where}:{start + 2}:5: warning: write 'US', not 'U.S.'",
        f"{where}:{start + 5}:11: warning: banned phrase 'game changer'",
        f"{where}:{start + 11}:35: warning: write 'US', not 'U.S.'",
        f"{where}:{start + 13}:64: warning: write 'US', not 'U.S.'",
    ]
    assert result.exit_code == 1  # --strict: house style is part of the check


def test_house_style_is_reported_once_by_check_and_once_by_series(series_repo):
    from casestudy.series.report import series_report

    study = make_study(series_repo / "countries" / "norway")
    section = study / "sections" / "08-conclusion.md"
    section.write_text(section.read_text("utf-8") + HOUSE_STYLE, "utf-8")
    checked = _style_lines(run_check(series_repo, "norway").stdout)
    with contextlib.chdir(series_repo):
        report = series_report(Path("."))
    found = _style_lines("\n".join(str(f.problem) for f in report.findings()))
    assert found == checked and len(set(found)) == len(found) == 4
    assert {f.rule for f in report.findings() if str(f.problem) in found} == {"spelling",
                                                                               "banned"}


def test_a_study_outside_a_series_is_checked_without_house_style(tmp_path):
    study = make_study(tmp_path / "study")
    section = study / "sections" / "08-conclusion.md"
    section.write_text(section.read_text("utf-8") + HOUSE_STYLE, "utf-8")
    assert _style_lines(run_check(tmp_path, "study").stdout) == []


def test_changing_the_house_style_gives_way_in_the_check_cache(series_repo):
    study = make_study(series_repo / "countries" / "norway")
    section = study / "sections" / "08-conclusion.md"
    section.write_text(section.read_text("utf-8") + HOUSE_STYLE, "utf-8")
    assert len(_style_lines(run_check(series_repo, "norway").stdout)) == 4
    series = series_repo / "series.yaml"
    series.write_text(series.read_text("utf-8").replace('"U.S.": "US"', '"U.K.": "UK"'))
    assert len(_style_lines(run_check(series_repo, "norway").stdout)) == 1  # the banned one


def test_a_broken_series_yaml_stops_check_with_its_line(series_repo):
    make_study(series_repo / "countries" / "norway")
    (series_repo / "series.yaml").write_text("series_name: x\n\tpublisher: y\n")
    result = run_check(series_repo)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == ("series.yaml:2:1: error: invalid YAML: a tab in the indentation; "
                             "indent with spaces, not tabs\n")


@pytest.mark.parametrize("old, new, expected", [
    ('series_number: 9', 'series_number: nine', "series_number: must be a whole number"),
    ('status: draft', 'status: done', "status: must be one of 'draft', 'review' or 'final'"),
    ('title: "Minimal study"', 'title: ""', "title: must not be empty"),
    ('title: "Minimal study"', "title: 2024", "title: must be text (put the value in quotes)"),
    ('date: "2026-01-15"', 'date: "15/01/2026"',
     "date: must be an ISO 8601 date such as 2026-11-25, got '15/01/2026'"),
])
def test_a_value_of_the_wrong_kind_says_what_to_write(tmp_path, old, new, expected):
    """pydantic's words ("Input should be a valid integer") are replaced by advice."""
    study = make_study(tmp_path / "study")
    text = (study / "study.yaml").read_text("utf-8")
    assert old in text
    (study / "study.yaml").write_text(text.replace(old, new), "utf-8")
    errors = [line for line in run_check(tmp_path, "study").stdout.splitlines()
              if ": error: " in line]
    assert len(errors) == 1 and errors[0].endswith(f": error: {expected}"), errors
