"""The series schema: one definition, and the JSON Schema derived from it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from casestudy.cli import app
from casestudy.source.schema import SECTIONS, StudyMeta


def test_sections_are_numbered_in_order_with_sane_ranges():
    assert [s.number for s in SECTIONS] == list(range(1, len(SECTIONS) + 1))
    assert [s.filename for s in SECTIONS] == [
        "01-summary.md", "02-imperative.md", "03-relationship.md", "04-sectors.md",
        "05-ownership.md", "06-supply-chain.md", "07-recommendations.md", "08-conclusion.md"]
    for spec in SECTIONS:
        assert 0 < spec.min_words < spec.max_words
        assert spec.purpose
    relationship = SECTIONS[2]
    assert relationship.default_heading("Italian") == (
        "The state of the US-Italian defense-industrial relationship")


def test_cli_prints_the_json_schema_of_study_yaml():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "casestudy study.yaml"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) >= {"schema_version", "title", "country", "status", "date",
                                       "series_number", "authors", "sponsor"}
    assert schema["properties"]["date"]["format"] == "date"
    assert schema["properties"]["status"]["enum"] == ["draft", "review", "final"]
    assert "08-conclusion.md" in schema["$comment"]
    assert set(schema["properties"]) == set(StudyMeta.model_fields)


def test_version_and_help():
    runner = CliRunner()
    assert runner.invoke(app, ["--version"]).stdout.startswith("casestudy ")
    assert "check" in runner.invoke(app, ["--help"]).stdout
