"""``casestudy import REVIEWED.docx --review STUDY``: the Word copy of ``build --format
docx`` comes back as edits of the Markdown sources. An unedited copy gives no changes
(Italy, the kitchen sink); a copy a reviewer edited with python-docx (tracked insertions
and deletions, comments) gives the right diff and comment lines, and ``--apply`` writes
exactly those changes: ``git diff`` of the study shows nothing else."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from reviewing import DATE, comment, find, review, split, track_replace

from casestudy.brand.load import load_brand
from casestudy.render.docx import docx_bytes, word_copy
from casestudy.source.load import load_study
from casestudy.word.review import review_copy
from conftest import FIXTURES, REPO, invoke, slim_italy

KITCHEN = FIXTURES / "kitchen-sink" / "countries" / "kitchen-sink"
SUMMARY = "countries/italy/sections/01-summary.md"
SECTORS = "countries/italy/sections/04-sectors.md"


# copies made in this process, by the bytes of every file of the study: the same sources
# give the same copy (test_export.py proves it), so tests that edit an unedited Italy
# export it once (4 s each on this machine), not once each
_EXPORTED: dict[str, bytes] = {}


def _sources_key(study: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in study.rglob("*") if p.is_file()):
        digest.update(path.relative_to(study).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def export(study: Path, target: Path) -> Path:
    key = _sources_key(study)
    if key not in _EXPORTED:
        loaded = load_study(study)
        assert loaded.meta is not None
        date = loaded.meta.date
        _EXPORTED[key] = docx_bytes(word_copy(loaded, load_brand(REPO)), None, study,
                                    (date.year, date.month, date.day))
    target.write_bytes(_EXPORTED[key])
    return target


@pytest.mark.parametrize("study", [REPO / "countries" / "italy", KITCHEN],
                         ids=["italy", "kitchen-sink"])
def test_an_unedited_copy_gives_no_changes(study: Path, tmp_path: Path) -> None:
    copy = export(study, tmp_path / "copy.docx")
    found = review_copy(copy, study, None, load_brand(REPO))
    assert (found.changes, found.comments, found.missing, found.pending) == ([], [], [], 0)
    # every block of the sources is marked in the copy (a rule has nothing to mark)
    assert len(word_copy(load_study(study), load_brand(REPO)).marked) > 30


@pytest.fixture
def italy(tmp_path: Path) -> Path:
    """Italy in a Git repository of its own, committed: cut to the two sections the
    reviewers here edit (the summary and the sectors, with their notes), which the
    copy, the comparison and --apply then handle in a third of the time."""
    repo = tmp_path / "series"
    slim_italy(repo / "countries" / "italy", keep=("01", "04"))
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    for args in (["init", "-q"], ["add", "."],
                 ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=repo, check=True)
    return repo


def reviewed(repo: Path, tmp_path: Path) -> Path:
    """The copy, edited as a reviewer would: a replacement in the key points, accents
    and Hangul; a deletion in a table cell; an insertion in a note; two comments."""
    copy = export(repo / "countries" / "italy", tmp_path / "italy.docx")

    def edit(document) -> None:
        track_replace(document, "The record is mixed.", "largely",
                      "per lo più (대부분)", "Ana Ruiz", 501)
        track_replace(document, "Parent design (SuperAV)", " for BAE Systems", "",
                      "Ana Ruiz", 503)
        track_replace(document, "Fincantieri to Acquire the Manitowoc", "August 5,",
                      "August 5 [sic],", "Jürgen Groß", 505)
        comment(document, "Cameri rolled out", "Novara,", "Check the place against "
                "Lockheed's release.", "김민준")
        comment(document, "Key points", "Key points", "Shorter, please.", "Ana Ruiz")

    return review(copy, tmp_path / "italy-reviewed.docx", edit)


def git_diff(repo: Path) -> list[str]:
    out = subprocess.run(["git", "diff", "--unified=0", "--no-color"], cwd=repo,
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_a_reviewed_copy_gives_the_diff_and_the_comments(italy: Path,
                                                         tmp_path: Path) -> None:
    copy = reviewed(italy, tmp_path)
    before = (italy / SUMMARY).read_text(encoding="utf-8")
    result = invoke(italy, "import", str(copy), "--review", "countries/italy")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    day = DATE[:10]
    assert f"{SUMMARY}:3: changed (deletion by Ana Ruiz, {day}; insertion by Ana Ruiz, " \
        f"{day})" in lines
    assert f"{SECTORS}:5: changed (deletion by Ana Ruiz, {day})" in lines
    assert any(line.startswith(f"{SECTORS}:") and "insertion by Jürgen Groß" in line
               for line in lines)
    assert "-- The record is mixed. Helicopters, defense electronics, and F-35 work at " \
        "Cameri have largely delivered." in result.output
    assert "+- The record is mixed. Helicopters, defense electronics, and F-35 work at " \
        "Cameri have per lo più (대부분) delivered." in result.output
    novara = next(i for i, line in enumerate(
        (italy / SECTORS).read_text(encoding="utf-8").splitlines(), 1) if "Novara" in line)
    col = (italy / SECTORS).read_text(encoding="utf-8").splitlines()[novara - 1] \
        .index("Novara,") + 1
    comments = [line for line in lines if ": comment (" in line]
    assert comments[0].startswith(f"{SUMMARY}:1:3: comment (Ana Ruiz, ")
    assert comments[0].endswith("): Shorter, please.")
    assert comments[1].startswith(f"{SECTORS}:{novara}:{col}: comment (김민준, ")
    assert comments[1].endswith("): Check the place against Lockheed's release.")
    # showing writes nothing
    assert (italy / SUMMARY).read_text(encoding="utf-8") == before
    assert git_diff(italy) == []


def test_apply_writes_exactly_the_changes(italy: Path, tmp_path: Path) -> None:
    copy = reviewed(italy, tmp_path)
    result = invoke(italy, "import", str(copy), "--review", "countries/italy",
                    "--accept-all", "--apply")
    assert result.exit_code == 0, result.output
    assert f"wrote {SUMMARY}" in result.output.splitlines()
    diff = git_diff(italy)
    summary = (REPO / SUMMARY).read_text(encoding="utf-8").splitlines()[3]
    assert diff.count(f"-{summary}") == 1
    assert f"+{summary.replace('largely', 'per lo più (대부분)')}" in diff
    assert "-| Amphibious Combat Vehicle | US Marine Corps | Iveco Defence Vehicles | " \
        "Parent design (SuperAV) for BAE Systems | Selected 2018; full-rate production " \
        "2020 |" in diff
    assert "+| Amphibious Combat Vehicle | US Marine Corps | Iveco Defence Vehicles | " \
        "Parent design (SuperAV) | Selected 2018; full-rate production 2020 |" in diff
    assert any(line.startswith("+[^mmg]:") and "August 5 \\[sic\\], 2008" in line
               for line in diff)
    assert len(diff) == 6, diff  # three lines out, three in: nothing else moved


def test_reject_all_writes_nothing_and_a_pending_copy_needs_a_decision(
        italy: Path, tmp_path: Path) -> None:
    copy = reviewed(italy, tmp_path)
    refused = invoke(italy, "import", str(copy), "--review", "countries/italy", "--apply")
    assert refused.exit_code != 0
    assert "still holds 5 tracked changes: accept or reject them in Word, or give " \
        "--accept-all or --reject-all; nothing was written" in refused.output
    assert git_diff(italy) == []
    rejected = invoke(italy, "import", str(copy), "--review", "countries/italy",
                      "--reject-all", "--apply")
    assert rejected.exit_code == 0, rejected.output
    assert "countries/italy-reviewed.docx" not in rejected.output
    assert git_diff(italy) == []


def test_emphasis_added_rewrites_that_block_only(italy: Path, tmp_path: Path) -> None:
    copy = export(italy / "countries" / "italy", tmp_path / "italy.docx")

    def emphasis(document) -> None:  # not word changes: each block is written again
        for run in split(find(document, "The record is mixed."), "The record is mixed."):
            run.bold = True
        for run in split(find(document, "Beretta’s M9 was"), "standard US military sidearm"):
            run.italic = True

    edited = review(copy, tmp_path / "bold.docx", emphasis)
    result = invoke(italy, "import", str(edited), "--review", "countries/italy", "--apply")
    assert result.exit_code == 0, result.output
    assert f"{SUMMARY}:3: changed (not tracked); the block written again as a whole: " \
        "emphasis, a link or a style changed" in result.output.splitlines()
    summary = (REPO / SUMMARY).read_text(encoding="utf-8").splitlines()[3]
    sectors = next(line for line in (REPO / SECTORS).read_text(encoding="utf-8").splitlines()
                   if line.startswith("Beretta's M9"))
    # the other items of the list, and the note labels of the paragraph, are kept
    assert git_diff(italy) == [
        f"-{summary}",
        f"+{summary.replace('The record is mixed.', '**The record is mixed.**')}",
        f"-{sectors}",
        f"+{sectors.replace('standard US military sidearm', '*standard US military sidearm*')}"]


def test_a_change_that_cannot_be_placed_is_reported_not_guessed(
        italy: Path, tmp_path: Path) -> None:
    copy = export(italy / "countries" / "italy", tmp_path / "italy.docx")

    def bold(document) -> None:  # emphasis in a table: our ::: table is never rewritten
        for run in split(find(document, "Parent design (SuperAV)"), "SuperAV"):
            run.bold = True

    edited = review(copy, tmp_path / "bold.docx", bold)
    result = invoke(italy, "import", str(edited), "--review", "countries/italy", "--apply")
    assert result.exit_code == 1
    assert f"{SECTORS}:5: changed (not tracked); not placed in the Markdown: emphasis, a " \
        "link or a style changed" in result.output.splitlines()
    assert git_diff(italy) == []


def test_a_block_changed_since_the_copy_is_never_reverted(italy: Path,
                                                          tmp_path: Path) -> None:
    copy = reviewed(italy, tmp_path)
    summary = italy / SUMMARY
    lines = summary.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("The record is mixed.", "The record is uneven.")
    summary.write_text("".join(lines), encoding="utf-8")  # the author went on writing
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                    "commit", "-qam", "later"], cwd=italy, check=True)
    result = invoke(italy, "import", str(copy), "--review", "countries/italy",
                    "--accept-all", "--apply")
    assert result.exit_code == 1
    assert f"{SUMMARY}:3: error: this block changed in the sources since the copy was " \
        "made; its 2 tracked changes in Word are not applied: carry them over by hand" \
        in result.output.splitlines()
    assert "The record is uneven." in summary.read_text(encoding="utf-8")
    diff = git_diff(italy)  # the other blocks' changes are applied
    assert len(diff) == 4 and not any("record" in line for line in diff), diff


def test_a_copy_that_is_not_a_word_file_is_refused(italy: Path, tmp_path: Path) -> None:
    fake = tmp_path / "reviewed.docx"
    fake.write_text("not a zip", encoding="utf-8")
    result = invoke(italy, "import", str(fake), "--review", "countries/italy", "--apply")
    assert result.exit_code != 0
    assert "is not a Word document (.docx)" in result.output
    assert git_diff(italy) == []


def test_a_copy_saved_again_by_libreoffice_gives_the_same_changes(italy: Path,
                                                                  tmp_path: Path) -> None:
    """LibreOffice keeps the bookmarks of the text but drops those in notes, and drops an
    SVG picture it cannot show: the notes are found again by their order."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("needs LibreOffice: apt-get install libreoffice-writer-nogui")
    copy = reviewed(italy, tmp_path)
    saved = tmp_path / "libreoffice"
    subprocess.run([soffice, "--headless", "--norestore",
                    f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(saved), str(copy)],
                   check=True, capture_output=True, timeout=240)
    direct = invoke(italy, "import", str(copy), "--review", "countries/italy")
    again = invoke(italy, "import", str(saved / copy.name), "--review", "countries/italy")
    assert again.exit_code == 0, again.output

    def changes(output: str) -> list[str]:  # LibreOffice keeps a change in more pieces
        return [line.split(" (")[0] for line in output.splitlines()
                if line.startswith(("countries/", "-", "+"))]

    assert changes(again.output) == changes(direct.output)
    assert any(line.startswith(f"{SECTORS}:70: changed (") and "Jürgen Groß" in line
               for line in again.output.splitlines())


