"""The first study of the series, built for real and read back as an editor would."""

from __future__ import annotations

import re

import pdfplumber
import pytest

from casestudy.brand.load import default_brand
from casestudy.check.study import check_study
from casestudy.source.load import load_study
from conftest import REPO
from pdfinfo import read_pdf

ITALY = REPO / "countries" / "italy"


@pytest.fixture(scope="module")
def pdf(italy_pdf):
    return italy_pdf


def test_italy_is_a_complete_draft():
    study = load_study(ITALY)
    assert check_study(study, brand=default_brand()) == []  # clean even under --strict
    assert study.meta is not None
    assert study.meta.title == "Una squadra vincente"
    assert study.meta.subtitle == "The US-Italian defense-industrial partnership"
    sections = [s.parsed for s in study.sections]
    assert all(sections)
    assert sum(p.words for p in sections) >= 4000
    assert sum(len(p.footnote_defs) for p in sections) >= 30
    assert any(b.kind == "table" for p in sections for b in p.blocks)
    assert any(b.kind == "chart" for p in sections for b in p.blocks)  # drawn from its CSV


def test_cover_and_footers(pdf):
    facts = read_pdf(pdf)
    assert 12 <= len(facts.pages) <= 30
    assert "Una squadra vincente" in facts.pages[0]
    assert "The US-Italian defense-industrial partnership" in facts.pages[0]
    assert "ISSUE BRIEF" in facts.pages[0]
    for n, text in enumerate(facts.pages[1:], start=2):
        assert f"Page {n} of {len(facts.pages)}" in text
    assert [title for depth, title in facts.outline if depth == 0][:3] == [
        "Key points", "The imperative of allied industrial integration",
        "The state of the US-Italian defense-industrial relationship"]


def test_every_footnote_is_printed_on_the_page_of_its_first_call(pdf):
    first_call: dict[int, int] = {}
    printed: dict[int, int] = {}
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            for word in page.extract_words(extra_attrs=["size"]):
                size, text = round(word["size"], 1), word["text"]
                if size == 6.5 and text.isdigit():  # a call: superscript in the text
                    first_call.setdefault(int(text), number)
                elif size == 7.5 and re.fullmatch(r"\d+\.", text) and word["x0"] < 80:
                    printed[int(text[:-1])] = number  # a note's number at the page foot
    assert len(printed) >= 30
    assert sorted(printed) == list(range(1, len(printed) + 1))  # numbered through the brief
    assert {n: first_call.get(n) for n in printed} == printed


def test_only_brand_fonts_are_drawn_with(pdf):
    """No machine font in the real brief: pages and the SVG chart's form alike."""
    assert read_pdf(pdf).foreign_fonts(["Source Serif 4", "Source Sans 3"]) == set()


def _figure_alts(reader) -> list[str]:
    alts: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if not hasattr(node, "get"):
            return
        if node.get("/S") == "/Figure" and node.get("/Alt"):
            alts.append(str(node["/Alt"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return alts


def test_the_chart_is_drawn_from_its_csv_with_text_as_text(pdf):
    """Figure 1 is drawn from figures/leonardo-drs-revenue.csv: its title, axis and values
    are text in the brand sans, and the tagged figure's alt text lists the values."""
    facts = read_pdf(pdf)
    page = next(t for t in facts.pages if "Figure 1." in t)
    for text in ("Leonardo DRS annual revenue, 2020–2025", "Billions of current US dollars",
                 "2.78", "2.69", "3.65", "2020", "2025", "RADA is included"):
        assert text in page
    assert _figure_alts(facts.reader)[1:] == [  # after the publisher's logo
        "Bar chart of Leonardo DRS annual revenue, 2020–2025 (Billions of current US dollars, "
        "as reported): 2.78 in 2020, 2.88 in 2021, 2.69 in 2022, 2.83 in 2023, 3.23 in 2024 "
        "and 3.65 in 2025."]
    with pdfplumber.open(pdf) as doc:
        number = next(i for i, t in enumerate(facts.pages) if "Figure 1." in t)
        words = doc.pages[number].extract_words(extra_attrs=["fontname"])
    fonts = {w["fontname"].split("+")[-1] for w in words if w["text"] in ("3.65", "2020")}
    assert fonts and all(f.startswith("Source-Sans-3") for f in fonts)


def test_cited_and_hand_written_notes_sit_together(pdf):
    study = load_study(ITALY)
    cited = [r.value for s in study.sections if s.parsed for r in s.parsed.citations]
    assert len(set(cited)) == len(study.library.entries) >= 10  # every source is used
    text = re.sub(r"\s+", " ", " ".join(read_pdf(pdf).pages))
    # the frigate report: cited twice, in full first and short after (written out twice
    # when the notes were typed by hand)
    full = ("US Government Accountability Office, Navy Frigate: Unstable Design Has Stalled "
            "Construction and Compromised Delivery Schedules, GAO-24-106546 (2024)")
    assert text.count(full) == 1
    assert ("US Government Accountability Office, Navy Frigate: Unstable Design Has Stalled "
            "Construction and Compromised Delivery Schedules.") in text
    # a hand-written note beside them, as typed
    assert "Decreto-legge 15 marzo 2012, n. 21" in text
