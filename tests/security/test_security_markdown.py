"""Markdown: raw HTML never passes through, link schemes are allow-listed, and deep,
huge or broken files end in a located error or a render in bounded time.

The link and HTML rules have two layers: the checker reports each with its line, and
the renderer neutralises them again, so the renderer is also tested on a study that
skipped the checker (its PDF's link annotations are read back).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from casestudy.brand.load import default_brand
from casestudy.brand.model import BRANDING
from casestudy.render.html import render_html
from casestudy.source.body import render_body
from casestudy.source.load import load_series, load_study
from casestudy.source.parse import parse_section
from casestudy.source.renderer import RenderContext
from conftest import REPO
from hostile import HELPER, check_cli, check_in_child, errors_of, hostile_study, run_child

SERIES = load_series(REPO)
S05 = "study/sections/05-ownership.md"
NOT_ALLOWED = "is not allowed: links must be http, https, mailto or #"


def test_unsafe_links_and_raw_html_are_located_errors(tmp_path):
    hostile_study(tmp_path / "study", "markdown-links")
    result = check_cli(tmp_path, "study")
    assert result.exit_code == 1
    assert errors_of(result.stdout) == [
        f"{S05}:5:14: error: link 'javascript:alert(1)' {NOT_ALLOWED}",
        f"{S05}:5:41: error: link 'JaVaScRiPt:alert(2)' {NOT_ALLOWED}",
        f"{S05}:5:70: error: link 'file:///etc/passwd' {NOT_ALLOWED}",
        f"{S05}:5:97: error: link 'data:text/html,x' {NOT_ALLOWED}",
        f"{S05}:5:122: error: link 'vbscript:msgbox' {NOT_ALLOWED}",
        f"{S05}:5:145: error: link '//evil.example/x' {NOT_ALLOWED}",
        # written as &#106;avascript: the column is where the destination starts
        f"{S05}:5:171: error: link 'javascript:alert(7)' {NOT_ALLOWED}",
        f"{S05}:5:198: error: link 'javascript:alert(8)' {NOT_ALLOWED}",
        f"{S05}:7:1: error: raw HTML is not allowed ('<a rel=\"attachment\" "
        "href=\"/etc/passwd\">'); use Markdown",
        f"{S05}:7:48: error: raw HTML is not allowed ('</a>'); use Markdown",
        f"{S05}:9:1: error: raw HTML is not allowed ('<link rel=\"attachment\" "
        "href=\"file:///etc'); use Markdown",
        f"{S05}:11:1: error: raw HTML is not allowed ('<script>alert(\"x\")</script>'); "
        "use Markdown",
        f"{S05}:13:9: error: raw HTML is not allowed ('<iframe src=\"https://example.org/\">'); "
        "use Markdown",
        f"{S05}:13:44: error: raw HTML is not allowed ('</iframe>'); use Markdown",
        f"{S05}:13:54: error: raw HTML is not allowed ('<object data=\"figures/chart.svg\">'); "
        "use Markdown",
        f"{S05}:13:87: error: raw HTML is not allowed ('</object>'); use Markdown",
        f"{S05}:13:97: error: raw HTML is not allowed ('<svg onload=\"alert(1)\">'); "
        "use Markdown",
        f"{S05}:13:120: error: raw HTML is not allowed ('</svg>'); use Markdown",
    ]


@pytest.fixture(scope="module")
def unchecked(tmp_path_factory):
    """The hostile-links study rendered and printed WITHOUT the checker: the renderer alone."""
    from casestudy.render.pdf import html_to_pdf

    study = hostile_study(tmp_path_factory.mktemp("unchecked") / "study", "markdown-links")
    html = render_html(load_study(study), SERIES, "print", brand=default_brand())
    roots = [study, BRANDING, *default_brand().font_roots()]
    pdf = html_to_pdf(html, study, roots, b"0" * 16, study, 0)
    path = study.parent / "unchecked.pdf"
    path.write_bytes(pdf)
    return html, PdfReader(str(path))


def test_the_renderer_drops_unsafe_links(unchecked):
    html, _ = unchecked
    hrefs = re.findall(r'<a href="([^"]*)"', html)
    assert "https://example.org/fine" in hrefs and "mailto:editor@example.org" in hrefs
    for href in hrefs:
        assert re.match(r"(https?://|mailto:|#)", href), href
    assert "javascript" not in html.lower().replace("javascript:alert(8)", "")  # text only


def test_the_renderer_prints_raw_html_as_text(unchecked):
    html, reader = unchecked
    for tag in ("script", "iframe", "object", "link", "svg"):
        assert not re.search(rf"<{tag}[\s>]", html.split("<body", 1)[1]), tag
    assert "&lt;script&gt;" in html and "&lt;a rel=&#34;attachment&#34;" in html.replace(
        "&quot;", "&#34;")
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert '<link rel="attachment" href="file:///etc/hostname">' in text
    assert '<a rel="attachment" href="/etc/passwd">attached</a>' in text


def test_the_pdf_has_only_safe_link_annotations_and_no_attachments(unchecked):
    _, reader = unchecked
    uris = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            assert annot.get("/Subtype") != "/FileAttachment"
            action = annot.get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
            assert action is None or action.get("/S") in ("/URI", "/GoTo"), action
    assert "https://example.org/fine" in uris and "mailto:editor@example.org" in uris
    assert [u for u in uris if not re.match(r"(https?://|mailto:)", u)] == []
    assert "/EmbeddedFiles" not in (reader.trailer["/Root"].get("/Names") or {})


# ---------------------------------------------------------------- deep, huge, broken


def _section(study: Path, text: str | bytes, name: str = "05-ownership.md") -> Path:
    path = study / "sections" / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_deep_nesting_is_parsed_in_bounded_time_and_flagged():
    text = ("# Deep\n\n" + ">" * 10_000 + " quoted\n\n"
            + "*" * 5_000 + "x" + "*" * 5_000 + "\n\n" + "[" * 20_000 + "\n")
    parsed = parse_section(text)  # markdown-it caps nesting (maxNesting) instead of recursing
    html = render_body(parsed, RenderContext(image_url=str), "s")
    assert html.count("<blockquote>") <= 20
    assert "quoted" not in html  # what markdown-it drops past its limit ...
    assert parsed.too_deep is not None and parsed.too_deep.line == 3  # ... is reported


def test_too_deep_quotes_and_lists_are_located_errors(tmp_path):
    """Past 20 levels markdown-it silently drops text: the checker must say so."""
    study = hostile_study(tmp_path / "study", None)
    _section(study, "# Cross-border ownership\n\n" + ">" * 10_000 + " quoted\n")
    _section(study, "# Recommendations\n\nText.\n\n"
             + "".join("  " * i + f"- item {i}\n" for i in range(500)), "07-recommendations.md")
    result = check_in_child(study, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    deep = "error: quotes or lists nested 20 levels deep; the text inside would be lost"
    assert errors_of(result.stdout) == [f"{S05}:3:1: {deep}",
                                        f"study/sections/07-recommendations.md:14:1: {deep}"]


@pytest.fixture(scope="module")
def deep_build(tmp_path_factory):
    """A study nested just below the limit, built in a child process with a time limit."""
    base = tmp_path_factory.mktemp("deep")
    study = hostile_study(base / "study", None)
    _section(study, "# Cross-border ownership\n\n" + ">" * 18 + " quoted deep\n\n"
             + "".join("  " * i + f"- nested item {i}\n" for i in range(9)))
    result = run_child([str(HELPER), "build", str(study), str(base / "out")], base, timeout=300)
    return result, base / "out" / "study.pdf"


def test_nesting_below_the_limit_builds_within_the_time_limit(deep_build):
    result, pdf = deep_build
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(pdf)).pages)
    assert "quoted deep" in text and "nested item 8" in text


def test_a_huge_section_is_checked_in_bounded_time(tmp_path):
    study = hostile_study(tmp_path / "study", None)
    paragraph = "Lorem ipsum dolor sit amet [a link](https://example.org) *consectetur*. "
    size = len(_section(study, "# Cross-border ownership\n\n"
                        + (paragraph * 20 + "\n\n") * 1_300).read_bytes())
    assert 1_800_000 < size < 2_000_000
    result = check_in_child(study, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert re.fullmatch(rf"{S05}:1:1: warning: \d+ words of body text \(headings, footnotes, "
                        r"tables and figures not counted\); the ownership section should have "
                        r"\d+-\d+\n", result.stdout)


@pytest.mark.parametrize("raw, expected", [
    (b"# Cross-border ownership\n\n" + b"x" * 2_000_001,
     f"{S05}:1:1: error: file is larger than 2000000 bytes"),
    (b"# Cross-border ownership\n\nText\n\nA NUL \x00 byte\n",
     f"{S05}:5:7: error: file contains a NUL byte"),
    (b"# Cross-border ownership\n\nText\n\nLatin-1 caf\xe9 is not UTF-8\n",
     f"{S05}:5:12: error: file is not valid UTF-8"),
    (b"# Cross-border ownership\n\n\xff\xfe\x00\x00",
     f"{S05}:3:1: error: file is not valid UTF-8"),
], ids=["too-large", "nul", "latin-1", "utf-32-bom"])
def test_broken_files_are_located_errors(tmp_path, raw, expected):
    study = hostile_study(tmp_path / "study", None)
    _section(study, raw)
    result = check_cli(tmp_path, "study")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert errors_of(result.stdout) == [expected]
