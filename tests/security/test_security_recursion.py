"""Unbounded recursion: every nesting an author (or a hostile clone) controls, 10,000 deep.

Python's recursion limit is about 1,000 frames. Anything that recursed once per level
(``os.walk``, ``Path.rglob``, ``shutil.rmtree``, a footnote rendering its note which
renders its note...) ends in a RecursionError traceback. Each walk is now iterative or
bounded with a located error, and each is tried here at depth 10,000. SVG nesting is
tried in test_security_images.py.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from casestudy.brand.load import load_brand
from casestudy.check.memory import CheckCache
from casestudy.files.folders import MAX_FOLDER_DEPTH, remove_tree, walk
from casestudy.files.yamlfile import read_yaml
from casestudy.render.cache import inputs_digest
from casestudy.source.body import render_body
from casestudy.source.load import load_series
from casestudy.source.parse import MAX_INLINE_NESTING, parse_section
from casestudy.source.renderer import RenderContext
from conftest import invoke, norway_repo
from hostile import HELPER, deep_folders, run_child
from pdfinfo import pdf_text

DEPTH = 10_000


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder outside pytest's own temporary folders, removed (at any depth) after the
    test: pytest's clean-up of old runs uses shutil.rmtree, which a tree 10,000 folders
    deep would stop with a RecursionError, in this or a later session."""
    folder = Path(tempfile.mkdtemp(prefix="casestudy-deep-"))
    yield folder
    remove_tree(folder)


@pytest.fixture
def repo(scratch: Path) -> Path:
    return norway_repo(scratch)


def _assert_no_traceback(result) -> None:
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    assert "internal error" not in result.output


# ---------------------------------------------------------------- footnotes

def _chain(n: int) -> str:
    """A paragraph citing note c0, whose text cites c1, ... up to c<n>."""
    notes = "".join(f"[^c{i}]: Note {i} cites the next.[^c{i + 1}]\n\n" for i in range(n))
    return f"# Chain\n\nA chain starts here.[^c0]\n\n{notes}[^c{n}]: The last note.\n"


def test_a_chain_of_notes_citing_notes_is_a_located_error(repo):
    section = repo / "countries" / "norway" / "sections" / "03-relationship.md"
    section.write_text(_chain(DEPTH))
    check = invoke(repo, "check", "norway")
    _assert_no_traceback(check)
    assert check.exit_code == 1
    nested = [line for line in check.stdout.splitlines() if "is cited inside" in line]
    assert len(nested) == DEPTH
    assert nested[0] == ("countries/norway/sections/03-relationship.md:5:30: error: footnote "
                         "[^c1] is cited inside footnote [^c0]; a note cannot have a note of "
                         "its own: merge their text")
    build = invoke(repo, "build", "norway")
    _assert_no_traceback(build)
    assert build.exit_code == 1 and "norway: not built (fix the errors above)" in build.stderr


def test_a_note_citing_itself_is_a_located_error_too(repo):
    section = repo / "countries" / "norway" / "sections" / "03-relationship.md"
    section.write_text("# Loop\n\nText.[^a]\n\n[^a]: Itself.[^a]\n")
    result = invoke(repo, "check", "norway")
    assert ("countries/norway/sections/03-relationship.md:5:14: error: footnote [^a] is "
            "cited inside footnote [^a]; a note cannot have a note of its own: merge their "
            "text") in result.stdout.splitlines()


def test_the_renderer_alone_never_recurses_through_notes():
    """Even with the checker skipped, a note cited in a note is printed as written."""
    parsed = parse_section(_chain(DEPTH))
    html = render_body(parsed, RenderContext(image_url=str), "s")
    assert html.count('class="footnote"') == 1 and "[^c1]" in html
    web = RenderContext(image_url=str, mode="web")
    render_body(parse_section(_chain(DEPTH)), web, "s")
    assert len(web.endnotes) == 1


# ---------------------------------------------------------------- folders

def _deep_figures(repo: Path) -> str:
    deep_folders(repo / "countries" / "norway" / "figures", DEPTH, leaf="x.png")
    return "countries/norway/figures/" + "/".join(["d"] * (MAX_FOLDER_DEPTH + 1))


def test_a_deep_figures_tree_is_a_located_error_for_check_build_and_series(repo):
    where = _deep_figures(repo)
    error = (f"{where}:1:1: error: figures/ nests folders more than {MAX_FOLDER_DEPTH} deep; "
             "this folder is not read")
    check = invoke(repo, "check", "norway")
    _assert_no_traceback(check)
    assert check.exit_code == 1 and check.stdout.splitlines() == [error]
    build = invoke(repo, "build", "--format", "all")
    _assert_no_traceback(build)
    assert build.exit_code == 1 and build.stdout.splitlines() == [error]
    series = invoke(repo, "series")
    _assert_no_traceback(series)
    assert series.exit_code == 1 and error in series.stdout
    upgrade = invoke(repo, "upgrade", "norway")  # it walks the whole study: one level less
    assert upgrade.exit_code == 2 and upgrade.stderr == (
        f"{where.removesuffix('/d')}:1:1: error: folders are nested more than "
        f"{MAX_FOLDER_DEPTH} deep; nothing was read or written\n")


