"""``casestudy build --format docx``: the reviewers' Word copy. Reproducible to the byte;
citations as Zotero fields that the importer reads back as ``[@key]``; the brand's
typefaces and colours in its styles (or the publisher's own reference document); every
block bookmarked with its lines; and it opens in LibreOffice with every heading, note
and alt text in it."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from casestudy.brand.load import load_brand
from casestudy.files.pandoc import elements
from casestudy.render.docx import MARK_NAME, docx_bytes, word_copy
from casestudy.source.load import load_study
from casestudy.word.convert import stringify
from casestudy.word.draft import read_draft
from conftest import FIXTURES, REPO, invoke
from pdfinfo import pdf_text

ITALY = REPO / "countries" / "italy"
KITCHEN = FIXTURES / "kitchen-sink"


@pytest.fixture(scope="module")
def italy_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    result = invoke(REPO, "build", "italy", "--format", "docx", "--out", str(out),
                    "--jobs", "1")
    assert result.exit_code == 0, result.output
    return out / "italy.docx"


def test_the_copy_is_reproducible(italy_docx: Path, tmp_path: Path) -> None:
    again = invoke(REPO, "build", "italy", "--format", "docx", "--out", str(tmp_path),
                   "--jobs", "1", "--force")
    assert again.exit_code == 0, again.output
    assert (tmp_path / "italy.docx").read_bytes() == italy_docx.read_bytes()
    with zipfile.ZipFile(italy_docx) as package:
        assert {info.date_time for info in package.infolist()} == {(2026, 11, 25, 0, 0, 0)}
        core = package.read("docProps/core.xml").decode()
    assert "<dc:title>Una squadra vincente</dc:title>" in core
    assert "<dc:creator>Dr. Chiara Valdameri; Dr. Nathan E. Corwell</dc:creator>" in core
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core) == \
        ["2026-11-25T00:00:00Z"] * 2


def test_citations_are_zotero_fields_read_back_as_keys(italy_docx: Path) -> None:
    with zipfile.ZipFile(italy_docx) as package:
        body = package.read("word/document.xml").decode()
    assert body.count("ADDIN ZOTERO_ITEM CSL_CITATION") >= 10
    cited = {ref.value for s in load_study(ITALY).sections if s.parsed
             for ref in s.parsed.citations}
    draft = read_draft(italy_docx)  # the importer's own reading
    keys = {c["citationId"] for node in elements(draft.ast["blocks"])
            if node.get("t") == "Cite" for c in node["c"][0]}
    assert keys == cited and len(cited) >= 8
    items = {item["id"]: item for item in draft.items}
    assert set(items) == cited  # each field carries its item's CSL JSON
    assert items["gao2024"]["type"]


def test_every_block_is_bookmarked_with_its_lines(italy_docx: Path) -> None:
    with zipfile.ZipFile(italy_docx) as package:
        names = re.findall(r'w:name="(cs_[0-9a-f_]+)"',
                           package.read("word/document.xml").decode()
                           + package.read("word/footnotes.xml").decode())
    marked = word_copy(load_study(ITALY), load_brand(REPO)).marked
    assert set(names) == set(marked)
    sections = load_study(ITALY).sections
    for name in names:
        index, first, last = (int(n) for n in MARK_NAME.match(name).groups()[:3])
        lines = sections[index].path.read_text(encoding="utf-8").splitlines()
        assert first <= last <= len(lines) and lines[first - 1].strip()


def test_the_brand_styles_the_copy(italy_docx: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(italy_docx) as package:
        theme = package.read("word/theme/theme1.xml").decode()
        styles = package.read("word/styles.xml").decode()
    assert re.search(r'<a:majorFont>\s*<a:latin typeface="Source Sans 3"', theme)
    assert re.search(r'<a:minorFont>\s*<a:latin typeface="Source Serif 4"', theme)
    heading = styles[styles.index('w:styleId="Heading1"'):]
    assert re.search(r'<w:color w:val="1B2A4A"\s*/>', heading[:heading.index("</w:style>")])
    # the publisher's own reference document wins
    repo = tmp_path / "series"
    shutil.copytree(KITCHEN, repo)
    shutil.copyfile(REPO / "_brand.yml", repo / "_brand.yml")
    shutil.copytree(REPO / "brand", repo / "brand")
    with zipfile.ZipFile(italy_docx) as source, \
            zipfile.ZipFile(repo / "brand" / "reference.docx", "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/styles.xml":
                data = data.replace(b'w:val="1B2A4A"', b'w:val="00FF00"')
            target.writestr(info, data)
    result = invoke(repo, "build", "kitchen-sink", "--format", "docx", "--jobs", "1")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(repo / "build" / "kitchen-sink.docx") as package:
        assert re.search(r'<w:color w:val="00FF00"\s*/>',
                         package.read("word/styles.xml").decode())


def test_a_bad_format_is_refused() -> None:
    result = invoke(REPO, "build", "italy", "--format", "odt")
    assert result.exit_code == 2
    assert "'odt' is not one of pdf, html, docx, all" in result.output


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("needs LibreOffice to open the Word copy: apt-get install "
                    "libreoffice-writer-nogui")
    return found


def _words(text: str) -> str:
    """Text with its spaces evened out, and a hyphen PDFium ended a line with (as
    LibreOffice draws some hyphens) joined to the next word."""
    return re.sub(r"-\s+", "-", " ".join(text.replace("\u00ad", "").split()))


@pytest.mark.parametrize("root", [ITALY, KITCHEN / "countries" / "kitchen-sink"],
                         ids=["italy", "kitchen-sink"])
def test_the_copy_opens_in_libreoffice_with_everything_in_it(root: Path,
                                                             tmp_path: Path) -> None:
    soffice = _soffice()
    study = load_study(root)
    assert study.meta is not None
    date = study.meta.date
    docx = tmp_path / f"{root.name}.docx"
    docx.write_bytes(docx_bytes(word_copy(study, load_brand(REPO)), None, root,
                                (date.year, date.month, date.day)))
    subprocess.run([soffice, "--headless", "--norestore",
                    f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(docx)],
                   check=True, capture_output=True, timeout=240)
    text = _words(pdf_text(tmp_path / f"{root.name}.pdf"))
    headings = [s.parsed.heading for s in study.sections if s.parsed] + \
        [ref.value for s in study.sections if s.parsed for ref in s.parsed.subheadings]
    assert len(headings) > 8
    for heading in headings:
        assert _words(heading) in text, heading
    notes = 0
    copy = read_draft(docx)  # each note's text, as the copy holds it
    for node in elements(copy.ast["blocks"], skip=("Note",)):
        if node.get("t") == "Note":
            notes += 1
            words = stringify(node["c"]).split()[:8]
            assert _words(" ".join(words)) in text, words
    # every note the sources call (one called twice is two notes in Word)
    assert notes == sum(len(s.parsed.footnote_refs) for s in study.sections if s.parsed)
    alts = [image.extra for s in study.sections if s.parsed for image in s.parsed.images]
    alts += [value for s in study.sections if s.parsed for b in s.parsed.blocks
             if b.kind == "chart" for value in ["Bar chart of"]]
    assert alts
    for alt in alts:
        assert f"Alt text: {_words(alt)}" in text, alt


def _paragraphs(document: bytes) -> list[tuple[str, bool, int]]:
    """Each paragraph of document.xml: (its text, whether it is right to left, how many
    of its runs are)."""
    found = []
    for para in re.findall(rb"<w:p[ >].*?</w:p>", document, re.S):
        text = b"".join(re.findall(rb"<w:t[^>]*>([^<]*)</w:t>", para)).decode()
        found.append((text, b"<w:bidi" in para, len(re.findall(rb"<w:rtl\s*/>", para))))
    return found


def test_right_to_left_passages_are_right_to_left_in_word(tmp_path: Path) -> None:
    """A ::: {lang=he} block is a right-to-left paragraph in Word and a [..]{lang=ar} span
    right-to-left runs, their direction taken from the language as in the PDF (Word
    left them left to right: the full stop at the line's start); English stays as it
    was. In a study in Hebrew, paragraphs are right to left but those that begin in
    English, as in its PDF."""
    study = load_study(KITCHEN / "countries" / "kitchen-sink")
    brand = load_brand(KITCHEN)
    paragraphs = _paragraphs(zipfile.ZipFile(io.BytesIO(docx_bytes(
        word_copy(study, brand), None, KITCHEN, (2026, 1, 1)))).read("word/document.xml"))
    hebrew = next(p for p in paragraphs if p[0].startswith("שיתוף הפעולה"))
    arabic = next(p for p in paragraphs if p[0].startswith("تتعاون الصناعات"))
    assert hebrew[1] and hebrew[2] and arabic[1] and arabic[2]
    mixed = next(p for p in paragraphs if p[0].startswith("Owners are named in their own"))
    assert not mixed[1] and mixed[2] >= 2  # the Hebrew and Arabic spans, in an English line
    english = next(p for p in paragraphs if p[0].startswith("Owners") is False
                   and p[0][:1].isascii() and p[0][:1].isalpha() and not p[2])
    assert not english[1]

    root = tmp_path / "he"
    shutil.copytree(FIXTURES / "minimal", root)
    meta = root / "study.yaml"
    meta.write_text(meta.read_text("utf-8") + "language: he\n", "utf-8")
    section = next((root / "sections").glob("01-*.md"))
    section.write_text(section.read_text("utf-8") + "\nשיתוף הפעולה החל בשנות השבעים.\n",
                       "utf-8")
    paragraphs = _paragraphs(zipfile.ZipFile(io.BytesIO(docx_bytes(
        word_copy(load_study(root), load_brand(REPO)), None, root, (2026, 1, 1)))).read(
        "word/document.xml"))
    hebrew = next(p for p in paragraphs if p[0].startswith("שיתוף הפעולה החל"))
    assert hebrew[1] and hebrew[2]
    english = [p for p in paragraphs if p[0].startswith("Lorem ipsum")]
    assert english and not any(bidi for _, bidi, _ in english)
