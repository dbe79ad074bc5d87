"""Renderings of the series report: the JSON layout (pinned, and documented in
docs/series-json.md), the self-contained HTML page, CSV and the plain table."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from casestudy.errors import CasestudyError
from casestudy.series.formats import CSV_COLUMNS, FORMATS, render, report_data
from casestudy.series.report import SeriesReport, series_report
from conftest import FIXTURES, REPO, make_study

DOC = REPO / "docs" / "series-json.md"

# The JSON layout, version 1. Leaves use the type words of docs/series-json.md; a dict is
# an object with exactly these keys in this order, a one-item list an array of that.
SHAPE: dict[str, Any] = {
    "schema_version": "int",
    "generator": "string",
    "series_name": "string",
    "as_of": "string (date)",
    "current_template_version": "int",
    "sections": [{"number": "int", "id": "string", "heading": "string", "required": "bool",
                  "min_words": "int", "max_words": "int"}],
    "totals": {"studies": "int", "errors": "int", "warnings": "int", "infos": "int",
               "failed": "bool", "failed_strict": "bool"},
    "studies": [{
        "slug": "string",
        "path": "string",
        "title": "string or null",
        "country": "string or null",
        "country_code": "string or null",
        "series_number": "int or null",
        "status": "string or null",
        "date": "string (date) or null",
        "authors": ["string"],
        "has_sponsor": "bool or null",
        "sections": [{"id": "string", "number": "int", "status": "string",
                      "words": "int or null", "min_words": "int", "max_words": "int",
                      "heading": "string or null", "default_heading": "string"}],
        "placeholders": "int",
        "footnotes": "int",
        "figures": "int",
        "figures_missing_alt": "int",
        "charts": "int",
        "citations": "int",
        "sources": [{"key": "string", "title": "string", "year": "string", "url": "string",
                     "type": "string", "file": "string", "line": "int", "cited": "bool",
                     "level": "string"}],
        "template": {"version": "int or null", "current": "int", "status": "string"},
        "pdf": {"path": "string", "status": "string", "made_from": "string",
                "changed": ["string"]},
        "counts": {"errors": "int", "warnings": "int", "infos": "int"},
        "failed": "bool",
        "failed_strict": "bool",
        "problems": [{"path": "string", "line": "int", "col": "int", "severity": "string",
                      "rule": "string", "message": "string"}],
    }],
    "series_problems": [{"path": "string", "line": "int", "col": "int", "severity": "string",
                         "rule": "string", "message": "string"}],
}


def conforms(value: Any, spec: Any, where: str = "$") -> None:
    if isinstance(spec, dict):
        assert isinstance(value, dict), where
        assert list(value) == list(spec), f"{where}: keys {list(value)}"
        for key, inner in spec.items():
            conforms(value[key], inner, f"{where}.{key}")
    elif isinstance(spec, list):
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            conforms(item, spec[0], f"{where}[{i}]")
    else:
        kind, nullable = spec.removesuffix(" or null"), spec.endswith(" or null")
        if value is None:
            assert nullable, f"{where} is null"
            return
        check = {"int": lambda v: type(v) is int, "bool": lambda v: type(v) is bool,
                 "string": lambda v: type(v) is str,
                 "string (date)": lambda v: type(v) is str
                 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None}[kind]
        assert check(value), f"{where}: {value!r} is not {spec}"


@pytest.fixture
def varied(series_repo: Path) -> SeriesReport:
    """A series with something of everything: a clean study, one with gaps and errors,
    a folder without study.yaml (nulls), and a clash (cross-study findings)."""
    countries = series_repo / "countries"
    make_study(countries / "norway")
    make_study(countries / "gaps", FIXTURES / "series-rows" / "gaps")
    make_study(countries / "japan", FIXTURES / "series-rules" / "heading-trips" / "japan")
    (countries / "sweden" / "sections").mkdir(parents=True)
    return series_report(series_repo)


# ---------------------------------------------------------------- JSON


def test_json_has_the_pinned_shape(varied):
    data = json.loads(render(varied, "json"))
    conforms(data, SHAPE)
    assert data == report_data(varied)
    studies = {s["slug"]: s for s in data["studies"]}
    assert list(studies) == ["gaps", "japan", "norway", "sweden"]
    assert studies["sweden"]["title"] is None and studies["norway"]["title"] == "Minimal study"
    assert all(len(s["sections"]) == 8 for s in studies.values())
    severities = {p["severity"] for s in studies.values() for p in s["problems"]}
    assert severities == {"error", "warning", "info"}
    assert {p["rule"] for p in studies["japan"]["problems"]} == {"check", "heading"}
    assert {p["rule"] for p in studies["gaps"]["problems"]} == {"check", "country",
                                                                 "series-number"}
    assert data["totals"]["studies"] == 4 and data["totals"]["failed"] is True
    assert data["schema_version"] == 1


def _doc_tables() -> dict[tuple[str, ...], list[tuple[str, str]]]:
    """Each key table of the docs page: object path -> [(key, type)] in order."""
    tables: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    path: tuple[str, ...] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            named = re.search(r"`([\w.\[\]]+)`", line)
            path = () if "Top level" in line else (
                tuple(named.group(1).replace("[]", "").split(".")) if named else None)
            if line.startswith("# "):
                path = None
        elif path is not None and line.startswith("| `"):
            key, kind = (cell.strip() for cell in line.strip("|").split("|")[:2])
            tables.setdefault(path, []).append((key.strip("`"), kind))
    return tables


def _objects(spec: Any, path: tuple[str, ...] = ()):
    if isinstance(spec, list):
        yield from _objects(spec[0], path)
    elif isinstance(spec, dict):
        yield path, [(key, _type_word(inner)) for key, inner in spec.items()]
        for key, inner in spec.items():
            yield from _objects(inner, (*path, key))


def _type_word(spec: Any) -> str:
    if isinstance(spec, dict):
        return "object"
    if isinstance(spec, list):
        return "array of objects" if isinstance(spec[0], dict) else f"array of {spec[0]}s"
    return spec


def test_docs_list_exactly_the_keys_and_types_of_the_shape():
    assert _doc_tables() == dict(_objects(SHAPE))


def test_docs_example_has_the_shape():
    example = DOC.read_text(encoding="utf-8").split("```json\n")[1].split("```")[0]
    conforms(json.loads(example), SHAPE)


def test_docs_list_every_rule():
    from casestudy.check.consistency import RULES

    documented = re.findall(r"^\| `([\w-]+)` \| (?:error|warning)", DOC.read_text(), re.M)
    assert documented == ["check", *RULES, "brand"]  # brand: brand.py's, about series.yaml


# ---------------------------------------------------------------- HTML


class Page(HTMLParser):
    """Tags with their attributes, the text of <style>, and the chart's groups."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.style = ""
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.style += data
        self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def test_html_is_self_contained_and_has_every_study_and_the_chart(varied):
    html = render(varied, "html")
    page = parse(html)
    tags = [t for t, _ in page.tags]
    assert tags[0] == "html" and "script" not in tags and "link" not in tags
    assert "iframe" not in tags and "object" not in tags and "img" not in tags
    for tag, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "action", "srcset"):
            value = (attrs.get(name) or "").strip().lower()
            assert not re.match(r"(https?:|file:|//|data:)", value), (tag, name, value)
            assert not value or value.startswith("#"), (tag, name, value)  # in-page only
    assert "url(" not in page.style and "@import" not in page.style
    assert not re.search(r"https?://", html)
    # the chart: one SVG, one bar group per study with a bar per section, in row order
    charts = [a for t, a in page.tags if t == "svg"]
    assert len(charts) == 1 and charts[0]["class"] == "chart"
    groups = [a["data-slug"] for t, a in page.tags if t == "g" and a.get("class") == "study"]
    assert groups == [row.slug for row in varied.rows]
    bars = [a["class"] for t, a in page.tags if t == "g" and (a.get("class") or "")
            .startswith("bar ")]
    assert len(bars) == 8 * len(varied.rows)
    assert bars[:8] == ["bar short", "bar ok", "bar ok", "bar ok", "bar optional", "bar ok",
                        "bar missing", "bar long"]  # gaps/, the first row
    # the table says in one cell per study what is wrong with its sections, worst colour
    cells = re.findall(r'<td class="sections (\w+)" title="([^"]*)">([^<]*)</td>', html)
    css, title, text = cells[0]  # gaps/
    assert (css, text) == ("missing", "1 missing, 1 short, 1 long")
    assert title.startswith("1 summary: 10 words (80–400) short; 2 imperative: 339 words")
    assert "; 5 ownership: absent (300–1500, optional); " in title
    assert "; 7 recommendations: missing (200–1200); 8 conclusion: 610 words" in title
    assert [text for _, _, text in cells[1:]] == ["3 short", "8 in range", "7 missing"]
    assert len(cells) == len(varied.rows)
    # every study is in the table and has its problems listed
    anchors = [a["href"] for t, a in page.tags if t == "a"]
    assert anchors == [f"#study-{row.slug}" for row in varied.rows]
    ids = [a["id"] for t, a in page.tags if t == "details"]
    assert ids == [f"study-{row.slug}" for row in varied.rows]
    text = " ".join(page.text)
    assert "required section 'recommendations' is missing" in text


