"""`casestudy check`: each rule has a scenario fixture and an exact, located expectation.

Each folder in tests/fixtures/check/ is laid over tests/fixtures/minimal/ and checked;
the output must equal the folder's expected.txt line for line. After a deliberate
change of wording, regenerate them with:

    CASESTUDY_REGEN=1 pytest tests/test_check.py
"""

from __future__ import annotations

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
