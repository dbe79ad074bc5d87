"""Real reference lists, as Zotero, Better BibTeX, JabRef and biblatex write them, are
judged as pandoc reads them: only what a study cites, after pandoc resolves BibLaTeX's
crossref and xdata, and against what the style prints (tests/fixtures/bibliographies,
with their provenance).

The series of these tests: a study whose own references.bib is a whole Better BibTeX
library (1,241 works, 59 undated) and whose references.json is a Zotero CSL-JSON export,
in a series whose references.bib is biblatex's own example database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casestudy.series.build import build_study
from casestudy.source.load import load_series
from casestudy.source.references import MAX_BYTES
from conftest import FIXTURES, REPO, invoke, make_study
from pdfinfo import pdf_text

LISTS = FIXTURES / "bibliographies"
SECTION = "countries/demo/sections/08-conclusion.md"


def exported_repo(base: Path, cites: str, *, series_list: str = "biblatex-examples.bib",
                  study_bib: str | None = "better-bibtex-export.bib",
                  study_json: str | None = "zotero-csl.json") -> Path:
    """A series with the real lists laid out as an author would, and one study citing
    ``cites`` (pandoc's syntax) at the end of its conclusion."""
    repo = base / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    shutil.copyfile(LISTS / series_list, repo / "references.bib")
    root = make_study(repo / "countries" / "demo")
    if study_bib:
        shutil.copyfile(LISTS / study_bib, root / "references.bib")
    if study_json:
        shutil.copyfile(LISTS / study_json, root / "references.json")
    section = repo / SECTION
    section.write_text(section.read_text("utf-8") + f"\n{cites}\n", "utf-8")
    return repo


def check_lines(repo: Path) -> tuple[int, list[str]]:
    result = invoke(repo, "check", "countries/demo", "--no-cache")
    assert "Traceback" not in result.output
    return result.exit_code, [line for line in result.output.splitlines()
                              if ": error: " in line or ": warning: " in line]


# what the whole Better BibTeX library gets: one warning, at its first uncited entry
LIBRARY_UNCITED = (
    "countries/demo/references.bib:2:1: warning: {n} of the 1241 references in this file are "
    "never cited ('Oldrup2009CityRural', 'Kvorning2012BaeredygtigeForstaeder', {third}...); "
    "a study's list may hold only what it cites, and the series' list what several studies "
    "cite")
THIRD = "'Nygaard2011ArkitekturForstaet'"  # the third entry, when it is not cited
JSON_UNCITED = (
    "countries/demo/references.json:10:11: warning: {n} of the 15 references in this file "
    "are never cited ('doe10_edtf_2011', 'doe11_edtf_2011', 'doe12_edtf_2011'...); a "
    "study's list may hold only what it cites, and the series' list what several studies "
    "cite")
NO_DATE = ("warning: reference {key!r} has no date, which the citation style prints; its "
           "notes will print as the style prints a source without one (often \"n.d.\")")


def test_a_whole_library_with_undated_entries_is_judged_only_where_cited(tmp_path):
    # 59 undated entries and 1,240 never cited: none is an error, one warning for all
    repo = exported_repo(tmp_path, "Dated.[@Nygaard2011ArkitekturForstaet]", study_json=None)
    code, lines = check_lines(repo)
    assert lines == [LIBRARY_UNCITED.format(n=1240, third="'Thau2010ArkitekturenSom'")]
    assert code == 0


def test_a_crossref_entry_takes_its_date_from_its_parent(tmp_path):
    # westfahl:space has no date of its own: pandoc gives it westfahl:frontier's (2000)
    repo = exported_repo(tmp_path, "From a collection.[@westfahl:space, 57]",
                         study_bib=None, study_json=None)
    code, lines = check_lines(repo)
    assert lines == [] and code == 0


def test_an_xdata_entry_takes_its_date_from_its_data_set(tmp_path):
    # (an @xdata entry is never cited itself; nor is a parent its children draw on)
    repo = exported_repo(tmp_path, "Shared data.[@kaplan2021] None.[@lonely]",
                         study_bib=None, study_json=None)
    (repo / "countries/demo/references.bib").write_text(
        "@string{pub = {Éditions du Seuil}}\n"
        "@xdata{seuil-2021, publisher = pub, location = {Paris}, date = {2021}}\n"
        "@book{kaplan2021, author = {Kaplan, Zoé}, title = {Ça ira}, xdata = {seuil-2021}}\n"
        "@book{lonely, author = {Ōe, Kenzaburō}, title = {Man'en gannen no futtobōru}}\n",
        "utf-8")
    code, lines = check_lines(repo)
    assert lines == ["countries/demo/references.bib:4:1: " + NO_DATE.format(key="lonely")]
    assert code == 0


def test_an_entry_pandoc_cannot_read_is_located_and_the_others_still_judged(tmp_path):
    # bibtexparser takes a dangling #, pandoc (and so the build) stops on it
    repo = exported_repo(tmp_path, "Dangling.[@dangling] Undated.[@sansdate]",
                         study_bib=None, study_json=None)
    (repo / "countries/demo/references.bib").write_text(
        "@book{sansdate, title = {Ὁ χρόνος}}\n"
        "@book{dangling, title = {Écrit}, note = x # }\n", "utf-8")
    code, lines = check_lines(repo)
    assert lines == [
        "countries/demo/references.bib:1:1: " + NO_DATE.format(key="sansdate"),
        "countries/demo/references.bib:2:1: error: pandoc cannot read reference 'dangling' "
        "or an entry it takes fields from: BibLaTeX it refuses (a brace, quote, comma or # "
        "out of place)"]
    assert code == 1


def test_pandoc_stopped_by_its_time_limit_is_said_once(tmp_path, monkeypatch):
    from casestudy.files import pandoc

    repo = exported_repo(tmp_path, "One.[@primo] Two.[@secondo]", study_bib=None,
                         study_json=None)
    (repo / "countries/demo/references.bib").write_text(
        "@book{primo, title = {Primo}}\n@book{secondo, title = {Secondo}}\n", "utf-8")
    monkeypatch.setattr(pandoc, "TIMEOUT_SECONDS", 0.0001)
    code, lines = check_lines(repo)
    assert [line for line in lines if "primo" in line or "secondo" in line
            or "pandoc" in line] == [
        "countries/demo/references.bib:1:1: error: pandoc could not read this reference "
        "list: it took longer than 0.0001 s and was stopped",
        "countries/demo/references.bib:2:1: " + NO_DATE.format(key="secondo")]
    assert code == 1


def test_what_a_cited_entry_takes_from_its_parent_is_held_to_the_brief_fonts(tmp_path):
    # the note prints the parent's title as the chapter's book: no brief font has Han
    repo = exported_repo(tmp_path, "A chapter.[@chapter]", study_bib=None, study_json=None)
    (repo / "countries/demo/references.bib").write_text(
        "@incollection{chapter, author = {Lu, Xun}, title = {Kuangren riji}, "
        "crossref = {book}}\n"
        "@book{book, title = {呐喊}, date = {1923}, publisher = {Xinchao she}}\n", "utf-8")
    code, lines = check_lines(repo)
    assert lines == [
        "countries/demo/references.bib:2:22: error: U+5450 呐, U+558A 喊 (Han) are in no "
        "brief font; add a fallback font for Han to the brand"]
    assert code == 1


def test_a_cited_set_is_warned_with_its_members(tmp_path):
    repo = exported_repo(tmp_path, "A set.[@set]", study_bib=None, study_json=None)
    code, lines = check_lines(repo)
    assert lines == [
        "references.bib:26:1: warning: reference 'set' has no title and no date, which the "
        "citation style prints; its notes will print as the style prints a source without "
        "them (often \"n.d.\"); pandoc does not expand a @set: cite its members (@herrmann, "
        "@aksin, @yoon)"]
    assert code == 0


def test_a_jabref_database_is_read_as_it_is(tmp_path):
    # its chapters take their book, editors and date from their parent by crossref, which
    # is in use (not "never cited") when one of them is cited
    repo = exported_repo(tmp_path, "Icelandic.[@Bogadottir2012, 84]",
                         study_bib="jabref-5.1.bib", study_json=None)
    code, lines = check_lines(repo)
    assert lines == [
        "countries/demo/references.bib:26:1: warning: 18 of the 20 references in this file "
        "are never cited ('Clark2012a', 'Clark2012', 'Isson2012'...); a study's list may "
        "hold only what it cites, and the series' list what several studies cite"]
    assert code == 0


def test_a_style_that_prints_no_date_asks_for_none(tmp_path):
    # an undated book, an undated CSL-JSON entry: this style prints titles, never dates
    repo = exported_repo(tmp_path, "Undated.[@LatourNousNavons] Undated too.[@t2]")
    shutil.copyfile(LISTS / "author-title-notes.csl", repo / "author-title-notes.csl")
    series = repo / "series.yaml"
    series.write_text(series.read_text("utf-8") + "citations:\n  style: "
                      "author-title-notes.csl\n", "utf-8")
    code, lines = check_lines(repo)
    assert lines == [LIBRARY_UNCITED.format(n=1240, third=THIRD), JSON_UNCITED.format(n=14)]
    assert code == 0


def test_a_remembered_check_is_not_used_once_the_series_style_changes(tmp_path):
    repo = exported_repo(tmp_path, "Undated.[@LatourNousNavons]", study_json=None)
    csl = repo / "author-title-notes.csl"
    shutil.copyfile(LISTS / "author-title-notes.csl", csl)
    series = repo / "series.yaml"
    series.write_text(series.read_text("utf-8") + "citations:\n  style: "
                      "author-title-notes.csl\n", "utf-8")
    undated = "countries/demo/references.bib:12080:1: " + NO_DATE.format(key="LatourNousNavons")
    assert undated not in invoke(repo, "check", "countries/demo").output
    csl.write_text(csl.read_text("utf-8").replace(
        '<text variable="locator"/>', '<date variable="issued" form="text"/>'), "utf-8")
    assert undated in invoke(repo, "check", "countries/demo").output


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The whole arrangement, built: undated sources cited from each kind of list."""
    repo = exported_repo(tmp_path_factory.mktemp("lists"),
                         "A crossref.[@westfahl:space, 57] Undated.[@LatourNousNavons, 12] "
                         "Undated online.[@KobenhavnskSkybrud] Undated JSON.[@t2] "
                         "Dated.[@herrmann]")
    code, lines = check_lines(repo)
    result = build_study(repo / "countries/demo", repo / "build", ("pdf",), load_series(repo))
    return repo, code, lines, result


def test_cited_undated_entries_are_located_warnings_and_the_brief_builds(built):
    repo, code, lines, _ = built
    assert lines == [
        LIBRARY_UNCITED.format(n=1239, third=THIRD),
        "countries/demo/references.bib:51:1: " + NO_DATE.format(key="KobenhavnskSkybrud"),
        "countries/demo/references.bib:12080:1: " + NO_DATE.format(key="LatourNousNavons"),
        JSON_UNCITED.format(n=14),
        "countries/demo/references.json:312:11: " + NO_DATE.format(key="t2"),
    ]
    assert code == 0
    assert (repo / "build/demo.pdf").is_file()


def test_the_brief_prints_them_as_pandoc_does(built):
    repo, *_ = built
    text = " ".join(pdf_text(repo / "build/demo.pdf").split())
    # the crossref entry gets its book, place and date from its parent
    assert ("Gary Westfahl, “The True Frontier: Confronting and Avoiding the Realities of "
            "Space in American Science Fiction Films,” in Space and Beyond: The Frontier "
            "Theme in Science Fiction, ed. Gary Westfahl (Westport, Conn.; London: "
            "Greenwood, 2000), 57.") in text
    # an undated book: "n.d." where the year would be
    assert ("Bruno Latour, Nous n’avons jamais été modernes essai d’anthropologie "
            "symétrique, Nouv. (Paris: La Découverte, n.d.), 12.") in text
    # an undated web page: Chicago gives the day it was read instead
    assert "“Københavnsk skybrud dissekeret i populære artikler: DMI,” accessed December 16, " \
           "2014," in text


# ---------------------------------------------------------------- one size limit


def test_one_size_limit_for_a_reference_list(tmp_path):
    repo = exported_repo(tmp_path, "Dated.[@Nygaard2011ArkitekturForstaet]", study_json=None)
    bib = repo / "countries/demo/references.bib"
    library = bib.read_bytes()
    comment = b"\n% " + b"x" * 77 + b"\n"  # padding a BibTeX reader skips
    # a 3 MB export, larger than any section may be, is read
    bib.write_bytes(library + comment * ((3_000_000 - len(library)) // len(comment)))
    code, lines = check_lines(repo)
    assert lines == [LIBRARY_UNCITED.format(n=1240, third="'Thau2010ArkitekturenSom'")]
    assert code == 0
    # one byte past the limit is refused, at the file
    bib.write_bytes(library + b"%" * (MAX_BYTES + 1 - len(library)))
    code, lines = check_lines(repo)
    assert ("countries/demo/references.bib:1:1: error: reference list is larger than "
            "5,000,000 bytes, the limit for one; export only the collection the study "
            "cites") in lines
    assert code == 1