def test_html_escapes_what_authors_wrote(series_repo):
    root = make_study(series_repo / "countries" / "norway")
    study_yaml = root / "study.yaml"
    study_yaml.write_text(study_yaml.read_text().replace(
        'title: "Minimal study"', 'title: "<script>alert(1)</script> & <b>bold</b>"'))
    html = render(series_report(series_repo), "html")
    assert "<script>" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_html_of_italy_and_two_new_studies(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "series-three", repo)
    shutil.copytree(REPO / "countries" / "italy", repo / "countries" / "italy")
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    page = parse(render(series_report(repo), "html"))
    groups = [a["data-slug"] for t, a in page.tags if t == "g" and a.get("class") == "study"]
    assert groups == ["italy", "japan", "norway"]
    bars = [a["class"].split()[1] for t, a in page.tags
            if t == "g" and (a.get("class") or "").startswith("bar ")]
    assert bars == ["ok"] * 8 + (["ok"] + ["short"] * 7) * 2  # Italy written, two stubs
    titles = [a.get("class") for t, a in page.tags if t == "span"]
    assert titles.count("title") == 3


# ---------------------------------------------------------------- CSV and table


def test_csv_has_one_line_per_study(varied):
    rows = list(csv.reader(io.StringIO(render(varied, "csv"))))
    assert rows[0] == CSV_COLUMNS
    by_slug = {row[0]: dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert list(by_slug) == ["gaps", "japan", "norway", "sweden"]
    gaps = by_slug["gaps"]
    assert (gaps["authors"], gaps["recommendations_words"], gaps["recommendations_status"],
            gaps["conclusion_words"], gaps["conclusion_status"], gaps["figures_missing_alt"],
            gaps["template_status"], gaps["pdf_status"]) == (
        "Test Author; Second Author", "", "missing", "610", "long", "1", "current", "missing")
    assert by_slug["sweden"]["title"] == "" and by_slug["sweden"]["errors"] == "8"


def test_plain_table_lists_rows_and_findings(varied):
    text = render(varied, "table")
    assert "\x1b[" not in text
    lines = text.splitlines()
    gaps = next(line for line in lines if " gaps NO " in line).split()
    assert gaps[:4] == ["9", "gaps", "NO", "final"]
    assert gaps[-17:] == ["10↓", "339", "420", "826", "-", "334", "miss", "610↑",  # words
                          "1", "4", "1", "1", "0", "5", "2", "v1", "missing"]  # 0 charts
    assert any(line.endswith("/countries/gaps/sections/08-conclusion.md:1:1: warning: 610 "
                             "words of body text (headings, footnotes, tables and figures not "
                             "counted); the conclusion section should have 100-600")
               for line in lines)
    assert not any(": info: " in line for line in lines)  # notes: JSON and HTML only
    assert lines[-1] == "4 studies: 15 error(s), 7 warning(s), 1 note(s)"


def test_unknown_format_is_refused(varied):
    assert FORMATS == ("table", "json", "csv", "html")
    with pytest.raises(CasestudyError, match="unknown format 'xml'"):
        render(varied, "xml")


def test_terminal_output_shows_author_text_literally(series_repo):
    root = make_study(series_repo / "countries" / "[bold]norway")
    study_yaml = root / "study.yaml"
    study_yaml.write_text(study_yaml.read_text().replace(
        'name: "Test Author"', r'name: "[/] \e[31mRed [bold]Author"'))
    (root / "sections" / "01-summary.md").write_text(
        "# Key \x1b[2J points\n\n- One key point.\n")
    text = render(series_report(series_repo), "table")
    assert "\x1b" not in text
    assert "[bold]norway NO" in text and "[/] \\x1b[31mRed [bold]Aut" in text  # visible
    assert ("study.yaml:12:11: error: authors.0.name: control character U+001B (ESC) in the "
            "text; remove it") in text
    assert "heading 'Key \\x1b[2J points' drifted from the series wording" in text  # repr
