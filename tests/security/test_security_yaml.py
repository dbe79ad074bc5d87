"""YAML: no code runs, nothing expands without bound, nothing is silently coerced.

Each tests/fixtures/hostile/yaml-*/ folder holds a study.yaml laid over the minimal
study and the exact checker output in expected.txt. After a deliberate change of
wording, regenerate them with ``CASESTUDY_REGEN=1 pytest tests/security/test_security_yaml.py``
and review the diff.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from casestudy.source.load import load_study
from hostile import HOSTILE, check_cli, check_in_child, hostile_study

SCENARIOS = sorted(HOSTILE.glob("yaml-*"))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_hostile_yaml_is_a_located_error(tmp_path, scenario):
    marker = tmp_path / "code-ran"
    hostile_study(tmp_path / "study", scenario.name, marker=marker)
    started = time.perf_counter()
    result = check_cli(tmp_path, "study")
    assert time.perf_counter() - started < 30  # an alias bomb must not expand
    expected_file = scenario / "expected.txt"
    if os.environ.get("CASESTUDY_REGEN"):
        expected_file.write_text(result.stdout)
    assert result.stdout == expected_file.read_text()
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert not marker.exists()  # !!python/object/apply:os.system never ran


def test_yaml_1_1_coercions_are_kept_as_written(tmp_path):
    """What YAML 1.1 would turn into booleans, numbers or dates stays the author's text."""
    study = load_study(hostile_study(tmp_path / "study", "yaml-coercions"))
    data = study.yaml.data
    assert (data["title"], data["subtitle"], data["short_title"]) == ("NO", "yes", "on")
    assert data["country"]["code"] == "NO"
    assert data["date"] == "2026-01-15"
    author = data["authors"][0]
    assert (author["name"], author["title"], author["affiliation"], author["bio"]) == (
        "2024-01-01", "12:30", "012", "off")


def test_a_yaml_1_1_directive_cannot_switch_the_rules(tmp_path):
    path = tmp_path / "study" / "study.yaml"
    hostile_study(tmp_path / "study", None)
    path.write_text("%YAML 1.1\n---\n" + path.read_text().replace('code: "NO"', "code: NO"))
    study = load_study(tmp_path / "study")
    assert study.meta is None
    assert [str(p) for p in study.problems] == [
        f"{path}:1:1: error: YAML 1.1 is not read: study files are YAML 1.2; remove the "
        "%YAML line"]


def test_thousands_of_nested_brackets_end_in_a_located_error(tmp_path):
    """The composer recurses once per level: past Python's limit it must not crash."""
    study = hostile_study(tmp_path / "study", None)
    path = study / "study.yaml"
    path.write_text(path.read_text() + "extra:\n  deep: " + "[" * 5000 + "]" * 5000 + "\n")
    result = check_in_child(study, timeout=120)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert result.stdout in (
        # ruamel's own parser recurses and stops at Python's limit
        "study/study.yaml:19:1: error: invalid YAML: nested too deeply\n",
        # libyaml composes it, and the reader's depth limit refuses it
        "study/study.yaml:18:1: error: unknown key 'extra'\n"
        "study/study.yaml:19:58: error: nested more than 50 levels deep\n")


@pytest.mark.parametrize("raw, expected", [
    (b"title: \"caf\xe9\"\n", "study/study.yaml:1:12: error: file is not valid UTF-8"),
    (b"schema_version: 1\ntitle: \"a\x00b\"\n", "study/study.yaml:2:1: error: file contains "
                                                 "a NUL byte"),
    (b"title: x\n" * 120_000, "study/study.yaml:1:1: error: file is larger than 1000000 bytes"),
], ids=["latin-1", "nul", "too-large"])
def test_broken_bytes_are_located(tmp_path, raw, expected):
    study = hostile_study(tmp_path / "study", None)
    (study / "study.yaml").write_bytes(raw)
    result = check_cli(tmp_path, "study")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == expected


def test_an_empty_or_scalar_study_yaml_is_an_error_not_a_crash(tmp_path):
    for text, first in (("", "missing required key"), ("just a string\n",
                                                        "study.yaml must be a mapping"),
                        ("- a\n- b\n", "study.yaml must be a mapping"),
                        ("~\n", "study.yaml must be a mapping"),  # found by hypothesis
                        ("---\n", "study.yaml must be a mapping")):
        study = hostile_study(tmp_path / "s", None)
        (study / "study.yaml").write_text(text)
        result = check_cli(tmp_path, "s")
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert first in result.stdout.splitlines()[0]
        shutil.rmtree(study)


def test_every_scenario_has_its_expectation():
    assert len(SCENARIOS) == 10
    assert all((p / "study.yaml").is_file() and (p / "expected.txt").is_file()
               for p in SCENARIOS)
