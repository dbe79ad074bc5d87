"""Property-based tests (hypothesis): whatever an author types, the loader and the
checker answer with located problems, never an exception; the renderer's HTML holds
only the tags and links the series allows; slugs and ISO codes are always sane.

Examples are moderate in number (CI runs in minutes); a failure prints the smallest
input that breaks the property, which belongs in a fixture once fixed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pycountry
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casestudy.brand.load import default_brand
from casestudy.check.study import check_study
from casestudy.errors import ScaffoldError
from casestudy.files.fetch import SAFE_LINK
from casestudy.source.body import render_body
from casestudy.source.countries import SLUG, check_code, names_of, resolve, slugify
from casestudy.source.load import load_study
from casestudy.source.parse import parse_section
from casestudy.source.renderer import RenderContext
from conftest import FIXTURES

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

YAML_PIECES = ["title", "country", "authors", "code", "name", "date", "status", "topics",
               ": ", ":", "- ", "  ", "\t", "\n", "[", "]", "{", "}", ",", '"', "'", "#",
               "&a ", "*a", "!!python/object/apply:os.system ", "!foo ", "!!str ", "? ",
               "<<: ", "~", "yes", "NO", "1.10", "012", "12:30", "2026-01-15", "0x1F",
               "---\n", "...\n", "%YAML 1.1\n", "|\n", ">-\n", "\\", "\x00", "\ufeff", "é"]
MD_PIECES = ["# ", "## ", "\n", "\n\n", "  ", "    ", "> ", "- ", "1. ", "* ", "_", "`", "```",
             "[", "]", "(", ")", "![", "](", "<", ">", "</", "a", "img", "script",
             'src="', 'href="', "javascript:", "JaVaScRiPt:", "file:///etc/passwd",
             "http://127.0.0.1/", "//x", "mailto:", "#", "[^1]", "[^1]: ", "[^x]",
             "::: figure\n", "::: table\n", "::: pullquote\n", ":::\n", "Caption: ",
             "Source: ", "|", "|---|", "&#106;", "&amp;", "{{ 7*7 }}", "TODO", "\\", "\t",
             "figures/chart.svg", "../", "%2e%2e/", "\x00", "\ufeff", "word "]


def pieces(vocabulary: list[str]) -> st.SearchStrategy[str]:
    """Text assembled from the syntax that matters, mixed with arbitrary characters."""
    return st.lists(st.one_of(st.sampled_from(vocabulary), st.text(max_size=4)),
                    max_size=80).map("".join)


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("props") / "study"
    shutil.copytree(FIXTURES / "minimal", root)
    return root


def _assert_located(problems, root: Path) -> None:
    for problem in problems:
        assert problem.line >= 1 and problem.col >= 1, problem
        assert Path(problem.path).is_relative_to(root), problem
        assert problem.severity in ("error", "warning")
        assert problem.message and "Traceback" not in problem.message


@SETTINGS
@given(text=st.one_of(pieces(YAML_PIECES), st.text(max_size=300)))
def test_any_study_yaml_gives_located_problems_never_an_exception(study, text):
    (study / "study.yaml").write_text(text, "utf-8", errors="surrogatepass")
    loaded = load_study(study)
    problems = check_study(loaded, brand=default_brand())
    _assert_located(problems, study)
    if loaded.meta is None:
        assert any(p.is_error for p in problems)


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_any_bytes_as_study_yaml_give_located_problems(study, raw):
    (study / "study.yaml").write_bytes(raw)
    problems = check_study(load_study(study), brand=default_brand())
    _assert_located(problems, study)


@SETTINGS
@given(text=st.one_of(pieces(MD_PIECES), st.text(max_size=400)))
def test_any_section_gives_located_problems_never_an_exception(study, text):
    shutil.copyfile(FIXTURES / "minimal" / "study.yaml", study / "study.yaml")
    path = study / "sections" / "05-ownership.md"
    path.write_text(text, "utf-8", errors="surrogatepass")
    problems = check_study(load_study(study), brand=default_brand())
    _assert_located(problems, study)
    lines = max(1, text.count("\n") + 1)
    for problem in problems:
        if problem.path == str(path):
            assert problem.line <= lines, (problem, text)


ALLOWED_TAGS = {"p", "a", "em", "strong", "code", "pre", "h2", "h3", "h4", "h5", "h6", "ul",
                "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr",
                "br", "img", "sup", "span", "figure", "figcaption", "aside", "div", "s"}


@SETTINGS
@given(text=st.one_of(pieces(MD_PIECES), st.text(max_size=400)))
def test_rendered_html_holds_only_allowed_tags_and_links(text):
    parsed = parse_section(text)
    html = render_body(parsed, RenderContext(image_url=lambda src: "figures/x.svg"), "s")
    for tag in re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", html):
        assert tag in ALLOWED_TAGS, (tag, text)
    for href in re.findall(r'<a href="([^"]*)"', html):
        assert SAFE_LINK.match(href), (href, text)
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+=", html)  # no event handlers
    assert not re.search(r'<[a-z]+[^>]*\srel="', html)  # no rel=attachment, ever


@SETTINGS
@given(name=st.text(max_size=60))
def test_a_slug_is_always_well_formed_or_empty(name):
    slug = slugify(name)
    assert slug == "" or SLUG.match(slug), (name, slug)
    assert slugify(slug) == slug  # stable


@SETTINGS
@given(code=st.text(max_size=4))
def test_check_code_accepts_only_iso_codes(code):
    try:
        value = check_code(code)
    except ScaffoldError:
        return
    assert re.fullmatch(r"[A-Z]{2}", value)
    assert pycountry.countries.get(alpha_2=value) is not None


@pytest.mark.parametrize("code", sorted(c.alpha_2 for c in pycountry.countries))
def test_every_iso_country_resolves_to_itself(code):
    for name in names_of(code):
        assert resolve(name).code == code, name
        assert resolve(name, code).code == code, name
        assert resolve(name.upper(), code.lower()).code == code, name
    assert SLUG.match(resolve(names_of(code)[0]).slug)


STYLE_PIECES = ['"', "“", "”", "„", "‘", "’", "'", "«", "»", "‹", "›", "「", "」", "『", "』",
                "*", "_", "[^n]: ", "[^n]", '[//]: # "style: U.S."\n', "[//]: # (style: US)\n",
                "U.S.", " ", "\n", "\n\n", "    ", "word", "é", "三"]


@SETTINGS
@given(st.lists(st.sampled_from(STYLE_PIECES), max_size=60).map("".join))
def test_house_style_masking_keeps_every_position(text):
    """Whatever is blanked (quotations, cited titles, exemptions), a position found in the
    masked text is the same line and column in the file."""
    from casestudy.check.mask import mask as _mask

    masked = _mask(text)
    assert len(masked) == len(text)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [
        i for i, c in enumerate(text) if c == "\n"]
    assert all(m == t or m == " " for m, t in zip(masked, text, strict=True))
