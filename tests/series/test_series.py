"""`casestudy series`: the rows of the report, the exit codes, and a real series.

The cross-study rules have their own scenarios (test_consistency.py); the renderings
(JSON shape, HTML, CSV, table) are tested in test_report.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casestudy.brand.load import load_brand
from casestudy.series import report as series_module
from casestudy.series.report import series_report
from conftest import FIXTURES, REPO, invoke, make_study

runner = CliRunner()


def run(cwd: Path, *args: str):
    return invoke(cwd, "series", *args)


def sections(row) -> list[tuple[str, int | None, str]]:
    return [(s.spec.id, s.words, s.status) for s in row.sections]


# ---------------------------------------------------------------- rows


def test_row_of_a_complete_study(series_repo):
    make_study(series_repo / "countries" / "norway")
    (row,) = series_report(series_repo).rows
    assert (row.slug, row.country, row.country_code, row.series_number, row.status,
            str(row.date), row.authors) == (
        "norway", "Norway", "NO", 9, "draft", "2026-01-15", ["Test Author"])
    assert sections(row) == [
        ("summary", 100, "ok"), ("imperative", 339, "ok"), ("relationship", 420, "ok"),
        ("sectors", 826, "ok"), ("ownership", 320, "ok"), ("supply-chain", 334, "ok"),
        ("recommendations", 220, "ok"), ("conclusion", 120, "ok")]
    assert (row.placeholders, row.footnotes, row.figures, row.figures_missing_alt) == (0, 4, 1, 0)
    assert (row.errors, row.warnings) == (0, 0)
    assert (row.template_version, row.template_status) == (None, "unknown")
    assert row.pdf_status == "missing"


def test_row_shows_missing_short_and_long_sections_and_figures_without_alt(series_repo):
    make_study(series_repo / "countries" / "norway", FIXTURES / "series-rows" / "gaps")
    (row,) = series_report(series_repo).rows
    assert sections(row) == [
        ("summary", 10, "short"), ("imperative", 339, "ok"), ("relationship", 420, "ok"),
        ("sectors", 826, "ok"), ("ownership", None, "optional"),
        ("supply-chain", 334, "ok"), ("recommendations", None, "missing"),
        ("conclusion", 610, "long")]
    assert row.authors == ["Test Author", "Second Author"]
    assert (row.placeholders, row.footnotes, row.figures, row.figures_missing_alt) == (1, 4, 1, 1)
    assert [str(f.problem) for f in row.findings if f.problem.severity == "error"] == [
        f"{row.root}/sections/01-summary.md:4:3: error: placeholder TODO left in (the study's "
        "status is final)",
        f"{row.root}/sections/03-relationship.md:6:1: error: image '../figures/chart.svg' has no "
        "alt text (write it inside ![...])",
        f"{row.root}/sections/07-recommendations.md:1:1: error: required section "
        "'recommendations' is missing (expected sections/07-recommendations.md)"]
    assert row.template_status == "current"


@pytest.mark.parametrize("current, expected", [(1, "current"), (2, "outdated")])
def test_template_version_against_the_current_one(series_repo, monkeypatch, current, expected):
    monkeypatch.setattr(series_module, "TEMPLATE_VERSION", current)
    make_study(series_repo / "countries" / "norway", FIXTURES / "series-rows" / "gaps")
    report = series_report(series_repo)
    assert report.current_template_version == current
    assert report.rows[0].template_status == expected


def test_template_version_newer_than_this_casestudy(series_repo):
    root = make_study(series_repo / "countries" / "norway", FIXTURES / "series-rows" / "gaps")
    study_yaml = root / "study.yaml"
    study_yaml.write_text(study_yaml.read_text().replace("template_version: 1",
                                                         "template_version: 99"))
    assert series_report(series_repo).rows[0].template_status == "newer"


def test_pdf_missing_stale_or_current_by_modification_time(series_repo):
    root = make_study(series_repo / "countries" / "norway")
    pdf = series_repo / "build" / "norway.pdf"

    def status() -> str:
        return series_report(series_repo).rows[0].pdf_status

    assert status() == "missing"
    pdf.parent.mkdir()
    pdf.write_bytes(b"%PDF-1.7 stand-in")
    sources = [root / "study.yaml", *root.glob("sections/*"), *root.glob("figures/*")]
    then = time.time() - 3600
    for path in sources:
        os.utime(path, (then, then))
    os.utime(pdf, (then + 60, then + 60))
    assert status() == "current"
    for source in (root / "sections" / "04-sectors.md", root / "figures" / "chart.svg",
                   root / "study.yaml"):
        os.utime(source, (then + 120, then + 120))  # edited after the build
        assert status() == "stale", source.name
        os.utime(source, (then, then))
    assert status() == "current"


def test_a_pdf_the_build_recorded_is_judged_by_its_inputs_not_its_time(series_repo):
    from casestudy.render.cache import inputs_digest, record
    from casestudy.source.load import load_series

    root = make_study(series_repo / "countries" / "norway")
    out = series_repo / "build"
    pdf = out / "norway.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(b"%PDF-1.7 stand-in")
    digest = inputs_digest(root, load_series(series_repo), load_brand(series_repo))
    record(out, "norway", digest, ("pdf",))

    def status() -> str:
        return series_report(series_repo).rows[0].pdf_status

    old = time.time() - 3600
    os.utime(pdf, (old, old))  # older than every source, as after a fresh checkout
    assert status() == "current"
    series_yaml = series_repo / "series.yaml"
    series_yaml.write_text(series_yaml.read_text().replace("page_size: letter",
                                                           "page_size: a4"))
    assert status() == "stale"  # the series settings make every PDF
    series_yaml.write_text(series_yaml.read_text().replace("page_size: a4",
                                                           "page_size: letter"))
    assert status() == "current"
    pdf.write_bytes(b"%PDF-1.7 edited by hand")
    assert status() == "stale"


def test_folder_without_study_yaml_is_a_row_with_an_error(series_repo):
    make_study(series_repo / "countries" / "norway")
    stray = series_repo / "countries" / "sweden" / "sections"
    stray.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "minimal" / "sections" / "01-summary.md", stray / "01-summary.md")
    rows = series_report(series_repo).rows
    assert [r.slug for r in rows] == ["norway", "sweden"]
    sweden = rows[1]
    assert sweden.status is None and sweden.sections[0].words == 100
    assert (sweden.errors, sweden.warnings) == (7, 0)  # no study.yaml, six required sections
    assert str(sweden.findings[-1].problem) == (
        f"{sweden.root}/study.yaml:1:1: error: no study.yaml: this folder in countries/ is not "
        "a study yet")


def test_several_processes_give_the_same_report(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "series-three", repo)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    make_study(repo / "countries" / "zz-gaps", FIXTURES / "series-rows" / "gaps")
    one, two = series_report(repo, jobs=1), series_report(repo, jobs=2)
    assert one.rows == two.rows
    assert [(r.slug, r.errors, r.warnings) for r in two.rows] == [
        ("japan", 0, 40), ("norway", 1, 40), ("zz-gaps", 4, 2)]  # country NO twice


# ---------------------------------------------------------------- the command


def test_clean_series_exits_0_and_prints_a_plain_table(series_repo):
    make_study(series_repo / "countries" / "norway")
    result = run(series_repo)
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.output  # not a terminal: no colour codes
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Allied Defense-Industrial Partnerships: series report, ")
    row = next(line for line in lines if "norway NO" in line)
    assert row.split() == ["9", "norway", "NO", "draft", "2026-01-15", "Test", "Author",
                           "100", "339", "420", "826", "320", "334", "220", "120",
                           "0", "4", "1", "0", "0", "0", "0", "-", "none"]  # 0 charts
    assert lines[-1] == "1 study: 0 error(s), 0 warning(s), 0 note(s)"


def test_errors_exit_1_and_are_listed_with_their_location(series_repo):
    make_study(series_repo / "countries" / "norway", FIXTURES / "series-rows" / "gaps")
    result = run(series_repo)
    assert result.exit_code == 1
    assert ("countries/norway/sections/07-recommendations.md:1:1: error: required section "
            "'recommendations' is missing (expected sections/07-recommendations.md)"
            in result.stdout.splitlines())


def test_same_series_number_or_country_is_an_error(series_repo):
    make_study(series_repo / "countries" / "norway")
    make_study(series_repo / "countries" / "norway-2")
    result = run(series_repo)
    assert result.exit_code == 1
    problems = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert problems == [
        "countries/norway-2/study.yaml:6:9: error: country NO (Norway) is also the subject "
        "of countries/norway/study.yaml:6",
        "countries/norway-2/study.yaml:10:16: error: series number 9 is also used by "
        "countries/norway/study.yaml:10",
        "countries/norway/study.yaml:6:9: error: country NO (Norway) is also the subject "
        "of countries/norway-2/study.yaml:6",
        "countries/norway/study.yaml:10:16: error: series number 9 is also used by "
        "countries/norway-2/study.yaml:10"]


def test_strict_fails_on_warnings_of_final_studies_only(series_repo):
    norway = make_study(series_repo / "countries" / "norway")
    make_study(series_repo / "countries" / "japan",
               FIXTURES / "series-rules" / "heading-trips" / "japan")
    assert run(series_repo, "--strict").exit_code == 0  # only a draft has warnings
    study_yaml = norway / "study.yaml"
    study_yaml.write_text(study_yaml.read_text().replace("status: draft", "status: final"))
    assert run(series_repo, "--strict").exit_code == 0  # final, and without warnings
    conclusion = norway / "sections" / "08-conclusion.md"
    conclusion.write_text(conclusion.read_text() + "\nThe U.S. agreed.\n")
    assert run(series_repo).exit_code == 0
    result = run(series_repo, "--strict")
    assert result.exit_code == 1
    assert ("countries/norway/sections/08-conclusion.md:5:5: warning: write 'US', not 'U.S.'"
            in result.stdout.splitlines())


def test_out_writes_the_file_atomically_and_keeps_the_exit_code(series_repo):
    make_study(series_repo / "countries" / "norway", FIXTURES / "series-rows" / "gaps")
    target = series_repo / "reports" / "series.json"
    result = run(series_repo, "--format", "json", "--out", str(target))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("wrote ")
    assert json.loads(target.read_text())["totals"]["failed"] is True
    assert sorted(p.name for p in target.parent.iterdir()) == ["series.json"]  # no temporaries
    assert target.read_text() == run(series_repo, "--format", "json").stdout


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "html"])
def test_a_file_name_that_is_not_utf8_reaches_every_format(series_repo, fmt):
    study = make_study(series_repo / "countries" / "norway")
    (study / "sections" / os.fsdecode(b"\xff-notes.md")).write_text("# Notes\n")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}  # strict, as in most UTF-8 locales
    printed = subprocess.run([sys.executable, "-m", "casestudy", "series", "--format", fmt],
                             cwd=series_repo, capture_output=True, timeout=120, env=env)
    written = subprocess.run([sys.executable, "-m", "casestudy", "series", "--format", fmt,
                              "--out", "report"], cwd=series_repo, capture_output=True,
                             timeout=120, env=env)
    assert (printed.returncode, written.returncode) == (0, 0), written.stderr
    assert b"Traceback" not in printed.stderr + written.stderr
    assert (series_repo / "report").read_bytes() == printed.stdout or fmt == "table"


def test_unwritable_out_exits_2_and_keeps_nothing_half_written(series_repo):
    make_study(series_repo / "countries" / "norway")
    (series_repo / "taken").write_text("a file, not a folder")
    result = run(series_repo, "--out", "taken/report.txt")
    assert result.exit_code == 2
    assert result.stderr.startswith("taken/report.txt:1:1: error: cannot write the report: ")
    assert (series_repo / "taken").read_text() == "a file, not a folder"


def test_unknown_format_is_a_usage_error(series_repo):
    result = run(series_repo, "--format", "xml")
    assert result.exit_code == 2
    assert "'xml' is not one of table, json, csv, html" in result.output


def test_bad_series_yaml_exits_2_with_a_located_message(series_repo):
    (series_repo / "series.yaml").write_text("series_name: [unclosed\n")
    result = run(series_repo)
    assert result.exit_code == 2
    assert result.stderr.startswith("series.yaml:")
    assert ": error: " in result.stderr and "Traceback" not in result.output


def test_missing_countries_folder_exits_2(series_repo):
    series_repo.joinpath("countries").rmdir()
    result = run(series_repo)
    assert result.exit_code == 2
    assert result.stderr == "countries:1:1: error: no countries/ folder in " \
                            f"{series_repo}\n"


def test_the_command_never_imports_weasyprint(series_repo):
    make_study(series_repo / "countries" / "norway")
    code = ("import sys\nfrom casestudy.cli import main\nsys.argv = ['casestudy', 'series', "
            "'--format', 'html']\ntry:\n    main()\nexcept SystemExit as exc:\n"
            "    print('exit', exc.code, file=sys.stderr)\n"
            "print([m for m in sys.modules if m.startswith('weasyprint')], file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=series_repo, capture_output=True,
                          text=True, timeout=120)
    assert done.stderr.splitlines()[-2:] == ["exit 0", "[]"]
    assert "<svg" in done.stdout


# ---------------------------------------------------------------- a real series


@pytest.fixture
def three(tmp_path: Path) -> Path:
    """Italy beside two studies exactly as `casestudy new` made them."""
    shutil.copytree(FIXTURES / "series-three", tmp_path / "repo")
    shutil.copytree(REPO / "countries" / "italy", tmp_path / "repo" / "countries" / "italy")
    shutil.copyfile(REPO / "series.yaml", tmp_path / "repo" / "series.yaml")
    return tmp_path / "repo"


def test_italy_and_two_new_studies(three, no_logs):
    report = series_report(three)
    italy, japan, norway = report.rows
    assert [(r.slug, r.series_number, r.status) for r in report.rows] == [
        ("italy", 1, "draft"), ("japan", 2, "draft"), ("norway", 3, "draft")]
    # Italy is written: every section in range, sourced, no placeholders, no problems
    assert all(s.status == "ok" for s in italy.sections)
    assert italy.placeholders == 0 and italy.footnotes > 30
    assert (italy.figures, italy.charts) == (0, 1)  # its one figure is drawn from a CSV
    assert italy.citations >= 13 and all(s["cited"] for s in italy.sources)
    assert (italy.errors, italy.warnings) == (0, 0)
    # the new studies are the template's stubs: every section there, short, full of TODOs
    for stub in (japan, norway):
        assert [s.status for s in stub.sections] == ["ok"] + ["short"] * 7
        assert stub.charts == 0  # the template's example chart is commented out
        assert stub.placeholders == 32 and stub.errors == 0
        assert (stub.template_version, stub.template_status) == (1, "current")
        assert [s.heading for s in stub.sections] == [s.default_heading
                                                      for s in stub.sections]
    assert (italy.template_version, italy.template_status) == (1, "current")  # by upgrade
    assert [s.words for s in japan.sections] == [s.words for s in norway.sections]
    assert all((s.words or 0) < 100 for s in japan.sections)
    assert sum(s.words or 0 for s in italy.sections) > 4000
    # what only the series shows: the sponsor line Italy has and the drafts lack
    series_only = sorted(f"{f.rule}: {f.problem.path.split('countries/')[1]}"
                         for r in report.rows for f in r.findings if f.rule != "check")
    assert series_only == ["sponsor: japan/study.yaml", "sponsor: norway/study.yaml"]
    assert not report.failed() and not report.failed(strict=True)


def test_italy_and_two_new_studies_on_the_command_line(three):
    result = run(three)
    assert result.exit_code == 0
    rows = [line.split() for line in result.stdout.splitlines()
            if line.split()[:2] in (["1", "italy"], ["2", "japan"], ["3", "norway"])]
    assert [row[:4] for row in rows] == [["1", "italy", "IT", "draft"],
                                         ["2", "japan", "JP", "draft"],
                                         ["3", "norway", "NO", "draft"]]
    assert rows[1][-2:] == rows[0][-2:] == ["v1", "none"]
    assert "52↓" in rows[1] and "↓" not in " ".join(rows[0])
    assert result.stdout.splitlines()[-1] == "3 studies: 0 error(s), 82 warning(s), 0 note(s)"


def test_the_prose_series_yaml_prints_on_every_brief_is_held_to_the_house_style(series_repo):
    make_study(series_repo / "countries" / "norway")
    config = series_repo / "series.yaml"
    text = config.read_text("utf-8")
    config.write_text(text.replace("the firms, programs and agreements",
                                   "the firms, programmes and agreements")
                      .replace("stronger and more secure in a crisis.",
                               "stronger, a game changer,\n  by 12 % in a crisis.")
                      .replace('label: "Issue Brief"', 'label: "Issue Brief"  # defence'),
                      "utf-8")
    result = run(series_repo)
    assert result.exit_code == 0  # warnings about series.yaml never fail the report
    assert [line for line in result.stdout.splitlines() if line.startswith("series.yaml")] == [
        "series.yaml:8:25: warning: write 'program', not 'programme'",
        "series.yaml:10:15: warning: banned phrase 'game changer'",
        "series.yaml:11:6: warning: '12 %': write 'percent' in prose, not '%'",
    ]  # not the keys (programme:), the comment's 'defence' after a value, or style: itself
    assert run(series_repo, "--strict").exit_code == 0
    data = json.loads(run(series_repo, "--format", "json").stdout)
    assert [(p["line"], p["rule"]) for p in data["series_problems"]] == [
        (8, "spelling"), (10, "banned"), (11, "format")]
    assert data["totals"]["warnings"] == 3 + sum(s["counts"]["warnings"]
                                                 for s in data["studies"])
    html = run(series_repo, "--format", "html").stdout
    assert '<details id="series-yaml" open>' in html
    assert "<code>series.yaml:8:25</code> write &#39;program&#39;, not &#39;programme&#39;" in html
