"""Templates: author text is data, never a Jinja template, and is always escaped.

The hostile study puts template syntax and HTML in the title, subtitle, an author's
name and bio, the sponsor line, a topic, a section heading and a section body; the
HTML handed to WeasyPrint and the text of the PDF must show each literally.
"""

from __future__ import annotations

import re

import jinja2
import pytest

from casestudy.brand.load import default_brand
from casestudy.render.html import _environment, render_html
from casestudy.series.build import build_study
from casestudy.source.load import load_series, load_study
from conftest import REPO
from hostile import hostile_study
from pdfinfo import read_pdf

SERIES = load_series(REPO)
LITERALS = [
    "Template {{ 7*7 }} title",
    "{% raw %}x{% endraw %} and <b>bold</b> & {# comment #}",
    "Ada <script>alert(1)</script> Author",
    "Bio {{ cycler.__init__.__globals__.os.popen('id').read() }} ends here.",
    "{{ config }}",
    "Ownership {{ 8*8 }}",
    "{{ cycler.__init__.__globals__ }}",  # a code span in the section
    "and {% include passwd %} and {{ self }}.",
]


@pytest.fixture(scope="module")
def templated(tmp_path_factory):
    base = tmp_path_factory.mktemp("templates")
    study = hostile_study(base / "study", "templates")
    html = render_html(load_study(study), SERIES, "print", brand=default_brand())
    build_study(study, base / "out", ("pdf",), SERIES)
    return html, read_pdf(base / "out" / "study.pdf")


def test_the_study_is_valid_so_the_build_runs(templated):
    html, facts = templated
    assert len(facts.pages) >= 8


def test_author_text_reaches_the_html_escaped_and_unevaluated(templated):
    html, _ = templated
    for literal in LITERALS:
        assert jinja2.utils.markupsafe.escape(literal) in html or _escaped(literal) in html, \
            literal
    # the page's own file URLs name the temporary folder (pytest-641 holds a 64): left out
    body = re.sub(r'\b(src|href)="[^"]*"', "", html.split("<body", 1)[1])
    for evaluated in (">49<", " 49 ", "64", "<script>", "<b>bold</b>", "uid="):
        assert evaluated not in body, evaluated
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _escaped(text: str) -> str:
    """The markdown renderer's escaping (html.escape), which spells quotes as &quot;."""
    import html

    return html.escape(text)


def test_author_text_prints_literally_in_the_pdf(templated):
    _, facts = templated
    text = " ".join(facts.pages)
    for literal in LITERALS:
        assert literal in text, literal
    assert facts.reader.metadata.title.startswith("Template {{ 7*7 }} title")
    assert facts.reader.metadata["/Keywords"] == "{{ 6*7 }}"
    assert "42" not in text and "uid=" not in text


def test_the_jinja_environment_autoescapes_and_is_strict():
    env = _environment()
    assert env.autoescape is True
    assert env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
