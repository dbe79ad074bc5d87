"""The structure tree of the brief (render/tags.py), walked as a screen reader walks it.

Italy and the kitchen sink are built and their tree read back with pikepdf
(pdftree.py): every footnote is a /Note with an /ID just after its call, the contents
are /TOC and /TOCI, every list item has /Lbl and /LBody, every /TH a /Scope, the key
points a titled /Sect, every figure /Alt and a /Caption, no /NonStruct, headings without
skips. The same checks run on the kitchen sink built without the tagging step and must find each
of those shortfalls, so none of them can pass by accident. Then the reading order: the
text read from the tree, in tree order, is the text of the Markdown sources, in their
order, section by section, notes included.
"""

from __future__ import annotations

import contextlib
import re
import shutil

import pytest

from casestudy.brand.load import load_brand
from casestudy.render import pdf as render_pdf
from casestudy.render import tags
from casestudy.render.html import render_html
from casestudy.series.build import build_study
from casestudy.source.load import load_series, load_study
from conftest import FIXTURES, REPO
from pdftree import Node, Tree, read_tree
from readingorder import norm, source_units

ITALY = REPO / "countries" / "italy"
KITCHEN = FIXTURES / "kitchen-sink"


def _build(root, study, out):
    build_study(study, out, ("pdf",), load_series(root))
    return _read(out / f"{study.name}.pdf", root, study)


def _read(pdf, root, study):
    series = load_series(root)
    html = render_html(load_study(study), series, "print", brand=load_brand(series.root))
    return read_tree(pdf), html, study


@pytest.fixture(scope="module")
def italy(italy_pdf):
    return _read(italy_pdf, REPO, ITALY)


@pytest.fixture(scope="module")
def kitchen(kitchen_pdf):
    pdf, study = kitchen_pdf
    return _read(pdf, study.parent.parent, study)


