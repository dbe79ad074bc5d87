"""The YAML 1.2 reader: plain data, exact positions, and refusals with their lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from casestudy.files.yamlfile import read_yaml


def load(tmp_path: Path, text: str):
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return read_yaml(path)


def messages(doc) -> list[str]:
    return [f"{p.line}:{p.col}: {p.message}" for p in doc.problems]


def test_yaml_1_2_keeps_what_1_1_would_coerce(tmp_path):
    doc = load(tmp_path, "a: NO\nb: yes\nc: 012\nd: 12:30\ne: 1.10\nf: 2021-10-07\ng: 0x1F\n")
    assert doc.data == {"a": "NO", "b": "yes", "c": "012", "d": "12:30", "e": 1.1,
                        "f": "2021-10-07", "g": 31}
    assert doc.problems == []


def test_positions_of_keys_and_values(tmp_path):
    doc = load(tmp_path, "top:\n  inner: value\nlist:\n  - name: x\n")
    assert doc.keys[("top", "inner")] == (2, 3)
    assert doc.values[("top", "inner")] == (2, 10)
    assert doc.keys[("list", 0, "name")] == (4, 5)
    assert doc.where(("list", 0, "missing")) == (4, 5)


def test_duplicate_keys_name_both_lines(tmp_path):
    doc = load(tmp_path, "title: a\nother: b\ntitle: c\n")
    assert messages(doc) == ["3:1: duplicate key 'title' (first defined on line 1)"]
    assert doc.data == {"title": "a", "other": "b"}


def test_python_tags_are_refused_not_constructed(tmp_path):
    doc = load(tmp_path, "x: !!python/object/apply:os.system ['echo hi']\n")
    assert messages(doc) == [
        "1:4: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed here"]
    assert doc.data == {"x": None}


def test_alias_bomb_is_refused_at_its_anchor(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]"
              for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    doc = load(tmp_path, "\n".join(lines) + "\n")
    assert doc.problems and all("anchors and aliases are not allowed" in p.message
                                for p in doc.problems)
    assert doc.problems[0].line == 1


def test_syntax_errors_are_located(tmp_path):
    assert messages(load(tmp_path, "a: [1, 2\n"))[0].startswith("2:1: invalid YAML")
    assert messages(load(tmp_path, "a:\n\tb: 1\n"))[0].startswith("2:1: invalid YAML")


@pytest.mark.parametrize("raw, expected", [
    ("a:\n\tb: 1\n", "2:1: invalid YAML: a tab in the indentation; indent with spaces, not tabs"),
    ("a:\n  b: 1\n  \tc: 2\n", "3:3: invalid YAML: a tab in the indentation; indent with "
                                "spaces, not tabs"),
    ("title: Partners: old and new\n", "1:16: invalid YAML: a ':' that does not start a key; "
                                       "put a value holding ': ' in quotes"),
    ("a: [1, 2\n", "2:1: invalid YAML: a [list] is not closed with ']', or lacks a comma"),
    ("a: 1\n---\nb: 2\n", "2:1: invalid YAML: a second document ('---') follows the first; "
                           "a study file holds one"),
    ("a:\n  b: 1\n c: 2\n", "3:2: invalid YAML: a line indented differently from the keys "
                             "around it"),
])
def test_syntax_errors_are_said_in_plain_words(tmp_path, raw, expected):
    """The parser's jargon ("found character '\\t' that cannot start any token") is not
    what an author needs: the message says what to change."""
    assert messages(load(tmp_path, raw)) == [expected]


@pytest.mark.parametrize("raw, expected", [
    (b"a: \xff\n", "1:4: file is not valid UTF-8"),
    (b"a: 1\nb: x\x00y\n", "2:1: file contains a NUL byte"),
])
def test_bad_bytes_are_located(tmp_path, raw, expected):
    path = tmp_path / "study.yaml"
    path.write_bytes(raw)
    assert messages(read_yaml(path)) == [expected]


def test_folded_scalars_have_no_fold_markers(tmp_path):
    doc = load(tmp_path, "text: >-\n  one two\n  three\n")
    assert doc.data == {"text": "one two three"}


def test_libyaml_and_ruamels_parser_read_every_real_file_alike(monkeypatch):
    """Plain files take libyaml's fast path; it must give exactly what ruamel's gives."""
    from casestudy.files import yamlfile
    from conftest import REPO

    assert yamlfile.CParser is not None, "ruamel.yaml.clib is a dependency: the fast path"
    files = [p for pattern in ("countries/*/study.yaml", "tests/fixtures/**/study.yaml",
                               "**/series.yaml") for p in REPO.glob(pattern)
             if ".venv" not in p.parts]
    fast_ones = 0
    for path in files:
        fast = read_yaml(path)
        fast_ones += yamlfile._fast_compose(path.read_text("utf-8", "replace")) \
            is not yamlfile._SLOW
        with monkeypatch.context() as m:
            m.setattr(yamlfile, "_fast_compose", lambda text: yamlfile._SLOW)
            slow = read_yaml(path)
        assert (fast.data, fast.keys, fast.values, fast.problems, fast.refused) == \
            (slow.data, slow.keys, slow.values, slow.problems, slow.refused), path
    assert fast_ones >= 10  # Italy, the fixtures and series.yaml (a folded scalar) among them
