"""What a PDF was made from (render/provenance.py), and `casestudy verify`.

A study is built once in a series repository; the PDF's XMP names every input by hash,
and `verify` tells the PDF current (exit 0), stale after a section changes, a figure is
added, a file removed or series.yaml edited (exit 1, naming each file), or foreign: a PDF
another tool made (exit 2)."""

from __future__ import annotations

import json
import os
import shutil

import pikepdf
import pytest

from casestudy.render.provenance import read_manifest
from casestudy.series.build import build_study
from casestudy.series.report import series_report
from casestudy.source.load import load_series
from conftest import REPO, invoke, make_study


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(the series repository, the PDF, its bytes as built)."""
    repo = tmp_path_factory.mktemp("repo")
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    make_study(repo / "countries" / "norway")
    build_study(repo / "countries" / "norway", repo / "build", ("pdf",), load_series(repo))
    pdf = repo / "build" / "norway.pdf"
    return repo, pdf, pdf.read_bytes()


@pytest.fixture
def repo(built, tmp_path):
    """A copy of the built repository, to change."""
    source, _, _ = built
    copy = tmp_path / "repo"
    shutil.copytree(source, copy)
    return copy


def test_the_manifest_names_every_input_by_hash_and_nothing_of_this_machine(built):
    repo, pdf, data = built
    manifest = read_manifest(data)
    assert manifest is not None
    files = manifest["files"]
    assert manifest["study"] == "norway" and manifest["weasyprint"].startswith("70.")
    assert "study/study.yaml" in files and "study/figures/chart.svg" in files
    assert "study/sections/02-imperative.md" in files and "series/series.yaml" in files
    assert any(name.startswith("package/fontpkg_source_serif_4/") for name in files)
    assert all(len(digest) == 64 for digest in files.values())
    text = json.dumps(manifest)
    assert str(repo) not in text and "site-packages" not in text
    # in the XMP, beside what PDF/UA requires, as any XMP reader sees it
    with pikepdf.open(pdf) as doc:
        xmp = doc.open_metadata()
        assert xmp["pdfuaid:part"] == "1"
        assert "casestudy" in str(doc.Root.Metadata.read_bytes())


def test_verify_a_current_pdf(built):
    repo, pdf, _ = built
    result = invoke(repo, "verify", str(pdf))
    assert result.exit_code == 0, result.output
    assert "current: built from the sources of" in result.output
    assert invoke(repo, "verify", str(pdf), "norway").exit_code == 0


def test_verify_a_stale_pdf_names_each_file_changed_added_and_removed(repo):
    pdf = repo / "build" / "norway.pdf"
    study = repo / "countries" / "norway"
    section = study / "sections" / "02-imperative.md"
    section.write_text(section.read_text() + "\nUna frase aggiunta, 日本語も。\n")
    (study / "figures" / "new.svg").write_text((study / "figures" / "chart.svg").read_text())
    (study / "sections" / "05-ownership.md").unlink()
    (repo / "series.yaml").write_text((repo / "series.yaml").read_text() + "\n")
    result = invoke(repo, "verify", str(pdf))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "stale: built from older sources" in lines[0]
    assert lines[1:] == ["  added    study/figures/new.svg",
                         "  removed  study/sections/05-ownership.md",
                         "  changed  series/series.yaml",
                         "  changed  study/sections/02-imperative.md"]


def test_verify_a_pdf_another_tool_made(repo, tmp_path):
    other = tmp_path / "other.pdf"
    with pikepdf.new() as doc:
        doc.add_blank_page()
        doc.save(other)
    result = invoke(repo, "verify", str(other), "norway")
    assert result.exit_code == 2
    assert "not built by casestudy" in result.output
    text = tmp_path / "notes.pdf"
    text.write_text("not a PDF")
    result = invoke(repo, "verify", str(text))
    assert result.exit_code == 2
    assert "neither a PDF file nor a page of the web edition" in result.output


def test_verify_when_the_study_is_gone(repo):
    shutil.rmtree(repo / "countries" / "norway")
    result = invoke(repo, "verify", str(repo / "build" / "norway.pdf"))
    assert result.exit_code == 2
    assert "the PDF was built from study 'norway'" in result.output


def test_the_series_report_shows_what_each_pdf_was_made_from(repo):
    row, = series_report(repo).rows
    assert (row.pdf_made_from, row.pdf_changed) == ("current", [])
    section = repo / "countries" / "norway" / "sections" / "03-relationship.md"
    section.write_text(section.read_text() + "\nOne more sentence.\n")
    row, = series_report(repo).rows
    assert (row.pdf_made_from, row.pdf_changed) == (
        "stale", ["study/sections/03-relationship.md"])
    data = json.loads(invoke(repo, "series", "--format", "json").output)
    assert data["studies"][0]["pdf"]["made_from"] == "stale"
    assert "pdf_made_from" in invoke(repo, "series", "--format", "csv").output.splitlines()[0]
    (repo / "build" / "norway.pdf").unlink()
    os.mkfifo(repo / "build" / "norway.pdf")  # read, it would block the report
    row, = series_report(repo).rows
    assert row.pdf_made_from == "unknown"


def test_a_web_page_records_what_it_was_made_from_and_verify_reads_it(tmp_path):
    """The web edition's page carries the same manifest as the PDF, in a JSON data block
    (a meta element); verify tells a current page from a stale one, naming the file."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    make_study(repo / "countries" / "norway")
    build_study(repo / "countries" / "norway", repo / "build", ("pdf", "html"),
                load_series(repo))
    page = repo / "build" / "norway" / "index.html"
    html = page.read_bytes()
    assert html.count(b'<meta name="casestudy:manifest" content="{&#34;casestudy&#34;:') == 1
    from_page = read_manifest(html)
    assert from_page == read_manifest((repo / "build" / "norway.pdf").read_bytes())
    result = invoke(repo, "verify", str(page))
    assert result.exit_code == 0 and "current" in result.output, result.output
    section = repo / "countries" / "norway" / "sections" / "03-relationship.md"
    section.write_text(section.read_text() + "\nUne phrase de plus </script>.\n")
    result = invoke(repo, "verify", str(page))
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == ["  changed  study/sections/03-relationship.md"]