@pytest.fixture(scope="module")
def untagged(tmp_path_factory):
    """The kitchen sink (every kind of element, in half Italy's pages) as WeasyPrint
    alone tags it: the tagging step taken out."""
    root = tmp_path_factory.mktemp("untagged") / "series"
    shutil.copytree(KITCHEN, root, ignore=shutil.ignore_patterns("golden"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render_pdf, "pdf_tags", contextlib.nullcontext)
        return _build(root, root / "countries" / "kitchen-sink", root / "build")


def _kids(node: Node) -> list[str]:
    return [child.kind for child in node.children]


def shortfalls(tree: Tree, html: str) -> list[str]:
    """What the tree fails to say, one line a problem (empty: it says it all)."""
    found: list[str] = []
    nodes = list(tree.root.walk())
    # every footnote a /Note with its /ID, in the order of the calls, right after its call
    printed = [int(n) for n in re.findall(r'<span class="footnote" id="fn-(\d+)"', html)]
    notes = tree.all("Note")
    ids = [note.attrs.get("ID") for note in notes]
    if ids != [f"fn-{n}" for n in printed]:
        found.append(f"notes: {len(notes)} /Note with ids {ids[:5]}..., "
                     f"{len(printed)} footnotes printed")
    for note in notes:
        siblings = note.parent.children if note.parent else []
        at = siblings.index(note)
        call = siblings[at - 1] if at else None
        number = str(note.attrs.get("ID", "")).removeprefix("fn-")
        if call is None or call.kind != "Reference" or tree.text(call) != number:
            found.append(f"note {number}: not just after its call")
    # no anonymous element
    nonstruct = sum(node.kind == "NonStruct" for node in nodes)
    if nonstruct:
        found.append(f"{nonstruct} /NonStruct")
    # the contents: one /TOC of /TOCI, each with its link
    entries = len(re.findall(r'<li[^>]*><a href="#', html.split('<nav class="toc"')[1]
                             .split("</nav>")[0]))
    tocs = tree.all("TOC")
    if len(tocs) != 1 or _kids(tocs[0]) != ["TOCI"] * entries:
        found.append(f"contents: {len(tocs)} /TOC, {entries} entries printed")
    elif not all(any(k.kind == "Link" and k.annotations for k in item.children)
                 for item in tocs[0].children):
        found.append("contents: an entry without its link")
    # every list item a label and a body
    for item in tree.all("LI"):
        if _kids(item)[:2] != ["Lbl", "LBody"]:
            found.append(f"list item {tree.text(item)[:30]!r}: {_kids(item)}")
    # every header cell a scope
    for cell in tree.all("TH"):
        scope = (cell.attrs.get("A") or {}).get("Scope")  # type: ignore[union-attr]
        if scope not in ("Column", "Row", "Both"):
            found.append(f"header cell {tree.text(cell)!r}: no /Scope")
    # the key points: a /Sect titled, with its heading and list
    titled = [n for n in tree.all("Sect") if n.attrs.get("T") == "Key points"]
    if len(titled) != 1 or _kids(titled[0])[:2] != ["H2", "L"]:
        found.append("key points: no /Sect titled Key points holding its heading and list")
    # every figure of the body: /Alt, and its /Caption beside it
    body_figures = len(re.findall(r"<figure", html))
    figures = [n for n in tree.all("Figure") if n.parent and n.parent.kind != "Div"
               or n.parent and "Caption" in _kids(n.parent)]
    if len(figures) != body_figures:
        found.append(f"figures: {len(figures)} /Figure with a /Caption, {body_figures} printed")
    for figure in tree.all("Figure"):
        if not figure.attrs.get("Alt"):
            found.append("a /Figure without /Alt")
    # headings: one /H1, none inside another, no level skipped on the way down
    level = 0
    for node in nodes:
        if re.fullmatch(r"H[1-6]", node.kind):
            new = int(node.kind[1])
            if new > level + 1:
                found.append(f"heading {tree.text(node)!r}: H{level} then {node.kind}")
            level = new
            if any(re.fullmatch(r"H[1-6]", k.kind) for k in node.walk() if k is not node):
                found.append(f"heading {tree.text(node)!r}: a heading inside")
    if len(tree.all("H1")) != 1:
        found.append(f"{len(tree.all('H1'))} /H1")
    return found


def test_italy_structure_tree_says_what_each_part_is(italy):
    tree, html, _ = italy
    assert shortfalls(tree, html) == []
    assert len(tree.all("Note")) >= 35
    assert len(tree.all("TOCI")) == 8


def test_kitchen_sink_structure_tree_says_what_each_part_is(kitchen):
    tree, html, _ = kitchen
    assert shortfalls(tree, html) == []
    quotes = tree.all("BlockQuote")
    # the nested quotation, then one in each of four other scripts (05-ownership.md)
    assert len(quotes) == 6 and quotes[1].parent is quotes[0]
    assert tree.all("Code")
    assert len(tree.all("TH")) >= 10


def test_without_the_tagging_step_every_check_fails(untagged):
    """The checks above bite: on WeasyPrint's own tree each one reports its shortfall."""
    tree, html, root = untagged
    found = "\n".join(shortfalls(tree, html))
    for expected in ("notes: 0 /Note", "/NonStruct", "contents: 0 /TOC", "list item",
                     "no /Scope", "key points", "a heading inside"):
        assert expected in found
    assert any("not read" in problem for problem in reading_order_problems(tree, root))


def test_split_elements_are_joined_and_the_running_heads_stay_artifacts(italy):
    """One /Sect per section and one /P per paragraph, though pages cut them; the
    running heads and page numbers are in no element."""
    tree, _, _ = italy
    sections = [n for n in tree.all("Sect") if n.parent and n.parent.kind == "Document"]
    headings = [tree.text(n.children[0]) for n in sections if n.children[0].kind == "H2"]
    assert len(headings) == len(sections) - 1  # the cover has none
    text = "".join(tree.texts.values())
    assert "Page 2 of" not in text and "Allied Defense-Industrial Partnerships" in text
    all_text = " ".join(tree.text(n) for n in tree.root.children)
    assert "Page 3 of" not in all_text


def test_the_mapping_wraps_the_weasyprint_it_is_tested_with():
    """If WeasyPrint's tagging changes shape, this fails before any PDF goes untagged."""
    assert tags.shape_problem() is None


def test_pdf_tag_reads_the_data_attribute_then_the_class(caplog):
    class Box:
        def __init__(self, tag, **attrs):
            self.element_tag = tag
            self.element = {k.replace("_", "-"): v for k, v in attrs.items()}

    assert tags.pdf_tag(Box("ol", data_pdf_tag="TOC"), "L") == "TOC"
    assert tags.pdf_tag(Box("span", **{"class": "x footnote"}), "Span") == "Note"
    assert tags.pdf_tag(Box("span::footnote-call"), "NonStruct") == "Reference"
    assert tags.pdf_tag(Box("a::after"), "Link") == "Link"
    assert tags.pdf_tag(Box("em"), "NonStruct") == "Span"
    assert tags.pdf_tag(Box("ol", data_pdf_tag="Aside"), "L") == "L"  # PDF 2.0 only
    assert "not a standard structure type" in caplog.text


# ---------------------------------------------------------------- reading order

def _reading(tree: Tree, node: Node, out: list[str], notes: list[tuple[str, str]]) -> None:
    """The text of ``node`` in tree order, each note's text apart (with its id)."""
    if node.kind == "Note":
        notes.append((str(node.attrs.get("ID")), norm(tree.text(node))))
        return
    if node.kind == "Reference":
        return  # the call: the note's number
    if "ActualText" in node.attrs:
        out.append(str(node.attrs["ActualText"]))
        return
    for page_mcid in node.mcids:
        out.append(tree.texts.get(page_mcid, ""))
    for child in node.children:
        _reading(tree, child, out, notes)


def reading_order_problems(tree: Tree, root) -> list[str]:
    study = load_study(root)
    problems = []
    by_heading = {}
    for node in tree.all("Sect"):
        if node.children and node.children[0].kind == "H2":
            by_heading[norm(tree.text(node.children[0]))] = node
    for section in study.sections:
        if section.parsed is None:
            continue  # an optional section the study does not have
        units, defs = source_units(section)
        node = by_heading.get(norm(section.parsed.heading or ""))
        if node is None:
            problems.append(f"{section.path.name}: no /Sect under its heading")
            continue
        parts: list[str] = []
        notes: list[tuple[str, str]] = []
        _reading(tree, node, parts, notes)
        read = norm("".join(parts))
        at = 0
        for unit in units:
            found = read.find(unit, at)
            if found < 0:
                where = "earlier" if unit in read else "nowhere"
                problems.append(f"{section.path.name}: {unit[:50]!r} read {where}")
                continue
            at = found + len(unit)
        # the notes: each author's note read in full, in the order of its call
        note_text = " ".join(text for _, text in notes)
        for label, text in defs.items():
            if text not in note_text:
                problems.append(f"{section.path.name}: note [^{label}] not read")
        numbers = [int(key.removeprefix("fn-")) for key, _ in notes]
        if numbers != sorted(numbers):
            problems.append(f"{section.path.name}: notes read out of order {numbers}")
    return problems


def test_italy_reads_in_the_order_of_its_sources(italy):
    tree, _, root = italy
    assert reading_order_problems(tree, root) == []


def test_kitchen_sink_reads_in_the_order_of_its_sources(kitchen):
    tree, _, root = kitchen
    assert reading_order_problems(tree, root) == []
