"""Output that reaches a terminal or a spreadsheet.

Author text (a footnote label, a folder name, a YAML value) can hold ESC, BEL or CR,
which a terminal obeys: ``ESC[2J`` clears the screen, ``ESC[8m`` hides the error lines
after it. Every message goes through one filter (``errors.printable``) that shows such
characters as escapes; control characters in YAML string values are located errors;
the series CSV never starts a cell with what a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import shutil
from pathlib import Path

import pytest

from casestudy.errors import PrintableFormatter, printable
from conftest import REPO, invoke, make_study

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE_LABEL = "\x1b[2J\x1b[8m"
VISIBLE_LABEL = "\\x1b[2J\\x1b[8m"


def test_printable_shows_every_control_character_as_its_escape():
    assert printable("a\x1b[2Jb\x07c\rd\x00e\x7ff\x9bg\u202eh\u2066i") == (
        "a\\x1b[2Jb\\x07c\\x0dd\\x00e\\x7ff\\x9bg\\u202eh\\u2066i")
    assert printable("two\nlines\tand a tab") == "two\nlines\tand a tab"
    assert printable("one\nline", lines=False) == "one\\x0aline"
    # text beyond English is left alone; so are the marks right-to-left text needs
    text = "Ελληνικά, 日本語, العربية\u200f, עברית\u200e, Ω ≠ ∞"
    assert printable(text) == text
    # a file name's undecodable byte 0x9B (a C1 CSI) kept by surrogateescape
    assert printable(b"x\x9by\xe9".decode("utf-8", "surrogateescape")) == "x\\x9by\udce9"


def test_log_records_are_filtered_too():
    record = logging.LogRecord("weasyprint", logging.WARNING, __file__, 1,
                               "Ignored %s", ("\x1b]0;owned\x07",), None)
    line = PrintableFormatter("%(levelname)s: %(message)s").format(record)
    assert line == "WARNING: Ignored \\x1b]0;owned\\x07"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A series whose study folder and a footnote label carry terminal escapes."""
    repo = tmp_path / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    study = make_study(repo / "countries" / "evil\x1b[2J\r")
    section = study / "sections" / "02-imperative.md"
    section.write_text(section.read_text() + f"\nA loose call.[^{HOSTILE_LABEL}]\n")
    return repo


def _assert_clean(text: str) -> None:
    assert RAW.search(text) is None, repr(RAW.search(text))


def test_check_prints_author_text_visibly(repo):
    result = invoke(repo, "check")
    _assert_clean(result.stdout + result.stderr)
    assert f"footnote [^{VISIBLE_LABEL}] is used but never defined" in result.stdout
    assert all(line.startswith("countries/evil\\x1b[2J\\x0d/sections/")
               for line in result.stdout.splitlines())


def test_build_prints_author_text_visibly(repo):
    section = repo / "countries" / "evil\x1b[2J\r" / "sections" / "03-relationship.md"
    section.write_text(section.read_text() + "\n<b>raw</b>\n")  # an error: not built
    result = invoke(repo, "build")
    assert result.exit_code == 1
    _assert_clean(result.stdout + result.stderr)
    assert "evil\\x1b[2J\\x0d: not built (fix the errors above)" in result.stderr
    assert f"footnote [^{VISIBLE_LABEL}] is used but never defined" in result.stdout


def test_build_names_a_built_study_visibly(repo):
    result = invoke(repo, "build")  # the undefined note is an error: the study is named
    assert result.exit_code == 1, result.output
    _assert_clean(result.stdout + result.stderr)
    assert "evil\\x1b[2J\\x0d: not built (fix the errors above)" in result.stderr
    section = repo / "countries" / "evil\x1b[2J\r" / "sections" / "02-imperative.md"
    section.write_text(section.read_text() + f"\n[^{HOSTILE_LABEL}]: Now defined.\n")
    result = invoke(repo, "build")
    assert result.exit_code == 0, result.output
    _assert_clean(result.stdout + result.stderr)
    assert "built build/evil\\x1b[2J\\x0d.pdf" in result.stderr


def test_series_prints_author_text_visibly(repo):
    for fmt in ("table", "json", "csv", "html"):
        result = invoke(repo, "series", "--format", fmt)
        _assert_clean(result.stdout + result.stderr)
    table = invoke(repo, "series").stdout
    assert f"footnote [^{VISIBLE_LABEL}] is used but never defined" in table
    data = json.loads(invoke(repo, "series", "--format", "json").stdout)
    assert data["studies"][0]["slug"] == "evil\x1b[2J\r"  # the data itself is kept


def test_upgrade_prints_author_text_visibly(repo):
    (repo / "countries" / "evil\x1b[2J\r" / "sections" / "08-conclusion.md").unlink()
    result = invoke(repo, "upgrade", "evil\x1b[2J\r")
    assert result.exit_code == 0, result.output
    _assert_clean(result.stdout + result.stderr)
    assert result.stdout.splitlines()[0] == ("countries/evil\\x1b[2J\\x0d/sections/"
                                             "08-conclusion.md: added a stub")