def test_digests_of_a_deep_tree_are_taken_without_recursion(repo):
    study = repo / "countries" / "norway"
    _deep_figures(repo)
    assert CheckCache.digest(study) is None  # a tree the checker refuses is never cached
    assert len(inputs_digest(study, load_series(repo), load_brand(repo))) == 64


def test_a_deep_committed_web_edition_is_replaced(repo):
    """A clone may ship build/<slug> 10,000 folders deep: the build removes it whole."""
    deep_folders(repo / "build" / "norway", DEPTH, leaf="old.html")
    result = invoke(repo, "build", "--format", "html")
    _assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (repo / "build" / "norway").iterdir()) == [
        "figures", "index.html", "norway.pdf"]  # assets/ are shared by the series now
    assert [p.name for p in (repo / "build").iterdir() if p.name.startswith(".norway")] == []


def test_walk_and_remove_tree_at_depth_ten_thousand(scratch):
    top = deep_folders(scratch / "top", DEPTH, leaf="x.png")
    (top / "a.txt").write_text("a")
    refused: list[OSError] = []
    seen = [(folder, dirs, names) for folder, dirs, names in walk(top, refused.append)]
    assert len(seen) == MAX_FOLDER_DEPTH + 1 and seen[0] == (top, ["d"], ["a.txt"])
    assert [e.filename for e in refused] == [str(top / "/".join(["d"] * (MAX_FOLDER_DEPTH + 1)))]
    remove_tree(top)
    assert not top.exists()


def test_remove_tree_removes_links_never_their_targets(tmp_path):
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "precious.txt").write_text("x")
    top = tmp_path / "top"
    (top / "sub").mkdir(parents=True)
    (top / "sub" / "link").symlink_to(keep)
    (top / "file-link").symlink_to(keep / "precious.txt")
    remove_tree(top)
    assert not top.exists() and (keep / "precious.txt").read_text() == "x"
    (tmp_path / "alias").symlink_to(keep)
    remove_tree(tmp_path / "alias")  # a link as the top: only the link goes
    assert not os.path.lexists(tmp_path / "alias") and (keep / "precious.txt").exists()


# ---------------------------------------------------------------- YAML and Markdown

@pytest.mark.parametrize("text", [
    "title: " + "[" * DEPTH + "]" * DEPTH + "\n",
    "title: " + "{a: " * DEPTH + "1" + "}" * DEPTH + "\n",
    "title:\n" + "- " * DEPTH + "x\n",
], ids=["flow-sequences", "flow-mappings", "block-sequences"])
def test_yaml_nested_ten_thousand_deep_is_a_located_error(tmp_path, text):
    path = tmp_path / "study.yaml"
    path.write_text(text)
    doc = read_yaml(path)
    assert doc.problems and all(p.path == str(path) and p.line >= 1 for p in doc.problems)
    assert any("nested" in p.message for p in doc.problems)


@pytest.mark.parametrize(("text", "line"), [
    ("- " * DEPTH + "item\n", 3),
    ("> - " * (DEPTH // 2) + "item\n", 3),
    ("1. " * DEPTH + "item\n", 3),
    ("".join(" " * (2 * i) + "- item\n" for i in range(DEPTH // 10)), 12),  # 10th list
], ids=["lists", "quotes-and-lists", "ordered-lists", "indented-lists"])
def test_markdown_nested_ten_thousand_deep_is_flagged_not_recursed(text, line):
    parsed = parse_section("# Deep\n\n" + text)
    assert parsed.too_deep is not None and parsed.too_deep.line == line
    render_body(parsed, RenderContext(image_url=str), "s")


def test_links_nested_ten_thousand_deep_parse_in_bounded_time():
    parsed = parse_section("# Deep\n\n" + "[" * DEPTH + "x" + "](#a)" * DEPTH + "\n")
    render_body(parsed, RenderContext(image_url=str), "s")


def test_emphasis_nested_past_the_limit_is_a_located_error(repo):
    """markdown-it does not cap inline nesting: 2,000 asterisks around a word passed the
    checker and stopped the PDF renderer with a RecursionError."""
    section = repo / "countries" / "norway" / "sections" / "03-relationship.md"
    section.write_text(section.read_text() + "\n" + "*" * DEPTH + "deep" + "*" * DEPTH + "\n")
    line = section.read_text().count("\n")
    result = invoke(repo, "check", "norway")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"countries/norway/sections/03-relationship.md:{line}:1: error: emphasis or links "
        f"nested more than {MAX_INLINE_NESTING} levels deep"]


def test_nesting_at_every_limit_at_once_builds(repo, scratch):
    """What the checker passes builds: 18 quotes, with emphasis 20 levels deep inside."""
    section = repo / "countries" / "norway" / "sections" / "03-relationship.md"
    depth = "*" * (2 * MAX_INLINE_NESTING)
    section.write_text(section.read_text() + "\n" + "> " * 18 + depth + "deepest" + depth + "\n")
    assert invoke(repo, "check", "norway").exit_code == 0
    result = run_child([str(HELPER), "build", str(repo / "countries" / "norway"),
                        str(scratch / "out")], repo, timeout=300)
    assert result.returncode == 0, result.stderr
    text = pdf_text(scratch / "out" / "norway.pdf")
    assert "deepest" in text.replace("\u2010\n", "").replace("-\n", "")  # hyphenated or not
