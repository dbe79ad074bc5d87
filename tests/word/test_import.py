"""``casestudy import DRAFT.docx``: the acceptance draft of issue 23, counted from its own
XML and found again in the imported study, which checks and builds; drafts written by
Word and LibreOffice; review marks; the citation managers; filling an existing study."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from conftest import FIXTURES, REPO, invoke
from pdfinfo import pdf_text

WORD = FIXTURES / "word"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
KOREA = ["--country", "South Korea", "--adjective", "Korean", "--date", "2026-12-01",
         "--no-input"]
OPTIONS = [*KOREA, "--author", "Ana Author"]  # for drafts without an author of their own


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A series repository with this project's brand and a Hangul fallback font."""
    for name in ("series.yaml", "_brand.yml"):
        shutil.copyfile(REPO / name, tmp_path / name)
    shutil.copytree(REPO / "brand", tmp_path / "brand")
    shutil.copytree(WORD / "fonts", tmp_path / "fonts")
    brand = yaml.safe_load((tmp_path / "_brand.yml").read_text(encoding="utf-8"))
    brand["typography"]["fonts"].append({
        "family": "Nanum Gothic", "source": "file", "unicode-range": "U+1100-11FF, "
        "U+3130-318F, U+AC00-D7A3", "files": [{"path": "fonts/NanumGothic-subset.ttf",
                                               "weight": 400}]})
    (tmp_path / "_brand.yml").write_text(yaml.safe_dump(brand, allow_unicode=True),
                                         encoding="utf-8")
    (tmp_path / "countries").mkdir()
    return tmp_path


def docx_counts(path: Path) -> dict[str, int]:
    """What the draft holds, counted from its XML (not from pandoc's reading)."""
    with zipfile.ZipFile(path) as archive:
        body = ElementTree.fromstring(archive.read("word/document.xml")).find(f"{W}body")
        notes = ElementTree.fromstring(archive.read("word/footnotes.xml"))
    counts = dict.fromkeys(("paragraphs", "list items", "tables", "pictures"), 0)
    for p in body.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        style = style.get(f"{W}val") if style is not None else ""
        text = "".join(t.text or "" for t in p.iter(f"{W}t"))
        if p.find(f"{W}pPr/{W}numPr") is not None:
            counts["list items"] += 1
        elif p.find(f".//{A}blip") is not None:
            counts["pictures"] += 1
        elif text.strip() and style not in ("Title", "Subtitle", "Caption") and \
                not style.startswith("Heading") and p in list(body):
            counts["paragraphs"] += 1
    counts["tables"] = len(body.findall(f"{W}tbl"))
    real = [n for n in notes.findall(f"{W}footnote") if int(n.get(f"{W}id")) > 0]
    counts["notes"] = len(real)
    counts["note paragraphs"] = sum(len(n.findall(f"{W}p")) for n in real)
    fields = [t.text or "" for root in (body, notes) for t in root.iter(f"{W}instrText")]
    counts["citations"] = sum(len(json.loads(f.split("CSL_CITATION", 1)[1])["citationItems"])
                              for f in fields if "ADDIN ZOTERO_ITEM CSL_CITATION" in f)
    return counts


def study_counts(study: Path) -> dict[str, int]:
    """The same things, counted in the imported study's Markdown."""
    counts = dict.fromkeys(("paragraphs", "list items", "tables", "pictures", "notes",
                            "note paragraphs", "citations"), 0)
    for path in sorted((study / "sections").glob("*.md")):
        in_note = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("[^"):
                counts["notes"] += 1
                counts["note paragraphs"] += 1
                in_note = True
            elif in_note and line.startswith("    ") and line.strip():
                counts["note paragraphs"] += 1
            elif re.match(r"\s*(?:-|\d+\.)\s", line):
                counts["list items"] += 1
            elif line.startswith("::: table"):
                counts["tables"] += 1
            elif line.startswith("!["):
                counts["pictures"] += 1
            elif line.strip() and not line.startswith(("#", ":::", "|", "Caption:",
                                                       "Source:")) and not in_note:
                counts["paragraphs"] += 1
            counts["citations"] += sum(len(re.findall(r"@[\w-]+", c))
                                       for c in re.findall(r"\[[^\[\]]*@[^\[\]]*\]", line))
    return counts