def test_new_and_errors_print_author_text_visibly(repo):
    result = invoke(repo, "new", "Ruritania\x1b[8m", "--no-input")
    assert result.exit_code == 2
    _assert_clean(result.stdout + result.stderr)
    missing = invoke(repo, "check", "\x1b[2Jnowhere\x07")
    assert missing.exit_code == 2
    _assert_clean(missing.stderr)
    assert missing.stderr.startswith("\\x1b[2Jnowhere\\x07:1:1: error: ")


# ---------------------------------------------------------------- YAML escapes

@pytest.mark.parametrize(("escape", "named"), [
    ("\\0", "U+0000 (NUL)"), ("\\x1b", "U+001B (ESC)"), ("\\a", "U+0007 (BEL)"),
    ("\\x07", "U+0007 (BEL)"), ("\\r", "U+000D (CR)"), ("\\x9b", "U+009B (CSI)"),
    ("\\x7f", "U+007F (DEL)")])
def test_control_characters_in_study_yaml_values_are_located_errors(repo, escape, named):
    study = repo / "countries" / "evil\x1b[2J\r"
    text = (study / "study.yaml").read_text()
    (study / "study.yaml").write_text(text.replace('title: "Minimal study"',
                                                   f'title: "Minimal{escape} study"'))
    result = invoke(repo, "check", str(study))
    assert result.exit_code == 1
    assert (f"countries/evil\\x1b[2J\\x0d/study.yaml:2:8: error: title: control character "
            f"{named} in the text; remove it") in result.stdout.splitlines()


def test_a_bidi_override_in_a_value_is_a_located_error(repo):
    study = repo / "countries" / "evil\x1b[2J\r"
    text = (study / "study.yaml").read_text()
    (study / "study.yaml").write_text(text.replace('name: "Test Author"',
                                                   'name: "Test \\u202eAuthor"'))
    result = invoke(repo, "check", str(study))
    assert ("countries/evil\\x1b[2J\\x0d/study.yaml:12:11: error: authors.0.name: bidi "
            "override U+202E (RIGHT-TO-LEFT OVERRIDE) in the text; remove it"
            ) in result.stdout.splitlines()


def test_right_to_left_text_and_its_marks_are_fine(repo):
    study = repo / "countries" / "evil\x1b[2J\r"
    text = (study / "study.yaml").read_text()
    (study / "study.yaml").write_text(text.replace(
        'subtitle: "A tiny fixture for the tests"',
        'subtitle: "שותפות \\u200fעם\\u200f ישראל, \\u2067العربية\\u2069, 日本"'))
    result = invoke(repo, "check", str(study))
    found = [line for line in result.stdout.splitlines() if "study.yaml" in line]
    # the only finding is the glyph rule's (this series declares no Hebrew, Arabic or
    # Japanese font); the direction marks and isolates need no glyph and are not named
    assert len(found) == 1 and "are in no brief font" in found[0]
    assert not any(mark in found[0] for mark in ("U+200F", "U+2067", "U+2069"))


def test_a_control_character_in_series_yaml_is_a_located_error(repo):
    text = (repo / "series.yaml").read_text()
    first = next(line for line in text.splitlines() if re.match(r'\w+: "', line))
    key = first.split(":")[0]
    (repo / "series.yaml").write_text(text.replace(first, f'{key}: "bell\\a"', 1))
    line = text.splitlines().index(first) + 1
    for command in ("build", "series"):
        result = invoke(repo, command)
        assert result.exit_code == 2
        assert result.stderr == (f"series.yaml:{line}:{len(key) + 3}: error: {key}: control "
                                 "character U+0007 (BEL) in the text; remove it\n")


# ---------------------------------------------------------------- CSV injection

FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def test_csv_cells_never_start_a_formula(tmp_path):
    repo = tmp_path / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    study = make_study(repo / "countries" / "=cmd")
    text = (study / "study.yaml").read_text()
    text = text.replace('title: "Minimal study"', f'title: {json.dumps(FORMULAS[0])}')
    authors = "".join(f"  - name: {json.dumps(name)}\n    bio: \"x\"\n" for name in FORMULAS[1:4])
    text = text.replace("authors:\n", "authors:\n" + authors)
    (study / "study.yaml").write_text(text)
    result = invoke(repo, "series", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["slug"] == "'=cmd"
    assert rows[0]["title"] == "'" + FORMULAS[0]
    assert rows[0]["authors"] == "'+1+2; -2+3; @SUM(A1); Test Author"
    assert rows[0]["path"] == "countries/=cmd"
    assert rows[0]["errors"] == "0"  # numbers stay numbers
    data = json.loads(invoke(repo, "series", "--format", "json").stdout)
    assert data["studies"][0]["title"] == FORMULAS[0]  # only the CSV is neutralised


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_cell_quotes_each_formula_start(value):
    from casestudy.series.formats import csv_cell

    assert csv_cell(value) == "'" + printable(value)
    assert csv_cell("plain, text") == "plain, text" and csv_cell(-3) == -3
