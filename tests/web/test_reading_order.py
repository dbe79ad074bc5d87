"""The web edition reads in the order of the sources, as the PDF's tree does
(tests/render/test_tags.py): each section's text, block by block, in the order of its
Markdown, and each note reachable from its call and back, read in full in the notes."""

from __future__ import annotations

import shutil

import lxml.html
import pytest

from casestudy.series.build import build_study
from casestudy.source.load import load_series, load_study
from conftest import FIXTURES, REPO
from readingorder import norm, source_units

ITALY = REPO / "countries" / "italy"


@pytest.fixture(scope="module", params=["italy", "kitchen-sink"])
def page(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    if request.param == "italy":
        study, series = ITALY, load_series(REPO)
    else:
        root = out / "series"
        shutil.copytree(FIXTURES / "kitchen-sink", root, ignore=shutil.ignore_patterns("golden"))
        study, series = root / "countries" / "kitchen-sink", load_series(root)
    build_study(study, out / "build", ("html",), series)
    return lxml.html.parse(str(out / "build" / study.name / "index.html")).getroot(), study


def _text(element) -> str:
    """The element's text in document order, without the note calls' numbers."""
    copy = lxml.html.fromstring(lxml.html.tostring(element))
    for call in copy.xpath(".//sup[contains(@class, 'fn-call') or contains(@class, 'fn-again')]"):
        call.drop_tree()
    return copy.text_content()


def test_the_web_edition_reads_in_the_order_of_its_sources(page):
    doc, root = page
    notes = {li.get("id"): li for li in doc.xpath("//section[@role='doc-endnotes']//li")}
    problems: list[str] = []
    for section in load_study(root).sections:
        if section.parsed is None:
            continue
        units, defs = source_units(section)
        found = [s for s in doc.xpath("//section[h2]")
                 if norm(s.xpath("h2")[0].text_content()) == norm(section.parsed.heading or "")]
        if len(found) != 1:
            problems.append(f"{section.path.name}: {len(found)} sections under its heading")
            continue
        read, at = norm(_text(found[0])), 0
        for unit in units:
            where = read.find(unit, at)
            if where < 0:
                problems.append(f"{section.path.name}: {unit[:50]!r} out of order or missing")
                continue
            at = where + len(unit)
        calls = found[0].xpath(".//sup[contains(@class, 'fn-call')]/a")
        targets = [a.get("href").removeprefix("#") for a in calls]
        numbers = [int(t.removeprefix("fn-")) for t in targets]
        if numbers != sorted(numbers):
            problems.append(f"{section.path.name}: notes called out of order {numbers}")
        for target, call in zip(targets, calls, strict=True):
            note = notes.get(target)
            back = note.xpath(".//a[@role='doc-backlink']/@href") if note is not None else []
            if back != [f"#{call.getparent().get('id')}"]:
                problems.append(f"{section.path.name}: {target} not reached from its call and back")
        read_notes = " ".join(norm(notes[t].text_content()) for t in targets if t in notes)
        for label, text in defs.items():
            if text not in read_notes:
                problems.append(f"{section.path.name}: note [^{label}] not read")
    assert problems == []