def test_the_acceptance_draft_comes_over_whole_checks_and_builds(repo: Path) -> None:
    draft = WORD / "korea-draft.docx"
    result = invoke(repo, "import", str(draft), *KOREA)
    assert result.exit_code == 0, result.output
    study = repo / "countries" / "south-korea"
    expected = docx_counts(draft)
    assert expected == {"paragraphs": 10, "list items": 9, "tables": 1, "pictures": 2,
                        "notes": 5, "note paragraphs": 7, "citations": 6}
    assert study_counts(study) == expected
    # the report says exactly what came over
    assert "words 3" in result.output and "notes 5, figures 2, tables 1, citations 6 " \
        "(3 new in references.json)" in result.output
    assert "not carried over" not in result.output
    # facts from the document, the Korean name kept; headings as `new` writes them
    meta = yaml.safe_load((study / "study.yaml").read_text(encoding="utf-8"))
    assert meta["title"] == "Partners in the Pacific"
    assert meta["subtitle"] == "The US-Korean defense-industrial partnership"
    assert [a["name"] for a in meta["authors"]] == ["김민준 (Kim Min-jun)", "Sarah Whitfield"]
    relationship = (study / "sections" / "03-relationship.md").read_text(encoding="utf-8")
    assert relationship.startswith("# The state of the US-Korean defense-industrial "
                                   "relationship\n")
    assert "Caption: Selected Korean programs with a US dimension, 2014-2024" in relationship
    assert "| Year | Program" in relationship  # the header row
    assert "![Bar chart of US-Korean defense trade, 2015-2025](../figures/word-figure-1.png)" \
        in relationship
    assert "[Korea Defense Acquisition Program Administration](https://www.dapa.go.kr/" \
        in relationship
    summary = (study / "sections" / "02-imperative.md").read_text(encoding="utf-8")
    assert "*Hanwha Aerospace*" in summary and "김민준" in summary
    assert "[@park2023]" in summary and "[@김2021]" in summary
    recommendations = (study / "sections" / "07-recommendations.md").read_text("utf-8")
    assert re.search(r"^3\. +Conclude", recommendations, re.M)  # the list starts at 3
    assert re.search(r"^ {4}1\. +starting with", recommendations, re.M)  # nesting kept
    sectors = (study / "sections" / "04-sectors.md").read_text(encoding="utf-8")
    assert "[^4]: The first contract" in sectors and "\n    Two more followed" in sectors
    references = json.loads((study / "references.json").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in references) == ["hasik2021", "park2023", "김2021"]
    assert (study / "figures" / "word-figure-2.png").read_bytes()[:4] == b"\x89PNG"

    checked = invoke(repo, "check", "south-korea")
    assert checked.exit_code == 0, checked.output
    assert ": error:" not in checked.output
    # the picture without alt text is carried, and check says so (a placeholder to write)
    assert re.search(r"04-sectors\.md:\d+:\d+: warning: placeholder TODO", checked.output)

    built = invoke(repo, "build", "south-korea", "--jobs", "1")
    assert built.exit_code == 0, built.output
    text = pdf_text(repo / "build" / "south-korea.pdf")
    assert "Partners in the Pacific" in text and "김민준" in text
    assert "Selected Korean programs" in text


def test_samples_written_by_word_and_libreoffice(repo: Path) -> None:
    """Word's own footnotes and tables (mammoth.js's test files, PROVENANCE.md): with no
    heading that names a section, the text goes into the first section, said."""
    result = invoke(repo, "import", str(WORD / "samples" / "footnotes.docx"), *OPTIONS)
    assert result.exit_code == 0, result.output
    summary = (repo / "countries/south-korea/sections/01-summary.md").read_text("utf-8")
    assert "Ouch[^1].[^2]" in summary and "[^1]: A tachyon walks into a bar." in summary
    assert "TODO (import): this text came before the first section heading" in summary
    assert 'went into "Key points", under a TODO line' in result.output


def test_word_tables_keep_their_rows(repo: Path) -> None:
    result = invoke(repo, "import", str(WORD / "samples" / "tables.docx"), *OPTIONS)
    assert result.exit_code == 0, result.output
    text = (repo / "countries/south-korea/sections/01-summary.md").read_text("utf-8")
    assert "| Top left" in text and "| Bottom left" in text and "::: table" in text


def test_a_libreoffice_linked_picture_is_reported_never_fetched(repo: Path) -> None:
    result = invoke(repo, "import", str(WORD / "samples" / "external-picture.docx"), *OPTIONS)
    assert result.exit_code == 1, result.output  # something was lost
    assert "a linked picture (tiny-picture.png), never fetched" in result.output