def test_alt_text_and_cjk_edited_in_word_change_the_markdown(tmp_path: Path) -> None:
    copy = export(KITCHEN, tmp_path / "kitchen-sink.docx")

    def edit(document) -> None:
        track_replace(document, "Alt text: A bar chart of three values", "three", "3",
                      "Ana Ruiz", 601)
        track_replace(document, "「日米の防衛産業協力」", "日米の防衛産業協力",
                      "日米防衛産業協力", "山田花子", 603)

    edited = review(copy, tmp_path / "reviewed.docx", edit)
    found = review_copy(edited, KITCHEN, None, load_brand(REPO))
    assert [c.placed and not c.whole for c in found.changes] == [True, True]
    changed = {path.name: text for path, text in found.new_texts().items()}
    before = {path.name: path.read_text(encoding="utf-8")
              for path in (KITCHEN / "sections").iterdir()}
    assert changed["04-sectors.md"] == before["04-sectors.md"].replace(
        "![A bar chart of three values", "![A bar chart of 3 values")
    assert changed["02-imperative.md"] == before["02-imperative.md"].replace(
        "「日米の防衛産業協力」", "「日米防衛産業協力」")


def test_languages_marked_in_the_sources_come_through(tmp_path: Path) -> None:
    """``[text]{lang=he}`` and ``::: {lang=ar}`` (source/attrs.py): Word gets the
    language of the text, and a review of the words inside them is placed."""
    study = tmp_path / "kitchen-sink"
    shutil.copytree(KITCHEN, study)
    section = study / "sections" / "08-conclusion.md"
    section.write_text(section.read_text(encoding="utf-8") + "\nThe word "
                       "[שותפות]{lang=he} means partnership.\n\n::: {lang=ar}\n"
                       "الشراكة الصناعية\n:::\n", encoding="utf-8")
    copy = export(study, tmp_path / "copy.docx")
    assert review_copy(copy, study, None, load_brand(REPO)).changes == []
    with zipfile.ZipFile(copy) as package:
        body = package.read("word/document.xml").decode()
    assert re.search(r'<w:lang w:val="he"\s*/>\s*</w:rPr>\s*<w:t[^>]*>שותפות<', body)
    assert re.search(r'<w:lang w:val="ar"\s*/>(?:(?!</w:r>).)*الشراكة', body, re.S)

    def edit(document) -> None:
        track_replace(document, "means partnership", "שותפות", "שיתוף", "Ana Ruiz", 701)

    found = review_copy(review(copy, tmp_path / "r.docx", edit), study, None,
                        load_brand(REPO))
    (text,) = found.new_texts().values()
    assert "The word [שיתוף]{lang=he} means partnership." in text