def test_a_text_box_is_said_and_its_text_kept(repo: Path) -> None:
    result = invoke(repo, "import", str(WORD / "samples" / "text-box.docx"), *OPTIONS)
    assert result.exit_code == 0, result.output
    assert "a text box: its text came over as plain paragraphs" in result.output
    text = (repo / "countries/south-korea/sections/01-summary.md").read_text("utf-8")
    assert "Datum plane" in text


def test_review_marks_stop_the_import_and_are_counted(repo: Path) -> None:
    draft = WORD / "reviewed.docx"
    result = invoke(repo, "import", str(draft), *OPTIONS)
    assert result.exit_code == 2
    assert "still holds 1 tracked deletion, 1 tracked insertion and 1 comment" in result.output
    assert list((repo / "countries").iterdir()) == []  # nothing written


@pytest.mark.parametrize("flag, kept, gone", [("--accept-all", "The alliance is an", "has long"),
                                              ("--reject-all", "has long been an", " is an")])
def test_review_marks_accepted_or_rejected(repo: Path, flag: str, kept: str, gone: str) -> None:
    result = invoke(repo, "import", str(WORD / "reviewed.docx"), flag, *OPTIONS)
    assert result.exit_code == 0, result.output
    conclusion = (repo / "countries/south-korea/sections/08-conclusion.md").read_text("utf-8")
    assert kept in conclusion and gone not in conclusion
    # the comment is a TODO line after the paragraph it was written on: check reports it
    lines = conclusion.splitlines()
    at = lines.index("Seoul and Washington agree.")
    assert lines[at + 2] == ('TODO (import): Word comment by 이서연 on "Seoul and Washington '
                             'agree.": Do they? Cite the 2024 statement.')
    checked = invoke(repo, "check", "south-korea")
    assert f"08-conclusion.md:{at + 3}:1: warning: placeholder TODO" in checked.output


def test_mendeley_and_endnote_citations_and_a_near_miss(repo: Path) -> None:
    result = invoke(repo, "import", str(WORD / "managers.docx"), *OPTIONS)
    assert result.exit_code == 0, result.output
    study = repo / "countries/south-korea"
    conclusion = (study / "sections/08-conclusion.md").read_text("utf-8")
    assert "[@park2023] and [@hasik2021]" in conclusion
    keys = {r["id"]: r for r in json.loads((study / "references.json").read_text("utf-8"))}
    assert keys["hasik2021"]["title"] == "The Security of Defense Trade with Allies"
    assert 'the heading "Security of supply chains" names no section (did you mean ' \
           '"Security of supply: contact, contracts, and control"?)' in result.output
    assert "## Security of supply chains\n\nA near miss" in conclusion
    assert "TODO (import): the Word heading" in conclusion


def test_into_fills_placeholders_keeps_an_authors_text_and_renames_a_clash(
        repo: Path) -> None:
    assert invoke(repo, "new", "South Korea", "--adjective", "Korean", "--author", "A. B",
                  "--no-input").exit_code == 0
    study = repo / "countries/south-korea"
    mine = "# Conclusion\n\nMy own conclusion, written by hand.\n"
    (study / "sections/08-conclusion.md").write_text(mine, encoding="utf-8")
    other = [{"id": "park2023", "type": "book", "title": "Another book", "issued": {
        "date-parts": [[2023]]}, "author": [{"family": "Park", "given": "Other"}]}]
    (study / "references.json").write_text(json.dumps(other), encoding="utf-8")
    result = invoke(repo, "import", str(WORD / "korea-draft.docx"), "--into", "south-korea")
    assert result.exit_code == 1, result.output  # the conclusion's text was not carried
    assert (study / "sections/08-conclusion.md").read_text(encoding="utf-8") == mine
    assert 'section "Conclusion" was not imported' in result.output
    assert "Cross-border ownership is rare" in (study / "sections/05-ownership.md").read_text(
        "utf-8")
    references = json.loads((study / "references.json").read_text("utf-8"))
    assert references[0] == other[0]  # kept as it was
    assert [r["id"] for r in references] == ["park2023", "김2021", "park2023a", "hasik2021"]
    assert "citation key park2023 is already used" in result.output
    assert "[@park2023a]" in (study / "sections/02-imperative.md").read_text("utf-8")
